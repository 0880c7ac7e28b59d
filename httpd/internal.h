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
	char who[256];   /* the basic-auth user ("" without auth_user_file): CSRF */
	/* a web page: the monitor's answer goes here instead of to the client
	 * (body malloc'd, taken; NULL when out of memory) */
	void (*on_reply)(struct hreq *h, int status, char *body);
	struct web_state *web; /* web.c's, freed with the request */
	/* a 200 answer's type when not JSON (/metrics) */
	const char *content_type;
};

/* routes.c: dispatch one request (the route table: 404, 405, handlers). */
void route_request(struct hreq *h);
/*
 * Matches method and decoded path against the table: 0 and the handler index in
 * *route (with the {param} segment in param), 404 or 405. Pure (fuzzed).
 */
int route_match(const char *method, const char *path, int *route, char *param,
                size_t paramlen);

/* routes.c: frees a message's text that may hold a password, wiped first. */
void free_text(char *t);

/* httpd.c */
/* Answers h with status and body (taken, freed; NULL = out of memory: 500). */
void http_reply(struct hreq *h, int status, char *body);
/* Answers h with len bytes of body of content type ctype (NULL: none), and a
 * Location header when location is not NULL; body is not taken. */
void http_send(struct hreq *h, int status, const char *ctype, const char *location,
               const void *body, size_t len);
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
/* OpenSSL set up before the chroot and the filter (with or without HTTPS). */
void httpd_tls_init(void);
/* A new SSL_CTX from the pair for the connections accepted from now on: 0, or -1
 * (logged; the current one kept). */
int httpd_tls_set(const struct rpc_httpd_tls *m);
/* evhttp's bufferevent callback: a TLS server bufferevent (exits rather than fail:
 * evhttp would fall back to plain HTTP). */
struct bufferevent *httpd_tls_bev(struct event_base *base, void *arg);

/* web.c: the web admin (/web, /static); see httpd/web.c. */
/* Opens the two directories and loads the templates (before the chroot): 0, or
 * -1 with err. templates "" = no web admin (its routes answer 404). */
int web_init(const char *templates, const char *static_dir, char *err, size_t errlen);
/* Whether web_init found the web admin's directories. */
int web_enabled(void);
void web_state_free(struct web_state *w);
void web_root(struct hreq *h, const char *param);
void web_users(struct hreq *h, const char *param);
void web_user_new(struct hreq *h, const char *param);
void web_user_add(struct hreq *h, const char *param);
void web_user_edit(struct hreq *h, const char *param);
void web_user_save(struct hreq *h, const char *param);
void web_user_delete_ask(struct hreq *h, const char *param);
void web_user_delete(struct hreq *h, const char *param);
void web_quota_scan(struct hreq *h, const char *param);
void web_connections(struct hreq *h, const char *param);
void web_conn_close_ask(struct hreq *h, const char *param);
void web_conn_close(struct hreq *h, const char *param);
void web_static(struct hreq *h, const char *param);
void web_static_dir(struct hreq *h, const char *param);

#endif
