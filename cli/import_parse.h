/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Line parsers of the user files `sftpgo user import` reads (cli/import.c): the
 * system's passwd and shadow files, Pure-FTPd's pureftpd.passwd and ProFTPD's
 * AuthUserFile. Pure: no allocation, no I/O. A line is split in place and the
 * record's strings point into it. Every refusal says why, in a form fit to print
 * after "line N: ".
 */
#ifndef SFTPGO_CLI_IMPORT_PARSE_H
#define SFTPGO_CLI_IMPORT_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define IMPORT_LINE_MAX 4096 /* bytes, line ending excluded */
#define IMPORT_NAME_MAX 255
#define IMPORT_HOME_MAX 255
#define IMPORT_HASH_MAX 1024
#define IMPORT_ID_MAX 2147483647LL

enum import_format { IMPORT_UNIX_PASSWD, IMPORT_PURE_FTPD, IMPORT_PROFTPD };

/* One account. Numbers not given in the file are 0 (unlimited / none). */
struct import_record {
	const char *name, *hash, *home;
	int64_t uid, gid;
	int hash_in_shadow; /* passwd's "x": the hash is in the shadow file */
	/* Pure-FTPd only */
	int64_t upload_bw, download_bw; /* KB/s (the file holds bytes/s) */
	int64_t max_sessions, quota_files, quota_size;
	const char *allowed_ip, *denied_ip; /* the file's comma lists, or "" */
};

/* One shadow(5) entry; a day count left empty is -1. */
struct import_shadow {
	const char *name, *hash;
	int64_t lastchg, max, inact, expire;
};

enum import_verdict { IMPORT_OK = 0, IMPORT_IGNORE = 1, IMPORT_REFUSED = -1 };

/*
 * Checks and splits one line of format f (len bytes, no line ending; the caller
 * refuses longer lines). IMPORT_IGNORE for a blank line or a '#' comment,
 * IMPORT_REFUSED with the reason in why: not UTF-8, a control character, the wrong
 * number of fields, an empty or over-long name, an id that is not a decimal in
 * [0, 2147483647], a relative or over-long home, a Pure-FTPd setting that has no
 * equivalent here (ratios, server-side IP filters, time restrictions).
 */
enum import_verdict import_parse_line(enum import_format f, char *line, size_t len,
                                      struct import_record *r, char *why, size_t whylen);
/* The same for one shadow line. */
enum import_verdict import_parse_shadow(char *line, size_t len, struct import_shadow *s,
                                        char *why, size_t whylen);
/*
 * What shadow(5) says of the account on day `today` (days since the epoch): active
 * is 0 when the password expired more than `inact` days ago; expiration_ms is the
 * account expiration date in SFTPGo's unit (ms since the epoch), 0 for none.
 */
void import_shadow_status(const struct import_shadow *s, int64_t today, int *active,
                          int64_t *expiration_ms);
/*
 * Why a password field cannot be imported as a hash, before the hash itself is
 * checked (auth_password_hash_problem): empty, locked ('!', '*'), NIS/LDAP
 * placeholders. NULL when it may be a hash.
 */
const char *import_password_locked(const char *hash);

#endif
