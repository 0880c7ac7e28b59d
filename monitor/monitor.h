/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The monitor (sftpgo serve): the root process that owns the config, the provider,
 * the host keys, the connection table and the log file. It never parses bytes from
 * the network: only typed RPC frames from its own children. Its files share
 * monitor/internal.h; this header is what the rest of the tree may use.
 */
#ifndef SFTPGO_MONITOR_MONITOR_H
#define SFTPGO_MONITOR_MONITOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/conf.h"
#include "common/strlist.h"
#include "account/user.h"

/* `sftpgo serve [flags]` (monitor/serve.c): argv[0] is "serve". Exit status. */
int monitor_serve(int argc, char **argv);

/* Host keys (monitor/hostkeys.c). */
struct hostkeys {
	struct strlist pem; /* private keys, OpenSSH/PEM text */
	struct strlist path;
};
/*
 * sftpd.keys, or id_rsa and id_ed25519 in the config dir, generated (0600) when
 * missing and generate is set. Returns 0 or -1 with a message naming the file.
 */
/* algos.c: every kex/cipher/MAC name is one the linked libssh supports, or -1 with
 * an error naming the key and the value. */
int algos_check(const struct sftpd_config *sc, char *err, size_t errlen);
/* listener_link.c: what the listener is given fits it (banner length: the SSH
 * identification line it writes; proxy_allowed entries), or -1 naming the key. */
int listener_config_check(const struct sftpd_config *sc, char *err, size_t errlen);
/* defender.c: common.defender's lists load (when enabled), or -1 naming the key and
 * the file's line. */
int mdefender_check(const struct defender_config *c, char *err, size_t errlen);
/* Logs what loads but deserves a word (at start and on SIGHUP). */
void listener_config_warn(const struct sftpd_config *sc);
int hostkeys_load(const struct sftpgo_config *cfg, int generate, struct hostkeys *hk,
                  char *err, size_t errlen);
void hostkeys_free(struct hostkeys *hk);
/* path exists, or a new private key (ECDSA P-256 when ecdsa, else RSA 3072) is
 * written there with mode 0600 (*generated 1); -1 with err otherwise. */
int hostkey_ensure(const char *path, int ecdsa, int *generated, char *err, size_t errlen);

/* Provider/hash work off the event loop (monitor/authpool.c). */
enum job_kind {
	JOB_PASSWORD,
	JOB_PUBKEY_QUERY,
	JOB_PUBKEY,
	JOB_LAST_LOGIN,
	JOB_KBDINT,
	JOB_QUOTA, /* a ledger's batch: used = used + delta */
	JOB_RELOAD /* SIGHUP: provider_reload (the memory provider's file) */
};
/* "password", "publickey", "keyboard-interactive" (login_type of the logs) */
const char *job_method(enum job_kind k);
struct provider;
struct job {
	enum job_kind kind;
	uint64_t sess_id;
	char *username;
	char *password;
	char *key_type;
	char
	    *key_b64; /* public key as the session saw it: decoded by auth_pubkey_parse */
	char client_ip[64];
	/* results */
	int ok;
	int creds_ok; /* the credentials matched: the reason may be told to the client */
	/* for the defender: the user exists (score_valid) / the provider failed (no
	 * score: not the client's doing); neither: an unknown user (score_invalid) */
	int user_found, provider_failed;
	char error[256];
	struct sftpgo_user *user; /* on success (owned by the job until taken) */
	uint64_t seq;             /* auth: when submitted (monitor/quota.c) */
	int64_t q_files, q_size;  /* JOB_QUOTA: the deltas */
	char *ext_out;            /* the external auth program's stdout: the user */
	size_t ext_out_len;
	int prelogin;   /* 1: only read the user for the pre-login program (its
	                   JSON in pre_user); 2: merge pre_out onto it, save, verify */
	char *pre_user; /* the stored user as JSON, password hash included */
	char *pre_out;  /* the pre-login program's stdout */
	size_t pre_out_len;
	void *ledger; /* JOB_QUOTA: whose */
	/* Any other work (the REST API, monitor/admin.c): run on a provider thread
	 * (p NULL when the provider could not be opened: j->error says why), then
	 * done on the event loop; admin is theirs (done frees it). */
	void (*run)(struct provider *p, struct job *j);
	void (*done)(struct job *j);
	void *admin;
	struct job *next;
};
/* Starts n threads, each with its own provider handle; results come back on the
 * returned fd (read struct job pointers from it). Returns the fd or -1. */
struct provider;
/* *first, when not NULL, becomes thread 0's handle (taken: *first is set to NULL). */
int authpool_start(const struct sftpgo_config *cfg, int n, struct provider **first,
                   char *err, size_t errlen);
void authpool_submit(struct job *j);
void authpool_stop(void);
void job_free(struct job *j);
/* On a pool thread: the external auth program's user (j->ext_out) validated and
 * saved (monitor/extauth.c). 0, or -1 with j->error. */
int extauth_apply(struct provider *p, const struct sftpgo_config *cfg, struct job *j);
/* The same for the pre-login program's output (j->pre_out) merged onto the stored
 * user (spec section 4). 0 (nothing to change included), or -1 with j->error. */
int prelogin_apply(struct provider *p, struct job *j);

/* System accounts (monitor/ids.c). */
/* sftpd.unprivileged_user (default sftpgo, else nobody): 0, or -1 with err. */
int find_unprivileged(const struct sftpgo_config *cfg, uid_t *uid, gid_t *gid, char *err,
                      size_t errlen);
/* sftpd.uid0_service_account resolved: the ids an account with uid or gid 0 is
 * served as, or unusable says why there are none ("" = usable). */
struct uid0_map {
	uid_t uid;
	gid_t gid;
	char unusable[256];
};
/* Resolves the key ("" = the unprivileged user's ids); logs a warning when unusable. */
void uid0_map_resolve(const struct sftpgo_config *cfg, uid_t unpriv_uid, gid_t unpriv_gid,
                      struct uid0_map *m);
/*
 * The ids a user's worker runs as under root: its own, with a 0 replaced by the
 * service account's (never root). -1 when the service account is unusable.
 */
void uid0_map_ids(const struct uid0_map *m, long long uid, long long gid,
                  long long *out_uid, long long *out_gid);

/* serve.c: a listening TCP socket on addr:port ("" = every address, IPv6 and
 * IPv4), or -1 with err (key names the setting in a resolver error). */
int listen_socket(const char *key, const char *addr, int port, char *err, size_t errlen);
/* httpd_link.c: the listening socket of httpd.bind_address:bind_port, or -1 with
 * err (opened by the monitor, passed to sftpgo-httpd). */
int httpd_open_socket(const struct httpd_config *hc, char *err, size_t errlen);
/* httpd.auth_user_file's text (malloc'd), or -1 with err naming the file. */
int httpd_auth_read(const char *path, char **text, size_t *len, char *err, size_t errlen);
/* HTTPS: reads httpd.certificate_file and certificate_key_file (both or neither),
 * checks that they parse and match, and keeps them for sftpgo-httpd (the old pair
 * wiped). 0 (also when neither is set), or -1 with err naming the key at fault. */
int httpd_tls_load(const struct httpd_config *hc, char *err, size_t errlen);
/* The kept pair wiped and freed. */
void httpd_tls_free(void);

/* The event loop (monitor/loop.c). */
struct monitor_params {
	struct sftpgo_config *cfg;
	/* Open provider handle for the first provider thread (authpool_start takes
	 * it and sets this to NULL); NULL: every thread opens its own. */
	struct provider *start_provider;
	struct hostkeys *keys;
	const char *libexec_dir;
	const char *empty_dir; /* chroot of listener and sessions, "" when not root */
	uid_t unpriv_uid;      /* (uid_t)-1 when not root */
	gid_t unpriv_gid;
	int listen_fd;
	int httpd_listen_fd; /* httpd.bind_address:bind_port, -1: no REST API */
	/* the web admin's directories (httpd.templates_path, static_files_path or
	 * their installed copies), "" when there are none: /web is then not served */
	char web_templates[4096];
	char web_static[4096];
	const char *config_dir_arg;
	const char *config_file_arg;
	/* sftpd.uid0_service_account, resolved at start (and on SIGHUP) when root */
	struct uid0_map uid0;
};
int monitor_run(struct monitor_params *p);

/*
 * Recounts u's home and virtual folders as u (monitor/quota_scan.c): an
 * sftpgo-worker from libexec_dir in scan mode, chrooted into the home and running
 * as u's uid/gid (a 0 mapped through uid0) when started as root, walks the home
 * and each folder's directory (opened here as for a channel's worker, passed as
 * fds; a missing one is warned about and skipped), counting regular files
 * (symlinks not followed), and reports. The root process never walks the tree.
 * 0, or -1 with err.
 */
int quota_scan_user(const struct sftpgo_user *u, const char *libexec_dir,
                    const struct uid0_map *uid0, int64_t *files, int64_t *size, char *err,
                    size_t errlen);

#endif
