/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SFTPGo's dump file ("backup", ../shared/spec/rest-api-v1.md 9.3): one JSON object
 * {"users":[<user>, ...]}, each user the REST user object with its password hash.
 * Written by dumpdata, read by loaddata and by the memory provider. This is the one
 * decoder of it: size limit, JSON shape, each user through user_from_json (a
 * member left out is Go's zero value, as SFTPGo decodes it: no "status" is 0,
 * disabled), and duplicate usernames refused. It does not validate or hash: callers that
 * store the users run account_prepare_for_store() on each.
 */
#ifndef SFTPGO_ACCOUNT_DUMP_H
#define SFTPGO_ACCOUNT_DUMP_H

#include <stddef.h>

#include "account/user.h"

/* SFTPGo's limit for a dump file (loaddata and the memory provider). */
#define ACCOUNT_DUMP_MAX_SIZE 10485760

struct account_dump {
	struct sftpgo_user *users; /* in file order */
	size_t n;
};

/*
 * Decodes len bytes (at most ACCOUNT_DUMP_MAX_SIZE, not NUL-terminated). null, {}
 * and {"users":null} are an empty dump. Returns 0 with out filled (free it with
 * account_dump_free), or -1 with err naming the user ("user 3 (\"bob\"): ...").
 */
int account_dump_decode(const char *buf, size_t len, struct account_dump *out, char *err,
                        size_t errlen);
/* Reads path (a regular file of 1..ACCOUNT_DUMP_MAX_SIZE bytes) and decodes it. */
int account_dump_load_file(const char *path, struct account_dump *out, char *err,
                           size_t errlen);
void account_dump_free(struct account_dump *d);

#endif
