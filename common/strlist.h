/* SPDX-License-Identifier: BSD-2-Clause */
/* A growable list of owned C strings (config lists, public keys, IP filters). */
#ifndef SFTPGO_COMMON_STRLIST_H
#define SFTPGO_COMMON_STRLIST_H

#include <stddef.h>

struct strlist {
	char **v;
	size_t n;
};

int strlist_add(struct strlist *l, const char *s);
/* Adds each non-empty item of a comma-separated list (a CLI's "a,b,c"). 0 or -1. */
int strlist_add_split(struct strlist *l, const char *csv);
int strlist_contains(const struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

#endif
