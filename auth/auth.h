/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Credential checks: password hash algorithms and verification, public key parsing
 * and matching. Only root-side code links this module (the monitor, the admin CLI,
 * account/). Everything here is pure: no provider access, no logging, and no
 * knowledge of accounts: account/ decides when to hash and which account may log in.
 */
#ifndef SFTPGO_AUTH_AUTH_H
#define SFTPGO_AUTH_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "common/strlist.h"

/* Hash prefixes stored as is when given to the CLI/API (compat-facts.md "Users"). */
int auth_password_is_hashed(const char *s);
/* New hash: argon2id, PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash). */
int auth_password_hash(const char *password, char *out, size_t outlen);
/*
 * Verifies password against a stored hash: argon2id, bcrypt ($2a$ $2b$ $2y$),
 * sha512crypt ($6$), sha256crypt ($5$), yescrypt ($y$), md5crypt ($1$), apr1 ($apr1$),
 * pbkdf2 ($pbkdf2-sha1|256|512$); the crypt(3) schemes through libxcrypt.
 * Returns 1 match, 0 no match or unknown format. Constant-time comparison.
 */
int auth_password_verify(const char *stored, const char *password);
/*
 * Why a hash taken from another system (user import) could never match here, or
 * NULL when auth_password_verify can check it: an unknown scheme, traditional DES
 * or plain text, a malformed salt (libxcrypt's crypt_checksalt), a cost above the
 * bounds verification applies.
 */
const char *auth_password_hash_problem(const char *stored);
/* Burns the same time as verifying a default argon2id hash: for unknown users. */
void auth_password_dummy_verify(const char *password);

/* Parses one authorized_keys line (options not allowed): type, blob (decoded). */
int auth_pubkey_parse(const char *line, char *type, size_t typelen, unsigned char **blob,
                      size_t *bloblen);
/* 1 when the line is an authorized_keys line auth_pubkey_parse accepts, else 0. */
int auth_pubkey_valid(const char *line);
/* 1 when (type, blob) equals one of the user's keys. */
int auth_pubkey_allowed(const struct strlist *keys, const char *type,
                        const unsigned char *blob, size_t bloblen);

#endif
