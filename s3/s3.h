/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small S3 client for sftpgo-worker: libcurl with its own AWS SigV4 signing
 * (CURLOPT_AWS_SIGV4), libxml2 for the XML answers. Keys are whole object keys
 * (the caller adds key_prefix); every call returns 0 or an errno: ENOENT for
 * 404/NoSuchKey, EACCES for 401/403, EIO for what failed after the retries, with
 * a message in s3_error(). 500, 503 and dropped connections are retried with a
 * doubling back-off; a request whose body is a file is replayed from its offset.
 * All network set-up that needs files or name service (the CA bundle, the
 * endpoint's address) happens in s3_new, before the worker is chrooted.
 */
#ifndef SFTPGO_S3_S3_H
#define SFTPGO_S3_S3_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define S3_MIN_PART_SIZE (5u * 1024u * 1024u)
#define S3_MAX_PARTS 10000u
#define S3_MAX_CONCURRENCY 64u

struct s3_config {
	const char *bucket;
	const char *region;
	const char *access_key;
	const char *access_secret;
	const char *endpoint; /* "" = AWS (virtual-host); else path-style at it */
	const char *storage_class;
	uint64_t part_size; /* multipart part size in bytes (>= S3_MIN_PART_SIZE) */
	unsigned concurrency;
	unsigned retries;    /* extra attempts after the first */
	unsigned backoff_ms; /* first wait; doubled each retry */
	const char *ca_file; /* read into memory by s3_new; NULL = system bundle */
	int path_style;      /* force path-style even without an endpoint */
};

struct s3_object {
	char *key; /* full key */
	uint64_t size;
	time_t mtime;
	int is_prefix; /* a CommonPrefixes entry (ends in "/") */
};

struct s3;

/* NULL with err on failure (bad endpoint, unresolvable host, unreadable CA). */
struct s3 *s3_new(const struct s3_config *cfg, char *err, size_t errlen);
void s3_free(struct s3 *c);
const char *s3_error(const struct s3 *c);

int s3_head(struct s3 *c, const char *key, uint64_t *size, time_t *mtime);
int s3_head_bucket(struct s3 *c);

/*
 * ListObjectsV2 of prefix (delimiter "/" when delim), every page; fn gets each
 * object and common prefix, != 0 stops (and is returned). max: stop after that
 * many entries (0 = all).
 */
typedef int (*s3_list_fn)(const struct s3_object *o, void *ud);
int s3_list(struct s3 *c, const char *prefix, int delim, unsigned max, s3_list_fn fn,
            void *ud);

/* Ranged GET of [off, off + len) into buf; *got is what came (less at the end). */
int s3_get_range(struct s3 *c, const char *key, uint64_t off, void *buf, size_t len,
                 size_t *got);
/* The same in chunks of chunk bytes, conc ranged GETs at a time. */
int s3_get_ranges(struct s3 *c, const char *key, uint64_t off, void *buf, size_t len,
                  size_t chunk, unsigned conc, size_t *got);
/*
 * The same in the background: the GETs start now and move on at each
 * s3_fetch_pump() (which never blocks) until s3_fetch_wait() finishes them (and
 * gives what s3_get_ranges would have) or s3_fetch_cancel() drops them; both free
 * the fetch. It has its own connections, so the client's other calls may run in
 * between; one fetch at a time per client (EBUSY). buf is written until then.
 */
struct s3_fetch;
int s3_fetch_start(struct s3 *c, const char *key, uint64_t off, void *buf, size_t len,
                   size_t chunk, unsigned conc, struct s3_fetch **out);
void s3_fetch_pump(struct s3_fetch *f);
/* Moves the fetch on until fd is readable, the fetch is over or timeout_ms pass:
 * 1 for the first two, 0 for the last. */
int s3_fetch_idle(struct s3_fetch *f, int fd, int timeout_ms);
int s3_fetch_wait(struct s3_fetch *f, size_t *got);
void s3_fetch_cancel(struct s3_fetch *f);
/*
 * Uploads size bytes of fd (read with pread from 0) as key: one PUT below the part
 * size, else a multipart upload with cfg.concurrency parts in flight, aborted on
 * any failure, so no partial object is ever visible.
 */
int s3_put_fd(struct s3 *c, const char *key, int fd, uint64_t size);
/* A zero-byte object (directory markers). */
int s3_put_empty(struct s3 *c, const char *key);
int s3_copy(struct s3 *c, const char *from, const char *to);
int s3_delete(struct s3 *c, const char *key);

/* Percent-encodes a key for a URL path ('/' kept) or a query value ('/' encoded). */
char *s3_encode(const char *key, int keep_slash);

#endif
