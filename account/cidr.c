/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * CIDR ranges for the per-user allowed_ip / denied_ip filters. Parsing is inet_pton
 * plus a strict decimal prefix. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are
 * folded to IPv4, as Go's net package does for SFTPGo: a client reaching a
 * dual-stack socket over IPv4 matches its IPv4 ranges, and a range written as
 * ::ffff:a.b.c.d/n with n >= 96 is the IPv4 range /n-96.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "common/parse.h"
#include "account/cidr.h"

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Textual address to (family, 4 or 16 bytes), exactly as written. */
static int
parse_addr(const char *s, int *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

static int
is_v4mapped(int family, const uint8_t addr[16])
{
	return family == AF_INET6 &&
	       memcmp(addr, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0;
}

/* ::ffff:a.b.c.d becomes a.b.c.d (AF_INET). */
static void
fold_v4mapped(int *family, uint8_t addr[16])
{
	if (!is_v4mapped(*family, addr))
		return;
	memmove(addr, addr + 12, 4);
	memset(addr + 4, 0, 12);
	*family = AF_INET;
}

/* "0".."999" with at most 3 digits and nothing else; the caller checks the range. */
static int
parse_prefix(const char *s, unsigned *out)
{
	uint64_t v;

	if (parse_decimal(&s, 3, &v) != 0 || *s != '\0')
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Clears every bit after the first prefix bits. */
static void
mask_addr(uint8_t addr[16], unsigned prefix)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = prefix > i * 8 ? prefix - i * 8 : 0;

		if (bits < 8)
			addr[i] &= (uint8_t)(0xff00u >> bits);
	}
}

int
cidr_parse(const char *s, struct cidr *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash;
	unsigned prefix, maxprefix;
	size_t hostlen;

	if (s == NULL || out == NULL)
		return -1;
	slash = strchr(s, '/');
	hostlen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (hostlen == 0 || hostlen >= sizeof(host))
		return -1;
	memcpy(host, s, hostlen);
	host[hostlen] = '\0';
	memset(out, 0, sizeof(*out));
	if (parse_addr(host, &out->family, out->addr) != 0)
		return -1;
	maxprefix = out->family == AF_INET ? 32 : 128;
	if (slash == NULL)
		prefix = maxprefix;
	else if (parse_prefix(slash + 1, &prefix) != 0 || prefix > maxprefix)
		return -1;
	if (is_v4mapped(out->family, out->addr) && prefix >= 96) {
		fold_v4mapped(&out->family, out->addr);
		prefix -= 96;
	}
	out->prefix = prefix;
	mask_addr(out->addr, prefix);
	return 0;
}

static int
contains_addr(const struct cidr *c, int family, const uint8_t addr[16])
{
	uint8_t masked[16];

	if (c->family != family)
		return 0;
	memcpy(masked, addr, sizeof(masked));
	mask_addr(masked, c->prefix);
	return memcmp(masked, c->addr, sizeof(masked)) == 0;
}

int
cidr_contains(const struct cidr *c, const char *ip)
{
	uint8_t addr[16];
	int family;

	if (c == NULL || ip == NULL || parse_addr(ip, &family, addr) != 0)
		return 0;
	fold_v4mapped(&family, addr);
	return contains_addr(c, family, addr);
}

int
cidr_addr_parse(const char *ip, int *family, uint8_t addr[16])
{
	if (ip == NULL || parse_addr(ip, family, addr) != 0)
		return -1;
	fold_v4mapped(family, addr);
	return 0;
}

int
cidr_contains_addr(const struct cidr *c, int family, const uint8_t addr[16])
{
	return contains_addr(c, family, addr);
}

int
cidr_equal(const struct cidr *a, const struct cidr *b)
{
	return a->family == b->family && a->prefix == b->prefix &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* 1 when s parses and contains the address, 0 when it does not, -1 unparsable. */
static int
entry_contains(const char *s, int family, const uint8_t addr[16])
{
	struct cidr c;

	if (cidr_parse(s, &c) != 0)
		return -1;
	return contains_addr(&c, family, addr);
}

/*
 * SFTPGo order: any denied match refuses, then a non-empty allowed list must match.
 * An unparsable denied entry refuses too (fail closed, like SFTPGo), an unparsable
 * allowed entry allows nothing; an unparsable client address passes only when there
 * are no filters at all.
 */
int
cidr_ip_allowed(const char *ip, const struct strlist *allowed,
                const struct strlist *denied)
{
	size_t n_allowed = allowed != NULL ? allowed->n : 0;
	size_t n_denied = denied != NULL ? denied->n : 0;
	uint8_t addr[16];
	int family;

	if (n_allowed == 0 && n_denied == 0)
		return 1;
	if (ip == NULL || parse_addr(ip, &family, addr) != 0)
		return 0;
	fold_v4mapped(&family, addr);
	for (size_t i = 0; i < n_denied; i++)
		if (entry_contains(denied->v[i], family, addr) != 0)
			return 0;
	for (size_t i = 0; i < n_allowed; i++)
		if (entry_contains(allowed->v[i], family, addr) == 1)
			return 1;
	return n_allowed == 0;
}
