/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Virtual folders of an account (SFTPGo's user.virtual_folders): a list of
 * {"virtual_path": "/vdir", "mapped_path": "/srv/data"}. The rules are SFTPGo
 * 0.9.6's (sftpgo-user(8) "Virtual folders"): both paths cleaned lexically and
 * absolute, virtual_path not "/", mapped_path neither the home dir nor inside it
 * nor containing it, no two mapped paths and no two virtual paths nested.
 */
#ifndef SFTPGO_ACCOUNT_FOLDERS_H
#define SFTPGO_ACCOUNT_FOLDERS_H

#include <stddef.h>
#include <jansson.h>

#include "account/user.h"

/* More folders than a worker takes (one descriptor each) are refused at store. */
#define USER_FOLDERS_MAX 64

/*
 * Checks u->virtual_folders against u->home_dir (which must already be valid).
 * On success, when cleaned is not NULL, *cleaned is a new array of the same
 * folders with cleaned paths (NULL when there are none). 0 or -1 with err set to
 * SFTPGo's text, prefixed with "virtual_folders: ".
 */
int user_folders_check(const struct sftpgo_user *u, json_t **cleaned, char *err,
                       size_t errlen);

/*
 * For storing: the list of a cloud account (filesystem provider 1 or 2) is
 * emptied silently, as SFTPGo does; otherwise it is checked and replaced by its
 * cleaned form. 0 or -1 with err set.
 */
int user_folders_normalize(struct sftpgo_user *u, char *err, size_t errlen);

#endif
