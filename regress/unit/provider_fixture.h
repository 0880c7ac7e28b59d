/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The test user of the provider tests (check_provider_conformance.c,
 * check_provider_sqlite.c, check_provider_kv.c): stored as given, since hashing and
 * validation are account/'s (check_account_store).
 */
#ifndef SFTPGO_REGRESS_PROVIDER_FIXTURE_H
#define SFTPGO_REGRESS_PROVIDER_FIXTURE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/provider.h"

#define BCRYPT "$2a$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK"
#define KEY1                                                                             \
	"ssh-ed25519 "                                                                   \
	"AAAAC3NzaC1lZDI1NTE5AAAAIHfI9KZfbzIgmeEksFVeiBrCR5peIZ0zyudvHGG4bRf5 test"

/* name, BCRYPT, uid/gid 1001, home /srv/sftp/name, "/" all permissions, KEY1 */
static inline void
new_user(struct sftpgo_user *u, const char *name)
{
	char home[600]; /* test names go past 255 bytes */

	user_init(u);
	u->username = strdup(name);
	u->password = strdup(BCRYPT);
	u->uid = 1001;
	u->gid = 1001;
	snprintf(home, sizeof(home), "/srv/sftp/%s", name);
	u->home_dir = strdup(home);
	u->perms = calloc(1, sizeof(*u->perms));
	u->n_perms = 1;
	u->perms[0].path = strdup("/");
	strlist_add(&u->perms[0].perms, "*");
	strlist_add(&u->public_keys, KEY1);
}

/* Adds new_user(name) through p; its id. */
static inline int64_t
fixture_add(struct provider *p, const char *name)
{
	struct sftpgo_user u;
	char e[512];

	new_user(&u, name);
	ck_assert_msg(provider_user_add(p, &u, e, sizeof(e)) == 0, "%s", e);
	int64_t id = u.id;
	user_free(&u);
	return id;
}

#endif
