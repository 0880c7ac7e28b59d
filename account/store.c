/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * account_prepare_for_store: the storing policy (base dir, validation, password
 * hashing) in one place, so every provider driver only stores what it is given and
 * every writer of accounts applies the same rules.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/account.h"
#include "account/cloud.h"
#include "account/folders.h"
#include "auth/auth.h"
#include "common/errf.h"

#define HASH_MAX 512

static int
apply_base_dir(struct sftpgo_user *u, const char *base, char *err, size_t errlen)
{
	if ((u->home_dir != NULL && u->home_dir[0] != '\0') || base == NULL ||
	    base[0] != '/' || u->username == NULL)
		return 0;
	size_t bl = strlen(base);
	const char *sep = base[bl - 1] == '/' ? "" : "/";
	char *home = NULL;
	if (asprintf(&home, "%s%s%s", base, sep, u->username) < 0)
		return errf(err, errlen, "out of memory");
	free(u->home_dir);
	u->home_dir = home;
	return 0;
}

/* A plain password becomes a hash; a known hash is stored as is. */
static int
hash_password(struct sftpgo_user *u, char *err, size_t errlen)
{
	char hash[HASH_MAX];

	if (u->password == NULL || u->password[0] == '\0' ||
	    auth_password_is_hashed(u->password))
		return 0;
	if (auth_password_hash(u->password, hash, sizeof(hash)) != 0)
		return errf(err, errlen, "password: hashing failed");
	char *h = strdup(hash);
	explicit_bzero(hash, sizeof(hash));
	if (h == NULL)
		return errf(err, errlen, "out of memory");
	explicit_bzero(u->password, strlen(u->password));
	free(u->password);
	u->password = h;
	return 0;
}

int
account_prepare_for_store(struct sftpgo_user *u, const char *users_base_dir, char *err,
                          size_t errlen)
{
	if (apply_base_dir(u, users_base_dir, err, errlen) != 0 ||
	    user_validate(u, err, errlen) != 0 ||
	    user_folders_normalize(u, err, errlen) != 0 ||
	    (u->filesystem != NULL &&
	     cloud_prepare_for_store(u->filesystem, u->username, err, errlen) != 0) ||
	    hash_password(u, err, errlen) != 0)
		return -1;
	return 0;
}
