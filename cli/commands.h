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

struct sftpgo_config;
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
struct sftpgo_user;
void cli_user_changed(const struct sftpgo_config *cfg, const char *libexec_dir,
                      const char *action, const struct sftpgo_user *u);

#endif
