/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-directory file extension filters, SFTPGo's filters.file_extensions: the
 * filter of the nearest configured directory (the file's directory, then its
 * parent, ..., "/") applies, with no merging. A denied suffix refuses the file; else
 * an allowed suffix admits it; else it is admitted only when the allowed list is
 * empty. Suffixes are compared on the whole path (".tar.gz" works, "jpg" matches
 * "/xjpg") and case-insensitively on both sides (SFTPGo 0.9.6 lowercased only the
 * path, so upper-case entries never matched: fixed, behaviour spec section 17 #1).
 */
#ifndef SFTPGO_SFTP_FILTERS_H
#define SFTPGO_SFTP_FILTERS_H

#include <stddef.h>

#include "common/strlist.h"

struct ext_filter {
	char *dir; /* normalised virtual directory */
	struct strlist allowed, denied;
};

struct ext_filters {
	struct ext_filter *v;
	size_t n;
};

/*
 * Adds the filter of dir (absolute, normalised here); the lists are copied. -1 with
 * errno EINVAL for a relative dir, EEXIST for a dir given twice, or ENOMEM.
 */
int ext_filters_add(struct ext_filters *t, const char *dir, const struct strlist *allowed,
                    const struct strlist *denied);
void ext_filters_free(struct ext_filters *t);

/* 1 when the file at the (normalised) virtual path vpath passes its filter. */
int ext_filters_allow(const struct ext_filters *t, const char *vpath);

#endif
