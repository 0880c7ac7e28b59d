/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What httpd.c (the server, the monitor link, the request log) and routes.c (the
 * route table and its handlers) share.
 */
#ifndef SFTPGO_HTTPD_INTERNAL_H
#define SFTPGO_HTTPD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

/* One request in flight. */
struct hreq {
	struct hreq *next;
	uint32_t id;              /* ADMIN_* req number */
	struct evhttp_request *r; /* ours until answered, even if the client left */
	struct evbuffer *reply;   /* the monitor's answer so far */
	int64_t start_ms;         /* monotonic */
	struct evkeyvalq query;
	int have_query;
	char path[1024]; /* decoded */
	int challenge;   /* 401: send WWW-Authenticate */
};

/* routes.c: dispatch one request (the route table: 404, 405, handlers). */
void route_request(struct hreq *h);
/*
 * Matches method and decoded path against the table: 0 and the handler index in
 * *route (with the {param} segment in param), 404 or 405. Pure (fuzzed).
 */
int route_match(const char *method, const char *path, int *route, char *param,
                size_t paramlen);

/* httpd.c */
/* Answers h with status and body (taken, freed; NULL = out of memory: 500). */
void http_reply(struct hreq *h, int status, char *body);
/* An ApiResponse answer (spec section 1.4). */
void http_api_response(struct hreq *h, int status, const char *message,
                       const char *error);
/* Sends a typed request to the monitor; the answer comes as ADMIN_REPLY for h->id. */
void http_forward(struct hreq *h, int type, const void *msg);
/* HTTP basic authentication when httpd.auth_user_file is set: 1 when the request
 * may go on, else answered 401 (the failure logged for fail2ban) and 0. */
int http_authorized(struct hreq *h);
/* The request body (up to the cap), NUL-terminated; len set. */
const char *http_body(struct hreq *h, size_t *len);

/* tls.c: HTTPS (httpd never opens a file: the monitor sends the PEM). */
struct rpc_httpd_tls;
struct bufferevent;
struct event_base;
/* OpenSSL set up before the chroot and the filter. */
void httpd_tls_init(void);
/* A new SSL_CTX from the pair for the connections accepted from now on: 0, or -1
 * (logged; the current one kept). */
int httpd_tls_set(const struct rpc_httpd_tls *m);
/* evhttp's bufferevent callback: a TLS server bufferevent (exits rather than fail:
 * evhttp would fall back to plain HTTP). */
struct bufferevent *httpd_tls_bev(struct event_base *base, void *arg);

#endif
