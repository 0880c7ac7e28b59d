/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Strict parsers of the small numbers that come from config files, user records,
 * stored hashes and command lines: digits only, no sign, no blanks, bounded length,
 * so that two programs can never read the same text as two different values.
 */
#ifndef SFTPGO_COMMON_PARSE_H
#define SFTPGO_COMMON_PARSE_H

#include <stdint.h>
#include <sys/types.h>

/* "0022"-style umask: 1 to 4 octal digits, at most 0777. 0, or -1 when malformed
 * (*out untouched). */
int parse_umask(const char *s, mode_t *out);

/*
 * 1 to maxdigits decimal digits at *p: the value in *v and *p advanced past them;
 * the text after the digits is the caller's to check. 0, or -1 when there is no
 * digit or more than maxdigits (maxdigits <= 19 keeps the value within uint64_t).
 */
int parse_decimal(const char **p, unsigned maxdigits, uint64_t *v);

/* The value of one hexadecimal digit (either case), or -1 for any other byte
 * (a NUL included). */
int parse_hex_digit(int c);

#endif
