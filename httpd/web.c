/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The web admin of sftpgo-httpd (issue 12 item 5, ../shared/spec/rest-api-v1.md
 * section 12): server-rendered pages from httpd.templates_path (web/template.h)
 * and static files from httpd.static_files_path, both directories opened before
 * the chroot. Every page is built from the same typed monitor messages as the
 * REST API (ADMIN_*), so the monitor validates a form with the code that
 * validates the CLI and the API. Where SFTPGo 0.9.6 used AJAX calls (delete,
 * quota scan, disconnect) there are plain forms here: every state-changing form
 * carries a CSRF token (web/csrf.h) checked before anything is sent, and every
 * page works without JavaScript. Secrets (passwords, the S3 secret, the GCS
 * service account key) are never put in a page.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <event2/http.h>
#include <jansson.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/rpc.h"
#include "common/version.h"
#include "httpd/api.h"
#include "httpd/internal.h"
#include "web/csrf.h"
#include "web/form.h"
#include "web/pages.h"
#include "web/template.h"
#include "web/userform.h"

#define WEB_LIST_PAGE 500         /* users asked per ADMIN_USER_LIST (spec: qlimit) */
#define WEB_STATIC_MAX (8u << 20) /* one static file */
#define WEB_SEARCH_MAX 255

/* What a page keeps between its monitor requests. */
struct web_state {
	struct form form;
	int have_form;
	json_t *acc; /* the users list so far; the stored user on edit */
	uint32_t offset;
	char search[WEB_SEARCH_MAX + 1];
	char flash[160];
	char flash_error[160];
	char id[RPC_ID_MAX + 1];
};

static struct tmpl_set *tmpls;
static int static_fd = -1;
static struct csrf csrf;

int
web_init(const char *templates, const char *static_dir, char *err, size_t errlen)
{
	if (templates == NULL || templates[0] == '\0')
		return 0;
	int tfd = open(templates, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	static_fd = open(static_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0 || static_fd < 0) {
		snprintf(err, errlen, "%s: %s", tfd < 0 ? templates : static_dir,
		         strerror(errno));
		if (tfd >= 0)
			close(tfd);
		return -1;
	}
	tmpls = tmpl_set_new();
	int rc = tmpls != NULL
	             ? tmpl_set_load(tmpls, tfd, web_template_names, err, errlen)
	             : -1;
	close(tfd);
	if (tmpls == NULL)
		snprintf(err, errlen, "out of memory");
	if (rc == 0 && csrf_init(&csrf) != 0) {
		snprintf(err, errlen, "no random bytes for the CSRF key");
		rc = -1;
	}
	return rc;
}

int
web_enabled(void)
{
	return tmpls != NULL;
}

void
web_state_free(struct web_state *w)
{
	if (w == NULL)
		return;
	if (w->have_form)
		form_free(&w->form);
	json_decref(w->acc);
	explicit_bzero(w, sizeof(*w));
	free(w);
}

/* The state of h's page (allocated on first use); NULL when out of memory. */
static struct web_state *
state(struct hreq *h)
{
	if (h->web == NULL)
		h->web = calloc(1, sizeof(*h->web));
	return h->web;
}

/* /web answers 404 (as an unknown path) when there are no templates. */
static int
enabled(struct hreq *h)
{
	if (web_enabled() && state(h) != NULL)
		return 1;
	if (web_enabled())
		http_reply(h, 500, NULL);
	else
		http_api_response(h, 404, "Not Found", "");
	return 0;
}

static void
plain_500(struct hreq *h)
{
	static const char text[] = "Internal Server Error\n";
	http_send(h, 500, "text/plain; charset=utf-8", NULL, text, sizeof(text) - 1);
}

/* Renders page name with ctx (taken) plus the version and a fresh CSRF token. */
static void
page(struct hreq *h, int status, const char *name, json_t *ctx)
{
	char tok[CSRF_TOKEN_LEN + 1], err[512] = "out of memory";
	struct wbuf w;

	if (ctx == NULL) {
		plain_500(h);
		return;
	}
	json_object_set_new(ctx, "version", json_string(sftpgo_version()));
	if (csrf_token(&csrf, h->who, time(NULL), tok, sizeof(tok)) == 0)
		json_object_set_new(ctx, "csrf", json_string(tok));
	if (wbuf_init(&w, 16384, WEB_PAGE_MAX) != 0) {
		json_decref(ctx);
		plain_500(h);
		return;
	}
	if (tmpl_render(tmpls, name, ctx, &w, err, sizeof(err)) != 0 || w.failed) {
		log_error("httpd: page %s: %s", name, err);
		plain_500(h);
	} else {
		http_send(h, status, "text/html; charset=utf-8", NULL, w.p, w.len);
	}
	wbuf_free(&w);
	json_decref(ctx);
}

/* A message page (spec section 12.1: 400, 403, 404, 500 and the like). */
static void
message(struct hreq *h, int status, const char *title, const char *text,
        const char *back_url, const char *back_text)
{
	json_t *ctx = json_object();

	json_object_set_new(ctx, "title", json_string(title));
	json_object_set_new(ctx, "message", json_string(text));
	json_object_set_new(ctx, "kind", json_string(status >= 400 ? "error" : "ok"));
	json_object_set_new(ctx, "back_url", json_string(back_url));
	json_object_set_new(ctx, "back_text", json_string(back_text));
	page(h, status, "message", ctx);
}

static void
redirect(struct hreq *h, int status, const char *location)
{
	http_send(h, status, NULL, location, NULL, 0);
}

/* The "error" (else "message") member of an ApiResponse body, into out. */
static void
api_error_text(const char *body, char *out, size_t outlen)
{
	json_t *j = body ? json_loads(body, 0, NULL) : NULL;
	const char *e = json_string_value(json_object_get(j, "error"));

	if (e == NULL || *e == '\0')
		e = json_string_value(json_object_get(j, "message"));
	snprintf(out, outlen, "%s", e != NULL && *e != '\0' ? e : "unknown error");
	json_decref(j);
}

/* The monitor's answer to a page that cannot go on: 400, 404 or 500 page. */
static void
failure_page(struct hreq *h, int status, const char *body, const char *back)
{
	char err[1024];

	api_error_text(body, err, sizeof(err));
	if (status == 404) {
		char text[1200];
		snprintf(text, sizeof(text),
		         "The page you are looking for does not exist. %s", err);
		message(h, 404, "Not found", text, back, "Back");
	} else if (status == 400 || status == 403 || status == 409) {
		message(h, status, "Bad request", err, back, "Back");
	} else {
		message(h, 500, "Internal Server Error", err, back, "Back");
	}
}

/* Forwards a typed request; the answer goes to fn. */
static void
ask(struct hreq *h, int type, const void *msg,
    void (*fn)(struct hreq *h, int status, char *body))
{
	h->on_reply = fn;
	http_forward(h, type, msg);
}

/* ?done=... after a redirect: a fixed text (never the query's own words). */
static void
read_flash(struct hreq *h, struct web_state *st)
{
	static const struct {
		const char *code, *text;
		int error;
	} flashes[] = {
	    {"added", "User added.", 0},
	    {"updated", "User updated.", 0},
	    {"deleted", "User deleted.", 0},
	    {"scan", "Quota scan started: reload this page to see when it ends.", 0},
	    {"scan_busy", "Another quota scan is already in progress for this user.", 1},
	    {"closed", "Connection closed.", 0},
	};
	const char *done = evhttp_find_header(&h->query, "done");

	for (size_t i = 0; done != NULL && i < sizeof(flashes) / sizeof(flashes[0]); i++)
		if (strcmp(done, flashes[i].code) == 0)
			snprintf(flashes[i].error ? st->flash_error : st->flash,
			         sizeof(st->flash), "%s", flashes[i].text);
}

static void
set_flash(json_t *ctx, const struct web_state *st)
{
	if (st->flash[0] != '\0')
		json_object_set_new(ctx, "flash", json_string(st->flash));
	if (st->flash_error[0] != '\0')
		json_object_set_new(ctx, "flash_error", json_string(st->flash_error));
}

/*
 * The body of a state-changing form: decoded, and its CSRF token checked before
 * anything else happens. 1, or 0 when answered (400 unreadable, 403 token).
 */
static int
read_form(struct hreq *h, struct web_state *st)
{
	char err[256];
	size_t len;
	const char *ct =
	    evhttp_find_header(evhttp_request_get_input_headers(h->r), "Content-Type");
	const char *body = http_body(h, &len);

	if (body == NULL) {
		plain_500(h);
		return 0;
	}
	if (len == 0) { /* not even a token */
		message(h, 403, "Forbidden",
		        "The form's security token is missing: nothing was changed.",
		        "/web/users", "Back");
		return 0;
	}
	if (form_parse(ct, body, len, &st->form, err, sizeof(err)) != 0) {
		char text[400];
		snprintf(text, sizeof(text), "The form could not be read: %s.", err);
		message(h, 400, "Bad request", text, "/web/users", "Back");
		return 0;
	}
	st->have_form = 1;
	enum csrf_verdict v =
	    csrf_check(&csrf, h->who, form_get(&st->form, "csrf_token"), time(NULL));
	if (v == CSRF_EXPIRED) {
		message(h, 403, "Forbidden",
		        "This form was open too long (or the server restarted): its "
		        "security token expired. Go back, reload the page and submit it "
		        "again.",
		        "/web/users", "Back");
		return 0;
	}
	if (v != CSRF_OK) {
		log_warn("httpd: POST %.200s without a valid CSRF token refused",
		         h->path);
		message(h, 403, "Forbidden",
		        "The form's security token is missing or wrong: nothing was "
		        "changed. Reload the page and submit it again.",
		        "/web/users", "Back");
		return 0;
	}
	return 1;
}

/* {userID} as the API checks it: 1, or 0 with the 400 page sent. */
static int
valid_user_id(struct hreq *h, const char *param)
{
	int64_t id;

	if (api_parse_id(param, &id) != 0 || strlen(param) > RPC_ID_MAX) {
		message(h, 400, "Bad request", "Invalid userID", "/web/users", "Back");
		return 0;
	}
	snprintf(h->web->id, sizeof(h->web->id), "%s", param);
	return 1;
}

/* ---- / and /web ---- */

void
web_root(struct hreq *h, const char *param)
{
	(void)param;
	if (enabled(h))
		redirect(h, 301, "/web/users");
}

/* ---- the users page ---- */

static void users_next(struct hreq *h);

static void
on_users(struct hreq *h, int status, char *body)
{
	struct web_state *st = h->web;
	json_t *list = status == 200 && body ? json_loads(body, 0, NULL) : NULL;
	size_t i;
	json_t *u;

	if (!json_is_array(list)) {
		failure_page(h, status == 200 ? 500 : status, body, "/web/users");
		json_decref(list);
		free(body);
		return;
	}
	free(body);
	json_array_foreach(list, i, u)
	{
		const char *name = json_string_value(json_object_get(u, "username"));
		if (st->search[0] == '\0' ||
		    (name != NULL && strcasestr(name, st->search) != NULL))
			json_array_append_new(st->acc, userform_user_row(u));
	}
	size_t got = json_array_size(list);
	json_decref(list);
	if (got == WEB_LIST_PAGE && st->offset < UINT32_MAX - WEB_LIST_PAGE) {
		st->offset += WEB_LIST_PAGE; /* every user, a page at a time */
		users_next(h);
		return;
	}
	json_t *ctx = json_object();
	size_t n = json_array_size(st->acc);
	json_object_set_new(ctx, "title", json_string("Users"));
	json_object_set_new(ctx, "nav_users", json_true());
	json_object_set_new(ctx, "count", json_integer((json_int_t)n));
	json_object_set_new(ctx, "has_users", json_boolean(n > 0));
	json_object_set_new(ctx, "search", json_string(st->search));
	json_object_set(ctx, "users", st->acc);
	set_flash(ctx, st);
	page(h, 200, "users", ctx);
}

static void
users_next(struct hreq *h)
{
	struct rpc_admin_user_list m = {.fd = -1,
	                                .req = h->id,
	                                .limit = WEB_LIST_PAGE,
	                                .offset = h->web->offset,
	                                .order = 0,
	                                .username = ""};
	ask(h, RPC_ADMIN_USER_LIST, &m, on_users);
}

void
web_users(struct hreq *h, const char *param)
{
	(void)param;
	if (!enabled(h))
		return;
	struct web_state *st = h->web;
	const char *search = evhttp_find_header(&h->query, "search");
	if (search != NULL && strlen(search) <= WEB_SEARCH_MAX)
		snprintf(st->search, sizeof(st->search), "%s", search);
	read_flash(h, st);
	st->acc = json_array();
	if (st->acc == NULL) {
		plain_500(h);
		return;
	}
	users_next(h);
}

/* ---- the user form ---- */

/*
 * The form page: vals from userform_from_user or userform_from_form (taken); the
 * storage values from the submitted form f, else from fs (a stored filesystem
 * object, or NULL for a new user).
 */
static void
user_page(struct hreq *h, json_t *vals, int add, const json_t *fs, const struct form *f,
          json_t *errors, const char *error)
{
	char action[128];
	json_t *u = json_object_get(vals, "u");

	if (vals == NULL || u == NULL) {
		json_decref(vals);
		json_decref(errors);
		plain_500(h);
		return;
	}
	userform_set_storage(vals, fs, f);
	if (add)
		snprintf(action, sizeof(action), "/web/user");
	else
		snprintf(action, sizeof(action), "/web/user/%s", h->web->id);
	json_object_set_new(vals, "title",
	                    json_string(add ? "Add a new user" : "Edit user"));
	json_object_set_new(vals, "nav_users", json_true());
	json_object_set_new(vals, "add", json_boolean(add));
	json_object_set_new(vals, "action", json_string(action));
	json_object_set_new(vals, "errors", errors != NULL ? errors : json_object());
	if (error != NULL)
		json_object_set_new(vals, "error", json_string(error));
	page(h, 200, "user", vals);
}

/* The submitted form again, with its errors (never the password or secret). */
static void
form_again(struct hreq *h, int add, json_t *errors, const char *error)
{
	json_t *vals = userform_from_form(&h->web->form);

	if (!add && json_is_object(h->web->acc)) /* the username is the stored one */
		json_object_set(json_object_get(vals, "u"), "username",
		                json_object_get(h->web->acc, "username"));
	user_page(h, vals, add, NULL, &h->web->form, errors, error);
}

/* A monitor's 400 on a submitted form: the message next to its field. */
static void
form_rejected(struct hreq *h, int add, const char *body)
{
	char err[1024];
	json_t *errors = json_object();

	api_error_text(body, err, sizeof(err));
	const char *field = userform_field_of(err);
	if (field != NULL)
		json_object_set_new(errors, field, json_string(err));
	form_again(h, add, errors, err);
}

void
web_user_new(struct hreq *h, const char *param)
{
	(void)param;
	if (!enabled(h))
		return;
	json_t *blank = json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:{s:[s]}}", "status",
	                          1, "uid", 0, "gid", 0, "max_sessions", 0, "quota_size",
	                          0, "quota_files", 0, "upload_bandwidth", 0,
	                          "download_bandwidth", 0, "permissions", "/", "*");
	json_t *vals = blank ? userform_from_user(blank) : NULL;
	json_decref(blank);
	user_page(h, vals, 1, NULL, NULL, NULL, NULL);
}

/* The decoded form as the message's JSON text (NULL: answered). */
static char *
user_json(struct hreq *h, json_t *u)
{
	char *t = json_dumps(u, JSON_COMPACT | JSON_PRESERVE_ORDER);

	userform_scrub(u);
	json_decref(u);
	if (t == NULL) {
		plain_500(h);
	} else if (strlen(t) > RPC_ADMIN_JSON_MAX) {
		explicit_bzero(t, strlen(t));
		free(t);
		t = NULL;
		form_again(h, h->web->id[0] == '\0', NULL,
		           "The user is too large to be stored.");
	}
	return t;
}

static void
on_added(struct hreq *h, int status, char *body)
{
	if (status == 201 || status == 200)
		redirect(h, 303, "/web/users?done=added");
	else /* as SFTPGo: any failure shows the form again, with the error */
		form_rejected(h, 1, body);
	free(body);
}

void
web_user_add(struct hreq *h, const char *param)
{
	json_t *errors, *u;
	(void)param;

	if (!enabled(h) || !read_form(h, h->web))
		return;
	errors = json_object();
	if (userform_decode(&h->web->form, &u, errors) != 0) {
		form_again(h, 1, errors, "Some fields need a correction.");
		return;
	}
	json_decref(errors);
	char *t = user_json(h, u);
	if (t == NULL)
		return;
	struct rpc_admin_user_add m = {.fd = -1, .req = h->id, .json = t};
	ask(h, RPC_ADMIN_USER_ADD, &m, on_added);
	free_text(t);
}

static void
on_edit_loaded(struct hreq *h, int status, char *body)
{
	json_t *user = status == 200 && body ? json_loads(body, 0, NULL) : NULL;

	if (!json_is_object(user)) {
		failure_page(h, status == 200 ? 500 : status, body, "/web/users");
	} else {
		user_page(h, userform_from_user(user), 0,
		          json_object_get(user, "filesystem"), NULL, NULL, NULL);
	}
	json_decref(user);
	free(body);
}

void
web_user_edit(struct hreq *h, const char *param)
{
	if (!enabled(h) || !valid_user_id(h, param))
		return;
	struct rpc_admin_user_get m = {.fd = -1, .req = h->id, .id = param};
	ask(h, RPC_ADMIN_USER_GET, &m, on_edit_loaded);
}

static void
on_saved(struct hreq *h, int status, char *body)
{
	if (status == 200)
		redirect(h, 303, "/web/users?done=updated");
	else if (status == 404) /* deleted meanwhile */
		failure_page(h, status, body, "/web/users");
	else
		form_rejected(h, 0, body);
	free(body);
}

/*
 * The stored user is known (404 answered before the form is used, as SFTPGo): the
 * form replaces it, an empty password and S3 secret keeping the stored ones, and
 * no GCS key file keeping the stored credentials file (the monitor checks it
 * exists when automatic credentials are off).
 */
static void
on_save_loaded(struct hreq *h, int status, char *body)
{
	struct web_state *st = h->web;
	json_t *errors, *u;
	int64_t id = 0;

	st->acc = status == 200 && body ? json_loads(body, 0, NULL) : NULL;
	if (!json_is_object(st->acc)) {
		failure_page(h, status == 200 ? 500 : status, body, "/web/users");
		free(body);
		return;
	}
	free(body);
	errors = json_object();
	if (userform_decode(&st->form, &u, errors) != 0) {
		form_again(h, 0, errors, "Some fields need a correction.");
		return;
	}
	/* the monitor's update keeps stored extension filters an update leaves
	 * empty (the API's PUT rule, spec section 5): say so rather than keep them
	 * silently */
	json_t *stored_ext =
	    json_object_get(json_object_get(st->acc, "filters"), "file_extensions");
	json_t *ext = json_object_get(json_object_get(u, "filters"), "file_extensions");
	if (json_array_size(stored_ext) > 0 && json_array_size(ext) == 0) {
		json_object_set_new(
		    errors, "allowed_extensions",
		    json_string("the extension filters cannot all be "
		                "removed at once: keep at least one line"));
		userform_scrub(u);
		json_decref(u);
		form_again(h, 0, errors, "Some fields need a correction.");
		return;
	}
	json_decref(errors);
	/* an empty S3 secret field keeps the stored secret (never in the page) */
	json_t *s3 = json_object_get(json_object_get(u, "filesystem"), "s3config");
	json_t *stored_s3 =
	    json_object_get(json_object_get(st->acc, "filesystem"), "s3config");
	json_t *secret = json_object_get(stored_s3, "access_secret");
	if (json_is_object(s3) && json_object_size(s3) > 0 &&
	    json_object_get(s3, "access_secret") == NULL && json_is_string(secret))
		json_object_set(s3, "access_secret", secret);
	(void)api_parse_id(st->id, &id);
	json_object_set_new(u, "id", json_integer(id));
	json_object_set(u, "username", json_object_get(st->acc, "username"));
	char *t = user_json(h, u);
	if (t == NULL)
		return;
	struct rpc_admin_user_update m = {
	    .fd = -1, .req = h->id, .id = st->id, .json = t};
	ask(h, RPC_ADMIN_USER_UPDATE, &m, on_saved);
	free_text(t);
}

void
web_user_save(struct hreq *h, const char *param)
{
	if (!enabled(h) || !valid_user_id(h, param) || !read_form(h, h->web))
		return;
	struct rpc_admin_user_get m = {.fd = -1, .req = h->id, .id = param};
	ask(h, RPC_ADMIN_USER_GET, &m, on_save_loaded);
}

/* ---- delete ---- */

static void
on_delete_loaded(struct hreq *h, int status, char *body)
{
	json_t *user = status == 200 && body ? json_loads(body, 0, NULL) : NULL;
	const char *name = json_string_value(json_object_get(user, "username"));

	if (name == NULL) {
		failure_page(h, status == 200 ? 500 : status, body, "/web/users");
	} else {
		char q[600], action[128];
		snprintf(q, sizeof(q),
		         "Delete the user \u201c%.500s\u201d? Its files are kept; its "
		         "open connections stay until they end.",
		         name);
		snprintf(action, sizeof(action), "/web/user/%s/delete", h->web->id);
		page(h, 200, "confirm",
		     json_pack("{s:s,s:b,s:s,s:s,s:s,s:s}", "title", "Delete user",
		               "nav_users", 1, "question", q, "action", action,
		               "confirm_text", "Delete", "cancel_url", "/web/users"));
	}
	json_decref(user);
	free(body);
}

void
web_user_delete_ask(struct hreq *h, const char *param)
{
	if (!enabled(h) || !valid_user_id(h, param))
		return;
	struct rpc_admin_user_get m = {.fd = -1, .req = h->id, .id = param};
	ask(h, RPC_ADMIN_USER_GET, &m, on_delete_loaded);
}

static void
on_deleted(struct hreq *h, int status, char *body)
{
	if (status == 200)
		redirect(h, 303, "/web/users?done=deleted");
	else
		failure_page(h, status, body, "/web/users");
	free(body);
}

void
web_user_delete(struct hreq *h, const char *param)
{
	if (!enabled(h) || !valid_user_id(h, param) || !read_form(h, h->web))
		return;
	struct rpc_admin_user_delete m = {.fd = -1, .req = h->id, .id = param};
	ask(h, RPC_ADMIN_USER_DELETE, &m, on_deleted);
}

/* ---- quota scan ---- */

static void
on_scan(struct hreq *h, int status, char *body)
{
	if (status == 201 || status == 200)
		redirect(h, 303, "/web/users?done=scan");
	else if (status == 409)
		redirect(h, 303, "/web/users?done=scan_busy");
	else
		failure_page(h, status, body, "/web/users");
	free(body);
}

void
web_quota_scan(struct hreq *h, const char *param)
{
	(void)param;
	if (!enabled(h) || !read_form(h, h->web))
		return;
	const char *name = form_get(&h->web->form, "username");
	if (name == NULL || *name == '\0' || strlen(name) > RPC_USER_MAX) {
		message(h, 404, "Not found",
		        "The page you are looking for does not exist. no such user",
		        "/web/users", "Back");
		return;
	}
	struct rpc_admin_scan_start m = {.fd = -1, .req = h->id, .username = name};
	ask(h, RPC_ADMIN_SCAN_START, &m, on_scan);
}

/* ---- connections ---- */

static void
on_conns(struct hreq *h, int status, char *body)
{
	json_t *list = status == 200 && body ? json_loads(body, 0, NULL) : NULL;
	struct timespec ts;
	size_t i;
	json_t *c, *rows = json_array(), *ctx = json_object();

	if (!json_is_array(list)) {
		failure_page(h, status == 200 ? 500 : status, body, "/web/connections");
		json_decref(list);
		json_decref(rows);
		json_decref(ctx);
		free(body);
		return;
	}
	free(body);
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	json_array_foreach(list, i, c)
	{
		json_array_append_new(rows, userform_connection_row(c, now_ms));
	}
	json_decref(list);
	json_object_set_new(ctx, "title", json_string("Connections"));
	json_object_set_new(ctx, "nav_connections", json_true());
	json_object_set_new(ctx, "count",
	                    json_integer((json_int_t)json_array_size(rows)));
	json_object_set_new(ctx, "has_connections", json_boolean(json_array_size(rows)));
	json_object_set_new(ctx, "connections", rows);
	set_flash(ctx, h->web);
	page(h, 200, "connections", ctx);
}

void
web_connections(struct hreq *h, const char *param)
{
	(void)param;
	if (!enabled(h))
		return;
	read_flash(h, h->web);
	struct rpc_admin_conn_list m = {.fd = -1, .req = h->id};
	ask(h, RPC_ADMIN_CONN_LIST, &m, on_conns);
}

/* A connection id in a URL: what the monitor makes (letters, digits, '-', '_'). */
static int
valid_conn_id(struct hreq *h, const char *param)
{
	size_t n = strlen(param);

	if (n == 0 || n > RPC_ID_MAX ||
	    strspn(param, "0123456789abcdefghijklmnopqrstuvwxyz"
	                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_") != n) {
		message(h, 404, "Not found",
		        "The page you are looking for does not exist. no such connection",
		        "/web/connections", "Back");
		return 0;
	}
	return 1;
}

void
web_conn_close_ask(struct hreq *h, const char *param)
{
	char q[200], action[128];

	if (!enabled(h) || !valid_conn_id(h, param))
		return;
	snprintf(q, sizeof(q), "Close the connection %s? Its transfers are cut.", param);
	snprintf(action, sizeof(action), "/web/connection/%s/close", param);
	page(h, 200, "confirm",
	     json_pack("{s:s,s:b,s:s,s:s,s:s,s:s}", "title", "Close connection",
	               "nav_connections", 1, "question", q, "action", action,
	               "confirm_text", "Disconnect", "cancel_url", "/web/connections"));
}

static void
on_closed(struct hreq *h, int status, char *body)
{
	if (status == 200)
		redirect(h, 303, "/web/connections?done=closed");
	else
		failure_page(h, status, body, "/web/connections");
	free(body);
}

void
web_conn_close(struct hreq *h, const char *param)
{
	if (!enabled(h) || !valid_conn_id(h, param) || !read_form(h, h->web))
		return;
	struct rpc_admin_conn_close m = {.fd = -1, .req = h->id, .connection_id = param};
	ask(h, RPC_ADMIN_CONN_CLOSE, &m, on_closed);
}

/* ---- static files ---- */

void
web_static_dir(struct hreq *h, const char *param)
{
	(void)param;
	if (enabled(h))
		redirect(h, 301, "/static/");
}

static const char *
content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".css", "text/css; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".ico", "image/x-icon"},
	    {".html", "text/html; charset=utf-8"},
	    {".txt", "text/plain; charset=utf-8"},
	    {".json", "application/json"},
	    {".woff2", "font/woff2"},
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/* No empty, "." or ".." segment (the kernel refuses escapes too: openat2). */
static int
clean_rel_path(const char *p)
{
	while (*p != '\0') {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n + (p[n] == '/');
		if (p[-1] == '/' && *p == '\0')
			return 0;
	}
	return 1;
}

/*
 * GET /static/<path>: a regular file under static_files_path, opened with
 * openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS (no "..", no absolute path, no
 * symbolic link anywhere on the way); anything else is 404. No authentication
 * (as SFTPGo).
 */
void
web_static(struct hreq *h, const char *param)
{
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
	                       .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	                                  RESOLVE_NO_MAGICLINKS};
	struct stat st;
	char *data = NULL;
	ssize_t got = -1;

	if (!enabled(h))
		return;
	int fd = clean_rel_path(param)
	             ? (int)syscall(SYS_openat2, static_fd, param, &how, sizeof(how))
	             : -1;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size <= WEB_STATIC_MAX &&
	    (data = malloc((size_t)st.st_size + 1)) != NULL)
		got = read(fd, data, (size_t)st.st_size);
	if (fd >= 0)
		close(fd);
	if (got < 0 || got != (ssize_t)st.st_size) {
		free(data);
		http_api_response(h, 404, "Not Found", "");
		return;
	}
	struct evkeyvalq *oh = evhttp_request_get_output_headers(h->r);
	evhttp_add_header(oh, "Cache-Control", "public, max-age=3600");
	http_send(h, 200, content_type(param), NULL, data, (size_t)got);
	free(data);
}
