/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Helpers shared by the files of auth/ only; not part of the module's contract.
 */
#ifndef SFTPGO_AUTH_INTERNAL_H
#define SFTPGO_AUTH_INTERNAL_H

#include <stddef.h>

/*
 * Strict RFC 4648 base64 (standard alphabet, '=' padding required, no whitespace).
 * Decodes len characters of in into out (outmax bytes); returns the decoded length or
 * -1 on any malformed input or when out is too small.
 */
int auth_b64_decode(const char *in, size_t len, unsigned char *out, size_t outmax);

/*
 * The FreeBSD md5crypt construction with a caller-chosen magic: "$1$" gives
 * md5crypt, "$apr1$" gives Apache's variant. salt is at most 8 bytes (longer input is
 * cut like the reference implementation does). Writes "<magic><salt>$<22 chars>" into
 * out; returns 0 or -1 (out too small, crypto failure).
 */
int auth_md5crypt(const char *magic, const char *password, const char *salt,
                  size_t saltlen, char *out, size_t outlen);

#endif
