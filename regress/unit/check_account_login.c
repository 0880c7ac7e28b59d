/* SPDX-License-Identifier: BSD-2-Clause */
/* account/login.c: account_can_login, the checks after the credentials matched. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "account/account.h"
#include "regress/unit/check_main.h"

#define NOW 1700000000000LL

/* Built by hand: these tests do not depend on account/user.c. */
static struct sftpgo_user u;
static char err[256];

static void
setup(void)
{
	memset(&u, 0, sizeof(u));
	u.username = strdup("bob");
	ck_assert_ptr_nonnull(u.username);
	u.status = USER_STATUS_ACTIVE;
	memset(err, 'x', sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
}

static void
teardown(void)
{
	free(u.username);
	strlist_free(&u.filters.allowed_ip);
	strlist_free(&u.filters.denied_ip);
	strlist_free(&u.filters.denied_login_methods);
}

static int
can(const char *ip, const char *method)
{
	return account_can_login(&u, ip, method, NOW, err, sizeof(err));
}

START_TEST(active_user_allowed)
{
	ck_assert_int_eq(can("192.0.2.1", "password"), 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(can("2001:db8::1", "publickey"), 0);
	ck_assert_int_eq(can("192.0.2.1", "keyboard-interactive"), 0);
}
END_TEST

START_TEST(disabled_user_refused)
{
	u.status = USER_STATUS_INACTIVE;
	ck_assert_int_eq(can("192.0.2.1", "password"), -1);
	ck_assert_str_eq(err, "user \"bob\" is disabled");
	u.status = -1;
	ck_assert_int_eq(can("192.0.2.1", "publickey"), -1);
	ck_assert_ptr_nonnull(strstr(err, "disabled"));
}
END_TEST

START_TEST(expiration)
{
	u.expiration_date = 0; /* never */
	ck_assert_int_eq(can("192.0.2.1", "password"), 0);
	u.expiration_date = -5; /* not a date: never, like SFTPGo */
	ck_assert_int_eq(can("192.0.2.1", "password"), 0);
	u.expiration_date = NOW + 1;
	ck_assert_int_eq(can("192.0.2.1", "password"), 0);
	u.expiration_date = NOW; /* expires after this millisecond */
	ck_assert_int_eq(can("192.0.2.1", "password"), 0);
	u.expiration_date = NOW - 1;
	ck_assert_int_eq(can("192.0.2.1", "password"), -1);
	ck_assert_str_eq(err,
	                 "user \"bob\" is expired, expiration timestamp: 1699999999999 "
	                 "current timestamp: 1700000000000");
}
END_TEST

START_TEST(ip_filters)
{
	ck_assert_int_eq(strlist_add(&u.filters.allowed_ip, "192.0.2.0/24"), 0);
	ck_assert_int_eq(can("192.0.2.9", "password"), 0);
	ck_assert_int_eq(can("::ffff:192.0.2.9", "password"), 0);
	ck_assert_int_eq(can("198.51.100.1", "password"), -1);
	ck_assert_str_eq(err, "Login for user \"bob\" is not allowed from this address: "
	                      "198.51.100.1");
	ck_assert_int_eq(can("2001:db8::1", "publickey"), -1);
	ck_assert_int_eq(strlist_add(&u.filters.denied_ip, "192.0.2.9/32"), 0);
	ck_assert_int_eq(can("192.0.2.9", "password"), -1);
	ck_assert_ptr_nonnull(strstr(err, "not allowed from this address: 192.0.2.9"));
	ck_assert_int_eq(can("192.0.2.10", "password"), 0);
	ck_assert_int_eq(can("not-an-ip", "password"), -1);
}
END_TEST

START_TEST(denied_login_methods)
{
	ck_assert_int_eq(strlist_add(&u.filters.denied_login_methods, "password"), 0);
	ck_assert_int_eq(
	    strlist_add(&u.filters.denied_login_methods, "keyboard-interactive"), 0);
	ck_assert_int_eq(can("192.0.2.1", "password"), -1);
	ck_assert_str_eq(err,
	                 "Login method \"password\" is not allowed for user \"bob\"");
	ck_assert_int_eq(can("192.0.2.1", "keyboard-interactive"), -1);
	ck_assert_int_eq(can("192.0.2.1", "publickey"), 0);
	/* exact names only */
	ck_assert_int_eq(can("192.0.2.1", "Password"), 0);
}
END_TEST

/* SFTPGo's order: status, expiration, IP filters, login method. */
START_TEST(check_order)
{
	u.status = USER_STATUS_INACTIVE;
	u.expiration_date = 1;
	ck_assert_int_eq(strlist_add(&u.filters.denied_ip, "0.0.0.0/0"), 0);
	ck_assert_int_eq(strlist_add(&u.filters.denied_login_methods, "password"), 0);
	ck_assert_int_eq(can("192.0.2.1", "password"), -1);
	ck_assert_ptr_nonnull(strstr(err, "disabled"));
	u.status = USER_STATUS_ACTIVE;
	ck_assert_int_eq(can("192.0.2.1", "password"), -1);
	ck_assert_ptr_nonnull(strstr(err, "expired"));
	u.expiration_date = 0;
	ck_assert_int_eq(can("192.0.2.1", "password"), -1);
	ck_assert_ptr_nonnull(strstr(err, "address"));
	strlist_free(&u.filters.denied_ip);
	ck_assert_int_eq(can("192.0.2.1", "password"), -1);
	ck_assert_ptr_nonnull(strstr(err, "Login method"));
}
END_TEST

START_TEST(bad_arguments)
{
	char small[8];

	ck_assert_int_eq(
	    account_can_login(NULL, "192.0.2.1", "password", NOW, err, sizeof(err)), -1);
	ck_assert_str_ne(err, "");
	ck_assert_int_eq(account_can_login(&u, NULL, "password", NOW, err, sizeof(err)),
	                 -1);
	ck_assert_int_eq(account_can_login(&u, "192.0.2.1", NULL, NOW, err, sizeof(err)),
	                 -1);
	/* no room for a reason is fine, and a short buffer is truncated, not overrun */
	ck_assert_int_eq(account_can_login(&u, "192.0.2.1", "password", NOW, NULL, 0), 0);
	u.status = USER_STATUS_INACTIVE;
	ck_assert_int_eq(account_can_login(&u, "192.0.2.1", "password", NOW, NULL, 0),
	                 -1);
	ck_assert_int_eq(
	    account_can_login(&u, "192.0.2.1", "password", NOW, small, sizeof(small)),
	    -1);
	ck_assert_str_eq(small, "user \"b");
	/* a user without a name still gets a reason */
	free(u.username);
	u.username = NULL;
	ck_assert_int_eq(can("192.0.2.1", "password"), -1);
	ck_assert_str_eq(err, "user \"\" is disabled");
}
END_TEST

/* An S3 (1) or GCS (2) account stored behind the CLI's back with fields this
 * server cannot serve is not served its local home: refused, naming the reason;
 * provider 0 and no filesystem log in. */
START_TEST(cloud_filesystem_refused)
{
	ck_assert_int_eq(can("192.0.2.1", "password"), 0);
	u.filesystem = json_pack("{s:i}", "provider", 0);
	ck_assert_int_eq(can("192.0.2.1", "password"), 0);
	json_decref(u.filesystem);
	/* S3 is served, but only a complete, valid s3config (account/cloud.c) */
	u.filesystem = json_pack("{s:i}", "provider", 1);
	ck_assert_int_eq(can("192.0.2.1", "password"), -1);
	ck_assert_str_eq(err, "user \"bob\": filesystem.s3config: must be an object");
	json_decref(u.filesystem);
	u.filesystem = json_pack("{s:i}", "provider", 2);
	ck_assert_int_eq(can("192.0.2.1", "publickey"), -1);
	ck_assert_str_eq(err, "user \"bob\": filesystem.gcsconfig: must be an object");
	json_decref(u.filesystem);
	u.filesystem =
	    json_pack("{s:i,s:{s:s}}", "provider", 2, "gcsconfig", "key_prefix", "p/");
	ck_assert_int_eq(can("192.0.2.1", "publickey"), -1);
	ck_assert_str_eq(err, "user \"bob\": filesystem.gcsconfig.bucket: required");
	json_decref(u.filesystem);
	u.filesystem = json_pack("{s:i,s:{s:s,s:s}}", "provider", 2, "gcsconfig",
	                         "bucket", "b", "key_prefix", "../x");
	ck_assert_int_eq(can("192.0.2.1", "publickey"), -1);
	ck_assert_str_eq(err, "user \"bob\": filesystem.gcsconfig.key_prefix: must be "
	                      "relative, without \".\" or \"..\" components");
	json_decref(u.filesystem);
	u.filesystem = json_pack("{s:i,s:{s:s,s:i}}", "provider", 2, "gcsconfig",
	                         "bucket", "b", "automatic_credentials", 1);
	ck_assert_int_eq(can("192.0.2.1", "publickey"), 0);
	json_decref(u.filesystem);
	u.filesystem = json_pack("{s:i}", "provider", 7);
	ck_assert_int_eq(can("192.0.2.1", "password"), -1);
	ck_assert_str_eq(
	    err,
	    "user \"bob\": filesystem.provider: must be 0 (local), 1 (S3) or 2 (GCS)");
	json_decref(u.filesystem);
	u.filesystem = NULL;
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("account_login");
	TCase *tc = tcase_create("can_login");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, active_user_allowed);
	tcase_add_test(tc, disabled_user_refused);
	tcase_add_test(tc, expiration);
	tcase_add_test(tc, ip_filters);
	tcase_add_test(tc, denied_login_methods);
	tcase_add_test(tc, check_order);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, cloud_filesystem_refused);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
