/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The HTTP plumbing the worker's cloud clients (s3/, gcs/) share: one exchange's
 * state and libcurl callbacks (the body from memory or pread of a file, the
 * answer into a caller's buffer or a bounded one, the status, ETag and Location
 * headers), which failures are worth a retry, and the set-up done before the
 * chroot (the CA bundle read into memory, a host's addresses pinned for
 * CURLOPT_RESOLVE).
 */
#ifndef SFTPGO_HTTPC_HTTPC_H
#define SFTPGO_HTTPC_HTTPC_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#define HTTPC_BODY_MAX (8u * 1024u * 1024u) /* an answer we parse */
#define HTTPC_CA_MAX (4u * 1024u * 1024u)

/* One HTTP exchange: what is sent and what came back. */
struct httpc_req {
	const char *method;
	char *url;
	struct curl_slist *hdrs;
	/* body: memory, or len bytes of fd from off */
	const char *mem;
	size_t mem_len;
	int fd;
	uint64_t off, len, pos;
	/* answer: into dst (ranged GET) or a bounded buffer (JSON, XML) */
	char *dst;
	size_t dst_cap, dst_got;
	char *body;
	size_t body_len, body_cap;
	int overflow;
	long status;
	char etag[128];
	char *location;
	CURLcode cc;
	unsigned attempt;
	uint64_t not_before_ms;
	int part;    /* S3 multipart: part number */
	int no_auth; /* GCS: the token exchange itself */
	/* GCS resumable sessions: the bytes the server holds, from a 308's
	 * "Range: bytes=0-N" (N + 1; 0 without the header) */
	uint64_t range_next;
};

/* CURLOPT_WRITEFUNCTION, CURLOPT_HEADERFUNCTION, CURLOPT_READFUNCTION (ud: req). */
size_t httpc_on_body(char *p, size_t sz, size_t n, void *ud);
size_t httpc_on_header(char *p, size_t sz, size_t n, void *ud);
size_t httpc_on_read(char *p, size_t sz, size_t n, void *ud);

/* Before an attempt: what came back last time is forgotten. */
void httpc_req_reset(struct httpc_req *r);
void httpc_req_free(struct httpc_req *r);
int httpc_req_header(struct httpc_req *r, const char *h);
/* The server's transient errors (500, 502, 503, 504) and lost connections. */
int httpc_retriable(const struct httpc_req *r);
void httpc_sleep_ms(uint64_t ms);

/* ca_file, else libcurl's default bundle, else Debian's. */
const char *httpc_ca_path(const char *ca_file);
/* The CA bundle at path into *ca (malloc'd). 0, or -1 with err. */
int httpc_load_ca(const char *path, void **ca, size_t *ca_len, char *err, size_t errlen);
/* "host:port:addr,..." appended to *resolve (an address literal needs none). */
int httpc_pin(struct curl_slist **resolve, const char *host, const char *port, char *err,
              size_t errlen);
/* Percent-encodes all but unreserved characters ('/' kept when keep_slash). */
char *httpc_encode(const char *s, int keep_slash);

#endif
