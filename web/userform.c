/* SPDX-License-Identifier: BSD-2-Clause */
/* The user form and the tables' rows (web/userform.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "account/perm.h"
#include "common/buf.h"
#include "web/userform.h"

#define LOGIN_METHODS 3
static const char *const login_methods[LOGIN_METHODS] = {"publickey", "password",
                                                         "keyboard-interactive"};
static const char *const int_fields[] = {"status",
                                         "uid",
                                         "gid",
                                         "max_sessions",
                                         "quota_size",
                                         "quota_files",
                                         "upload_bandwidth",
                                         "download_bandwidth"};

/* ---- small text helpers ---- */

/* The string member key of o, or "" (never NULL into a printf). */
static const char *
str_of(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

/* Calls fn for each trimmed, non-empty piece of s split at sep. */
static int
each_piece(const char *s, char sep, int (*fn)(const char *, size_t, void *), void *arg)
{
	while (s != NULL && *s != '\0') {
		const char *end = strchr(s, sep);
		size_t len = end != NULL ? (size_t)(end - s) : strlen(s);
		const char *p = s;
		size_t plen = len;
		trim(&p, &plen);
		if (plen > 0 && fn(p, plen, arg) != 0)
			return -1;
		s = end != NULL ? end + 1 : NULL;
	}
	return 0;
}

static int
append_string(const char *s, size_t len, void *arr)
{
	return json_array_append_new(arr, json_stringn(s, len));
}

static int
set_error(json_t *errors, const char *field, const char *msg)
{
	if (json_object_get(errors, field) == NULL)
		json_object_set_new(errors, field, json_string(msg));
	return -1;
}

/* ---- form -> user ---- */

static int
read_int(const struct form *f, const char *name, json_t *user, json_t *errors)
{
	const char *v = form_get(f, name);
	char *end;

	if (v == NULL || *v == '\0')
		return set_error(errors, name, "a number is required");
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || !(isdigit((unsigned char)*v) || *v == '-'))
		return set_error(errors, name, "must be a whole number");
	json_object_set_new(user, name, json_integer(n));
	return 0;
}

/* "" -> 0; "YYYY-MM-DD" or SFTPGo's "YYYY-MM-DD HH:MM:SS", UTC -> ms. */
static int
read_expiration(const char *v, json_t *user, json_t *errors)
{
	struct tm tm = {0};
	const char *end;

	if (v == NULL || *v == '\0') {
		json_object_set_new(user, "expiration_date", json_integer(0));
		return 0;
	}
	end = strptime(v, "%Y-%m-%d", &tm);
	if (end != NULL && *end == ' ')
		end = strptime(end + 1, "%H:%M:%S", &tm);
	if (end == NULL || *end != '\0' || tm.tm_year < 70)
		return set_error(errors, "expiration_date",
		                 "must be a date (YYYY-MM-DD)");
	json_object_set_new(user, "expiration_date",
	                    json_integer((json_int_t)timegm(&tm) * 1000));
	return 0;
}

struct lines_ctx {
	json_t *out, *errors;
	const char *field;
	int ext_allowed; /* extensions: which list */
};

/* "/dir::perm1,perm2" -> permissions["/dir"] (lines without "::" ignored, as SFTPGo). */
static int
subdir_perm_line(const char *s, size_t len, void *arg)
{
	struct lines_ctx *c = arg;
	const char *sep = memmem(s, len, "::", 2);

	if (sep == NULL)
		return 0;
	const char *dir = s, *perms = sep + 2;
	size_t dlen = (size_t)(sep - s), plen = len - dlen - 2;
	trim(&dir, &dlen);
	char *list = strndup(perms, plen), *key = strndup(dir, dlen);
	json_t *arr = json_array();
	int rc =
	    list != NULL && key != NULL ? each_piece(list, ',', append_string, arr) : -1;
	if (rc == 0)
		json_object_set_new(c->out, key, arr);
	else
		json_decref(arr);
	free(list);
	free(key);
	return rc;
}

/* "/vpath::/mapped" -> {virtual_path, mapped_path}. */
static int
folder_line(const char *s, size_t len, void *arg)
{
	struct lines_ctx *c = arg;
	const char *sep = memmem(s, len, "::", 2);

	if (sep == NULL)
		return 0;
	const char *v = s, *m = sep + 2;
	size_t vlen = (size_t)(sep - s), mlen = len - vlen - 2;
	trim(&v, &vlen);
	trim(&m, &mlen);
	return json_array_append_new(c->out, json_pack("{s:s%,s:s%}", "virtual_path", v,
	                                               vlen, "mapped_path", m, mlen));
}

/* "/dir::.ext1,.ext2" -> file_extensions, one entry per dir for both textareas. */
static int
extension_line(const char *s, size_t len, void *arg)
{
	struct lines_ctx *c = arg;
	const char *sep = memmem(s, len, "::", 2);
	const char *list = c->ext_allowed ? "allowed_extensions" : "denied_extensions";

	if (sep == NULL)
		return 0;
	const char *dir = s;
	size_t dlen = (size_t)(sep - s);
	trim(&dir, &dlen);
	char *path = strndup(dir, dlen), *exts = strndup(sep + 2, len - dlen - 2);
	json_t *entry = NULL, *e;
	size_t i;
	int rc = path != NULL && exts != NULL ? 0 : -1;
	json_array_foreach(c->out, i, e)
	{
		if (rc == 0 && strcmp(str_of(e, "path"), path) == 0)
			entry = e;
	}
	if (rc == 0 && entry != NULL && json_object_get(entry, list) != NULL)
		rc = set_error(c->errors, c->field, "a directory is given twice");
	if (rc == 0 && entry == NULL) {
		entry = json_pack("{s:s}", "path", path);
		json_array_append_new(c->out, entry);
	}
	if (rc == 0) {
		json_t *arr = json_array();
		json_object_set_new(entry, list, arr);
		rc = each_piece(exts, ',', append_string, arr);
	}
	free(path);
	free(exts);
	return rc;
}

static json_t *
read_permissions(const struct form *f, json_t *errors)
{
	json_t *perms = json_object(), *root = json_array();
	struct lines_ctx c = {perms, errors, "sub_dirs_permissions", 0};

	for (size_t i = 0; i < f->n; i++)
		if (!f->f[i].is_file && strcmp(f->f[i].name, "permissions") == 0)
			json_array_append_new(root, json_string(f->f[i].value));
	each_piece(form_get(f, "sub_dirs_permissions"), '\n', subdir_perm_line, &c);
	if (json_array_size(root) == 0)
		set_error(errors, "permissions", "grant at least one permission on /");
	json_object_set_new(perms, "/", root);
	return perms;
}

static json_t *
read_filters(const struct form *f, json_t *errors)
{
	json_t *filters = json_object(), *denied = json_array(), *allowed = json_array(),
	       *methods = json_array(), *exts = json_array();
	struct lines_ctx ca = {exts, errors, "allowed_extensions", 1},
	                 cd = {exts, errors, "denied_extensions", 0};

	each_piece(form_get(f, "denied_ip"), ',', append_string, denied);
	each_piece(form_get(f, "allowed_ip"), ',', append_string, allowed);
	for (size_t i = 0; i < f->n; i++)
		if (!f->f[i].is_file && strcmp(f->f[i].name, "ssh_login_methods") == 0)
			json_array_append_new(methods, json_string(f->f[i].value));
	each_piece(form_get(f, "allowed_extensions"), '\n', extension_line, &ca);
	each_piece(form_get(f, "denied_extensions"), '\n', extension_line, &cd);
	json_object_set_new(filters, "denied_ip", denied);
	json_object_set_new(filters, "allowed_ip", allowed);
	json_object_set_new(filters, "denied_login_methods", methods);
	json_object_set_new(filters, "file_extensions", exts);
	return filters;
}

/*
 * gcsconfig from the gcs_* fields: every text member and automatic_credentials
 * always set (the form replaces the whole config: an emptied field or an
 * unchecked box must reach the monitor, whose update merges member by member);
 * the key file, when one was chosen, base64 into credentials (the monitor writes
 * it to the credentials file), else no credentials: the stored file is kept.
 */
static void
read_gcs(const struct form *f, json_t *g, json_t *errors)
{
	static const char *const text[] = {"bucket", "key_prefix", "storage_class",
	                                   "endpoint"};
	const struct form_field *cred = form_get_file(f, "gcs_credential_file");
	const char *v = form_get(f, "gcs_auto_credentials");
	int automatic = v != NULL && *v != '\0';

	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "gcs_%s", text[i]);
		const char *t = form_get(f, name);
		size_t len = t != NULL ? strlen(t) : 0;
		trim(&t, &len);
		json_object_set_new(g, text[i], json_stringn(len > 0 ? t : "", len));
	}
	if (json_string_length(json_object_get(g, "bucket")) == 0)
		set_error(errors, "gcs_bucket", "required for Google Cloud Storage");
	if (cred != NULL && cred->len == 0) {
		set_error(errors, "gcs_credential_file", "the key file is empty");
	} else if (cred != NULL && cred->len > USERFORM_GCS_KEY_MAX) {
		set_error(errors, "gcs_credential_file",
		          "the key file is larger than 32 KiB (a service account key is "
		          "a few KiB)");
	} else if (cred != NULL) {
		/* SFTPGo: a key file sets explicit credentials */
		size_t b64len = (cred->len + 2) / 3 * 4 + 1;
		unsigned char *b64 = malloc(b64len);
		if (b64 == NULL) {
			set_error(errors, "gcs_credential_file", "out of memory");
		} else {
			EVP_EncodeBlock(b64, (const unsigned char *)cred->value,
			                (int)cred->len);
			json_object_set_new(g, "credentials", json_string((char *)b64));
			explicit_bzero(b64, b64len);
			free(b64);
		}
		automatic = 0;
	}
	json_object_set_new(g, "automatic_credentials", json_integer(automatic));
}

static json_t *
read_filesystem(const struct form *f, json_t *errors)
{
	static const char *const s3[] = {"bucket",        "region",        "access_key",
	                                 "access_secret", "storage_class", "endpoint",
	                                 "key_prefix"};
	const char *p = form_get(f, "fs_provider");
	int provider =
	    p != NULL && (strcmp(p, "1") == 0 || strcmp(p, "2") == 0) ? *p - '0' : 0;
	json_t *fs =
	    json_pack("{s:i,s:{},s:{}}", "provider", provider, "s3config", "gcsconfig");

	if (provider == 1)
		for (size_t i = 0; i < sizeof(s3) / sizeof(s3[0]); i++) {
			char name[32];
			snprintf(name, sizeof(name), "s3_%s", s3[i]);
			const char *v = form_get(f, name);
			if (v != NULL && *v != '\0')
				json_object_set_new(json_object_get(fs, "s3config"),
				                    s3[i], json_string(v));
		}
	if (provider == 2)
		read_gcs(f, json_object_get(fs, "gcsconfig"), errors);
	return fs;
}

int
userform_decode(const struct form *f, json_t **user, json_t *errors)
{
	json_t *u = json_object(), *keys = json_array(), *folders = json_array();
	const char *v;
	struct lines_ctx fc = {folders, errors, "virtual_folders", 0};

	*user = NULL;
	v = form_get(f, "username");
	json_object_set_new(u, "username", json_string(v != NULL ? v : ""));
	for (size_t i = 0; i < sizeof(int_fields) / sizeof(int_fields[0]); i++)
		read_int(f, int_fields[i], u, errors);
	read_expiration(form_get(f, "expiration_date"), u, errors);
	if ((v = form_get(f, "password")) != NULL && *v != '\0')
		json_object_set_new(u, "password", json_string(v));
	each_piece(form_get(f, "public_keys"), '\n', append_string, keys);
	json_object_set_new(u, "public_keys", keys);
	v = form_get(f, "home_dir");
	json_object_set_new(u, "home_dir", json_string(v != NULL ? v : ""));
	each_piece(form_get(f, "virtual_folders"), '\n', folder_line, &fc);
	json_object_set_new(u, "virtual_folders", folders);
	json_object_set_new(u, "permissions", read_permissions(f, errors));
	json_object_set_new(u, "filters", read_filters(f, errors));
	json_object_set_new(u, "filesystem", read_filesystem(f, errors));
	if (json_object_size(errors) > 0) {
		json_decref(u);
		return -1;
	}
	*user = u;
	return 0;
}

/* ---- user or form -> the template's values ---- */

/* Appends "a::b" as a new line of a textarea (no line break before the first). */
static void
put_pair_line(struct wbuf *w, const char *a, const char *b)
{
	if (w->len > 0)
		wbuf_put_bytes(w, "\n", 1);
	wbuf_put_bytes(w, a, strlen(a));
	wbuf_put_bytes(w, "::", 2);
	wbuf_put_bytes(w, b, strlen(b));
}

/* Appends the strings of array a joined by sep. */
static void
put_joined(struct wbuf *w, const json_t *a, const char *sep)
{
	size_t i;
	json_t *e;

	json_array_foreach(a, i, e)
	{
		if (i > 0)
			wbuf_put_bytes(w, sep, strlen(sep));
		if (json_is_string(e))
			wbuf_put_bytes(w, json_string_value(e), json_string_length(e));
	}
}

static json_t *
wbuf_string(struct wbuf *w)
{
	json_t *s = json_stringn(w->len > 0 ? (const char *)w->p : "", w->len);
	wbuf_free(w);
	return s;
}

/* The strings of array a joined by sep. */
static json_t *
joined(const json_t *a, const char *sep)
{
	struct wbuf w;

	wbuf_init(&w, 0, 1u << 20);
	put_joined(&w, a, sep);
	return wbuf_string(&w);
}

static json_t *
checkbox_list(const char *const *names, size_t n, const json_t *checked)
{
	json_t *out = json_array();

	for (size_t i = 0; i < n; i++) {
		int on = 0;
		size_t j;
		json_t *e;
		json_array_foreach(checked, j, e)
		{
			on |= json_is_string(e) &&
			      strcmp(json_string_value(e), names[i]) == 0;
		}
		json_array_append_new(
		    out, json_pack("{s:s,s:b}", "name", names[i], "checked", on));
	}
	return out;
}

static json_t *
perm_checkboxes(const json_t *root)
{
	const char *names[12];
	size_t n = 0;

	names[n++] = "*";
	for (unsigned bit = 1; bit < PERM_ALL; bit <<= 1)
		names[n++] = perm_name(bit);
	return checkbox_list(names, n, root);
}

static json_t *
subdir_lines(const json_t *perms)
{
	struct wbuf w;
	const char *key;
	json_t *list;

	wbuf_init(&w, 0, 1u << 20);
	json_object_foreach((json_t *)perms, key, list)
	{
		if (strcmp(key, "/") == 0)
			continue;
		json_t *j = joined(list, ",");
		put_pair_line(&w, key, json_string_value(j));
		json_decref(j);
	}
	return wbuf_string(&w);
}

static json_t *
folder_lines(const json_t *folders)
{
	struct wbuf w;
	size_t i;
	json_t *f;

	wbuf_init(&w, 0, 1u << 20);
	json_array_foreach(folders, i, f)
	{
		put_pair_line(&w, str_of(f, "virtual_path"), str_of(f, "mapped_path"));
	}
	return wbuf_string(&w);
}

static json_t *
extension_lines(const json_t *exts, const char *which)
{
	struct wbuf w;
	size_t i;
	json_t *e;

	wbuf_init(&w, 0, 1u << 20);
	json_array_foreach(exts, i, e)
	{
		json_t *list = json_object_get(e, which);
		if (json_array_size(list) == 0)
			continue;
		json_t *j = joined(list, ",");
		put_pair_line(&w, str_of(e, "path"), json_string_value(j));
		json_decref(j);
	}
	return wbuf_string(&w);
}

static json_t *
date_of_ms(json_int_t ms)
{
	char buf[32] = "";
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms > 0 && gmtime_r(&t, &tm) != NULL)
		strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
	return json_string(buf);
}

json_t *
userform_from_user(const json_t *user)
{
	json_t *u = json_object(), *filters = json_object_get(user, "filters");
	json_t *perms = json_object_get(user, "permissions");

	json_object_set(u, "username", json_object_get(user, "username"));
	json_object_set_new(
	    u, "active",
	    json_boolean(json_integer_value(json_object_get(user, "status")) == 1));
	json_object_set_new(
	    u, "expiration_date",
	    date_of_ms(json_integer_value(json_object_get(user, "expiration_date"))));
	json_object_set_new(u, "public_keys",
	                    joined(json_object_get(user, "public_keys"), "\n"));
	json_object_set(u, "home_dir", json_object_get(user, "home_dir"));
	for (size_t i = 1; i < sizeof(int_fields) / sizeof(int_fields[0]); i++)
		json_object_set(u, int_fields[i], json_object_get(user, int_fields[i]));
	json_object_set_new(u, "sub_dirs_permissions", subdir_lines(perms));
	json_object_set_new(u, "virtual_folders",
	                    folder_lines(json_object_get(user, "virtual_folders")));
	json_object_set_new(u, "allowed_ip",
	                    joined(json_object_get(filters, "allowed_ip"), ", "));
	json_object_set_new(u, "denied_ip",
	                    joined(json_object_get(filters, "denied_ip"), ", "));
	json_t *exts = json_object_get(filters, "file_extensions");
	json_object_set_new(u, "allowed_extensions",
	                    extension_lines(exts, "allowed_extensions"));
	json_object_set_new(u, "denied_extensions",
	                    extension_lines(exts, "denied_extensions"));
	return json_pack("{s:o,s:o,s:o}", "u", u, "perms",
	                 perm_checkboxes(json_object_get(perms, "/")), "login_methods",
	                 checkbox_list(login_methods, LOGIN_METHODS,
	                               json_object_get(filters, "denied_login_methods")));
}

json_t *
userform_from_form(const struct form *f)
{
	static const char *const text[] = {"username",
	                                   "expiration_date",
	                                   "public_keys",
	                                   "home_dir",
	                                   "uid",
	                                   "gid",
	                                   "quota_size",
	                                   "quota_files",
	                                   "upload_bandwidth",
	                                   "download_bandwidth",
	                                   "max_sessions",
	                                   "sub_dirs_permissions",
	                                   "virtual_folders",
	                                   "allowed_ip",
	                                   "denied_ip",
	                                   "allowed_extensions",
	                                   "denied_extensions"};
	json_t *u = json_object(), *perms = json_array(), *methods = json_array();
	const char *status = form_get(f, "status");

	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		const char *v = form_get(f, text[i]);
		json_object_set_new(u, text[i], json_string(v != NULL ? v : ""));
	}
	json_object_set_new(u, "active",
	                    json_boolean(status == NULL || strcmp(status, "1") == 0));
	for (size_t i = 0; i < f->n; i++) {
		if (f->f[i].is_file)
			continue;
		if (strcmp(f->f[i].name, "permissions") == 0)
			json_array_append_new(perms, json_string(f->f[i].value));
		if (strcmp(f->f[i].name, "ssh_login_methods") == 0)
			json_array_append_new(methods, json_string(f->f[i].value));
	}
	json_t *out = json_pack("{s:o,s:o,s:o}", "u", u, "perms", perm_checkboxes(perms),
	                        "login_methods",
	                        checkbox_list(login_methods, LOGIN_METHODS, methods));
	json_decref(perms);
	json_decref(methods);
	return out;
}

int
userform_set_storage(json_t *vals, const json_t *fs, const struct form *f)
{
	static const char *const s3[] = {"bucket",   "region",        "access_key",
	                                 "endpoint", "storage_class", "key_prefix"};
	static const char *const gcs[] = {"bucket", "key_prefix", "storage_class",
	                                  "endpoint"};
	static const char *const labels[] = {
	    "Local filesystem", "Amazon S3 (or compatible)", "Google Cloud Storage"};
	const json_t *s3c = json_object_get(fs, "s3config"),
	             *gcsc = json_object_get(fs, "gcsconfig");
	json_t *u = json_object_get(vals, "u"), *options = json_array();
	int provider;
	int automatic;

	if (f != NULL) {
		const char *p = form_get(f, "fs_provider"), *a;
		provider = p != NULL && (strcmp(p, "1") == 0 || strcmp(p, "2") == 0)
		               ? *p - '0'
		               : 0;
		a = form_get(f, "gcs_auto_credentials");
		automatic = a != NULL && *a != '\0';
	} else {
		json_int_t p = json_integer_value(json_object_get(fs, "provider"));
		provider = p == 1 || p == 2 ? (int)p : 0;
		automatic = json_integer_value(
		                json_object_get(gcsc, "automatic_credentials")) > 0;
	}
	for (size_t i = 0; i < sizeof(s3) / sizeof(s3[0]) + sizeof(gcs) / sizeof(gcs[0]);
	     i++) {
		int is_s3 = i < sizeof(s3) / sizeof(s3[0]);
		const char *key = is_s3 ? s3[i] : gcs[i - sizeof(s3) / sizeof(s3[0])];
		char name[32];
		snprintf(name, sizeof(name), "%s_%s", is_s3 ? "s3" : "gcs", key);
		const char *v =
		    f != NULL
		        ? form_get(f, name)
		        : json_string_value(json_object_get(is_s3 ? s3c : gcsc, key));
		json_object_set_new(u, name, json_string(v != NULL ? v : ""));
	}
	json_object_set_new(u, "gcs_auto_credentials", json_boolean(automatic));
	for (int i = 0; i < 3; i++) {
		char value[2] = {(char)('0' + i), '\0'};
		json_array_append_new(options,
		                      json_pack("{s:s,s:s,s:b}", "value", value, "label",
		                                labels[i], "selected", provider == i));
	}
	json_object_set_new(vals, "fs_providers", options);
	json_object_set_new(vals, "s3", json_boolean(provider == 1));
	json_object_set_new(vals, "gcs", json_boolean(provider == 2));
	return provider;
}

static void
scrub_string(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		explicit_bzero((char *)json_string_value(v), json_string_length(v));
}

void
userform_scrub(json_t *user)
{
	json_t *fs = json_object_get(user, "filesystem");

	scrub_string(user, "password");
	scrub_string(json_object_get(fs, "s3config"), "access_secret");
	scrub_string(json_object_get(fs, "gcsconfig"), "credentials");
}

const char *
userform_field_of(const char *message)
{
	static const struct {
		const char *needle, *field;
	} words[] = {
	    /* the GCS fields first: their messages name "filesystem" and "GCS" */
	    {"gcsconfig.bucket", "gcs_bucket"},
	    {"gcsconfig.key_prefix", "gcs_key_prefix"},
	    {"gcsconfig.storage_class", "gcs_storage_class"},
	    {"gcsconfig.endpoint", "gcs_endpoint"},
	    {"gcsconfig.credentials", "gcs_credential_file"},
	    {"GCS credentials", "gcs_credential_file"},
	    {"GCS config: invalid credentials", "gcs_credential_file"},
	    {"GCS config: credentials", "gcs_credential_file"},
	    {"gcsconfig.automatic_credentials", "gcs_auto_credentials"},
	    {"home_dir", "home_dir"},
	    {"username", "username"},
	    {"denied IP", "denied_ip"},
	    {"denied_ip", "denied_ip"},
	    {"allowed IP", "allowed_ip"},
	    {"allowed_ip", "allowed_ip"},
	    {"login method", "ssh_login_methods"},
	    {"denied_login_methods", "ssh_login_methods"},
	    {"file extensions", "allowed_extensions"},
	    {"file_extensions", "allowed_extensions"},
	    {"virtual folder", "virtual_folders"},
	    {"mapped folder", "virtual_folders"},
	    {"virtual_folders", "virtual_folders"},
	    {"parse key", "public_keys"},
	    {"public_key", "public_keys"},
	    {"password", "password"},
	    {"permission", "permissions"},
	    {"status", "status"},
	    {"expiration_date", "expiration_date"},
	    {"max_sessions", "max_sessions"},
	    {"quota_size", "quota_size"},
	    {"quota_files", "quota_files"},
	    {"upload_bandwidth", "upload_bandwidth"},
	    {"download_bandwidth", "download_bandwidth"},
	    {"uid", "uid"},
	    {"gid", "gid"},
	    {"s3config", "fs_provider"},
	    {"GCS", "fs_provider"},
	    {"filesystem", "fs_provider"},
	};

	if (message == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(message, words[i].needle) != NULL)
			return words[i].field;
	return NULL;
}

/* ---- table rows ---- */

void
size_si(int64_t bytes, char *out, size_t outlen)
{
	static const char units[] = "KMGTPE";
	int64_t div = 1000;
	int exp = 0;

	if (bytes < 1000) {
		snprintf(out, outlen, "%" PRId64 " B", bytes);
		return;
	}
	for (int64_t n = bytes / 1000; n >= 1000 && exp < 5; n /= 1000) {
		div *= 1000;
		exp++;
	}
	snprintf(out, outlen, "%.1f %cB", (double)bytes / (double)div, units[exp]);
}

static json_int_t
int_of(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static json_t *
permissions_text(const json_t *perms)
{
	struct wbuf w;
	const char *key;
	json_t *list;

	wbuf_init(&w, 0, 1u << 20);
	/* "/" first, then the others as stored */
	for (int pass = 0; pass < 2; pass++)
		json_object_foreach((json_t *)perms, key, list)
		{
			if ((strcmp(key, "/") == 0) != (pass == 0))
				continue;
			if (w.len > 0)
				wbuf_put_bytes(&w, ", ", 2);
			wbuf_put_bytes(&w, "\"", 1);
			wbuf_put_bytes(&w, key, strlen(key));
			wbuf_put_bytes(&w, "\": \"", 4);
			put_joined(&w, list, ", ");
			wbuf_put_bytes(&w, "\"", 1);
		}
	return wbuf_string(&w);
}

static void
bandwidth_part(char *out, size_t outlen, const char *what, json_int_t kbs)
{
	char sz[32];

	if (kbs <= 0) {
		snprintf(out, outlen, "%s: unlimited.", what);
		return;
	}
	size_si((int64_t)kbs * 1000, sz, sizeof(sz));
	snprintf(out, outlen, "%s: %s/s.", what, sz);
}

static json_t *
quota_text(const json_t *u)
{
	char out[160];
	json_int_t files = int_of(u, "quota_files"), size = int_of(u, "quota_size"),
	           used_size = int_of(u, "used_quota_size");
	int n = snprintf(out, sizeof(out), "Files: %" JSON_INTEGER_FORMAT,
	                 int_of(u, "used_quota_files"));

	/* every piece is a number or a short size: 160 bytes always hold them */
	if (files > 0)
		n += snprintf(out + n, sizeof(out) - (size_t)n, "/%" JSON_INTEGER_FORMAT,
		              files);
	if (used_size > 0 || size > 0) {
		char used[32];
		size_si(used_size, used, sizeof(used));
		n += snprintf(out + n, sizeof(out) - (size_t)n, ". Size: %s", used);
		if (size > 0) {
			char limit[32];
			size_si(size, limit, sizeof(limit));
			snprintf(out + n, sizeof(out) - (size_t)n, "/%s", limit);
		}
	}
	return json_string(out);
}

static json_t *
other_parts(const json_t *u)
{
	json_t *parts = json_array(), *filters = json_object_get(u, "filters");
	json_int_t last = int_of(u, "last_login"), provider;
	char part[96];

	if (last > 0) {
		time_t t = (time_t)(last / 1000);
		struct tm tm;
		char when[32];
		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		snprintf(part, sizeof(part), "Last login: %s", when);
		json_array_append_new(parts, json_string(part));
	}
	provider = int_of(json_object_get(u, "filesystem"), "provider");
	if (provider == 1 || provider == 2)
		json_array_append_new(
		    parts, json_string(provider == 1 ? "Storage: S3" : "Storage: GCS"));
	static const struct {
		const char *label, *key;
		int in_filters, count;
	} items[] = {
	    {"Public keys", "public_keys", 0, 1},
	    {"Max sessions", "max_sessions", 0, 0},
	    {"UID", "uid", 0, 0},
	    {"GID", "gid", 0, 0},
	    {"Denied IP/Mask", "denied_ip", 1, 1},
	    {"Allowed IP/Mask", "allowed_ip", 1, 1},
	};
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		const json_t *o =
		    json_object_get(items[i].in_filters ? filters : u, items[i].key);
		json_int_t n = items[i].count ? (json_int_t)json_array_size(o)
		                              : json_integer_value(o);
		if (n <= 0)
			continue;
		snprintf(part, sizeof(part), "%s: %" JSON_INTEGER_FORMAT, items[i].label,
		         n);
		json_array_append_new(parts, json_string(part));
	}
	return parts;
}

json_t *
userform_user_row(const json_t *user)
{
	char down[64], up[64], bw[140];
	int active = int_of(user, "status") == 1;
	json_t *row = json_object();

	bandwidth_part(down, sizeof(down), "Download",
	               int_of(user, "download_bandwidth"));
	bandwidth_part(up, sizeof(up), "Upload", int_of(user, "upload_bandwidth"));
	snprintf(bw, sizeof(bw), "%s %s", down, up);
	json_object_set(row, "id", json_object_get(user, "id"));
	json_object_set(row, "username", json_object_get(user, "username"));
	json_object_set_new(row, "active", json_boolean(active));
	json_object_set_new(row, "status_text",
	                    json_string(active ? "Active" : "Inactive"));
	json_object_set_new(row, "expiration",
	                    date_of_ms(int_of(user, "expiration_date")));
	json_object_set_new(row, "permissions",
	                    permissions_text(json_object_get(user, "permissions")));
	json_object_set_new(row, "bandwidth", json_string(bw));
	json_object_set_new(row, "quota", quota_text(user));
	json_object_set_new(row, "other", other_parts(user));
	return row;
}

/* "MM:SS", or "HH:MM:SS" from one hour on. */
static void
duration_text(int64_t ms, char *out, size_t outlen)
{
	int64_t s = ms > 0 ? ms / 1000 : 0;

	if (s >= 3600)
		snprintf(out, outlen, "%02" PRId64 ":%02" PRId64 ":%02" PRId64, s / 3600,
		         s / 60 % 60, s % 60);
	else
		snprintf(out, outlen, "%02" PRId64 ":%02" PRId64, s / 60, s % 60);
}

static json_t *
transfer_text(const json_t *t, int64_t now_ms)
{
	char head[16], tail[160] = "";
	const char *op = str_of(t, "operation_type");
	json_int_t bytes = int_of(t, "size");
	int64_t ms = now_ms - int_of(t, "start_time");
	struct wbuf w;

	snprintf(head, sizeof(head), "%s \"", strcmp(op, "upload") == 0 ? "UL" : "DL");
	if (bytes > 0) {
		char size[32], speed[32], elapsed[32];
		size_si(bytes, size, sizeof(size));
		duration_text(ms, elapsed, sizeof(elapsed));
		size_si(ms > 0 ? (int64_t)((double)bytes * 1000.0 / (double)ms) : bytes,
		        speed, sizeof(speed));
		snprintf(tail, sizeof(tail),
		         " Size: \"%s\" Elapsed: \"%s\" Speed: \"%s/s\"", size, elapsed,
		         speed);
	}
	/* the path is the client's: any length */
	wbuf_init(&w, 0, 1u << 20);
	wbuf_put_bytes(&w, head, strlen(head));
	wbuf_put_bytes(&w, str_of(t, "path"), strlen(str_of(t, "path")));
	wbuf_put_bytes(&w, "\"", 1);
	wbuf_put_bytes(&w, tail, strlen(tail));
	return wbuf_string(&w);
}

json_t *
userform_connection_row(const json_t *conn, int64_t now_ms)
{
	char dur[32];
	const char *proto = str_of(conn, "protocol");
	json_t *transfers = json_array(), *t, *info;
	size_t i;
	struct wbuf w;

	duration_text(now_ms - int_of(conn, "connection_time"), dur, sizeof(dur));
	wbuf_init(&w, 0, 1u << 20);
	wbuf_put_bytes(&w, proto, strlen(proto));
	wbuf_put_bytes(&w, ". Client: \"", 11);
	wbuf_put_bytes(&w, str_of(conn, "client_version"),
	               strlen(str_of(conn, "client_version")));
	wbuf_put_bytes(&w, "\" From: \"", 9);
	wbuf_put_bytes(&w, str_of(conn, "remote_address"),
	               strlen(str_of(conn, "remote_address")));
	wbuf_put_bytes(&w, "\"", 1);
	if (strcmp(proto, "SSH") == 0) {
		wbuf_put_bytes(&w, ". Command: \"", 12);
		wbuf_put_bytes(&w, str_of(conn, "ssh_command"),
		               strlen(str_of(conn, "ssh_command")));
		wbuf_put_bytes(&w, "\"", 1);
	}
	info = wbuf_string(&w);
	json_array_foreach(json_object_get(conn, "active_transfers"), i, t)
	{
		json_array_append_new(transfers, transfer_text(t, now_ms));
	}
	return json_pack("{s:s,s:s,s:s,s:o,s:o}", "id", str_of(conn, "connection_id"),
	                 "username", str_of(conn, "username"), "duration", dur, "info",
	                 info, "transfers", transfers);
}
