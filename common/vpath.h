/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Virtual paths: the lexical cleaning of a client-side path, SFTPGo's path.Clean.
 * The engine normalises every client path with it and the account layer the
 * directories of the permissions map, so a permission key and a request path can
 * only ever be compared in the same form.
 */
#ifndef SFTPGO_COMMON_VPATH_H
#define SFTPGO_COMMON_VPATH_H

#include <stddef.h>

/*
 * Normalises p (n bytes, not NUL-terminated; relative paths are taken from cwd,
 * which must itself be a virtual path) into out: absolute, no ".", "..", empty or
 * trailing components; ".." stops at "/". Returns 0, or -1 with errno EINVAL
 * (embedded NUL, outsz < 2) or ENAMETOOLONG.
 */
int vpath_normalize(const char *cwd, const char *p, size_t n, char *out, size_t outsz);

/*
 * One step of it: appends the component c (clen bytes, no '/') to out, which holds
 * a virtual path of length *len; "." is nothing, ".." drops the last component.
 * 0, or -1 with errno ENAMETOOLONG. For walkers that look at each prefix.
 */
int vpath_push(char *out, size_t outsz, size_t *len, const char *c, size_t clen);

#endif
