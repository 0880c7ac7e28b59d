/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The route table of sftpgo-httpd and its handlers (REST API v1,
 * ../shared/spec/rest-api-v1.md). A handler checks what SFTPGo checks before any
 * data is read (parameters, body) and answers the error itself, or forwards a
 * typed request to the monitor. Adding a page (the web admin, /metrics) is one
 * row in routes[] and one handler.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/rpc.h"
#include "common/version.h"
#include "httpd/api.h"
#include "httpd/internal.h"

typedef void (*route_fn)(struct hreq *h, const char *param);

struct route {
	const char *method; /* "*": any method */
	/* "{}": one non-empty segment (the first one is the handler's param); a
	 * final "*": the rest of the path, non-empty (the param) */
	const char *path;
	route_fn fn;
	int open; /* no authentication (the redirect of /, the static files) */
};

static void on_version(struct hreq *h, const char *param);
static void on_provider_status(struct hreq *h, const char *param);
static void on_conn_list(struct hreq *h, const char *param);
static void on_conn_close(struct hreq *h, const char *param);
static void on_scan_list(struct hreq *h, const char *param);
static void on_scan_start(struct hreq *h, const char *param);
static void on_user_list(struct hreq *h, const char *param);
static void on_user_add(struct hreq *h, const char *param);
static void on_user_get(struct hreq *h, const char *param);
static void on_user_update(struct hreq *h, const char *param);
static void on_user_delete(struct hreq *h, const char *param);
static void on_dumpdata(struct hreq *h, const char *param);
static void on_loaddata(struct hreq *h, const char *param);
static void on_metrics(struct hreq *h, const char *param);

static const struct route routes[] = {
    {"GET", "/api/v1/version", on_version, 0},
    {"GET", "/api/v1/providerstatus", on_provider_status, 0},
    {"GET", "/api/v1/connection", on_conn_list, 0},
    {"DELETE", "/api/v1/connection/{}", on_conn_close, 0},
    {"GET", "/api/v1/quota_scan", on_scan_list, 0},
    {"POST", "/api/v1/quota_scan", on_scan_start, 0},
    {"GET", "/api/v1/user", on_user_list, 0},
    {"POST", "/api/v1/user", on_user_add, 0},
    {"GET", "/api/v1/user/{}", on_user_get, 0},
    {"PUT", "/api/v1/user/{}", on_user_update, 0},
    {"DELETE", "/api/v1/user/{}", on_user_delete, 0},
    {"GET", "/api/v1/dumpdata", on_dumpdata, 0},
    {"GET", "/api/v1/loaddata", on_loaddata, 0},
    {"*", "/metrics", on_metrics, 0}, /* Prometheus' handler takes any method */
    /* the web admin (httpd/web.c; spec section 12, plus the CSRF-protected forms
     * that replace SFTPGo's AJAX calls) */
    {"GET", "/", web_root, 1},
    {"GET", "/web", web_root, 0},
    {"GET", "/web/users", web_users, 0},
    {"GET", "/web/user", web_user_new, 0},
    {"POST", "/web/user", web_user_add, 0},
    {"GET", "/web/user/{}", web_user_edit, 0},
    {"POST", "/web/user/{}", web_user_save, 0},
    {"GET", "/web/user/{}/delete", web_user_delete_ask, 0},
    {"POST", "/web/user/{}/delete", web_user_delete, 0},
    {"POST", "/web/quota_scan", web_quota_scan, 0},
    {"GET", "/web/connections", web_connections, 0},
    {"GET", "/web/connection/{}/close", web_conn_close_ask, 0},
    {"POST", "/web/connection/{}/close", web_conn_close, 0},
    {"GET", "/static", web_static_dir, 1},
    {"GET", "/static/*", web_static, 1},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Does path match pattern, segment by segment? The first {} segment (or the *
 * rest) is copied into param. */
static int
path_matches(const char *pattern, const char *path, char *param, size_t paramlen)
{
	int captured = 0;

	while (*pattern != '\0') {
		if (*pattern != '/' || *path != '/')
			return 0;
		pattern++;
		path++;
		size_t pl = strcspn(pattern, "/"), sl = strcspn(path, "/");
		int any = pl == 2 && memcmp(pattern, "{}", 2) == 0;
		int rest = pl == 1 && pattern[0] == '*' && pattern[1] == '\0';
		if (rest)
			sl = strlen(path);
		if ((any || rest) && sl > 0) {
			if (!captured) {
				if (sl >= paramlen)
					return 0;
				memcpy(param, path, sl);
				param[sl] = '\0';
				captured = 1;
			}
		} else if (pl != sl || memcmp(pattern, path, pl) != 0) {
			return 0;
		}
		pattern += pl;
		path += sl;
	}
	return *path == '\0';
}

int
route_match(const char *method, const char *path, int *route, char *param,
            size_t paramlen)
{
	int path_known = 0;

	for (size_t i = 0; i < NROUTES; i++) {
		if (!path_matches(routes[i].path, path, param, paramlen))
			continue;
		path_known = 1;
		if (strcmp(routes[i].method, method) == 0 ||
		    strcmp(routes[i].method, "*") == 0) {
			*route = (int)i;
			return 0;
		}
	}
	return path_known ? 405 : 404;
}

void
route_request(struct hreq *h)
{
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(h->r);
	const char *raw = u ? evhttp_uri_get_path(u) : NULL;
	const char *q = u ? evhttp_uri_get_query(u) : NULL;
	char param[sizeof(h->path)];
	size_t n = 0;
	int route;

	char *dec = evhttp_uridecode(raw ? raw : "/", 0, &n);
	if (dec == NULL || n != strlen(dec) || n >= sizeof(h->path)) {
		free(dec);
		http_api_response(h, 400, "", "Invalid request path");
		return;
	}
	memcpy(h->path, dec, n + 1);
	free(dec);
	TAILQ_INIT(&h->query);
	h->have_query = 1;
	if (q != NULL && evhttp_parse_query_str(q, &h->query) != 0) {
		http_api_response(h, 400, "", "Invalid query string");
		return;
	}
	const char *method = "";
	switch (evhttp_request_get_command(h->r)) {
	case EVHTTP_REQ_GET:
		method = "GET";
		break;
	case EVHTTP_REQ_POST:
		method = "POST";
		break;
	case EVHTTP_REQ_PUT:
		method = "PUT";
		break;
	case EVHTTP_REQ_DELETE:
		method = "DELETE";
		break;
	default: /* HEAD is not served for GET routes (spec section 1.3) */
		method = "OTHER";
	}
	int rc = route_match(method, h->path, &route, param, sizeof(param));
	if (rc == 404)
		http_api_response(h, 404, "Not Found", "");
	else if (rc == 405)
		http_api_response(h, 405, "Method not allowed", "");
	else if (routes[route].open || http_authorized(h)) /* never for 404 and 405 */
		routes[route].fn(h, param);
}

static const char *
query(struct hreq *h, const char *name)
{
	return evhttp_find_header(&h->query, name);
}

/* Go's strconv.Atoi: optional sign, decimal digits, no overflow. */
static int
parse_int(const char *s, long long *out, char *err, size_t errlen)
{
	const char *d = s + (*s == '+' || *s == '-');
	char *end;

	errno = 0;
	long long v = isdigit((unsigned char)*d) ? strtoll(s, &end, 10) : 0;
	if (!isdigit((unsigned char)*d) || errno != 0 || *end != '\0' || v < INT32_MIN ||
	    v > INT32_MAX) {
		snprintf(err, errlen, "strconv.Atoi: parsing \"%.200s\": %s", s,
		         errno == ERANGE || (isdigit((unsigned char)*d) && *end == '\0')
		             ? "value out of range"
		             : "invalid syntax");
		return -1;
	}
	*out = v;
	return 0;
}

static void
on_version(struct hreq *h, const char *param)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "version", sftpgo_version(),
	                      "build_date", "", "commit_hash", "");
	(void)param;
	http_reply(h, 200, o ? api_json_text(o) : NULL);
	json_decref(o);
}

static void
on_provider_status(struct hreq *h, const char *param)
{
	struct rpc_admin_provider_status m = {.fd = -1, .req = h->id};
	(void)param;
	http_forward(h, RPC_ADMIN_PROVIDER_STATUS, &m);
}

/* Spec section 13: the text comes from the monitor, whose counters these are. */
static void
on_metrics(struct hreq *h, const char *param)
{
	struct rpc_admin_metrics m = {.fd = -1, .req = h->id};
	(void)param;
	h->content_type = "text/plain; version=0.0.4; charset=utf-8";
	http_forward(h, RPC_ADMIN_METRICS, &m);
}

static void
on_conn_list(struct hreq *h, const char *param)
{
	struct rpc_admin_conn_list m = {.fd = -1, .req = h->id};
	(void)param;
	http_forward(h, RPC_ADMIN_CONN_LIST, &m);
}

static void
on_conn_close(struct hreq *h, const char *param)
{
	struct rpc_admin_conn_close m = {.fd = -1, .req = h->id, .connection_id = param};

	if (strlen(param) > RPC_ID_MAX) { /* no such id can exist */
		http_api_response(h, 404, "Not Found", "");
		return;
	}
	http_forward(h, RPC_ADMIN_CONN_CLOSE, &m);
}

static void
on_scan_list(struct hreq *h, const char *param)
{
	struct rpc_admin_scan_list m = {.fd = -1, .req = h->id};
	(void)param;
	http_forward(h, RPC_ADMIN_SCAN_LIST, &m);
}

/* The body as a user object (400 with the decoder's text), NULL when answered. */
static json_t *
user_body(struct hreq *h)
{
	char err[512];
	size_t len;
	const char *b = http_body(h, &len);
	json_t *u = NULL;

	if (b == NULL) {
		http_reply(h, 500, NULL);
		return NULL;
	}
	if (api_decode_user(b, len, &u, err, sizeof(err)) != 0) {
		http_api_response(h, 400, "", err);
		return NULL;
	}
	return u;
}

/* A decoded user as a message field; 400 when it is over the message cap. */
static char *
user_text(struct hreq *h, json_t *u)
{
	char *t = json_dumps(u, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(u);
	if (t == NULL)
		http_reply(h, 500, NULL);
	else if (strlen(t) > RPC_ADMIN_JSON_MAX) {
		explicit_bzero(t, strlen(t));
		free(t);
		t = NULL;
		http_api_response(h, 400, "", "http: request body too large");
	}
	return t;
}

void
free_text(char *t)
{
	if (t != NULL) {
		explicit_bzero(t, strlen(t));
		free(t);
	}
}

static void
on_scan_start(struct hreq *h, const char *param)
{
	json_t *u = user_body(h);
	(void)param;

	if (u == NULL)
		return;
	const char *name = json_string_value(json_object_get(u, "username"));
	struct rpc_admin_scan_start m = {
	    .fd = -1, .req = h->id, .username = name ? name : ""};
	if (strlen(m.username) > RPC_USER_MAX)
		http_api_response(h, 404, "", "Not found: no such user");
	else
		http_forward(h, RPC_ADMIN_SCAN_START, &m);
	json_decref(u);
}

/* limit, offset, order in that order (spec section 2.1; negative values are 400,
 * section 16 row 12). */
static void
on_user_list(struct hreq *h, const char *param)
{
	const char *l = query(h, "limit"), *o = query(h, "offset");
	const char *ord = query(h, "order"), *name = query(h, "username");
	long long limit = 100, offset = 0;
	char err[300];
	(void)param;

	if (l != NULL && (parse_int(l, &limit, err, sizeof(err)) != 0 || limit < 0)) {
		http_api_response(h, 400, "", "Invalid limit");
		return;
	}
	if (o != NULL && (parse_int(o, &offset, err, sizeof(err)) != 0 || offset < 0)) {
		http_api_response(h, 400, "", "Invalid offset");
		return;
	}
	if (ord != NULL && strcmp(ord, "ASC") != 0 && strcmp(ord, "DESC") != 0) {
		http_api_response(h, 400, "", "Invalid order");
		return;
	}
	if (limit == 0 || (name != NULL && strlen(name) > RPC_USER_MAX)) {
		http_reply(h, 200, strdup("[]\n"));
		return;
	}
	struct rpc_admin_user_list m = {.fd = -1,
	                                .req = h->id,
	                                .limit = (uint32_t)(limit > 500 ? 500 : limit),
	                                .offset = (uint32_t)offset,
	                                .order = ord != NULL && strcmp(ord, "DESC") == 0,
	                                .username = name ? name : ""};
	http_forward(h, RPC_ADMIN_USER_LIST, &m);
}

static void
on_user_add(struct hreq *h, const char *param)
{
	json_t *u = user_body(h);
	(void)param;

	if (u == NULL)
		return;
	char *t = user_text(h, u);
	if (t == NULL)
		return;
	struct rpc_admin_user_add m = {.fd = -1, .req = h->id, .json = t};
	http_forward(h, RPC_ADMIN_USER_ADD, &m);
	free_text(t);
}

static int
valid_id(struct hreq *h, const char *param)
{
	int64_t id;

	if (api_parse_id(param, &id) != 0 || strlen(param) > RPC_ID_MAX) {
		http_api_response(h, 400, "", "Invalid userID");
		return 0;
	}
	return 1;
}

static void
on_user_get(struct hreq *h, const char *param)
{
	struct rpc_admin_user_get m = {.fd = -1, .req = h->id, .id = param};

	if (valid_id(h, param))
		http_forward(h, RPC_ADMIN_USER_GET, &m);
}

static void
on_user_update(struct hreq *h, const char *param)
{
	if (!valid_id(h, param))
		return;
	json_t *u = user_body(h);
	if (u == NULL)
		return;
	char *t = user_text(h, u);
	if (t == NULL)
		return;
	struct rpc_admin_user_update m = {.fd = -1, .req = h->id, .id = param, .json = t};
	http_forward(h, RPC_ADMIN_USER_UPDATE, &m);
	free_text(t);
}

static void
on_user_delete(struct hreq *h, const char *param)
{
	struct rpc_admin_user_delete m = {.fd = -1, .req = h->id, .id = param};

	if (valid_id(h, param))
		http_forward(h, RPC_ADMIN_USER_DELETE, &m);
}

static void
on_dumpdata(struct hreq *h, const char *param)
{
	char file[RPC_PATH_MAX + 1], err[RPC_PATH_MAX + 200];
	const char *indent = query(h, "indent");
	(void)param;

	if (api_check_output_file(query(h, "output_file"), file, sizeof(file), err,
	                          sizeof(err)) != 0) {
		http_api_response(h, 400, "", err);
		return;
	}
	while (indent != NULL && isspace((unsigned char)*indent))
		indent++;
	size_t il = indent ? strlen(indent) : 0;
	while (il > 0 && isspace((unsigned char)indent[il - 1]))
		il--;
	struct rpc_admin_dumpdata m = {.fd = -1,
	                               .req = h->id,
	                               .output_file = file,
	                               .indent = il == 1 && indent[0] == '1'};
	http_forward(h, RPC_ADMIN_DUMPDATA, &m);
}

/* scan_quota 0..2, mode 0..1 (other integers are 400: spec section 16 row 20). */
static int
small_param(struct hreq *h, const char *name, long long max, uint32_t *out)
{
	const char *v = query(h, name);
	char err[300], msg[400];
	long long n = 0;

	if (v != NULL && parse_int(v, &n, err, sizeof(err)) != 0) {
		snprintf(msg, sizeof(msg), "invalid %s: %s", name, err);
		http_api_response(h, 400, "", msg);
		return -1;
	}
	if (n < 0 || n > max) {
		snprintf(msg, sizeof(msg), "invalid %s: %lld is not between 0 and %lld",
		         name, n, max);
		http_api_response(h, 400, "", msg);
		return -1;
	}
	*out = (uint32_t)n;
	return 0;
}

static void
on_loaddata(struct hreq *h, const char *param)
{
	char file[RPC_PATH_MAX + 1], err[RPC_PATH_MAX + 200];
	uint32_t scan = 0, mode = 0;
	(void)param;

	if (small_param(h, "scan_quota", 2, &scan) != 0 ||
	    small_param(h, "mode", 1, &mode) != 0)
		return;
	if (api_check_input_file(query(h, "input_file"), file, sizeof(file), err,
	                         sizeof(err)) != 0) {
		http_api_response(h, 400, "", err);
		return;
	}
	struct rpc_admin_loaddata m = {
	    .fd = -1, .req = h->id, .input_file = file, .scan_quota = scan, .mode = mode};
	http_forward(h, RPC_ADMIN_LOADDATA, &m);
}
