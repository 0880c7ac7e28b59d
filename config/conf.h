/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpgo.json: SFTPGo 0.9's sections, keys and defaults (spec "Configuration"), plus
 * the few keys this implementation adds (marked "ours"). Loading order: defaults,
 * then the file <config_dir>/<config_file>.json (if present), then SFTPGO_SECTION__KEY
 * environment variables. Unknown keys and bad values are errors naming the key.
 */
#ifndef SFTPGO_CONFIG_CONF_H
#define SFTPGO_CONFIG_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "logfile/logfile.h" /* struct log_config: the log file owns its settings */
#include "common/strlist.h"

struct actions_config {
	struct strlist execute_on;
	char *command;
	char *http_notification_url;
};

struct sftpd_config {
	int bind_port;      /* 2022 */
	char *bind_address; /* "" = all */
	int idle_timeout;   /* minutes, 15; 0 = off */
	int max_auth_tries; /* 0 = 6, <0 = unlimited */
	char *umask;        /* "0022" as in the file */
	mode_t umask_mode;  /* parsed */
	char *banner;       /* "" = "SFTPGo_<version>" */
	int upload_mode;    /* 0, 1, 2 */
	struct actions_config actions;
	struct strlist keys; /* private key paths, absolute after load */
	bool enable_scp;
	struct strlist kex_algorithms;
	struct strlist ciphers;
	struct strlist macs;
	char *login_banner_file;             /* absolute after load, "" = none */
	int setstat_mode;                    /* 0, 1 */
	struct strlist enabled_ssh_commands; /* md5sum sha1sum cd pwd */
	char *keyboard_interactive_auth_program;
	/* ours */
	int session_pool_size;   /* pre-forked session processes, default 4 */
	char *unprivileged_user; /* "" = "sftpgo" if it exists, else "nobody" */
	int max_startups_per_ip; /* ours: concurrent unauthenticated conns per IP, 20 */
	int proxy_protocol;      /* 0 off, 1 optional, 2 required */
	struct strlist proxy_allowed;    /* IPs / CIDRs allowed to send a PROXY header */
	int max_channels_per_connection; /* ours: OpenSSH's MaxSessions, 10 */
	char *uid0_service_account;      /* ours: uid/gid 0 accounts run as it; "" =
	                                    unprivileged */
	bool hooks_run_as_root;          /* ours: hooks run as root (SFTPGo), not as the
	                                    unprivileged user / the file's owner */
};

struct provider_config {
	char *driver; /* sqlite mysql postgresql bolt memory */
	char *name;   /* sqlite: absolute after load */
	char *host;
	int port;
	char *username;
	char *password;
	int sslmode;
	char *connection_string;
	char *users_table;
	int manage_users;
	int track_quota;
	int pool_size;
	char *users_base_dir;
	struct actions_config actions;
	char *external_auth_program;
	int external_auth_scope;
	char *credentials_path;
	char *pre_login_program; /* refused until hooks exist */
};

struct httpd_config {
	int bind_port;      /* 8080; 0 = disabled */
	char *bind_address; /* "127.0.0.1" */
	char *templates_path;
	char *static_files_path;
	char *backups_path;
	char *auth_user_file;
	char *certificate_file;
	char *certificate_key_file;
};

/* common.defender (SFTPGo 2.x's section and keys; not in a 0.9 file: off). */
struct defender_config {
	bool enabled;
	int ban_time;             /* minutes, 30 */
	int ban_time_increment;   /* percent of ban_time per earlier ban, 50 */
	int threshold;            /* 15 */
	int score_invalid;        /* 2 */
	int score_valid;          /* 1 */
	int score_limit_exceeded; /* 3 */
	int observation_time;     /* minutes, 30 */
	int entries_soft_limit;   /* 100 */
	int entries_hard_limit;   /* 150 */
	char *safelist_file;      /* absolute after load, "" = none */
	char *blocklist_file;
};

struct common_config {
	struct defender_config defender;
};

struct sftpgo_config {
	char *config_dir;            /* absolute */
	char *config_file_used;      /* absolute path of the file read, NULL if none */
	struct common_config common; /* SFTPGo 2.x's section: only its defender */
	struct sftpd_config sftpd;
	struct provider_config data_provider;
	struct httpd_config httpd;
	struct log_config log;
};

/*
 * config_dir: --config-dir (NULL = $SFTPGO_CONFIG_DIR or "."); config_file:
 * --config-file without extension (NULL = $SFTPGO_CONFIG_FILE or "sftpgo").
 * Returns 0, or -1 with a message naming the file and key in err.
 */
int config_load(struct sftpgo_config *cfg, const char *config_dir,
                const char *config_file, char *err, size_t errlen);
/* Defaults only (used by tests and when writing a sample file). */
void config_defaults(struct sftpgo_config *cfg);
void config_free(struct sftpgo_config *cfg);
/* Resolves p against the config dir when relative; returns a new string. */
char *config_path(const struct sftpgo_config *cfg, const char *p);
/* The sample sftpgo.json with every key at its default. */
char *config_default_json(void);
/* The same for a loaded configuration (what every format maps to). */
char *config_to_json(const struct sftpgo_config *cfg);

#endif
