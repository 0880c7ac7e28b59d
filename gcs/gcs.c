/* SPDX-License-Identifier: BSD-2-Clause */
/* The Google Cloud Storage client of sftpgo-worker (see gcs/gcs.h). */
#include "config.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netdb.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "gcs/gcs.h"
#include "httpc/httpc.h"

#define STALL_SECONDS 30L
#define TOKEN_MAX 4096
#define TOKEN_MARGIN 120 /* refreshed this many seconds before it expires */
#define MAX_HOSTS 3
/* resumable uploads above this go in pieces of it (a multiple of 256 KiB, as the
 * API wants), each resumable from what the session holds */
#define GCS_CHUNK (16u * 1024u * 1024u)

struct gcs {
	char *bucket, *storage_class;
	char *base;      /* scheme://host[:port] of the JSON API */
	char *token_url; /* the key file's token_uri, or the metadata server's */
	char *client_email;
	EVP_PKEY *key; /* NULL: the metadata server */
	char token[TOKEN_MAX];
	time_t token_exp;
	struct curl_slist *resolve;
	void *ca;
	size_t ca_len;
	unsigned retries, backoff_ms;
	CURL *easy;
	char err[256];
};

static void
seterr(struct gcs *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

const char *
gcs_error(const struct gcs *c)
{
	return c->err;
}

/* ---- encodings ---- */

char *
gcs_b64url(const unsigned char *in, size_t n)
{
	char *out;
	int len;

	if (n > INT32_MAX / 2 || (out = malloc((n + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	/* the URL alphabet, no padding */
	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	for (char *p = out; *p != '\0'; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	return out;
}

/* base + "/storage/v1/b/BUCKET/o/NAME" + rest; NULL when out of memory. */
static char *
object_url(struct gcs *c, const char *name, const char *rest)
{
	char *en = httpc_encode(name, 0), *url = NULL;

	if (en != NULL && asprintf(&url, "%s/storage/v1/b/%s/o/%s%s", c->base, c->bucket,
	                           en, rest != NULL ? rest : "") < 0)
		url = NULL;
	free(en);
	return url;
}

static time_t
parse_rfc3339(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	return timegm(&tm);
}

/* ---- one exchange ---- */

static void
req_init(struct httpc_req *r, const char *method, char *url)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->method = method;
	r->url = url;
}

static void
setup_easy(struct gcs *c, struct httpc_req *r, struct curl_slist *hdrs)
{
	CURL *e = c->easy;

	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
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
	if (strcmp(r->method, "PUT") == 0) {
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

/* The error object's message ({"error":{"message":...}}), or "". */
static void
json_error_message(const struct httpc_req *r, char *out, size_t outsz)
{
	json_t *j = r->body != NULL ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
	const json_t *m = json_object_get(json_object_get(j, "error"), "message");

	snprintf(out, outsz, "%s", json_is_string(m) ? json_string_value(m) : "");
	json_decref(j);
}

static int
req_result(struct gcs *c, const struct httpc_req *r, const char *what)
{
	char msg[160];

	if (r->overflow) {
		seterr(c, "%s: answer too large", what);
		return EIO;
	}
	if (r->cc != CURLE_OK) {
		seterr(c, "%s: %s (after %u attempts)", what, curl_easy_strerror(r->cc),
		       r->attempt);
		return EIO;
	}
	if (r->status / 100 == 2)
		return 0;
	json_error_message(r, msg, sizeof(msg));
	seterr(c, "%s: HTTP %ld%s%s", what, r->status, msg[0] ? ": " : "", msg);
	if (r->status == 404)
		return ENOENT;
	if (r->status == 401 || r->status == 403)
		return EACCES;
	if (r->status == 416)
		return ERANGE;
	return EIO;
}

static int fetch_token(struct gcs *c);

/* r's headers and the bearer token, for one attempt; NULL when out of memory. */
static struct curl_slist *
attempt_headers(struct gcs *c, const struct httpc_req *r)
{
	struct curl_slist *h = NULL, *n;
	char auth[TOKEN_MAX + 32];

	for (const struct curl_slist *k = r->hdrs; k != NULL; k = k->next) {
		if ((n = curl_slist_append(h, k->data)) == NULL)
			goto fail;
		h = n;
	}
	if (!r->no_auth) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->token);
		n = curl_slist_append(h, auth);
		explicit_bzero(auth, sizeof(auth));
		if (n == NULL)
			goto fail;
		h = n;
	}
	return h;
fail:
	curl_slist_free_all(h);
	return NULL;
}

static void
free_headers(struct curl_slist *h)
{
	for (struct curl_slist *k = h; k != NULL; k = k->next)
		explicit_bzero(k->data, strlen(k->data));
	curl_slist_free_all(h);
}

/* One exchange, retried on 5xx, 429 and lost connections; a 401 refreshes the
 * token once. */
static int
perform(struct gcs *c, struct httpc_req *r, const char *what)
{
	int refreshed = 0;

	for (r->attempt = 1;; r->attempt++) {
		struct curl_slist *h;
		int err;
		if (!r->no_auth && (err = fetch_token(c)) != 0)
			return err;
		if ((h = attempt_headers(c, r)) == NULL &&
		    (r->hdrs != NULL || !r->no_auth)) {
			seterr(c, "%s: out of memory", what);
			return ENOMEM;
		}
		httpc_req_reset(r);
		setup_easy(c, r, h);
		r->cc = curl_easy_perform(c->easy);
		free_headers(h);
		if (r->cc == CURLE_OK && r->status == 401 && !r->no_auth && !refreshed) {
			refreshed = 1;
			c->token_exp = 0; /* revoked or expired early: a new one */
			continue;
		}
		if (!httpc_retriable(r) || r->attempt > c->retries)
			break;
		log_info("gcs: %s: %s, retrying (attempt %u of %u)", what,
		         r->cc != CURLE_OK ? curl_easy_strerror(r->cc) : "server error",
		         r->attempt + 1, c->retries + 1);
		unsigned ms = c->backoff_ms;
		for (unsigned i = 1; i < r->attempt && ms < 10000; i++)
			ms *= 2;
		httpc_sleep_ms(ms);
	}
	return req_result(c, r, what);
}

static json_t *
answer_json(struct gcs *c, const struct httpc_req *r, const char *what)
{
	json_t *j = r->body != NULL ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;

	if (!json_is_object(j)) {
		json_decref(j);
		seterr(c, "%s: unreadable answer", what);
		return NULL;
	}
	return j;
}

/* ---- credentials ---- */

/* header.claims.signature of the JWT bearer grant, RS256 with the account's key. */
static char *
make_jwt(struct gcs *c)
{
	static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
	time_t now = time(NULL);
	json_t *claims = json_pack("{s:s,s:s,s:s,s:I,s:I}", "iss", c->client_email,
	                           "scope", GCS_SCOPE, "aud", c->token_url, "iat",
	                           (json_int_t)now, "exp", (json_int_t)now + 3600);
	char *cj = claims != NULL ? json_dumps(claims, JSON_COMPACT) : NULL;
	char *h64 = gcs_b64url((const unsigned char *)header, strlen(header));
	char *c64 = cj != NULL ? gcs_b64url((const unsigned char *)cj, strlen(cj)) : NULL;
	char *input = NULL, *s64 = NULL, *jwt = NULL;
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	json_decref(claims);
	free(cj);
	if (h64 == NULL || c64 == NULL || md == NULL ||
	    asprintf(&input, "%s.%s", h64, c64) < 0) {
		input = NULL;
		goto out;
	}
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, c->key) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input,
	                   strlen(input)) != 1) {
		seterr(c, "credentials: signing the token request failed");
		goto out;
	}
	if ((s64 = gcs_b64url(sig, siglen)) == NULL ||
	    asprintf(&jwt, "%s.%s", input, s64) < 0)
		jwt = NULL;
out:
	EVP_MD_CTX_free(md);
	free(h64);
	free(c64);
	free(input);
	free(s64);
	return jwt;
}

static int
fetch_token(struct gcs *c)
{
	struct httpc_req r;
	char *form = NULL, *jwt = NULL;
	json_t *j;
	const json_t *tok, *exp;
	int err;

	if (c->token[0] != '\0' && time(NULL) + TOKEN_MARGIN < c->token_exp)
		return 0;
	c->token[0] = '\0';
	req_init(&r, c->key != NULL ? "POST" : "GET", strdup(c->token_url));
	r.no_auth = 1;
	if (r.url == NULL)
		goto nomem;
	if (c->key != NULL) {
		if ((jwt = make_jwt(c)) == NULL) {
			httpc_req_free(&r);
			if (c->err[0] == '\0')
				seterr(c, "credentials: out of memory");
			return EACCES;
		}
		if (asprintf(
		        &form,
		        "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-"
		        "bearer&assertion=%s",
		        jwt) < 0)
			form = NULL;
		free(jwt);
		if (form == NULL ||
		    httpc_req_header(
		        &r, "Content-Type: application/x-www-form-urlencoded") != 0)
			goto nomem;
		r.mem = form;
		r.mem_len = strlen(form);
	} else if (httpc_req_header(&r, "Metadata-Flavor: Google") != 0) {
		goto nomem;
	}
	err = perform(c, &r, c->key != NULL ? "token" : "metadata token");
	free(form);
	if (err != 0) {
		httpc_req_free(&r);
		return err == ENOENT ? EACCES : err;
	}
	if ((j = answer_json(c, &r, "token")) == NULL) {
		httpc_req_free(&r);
		return EACCES;
	}
	tok = json_object_get(j, "access_token");
	exp = json_object_get(j, "expires_in");
	if (!json_is_string(tok) || json_string_length(tok) == 0 ||
	    json_string_length(tok) >= sizeof(c->token)) {
		seterr(c, "token: no usable access_token in the answer");
		err = EACCES;
	} else {
		snprintf(c->token, sizeof(c->token), "%s", json_string_value(tok));
		c->token_exp =
		    time(NULL) +
		    (json_is_integer(exp) ? (time_t)json_integer_value(exp) : 3600);
	}
	/* the answer held the token: wiped before it goes */
	if (r.body != NULL)
		explicit_bzero(r.body, r.body_len);
	json_decref(j);
	httpc_req_free(&r);
	return err;
nomem:
	free(form);
	httpc_req_free(&r);
	seterr(c, "token: out of memory");
	return ENOMEM;
}

static int
load_key(struct gcs *c, const char *creds, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j = json_loads(creds, 0, &je);
	const char *type = json_string_value(json_object_get(j, "type"));
	const char *email = json_string_value(json_object_get(j, "client_email"));
	const char *pem = json_string_value(json_object_get(j, "private_key"));
	const char *uri = json_string_value(json_object_get(j, "token_uri"));
	BIO *b;
	int rc = -1;

	if (!json_is_object(j)) {
		snprintf(err, errlen, "gcs credentials: not JSON (line %d)", je.line);
		goto out;
	}
	if (type == NULL || strcmp(type, "service_account") != 0 || email == NULL ||
	    pem == NULL) {
		snprintf(err, errlen,
		         "gcs credentials: type \"%.40s\" is not supported: only "
		         "service account keys (type \"service_account\" with "
		         "client_email and private_key)",
		         type != NULL ? type : "");
		goto out;
	}
	if (uri == NULL || uri[0] == '\0')
		uri = "https://oauth2.googleapis.com/token";
	if (strncmp(uri, "https://", 8) != 0 && strncmp(uri, "http://", 7) != 0) {
		snprintf(err, errlen, "gcs credentials: token_uri is not an http(s) URL");
		goto out;
	}
	b = BIO_new_mem_buf(pem, -1);
	c->key = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (c->key == NULL || EVP_PKEY_get_base_id(c->key) != EVP_PKEY_RSA) {
		snprintf(err, errlen, "gcs credentials: private_key is not an RSA key");
		goto out;
	}
	c->client_email = strdup(email);
	c->token_url = strdup(uri);
	rc = c->client_email != NULL && c->token_url != NULL ? 0 : -1;
	if (rc != 0)
		snprintf(err, errlen, "out of memory");
out:
	/* the key's PEM text is in j: wiped with it */
	if (pem != NULL)
		explicit_bzero((char *)pem, strlen(pem));
	json_decref(j);
	return rc;
}

/* ---- set-up ---- */

/*
 * The URL's host pinned to its addresses for CURLOPT_RESOLVE (the chrooted worker
 * has no resolver); *https set when it is https. Address literals need nothing.
 */
static int
pin_url(struct gcs *c, const char *url, int *https, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = -1;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		snprintf(err, errlen, "gcs: not an http(s) URL: %s", url);
	} else {
		*https |= strcmp(scheme, "https") == 0;
		rc = httpc_pin(&c->resolve, host, port, err, errlen);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

struct gcs *
gcs_new(const struct gcs_config *cfg, char *err, size_t errlen)
{
	struct gcs *c = calloc(1, sizeof(*c));
	const char *ep = cfg->endpoint != NULL && cfg->endpoint[0] != '\0'
	                     ? cfg->endpoint
	                     : GCS_DEFAULT_ENDPOINT;
	int https = 0;
	size_t n;

	err[0] = '\0';
	if (c == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "out of memory");
		free(c);
		return NULL;
	}
	c->retries = cfg->retries;
	c->backoff_ms = cfg->backoff_ms == 0 ? 100 : cfg->backoff_ms;
	c->bucket = httpc_encode(cfg->bucket, 0);
	c->storage_class = strdup(cfg->storage_class != NULL ? cfg->storage_class : "");
	c->base = strdup(ep);
	if (c->bucket == NULL || c->storage_class == NULL || c->base == NULL)
		goto nomem;
	n = strlen(c->base);
	while (n > 0 && c->base[n - 1] == '/')
		c->base[--n] = '\0';
	if (cfg->credentials != NULL) {
		if (load_key(c, cfg->credentials, err, errlen) != 0)
			goto fail;
	} else {
		const char *mh =
		    cfg->metadata_host != NULL && cfg->metadata_host[0] != '\0'
		        ? cfg->metadata_host
		        : GCS_METADATA_HOST;
		if (asprintf(&c->token_url,
		             "http://%s/computeMetadata/v1/instance/service-accounts/"
		             "default/token",
		             mh) < 0) {
			c->token_url = NULL;
			goto nomem;
		}
	}
	if (pin_url(c, c->base, &https, err, errlen) != 0 ||
	    pin_url(c, c->token_url, &https, err, errlen) != 0)
		goto fail;
	if (https && httpc_load_ca(httpc_ca_path(cfg->ca_file), &c->ca, &c->ca_len, err,
	                           errlen) != 0)
		goto fail;
	if ((c->easy = curl_easy_init()) == NULL)
		goto nomem;
	return c;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	gcs_free(c);
	return NULL;
}

void
gcs_free(struct gcs *c)
{
	if (c == NULL)
		return;
	if (c->easy != NULL)
		curl_easy_cleanup(c->easy);
	EVP_PKEY_free(c->key);
	explicit_bzero(c->token, sizeof(c->token));
	free(c->bucket);
	free(c->storage_class);
	free(c->base);
	free(c->token_url);
	free(c->client_email);
	free(c->ca);
	curl_slist_free_all(c->resolve);
	free(c);
}

/* ---- requests ---- */

int
gcs_stat(struct gcs *c, const char *name, uint64_t *size, time_t *mtime)
{
	struct httpc_req r;
	int err;

	req_init(&r, "GET", object_url(c, name, NULL));
	if (r.url == NULL)
		return ENOMEM;
	if ((err = perform(c, &r, "objects.get")) == 0) {
		json_t *j = answer_json(c, &r, "objects.get");
		if (j == NULL) {
			err = EIO;
		} else {
			const char *s = json_string_value(json_object_get(j, "size"));
			*size = s != NULL ? strtoull(s, NULL, 10) : 0;
			*mtime = parse_rfc3339(
			    json_string_value(json_object_get(j, "updated")));
			json_decref(j);
		}
	}
	httpc_req_free(&r);
	return err;
}

/* One page's entries to fn; the next page's token ("" = last page). */
static int
list_page(const json_t *j, gcs_list_fn fn, void *ud, unsigned max, unsigned *seen,
          char *token, size_t tsz)
{
	const json_t *items = json_object_get(j, "items");
	const json_t *prefixes = json_object_get(j, "prefixes");
	const char *next = json_string_value(json_object_get(j, "nextPageToken"));
	size_t np = json_array_size(prefixes), n = np + json_array_size(items);
	int rc = 0;

	/* the prefixes ("directories") first, then the objects */
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct gcs_object o = {0};
		if (i < np) {
			o.name = json_string_value(json_array_get(prefixes, i));
			o.is_prefix = 1;
		} else {
			const json_t *v = json_array_get(items, i - np);
			const char *sz = json_string_value(json_object_get(v, "size"));
			o.name = json_string_value(json_object_get(v, "name"));
			o.size = sz != NULL ? strtoull(sz, NULL, 10) : 0;
			o.mtime = parse_rfc3339(
			    json_string_value(json_object_get(v, "updated")));
		}
		if (o.name == NULL)
			continue;
		rc = fn(&o, ud);
		if (max != 0 && ++*seen >= max && rc == 0)
			rc = -1;
	}
	if (next != NULL && strlen(next) >= tsz)
		return EIO;
	snprintf(token, tsz, "%s", next != NULL ? next : "");
	return rc;
}

int
gcs_list(struct gcs *c, const char *prefix, int delim, unsigned max, gcs_list_fn fn,
         void *ud)
{
	char token[2048] = "";
	unsigned seen = 0;
	int rc = 0, first = 1;

	while (rc == 0 && (first || token[0] != '\0')) {
		struct httpc_req r;
		char *ep = httpc_encode(prefix, 0), *et = httpc_encode(token, 0),
		     *url = NULL;
		first = 0;
		if (ep != NULL && et != NULL &&
		    asprintf(&url, "%s/storage/v1/b/%s/o?prefix=%s%s%s%s", c->base,
		             c->bucket, ep, delim ? "&delimiter=%2F" : "",
		             token[0] ? "&pageToken=" : "", et) < 0)
			url = NULL;
		free(ep);
		free(et);
		req_init(&r, "GET", url);
		if (url == NULL)
			return ENOMEM;
		rc = perform(c, &r, "objects.list");
		if (rc == 0) {
			json_t *j = answer_json(c, &r, "objects.list");
			if (j == NULL) {
				rc = EIO;
			} else {
				rc = list_page(j, fn, ud, max, &seen, token,
				               sizeof(token));
				json_decref(j);
			}
		}
		httpc_req_free(&r);
	}
	return rc == -1 ? 0 : rc;
}

int
gcs_read(struct gcs *c, const char *name, uint64_t off, void *buf, size_t len,
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
	req_init(&r, "GET", object_url(c, name, "?alt=media"));
	if (r.url == NULL || httpc_req_header(&r, range) != 0) {
		httpc_req_free(&r);
		return ENOMEM;
	}
	r.dst = buf;
	r.dst_cap = len;
	err = perform(c, &r, "media download");
	if (err == ERANGE) { /* at or past the end */
		err = 0;
	} else if (err == 0 && r.status == 200 && off != 0) {
		/* a server that ignored the Range sent the object from its start */
		seterr(c, "media download: the server ignored the byte range");
		err = EIO;
	} else if (err == 0) {
		*got = r.dst_got;
	}
	httpc_req_free(&r);
	return err;
}

/* Starts a resumable session for name: its URI (same server as base) in *session. */
static int
start_session(struct gcs *c, const char *name, uint64_t size, char **session)
{
	struct httpc_req r;
	json_t *meta = json_pack("{s:s}", "name", name);
	char *body = NULL, *en = httpc_encode(name, 0), *url = NULL;
	char lenh[64];
	int err;

	*session = NULL;
	if (meta != NULL && c->storage_class[0] != '\0')
		json_object_set_new(meta, "storageClass", json_string(c->storage_class));
	body = meta != NULL ? json_dumps(meta, JSON_COMPACT) : NULL;
	json_decref(meta);
	if (en != NULL &&
	    asprintf(&url, "%s/upload/storage/v1/b/%s/o?uploadType=resumable&name=%s",
	             c->base, c->bucket, en) < 0)
		url = NULL;
	free(en);
	req_init(&r, "POST", url);
	snprintf(lenh, sizeof(lenh), "X-Upload-Content-Length: %llu",
	         (unsigned long long)size);
	if (body == NULL || url == NULL ||
	    httpc_req_header(&r, "Content-Type: application/json; charset=UTF-8") != 0 ||
	    httpc_req_header(&r, "X-Upload-Content-Type: application/octet-stream") !=
	        0 ||
	    httpc_req_header(&r, lenh) != 0) {
		free(body);
		httpc_req_free(&r);
		return ENOMEM;
	}
	r.mem = body;
	r.mem_len = strlen(body);
	err = perform(c, &r, "resumable upload start");
	free(body);
	if (err == 0) {
		size_t bl = strlen(c->base);
		/* the session URI goes to the API's own server, nowhere else */
		if (r.location == NULL || strncmp(r.location, c->base, bl) != 0 ||
		    r.location[bl] != '/') {
			seterr(c, "resumable upload start: no session URI on the API's "
			          "server in the answer");
			err = EIO;
		} else {
			*session = r.location;
			r.location = NULL;
		}
	}
	httpc_req_free(&r);
	return err;
}

/*
 * One PUT of a session: [off, off + n) of fd with its Content-Range, or (n 0) a
 * status query ("bytes * /size"). 0 with *done once the object exists (200, 201),
 * or with *next = the bytes the server holds (308 Resume Incomplete); else an
 * error, not retried here (the caller asks what arrived and goes on from there).
 */
static int
session_put(struct gcs *c, const char *session, int fd, uint64_t off, uint64_t n,
            uint64_t size, uint64_t *next, int *done)
{
	struct httpc_req r;
	char cr[96];
	char *url = strdup(session);
	int err;

	req_init(&r, "PUT", url);
	if (n > 0)
		snprintf(cr, sizeof(cr), "Content-Range: bytes %llu-%llu/%llu",
		         (unsigned long long)off, (unsigned long long)(off + n - 1),
		         (unsigned long long)size);
	else
		snprintf(cr, sizeof(cr), "Content-Range: bytes */%llu",
		         (unsigned long long)size);
	if (url == NULL ||
	    httpc_req_header(&r, "Content-Type: application/octet-stream") != 0 ||
	    httpc_req_header(&r, cr) != 0) {
		httpc_req_free(&r);
		return ENOMEM;
	}
	if (n > 0) {
		r.fd = fd;
		r.off = off;
		r.len = n;
	} else {
		r.mem = "";
		r.mem_len = 0;
	}
	unsigned keep = c->retries;
	c->retries = 0;
	err = perform(c, &r, n > 0 ? "resumable upload" : "resumable upload status");
	c->retries = keep;
	*done = 0;
	if (r.cc == CURLE_OK && r.status == 308 && !r.overflow) {
		err = 0;
		*next = r.range_next;
	} else if (err == 0) {
		*done = 1;
	}
	httpc_req_free(&r);
	return err;
}

/*
 * A large object in GCS_CHUNK pieces of one session. A piece that fails (lost
 * connection, 5xx) is not sent again blindly: the session is asked what it holds
 * (a status query) and the upload goes on from the server's offset, so a dropped
 * connection costs at most one piece, not the object. c->retries failures in a
 * row without progress end it (EIO: the caller starts a new session).
 */
static int
upload_chunked(struct gcs *c, const char *session, int fd, uint64_t size)
{
	uint64_t off = 0;
	unsigned failures = 0;
	int ask = 0;

	for (;;) {
		uint64_t n = size - off < GCS_CHUNK ? size - off : GCS_CHUNK, next = 0;
		int done = 0, err = session_put(c, session, fd, off, ask ? 0 : n, size,
		                                &next, &done);
		if (err == 0 && done)
			return 0;
		if (err == 0 && next > size) {
			seterr(c, "resumable upload: the server holds %llu bytes of %llu",
			       (unsigned long long)next, (unsigned long long)size);
			return EIO;
		}
		if (err == 0 && (ask || next > off)) {
			if (next > off)
				failures = 0;
			off = next;
			ask = 0;
			if (off < size)
				continue;
			/* every byte is there but no object: ask once more */
			seterr(c, "resumable upload: all %llu bytes sent, no object",
			       (unsigned long long)size);
			err = EIO;
		} else if (err == 0) {
			seterr(c, "resumable upload: no progress at %llu of %llu bytes",
			       (unsigned long long)off, (unsigned long long)size);
			err = EIO;
		}
		if (err != EIO || ++failures > c->retries)
			return err;
		log_info("gcs: %s at %llu of %llu bytes, asking the session what it "
		         "holds (attempt %u of %u)",
		         c->err, (unsigned long long)off, (unsigned long long)size,
		         failures + 1, c->retries + 1);
		httpc_sleep_ms((uint64_t)c->backoff_ms
		               << (failures < 6 ? failures - 1 : 5));
		ask = 1;
	}
}

/* A resumable session: the whole body in one PUT up to GCS_CHUNK, in chunks
 * above (upload_chunked). */
static int
upload(struct gcs *c, const char *name, int fd, uint64_t size)
{
	struct httpc_req r;
	char *session;
	int err = start_session(c, name, size, &session);

	if (err != 0)
		return err;
	if (size > GCS_CHUNK) {
		err = upload_chunked(c, session, fd, size);
		free(session);
		return err;
	}
	req_init(&r, "PUT", session);
	if (httpc_req_header(&r, "Content-Type: application/octet-stream") != 0) {
		httpc_req_free(&r);
		return ENOMEM;
	}
	r.fd = fd;
	r.len = size;
	if (fd < 0) {
		r.mem = "";
		r.mem_len = 0;
	}
	/* not retried here: a failed session is started again by the caller */
	unsigned keep = c->retries;
	c->retries = 0;
	err = perform(c, &r, "resumable upload");
	c->retries = keep;
	httpc_req_free(&r);
	return err;
}

static int
upload_retried(struct gcs *c, const char *name, int fd, uint64_t size)
{
	int err = 0;

	for (unsigned attempt = 1; attempt <= c->retries + 1; attempt++) {
		err = upload(c, name, fd, size);
		if (err != EIO || attempt > c->retries)
			break;
		log_info("gcs: upload of an object failed (%s), a new session (attempt "
		         "%u of %u)",
		         c->err, attempt + 1, c->retries + 1);
		httpc_sleep_ms((uint64_t)c->backoff_ms
		               << (attempt < 6 ? attempt - 1 : 5));
	}
	return err;
}

int
gcs_put_fd(struct gcs *c, const char *name, int fd, uint64_t size)
{
	return upload_retried(c, name, fd, size);
}

int
gcs_put_empty(struct gcs *c, const char *name)
{
	return upload_retried(c, name, -1, 0);
}

int
gcs_copy(struct gcs *c, const char *from, const char *to)
{
	char token[2048] = "";
	int err, done = 0;
	char *et = NULL;

	do {
		struct httpc_req r;
		json_t *meta = json_object(), *j;
		char *dst = httpc_encode(to, 0), *rest = NULL, *body;
		if (meta != NULL && c->storage_class[0] != '\0')
			json_object_set_new(meta, "storageClass",
			                    json_string(c->storage_class));
		body = meta != NULL ? json_dumps(meta, JSON_COMPACT) : NULL;
		json_decref(meta);
		free(et);
		et = httpc_encode(token, 0);
		if (dst != NULL && et != NULL &&
		    asprintf(&rest, "/rewriteTo/b/%s/o/%s%s%s", c->bucket, dst,
		             token[0] ? "?rewriteToken=" : "", token[0] ? et : "") < 0)
			rest = NULL;
		free(dst);
		req_init(&r, "POST", rest != NULL ? object_url(c, from, rest) : NULL);
		free(rest);
		if (r.url == NULL || body == NULL ||
		    httpc_req_header(
		        &r, "Content-Type: application/json; charset=UTF-8") != 0) {
			free(body);
			httpc_req_free(&r);
			free(et);
			return ENOMEM;
		}
		r.mem = body;
		r.mem_len = strlen(body);
		err = perform(c, &r, "objects.rewrite");
		free(body);
		if (err == 0 && (j = answer_json(c, &r, "objects.rewrite")) == NULL)
			err = EIO;
		if (err == 0) {
			const char *t =
			    json_string_value(json_object_get(j, "rewriteToken"));
			done = json_is_true(json_object_get(j, "done"));
			if (!done && (t == NULL || strlen(t) >= sizeof(token))) {
				seterr(c,
				       "objects.rewrite: not done and no usable token");
				err = EIO;
			} else {
				snprintf(token, sizeof(token), "%s", t != NULL ? t : "");
			}
			json_decref(j);
		}
		httpc_req_free(&r);
	} while (err == 0 && !done);
	free(et);
	return err;
}

int
gcs_delete(struct gcs *c, const char *name)
{
	struct httpc_req r;
	int err;

	req_init(&r, "DELETE", object_url(c, name, NULL));
	if (r.url == NULL)
		return ENOMEM;
	err = perform(c, &r, "objects.delete");
	httpc_req_free(&r);
	return err;
}
