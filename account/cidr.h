/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv4/IPv6 CIDR ranges (RFC 4632 / RFC 4291) for per-user IP filters. */
#ifndef SFTPGO_ACCOUNT_CIDR_H
#define SFTPGO_ACCOUNT_CIDR_H

#include <stdint.h>

#include "common/strlist.h"

struct cidr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned prefix;
};

/* Accepts "192.0.2.0/24", "2001:db8::/32" and a bare address (full-length prefix). */
int cidr_parse(const char *s, struct cidr *out);
/* ip is a textual address; an IPv4-mapped IPv6 address matches IPv4 ranges. */
int cidr_contains(const struct cidr *c, const char *ip);
/* A textual address parsed once for many cidr_contains_addr() calls (IPv4-mapped
 * folded to IPv4). 0 or -1. */
int cidr_addr_parse(const char *ip, int *family, uint8_t addr[16]);
int cidr_contains_addr(const struct cidr *c, int family, const uint8_t addr[16]);
/* The same network (family, prefix, address). */
int cidr_equal(const struct cidr *a, const struct cidr *b);
/*
 * SFTPGo semantics: denied if ip is in any denied range, or allowed is non-empty and
 * ip is in none of its ranges. Unparsable entries never allow. 1 allowed, 0 not.
 */
int cidr_ip_allowed(const char *ip, const struct strlist *allowed,
                    const struct strlist *denied);

#endif
