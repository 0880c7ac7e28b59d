/* SPDX-License-Identifier: BSD-2-Clause */
/* Subcommands of the sftpgo program; each is implemented by the module it names. */
#ifndef SFTPGO_CLI_COMMANDS_H
#define SFTPGO_CLI_COMMANDS_H

/* `sftpgo initprovider|user ...`: cli/admin.c. argv[0] is the subcommand name. */
int admin_main(int argc, char **argv);
/* `sftpgo quota scan ...`: cli/quota.c. argv[0] is "quota". */
int quota_main(int argc, char **argv);
/* `sftpgo defender list|unban ...`: cli/defender.c. argv[0] is "defender". */
int defender_main(int argc, char **argv);

/* `sftpgo portable ...`: cli/portable.c. argv[0] is "portable". */
int portable_main(int argc, char **argv);
/* `sftpgo user import ...`: cli/import.c. argv[0] is "import". */
int import_main(int argc, char **argv);

struct sftpgo_config;
struct provider;
struct sftpgo_user;
/*
 * Why a CLI command may not write to the configured provider, or NULL: the memory
 * provider's users live in the server process, which this one is not (cli/admin.c).
 */
const char *cli_provider_not_writable(const struct sftpgo_config *cfg);
/*
 * data_provider.actions for one user change (cli/hooks.c): runs the command and
 * the HTTP notification on a private event loop and waits for both (15 s each at
 * most). Identity as in `sftpgo serve`: sftpd.unprivileged_user, or root with
 * sftpd.hooks_run_as_root.
 */
void cli_user_changed(const struct sftpgo_config *cfg, const char *libexec_dir,
                      const char *action, const struct sftpgo_user *u);

/*
 * The add path of `sftpgo user add`, shared with `user import` (cli/admin.c): an
 * existing name is CLI_USER_EXISTS; then account_prepare_for_store (base dir,
 * validation, hashing a plain password, a known hash kept) and the provider's add.
 * 0, CLI_USER_EXISTS or -1, with the reason in err.
 */
#define CLI_USER_EXISTS 1
int cli_user_add_new(struct provider *p, const char *users_base_dir,
                     struct sftpgo_user *u, char *err, size_t errlen);
/* After a stored change: the user read back, then cli_user_changed (provider
 * actions); a failure to read back is reported on stderr as "sftpgo CMD: ...". */
void cli_user_stored(const struct sftpgo_config *cfg, struct provider *p,
                     const char *libexec_dir, const char *action, const char *username,
                     const char *cmd_name);
/* SFTPGo's default permissions: "/": ["*"]. 0 or -1 (out of memory). */
int cli_user_perms_all(struct sftpgo_user *u);

#endif
