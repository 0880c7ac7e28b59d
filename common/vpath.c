/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/vpath.h"

int
vpath_push(char *out, size_t outsz, size_t *len, const char *c, size_t clen)
{
	if (clen == 1 && c[0] == '.')
		return 0;
	if (clen == 2 && c[0] == '.' && c[1] == '.') {
		while (*len > 0 && out[*len - 1] != '/')
			(*len)--;
		if (*len > 1)
			(*len)--; /* drop the separator unless it is the root */
		out[*len] = '\0';
		return 0;
	}
	/* "/" + c, plus the terminating NUL */
	if (*len + (*len > 1 ? 1 : 0) + clen + 1 > outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (*len > 1)
		out[(*len)++] = '/';
	memcpy(out + *len, c, clen);
	*len += clen;
	out[*len] = '\0';
	return 0;
}

static int
push_path(char *out, size_t outsz, size_t *len, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		while (i < n && p[i] == '/')
			i++;
		size_t start = i;
		while (i < n && p[i] != '/')
			i++;
		if (i > start && vpath_push(out, outsz, len, p + start, i - start) != 0)
			return -1;
	}
	return 0;
}

int
vpath_normalize(const char *cwd, const char *p, size_t n, char *out, size_t outsz)
{
	size_t len = 1;

	if (outsz < 2 || memchr(p, '\0', n) != NULL) {
		errno = EINVAL;
		return -1;
	}
	out[0] = '/';
	out[1] = '\0';
	if (n == 0 || p[0] != '/') {
		if (push_path(out, outsz, &len, cwd, strlen(cwd)) != 0)
			return -1;
	}
	return push_path(out, outsz, &len, p, n);
}
