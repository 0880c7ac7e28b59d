/* SPDX-License-Identifier: BSD-2-Clause */
/* The cloud clients' HTTP plumbing (see httpc/httpc.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "httpc/httpc.h"

void
httpc_sleep_ms(uint64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};

	nanosleep(&ts, NULL);
}

char *
httpc_encode(const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out, *o;

	if (n > (SIZE_MAX - 1) / 3 || (out = malloc(n * 3 + 1)) == NULL)
		return NULL;
	o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' ||
		    *p == '~' || (keep_slash && *p == '/')) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

size_t
httpc_on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct httpc_req *r = ud;
	size_t len = sz * n;

	if (r->dst != NULL && r->status / 100 == 2) {
		size_t room = r->dst_cap - r->dst_got, take = len < room ? len : room;
		memcpy(r->dst + r->dst_got, p, take);
		r->dst_got += take;
		return len;
	}
	if (r->body_len + len > HTTPC_BODY_MAX) {
		r->overflow = 1;
		return len;
	}
	if (r->body_len + len + 1 > r->body_cap) {
		size_t cap = (r->body_len + len + 1) * 2;
		char *nb = realloc(r->body, cap);
		if (nb == NULL)
			return 0;
		r->body = nb;
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, p, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return len;
}

/* The value of a "name: value" header line, trimmed: [*b, *e). */
static int
header_value(const char *p, size_t len, const char *name, size_t *b, size_t *e)
{
	size_t nl = strlen(name);

	if (len <= nl || strncasecmp(p, name, nl) != 0)
		return 0;
	*b = nl;
	*e = len;
	while (*b < *e && (p[*b] == ' ' || p[*b] == '\t'))
		(*b)++;
	while (*e > *b && (p[*e - 1] == '\r' || p[*e - 1] == '\n' || p[*e - 1] == ' '))
		(*e)--;
	return 1;
}

size_t
httpc_on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct httpc_req *r = ud;
	size_t len = sz * n, b, e;

	if (len > 9 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new answer (after a 100 Continue, say): the status decides where the
		 * body goes */
		const char *sp = memchr(p, ' ', len);
		r->status = sp != NULL ? strtol(sp + 1, NULL, 10) : 0;
	} else if (header_value(p, len, "etag:", &b, &e)) {
		if (e - b < sizeof(r->etag)) {
			memcpy(r->etag, p + b, e - b);
			r->etag[e - b] = '\0';
		}
	} else if (header_value(p, len, "location:", &b, &e)) {
		free(r->location);
		r->location = strndup(p + b, e - b);
	} else if (header_value(p, len, "range:", &b, &e) && e - b > 8 && e - b < 40 &&
	           strncmp(p + b, "bytes=0-", 8) == 0) {
		char v[40], *end;
		memcpy(v, p + b + 8, e - b - 8);
		v[e - b - 8] = '\0';
		errno = 0;
		unsigned long long last = strtoull(v, &end, 10);
		/* digits only, and N + 1 must fit */
		if (v[0] >= '0' && v[0] <= '9' && *end == '\0' && errno == 0 &&
		    last < UINT64_MAX)
			r->range_next = (uint64_t)last + 1;
	}
	return len;
}

size_t
httpc_on_read(char *p, size_t sz, size_t n, void *ud)
{
	struct httpc_req *r = ud;
	size_t want = sz * n;
	ssize_t got;

	if (r->mem != NULL) {
		size_t left = r->mem_len - (size_t)r->pos;
		if (want > left)
			want = left;
		memcpy(p, r->mem + r->pos, want);
		r->pos += want;
		return want;
	}
	if (want > r->len - r->pos)
		want = (size_t)(r->len - r->pos);
	if (want == 0)
		return 0;
	do
		got = pread(r->fd, p, want, (off_t)(r->off + r->pos));
	while (got < 0 && errno == EINTR);
	if (got <= 0)
		return CURL_READFUNC_ABORT;
	r->pos += (uint64_t)got;
	return (size_t)got;
}

void
httpc_req_reset(struct httpc_req *r)
{
	r->pos = 0;
	r->dst_got = 0;
	r->body_len = 0;
	r->overflow = 0;
	r->status = 0;
	r->etag[0] = '\0';
	free(r->location);
	r->location = NULL;
	r->range_next = 0;
}

void
httpc_req_free(struct httpc_req *r)
{
	free(r->url);
	free(r->body);
	free(r->location);
	curl_slist_free_all(r->hdrs);
	r->url = NULL;
	r->body = NULL;
	r->location = NULL;
	r->hdrs = NULL;
}

int
httpc_req_header(struct httpc_req *r, const char *h)
{
	struct curl_slist *n = curl_slist_append(r->hdrs, h);

	if (n == NULL)
		return -1;
	r->hdrs = n;
	return 0;
}

int
httpc_retriable(const struct httpc_req *r)
{
	switch (r->cc) {
	case CURLE_OK:
		return r->status == 429 || r->status == 500 || r->status == 502 ||
		       r->status == 503 || r->status == 504;
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
		return 1;
	default:
		return 0;
	}
}

const char *
httpc_ca_path(const char *ca_file)
{
	const char *ca = ca_file;

	if (ca == NULL || ca[0] == '\0')
		ca = curl_version_info(CURLVERSION_NOW)->cainfo;
	return ca != NULL ? ca : "/etc/ssl/certs/ca-certificates.crt";
}

int
httpc_load_ca(const char *path, void **ca, size_t *ca_len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0 ||
	    st.st_size > HTTPC_CA_MAX) {
		snprintf(err, errlen, "CA bundle %s: %s", path,
		         fd < 0 ? strerror(errno) : "empty or too large");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*ca = malloc((size_t)st.st_size);
	n = *ca != NULL ? read(fd, *ca, (size_t)st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		snprintf(err, errlen, "CA bundle %s: short read", path);
		return -1;
	}
	*ca_len = (size_t)n;
	return 0;
}

int
httpc_pin(struct curl_slist **resolve, const char *host, const char *port, char *err,
          size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	char line[1024], addr[NI_MAXHOST], bare[NI_MAXHOST];
	unsigned char tmp[16];
	struct curl_slist *nl;
	size_t o;
	int rc;

	/* an address literal needs no resolver ("[::1]" comes bracketed) */
	snprintf(bare, sizeof(bare), "%s", host[0] == '[' ? host + 1 : host);
	if (bare[0] != '\0' && bare[strlen(bare) - 1] == ']')
		bare[strlen(bare) - 1] = '\0';
	if (inet_pton(AF_INET, bare, tmp) == 1 || inet_pton(AF_INET6, bare, tmp) == 1)
		return 0;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "endpoint host %s: %s", host, gai_strerror(rc));
		return -1;
	}
	o = (size_t)snprintf(line, sizeof(line), "%s:%s:", host, port);
	for (struct addrinfo *a = res; a != NULL && o < sizeof(line); a = a->ai_next) {
		int v6 = a->ai_family == AF_INET6;
		if (getnameinfo(a->ai_addr, a->ai_addrlen, addr, sizeof(addr), NULL, 0,
		                NI_NUMERICHOST) != 0)
			continue;
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s%s%s",
		                      line[o - 1] == ':' ? "" : ",", v6 ? "[" : "", addr,
		                      v6 ? "]" : "");
	}
	freeaddrinfo(res);
	if (o >= sizeof(line)) {
		snprintf(err, errlen, "endpoint host %s: too many addresses", host);
		return -1;
	}
	if ((nl = curl_slist_append(*resolve, line)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*resolve = nl;
	return 0;
}
