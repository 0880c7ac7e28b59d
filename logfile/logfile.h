/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The JSON log file, SFTPGo 0.9 shape (spec "Logs", compat-facts.md "Logs"): one
 * object per line, keys in the order level, time, sender, then the category's
 * fields; time is local "2006-01-02T15:04:05.000". Root-only: only the monitor
 * opens the log file (the other processes log through common/log.h, whose lines
 * reach the monitor over RPC or worker events); the monitor's log sink writes its
 * own messages here as app lines with sender "service".
 */
#ifndef SFTPGO_LOGFILE_LOGFILE_H
#define SFTPGO_LOGFILE_LOGFILE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/log.h"

/* The "log" section of sftpgo.json (filled by config/conf.c). */
struct log_config {
	char *file_path;  /* "" = stderr; absolute after load */
	int max_size_mb;  /* 10 */
	int max_backups;  /* 5 */
	int max_age_days; /* 28 */
	bool compress;
	bool verbose; /* true */
};

/* Opens the file (or stderr when file_path is empty); rotation per cfg. */
int log_open(const struct log_config *cfg, char *err, size_t errlen);
/* Reopen after SIGHUP or external rotation. */
int log_reopen(void);
void log_close(void);

/* App log: {"level","time","sender","message"}; debug dropped unless verbose. */
void log_app(enum log_level l, const char *sender, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_vapp(enum log_level l, const char *sender, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Makes this file the process's sink for common/log.h: its messages become app
 * lines with sender "service", as long as log_app's (LOG_MSG_LIMIT). */
void log_file_install_sink(void);

/* sender Upload|Download */
void log_transfer(const char *sender, int64_t elapsed_ms, int64_t size_bytes,
                  const char *username, const char *file_path, const char *connection_id,
                  const char *protocol);

struct log_command {
	const char *sender; /* Rename Rmdir Mkdir Symlink Remove Chmod Chown Chtimes
	                       SSHCommand */
	const char *username;
	const char *file_path;
	const char *target_path;
	const char *filemode;    /* "" unless Chmod */
	int64_t uid, gid;        /* -1 unless Chown */
	const char *access_time; /* "YYYY-MM-DDTHH:MM:SS" or "" */
	const char *modification_time;
	const char *ssh_command;
	const char *connection_id;
	const char *protocol;
};
void log_command(const struct log_command *c);

/* Always level debug, as SFTPGo; login_type
 * publickey|password|keyboard-interactive|no_auth_tryed */
void log_connection_failed(const char *client_ip, const char *username,
                           const char *login_type, const char *error);

/* sender httpd: method, proto, remote_addr, request_id, uri, user_agent,
 * resp_status, resp_size, elapsed_ms (REST API spec section 14) */
void log_http(const char *remote_addr, const char *proto, const char *method,
              const char *user_agent, const char *uri, int resp_status, int64_t resp_size,
              int64_t elapsed_ms, const char *request_id);

/* Formats one line (no trailing newline) into a new string; exposed for tests. */
char *log_format_app(enum log_level l, const char *sender, const char *message);

#endif
