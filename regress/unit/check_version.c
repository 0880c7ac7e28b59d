/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/version.h"
#include "regress/unit/check_main.h"

START_TEST(version_is_package_version)
{
	ck_assert_str_eq(sftpgo_version(), PACKAGE_VERSION);
	ck_assert_int_gt((int)strlen(sftpgo_version()), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("version");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, version_is_package_version);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
