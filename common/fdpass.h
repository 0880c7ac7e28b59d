/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Passing one file descriptor with a small datagram over an AF_UNIX socket
 * (SCM_RIGHTS). Used on SOCK_SEQPACKET socketpairs, so one sendmsg is one message.
 */
#ifndef SFTPGO_COMMON_FDPASS_H
#define SFTPGO_COMMON_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

/* Sends len bytes of data and, when fd >= 0, that descriptor. 0 or -1 (errno). */
int fdpass_send(int sock, const void *data, size_t len, int fd);
/*
 * Receives one message into buf (at most cap bytes). *fd gets a passed descriptor
 * (close-on-exec) or -1. Returns the message length, 0 on EOF, -1 on error
 * (errno; EMSGSIZE when the message was truncated or carried more than one fd).
 */
ssize_t fdpass_recv(int sock, void *buf, size_t cap, int *fd);

#endif
