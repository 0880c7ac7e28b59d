/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <string.h>

#include "common/parse.h"

int
parse_umask(const char *s, mode_t *out)
{
	size_t n = s != NULL ? strnlen(s, 5) : 0;
	unsigned m = 0;

	if (n == 0 || n > 4)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '7')
			return -1;
		m = m * 8 + (unsigned)(s[i] - '0');
	}
	if (m > 0777)
		return -1;
	*out = (mode_t)m;
	return 0;
}

int
parse_decimal(const char **p, unsigned maxdigits, uint64_t *v)
{
	const char *s = *p;
	uint64_t n = 0;
	unsigned i;

	if (maxdigits > 19)
		maxdigits = 19;
	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i >= maxdigits)
			return -1;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == 0)
		return -1;
	*v = n;
	*p = s + i;
	return 0;
}

int
parse_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
