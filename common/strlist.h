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
int strlist_contains(const struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

#endif
