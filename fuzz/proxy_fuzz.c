/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

/*
 * libFuzzer target for the listener's PROXY protocol header parser (the first bytes
 * of every connection when sftpd.proxy_protocol is on). Beyond memory safety it
 * checks the property the listener relies on when it consumes bytes: every strict
 * prefix of a complete header is "need more", never a different verdict, and a
 * header never claims more bytes than it was given.
 */

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "listener/proxyproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_source src, sub;
	const char *why;
	uint8_t a[16];
	long rc;

	if (size > PROXY_HEADER_MAX + 64)
		return 0;
	rc = proxy_parse(data, size, &src, &why);
	if (rc != PROXY_NEED_MORE && rc != PROXY_BAD && rc != PROXY_NONE &&
	    (rc < 0 || (size_t)rc > size))
		abort();
	if (rc == PROXY_BAD && (why == NULL || why[0] == '\0'))
		abort();
	if (rc <= 0)
		return 0;
	if (src.has_addr && inet_pton(AF_INET, src.ip, a) != 1 &&
	    inet_pton(AF_INET6, src.ip, a) != 1)
		abort();
	if (src.port > 65535)
		abort();
	for (size_t n = 1; n < (size_t)rc; n++)
		if (proxy_parse(data, n, &sub, &why) != PROXY_NEED_MORE)
			abort();
	return 0;
}
