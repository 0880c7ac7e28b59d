/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <limits.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/internal.h"

/* Inputs above this are never a key blob or a password hash. */
#define B64_MAX_INPUT (1u << 20)

static int
b64_char_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/*
 * EVP_DecodeBlock skips surrounding whitespace and decodes padding as zero bytes, so
 * the shape is checked here first and the padding subtracted afterwards.
 */
int
auth_b64_decode(const char *in, size_t len, unsigned char *out, size_t outmax)
{
	size_t pad = 0;
	int n;

	if (len == 0 || len % 4 != 0 || len > B64_MAX_INPUT)
		return -1;
	if (in[len - 1] == '=')
		pad++;
	if (in[len - 2] == '=')
		pad++;
	if (pad == 1 && in[len - 2] == '=')
		return -1;
	for (size_t i = 0; i < len - pad; i++)
		if (!b64_char_ok((unsigned char)in[i]))
			return -1;
	if (outmax < len / 4 * 3)
		return -1;
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	if (n < 0 || (size_t)n != len / 4 * 3)
		return -1;
	return n - (int)pad;
}
