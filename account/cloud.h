/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Cloud storage fields of an account (SFTPGo's "filesystem" object, spec section
 * 11): validation, the stored form ($aes$ secret, cleaned key_prefix) and the
 * secret's decryption, which only the monitor does, for the worker's settings.
 */
#ifndef SFTPGO_ACCOUNT_CLOUD_H
#define SFTPGO_ACCOUNT_CLOUD_H

#include <jansson.h>
#include <stddef.h>

#define CLOUD_SECRET_MAX 1024

/* filesystem.provider (0 when absent). */
long long cloud_provider(const json_t *fs);
/*
 * Honour or refuse: provider 0, or 1 with the S3 fields this server honours;
 * anything else (GCS, an unknown or unsupported s3config field) refused naming it.
 */
int cloud_validate(const json_t *fs, char *err, size_t errlen);
/* The stored form: key_prefix cleaned with a trailing "/", the secret as $aes$. */
int cloud_prepare_for_store(json_t *fs, char *err, size_t errlen);

/* SFTPGo 0.9.6's $aes$ format (spec 11.4). 0, or -1 with err. */
int cloud_secret_encrypt(const char *plain, char *out, size_t outsz, char *err,
                         size_t errlen);
int cloud_secret_decrypt(const char *stored, char *out, size_t outsz, char *err,
                         size_t errlen);
/* "$aes$<32>$<hex>": already in the stored form (exactly four "$" parts). */
int cloud_secret_is_encrypted(const char *s);

/* key_prefix as SFTPGo keeps it (cleaned, trailing "/"); -1 if absolute or with
 * "." / ".." components. */
int cloud_clean_prefix(const char *in, char *out, size_t outsz);

#endif
