/*
 * Per-directory permissions, SFTPGo semantics: keys are virtual directory paths;
 * a path gets the permissions of the first key found walking the path itself, its
 * parent, ..., "/" (no merging). No matching key at all means no permission.
 */
#ifndef SFTPGO_SFTP_PERMS_H
#define SFTPGO_SFTP_PERMS_H

#include <stddef.h>

enum sftp_perm {
	PERM_LIST = 1u << 0,
	PERM_DOWNLOAD = 1u << 1,
	PERM_UPLOAD = 1u << 2,
	PERM_OVERWRITE = 1u << 3,
	PERM_DELETE = 1u << 4,
	PERM_RENAME = 1u << 5,
	PERM_CREATE_DIRS = 1u << 6,
	PERM_CREATE_SYMLINKS = 1u << 7,
	PERM_CHMOD = 1u << 8,
	PERM_CHOWN = 1u << 9,
	PERM_CHTIMES = 1u << 10,
	PERM_ALL = (1u << 11) - 1,
};

struct perm_entry {
	char *dir;     /* normalised virtual path */
	unsigned mask; /* PERM_* */
};

struct perm_table {
	struct perm_entry *v;
	size_t n;
};

/* "list", "download", ..., "*" -> bit; 0 when unknown. */
unsigned perm_from_name(const char *name);
const char *perm_name(unsigned bit);

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
