/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Read-ahead under libssh for the session's client socket (see readahead.c): the
 * session program's recv() and poll() serve libssh's 4 KiB reads from one large
 * read, and its send() lets poll() skip the system call that only re-reports a
 * writable socket. Only the attached descriptor is affected.
 */
#ifndef SFTPGO_SESSION_READAHEAD_H
#define SFTPGO_SESSION_READAHEAD_H

#include <stddef.h>
#include <sys/types.h>

/* Starts read-ahead on fd (the client socket); -1 on out of memory. */
int readahead_attach(int fd);
/* on: every read from the socket is ACKed at once (TCP_QUICKACK). */
void readahead_quickack(int on);
/* Bytes read from the socket that libssh has not taken yet. */
size_t readahead_pending(void);
/*
 * The next bytes sent on the socket must begin with these (at most RA_DROP_MAX),
 * which someone else already sent (the listener's SSH identification line): they
 * are dropped, the rest goes out. A send that does not match fails with EPROTO
 * and readahead_drop_failed() says so. Call after readahead_attach. 0 / -1.
 */
#define RA_DROP_MAX 256
int readahead_drop_sent(const void *bytes, size_t len);
int readahead_drop_failed(void);

#endif
