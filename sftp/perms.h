/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-directory permissions, SFTPGo semantics: keys are virtual directory paths;
 * a path gets the permissions of the first key found walking the path itself, its
 * parent, ..., "/" (no merging). No matching key at all means no permission.
 */
#ifndef SFTPGO_SFTP_PERMS_H
#define SFTPGO_SFTP_PERMS_H

#include <stddef.h>

#include "account/perm.h" /* the bits and their names: one vocabulary */

struct perm_entry {
	char *dir;     /* normalised virtual path */
	unsigned mask; /* PERM_* */
};

struct perm_table {
	struct perm_entry *v;
	size_t n;
};

/* Adds or replaces the entry for dir (normalised here); -1 on bad dir or ENOMEM. */
int perm_table_set(struct perm_table *t, const char *dir, unsigned mask);
void perm_table_free(struct perm_table *t);

/* 1 when every path gets the same permissions (one rule, or equal ones with "/"). */
int perm_table_uniform(const struct perm_table *t);

/* Permissions that apply to the virtual path vpath. */
unsigned perm_for_path(const struct perm_table *t, const char *vpath);

/* 1 when every bit of need is granted at vpath. */
int perm_has(const struct perm_table *t, const char *vpath, unsigned need);

/* Same, checked at the directory that contains vpath ("/" for "/"). */
int perm_has_parent(const struct perm_table *t, const char *vpath, unsigned need);

#endif
