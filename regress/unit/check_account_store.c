/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * account/store.c: account_prepare_for_store, the storing policy the providers no
 * longer apply themselves: users_base_dir on add, validation, password hashing.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/account.h"
#include "account/folders.h"
#include "auth/auth.h"
#include "regress/unit/check_main.h"

#define BCRYPT "$2a$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK"
#define KEY1                                                                             \
	"ssh-ed25519 "                                                                   \
	"AAAAC3NzaC1lZDI1NTE5AAAAIHfI9KZfbzIgmeEksFVeiBrCR5peIZ0zyudvHGG4bRf5 test"

static struct sftpgo_user u;
static char err[512];

/* A valid account with a pre-hashed password, so only the hashing tests pay argon2id. */
static void
setup(void)
{
	user_init(&u);
	u.username = strdup("alice");
	u.password = strdup(BCRYPT);
	u.uid = 1001;
	u.gid = 1001;
	u.home_dir = strdup("/srv/sftp/alice");
	u.perms = calloc(1, sizeof(*u.perms));
	u.n_perms = 1;
	u.perms[0].path = strdup("/");
	strlist_add(&u.perms[0].perms, "*");
	strlist_add(&u.public_keys, KEY1);
	err[0] = '\0';
}

static void
teardown(void)
{
	user_free(&u);
}

static void
set_password(const char *p)
{
	free(u.password);
	u.password = p != NULL ? strdup(p) : NULL;
}

static void
set_home(const char *h)
{
	free(u.home_dir);
	u.home_dir = h != NULL ? strdup(h) : NULL;
}

START_TEST(plain_password_is_hashed)
{
	set_password("plain secret");
	ck_assert_msg(account_prepare_for_store(&u, NULL, err, sizeof(err)) == 0, "%s",
	              err);
	ck_assert_int_eq(strncmp(u.password, "$argon2id$", 10), 0);
	ck_assert_int_eq(auth_password_verify(u.password, "plain secret"), 1);
	ck_assert_int_eq(auth_password_verify(u.password, "other"), 0);
	/* preparing again (an update of a stored user) keeps the hash */
	char *first = strdup(u.password);
	ck_assert_int_eq(account_prepare_for_store(&u, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(u.password, first);
	free(first);
}
END_TEST

START_TEST(known_hash_kept_as_is)
{
	ck_assert_msg(account_prepare_for_store(&u, NULL, err, sizeof(err)) == 0, "%s",
	              err);
	ck_assert_str_eq(u.password, BCRYPT);
}
END_TEST

START_TEST(key_only_account_has_no_password)
{
	set_password(NULL);
	ck_assert_msg(account_prepare_for_store(&u, NULL, err, sizeof(err)) == 0, "%s",
	              err);
	ck_assert_ptr_null(u.password);
}
END_TEST

START_TEST(base_dir_applied_without_home)
{
	static const struct {
		const char *base, *home;
	} cases[] = {
	    {"/srv/base/", "/srv/base/alice"},
	    {"/srv/base", "/srv/base/alice"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set_home(NULL);
		ck_assert_msg(
		    account_prepare_for_store(&u, cases[i].base, err, sizeof(err)) == 0,
		    "%s", err);
		ck_assert_str_eq(u.home_dir, cases[i].home);
	}
	/* an explicit home wins */
	set_home("/srv/sftp/alice");
	ck_assert_int_eq(account_prepare_for_store(&u, "/srv/base", err, sizeof(err)), 0);
	ck_assert_str_eq(u.home_dir, "/srv/sftp/alice");
}
END_TEST

START_TEST(no_usable_base_dir_means_home_required)
{
	const char *bases[] = {NULL, "", "relative/base"};

	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		set_home(NULL);
		ck_assert_int_eq(
		    account_prepare_for_store(&u, bases[i], err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "home_dir"));
	}
}
END_TEST

START_TEST(invalid_refused_before_hashing)
{
	set_password("plain secret");
	u.uid = -1;
	ck_assert_int_eq(account_prepare_for_store(&u, NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "uid"));
	ck_assert_str_eq(u.password, "plain secret"); /* nothing hashed in vain */
	u.uid = 1001;
	strlist_add(&u.perms[0].perms, "teleport");
	ck_assert_int_eq(account_prepare_for_store(&u, NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "teleport"));
}
END_TEST

/* Sets u.virtual_folders from JSON text; prepares; 0 or -1 with err. */
static int
store_folders(const char *json)
{
	json_decref(u.virtual_folders);
	u.virtual_folders = json_loads(json, 0, NULL);
	ck_assert_ptr_nonnull(u.virtual_folders);
	return account_prepare_for_store(&u, NULL, err, sizeof(err));
}

#define VF(v, m) "{\"virtual_path\":\"" v "\",\"mapped_path\":\"" m "\"}"

START_TEST(folders_stored_cleaned)
{
	ck_assert_msg(
	    store_folders("[" VF("/vdir/../v1//", "/srv/data/./d1/") "," VF(
	        "/vdir1", "/srv/data/d12") "," VF("/vdir12/sub", "/srv/d") "]") == 0,
	    "%s", err);
	ck_assert_int_eq(json_array_size(u.virtual_folders), 3);
	json_t *f = json_array_get(u.virtual_folders, 0);
	ck_assert_str_eq(json_string_value(json_object_get(f, "virtual_path")), "/v1");
	ck_assert_str_eq(json_string_value(json_object_get(f, "mapped_path")),
	                 "/srv/data/d1");
	/* an empty list is stored as none */
	ck_assert_int_eq(store_folders("[]"), 0);
	ck_assert_ptr_null(u.virtual_folders);
}
END_TEST

START_TEST(folders_refused_with_sftpgo_texts)
{
	static const struct {
		const char *json, *err;
	} cases[] = {
	    {"[" VF("/", "/srv/d") "]", "virtual_folders: invalid virtual folder \"/\""},
	    {"[" VF("/a/..", "/srv/d") "]",
	     "virtual_folders: invalid virtual folder \"/a/..\""},
	    {"[" VF("vdir", "/srv/d") "]",
	     "virtual_folders: invalid virtual folder \"vdir\""},
	    {"[" VF("", "/srv/d") "]", "virtual_folders: invalid virtual folder \"\""},
	    {"[{\"mapped_path\":\"/srv/d\"}]",
	     "virtual_folders: invalid virtual folder \"\""},
	    {"[" VF("/v", "srv/d") "]",
	     "virtual_folders: invalid mapped folder \"srv/d\""},
	    {"[" VF("/v", "") "]", "virtual_folders: invalid mapped folder \"\""},
	    {"[" VF("/v", "/srv/sftp/alice") "]",
	     "virtual_folders: invalid mapped folder \"/srv/sftp/alice\" cannot be "
	     "inside or contain the user home dir \"/srv/sftp/alice\""},
	    {"[" VF("/v", "/srv/sftp/alice/sub/") "]",
	     "virtual_folders: invalid mapped folder \"/srv/sftp/alice/sub\" cannot be "
	     "inside or contain the user home dir \"/srv/sftp/alice\""},
	    {"[" VF("/v", "/srv") "]",
	     "virtual_folders: invalid mapped folder \"/srv\" cannot be inside or "
	     "contain the user home dir \"/srv/sftp/alice\""},
	    {"[" VF("/v", "/") "]",
	     "virtual_folders: invalid mapped folder \"/\" cannot be inside or "
	     "contain the user home dir \"/srv/sftp/alice\""},
	    {"[" VF("/v1", "/srv/d") "," VF("/v2", "/srv/d/sub") "]",
	     "virtual_folders: invalid mapped folder \"/srv/d/sub\" overlaps with "
	     "mapped folder \"/srv/d\""},
	    {"[" VF("/v1", "/srv/d/sub") "," VF("/v2", "/srv/d/") "]",
	     "virtual_folders: invalid mapped folder \"/srv/d\" overlaps with mapped "
	     "folder \"/srv/d/sub\""},
	    {"[" VF("/v1", "/srv/d1") "," VF("/v1/sub", "/srv/d2") "]",
	     "virtual_folders: invalid virtual folder \"/v1/sub\" overlaps with "
	     "virtual folder \"/v1\""},
	    {"[" VF("/v1", "/srv/d1") "," VF("/v1/", "/srv/d2") "]",
	     "virtual_folders: invalid virtual folder \"/v1\" overlaps with virtual "
	     "folder \"/v1\""},
	    {"[\"/v::/srv/d\"]",
	     "virtual_folders: every entry must be an object with virtual_path and "
	     "mapped_path"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(store_folders(cases[i].json) == -1, "accepted %s",
		              cases[i].json);
		ck_assert_str_eq(err, cases[i].err);
	}
}
END_TEST

START_TEST(folders_at_most_the_cap)
{
	char json[USER_FOLDERS_MAX * 80 + 16], *p = json;
	size_t left = sizeof(json);

	for (int i = 0; i <= USER_FOLDERS_MAX; i++) {
		int n =
		    snprintf(p, left, "%s" VF("/v%d", "/srv/d%d"), i ? "," : "[", i, i);
		p += n;
		left -= (size_t)n;
	}
	snprintf(p, left, "]");
	ck_assert_int_eq(store_folders(json), -1);
	ck_assert_str_eq(err, "virtual_folders: at most 64 folders");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("account_store");
	TCase *tc = tcase_create("prepare_for_store");

	tcase_set_timeout(tc, 60); /* argon2id hashing under sanitizers */
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, plain_password_is_hashed);
	tcase_add_test(tc, known_hash_kept_as_is);
	tcase_add_test(tc, key_only_account_has_no_password);
	tcase_add_test(tc, base_dir_applied_without_home);
	tcase_add_test(tc, no_usable_base_dir_means_home_required);
	tcase_add_test(tc, invalid_refused_before_hashing);
	tcase_add_test(tc, folders_stored_cleaned);
	tcase_add_test(tc, folders_refused_with_sftpgo_texts);
	tcase_add_test(tc, folders_at_most_the_cap);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
