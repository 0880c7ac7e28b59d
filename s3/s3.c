/* SPDX-License-Identifier: BSD-2-Clause */
/* The S3 client of sftpgo-worker (see s3/s3.h). */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "httpc/httpc.h"
#include "s3/s3.h"

#define STALL_SECONDS 30L

struct s3 {
	char *bucket, *region, *storage_class;
	char *base;    /* URL up to the key: ".../bucket" or "https://bucket.host" */
	char *sigv4;   /* "aws:amz:REGION:s3" */
	char *userpwd; /* "KEY:SECRET", wiped at free */
	struct curl_slist *resolve;
	void *ca;
	size_t ca_len;
	uint64_t part_size;
	unsigned concurrency, retries, backoff_ms;
	CURL *easy;
	/* the parallel transfers' handles, kept so their connections are reused */
	CURLM *multi;
	CURL *pool[S3_MAX_CONCURRENCY];
	/* the background fetch's own (s3_fetch_*): one at a time */
	CURLM *fmulti;
	CURL *fpool[S3_MAX_CONCURRENCY];
	int fetching;
	char err[256];
};

static void
seterr(struct s3 *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

const char *
s3_error(const struct s3 *c)
{
	return c->err;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- keys and URLs ---- */

char *
s3_encode(const char *key, int keep_slash)
{
	return httpc_encode(key, keep_slash);
}

/* base + "/" + encoded key + query; NULL when out of memory. */
static char *
key_url(struct s3 *c, const char *key, const char *query)
{
	char *ek = s3_encode(key, 1), *url = NULL;

	if (ek != NULL &&
	    asprintf(&url, "%s/%s%s%s", c->base, ek, query != NULL ? "?" : "",
	             query != NULL ? query : "") < 0)
		url = NULL;
	free(ek);
	return url;
}

/* ---- XML ---- */

static const xmlNode *
xml_child(const xmlNode *n, const char *name)
{
	for (const xmlNode *k = n != NULL ? n->children : NULL; k != NULL; k = k->next)
		if (k->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)k->name, name) == 0)
			return k;
	return NULL;
}

/* The text of n's child name, copied into out ("" when absent). */
static void
xml_text(const xmlNode *n, const char *name, char *out, size_t outsz)
{
	const xmlNode *k = xml_child(n, name);
	xmlChar *t = k != NULL ? xmlNodeGetContent(k) : NULL;

	snprintf(out, outsz, "%s", t != NULL ? (const char *)t : "");
	xmlFree(t);
}

static xmlDoc *
xml_parse(const struct httpc_req *r)
{
	if (r->body == NULL || r->body_len == 0 || r->body_len > INT32_MAX)
		return NULL;
	return xmlReadMemory(r->body, (int)r->body_len, NULL, NULL,
	                     XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
	                         XML_PARSE_NOWARNING);
}

/* An <Error> document's code and message, if the body is one. */
static int
xml_error(const struct httpc_req *r, char *code, size_t csz, char *msg, size_t msz)
{
	xmlDoc *d = xml_parse(r);
	const xmlNode *root = d != NULL ? xmlDocGetRootElement(d) : NULL;
	int is_err = root != NULL && strcmp((const char *)root->name, "Error") == 0;

	code[0] = msg[0] = '\0';
	if (is_err) {
		xml_text(root, "Code", code, csz);
		xml_text(root, "Message", msg, msz);
	}
	xmlFreeDoc(d);
	return is_err;
}

/* ---- one exchange ---- */

static int
req_init(struct httpc_req *r, const char *method, char *url)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->method = method;
	r->url = url;
	if (url == NULL)
		return -1;
	/* the payload is not hashed (it may be gigabytes read once): the signature
	 * still covers the method, path, query and headers */
	return httpc_req_header(r, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
}

static void
setup_easy(struct s3 *c, CURL *e, struct httpc_req *r)
{
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_AWS_SIGV4, c->sigv4);
	curl_easy_setopt(e, CURLOPT_USERPWD, c->userpwd);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, STALL_SECONDS);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, STALL_SECONDS);
	if (c->resolve != NULL)
		curl_easy_setopt(e, CURLOPT_RESOLVE, c->resolve);
	if (c->ca != NULL) {
		struct curl_blob b = {c->ca, c->ca_len, CURL_BLOB_NOCOPY};
		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &b);
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, httpc_on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, httpc_on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	if (strcmp(r->method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
		curl_easy_setopt(e, CURLOPT_FILETIME, 1L);
	} else if (strcmp(r->method, "PUT") == 0) {
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, httpc_on_read);
		curl_easy_setopt(e, CURLOPT_READDATA, r);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE,
		                 (curl_off_t)(r->mem != NULL ? r->mem_len : r->len));
	} else if (strcmp(r->method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, httpc_on_read);
		curl_easy_setopt(e, CURLOPT_READDATA, r);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->mem_len);
	} else if (strcmp(r->method, "GET") != 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	}
}

/* The outcome of a finished exchange as an errno, with the message in c->err. */
static int
req_result(struct s3 *c, const struct httpc_req *r, const char *what)
{
	char code[64], msg[160];

	if (r->cc != CURLE_OK) {
		seterr(c, "%s: %s (after %u attempts)", what, curl_easy_strerror(r->cc),
		       r->attempt);
		return EIO;
	}
	if (r->status / 100 == 2) {
		/* S3 may answer 200 with an <Error> (CompleteMultipartUpload, copy) */
		if (strcmp(r->method, "GET") != 0 &&
		    xml_error(r, code, sizeof(code), msg, sizeof(msg))) {
			seterr(c, "%s: %s: %s", what, code, msg);
			return EIO;
		}
		return 0;
	}
	xml_error(r, code, sizeof(code), msg, sizeof(msg));
	seterr(c, "%s: HTTP %ld%s%s%s%s", what, r->status, code[0] ? " " : "", code,
	       msg[0] ? ": " : "", msg);
	if (r->status == 404 || strcmp(code, "NoSuchKey") == 0 ||
	    strcmp(code, "NoSuchBucket") == 0)
		return ENOENT;
	if (r->status == 401 || r->status == 403)
		return EACCES;
	if (r->status == 416)
		return ERANGE;
	return EIO;
}

static unsigned
backoff_for(const struct s3 *c, unsigned attempt)
{
	unsigned ms = c->backoff_ms;

	for (unsigned i = 1; i < attempt && ms < 10000; i++)
		ms *= 2;
	return ms;
}

/* One exchange on the shared handle, retried as httpc_retriable() says. */
static int
perform(struct s3 *c, struct httpc_req *r, const char *what)
{
	for (r->attempt = 1;; r->attempt++) {
		httpc_req_reset(r);
		setup_easy(c, c->easy, r);
		r->cc = curl_easy_perform(c->easy);
		if (!httpc_retriable(r) || r->attempt > c->retries)
			break;
		log_info("s3: %s: %s, retrying (attempt %u of %u)", what,
		         r->cc != CURLE_OK ? curl_easy_strerror(r->cc) : "server error",
		         r->attempt + 1, c->retries + 1);
		httpc_sleep_ms(backoff_for(c, r->attempt));
	}
	if (r->overflow) {
		seterr(c, "%s: answer too large", what);
		return EIO;
	}
	return req_result(c, r, what);
}

/* ---- set-up ---- */

/* base URL, address pinning and CA for the endpoint (or AWS's regional host). */
static int
setup_endpoint(struct s3 *c, const struct s3_config *cfg, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *url = NULL;
	int rc = -1;
	const char *ep = cfg->endpoint != NULL ? cfg->endpoint : "";

	if (ep[0] == '\0' || !cfg->path_style) {
		/* virtual-host: the bucket is part of the host name */
		if (ep[0] == '\0') {
			if (asprintf(&url, "https://%s.s3.%s.amazonaws.com", c->bucket,
			             c->region) < 0)
				url = NULL;
		} else {
			const char *sep = strstr(ep, "://");
			if (sep != NULL && asprintf(&url, "%.*s://%s.%s", (int)(sep - ep),
			                            ep, c->bucket, sep + 3) < 0)
				url = NULL;
		}
	} else if (asprintf(&url, "%s", ep) < 0) {
		url = NULL;
	}
	if (u == NULL || url == NULL ||
	    curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		snprintf(err, errlen, "s3config.endpoint: not an http(s) URL: %s", ep);
		goto out;
	}
	/* path-style: scheme://host[:port]/bucket; the endpoint's own path dropped */
	if (cfg->path_style && ep[0] != '\0') {
		char *hp = NULL;
		curl_url_get(u, CURLUPART_PORT, &hp, 0);
		if (asprintf(&c->base, "%s://%s%s%s/%s", scheme, host, hp ? ":" : "",
		             hp ? hp : "", c->bucket) < 0)
			c->base = NULL;
		curl_free(hp);
	} else {
		c->base = strdup(url);
	}
	if (c->base == NULL)
		goto out;
	if (httpc_pin(&c->resolve, host, port, err, errlen) != 0)
		goto out;
	if (strcmp(scheme, "https") == 0 &&
	    httpc_load_ca(httpc_ca_path(cfg->ca_file), &c->ca, &c->ca_len, err, errlen) !=
	        0)
		goto out;
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	free(url);
	return rc;
}

struct s3 *
s3_new(const struct s3_config *cfg, char *err, size_t errlen)
{
	struct s3 *c = calloc(1, sizeof(*c));

	if (c == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "out of memory");
		free(c);
		return NULL;
	}
	xmlInitParser();
	c->bucket = strdup(cfg->bucket);
	c->region = strdup(cfg->region);
	c->storage_class = strdup(cfg->storage_class != NULL ? cfg->storage_class : "");
	c->part_size =
	    cfg->part_size < S3_MIN_PART_SIZE ? S3_MIN_PART_SIZE : cfg->part_size;
	c->concurrency = cfg->concurrency == 0 ? 1 : cfg->concurrency;
	if (c->concurrency > S3_MAX_CONCURRENCY)
		c->concurrency = S3_MAX_CONCURRENCY;
	c->retries = cfg->retries;
	c->backoff_ms = cfg->backoff_ms == 0 ? 100 : cfg->backoff_ms;
	if (c->bucket == NULL || c->region == NULL || c->storage_class == NULL ||
	    asprintf(&c->sigv4, "aws:amz:%s:s3", cfg->region) < 0 ||
	    asprintf(&c->userpwd, "%s:%s", cfg->access_key, cfg->access_secret) < 0) {
		snprintf(err, errlen, "out of memory");
		c->sigv4 = c->userpwd = NULL;
		s3_free(c);
		return NULL;
	}
	/* the multi handles now, before the worker's seccomp filter (sandbox/lists.c) */
	if (setup_endpoint(c, cfg, err, errlen) != 0 ||
	    (c->easy = curl_easy_init()) == NULL ||
	    (c->multi = curl_multi_init()) == NULL ||
	    (c->fmulti = curl_multi_init()) == NULL) {
		if (err[0] == '\0')
			snprintf(err, errlen, "out of memory");
		s3_free(c);
		return NULL;
	}
	return c;
}

void
s3_free(struct s3 *c)
{
	if (c == NULL)
		return;
	if (c->easy != NULL)
		curl_easy_cleanup(c->easy);
	for (unsigned i = 0; i < S3_MAX_CONCURRENCY; i++) {
		if (c->pool[i] == NULL)
			continue;
		if (c->multi != NULL)
			curl_multi_remove_handle(c->multi, c->pool[i]);
		curl_easy_cleanup(c->pool[i]);
	}
	if (c->multi != NULL)
		curl_multi_cleanup(c->multi);
	for (unsigned i = 0; i < S3_MAX_CONCURRENCY; i++)
		if (c->fpool[i] != NULL)
			curl_easy_cleanup(c->fpool[i]);
	if (c->fmulti != NULL)
		curl_multi_cleanup(c->fmulti);
	if (c->userpwd != NULL)
		explicit_bzero(c->userpwd, strlen(c->userpwd));
	free(c->userpwd);
	free(c->sigv4);
	free(c->base);
	free(c->bucket);
	free(c->region);
	free(c->storage_class);
	free(c->ca);
	curl_slist_free_all(c->resolve);
	free(c);
}

/* ---- requests ---- */

int
s3_head(struct s3 *c, const char *key, uint64_t *size, time_t *mtime)
{
	struct httpc_req r;
	int err;

	if (req_init(&r, "HEAD", key_url(c, key, NULL)) != 0) {
		httpc_req_free(&r);
		return ENOMEM;
	}
	err = perform(c, &r, "HEAD");
	if (err == 0) {
		curl_off_t cl = 0;
		long ft = -1;
		curl_easy_getinfo(c->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
		curl_easy_getinfo(c->easy, CURLINFO_FILETIME, &ft);
		*size = cl > 0 ? (uint64_t)cl : 0;
		*mtime = ft > 0 ? (time_t)ft : 0;
	}
	httpc_req_free(&r);
	return err;
}

int
s3_head_bucket(struct s3 *c)
{
	struct httpc_req r;
	char *url = NULL;
	int err;

	if (asprintf(&url, "%s/", c->base) < 0)
		url = NULL;
	if (req_init(&r, "HEAD", url) != 0) {
		httpc_req_free(&r);
		return ENOMEM;
	}
	err = perform(c, &r, "HeadBucket");
	httpc_req_free(&r);
	return err;
}

static time_t
parse_iso_time(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	return timegm(&tm);
}

/* One page's entries to fn; *more and the token for the next page. */
static int
list_page(const struct httpc_req *r, s3_list_fn fn, void *ud, unsigned max,
          unsigned *seen, int *more, char *token, size_t tsz)
{
	xmlDoc *d = xml_parse(r);
	const xmlNode *root = d != NULL ? xmlDocGetRootElement(d) : NULL;
	char buf[1024 + 64], tr[16];
	int rc = 0;

	*more = 0;
	if (root == NULL || strcmp((const char *)root->name, "ListBucketResult") != 0) {
		xmlFreeDoc(d);
		return EIO;
	}
	for (const xmlNode *k = root->children; k != NULL && rc == 0; k = k->next) {
		struct s3_object o = {0};
		char key[1024 + 1];
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)k->name, "Contents") == 0) {
			xml_text(k, "Key", key, sizeof(key));
			xml_text(k, "Size", buf, sizeof(buf));
			o.size = strtoull(buf, NULL, 10);
			xml_text(k, "LastModified", buf, sizeof(buf));
			o.mtime = parse_iso_time(buf);
		} else if (strcmp((const char *)k->name, "CommonPrefixes") == 0) {
			xml_text(k, "Prefix", key, sizeof(key));
			o.is_prefix = 1;
		} else {
			continue;
		}
		o.key = key;
		rc = fn(&o, ud);
		if (max != 0 && ++*seen >= max && rc == 0)
			rc = -1;
	}
	xml_text(root, "IsTruncated", tr, sizeof(tr));
	xml_text(root, "NextContinuationToken", token, tsz);
	*more = strcmp(tr, "true") == 0 && token[0] != '\0';
	xmlFreeDoc(d);
	return rc;
}

int
s3_list(struct s3 *c, const char *prefix, int delim, unsigned max, s3_list_fn fn,
        void *ud)
{
	char token[2048] = "";
	unsigned seen = 0;
	int more = 1, rc = 0;

	while (more && rc == 0) {
		struct httpc_req r;
		char *ep = s3_encode(prefix, 0), *et = s3_encode(token, 0), *url = NULL;
		/* libcurl 7.88 signs the query as written: it must be canonical
		 * already (parameters sorted, each with "=") */
		if (ep != NULL && et != NULL &&
		    asprintf(&url, "%s/?%s%s%s%slist-type=2&prefix=%s", c->base,
		             token[0] ? "continuation-token=" : "", token[0] ? et : "",
		             token[0] ? "&" : "", delim ? "delimiter=%2F&" : "", ep) < 0)
			url = NULL;
		free(ep);
		free(et);
		if (req_init(&r, "GET", url) != 0) {
			httpc_req_free(&r);
			return ENOMEM;
		}
		rc = perform(c, &r, "ListObjectsV2");
		if (rc == 0) {
			rc = list_page(&r, fn, ud, max, &seen, &more, token,
			               sizeof(token));
			if (rc == EIO)
				seterr(c, "ListObjectsV2: unreadable answer");
		}
		httpc_req_free(&r);
	}
	return rc == -1 ? 0 : rc;
}

int
s3_get_range(struct s3 *c, const char *key, uint64_t off, void *buf, size_t len,
             size_t *got)
{
	struct httpc_req r;
	char range[80];
	int err;

	*got = 0;
	if (len == 0)
		return 0;
	snprintf(range, sizeof(range), "Range: bytes=%llu-%llu", (unsigned long long)off,
	         (unsigned long long)(off + len - 1));
	if (req_init(&r, "GET", key_url(c, key, NULL)) != 0 ||
	    httpc_req_header(&r, range) != 0) {
		httpc_req_free(&r);
		return ENOMEM;
	}
	r.dst = buf;
	r.dst_cap = len;
	err = perform(c, &r, "GetObject");
	if (err == ERANGE) /* at or past the end */
		err = 0;
	else if (err == 0)
		*got = r.dst_got;
	httpc_req_free(&r);
	return err;
}

static int
add_storage_class(struct s3 *c, struct httpc_req *r)
{
	char h[160];

	if (c->storage_class[0] == '\0')
		return 0;
	snprintf(h, sizeof(h), "x-amz-storage-class: %s", c->storage_class);
	return httpc_req_header(r, h);
}

int
s3_put_empty(struct s3 *c, const char *key)
{
	struct httpc_req r;
	int err;

	if (req_init(&r, "PUT", key_url(c, key, NULL)) != 0 ||
	    add_storage_class(c, &r) != 0) {
		httpc_req_free(&r);
		return ENOMEM;
	}
	r.mem = "";
	err = perform(c, &r, "PutObject");
	httpc_req_free(&r);
	return err;
}

static int
put_single(struct s3 *c, const char *key, int fd, uint64_t size)
{
	struct httpc_req r;
	int err;

	if (req_init(&r, "PUT", key_url(c, key, NULL)) != 0 ||
	    add_storage_class(c, &r) != 0 || httpc_req_header(&r, "Expect:") != 0) {
		httpc_req_free(&r);
		return ENOMEM;
	}
	r.fd = fd;
	r.len = size;
	err = perform(c, &r, "PutObject");
	httpc_req_free(&r);
	return err;
}

/* ---- multipart ---- */

struct multipart {
	struct s3 *c;
	const char *key;
	char upload_id[512];
	char *enc_id;
	unsigned nparts;
	char (*etags)[128];
};

static int
mp_create(struct multipart *m)
{
	struct httpc_req r;
	int err;

	if (req_init(&r, "POST", key_url(m->c, m->key, "uploads=")) != 0 ||
	    add_storage_class(m->c, &r) != 0) {
		httpc_req_free(&r);
		return ENOMEM;
	}
	r.mem = "";
	err = perform(m->c, &r, "CreateMultipartUpload");
	if (err == 0) {
		xmlDoc *d = xml_parse(&r);
		const xmlNode *root = d != NULL ? xmlDocGetRootElement(d) : NULL;
		xml_text(root, "UploadId", m->upload_id, sizeof(m->upload_id));
		xmlFreeDoc(d);
		if (m->upload_id[0] == '\0') {
			seterr(m->c, "CreateMultipartUpload: no UploadId");
			err = EIO;
		}
	}
	httpc_req_free(&r);
	if (err == 0 && (m->enc_id = s3_encode(m->upload_id, 0)) == NULL)
		err = ENOMEM;
	return err;
}

static void
mp_abort(struct multipart *m)
{
	struct httpc_req r;
	char q[600];
	char saved[sizeof(m->c->err)];

	snprintf(q, sizeof(q), "uploadId=%s", m->enc_id);
	memcpy(saved, m->c->err, sizeof(saved)); /* the first error is the one to tell */
	if (req_init(&r, "DELETE", key_url(m->c, m->key, q)) == 0 &&
	    perform(m->c, &r, "AbortMultipartUpload") != 0)
		log_info("s3: %s", m->c->err);
	httpc_req_free(&r);
	memcpy(m->c->err, saved, sizeof(saved));
}

static int
mp_part_req(struct multipart *m, struct httpc_req *r, unsigned part, int fd,
            uint64_t size)
{
	char q[640];
	uint64_t off = (uint64_t)(part - 1) * m->c->part_size;

	snprintf(q, sizeof(q), "partNumber=%u&uploadId=%s", part, m->enc_id);
	if (req_init(r, "PUT", key_url(m->c, m->key, q)) != 0 ||
	    httpc_req_header(r, "Expect:") != 0)
		return ENOMEM;
	r->fd = fd;
	r->off = off;
	r->len = size - off < m->c->part_size ? size - off : m->c->part_size;
	return 0;
}

/*
 * n requests, at most conc at a time on a curl multi handle: make(i) prepares
 * request i, done() takes a finished one (0 or an errno). A request that fails
 * transiently is put back with its back-off; the first hard failure stops all.
 */
struct parallel {
	struct s3 *c;
	unsigned n, conc;
	const char *what;
	int (*make)(void *ud, unsigned i, struct httpc_req *r);
	int (*done)(void *ud, struct httpc_req *r);
	void *ud;
};

/* Starts requests in free slots, and again those whose back-off is over. */
static int
par_fill(struct parallel *p, CURLM *multi, CURL **easy, struct httpc_req *slots,
         int *busy, unsigned *next, unsigned *active)
{
	int err = 0;

	for (unsigned i = 0; i < p->conc && err == 0; i++) {
		struct httpc_req *r = &slots[i];
		if (!busy[i] && *next < p->n) {
			if ((err = p->make(p->ud, *next, r)) != 0)
				break;
			r->part = (int)*next;
			r->attempt = 1;
			busy[i] = 1;
			(*next)++;
		} else if (!(busy[i] && r->not_before_ms != 0 &&
		             now_ms() >= r->not_before_ms)) {
			continue;
		}
		r->not_before_ms = 0;
		httpc_req_reset(r);
		setup_easy(p->c, easy[i], r);
		curl_multi_add_handle(multi, easy[i]);
		(*active)++;
	}
	return err;
}

/* A finished transfer: retried later, or handed to done(). */
static int
par_finish(struct parallel *p, CURLMsg *msg, CURL **easy, struct httpc_req *slots,
           int *busy, unsigned *finished)
{
	unsigned i = 0;
	struct httpc_req *r;
	int err;

	while (i < p->conc && easy[i] != msg->easy_handle)
		i++;
	if (i == p->conc)
		return 0;
	r = &slots[i];
	r->cc = msg->data.result;
	if (httpc_retriable(r) && r->attempt <= p->c->retries) {
		log_info("s3: %s %d: %s, retrying (attempt %u of %u)", p->what,
		         r->part + 1,
		         r->cc != CURLE_OK ? curl_easy_strerror(r->cc) : "server error",
		         r->attempt + 1, p->c->retries + 1);
		r->not_before_ms = now_ms() + backoff_for(p->c, r->attempt);
		r->attempt++;
		return 0;
	}
	err = req_result(p->c, r, p->what);
	if (err == 0)
		err = p->done(p->ud, r);
	httpc_req_free(r);
	busy[i] = 0;
	(*finished)++;
	return err;
}

/* A parallel run in progress: run_parallel() to its end, or stepped by a
 * background fetch (s3_fetch_*) on its own multi handle and easy handles. */
struct par_run {
	struct parallel p;
	CURLM *multi;
	CURL **easy;
	struct httpc_req *slots;
	int *busy;
	unsigned next, finished, active;
	int err;
};

static int
par_begin(struct par_run *run, const struct parallel *p, CURLM *multi, CURL **easy)
{
	memset(run, 0, sizeof(*run));
	run->p = *p;
	run->multi = multi;
	run->easy = easy;
	run->slots = calloc(p->conc, sizeof(*run->slots));
	run->busy = calloc(p->conc, sizeof(*run->busy));
	if (multi == NULL || run->slots == NULL || run->busy == NULL ||
	    p->conc > S3_MAX_CONCURRENCY)
		run->err = ENOMEM;
	for (unsigned i = 0; run->err == 0 && i < p->conc; i++)
		if (easy[i] == NULL && (easy[i] = curl_easy_init()) == NULL)
			run->err = ENOMEM;
	return run->err;
}

/* One round: start what can start, move the transfers, take the finished ones;
 * wait_ms > 0 then waits for the sockets (or a back-off). 1 when the run is over
 * (all done, or an error in run->err). */
static int
par_step(struct par_run *run, int wait_ms)
{
	struct parallel *p = &run->p;
	int running = 0, left = 0;
	CURLMsg *msg;

	if (run->err != 0 || run->finished >= p->n)
		return 1;
	if ((run->err = par_fill(p, run->multi, run->easy, run->slots, run->busy,
	                         &run->next, &run->active)) != 0)
		return 1;
	curl_multi_perform(run->multi, &running);
	while (run->err == 0 && (msg = curl_multi_info_read(run->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_multi_remove_handle(run->multi, msg->easy_handle);
		run->active--;
		run->err =
		    par_finish(p, msg, run->easy, run->slots, run->busy, &run->finished);
	}
	if (run->err != 0 || run->finished >= p->n)
		return 1;
	/* wait for the sockets; without transfers, for a back-off to end */
	if (wait_ms > 0 && run->next >= p->n)
		curl_multi_poll(run->multi, NULL, 0, run->active > 0 ? wait_ms : 20,
		                NULL);
	else if (wait_ms > 0 && run->active == p->conc)
		curl_multi_poll(run->multi, NULL, 0, wait_ms, NULL);
	return 0;
}

/* An early stop leaves transfers attached: detach them (their connections are
 * closed by libcurl, not reused half-way). The run's error. */
static int
par_end(struct par_run *run)
{
	for (unsigned i = 0; run->slots != NULL && i < run->p.conc; i++) {
		if (run->busy != NULL && run->busy[i] && run->easy[i] != NULL)
			curl_multi_remove_handle(run->multi, run->easy[i]);
		httpc_req_free(&run->slots[i]);
	}
	free(run->slots);
	free(run->busy);
	run->slots = NULL;
	run->busy = NULL;
	return run->err;
}

static int
run_parallel(struct parallel *p)
{
	struct par_run run;

	if (par_begin(&run, p, p->c->multi, p->c->pool) == 0)
		while (!par_step(&run, 1000))
			;
	return par_end(&run);
}

struct part_job {
	struct multipart *m;
	int fd;
	uint64_t size;
};

static int
part_make(void *ud, unsigned i, struct httpc_req *r)
{
	struct part_job *j = ud;

	return mp_part_req(j->m, r, i + 1, j->fd, j->size);
}

static int
part_done(void *ud, struct httpc_req *r)
{
	struct part_job *j = ud;

	if (r->etag[0] == '\0') {
		seterr(j->m->c, "UploadPart %d: no ETag", r->part + 1);
		return EIO;
	}
	memcpy(j->m->etags[r->part], r->etag, sizeof(r->etag));
	return 0;
}

static int
mp_upload_parts(struct multipart *m, int fd, uint64_t size)
{
	struct part_job j = {m, fd, size};
	struct parallel p = {
	    m->c, m->nparts, m->c->concurrency, "UploadPart", part_make, part_done, &j};

	return run_parallel(&p);
}

static int
mp_complete(struct multipart *m)
{
	struct httpc_req r;
	char q[600];
	size_t cap = 128 + (size_t)m->nparts * 200, o;
	char *xml = malloc(cap);
	int err;

	if (xml == NULL)
		return ENOMEM;
	o = (size_t)snprintf(xml, cap, "<CompleteMultipartUpload>");
	for (unsigned i = 0; i < m->nparts; i++)
		o += (size_t)snprintf(
		    xml + o, cap - o,
		    "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag></Part>", i + 1,
		    m->etags[i]);
	o += (size_t)snprintf(xml + o, cap - o, "</CompleteMultipartUpload>");
	snprintf(q, sizeof(q), "uploadId=%s", m->enc_id);
	if (req_init(&r, "POST", key_url(m->c, m->key, q)) != 0 ||
	    httpc_req_header(&r, "Content-Type: application/xml") != 0) {
		httpc_req_free(&r);
		free(xml);
		return ENOMEM;
	}
	r.mem = xml;
	r.mem_len = o;
	err = perform(m->c, &r, "CompleteMultipartUpload");
	httpc_req_free(&r);
	free(xml);
	return err;
}

struct range_job {
	struct s3 *c;
	const char *key;
	uint64_t off;
	char *buf;
	size_t len, chunk;
	size_t *got; /* per chunk */
};

static int
range_make(void *ud, unsigned i, struct httpc_req *r)
{
	struct range_job *j = ud;
	size_t start = (size_t)i * j->chunk;
	size_t n = j->len - start < j->chunk ? j->len - start : j->chunk;
	char range[80];

	snprintf(range, sizeof(range), "Range: bytes=%llu-%llu",
	         (unsigned long long)(j->off + start),
	         (unsigned long long)(j->off + start + n - 1));
	if (req_init(r, "GET", key_url(j->c, j->key, NULL)) != 0 ||
	    httpc_req_header(r, range) != 0)
		return ENOMEM;
	r->dst = j->buf + start;
	r->dst_cap = n;
	return 0;
}

static int
range_done(void *ud, struct httpc_req *r)
{
	struct range_job *j = ud;

	j->got[r->part] = r->dst_got;
	return 0;
}

/* What came of a ranged run: the prefix of whole chunks, then a short one at the
 * end. */
static size_t
ranges_got(const struct range_job *j, unsigned n)
{
	size_t got = 0;

	for (unsigned i = 0; i < n; i++) {
		got += j->got[i];
		if (j->got[i] < (i + 1 < n ? j->chunk : j->len - (size_t)i * j->chunk))
			break;
	}
	return got;
}

int
s3_get_ranges(struct s3 *c, const char *key, uint64_t off, void *buf, size_t len,
              size_t chunk, unsigned conc, size_t *got)
{
	unsigned n = (unsigned)((len + chunk - 1) / chunk);
	struct range_job j = {c, key, off, buf, len, chunk, calloc(n, sizeof(size_t))};
	struct parallel p = {c,          n, conc < n ? conc : n, "GetObject", range_make,
	                     range_done, &j};
	int err;

	*got = 0;
	if (len <= chunk || conc <= 1) {
		free(j.got);
		return s3_get_range(c, key, off, buf, len, got);
	}
	if (j.got == NULL)
		return ENOMEM;
	err = run_parallel(&p);
	if (err == 0)
		*got = ranges_got(&j, n);
	if (err == ERANGE) /* the window starts at or past the end */
		err = 0;
	free(j.got);
	return err;
}

struct s3_fetch {
	struct s3 *c;
	char *key;
	struct range_job j;
	unsigned n;
	struct par_run run;
	int over;
};

static void
fetch_free(struct s3_fetch *f)
{
	f->c->fetching = 0;
	free(f->j.got);
	free(f->key);
	free(f);
}

int
s3_fetch_start(struct s3 *c, const char *key, uint64_t off, void *buf, size_t len,
               size_t chunk, unsigned conc, struct s3_fetch **out)
{
	struct s3_fetch *f;
	struct parallel p = {c,          0,          0,   "GetObject (read-ahead)",
	                     range_make, range_done, NULL};

	*out = NULL;
	if (c->fetching)
		return EBUSY;
	if (len == 0 || chunk == 0 || conc == 0)
		return EINVAL;
	if ((f = calloc(1, sizeof(*f))) == NULL || (f->key = strdup(key)) == NULL) {
		free(f);
		return ENOMEM;
	}
	f->c = c;
	f->n = (unsigned)((len + chunk - 1) / chunk);
	f->j = (struct range_job){
	    c, f->key, off, buf, len, chunk, calloc(f->n, sizeof(size_t))};
	p.n = f->n;
	p.conc = conc < f->n ? conc : f->n;
	p.ud = &f->j;
	c->fetching = 1;
	if (f->j.got == NULL || par_begin(&f->run, &p, c->fmulti, c->fpool) != 0) {
		par_end(&f->run);
		fetch_free(f);
		return ENOMEM;
	}
	f->over = par_step(&f->run, 0);
	*out = f;
	return 0;
}

void
s3_fetch_pump(struct s3_fetch *f)
{
	if (f != NULL && !f->over)
		f->over = par_step(&f->run, 0);
}

int
s3_fetch_idle(struct s3_fetch *f, int fd, int timeout_ms)
{
	struct curl_waitfd w = {.fd = fd, .events = CURL_WAIT_POLLIN};

	if (f == NULL || f->over || (f->over = par_step(&f->run, 0)) != 0)
		return 1;
	/* a back-off in progress: its end is due within 20 ms at the most */
	if (curl_multi_poll(f->run.multi, &w, 1, f->run.active > 0 ? timeout_ms : 20,
	                    NULL) != CURLM_OK)
		return 1;
	f->over = par_step(&f->run, 0);
	return f->over || (w.revents & CURL_WAIT_POLLIN) != 0;
}

int
s3_fetch_wait(struct s3_fetch *f, size_t *got)
{
	int err;

	*got = 0;
	while (!f->over)
		f->over = par_step(&f->run, 1000);
	err = par_end(&f->run);
	if (err == 0)
		*got = ranges_got(&f->j, f->n);
	if (err == ERANGE)
		err = 0;
	fetch_free(f);
	return err;
}

void
s3_fetch_cancel(struct s3_fetch *f)
{
	if (f == NULL)
		return;
	par_end(&f->run);
	fetch_free(f);
}

int
s3_put_fd(struct s3 *c, const char *key, int fd, uint64_t size)
{
	struct multipart m = {.c = c, .key = key};
	int err;

	if (size < c->part_size)
		return put_single(c, key, fd, size);
	m.nparts = (unsigned)((size + c->part_size - 1) / c->part_size);
	if ((size + c->part_size - 1) / c->part_size > S3_MAX_PARTS) {
		seterr(c, "upload of %llu bytes needs more than %u parts of %llu bytes",
		       (unsigned long long)size, S3_MAX_PARTS,
		       (unsigned long long)c->part_size);
		return EFBIG;
	}
	if ((m.etags = calloc(m.nparts, sizeof(*m.etags))) == NULL)
		return ENOMEM;
	err = mp_create(&m);
	if (err == 0) {
		err = mp_upload_parts(&m, fd, size);
		if (err == 0)
			err = mp_complete(&m);
		if (err != 0)
			mp_abort(&m);
	}
	free(m.enc_id);
	free(m.etags);
	return err;
}

int
s3_copy(struct s3 *c, const char *from, const char *to)
{
	struct httpc_req r;
	char *src = s3_encode(from, 1), *h = NULL;
	int err;

	if (src == NULL || asprintf(&h, "x-amz-copy-source: /%s/%s", c->bucket, src) < 0)
		h = NULL;
	free(src);
	if (req_init(&r, "PUT", key_url(c, to, NULL)) != 0 || h == NULL ||
	    httpc_req_header(&r, h) != 0 || add_storage_class(c, &r) != 0) {
		free(h);
		httpc_req_free(&r);
		return ENOMEM;
	}
	free(h);
	r.mem = "";
	err = perform(c, &r, "CopyObject");
	httpc_req_free(&r);
	return err;
}

int
s3_delete(struct s3 *c, const char *key)
{
	struct httpc_req r;
	int err;

	if (req_init(&r, "DELETE", key_url(c, key, NULL)) != 0) {
		httpc_req_free(&r);
		return ENOMEM;
	}
	err = perform(c, &r, "DeleteObject");
	httpc_req_free(&r);
	return err;
}
