/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * user_validate: the semantic rules an account must satisfy before it is stored.
 * Kept apart from the codec (user.c) because it needs cidr_parse and
 * auth_pubkey_valid: a program that only decodes users does not pull in auth/.
 *
 * Rules (documented in sftpgo-user(8)):
 * - username: 1..255 bytes of [A-Za-z0-9._@-] and '_', not starting with '-' or '.';
 * - home_dir: absolute, at most 255 bytes, no "." / ".." / empty components, not "/";
 * - uid and gid: 0..2147483647. 0 is SFTPGo 0.9.6's default ("do not change ids"):
 *   under root such an account is served as sftpd.uid0_service_account, never as
 *   root (the monitor maps it; see sftpgo.json(5));
 * - permissions: "/" present, every path absolute, known names ("*" may be mixed);
 * - filters: CIDRs parse, denied_login_methods are known methods, file_extensions
 *   as SFTPGo (absolute clean paths, one per path, not both lists empty);
 * - a password or at least one public key; every key parses;
 * - status 0/1, limits and counters not negative, filesystem provider 0 (local);
 * - virtual_folders: account/folders.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/cloud.h"
#include "account/cidr.h"
#include "account/folders.h"
#include "account/user.h"
#include "auth/auth.h"
#include "common/errf.h"
#include "common/vpath.h"

#define HOME_DIR_MAX 255
#define PASSWORD_MAX 1024

static int
validate_username(const char *name, char *err, size_t errlen)
{
	size_t n = name != NULL ? strlen(name) : 0;

	if (n == 0)
		return errf(err, errlen, "username: must not be empty");
	if (n > 255)
		return errf(err, errlen, "username: longer than 255 characters");
	if (name[0] == '-' || name[0] == '.')
		return errf(err, errlen,
		            "username: \"%s\" must not start with '-' or '.'", name);
	if (strspn(
	        name,
	        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-_") !=
	    n)
		return errf(
		    err, errlen,
		    "username: \"%s\" may only contain letters, digits and . _ @ -",
		    name);
	return 0;
}

static int
validate_home(const char *home, char *err, size_t errlen)
{
	if (home == NULL || home[0] == '\0')
		return errf(err, errlen, "home_dir: must not be empty");
	if (home[0] != '/')
		return errf(err, errlen, "home_dir: \"%s\" must be an absolute path",
		            home);
	if (strlen(home) > HOME_DIR_MAX)
		return errf(err, errlen, "home_dir: longer than %d bytes", HOME_DIR_MAX);
	if (strcmp(home, "/") == 0)
		return errf(err, errlen, "home_dir: \"/\" cannot be a home directory");
	/* Every component must be a real name: the path is used as is for chroot. */
	for (const char *p = home + 1;;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return errf(err, errlen,
			            "home_dir: \"%s\" must be a clean path (no \"//\", "
			            "\".\", \"..\" "
			            "or trailing \"/\")",
			            home);
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	return 0;
}

static int
validate_ids(const struct sftpgo_user *u, char *err, size_t errlen)
{
	if (u->uid < 0 || u->uid > 2147483647LL)
		return errf(err, errlen, "uid: %lld is out of range [0, 2147483647]",
		            (long long)u->uid);
	if (u->gid < 0 || u->gid > 2147483647LL)
		return errf(err, errlen, "gid: %lld is out of range [0, 2147483647]",
		            (long long)u->gid);
	return 0;
}

/* Names and paths are checked by re-decoding through the codec, the one place for them.
 */
static int
validate_perms(const struct sftpgo_user *u, char *err, size_t errlen)
{
	struct sftpgo_user tmp;
	int rc;
	int have_root = 0;

	if (u->n_perms == 0)
		return errf(err, errlen, "permissions: missing; \"/\" is required");
	for (size_t i = 0; i < u->n_perms; i++) {
		if (u->perms[i].path == NULL || u->perms[i].perms.n == 0)
			return errf(err, errlen,
			            "permissions: every path needs a non-empty list");
		if (strcmp(u->perms[i].path, "/") == 0)
			have_root = 1;
	}
	json_t *j = user_perms_to_json(u);
	if (j == NULL)
		return errf(err, errlen, "permissions: out of memory");
	user_init(&tmp);
	rc = user_perms_from_json(j, &tmp, err, errlen);
	if (rc == 0 && tmp.n_perms != u->n_perms)
		rc = errf(err, errlen, "permissions: a path is given twice");
	/* Cleaning must not change a path (the decoded map is sorted: search it). */
	for (size_t i = 0; rc == 0 && i < u->n_perms; i++) {
		size_t k = 0;
		while (k < tmp.n_perms &&
		       strcmp(tmp.perms[k].path, u->perms[i].path) != 0)
			k++;
		if (k == tmp.n_perms)
			rc = errf(err, errlen,
			          "permissions: \"%s\" is not a clean absolute path",
			          u->perms[i].path);
	}
	user_free(&tmp);
	json_decref(j);
	if (rc == 0 && !have_root)
		rc = errf(err, errlen, "permissions: \"/\" is required");
	return rc;
}

static int
is_string_list(const json_t *v)
{
	size_t i;
	json_t *p;
	int ok = v == NULL || json_is_null(v) || json_is_array(v);

	json_array_foreach(v, i, p) ok = ok && json_is_string(p);
	return ok;
}

/* The path of filter i once its shape is right, else NULL with err set. */
static const char *
ext_filter_path(const json_t *f, size_t i, char *err, size_t errlen)
{
	const json_t *p = json_object_get(f, "path");

	if (!json_is_object(f) || !json_is_string(p) ||
	    !is_string_list(json_object_get(f, "allowed_extensions")) ||
	    !is_string_list(json_object_get(f, "denied_extensions"))) {
		errf(err, errlen,
		     "file_extensions: entry %zu must be {\"path\": string, "
		     "\"allowed_extensions\": [strings], \"denied_extensions\": "
		     "[strings]}",
		     i + 1);
		return NULL;
	}
	return json_string_value(p);
}

/*
 * SFTPGo's rules and messages (REST API spec 4.5 #15): an absolute clean path, one
 * filter per path, at least one list non-empty; extensions are stored as given.
 */
static int
validate_file_extensions(const json_t *list, char *err, size_t errlen)
{
	char norm[4096];

	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *f = json_array_get(list, i);
		const char *path = ext_filter_path(f, i, err, errlen);
		if (path == NULL)
			return -1;
		if (path[0] != '/' ||
		    vpath_normalize("/", path, strlen(path), norm, sizeof(norm)) != 0 ||
		    strcmp(norm, path) != 0)
			return errf(err, errlen,
			            "invalid path \"%s\" for file extensions filter",
			            path);
		for (size_t k = 0; k < i; k++)
			if (strcmp(json_string_value(
			               json_object_get(json_array_get(list, k), "path")),
			           path) == 0)
				return errf(err, errlen,
				            "duplicate file extensions filter for path "
				            "\"%s\"",
				            path);
		if (json_array_size(json_object_get(f, "allowed_extensions")) == 0 &&
		    json_array_size(json_object_get(f, "denied_extensions")) == 0)
			return errf(err, errlen,
			            "empty file extensions filter for path \"%s\"", path);
	}
	return 0;
}

static int
validate_filters(const struct user_filters *f, char *err, size_t errlen)
{
	struct cidr c;
	static const char *const methods[] = {"publickey", "password",
	                                      "keyboard-interactive"};

	for (size_t i = 0; i < f->allowed_ip.n; i++)
		if (cidr_parse(f->allowed_ip.v[i], &c) != 0)
			return errf(err, errlen, "allowed_ip: \"%s\" is not a valid CIDR",
			            f->allowed_ip.v[i]);
	for (size_t i = 0; i < f->denied_ip.n; i++)
		if (cidr_parse(f->denied_ip.v[i], &c) != 0)
			return errf(err, errlen, "denied_ip: \"%s\" is not a valid CIDR",
			            f->denied_ip.v[i]);
	for (size_t i = 0; i < f->denied_login_methods.n; i++) {
		size_t k = 0;
		while (k < 3 && strcmp(methods[k], f->denied_login_methods.v[i]) != 0)
			k++;
		if (k == 3)
			return errf(
			    err, errlen,
			    "denied_login_methods: unknown method \"%s\" (publickey, "
			    "password, keyboard-interactive)",
			    f->denied_login_methods.v[i]);
	}
	return validate_file_extensions(f->file_extensions, err, errlen);
}

static int
validate_credentials(const struct sftpgo_user *u, char *err, size_t errlen)
{
	int has_password = u->password != NULL && u->password[0] != '\0';

	if (!has_password && u->public_keys.n == 0)
		return errf(err, errlen,
		            "password: a password or at least one public key is "
		            "required");
	if (has_password && strlen(u->password) > PASSWORD_MAX)
		return errf(err, errlen, "password: longer than %d bytes", PASSWORD_MAX);
	for (size_t i = 0; i < u->public_keys.n; i++)
		if (!auth_pubkey_valid(u->public_keys.v[i]))
			return errf(err, errlen,
			            "public_keys: key %zu is not a valid public key",
			            i + 1);
	return 0;
}

static int
validate_numbers(const struct sftpgo_user *u, char *err, size_t errlen)
{
	if (u->status != USER_STATUS_ACTIVE && u->status != USER_STATUS_INACTIVE)
		return errf(err, errlen, "status: must be 0 (inactive) or 1 (active)");
	if (u->expiration_date < 0)
		return errf(err, errlen, "expiration_date: must not be negative");
	if (u->max_sessions < 0 || u->max_sessions > INT32_MAX)
		return errf(err, errlen, "max_sessions: out of range [0, %d]", INT32_MAX);
	if (u->quota_size < 0)
		return errf(err, errlen, "quota_size: must not be negative");
	if (u->quota_files < 0 || u->quota_files > INT32_MAX)
		return errf(err, errlen, "quota_files: out of range [0, %d]", INT32_MAX);
	if (u->upload_bandwidth < 0 || u->upload_bandwidth > INT32_MAX)
		return errf(err, errlen, "upload_bandwidth: out of range [0, %d]",
		            INT32_MAX);
	if (u->download_bandwidth < 0 || u->download_bandwidth > INT32_MAX)
		return errf(err, errlen, "download_bandwidth: out of range [0, %d]",
		            INT32_MAX);
	return 0;
}

int
user_validate(const struct sftpgo_user *u, char *err, size_t errlen)
{
	if (validate_username(u->username, err, errlen) != 0 ||
	    validate_home(u->home_dir, err, errlen) != 0 ||
	    validate_ids(u, err, errlen) != 0 || validate_perms(u, err, errlen) != 0 ||
	    validate_filters(&u->filters, err, errlen) != 0 ||
	    validate_credentials(u, err, errlen) != 0 ||
	    validate_numbers(u, err, errlen) != 0 ||
	    cloud_validate(u->filesystem, err, errlen) != 0 ||
	    user_folders_check(u, NULL, err, errlen) != 0)
		return -1;
	return 0;
}
