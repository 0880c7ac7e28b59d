/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SFTPGo permission vocabulary, one representation: a bit per permission and
 * one name table ("list", ..., "chtimes", and "*" for all of them). The user model
 * validates the names of its JSON permissions map through it; the worker checks
 * the bits. Names and bits are SFTPGo 0.9's (compat-facts.md "Users").
 */
#ifndef SFTPGO_ACCOUNT_PERM_H
#define SFTPGO_ACCOUNT_PERM_H

enum account_perm {
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

/* "list", "download", ..., "*" (PERM_ALL) -> bits; 0 when unknown or NULL. */
unsigned perm_from_name(const char *name);
/* One bit (or PERM_ALL) -> its name; "?" for anything else. */
const char *perm_name(unsigned bit);

#endif
