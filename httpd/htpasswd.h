/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * HTTP basic authentication of sftpgo-httpd (REST API spec section 11.1): the
 * htpasswd text the monitor reads from httpd.auth_user_file, and the
 * Authorization header. Accepted hashes: bcrypt ($2a$ $2b$ $2y$, htpasswd -B),
 * md5crypt ($1$) and Apache's apr1 ($apr1$, htpasswd -m), verified by auth/;
 * any other form never matches. Pure functions (fuzzed, unit-tested).
 */
#ifndef SFTPGO_HTTPD_HTPASSWD_H
#define SFTPGO_HTTPD_HTPASSWD_H

#include <stddef.h>

struct htpasswd {
	char **user, **hash;
	size_t n;
	int valid; /* 0: every check fails (file missing or unparsable) */
};

/*
 * Parses htpasswd text: "user:hash" lines, '#' comments, blank lines skipped,
 * leading blanks of a field trimmed. A line with another number of ':' fields
 * makes the whole file invalid (SFTPGo's CSV reader). Returns 0, or -1 when out of
 * memory; out->valid says whether the text parsed.
 */
int htpasswd_parse(const char *text, size_t len, struct htpasswd *out);
void htpasswd_free(struct htpasswd *h);
/* 1 when user is listed with a hash of an accepted form that password matches. */
int htpasswd_check(const struct htpasswd *h, const char *user, const char *password);
/*
 * The credentials of an "Authorization: Basic base64(user:password)" header (scheme
 * matched case-insensitively; the user ends at the first ':'). 0, or -1 when the
 * header is absent or malformed. Both buffers are NUL-terminated.
 */
int basic_credentials(const char *header, char *user, size_t userlen, char *password,
                      size_t passlen);

#endif
