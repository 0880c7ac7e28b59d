/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/strlist.h"

int
strlist_add(struct strlist *l, const char *s)
{
	char **nv;
	char *c;

	if (l->n >= (size_t)1 << 20)
		return -1;
	c = strdup(s);
	if (c == NULL)
		return -1;
	nv = reallocarray(l->v, l->n + 1, sizeof(*nv));
	if (nv == NULL) {
		free(c);
		return -1;
	}
	l->v = nv;
	l->v[l->n++] = c;
	return 0;
}

int
strlist_contains(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

void
strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
strlist_add_split(struct strlist *l, const char *csv)
{
	char *copy = strdup(csv), *save = NULL;
	int rc = copy != NULL ? 0 : -1;

	for (char *t = copy != NULL ? strtok_r(copy, ",", &save) : NULL;
	     rc == 0 && t != NULL; t = strtok_r(NULL, ",", &save))
		rc = strlist_add(l, t);
	free(copy);
	return rc;
}
