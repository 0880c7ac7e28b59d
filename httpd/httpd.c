/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The HTTP server of sftpgo-httpd: evhttp on the monitor's listening socket,
 * requests in flight, the monitor link (ADMIN_* out, ADMIN_REPLY in) and the
 * request log (HTTP_LOG). See httpd/httpd.h.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <jansson.h>

#include "common/clock.h"
#include "common/confine.h"
#include "common/io.h"
#include "common/log.h"
#include "common/rpc.h"
#include "httpd/api.h"
#include "httpd/htpasswd.h"
#include "httpd/httpd.h"
#include "httpd/internal.h"
#include "sandbox/sandbox.h"

/* fds: the connections, the listening socket, the monitor's, stdio, libevent's. */
#define HTTPD_NOFILE (HTTPD_MAX_CONNS + 16)

static struct event_base *base;
static int mon_fd = -1;
static struct rpc_log_sink sink;
static struct hreq *inflight;
static uint32_t next_id = 1;
static struct evconnlistener *lev;
static struct event *resume_ev;
static char host_prefix[80];
static unsigned long request_counter;
static int auth_on;
static int tls_on;
static struct htpasswd users;

/* The client's connection, NULL once it went away (the request is then ours). */
static struct evhttp_connection *
peer(const struct hreq *h)
{
	return evhttp_request_get_connection(h->r);
}

static const char *
method_name(enum evhttp_cmd_type c)
{
	switch (c) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	}
	return "UNKNOWN";
}

/* SFTPGo's request id: <hostname>/<10 base62 chars>-<counter>, unless the client
 * sent X-Request-Id (spec section 1.2). */
static void
request_id(struct evhttp_request *r, char *out, size_t outlen)
{
	const char *given =
	    evhttp_find_header(evhttp_request_get_input_headers(r), "X-Request-Id");

	if (given != NULL) {
		snprintf(out, outlen, "%s", given);
		return;
	}
	snprintf(out, outlen, "%s-%06lu", host_prefix, ++request_counter);
}

static void
init_host_prefix(void)
{
	static const char b62[] =
	    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	unsigned char rnd[10];
	char host[64] = "localhost", tag[11];

	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	for (size_t i = 0; i < sizeof(rnd); i++)
		tag[i] = b62[rnd[i] % 62];
	tag[10] = '\0';
	snprintf(host_prefix, sizeof(host_prefix), "%s/%s", host, tag);
}

/* The log's remote_addr: X-Forwarded-For's first element, X-Real-IP, or the peer. */
static void
remote_addr(struct hreq *h, char *out, size_t outlen)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(h->r);
	const char *xff = evhttp_find_header(in, "X-Forwarded-For");
	const char *xri = evhttp_find_header(in, "X-Real-IP");
	char *addr = NULL;
	ev_uint16_t port = 0;

	if (xff != NULL) {
		const char *e = strstr(xff, ", ");
		snprintf(out, outlen, "%.*s", (int)(e ? (size_t)(e - xff) : strlen(xff)),
		         xff);
		return;
	}
	if (xri != NULL) {
		snprintf(out, outlen, "%s", xri);
		return;
	}
	if (peer(h) != NULL)
		evhttp_connection_get_peer(peer(h), &addr, &port);
	if (addr == NULL)
		snprintf(out, outlen, "unknown");
	else if (strchr(addr, ':') != NULL)
		snprintf(out, outlen, "[%s]:%u", addr, (unsigned)port);
	else
		snprintf(out, outlen, "%s:%u", addr, (unsigned)port);
}

static void
log_request(struct hreq *h, int status, size_t size)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(h->r);
	const char *ua = evhttp_find_header(in, "User-Agent");
	const char *host = evhttp_find_header(in, "Host");
	char proto[16], addr[256], rid[256], uri[8192];

	snprintf(proto, sizeof(proto), "HTTP/%d.%d", h->r->major, h->r->minor);
	remote_addr(h, addr, sizeof(addr));
	request_id(h->r, rid, sizeof(rid));
	snprintf(uri, sizeof(uri), "%s://%s%s", tls_on ? "https" : "http",
	         host ? host : "", evhttp_request_get_uri(h->r));
	struct rpc_http_log m = {.fd = -1,
	                         .method = method_name(evhttp_request_get_command(h->r)),
	                         .proto = proto,
	                         .remote_addr = addr,
	                         .request_id = rid,
	                         .uri = uri,
	                         .user_agent = ua ? ua : "",
	                         .resp_status = (uint32_t)status,
	                         .resp_size =
	                             size > UINT32_MAX ? UINT32_MAX : (uint32_t)size,
	                         .elapsed_ms = (uint32_t)(monotonic_ms() - h->start_ms)};
	/* a header line over its cap is logged cut rather than lost */
	if (rpc_send_http_log(mon_fd, &m) != 0 && errno == EMSGSIZE) {
		m.user_agent = "";
		m.request_id = "";
		uri[1024] = '\0';
		rpc_send_http_log(mon_fd, &m);
	}
}

static void
hreq_free(struct hreq *h)
{
	for (struct hreq **pp = &inflight; *pp != NULL; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	if (h->have_query)
		evhttp_clear_headers(&h->query);
	web_state_free(h->web);
	if (h->reply != NULL)
		evbuffer_free(h->reply);
	free(h);
}

void
http_send(struct hreq *h, int status, const char *ctype, const char *location,
          const void *body, size_t len)
{
	/* also when the client went away: libevent detached the request, and
	 * evhttp_send_reply frees it then */
	struct evbuffer *out = evbuffer_new();
	struct evkeyvalq *oh = evhttp_request_get_output_headers(h->r);

	if (ctype != NULL)
		evhttp_add_header(oh, "Content-Type", ctype);
	if (location != NULL)
		evhttp_add_header(oh, "Location", location);
	if (h->challenge)
		evhttp_add_header(oh, "WWW-Authenticate", "Basic realm=\"SFTPGo Web\"");
	if (ctype != NULL && strncmp(ctype, "text/html", 9) == 0) {
		/* the pages load nothing but their own static files */
		evhttp_add_header(oh, "Content-Security-Policy",
		                  "default-src 'self'; frame-ancestors 'none'; "
		                  "form-action 'self'; base-uri 'none'");
		evhttp_add_header(oh, "X-Frame-Options", "DENY");
		evhttp_add_header(oh, "Cache-Control", "no-store");
		evhttp_add_header(oh, "Referrer-Policy", "same-origin");
	}
	evhttp_add_header(oh, "X-Content-Type-Options", "nosniff");
	if (out != NULL && body != NULL && len > 0)
		evbuffer_add(out, body, len);
	log_request(h, status, len);
	evhttp_send_reply(h->r, status, NULL, out);
	if (out != NULL)
		evbuffer_free(out);
	hreq_free(h);
}

void
http_reply(struct hreq *h, int status, char *body)
{
	if (body == NULL) {
		status = 500;
		body = strdup(
		    "{\"error\":\"out of memory\",\"message\":\"\",\"status\":500}\n");
	}
	/* /metrics' text (a 200, or its plain-text 401); every other answer is JSON */
	int typed = h->content_type != NULL && (status == 200 || h->challenge);
	http_send(h, status, typed ? h->content_type : "application/json; charset=utf-8",
	          NULL, body, body ? strlen(body) : 0);
	free(body);
}

void
http_api_response(struct hreq *h, int status, const char *message, const char *error)
{
	http_reply(h, status, api_response(status, message, error));
}

void
http_forward(struct hreq *h, int type, const void *msg)
{
	if (rpc_send(mon_fd, type, msg) != 0) {
		log_error("cannot send %s to the monitor: %s", rpc_type_name(type),
		          strerror(errno));
		http_api_response(h, 500, "", "the server could not take the request");
	}
}

const char *
http_body(struct hreq *h, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(h->r);

	*len = evbuffer_get_length(in);
	if (evbuffer_add(in, "", 1) != 0) /* NUL-terminated for the decoders */
		return NULL;
	return (const char *)evbuffer_pullup(in, -1);
}

int
http_authorized(struct hreq *h)
{
	const char *hdr =
	    evhttp_find_header(evhttp_request_get_input_headers(h->r), "Authorization");
	char user[256] = "", pw[512] = "", *addr = NULL;
	ev_uint16_t port = 0;

	if (!auth_on)
		return 1;
	int ok = basic_credentials(hdr, user, sizeof(user), pw, sizeof(pw)) == 0 &&
	         htpasswd_check(&users, user, pw);
	explicit_bzero(pw, sizeof(pw));
	if (ok) {
		snprintf(h->who, sizeof(h->who), "%s", user);
		return 1;
	}
	/* the peer, never X-Forwarded-For: this is the line fail2ban bans on */
	if (peer(h) != NULL)
		evhttp_connection_get_peer(peer(h), &addr, &port);
	log_warn("authentication failed for user \"%.64s\" from %s", user,
	         addr ? addr : "unknown");
	h->challenge = 1;
	if (strncmp(h->path, "/api/v1", 7) == 0) {
		http_api_response(h, 401, "", "Unauthorized");
	} else { /* /metrics (and /web): Go's http.Error text (spec section 11.1) */
		h->content_type = "text/plain; charset=utf-8";
		http_reply(h, 401, strdup("Unauthorized\n"));
	}
	return 0;
}

static void
set_users(const struct rpc_httpd_auth *m)
{
	struct htpasswd n;

	if (htpasswd_parse(m->users, m->users_len, &n) != 0)
		fatal("httpd: out of memory");
	if (!m->valid)
		n.valid = 0;
	htpasswd_free(&users);
	users = n;
	if (!users.valid)
		log_warn(
		    "httpd.auth_user_file is missing or unparsable: every request is "
		    "refused until it is fixed");
}

static void
on_request(struct evhttp_request *r, void *arg)
{
	struct hreq *h = calloc(1, sizeof(*h));
	(void)arg;

	if (h == NULL) {
		evhttp_send_error(r, 500, NULL);
		return;
	}
	sandbox_selftest(SANDBOX_HTTPD); /* regress/t-sandbox.sh */
	h->id = next_id++;
	if (next_id == 0)
		next_id = 1;
	h->r = r;
	h->start_ms = monotonic_ms();
	h->next = inflight;
	inflight = h;
	route_request(h);
}

static struct hreq *
find_req(uint32_t id)
{
	for (struct hreq *h = inflight; h != NULL; h = h->next)
		if (h->id == id)
			return h;
	return NULL;
}

static void
on_admin_reply(const struct rpc_admin_reply *m)
{
	struct hreq *h = find_req(m->req);

	if (h == NULL)
		return;
	if (h->reply == NULL && (h->reply = evbuffer_new()) == NULL) {
		http_reply(h, 500, NULL);
		return;
	}
	if (evbuffer_add(h->reply, m->body, m->body_len) != 0) {
		http_reply(h, 500, NULL);
		return;
	}
	if (!m->last)
		return;
	size_t n = evbuffer_get_length(h->reply);
	char *body = malloc(n + 1);
	if (body != NULL) {
		evbuffer_remove(h->reply, body, n);
		body[n] = '\0';
	}
	if (h->on_reply != NULL)
		h->on_reply(h, (int)m->status, body);
	else
		http_reply(h, (int)m->status, body);
}

static void
on_monitor(evutil_socket_t fd, short what, void *arg)
{
	struct rpc_msg m;
	char err[256];
	(void)what;
	(void)arg;

	int rc = rpc_recv(fd, &m, err, sizeof(err));
	if (rc == 0)
		_exit(0);
	if (rc < 0) {
		if (errno == EAGAIN)
			return;
		fatal("httpd: monitor: %s", err);
	}
	if (m.type == RPC_ADMIN_REPLY)
		on_admin_reply(&m.admin_reply);
	else if (m.type == RPC_HTTPD_AUTH)
		set_users(&m.httpd_auth);
	else if (m.type == RPC_HTTPD_TLS && tls_on)
		httpd_tls_set(&m.httpd_tls); /* a bad pair: logged, the old one kept */
	else
		log_error("httpd: unexpected %s from the monitor", rpc_type_name(m.type));
	rpc_msg_free(&m);
}

static void
on_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	evconnlistener_enable(lev);
}

/* Out of descriptors (more than HTTPD_MAX_CONNS clients): stop accepting for a
 * moment instead of spinning on a readable listening socket; the clients wait in
 * the kernel's backlog. */
static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	struct timeval tv = {0, 200000};
	(void)arg;

	if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
		evconnlistener_disable(l);
		evtimer_add(resume_ev, &tv);
	}
}

void
httpd_run(const struct httpd_params *p)
{
	char err[256];
	struct timeval tmo = {HTTPD_TIMEOUT_S, 0};

	mon_fd = p->monitor_fd;
	sink.sock = mon_fd;
	sink.exit_on_failure = 0;
	log_set_sink(rpc_log_sink, NULL, &sink);
	signal(SIGPIPE, SIG_IGN);
	/* before the chroot and the seccomp filter, what would open a file later:
	 * the time zone (the first localtime_r), jansson's hash seed and libevent's
	 * random generator (/dev/urandom), OpenSSL (openssl.cnf; also used by the
	 * password checks), the web admin's directories and templates */
	init_host_prefix();
	tzset();
	json_object_seed(0);
	if (evutil_secure_rng_init() != 0)
		fatal("httpd: cannot seed libevent's random generator");
	httpd_tls_init();
	if (web_init(p->templates, p->static_dir, err, sizeof(err)) != 0)
		fatal("httpd: %s", err);
	if (confine_process(p->chroot_dir, p->uid, p->gid, HTTPD_NOFILE, err,
	                    sizeof(err)) != 0)
		fatal("httpd: %s", err);
	io_set_nonblock(p->listen_fd);
	auth_on = p->auth;
	tls_on = p->tls;
	users.valid = 0;
	/* nothing is accepted before the users and the certificate */
	for (int need_auth = auth_on, need_tls = tls_on; need_auth || need_tls;) {
		struct rpc_msg m;
		char e[256];
		if (rpc_recv(mon_fd, &m, e, sizeof(e)) != 1)
			_exit(0);
		if (m.type == RPC_HTTPD_AUTH && auth_on) {
			set_users(&m.httpd_auth);
			need_auth = 0;
		} else if (m.type == RPC_HTTPD_TLS && tls_on) {
			if (httpd_tls_set(&m.httpd_tls) != 0)
				fatal("httpd: no usable TLS certificate");
			need_tls = 0;
		}
		rpc_msg_free(&m);
	}
	io_set_nonblock(mon_fd);
	base = event_base_new();
	struct evhttp *http = base ? evhttp_new(base) : NULL;
	if (http == NULL)
		fatal("httpd: cannot set up the HTTP server");
	evhttp_set_max_headers_size(http, HTTPD_HEADERS_MAX);
	evhttp_set_max_body_size(http, API_BODY_MAX);
	evhttp_set_timeout_tv(http, &tmo);
	evhttp_set_allowed_methods(
	    http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	              EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(http, on_request, NULL);
	if (tls_on)
		evhttp_set_bevcb(http, httpd_tls_bev, NULL);
	struct evhttp_bound_socket *bs =
	    evhttp_accept_socket_with_handle(http, p->listen_fd);
	if (bs == NULL)
		fatal("httpd: cannot accept on the listening socket");
	lev = evhttp_bound_socket_get_listener(bs);
	resume_ev = evtimer_new(base, on_resume, NULL);
	evconnlistener_set_error_cb(lev, on_accept_error);
	struct event *mev =
	    event_new(base, mon_fd, EV_READ | EV_PERSIST, on_monitor, NULL);
	if (mev == NULL || resume_ev == NULL || event_add(mev, NULL) != 0)
		fatal("httpd: cannot watch the monitor socket");
	/* set-up over: from here on every byte may come from a client */
	struct sandbox_report rep;
	if (sandbox_report_rpc(&rep, mon_fd) != 0 ||
	    sandbox_install(SANDBOX_HTTPD, &rep, err, sizeof(err)) != 0)
		fatal("httpd: %s", err);
	log_info("httpd: serving the REST API%s",
	         web_enabled() ? " and the web admin" : "");
	event_base_dispatch(base);
	_exit(0);
}
