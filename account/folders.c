/* SPDX-License-Identifier: BSD-2-Clause */
/* Virtual folder validation (account/folders.h), SFTPGo 0.9.6's rules and texts. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "account/folders.h"
#include "common/errf.h"
#include "common/vpath.h"

#define FOLDER_PATH_MAX 4096

/* Go's path.Clean for an absolute path; -1 when p is not absolute or too long. */
static int
clean_abs(const char *p, char *out, size_t outsz)
{
	if (p == NULL || p[0] != '/')
		return -1;
	return vpath_normalize("/", p, strlen(p), out, outsz);
}

/* a equals b, or one lies below the other (a "/" boundary, not a prefix match). */
static int
nested(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b), n = na < nb ? na : nb;

	if (strncmp(a, b, n) != 0)
		return 0;
	if (na == nb)
		return 1;
	/* "/" contains everything; else the longer must continue with '/' */
	return n == 1 || (na > nb ? a[n] : b[n]) == '/';
}

struct folder {
	char v[FOLDER_PATH_MAX], m[FOLDER_PATH_MAX];
};

/* One entry: cleaned into f, checked alone and against the home. */
static int
check_one(const json_t *e, const char *home, struct folder *f, char *err, size_t errlen)
{
	const char *vp = json_string_value(json_object_get(e, "virtual_path"));
	const char *mp = json_string_value(json_object_get(e, "mapped_path"));

	if (!json_is_object(e))
		return errf(err, errlen,
		            "virtual_folders: every entry must be an object with "
		            "virtual_path and mapped_path");
	if (clean_abs(vp, f->v, sizeof(f->v)) != 0 || strcmp(f->v, "/") == 0)
		return errf(err, errlen, "virtual_folders: invalid virtual folder \"%s\"",
		            vp != NULL ? vp : "");
	if (clean_abs(mp, f->m, sizeof(f->m)) != 0)
		return errf(err, errlen, "virtual_folders: invalid mapped folder \"%s\"",
		            mp != NULL ? mp : "");
	if (nested(f->m, home))
		return errf(err, errlen,
		            "virtual_folders: invalid mapped folder \"%s\" cannot be "
		            "inside or contain the user home dir \"%s\"",
		            f->m, home);
	return 0;
}

static int
check_overlaps(const struct folder *f, const struct folder *earlier, size_t n, char *err,
               size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		if (nested(f->m, earlier[i].m))
			return errf(err, errlen,
			            "virtual_folders: invalid mapped folder \"%s\" "
			            "overlaps with mapped folder \"%s\"",
			            f->m, earlier[i].m);
		if (nested(f->v, earlier[i].v))
			return errf(err, errlen,
			            "virtual_folders: invalid virtual folder \"%s\" "
			            "overlaps with virtual folder \"%s\"",
			            f->v, earlier[i].v);
	}
	return 0;
}

int
user_folders_check(const struct sftpgo_user *u, json_t **cleaned, char *err,
                   size_t errlen)
{
	const json_t *list = u->virtual_folders;
	size_t n = json_array_size(list);
	struct folder *f;
	json_t *out = NULL;
	int rc = 0;

	if (cleaned != NULL)
		*cleaned = NULL;
	if (list == NULL || n == 0)
		return 0;
	if (n > USER_FOLDERS_MAX)
		return errf(err, errlen, "virtual_folders: at most %d folders",
		            USER_FOLDERS_MAX);
	if ((f = calloc(n, sizeof(*f))) == NULL)
		return errf(err, errlen, "virtual_folders: out of memory");
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = check_one(json_array_get(list, i), u->home_dir, &f[i], err,
		               errlen) != 0 ||
		     check_overlaps(&f[i], f, i, err, errlen) != 0;
	if (rc != 0 || cleaned == NULL) {
		free(f);
		return rc != 0 ? -1 : 0;
	}
	out = json_array();
	for (size_t i = 0; out != NULL && i < n; i++)
		if (json_array_append_new(out,
		                          json_pack("{s:s,s:s}", "virtual_path", f[i].v,
		                                    "mapped_path", f[i].m)) != 0) {
			json_decref(out);
			out = NULL;
		}
	free(f);
	if (out == NULL)
		return errf(err, errlen, "virtual_folders: out of memory");
	*cleaned = out;
	return 0;
}

static int
cloud_account(const struct sftpgo_user *u)
{
	const json_t *p = json_object_get(u->filesystem, "provider");

	return json_is_integer(p) &&
	       (json_integer_value(p) == 1 || json_integer_value(p) == 2);
}

int
user_folders_normalize(struct sftpgo_user *u, char *err, size_t errlen)
{
	json_t *cleaned = NULL;

	if (cloud_account(u)) {
		json_decref(u->virtual_folders);
		u->virtual_folders = NULL;
		return 0;
	}
	if (user_folders_check(u, &cleaned, err, errlen) != 0)
		return -1;
	json_decref(u->virtual_folders);
	u->virtual_folders = cleaned;
	return 0;
}
