/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * key_prefix cleaning (account/cloud.h), on its own so that sftpgo-worker, which
 * checks the prefix it is given, pulls nothing else of the account layer.
 */
#include "config.h"

#include <string.h>

#include "account/cloud.h"

int
cloud_clean_prefix(const char *in, char *out, size_t outsz)
{
	size_t o = 0;
	const char *p = in;

	if (in[0] == '/' || outsz == 0)
		return -1;
	while (*p != '\0') {
		const char *e = strchr(p, '/');
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return -1;
		if (n > 0) {
			if (o + n + 2 > outsz)
				return -1;
			memcpy(out + o, p, n);
			o += n;
			out[o++] = '/';
		}
		p += n;
		if (*p == '/')
			p++;
	}
	out[o] = '\0';
	return 0;
}
