/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

/*
 * libFuzzer target for what sftpgo-httpd reads from a client before the monitor
 * sees anything: the request path through the route table (route_match), the
 * {userID} and file parameters, and a body through the user JSON decoder
 * (api_decode_user, user_from_json); the first line as an Authorization header
 * (basic_credentials) and the body as an htpasswd file (htpasswd_parse). Input:
 * "METHOD PATH\n" then the body.
 * Properties: a matched route's parameter is a non-empty segment without '/'
 * (but /static/'s);
 * a decoded body is an object that re-encodes and decodes again.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpd/api.h"
#include "httpd/htpasswd.h"
#include "httpd/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* routes.c's calls into httpd.c, never reached through route_match */
void
http_reply(struct hreq *h, int status, char *body)
{
	(void)h;
	(void)status;
	free(body);
}
void
http_api_response(struct hreq *h, int status, const char *message, const char *error)
{
	(void)h;
	(void)status;
	(void)message;
	(void)error;
}
void
http_forward(struct hreq *h, int type, const void *msg)
{
	(void)h;
	(void)type;
	(void)msg;
}
int
http_authorized(struct hreq *h)
{
	(void)h;
	return 1;
}
const char *
http_body(struct hreq *h, size_t *len)
{
	(void)h;
	*len = 0;
	return "";
}

/* web.c's handlers, never reached through route_match either */
#define WEB_STUB(name)                                                                   \
	void name(struct hreq *h, const char *param)                                     \
	{                                                                                \
		(void)h;                                                                 \
		(void)param;                                                             \
	}
WEB_STUB(web_root)
WEB_STUB(web_users)
WEB_STUB(web_user_new)
WEB_STUB(web_user_add)
WEB_STUB(web_user_edit)
WEB_STUB(web_user_save)
WEB_STUB(web_user_delete_ask)
WEB_STUB(web_user_delete)
WEB_STUB(web_quota_scan)
WEB_STUB(web_connections)
WEB_STUB(web_conn_close_ask)
WEB_STUB(web_conn_close)
WEB_STUB(web_static)
WEB_STUB(web_static_dir)

static void
check_path(const char *line)
{
	char method[16] = "", path[1024], param[256], out[4200], err[4400];
	const char *sp = strchr(line, ' ');
	int route;
	int64_t id;

	if (sp == NULL || (size_t)(sp - line) >= sizeof(method) ||
	    strlen(sp + 1) >= sizeof(path))
		return;
	memcpy(method, line, (size_t)(sp - line));
	memcpy(path, sp + 1, strlen(sp + 1) + 1);
	param[0] = '\0';
	int rc = route_match(method, path, &route, param, sizeof(param));
	if (rc != 0 && rc != 404 && rc != 405)
		abort();
	/* only /static/'s rest of the path may hold a '/' */
	if (rc == 0 && strncmp(path, "/static/", 8) != 0 && strchr(param, '/') != NULL)
		abort();
	if (rc == 0)
		(void)api_parse_id(param, &id);
	if (api_check_output_file(path, out, sizeof(out), err, sizeof(err)) == 0 &&
	    (out[0] == '/' || strstr(out, "..") != NULL))
		abort();
	if (api_check_input_file(path, out, sizeof(out), err, sizeof(err)) == 0 &&
	    out[0] != '/')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t linelen = nl ? (size_t)(nl - data) : size;
	char *line = malloc(linelen + 1);
	json_t *u = NULL;
	char err[512];

	if (line == NULL)
		return 0;
	memcpy(line, data, linelen);
	line[linelen] = '\0';
	if (strlen(line) == linelen) {
		char user[256], pw[512];
		check_path(line);
		if (basic_credentials(line, user, sizeof(user), pw, sizeof(pw)) == 0 &&
		    (strlen(user) >= sizeof(user) || strchr(user, ':') != NULL))
			abort();
	}
	free(line);
	if (nl == NULL)
		return 0;
	const char *body = (const char *)nl + 1;
	size_t blen = size - linelen - 1;
	struct htpasswd h;
	if (htpasswd_parse(body, blen, &h) == 0) {
		for (size_t i = 0; i < h.n; i++)
			if (strchr(h.user[i], ':') != NULL ||
			    strchr(h.hash[i], ':') != NULL)
				abort();
		htpasswd_free(&h);
	}
	if (api_decode_user(body, blen, &u, err, sizeof(err)) == 0) {
		char *t = json_dumps(u, JSON_COMPACT);
		json_t *again = NULL;
		if (!json_is_object(u) || t == NULL ||
		    api_decode_user(t, strlen(t), &again, err, sizeof(err)) != 0)
			abort();
		json_decref(again);
		free(t);
		char *shaped = api_json_text(u);
		free(shaped);
		json_decref(u);
	}
	return 0;
}
