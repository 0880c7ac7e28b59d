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
/*
 * SFTPGo semantics: denied if ip is in any denied range, or allowed is non-empty and
 * ip is in none of its ranges. Unparsable entries never allow. 1 allowed, 0 not.
 */
int cidr_ip_allowed(const char *ip, const struct strlist *allowed,
                    const struct strlist *denied);

#endif
