/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SFTPGo user account: lifetime and JSON codec (SFTPGo 0.9.6 field names).
 * Semantic checks that need other modules (CIDR, public keys) live in
 * user_validate.c so that programs which only decode users need not link auth.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/perm.h"
#include "account/user.h"
#include "common/errf.h"
#include "common/strlist_json.h"
#include "common/vpath.h"

#define USER_MAX_STR 4096
#define USER_MAX_KEY_LEN 16384
#define USER_MAX_LIST 1000
#define USER_MAX_PERM_PATHS 1000
#define UID_MAX_VALUE 2147483647LL

void
user_init(struct sftpgo_user *u)
{
	memset(u, 0, sizeof(*u));
	u->status = USER_STATUS_ACTIVE;
}

static void
perms_free(struct sftpgo_user *u)
{
	for (size_t i = 0; i < u->n_perms; i++) {
		free(u->perms[i].path);
		strlist_free(&u->perms[i].perms);
	}
	free(u->perms);
	u->perms = NULL;
	u->n_perms = 0;
}

void
user_free(struct sftpgo_user *u)
{
	if (u == NULL)
		return;
	free(u->username);
	if (u->password != NULL) {
		explicit_bzero(u->password, strlen(u->password));
		free(u->password);
	}
	strlist_free(&u->public_keys);
	free(u->home_dir);
	perms_free(u);
	strlist_free(&u->filters.allowed_ip);
	strlist_free(&u->filters.denied_ip);
	strlist_free(&u->filters.denied_login_methods);
	json_decref(u->filters.file_extensions);
	json_decref(u->filesystem);
	json_decref(u->virtual_folders);
	user_init(u);
}

/* Adds one normalised path with its names; rejects a path given twice. */
static int
perm_add(struct user_perm **v, size_t *n, const char *key, const json_t *names, char *err,
         size_t errlen)
{
	char path[USER_MAX_STR];
	size_t i;
	const json_t *name;

	/* Go's path.Clean, as SFTPGo does for the keys; the engine cleans request
	 * paths with the same function. Keys must be absolute. */
	if (key[0] != '/' ||
	    vpath_normalize("/", key, strlen(key), path, sizeof(path)) != 0)
		return errf(err, errlen, "permissions: \"%s\" is not an absolute path",
		            key);
	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].path, path) == 0)
			return errf(err, errlen, "permissions: \"%s\" given twice", path);
	if (!json_is_array(names) || json_array_size(names) == 0)
		return errf(err, errlen, "permissions: \"%s\" must be a non-empty list",
		            key);
	struct user_perm *nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (nv == NULL)
		return errf(err, errlen, "permissions: out of memory");
	*v = nv;
	struct user_perm *p = &nv[*n];
	memset(p, 0, sizeof(*p));
	p->path = strdup(path);
	if (p->path == NULL)
		return errf(err, errlen, "permissions: out of memory");
	(*n)++;
	json_array_foreach(names, i, name)
	{
		const char *s = json_string_value(name);
		if (s == NULL)
			return errf(err, errlen,
			            "permissions: \"%s\": names must be strings", key);
		if (perm_from_name(s) == 0)
			return errf(err, errlen,
			            "permissions: \"%s\": unknown permission \"%s\"", key,
			            s);
		if (!strlist_contains(&p->perms, s) && strlist_add(&p->perms, s) != 0)
			return errf(err, errlen, "permissions: out of memory");
	}
	return 0;
}

static int
perm_cmp(const void *a, const void *b)
{
	return strcmp(((const struct user_perm *)a)->path,
	              ((const struct user_perm *)b)->path);
}

int
user_perms_from_json(const json_t *j, struct sftpgo_user *u, char *err, size_t errlen)
{
	struct sftpgo_user tmp;
	const char *key;
	const json_t *val;

	if (!json_is_object(j))
		return errf(err, errlen, "permissions: must be an object");
	if (json_object_size(j) > USER_MAX_PERM_PATHS)
		return errf(err, errlen, "permissions: more than %d paths",
		            USER_MAX_PERM_PATHS);
	user_init(&tmp);
	/* json_object_foreach wants a non-const object; it does not modify it. */
	json_object_foreach((json_t *)j, key, val)
	{
		if (perm_add(&tmp.perms, &tmp.n_perms, key, val, err, errlen) != 0) {
			user_free(&tmp);
			return -1;
		}
	}
	/* Sorted by path, as Go's encoding/json writes SFTPGo's map. */
	if (tmp.n_perms > 1)
		qsort(tmp.perms, tmp.n_perms, sizeof(*tmp.perms), perm_cmp);
	perms_free(u);
	u->perms = tmp.perms;
	u->n_perms = tmp.n_perms;
	return 0;
}

json_t *
user_perms_to_json(const struct sftpgo_user *u)
{
	json_t *o = json_object();

	for (size_t i = 0; o != NULL && i < u->n_perms; i++) {
		if (json_object_set_new(o, u->perms[i].path,
		                        strlist_to_json(&u->perms[i].perms)) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static int
set_int(json_t *o, const char *key, int64_t v)
{
	return json_object_set_new(o, key, json_integer((json_int_t)v));
}

static json_t *
filters_to_json(const struct user_filters *f)
{
	json_t *o = json_object();
	int rc = 0;

	if (o == NULL)
		return NULL;
	/* SFTPGo marks every filter omitempty. */
	if (f->allowed_ip.n > 0)
		rc |=
		    json_object_set_new(o, "allowed_ip", strlist_to_json(&f->allowed_ip));
	if (f->denied_ip.n > 0)
		rc |= json_object_set_new(o, "denied_ip", strlist_to_json(&f->denied_ip));
	if (f->denied_login_methods.n > 0)
		rc |= json_object_set_new(o, "denied_login_methods",
		                          strlist_to_json(&f->denied_login_methods));
	if (f->file_extensions != NULL && json_array_size(f->file_extensions) > 0)
		rc |= json_object_set(o, "file_extensions", f->file_extensions);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
user_to_json(const struct sftpgo_user *u, int with_password)
{
	json_t *o = json_object();
	int rc = 0;

	if (o == NULL)
		return NULL;
	rc |= set_int(o, "id", u->id);
	rc |= set_int(o, "status", u->status);
	rc |= json_object_set_new(o, "username",
	                          json_string(u->username ? u->username : ""));
	rc |= set_int(o, "expiration_date", u->expiration_date);
	if (with_password && u->password != NULL && u->password[0] != '\0')
		rc |= json_object_set_new(o, "password", json_string(u->password));
	rc |= json_object_set_new(o, "public_keys", strlist_to_json(&u->public_keys));
	rc |= json_object_set_new(o, "home_dir",
	                          json_string(u->home_dir ? u->home_dir : ""));
	rc |= set_int(o, "uid", u->uid);
	rc |= set_int(o, "gid", u->gid);
	rc |= set_int(o, "max_sessions", u->max_sessions);
	rc |= set_int(o, "quota_size", u->quota_size);
	rc |= set_int(o, "quota_files", u->quota_files);
	rc |= json_object_set_new(o, "permissions", user_perms_to_json(u));
	rc |= set_int(o, "used_quota_size", u->used_quota_size);
	rc |= set_int(o, "used_quota_files", u->used_quota_files);
	rc |= set_int(o, "last_quota_update", u->last_quota_update);
	rc |= set_int(o, "upload_bandwidth", u->upload_bandwidth);
	rc |= set_int(o, "download_bandwidth", u->download_bandwidth);
	rc |= set_int(o, "last_login", u->last_login);
	rc |= json_object_set_new(o, "filters", filters_to_json(&u->filters));
	if (u->filesystem != NULL)
		rc |= json_object_set(o, "filesystem", u->filesystem);
	else
		rc |= json_object_set_new(o, "filesystem",
		                          json_pack("{s:i}", "provider", 0));
	if (u->virtual_folders != NULL && json_array_size(u->virtual_folders) > 0)
		rc |= json_object_set(o, "virtual_folders", u->virtual_folders);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Absent or null keys leave the current value, so decoding onto a stored user merges. */
static const json_t *
present(const json_t *j, const char *key)
{
	const json_t *v = json_object_get(j, key);

	return json_is_null(v) ? NULL : v;
}

static int
get_int(const json_t *j, const char *key, int64_t min, int64_t max, int64_t *out,
        char *err, size_t errlen)
{
	const json_t *v = present(j, key);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return errf(err, errlen, "%s: must be an integer", key);
	json_int_t x = json_integer_value(v);
	if (x < min || x > max)
		return errf(err, errlen, "%s: %lld is out of range [%lld, %lld]", key,
		            (long long)x, (long long)min, (long long)max);
	*out = (int64_t)x;
	return 0;
}

static int
get_str(const json_t *j, const char *key, size_t maxlen, char **out, char *err,
        size_t errlen)
{
	const json_t *v = present(j, key);

	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return errf(err, errlen, "%s: must be a string", key);
	size_t n = json_string_length(v);
	const char *s = json_string_value(v);
	if (n > maxlen)
		return errf(err, errlen, "%s: longer than %zu bytes", key, maxlen);
	if (strlen(s) != n)
		return errf(err, errlen, "%s: contains a NUL byte", key);
	char *c = strdup(s);
	if (c == NULL)
		return errf(err, errlen, "%s: out of memory", key);
	if (*out != NULL)
		explicit_bzero(*out, strlen(*out)); /* may be a password */
	free(*out);
	*out = c;
	return 0;
}

/* A list of strings; replaces *out. name is the field name used in messages. */
static int
get_list(const json_t *v, const char *name, size_t maxlen, struct strlist *out, char *err,
         size_t errlen)
{
	struct strlist l = {0};
	size_t i;
	const json_t *e;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return errf(err, errlen, "%s: must be a list of strings", name);
	if (json_array_size(v) > USER_MAX_LIST)
		return errf(err, errlen, "%s: more than %d entries", name, USER_MAX_LIST);
	json_array_foreach(v, i, e)
	{
		const char *s = json_string_value(e);
		if (s == NULL || strlen(s) != json_string_length(e) ||
		    json_string_length(e) > maxlen) {
			strlist_free(&l);
			return errf(err, errlen,
			            "%s: entry %zu must be a string of at most %zu bytes",
			            name, i, maxlen);
		}
		if (strlist_add(&l, s) != 0) {
			strlist_free(&l);
			return errf(err, errlen, "%s: out of memory", name);
		}
	}
	strlist_free(out);
	*out = l;
	return 0;
}

/*
 * SFTPGo stores each extension filter's path cleaned ("/dir/" as "/dir"); what is
 * not an absolute path is left for user_validate to refuse, naming it.
 */
static void
clean_filter_paths(json_t *list)
{
	size_t i;
	json_t *f;
	char norm[4096];

	json_array_foreach(list, i, f)
	{
		json_t *p = json_object_get(f, "path");
		const char *s = json_string_value(p);
		if (s != NULL && s[0] == '/' &&
		    vpath_normalize("/", s, json_string_length(p), norm, sizeof(norm)) ==
		        0)
			json_string_set(p, norm);
	}
}

static int
filters_from_json(const json_t *f, struct user_filters *out, char *err, size_t errlen)
{
	if (f == NULL)
		return 0;
	if (!json_is_object(f))
		return errf(err, errlen, "filters: must be an object");
	if (get_list(json_object_get(f, "allowed_ip"), "filters.allowed_ip", 64,
	             &out->allowed_ip, err, errlen) != 0 ||
	    get_list(json_object_get(f, "denied_ip"), "filters.denied_ip", 64,
	             &out->denied_ip, err, errlen) != 0 ||
	    get_list(json_object_get(f, "denied_login_methods"),
	             "filters.denied_login_methods", 64, &out->denied_login_methods, err,
	             errlen) != 0)
		return -1;
	const json_t *fe = present(f, "file_extensions");
	if (fe != NULL) {
		if (!json_is_array(fe))
			return errf(err, errlen,
			            "filters.file_extensions: must be a list");
		json_decref(out->file_extensions);
		out->file_extensions = json_deep_copy(fe);
		if (out->file_extensions == NULL)
			return errf(err, errlen, "filters: out of memory");
		clean_filter_paths(out->file_extensions);
	}
	return 0;
}

static int
filesystem_from_json(const json_t *fs, struct sftpgo_user *u, char *err, size_t errlen)
{
	int64_t prov = 0;

	if (fs == NULL)
		return 0;
	if (!json_is_object(fs))
		return errf(err, errlen, "filesystem: must be an object");
	if (get_int(fs, "provider", 0, 2, &prov, err, errlen) != 0)
		return errf(err, errlen,
		            "filesystem.provider: must be 0 (local), 1 (S3) or 2 (GCS)");
	json_decref(u->filesystem);
	u->filesystem = json_deep_copy(fs);
	return 0;
}

int
user_from_json(const json_t *j, struct sftpgo_user *u, char *err, size_t errlen)
{
	const json_t *v;

	if (!json_is_object(j))
		return errf(err, errlen, "user: must be a JSON object");
	if (get_int(j, "id", 0, INT64_MAX, &u->id, err, errlen) != 0 ||
	    get_int(j, "status", 0, 1, &u->status, err, errlen) != 0 ||
	    get_str(j, "username", 255, &u->username, err, errlen) != 0 ||
	    get_int(j, "expiration_date", 0, INT64_MAX, &u->expiration_date, err,
	            errlen) != 0 ||
	    get_str(j, "password", 1024, &u->password, err, errlen) != 0 ||
	    get_list(present(j, "public_keys"), "public_keys", USER_MAX_KEY_LEN,
	             &u->public_keys, err, errlen) != 0 ||
	    get_str(j, "home_dir", USER_MAX_STR - 1, &u->home_dir, err, errlen) != 0 ||
	    get_int(j, "uid", 0, UID_MAX_VALUE, &u->uid, err, errlen) != 0 ||
	    get_int(j, "gid", 0, UID_MAX_VALUE, &u->gid, err, errlen) != 0 ||
	    get_int(j, "max_sessions", 0, INT32_MAX, &u->max_sessions, err, errlen) !=
	        0 ||
	    get_int(j, "quota_size", 0, INT64_MAX, &u->quota_size, err, errlen) != 0 ||
	    get_int(j, "quota_files", 0, INT32_MAX, &u->quota_files, err, errlen) != 0)
		return -1;
	v = present(j, "permissions");
	if (v != NULL && user_perms_from_json(v, u, err, errlen) != 0)
		return -1;
	/* Usage counters are maintained with deltas and may drift below zero: any value.
	 */
	if (get_int(j, "used_quota_size", INT64_MIN, INT64_MAX, &u->used_quota_size, err,
	            errlen) != 0 ||
	    get_int(j, "used_quota_files", INT64_MIN, INT64_MAX, &u->used_quota_files,
	            err, errlen) != 0 ||
	    get_int(j, "last_quota_update", 0, INT64_MAX, &u->last_quota_update, err,
	            errlen) != 0 ||
	    get_int(j, "upload_bandwidth", 0, INT32_MAX, &u->upload_bandwidth, err,
	            errlen) != 0 ||
	    get_int(j, "download_bandwidth", 0, INT32_MAX, &u->download_bandwidth, err,
	            errlen) != 0 ||
	    get_int(j, "last_login", 0, INT64_MAX, &u->last_login, err, errlen) != 0 ||
	    filters_from_json(present(j, "filters"), &u->filters, err, errlen) != 0 ||
	    filesystem_from_json(present(j, "filesystem"), u, err, errlen) != 0)
		return -1;
	v = present(j, "virtual_folders");
	if (v != NULL) {
		if (!json_is_array(v))
			return errf(err, errlen, "virtual_folders: must be a list");
		json_decref(u->virtual_folders);
		u->virtual_folders = json_deep_copy(v);
	}
	return 0;
}
