/* SPDX-License-Identifier: BSD-2-Clause */
/* web/csrf.c: the web admin's form tokens. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "regress/unit/check_main.h"
#include "web/csrf.h"

static struct csrf key1, key2;
static const time_t T0 = 1765000000;

static void
setup(void)
{
	ck_assert_int_eq(csrf_init(&key1), 0);
	ck_assert_int_eq(csrf_init(&key2), 0);
}

START_TEST(round_trip)
{
	char tok[CSRF_TOKEN_LEN + 1];

	ck_assert_int_eq(csrf_token(&key1, "admin", T0, tok, sizeof(tok)), 0);
	ck_assert_uint_eq(strlen(tok), CSRF_TOKEN_LEN);
	ck_assert_int_eq(csrf_check(&key1, "admin", tok, T0), CSRF_OK);
	ck_assert_int_eq(csrf_check(&key1, "admin", tok, T0 + CSRF_MAX_AGE), CSRF_OK);
	ck_assert_int_eq(csrf_check(&key1, "admin", tok, T0 + CSRF_MAX_AGE + 1),
	                 CSRF_EXPIRED);
	ck_assert_int_eq(csrf_check(&key1, "admin", tok, T0 - 61), CSRF_EXPIRED);
	/* another admin, another process's key */
	ck_assert_int_eq(csrf_check(&key1, "other", tok, T0), CSRF_BAD);
	ck_assert_int_eq(csrf_check(&key1, "", tok, T0), CSRF_BAD);
	ck_assert_int_eq(csrf_check(&key2, "admin", tok, T0), CSRF_BAD);
}
END_TEST

START_TEST(tampering)
{
	char tok[CSRF_TOKEN_LEN + 1], bad[CSRF_TOKEN_LEN + 8];

	ck_assert_int_eq(csrf_token(&key1, "", T0, tok, sizeof(tok)), 0);
	ck_assert_int_eq(csrf_check(&key1, "", tok, T0), CSRF_OK);
	ck_assert_int_eq(csrf_check(&key1, NULL, tok, T0), CSRF_OK);
	for (int i = 0; i < CSRF_TOKEN_LEN; i++) {
		memcpy(bad, tok, sizeof(tok));
		bad[i] = bad[i] == '0' ? '1' : '0';
		ck_assert_int_eq(csrf_check(&key1, "", bad, T0), CSRF_BAD);
	}
	memcpy(bad, tok, sizeof(tok));
	bad[20] = (char)(bad[20] >= 'a' ? bad[20] - 32 : bad[20]); /* upper case */
	if (strcmp(bad, tok) != 0)
		ck_assert_int_eq(csrf_check(&key1, "", bad, T0), CSRF_BAD);
	ck_assert_int_eq(csrf_check(&key1, "", NULL, T0), CSRF_BAD);
	ck_assert_int_eq(csrf_check(&key1, "", "", T0), CSRF_BAD);
	snprintf(bad, sizeof(bad), "%sx", tok);
	ck_assert_int_eq(csrf_check(&key1, "", bad, T0), CSRF_BAD);
	ck_assert_int_eq(csrf_token(&key1, "", T0, bad, CSRF_TOKEN_LEN), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("csrf");
	TCase *tc = tcase_create("tokens");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, tampering);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
