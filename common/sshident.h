/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SSH identification line of a version banner, byte for byte as libssh 0.10's
 * server writes it (ssh_send_banner: "SSH-2.0-" banner CRLF). The listener writes
 * it before a PROXY header; the session checks that libssh's own line is the same
 * before dropping it (session/readahead.c).
 */
#ifndef SFTPGO_COMMON_SSHIDENT_H
#define SFTPGO_COMMON_SSHIDENT_H

#include <stdio.h>

/* SSH's limit for the line, CRLF included (RFC 4253 4.2). */
#define SSH_IDENT_MAX 255

/* The line into out (NUL-terminated); its length, or 0 when it exceeds the limit. */
static inline size_t
ssh_ident_line(const char *banner, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "SSH-2.0-%s\r\n", banner);

	if (n < 0 || (size_t)n >= outlen || n > SSH_IDENT_MAX)
		return 0;
	return (size_t)n;
}

#endif
