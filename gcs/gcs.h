/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small Google Cloud Storage client for sftpgo-worker: the GCS JSON API through
 * libcurl, jansson for the answers, OpenSSL for the service account's RS256 JWT
 * (the OAuth 2.0 JWT bearer flow at the key file's token_uri). Keys are whole
 * object names (the caller adds key_prefix); every call returns 0 or an errno:
 * ENOENT for 404, EACCES for 401/403, EIO for what failed after the retries, with
 * a message in gcs_error(). 5xx answers and dropped connections are retried with
 * a doubling back-off; an upload is a resumable session whose object appears only
 * when its last byte arrived, and a failed session is started again from the
 * first byte (never resumed from a guessed offset). All set-up that needs files or
 * name service (the CA bundle, the hosts' addresses, the key) happens in gcs_new,
 * before the worker is chrooted.
 */
#ifndef SFTPGO_GCS_GCS_H
#define SFTPGO_GCS_GCS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define GCS_DEFAULT_ENDPOINT "https://storage.googleapis.com"
#define GCS_METADATA_HOST "169.254.169.254"
#define GCS_SCOPE "https://www.googleapis.com/auth/devstorage.full_control"

struct gcs_config {
	const char *bucket;
	const char *storage_class; /* "" = the bucket's default */
	const char *endpoint;      /* "" = GCS_DEFAULT_ENDPOINT (tests: an emulator) */
	/*
	 * A service-account key file's JSON (type "service_account": client_email,
	 * private_key, token_uri), or NULL: the metadata server's token of the
	 * instance's default service account (at metadata_host).
	 */
	const char *credentials;
	const char *metadata_host; /* NULL or "" = GCS_METADATA_HOST */
	unsigned retries;          /* extra attempts after the first */
	unsigned backoff_ms;       /* first wait; doubled each retry */
	const char *ca_file;       /* read into memory by gcs_new; NULL = system bundle */
};

struct gcs_object {
	const char *name; /* full object name */
	uint64_t size;
	time_t mtime;
	int is_prefix; /* a "prefixes" entry (ends in "/") */
};

struct gcs;

/* NULL with err on failure (bad endpoint or key, unresolvable host, no CA). */
struct gcs *gcs_new(const struct gcs_config *cfg, char *err, size_t errlen);
void gcs_free(struct gcs *c);
const char *gcs_error(const struct gcs *c);

/* The object's size and update time (objects.get). */
int gcs_stat(struct gcs *c, const char *name, uint64_t *size, time_t *mtime);

/*
 * objects.list of prefix (delimiter "/" when delim), every page; fn gets each
 * object and prefix, != 0 stops (and is returned). max: stop after that many
 * entries (0 = all).
 */
typedef int (*gcs_list_fn)(const struct gcs_object *o, void *ud);
int gcs_list(struct gcs *c, const char *prefix, int delim, unsigned max, gcs_list_fn fn,
             void *ud);

/* Ranged media download of [off, off + len) into buf; *got is what came. */
int gcs_read(struct gcs *c, const char *name, uint64_t off, void *buf, size_t len,
             size_t *got);
/* A resumable upload of size bytes of fd (read with pread from 0) as name. */
int gcs_put_fd(struct gcs *c, const char *name, int fd, uint64_t size);
/* A zero-byte object (directory markers). */
int gcs_put_empty(struct gcs *c, const char *name);
/* objects.rewrite (with the storage class), every round until done. */
int gcs_copy(struct gcs *c, const char *from, const char *to);
int gcs_delete(struct gcs *c, const char *name);

/* base64url without padding (the JWT's parts); NULL when out of memory. */
char *gcs_b64url(const unsigned char *in, size_t n);

#endif
