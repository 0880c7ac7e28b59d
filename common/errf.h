/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The error convention of the module APIs (char *err, size_t errlen): format the
 * message into err and return -1, so a failure is reported in one statement:
 *   return errf(err, errlen, "home_dir: \"%s\" must be absolute", home);
 */
#ifndef SFTPGO_COMMON_ERRF_H
#define SFTPGO_COMMON_ERRF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

__attribute__((format(printf, 3, 4))) static inline int
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

#endif
