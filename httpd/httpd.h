/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpgo-httpd, the admin HTTP process (issue 12): exec'd by the monitor with fd 0
 * the listening socket (httpd.bind_address:bind_port, opened by the monitor) and
 * fd 3 a SOCK_SEQPACKET socketpair to it; argv: chroot dir, uid, gid. Confined
 * like the listener (empty chroot, unprivileged ids, rlimits). It speaks HTTP
 * (libevent's evhttp: header and body caps, timeouts), routes through one table
 * (httpd/routes.c), checks what the REST API checks before any data is touched
 * (route, method, query parameters, body size and JSON shape) and turns each
 * operation into a typed monitor message (common/rpc_msgs.def, ADMIN_*); the
 * monitor answers with ADMIN_REPLY. It never opens the provider, the config file
 * or a user's files. Request log lines go to the monitor as HTTP_LOG.
 */
#ifndef SFTPGO_HTTPD_HTTPD_H
#define SFTPGO_HTTPD_HTTPD_H

#include <sys/types.h>

/* Connections served at once: accepting pauses above this (RLIMIT_NOFILE). */
#define HTTPD_MAX_CONNS 64
/* SFTPGo's server limits (spec section 1.1). */
#define HTTPD_HEADERS_MAX (64 * 1024)
#define HTTPD_TIMEOUT_S 60

struct httpd_params {
	int listen_fd;
	int monitor_fd;
	const char *chroot_dir; /* "" = none */
	uid_t uid;              /* (uid_t)-1 = keep */
	gid_t gid;
	int auth; /* httpd.auth_user_file is set: wait for HTTPD_AUTH, then require it */
	int tls;  /* HTTPS: wait for HTTPD_TLS, then serve TLS 1.2+ only */
	const char *templates;  /* the web admin's templates directory, "" = no web */
	const char *static_dir; /* its static files */
};

/* Never returns (exits 0 when the monitor goes away). */
void httpd_run(const struct httpd_params *p) __attribute__((noreturn));

#endif
