/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/vpath.h"
#include "sftp/filters.h"
#include "sftp/path.h"

static int
copy_list(struct strlist *dst, const struct strlist *src)
{
	for (size_t i = 0; src != NULL && i < src->n; i++)
		if (strlist_add(dst, src->v[i]) != 0)
			return -1;
	return 0;
}

static const struct ext_filter *
find_dir(const struct ext_filters *t, const char *p, size_t len)
{
	for (size_t i = 0; i < t->n; i++)
		if (strncmp(t->v[i].dir, p, len) == 0 && t->v[i].dir[len] == '\0')
			return &t->v[i];
	return NULL;
}

int
ext_filters_add(struct ext_filters *t, const char *dir, const struct strlist *allowed,
                const struct strlist *denied)
{
	char norm[SFTP_PATH_MAX];
	struct ext_filter *nv, *f;

	if (dir[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	if (vpath_normalize("/", dir, strlen(dir), norm, sizeof(norm)) != 0)
		return -1;
	if (find_dir(t, norm, strlen(norm)) != NULL) {
		errno = EEXIST;
		return -1;
	}
	nv = realloc(t->v, (t->n + 1) * sizeof(*nv));
	if (nv == NULL)
		return -1;
	t->v = nv;
	f = &t->v[t->n];
	memset(f, 0, sizeof(*f));
	t->n++;
	if ((f->dir = strdup(norm)) == NULL || copy_list(&f->allowed, allowed) != 0 ||
	    copy_list(&f->denied, denied) != 0) {
		errno = ENOMEM;
		return -1; /* the entry is complete enough for ext_filters_free */
	}
	return 0;
}

void
ext_filters_free(struct ext_filters *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].dir);
		strlist_free(&t->v[i].allowed);
		strlist_free(&t->v[i].denied);
	}
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

/* The filter of the nearest configured directory above vpath, NULL if none. */
static const struct ext_filter *
nearest(const struct ext_filters *t, const char *vpath)
{
	size_t len = strlen(vpath);

	while (len > 1) {
		while (len > 0 && vpath[len - 1] != '/')
			len--; /* the directory part, with its trailing '/' */
		if (len > 1)
			len--; /* "/a/b/" -> "/a/b"; "/" stays */
		const struct ext_filter *f = find_dir(t, vpath, len);
		if (f != NULL)
			return f;
	}
	return find_dir(t, "/", 1);
}

static int
ends_with_any(const char *p, size_t plen, const struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		size_t n = strlen(l->v[i]);
		if (n <= plen && strncasecmp(p + plen - n, l->v[i], n) == 0)
			return 1;
	}
	return 0;
}

int
ext_filters_allow(const struct ext_filters *t, const char *vpath)
{
	const struct ext_filter *f = t->n > 0 ? nearest(t, vpath) : NULL;
	size_t plen = strlen(vpath);

	if (f == NULL)
		return 1;
	if (ends_with_any(vpath, plen, &f->denied))
		return 0;
	return ends_with_any(vpath, plen, &f->allowed) || f->allowed.n == 0;
}
