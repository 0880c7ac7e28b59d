/* SPDX-License-Identifier: BSD-2-Clause */
/* The main() tail shared by every Check test program. */
#ifndef SFTPGO_CHECK_MAIN_H
#define SFTPGO_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

/* Runs the suite (CK_NORMAL; the runner's CK_TAP_LOG_FILE_NAME adds TAP) and
 * frees it: EXIT_SUCCESS when every test passed, EXIT_FAILURE otherwise. */
static inline int
check_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
