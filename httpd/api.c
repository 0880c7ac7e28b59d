/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/user.h"
#include "common/buf.h"
#include "httpd/api.h"

char *
api_response(int status, const char *message, const char *error)
{
	json_t *o = json_object();
	char *text = NULL;

	if (o != NULL && json_object_set_new(o, "error", json_string(error)) == 0 &&
	    json_object_set_new(o, "message", json_string(message)) == 0 &&
	    json_object_set_new(o, "status", json_integer(status)) == 0)
		text = api_json_text(o);
	json_decref(o);
	return text;
}

/* Go's encoding/json escapes these for HTML safety; they occur only inside
 * strings in JSON text, so a pass over the whole text is exact. */
static const char *
go_escape(const unsigned char *p, size_t *skip)
{
	*skip = 1;
	if (*p == '<')
		return "\\u003c";
	if (*p == '>')
		return "\\u003e";
	if (*p == '&')
		return "\\u0026";
	if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
		*skip = 3;
		return p[2] == 0xa8 ? "\\u2028" : "\\u2029";
	}
	return NULL;
}

char *
api_json_text(const json_t *j)
{
	char *raw = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	struct wbuf w;

	if (raw == NULL)
		return NULL;
	if (wbuf_init(&w, strlen(raw) + 64, SIZE_MAX / 2) != 0) {
		free(raw);
		return NULL;
	}
	for (const unsigned char *p = (const unsigned char *)raw; *p != '\0';) {
		size_t skip;
		const char *e = go_escape(p, &skip);
		if (e != NULL)
			wbuf_put_bytes(&w, e, strlen(e));
		else
			wbuf_put_bytes(&w, p, 1);
		p += skip;
	}
	wbuf_put_bytes(&w, "\n", 2); /* with the NUL */
	free(raw);
	if (w.failed) {
		wbuf_free(&w);
		return NULL;
	}
	return (char *)w.p;
}

int
api_parse_id(const char *s, int64_t *out)
{
	const char *d = s + (*s == '+' || *s == '-');
	char *end;

	if (!isdigit((unsigned char)*d))
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

void
api_quote(const char *s, char *out, size_t outlen)
{
	size_t n = 0;

	if (outlen < 3) {
		if (outlen > 0)
			out[0] = '\0';
		return;
	}
	out[n++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p && n + 8 < outlen;
	     p++) {
		if (*p == '"' || *p == '\\') {
			out[n++] = '\\';
			out[n++] = (char)*p;
		} else if (*p < 0x20 || *p == 0x7f) {
			n += (size_t)snprintf(out + n, outlen - n, "\\x%02x", *p);
		} else {
			out[n++] = (char)*p;
		}
	}
	out[n++] = '"';
	out[n] = '\0';
}

/* Go's strings.TrimSpace for ASCII white space. */
/* s3config and gcsconfig always there, {} when unused, and their empty members
 * ("" or 0, as the web form stores a cleared field) left out, as SFTPGo's
 * omitempty does. NULL when out of memory. */
static json_t *
filesystem_shaped(const json_t *fs)
{
	static const char *const subs[] = {"s3config", "gcsconfig"};
	json_t *out = json_deep_copy(fs);

	for (size_t i = 0; out != NULL && i < sizeof(subs) / sizeof(subs[0]); i++) {
		const json_t *src = json_object_get(fs, subs[i]);
		json_t *c = json_object();
		const char *k;
		json_t *m;

		if (json_is_object(src))
			json_object_foreach((json_t *)src, k, m)
			{
				if ((json_is_string(m) && json_string_length(m) == 0) ||
				    (json_is_integer(m) && json_integer_value(m) == 0) ||
				    json_is_null(m))
					continue;
				json_object_set(c, k, m);
			}
		if (c == NULL || json_object_set_new(out, subs[i], c) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
	return out;
}

static int
trim_into(const char *in, char *out, size_t outlen)
{
	while (isspace((unsigned char)*in))
		in++;
	size_t n = strlen(in);
	while (n > 0 && isspace((unsigned char)in[n - 1]))
		n--;
	if (n >= outlen)
		return -1;
	memcpy(out, in, n);
	out[n] = '\0';
	return 0;
}

int
api_check_output_file(const char *in, char *out, size_t outlen, char *err, size_t errlen)
{
	char q[600];

	if (in == NULL || trim_into(in, out, outlen) != 0 || out[0] == '\0') {
		snprintf(err, errlen, "Invalid or missing output_file");
		return -1;
	}
	api_quote(out, q, sizeof(q));
	if (out[0] == '/') {
		snprintf(err, errlen,
		         "Invalid output_file %s: it must be a relative path", q);
		return -1;
	}
	if (strstr(out, "..") != NULL) {
		snprintf(err, errlen, "Invalid output_file %s", q);
		return -1;
	}
	return 0;
}

int
api_check_input_file(const char *in, char *out, size_t outlen, char *err, size_t errlen)
{
	if (in == NULL)
		in = "";
	if (trim_into(in, out, outlen) != 0 || out[0] != '/') {
		char q[600];
		api_quote(in, q, sizeof(q));
		snprintf(err, errlen,
		         "Invalid input_file %s: it must be an absolute path", q);
		return -1;
	}
	return 0;
}

int
api_decode_user(const char *data, size_t len, json_t **out, char *err, size_t errlen)
{
	json_error_t je;
	struct sftpgo_user u;
	size_t i = 0;

	*out = NULL;
	while (i < len &&
	       (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
		i++;
	if (i == len) { /* Go's decoder on an empty body */
		snprintf(err, errlen, "EOF");
		return -1;
	}
	/* the first JSON value only: trailing bytes are ignored, as Go's Decoder */
	json_t *j = json_loadb(data, len, JSON_DISABLE_EOF_CHECK, &je);
	if (j == NULL) {
		snprintf(err, errlen, "%s", je.text);
		return -1;
	}
	if (!json_is_object(j)) {
		snprintf(
		    err, errlen,
		    "json: cannot unmarshal %s into Go value of type dataprovider.User",
		    json_is_array(j)     ? "array"
		    : json_is_string(j)  ? "string"
		    : json_is_number(j)  ? "number"
		    : json_is_boolean(j) ? "bool"
		                         : "null");
		json_decref(j);
		return -1;
	}
	/* the types of every member, as the monitor will decode them */
	user_init(&u);
	int rc = user_from_json(j, &u, err, errlen);
	if (u.password != NULL)
		explicit_bzero(u.password, strlen(u.password));
	user_free(&u);
	if (rc != 0) {
		json_decref(j);
		return -1;
	}
	*out = j;
	return 0;
}

json_t *
api_user_shape(json_t *u)
{
	static const char *const order[] = {"id",
	                                    "status",
	                                    "username",
	                                    "expiration_date",
	                                    "password",
	                                    "public_keys",
	                                    "home_dir",
	                                    "virtual_folders",
	                                    "uid",
	                                    "gid",
	                                    "max_sessions",
	                                    "quota_size",
	                                    "quota_files",
	                                    "permissions",
	                                    "used_quota_size",
	                                    "used_quota_files",
	                                    "last_quota_update",
	                                    "upload_bandwidth",
	                                    "download_bandwidth",
	                                    "last_login",
	                                    "filters",
	                                    "filesystem"};
	static const char *const omit_empty[] = {"password", "public_keys",
	                                         "virtual_folders"};
	json_t *o = u ? json_object() : NULL;

	for (size_t i = 0; o != NULL && i < sizeof(order) / sizeof(order[0]); i++) {
		json_t *v = json_object_get(u, order[i]);
		int empty = v == NULL || (json_is_array(v) && json_array_size(v) == 0) ||
		            (json_is_string(v) && json_string_length(v) == 0);
		int omit = v == NULL;
		for (size_t k = 0; k < sizeof(omit_empty) / sizeof(omit_empty[0]); k++)
			if (strcmp(order[i], omit_empty[k]) == 0 && empty)
				omit = 1;
		if (omit)
			continue;
		if (strcmp(order[i], "filesystem") == 0 && json_is_object(v)) {
			json_object_set_new(o, order[i], filesystem_shaped(v));
		} else {
			json_object_set(o, order[i], v);
		}
	}
	json_decref(u);
	return o;
}
