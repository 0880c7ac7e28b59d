/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * PROXY protocol v1 ("PROXY TCP4 src dst sport dport\r\n") and v2 (binary) headers.
 * Deviations from SFTPGo 0.9.6 (its go-proxyproto revision), on purpose: "PROXY
 * UNKNOWN" and v2 LOCAL / AF_UNSPEC / AF_UNIX (load-balancer health checks) are
 * accepted and leave the socket's address in place instead of failing.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/parse.h"
#include "listener/proxyproto.h"

static const uint8_t v2_sig[12] = {'\r', '\n', '\r', '\n', 0,   '\r',
                                   '\n', 'Q',  'U',  'I',  'T', '\n'};
static const char v1_sig[] = "PROXY ";

static long
bad(const char **why, const char *w)
{
	*why = w;
	return PROXY_BAD;
}

/* "0".."65535", digits only, no leading zero except "0" itself. */
static int
parse_port(const char *s, unsigned *out)
{
	uint64_t v;

	if ((s[0] == '0' && s[1] != '\0') || parse_decimal(&s, 5, &v) != 0 ||
	    *s != '\0' || v > 65535)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Text of a raw address; ::ffff:a.b.c.d becomes a.b.c.d, as the listener shows it. */
static void
addr_text(int af, const uint8_t *a, char *out, size_t outlen)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (af == AF_INET6 && memcmp(a, mapped, sizeof(mapped)) == 0) {
		af = AF_INET;
		a += 12;
	}
	if (inet_ntop(af, a, out, (socklen_t)outlen) == NULL)
		out[0] = '\0';
}

/* The v1 line without its CRLF, split on single spaces into exactly 6 fields. */
static long
parse_v1_line(char *line, size_t hdrlen, struct proxy_source *src, const char **why)
{
	char *f[7];
	size_t n = 0;
	uint8_t a[16], d[16];
	unsigned sport, dport;
	int af;

	for (char *p = line; n < 7;) {
		f[n++] = p;
		p = strchr(p, ' ');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	if (n >= 2 && strcmp(f[1], "UNKNOWN") == 0) {
		src->has_addr =
		    0; /* the rest of the line is ignored (the spec says so) */
		return (long)hdrlen;
	}
	if (n != 6)
		return bad(why, "PROXY v1: expected PROXY TCP4|TCP6 src dst sport dport");
	if (strcmp(f[1], "TCP4") == 0)
		af = AF_INET;
	else if (strcmp(f[1], "TCP6") == 0)
		af = AF_INET6;
	else
		return bad(why, "PROXY v1: unknown protocol (TCP4, TCP6 or UNKNOWN)");
	if (inet_pton(af, f[2], a) != 1 || inet_pton(af, f[3], d) != 1)
		return bad(why, "PROXY v1: bad address");
	if (parse_port(f[4], &sport) != 0 || parse_port(f[5], &dport) != 0)
		return bad(why, "PROXY v1: bad port");
	addr_text(af, a, src->ip, sizeof(src->ip));
	src->port = sport;
	src->has_addr = src->ip[0] != '\0';
	return (long)hdrlen;
}

static long
parse_v1(const uint8_t *b, size_t len, struct proxy_source *src, const char **why)
{
	char line[PROXY_V1_MAX + 1];
	size_t i;

	for (i = 0; i < len && i < PROXY_V1_MAX; i++) {
		if (b[i] == '\n')
			break;
		if (b[i] == '\0')
			return bad(why, "PROXY v1: NUL byte in the header");
	}
	if (i == len && len < PROXY_V1_MAX)
		return PROXY_NEED_MORE;
	if (i == PROXY_V1_MAX || i == len)
		return bad(why, "PROXY v1: no CRLF within 107 bytes");
	if (i == 0 || b[i - 1] != '\r')
		return bad(why, "PROXY v1: the line must end with CRLF");
	memcpy(line, b, i - 1);
	line[i - 1] = '\0';
	return parse_v1_line(line, i + 1, src, why);
}

static long
parse_v2(const uint8_t *b, size_t len, struct proxy_source *src, const char **why)
{
	size_t body, total;
	unsigned cmd, fam;

	if (len < 16)
		return PROXY_NEED_MORE;
	if ((b[12] >> 4) != 2)
		return bad(why, "PROXY v2: unsupported version");
	cmd = b[12] & 0xf;
	fam = b[13] >> 4;
	if (cmd > 1)
		return bad(why, "PROXY v2: unknown command (LOCAL or PROXY)");
	body = (size_t)b[14] << 8 | b[15];
	total = 16 + body;
	if (total > PROXY_V2_MAX)
		return bad(why, "PROXY v2: header longer than 2064 bytes");
	if (len < total)
		return PROXY_NEED_MORE;
	src->has_addr = 0;
	if (cmd == 0 || fam == 0 || fam == 3) /* LOCAL, UNSPEC, UNIX: the socket's peer */
		return (long)total;
	if (fam == 1 && body >= 12) {
		addr_text(AF_INET, b + 16, src->ip, sizeof(src->ip));
		src->port = (unsigned)b[24] << 8 | b[25];
	} else if (fam == 2 && body >= 36) {
		addr_text(AF_INET6, b + 16, src->ip, sizeof(src->ip));
		src->port = (unsigned)b[48] << 8 | b[49];
	} else {
		return bad(why, fam > 3 ? "PROXY v2: unknown address family"
		                        : "PROXY v2: address block too short");
	}
	src->has_addr = src->ip[0] != '\0';
	return (long)total;
}

long
proxy_parse(const uint8_t *b, size_t len, struct proxy_source *src, const char **why)
{
	size_t n;

	memset(src, 0, sizeof(*src));
	*why = "";
	if (len == 0)
		return PROXY_NEED_MORE;
	if (b[0] == 'P') {
		n = len < 6 ? len : 6;
		if (memcmp(b, v1_sig, n) != 0)
			return bad(why, "not a PROXY header (starts with 'P')");
		return len < 6 ? PROXY_NEED_MORE : parse_v1(b, len, src, why);
	}
	if (b[0] == '\r') {
		n = len < 12 ? len : 12;
		if (memcmp(b, v2_sig, n) != 0)
			return bad(why, "not a PROXY v2 signature");
		return len < 12 ? PROXY_NEED_MORE : parse_v2(b, len, src, why);
	}
	return PROXY_NONE;
}
