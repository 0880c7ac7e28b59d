/* SPDX-License-Identifier: BSD-2-Clause */
/* CSRF tokens (web/csrf.h). */
#include "config.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "web/csrf.h"

#define MAC_BYTES 16

int
csrf_init(struct csrf *c)
{
	return getrandom(c->key, sizeof(c->key), 0) == (ssize_t)sizeof(c->key) ? 0 : -1;
}

static int
mac_hex(const struct csrf *c, const char *who, uint64_t issued,
        char hex[2 * MAC_BYTES + 1])
{
	uint8_t msg[512], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int n = snprintf((char *)msg, sizeof(msg), "sftpgo-csrf|%016" PRIx64 "|%s",
	                 issued, who != NULL ? who : "");

	if (n < 0 || (size_t)n >= sizeof(msg))
		return -1;
	if (HMAC(EVP_sha256(), c->key, sizeof(c->key), msg, (size_t)n, md, &mdlen) ==
	        NULL ||
	    mdlen < MAC_BYTES)
		return -1;
	for (int i = 0; i < MAC_BYTES; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int
csrf_token(const struct csrf *c, const char *who, time_t now, char *out, size_t outlen)
{
	char mac[2 * MAC_BYTES + 1];

	if (outlen < CSRF_TOKEN_LEN + 1 || mac_hex(c, who, (uint64_t)now, mac) != 0)
		return -1;
	snprintf(out, outlen, "%016" PRIx64 ".%s", (uint64_t)now, mac);
	return 0;
}

enum csrf_verdict
csrf_check(const struct csrf *c, const char *who, const char *token, time_t now)
{
	char mac[2 * MAC_BYTES + 1];
	uint64_t issued = 0;

	if (token == NULL || strlen(token) != CSRF_TOKEN_LEN || token[16] != '.')
		return CSRF_BAD;
	for (int i = 0; i < 16; i++) {
		char ch = token[i];
		int v = ch >= '0' && ch <= '9'   ? ch - '0'
		        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
		                                 : -1;
		if (v < 0)
			return CSRF_BAD;
		issued = issued << 4 | (uint64_t)v;
	}
	if (mac_hex(c, who, issued, mac) != 0 ||
	    CRYPTO_memcmp(mac, token + 17, 2 * MAC_BYTES) != 0)
		return CSRF_BAD;
	/* a token from the future (clock stepped back) is as stale as an old one */
	if ((int64_t)issued > (int64_t)now + 60 ||
	    (int64_t)now - (int64_t)issued > CSRF_MAX_AGE)
		return CSRF_EXPIRED;
	return CSRF_OK;
}
