/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The session's requests to the monitor, one function per request with in-process
 * arguments (OpenSSH's mm_* stubs are the model). They send on fd 3, wait for the
 * answer and hand back plain values; no caller sees a frame. An exec channel's
 * exit status may arrive while an answer is awaited: it goes to the handler set
 * with mm_set_exit_handler. The monitor going away ends the process (_exit 0), a
 * monitor saying something unexpected too (_exit 1): nothing can be decided without
 * it.
 */
#ifndef SFTPGO_SESSION_MONITOR_CLIENT_H
#define SFTPGO_SESSION_MONITOR_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/rpc.h"

#define MM_FD 3

/* The process's log messages (common/log.h) go to the monitor's log as LOG
 * frames; _exit(1) when the monitor cannot be told. */
void mm_log_to_monitor(void);

/*
 * Start-up: the next HOSTKEY or INIT (into m, free with rpc_msg_free). 0, or -1 on
 * anything else (m is then empty).
 */
int mm_startup_next(struct rpc_msg *m);
/* Keys loaded, privileges dropped. 0 / -1. */
int mm_ready(void);
/*
 * Waits for a client connection: its socket (the address is not needed here), and
 * in banner_sent the version banner whose identification line the listener already
 * wrote ("" none; at most RPC_BANNER_MAX bytes + NUL).
 */
int mm_wait_conn(char *banner_sent, size_t len);

/* The client's identification string, for the connection list (no answer). */
void mm_client_version(const char *version);

/* An AUTH_RESULT: result is enum rpc_auth_verdict, msg the reason for the client. */
struct mm_auth_result {
	uint32_t result;
	char msg[RPC_TEXT_MAX + 1];
};
/* 0 with the monitor's verdict in r, -1 when the request could not be sent (a field
 * over its cap: refused locally). */
int mm_auth_password(const char *user, const char *password, struct mm_auth_result *r);
/* query: is the key acceptable (no signature yet); else a verified signature. */
int mm_auth_pubkey(const char *user, const char *key_type, const char *key_b64, int query,
                   struct mm_auth_result *r);

/* keyboard-interactive: the monitor asks questions or gives its verdict. */
struct mm_kbdint_reply {
	int is_questions; /* 1: q is set, 0: result is set */
	struct rpc_msg q; /* KBDINT_QUESTIONS (free with rpc_msg_free) */
	struct mm_auth_result result;
};
int mm_kbdint_start(const char *user, struct mm_kbdint_reply *r);
/* answers: count answers joined by '\n'. */
int mm_kbdint_answers(uint32_t count, const char *answers, struct mm_kbdint_reply *r);

/*
 * A worker for a channel (kind "sftp" with command "", or "exec"): 1 with *fd set,
 * 0 refused (the reason in msg), -1 when the request could not be sent.
 */
int mm_channel_open(uint32_t channel, const char *kind, const char *command, int *fd,
                    char *msg, size_t msglen);

/* Called for every CHANNEL_EXIT (message: "" for none). */
typedef void (*mm_exit_handler)(uint32_t channel, uint32_t exit_status,
                                const char *message);
void mm_set_exit_handler(mm_exit_handler h);
/*
 * After authentication, when the monitor's socket is readable: takes one frame if
 * there is one (CHANNEL_EXIT only). 0 ok or nothing there, -1 the monitor is gone.
 */
int mm_poll_exit(void);

#endif
