/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sftp/path.h"
#include "sftp/perms.h"

int
perm_table_set(struct perm_table *t, const char *dir, unsigned mask)
{
	char norm[SFTP_PATH_MAX];
	struct perm_entry *nv;
	char *copy;

	if (dir[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	if (vpath_normalize("/", dir, strlen(dir), norm, sizeof(norm)) != 0)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->v[i].dir, norm) == 0) {
			t->v[i].mask = mask;
			return 0;
		}
	}
	if ((copy = strdup(norm)) == NULL)
		return -1;
	nv = realloc(t->v, (t->n + 1) * sizeof(*nv));
	if (nv == NULL) {
		free(copy);
		return -1;
	}
	t->v = nv;
	t->v[t->n].dir = copy;
	t->v[t->n].mask = mask;
	t->n++;
	return 0;
}

void
perm_table_free(struct perm_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].dir);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

static const struct perm_entry *
find_exact(const struct perm_table *t, const char *p, size_t len)
{
	for (size_t i = 0; i < t->n; i++)
		if (strncmp(t->v[i].dir, p, len) == 0 && t->v[i].dir[len] == '\0')
			return &t->v[i];
	return NULL;
}

unsigned
perm_for_path(const struct perm_table *t, const char *vpath)
{
	size_t len = strlen(vpath);

	/* vpath, then each parent: cut at the last '/' each round; "/" last. */
	for (;;) {
		const struct perm_entry *e = find_exact(t, vpath, len == 0 ? 1 : len);
		if (e != NULL)
			return e->mask;
		if (len <= 1)
			return 0;
		while (len > 0 && vpath[len - 1] != '/')
			len--;
		if (len > 1)
			len--; /* drop the separator, unless it is the root */
	}
}

int
perm_has(const struct perm_table *t, const char *vpath, unsigned need)
{
	return (perm_for_path(t, vpath) & need) == need;
}

int
perm_has_parent(const struct perm_table *t, const char *vpath, unsigned need)
{
	char parent[SFTP_PATH_MAX];

	path_parent(vpath, parent, sizeof(parent));
	return perm_has(t, parent, need);
}

int
perm_table_uniform(const struct perm_table *t)
{
	int has_root = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].mask != t->v[0].mask)
			return 0;
		has_root |= strcmp(t->v[i].dir, "/") == 0;
	}
	return t->n == 0 || has_root;
}
