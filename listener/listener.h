/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The listener (sftpgo-listener, exec'd by the monitor: fd 0 is the listening socket,
 * fd 3 a SOCK_SEQPACKET socketpair to the monitor; argv: chroot dir, uid, gid). It is
 * confined (empty chroot, unprivileged ids, rlimits), waits for its settings
 * (LISTENER_SETTINGS: max_startups_per_ip, proxy_protocol, proxy_allowed, the
 * version banner; sent again on SIGHUP, for connections accepted after it),
 * accept()s on the listening socket, sets TCP_NODELAY, and when
 * sftpd.proxy_protocol asks for a header writes the SSH identification line first
 * (SFTPGo 0.9.6 section 17 row 15: a client waiting for it does not stall), then
 * reads the PROXY header (before any SSH byte of the client, with a deadline, never
 * blocking other connections), enforces max_startups_per_ip (connections from one
 * IP not yet authenticated, counted on the real client address) and hands each
 * socket to the monitor (NEWCONN + SCM_RIGHTS, with the real client address and
 * the banner already written). The monitor answers RELEASE(ip) when one of those
 * connections authenticated or ended.
 */
#ifndef SFTPGO_LISTENER_LISTENER_H
#define SFTPGO_LISTENER_LISTENER_H

#include <sys/types.h>

/* Seconds a connection has to send its whole PROXY header. */
#define PROXY_HEADER_TIMEOUT_S 5

struct listener_params {
	int listen_fd;
	int monitor_fd;         /* SOCK_SEQPACKET */
	const char *chroot_dir; /* "" = none */
	uid_t uid;              /* (uid_t)-1 = keep */
	gid_t gid;
};

/* Never returns (exits 0 when the monitor goes away). */
void listener_run(const struct listener_params *p) __attribute__((noreturn));

#endif
