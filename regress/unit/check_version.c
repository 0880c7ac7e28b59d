#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/version.h"

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
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
