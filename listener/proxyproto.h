/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) that a
 * load balancer writes before any SSH byte. A pure parser over the bytes seen so
 * far: the listener feeds it what it peeked and learns whether the header is
 * complete, needs more bytes, is absent or malformed. Fuzzed by fuzz/proxy_fuzz.c.
 */
#ifndef SFTPGO_LISTENER_PROXYPROTO_H
#define SFTPGO_LISTENER_PROXYPROTO_H

#include <stddef.h>
#include <stdint.h>

/* v1: at most 107 bytes with its CRLF; v2: 16 + length, refused above this. */
#define PROXY_V1_MAX 107
#define PROXY_V2_MAX (16 + 2048)
#define PROXY_HEADER_MAX PROXY_V2_MAX

#define PROXY_NEED_MORE (-2L) /* a prefix of a header: every byte seen belongs to it */
#define PROXY_BAD (-1L)       /* malformed; why says how */
#define PROXY_NONE 0L         /* not a header (first byte neither 'P' nor '\r') */

struct proxy_source {
	int has_addr; /* 0: LOCAL, UNKNOWN, UNSPEC or UNIX: use the socket's peer */
	char ip[46];  /* INET6_ADDRSTRLEN; IPv4-mapped IPv6 shown as IPv4 */
	unsigned port;
};

/*
 * b[0..len) are the first bytes of a connection. Returns the header's length (> 0)
 * with *src filled, or PROXY_NONE, PROXY_NEED_MORE or PROXY_BAD (*why set).
 */
long proxy_parse(const uint8_t *b, size_t len, struct proxy_source *src,
                 const char **why);

#endif
