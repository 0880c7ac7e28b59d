/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SFTPGo's extension-filter flag values, "/dir::.ext1,.ext2", as `sftpgo user
 * add/update` and `sftpgo portable` take them (--allowed-extensions,
 * --denied-extensions), into a filters.file_extensions list. Values for the same
 * cleaned directory merge into one entry. Malformed values are refused, where
 * SFTPGo's CLI silently dropped them; a relative directory is kept as given for
 * the user's validation to refuse, naming it.
 */
#ifndef SFTPGO_ACCOUNT_EXTFILTER_H
#define SFTPGO_ACCOUNT_EXTFILTER_H

#include <jansson.h>
#include <stddef.h>

/* 0; 1 with err for a bad value; -1 out of memory. denied: which list. */
int extfilter_add(json_t *list, const char *value, int denied, char *err, size_t errlen);
/* Drops the empty lists of each entry, as SFTPGo omits them. */
void extfilter_finish(json_t *list);

#endif
