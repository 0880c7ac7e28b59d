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
 * Honour or refuse: provider 0, 1 with the S3 fields this server honours, or 2
 * with the GCS ones; anything else (an unknown field) refused naming it.
 */
int cloud_validate(const json_t *fs, char *err, size_t errlen);
/*
 * The stored form: key_prefix cleaned with a trailing "/", the S3 secret as $aes$;
 * GCS credentials (base64) written to username's credentials file and removed.
 */
int cloud_prepare_for_store(json_t *fs, const char *username, char *err, size_t errlen);

/* ---- GCS (account/cloud_gcs.c) ---- */
#define CLOUD_GCS_CREDENTIALS_MAX 65536
/* data_provider.credentials_path (resolved); NULL: GCS credentials refused. */
void cloud_set_credentials_dir(const char *dir);
int cloud_validate_gcs(const json_t *fs, char *err, size_t errlen);
int cloud_gcs_prepare_for_store(json_t *fs, const char *username, char *err,
                                size_t errlen);
/* gcsconfig.automatic_credentials > 0 */
int cloud_gcs_automatic(const json_t *fs);
/* <credentials_path>/<username, escaped>_gcs_credentials.json; -1 if unset. */
int cloud_gcs_credentials_file(const char *username, char *out, size_t outsz);
/* The file's text (malloc'd; wipe before free). 0, or -1 with err. */
int cloud_gcs_read_credentials(const char *path, char **out, char *err, size_t errlen);
/* Dumps (SFTPGo's dumpdata, spec rest-api 9.3): for a provider-2 fs with
 * automatic_credentials 0, gcsconfig.credentials = base64 (standard, padded) of
 * username's credentials file, read without following a symlink, a regular file
 * of 1 .. CLOUD_GCS_CREDENTIALS_MAX bytes. 0 (also when there is nothing to
 * embed); 1 with err when the file does not exist; -1 with err otherwise. */
int cloud_gcs_embed_credentials(json_t *fs, const char *username, char *err,
                                size_t errlen);
/* Zeroes gcsconfig.credentials's bytes in place (before the json is freed). */
void cloud_gcs_wipe_credentials(json_t *fs);
/* A key file given on a command line (--gcs-credentials-file) into gcs:
 * credentials = its bytes in base64, automatic_credentials = 0 (SFTPGo's CLI and
 * portable mode). 0; 1 with err when the file cannot be read, is empty or is over
 * CLOUD_GCS_CREDENTIALS_MAX; -1 with err when out of memory. */
int cloud_gcs_set_key_file(json_t *gcs, const char *path, char *err, size_t errlen);

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
