/* SPDX-License-Identifier: BSD-2-Clause */
/* sshcmd/syscmd.c: SFTPGo's rules for git and rsync, and the argv they get. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/strlist.h"
#include "regress/unit/check_main.h"
#include "sftp/filters.h"
#include "sftp/perms.h"
#include "sftp/settings.h"
#include "sshcmd/syscmd.h"

static struct sftp_settings st;
static struct syscmd c;
static char err[256];

static void
setup(void)
{
	ck_assert_int_eq(sftp_settings_init(&st), 0);
}

static void
teardown(void)
{
	sftp_settings_free(&st);
}

/* Builds line; its argv joined by spaces must be want. */
static void
build_ok(const char *line, const char *want)
{
	char got[2048] = "";

	ck_assert_msg(syscmd_build(line, &st, "/home", &c, err, sizeof(err)) == 0,
	              "%s: %s", line, err);
	for (int i = 0; i < c.argc; i++) {
		strlcat(got, i ? " " : "", sizeof(got));
		strlcat(got, c.argv[i], sizeof(got));
	}
	ck_assert_str_eq(got, want);
	ck_assert_ptr_null(c.argv[c.argc]);
	syscmd_free(&c);
}

static void
build_bad(const char *line, const char *why)
{
	ck_assert_int_eq(syscmd_build(line, &st, "/home", &c, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, why) != NULL, "%s: %s", line, err);
	ck_assert_int_eq(c.argc, 0);
}

START_TEST(names)
{
	ck_assert_int_eq(syscmd_is_system("rsync --server . x"), 1);
	ck_assert_int_eq(syscmd_is_system(" git-upload-pack 'r'"), 1);
	ck_assert_int_eq(syscmd_is_system("git-upload-archive"), 1);
	ck_assert_int_eq(syscmd_is_system("git-receive-pack x"), 1);
	ck_assert_int_eq(syscmd_is_system("rsyncx"), 0);
	ck_assert_int_eq(syscmd_is_system("git x"), 0);
	ck_assert_int_eq(syscmd_is_system("scp -t ."), 0);
	build_bad("md5sum x", "not a system command");
}
END_TEST

START_TEST(git)
{
	build_ok("git-upload-pack '/repo.git'", "git-upload-pack /home/repo.git");
	ck_assert_str_eq(c.vpath, "/repo.git");
	build_ok("git-receive-pack 'a/../../../r.git'", "git-receive-pack /home/r.git");
	build_ok("git-upload-archive /", "git-upload-archive /home/");
	build_bad("git-upload-pack", "exactly one repository path");
	build_bad("git-upload-pack a b", "exactly one repository path");
	build_bad("git-upload-pack --upload-pack=id /r", "exactly one repository path");
	build_bad("git-upload-pack /r; id", "shell syntax");
}
END_TEST

START_TEST(rsync_args)
{
	build_ok("rsync --server -vlogDtpre.iLsfxCIvu . /up/",
	         "rsync --safe-links --server -vlogDtpre.iLsfxCIvu . /home/up/");
	build_ok("rsync --server --sender -e.LsfxC . a ../../b",
	         "rsync --safe-links --server --sender -e.LsfxC . /home/a /home/b");
	build_ok("rsync --server --munge-links -e.L . /x",
	         "rsync --server --munge-links -e.L . /home/x");
	build_ok("rsync --server -e.L . ''", "rsync --safe-links --server -e.L . /home/");
	build_bad("rsync -e.L . /x", "only the server side");
	build_bad("rsync --server -e.L /x", "bad command line");
	build_bad("rsync --server -e.L x /y", "bad command line");
	build_bad("rsync --server -e.L .", "bad command line");
	build_bad("rsync --server --rsync-path=sh -e.L . /x",
	          "option not allowed: --rsync-path");
	build_bad("rsync --server --log-file=/home/l . /x", "option not allowed");
	build_bad("rsync --server --daemon . /x", "option not allowed");
	build_bad("rsync --server --no-safe-links . /x", "option not allowed");
	build_bad("rsync --server --write-batch=b . /x", "option not allowed");
	build_bad("rsync --server -M--log-file=x . /x", "option not allowed");
}
END_TEST

START_TEST(rules)
{
	struct strlist exts = {0};

	/* no create_symlinks: links munged */
	perm_table_set(&st.perms, "/", PERM_ALL & ~PERM_CREATE_SYMLINKS);
	build_ok("rsync --server -e.L . /x",
	         "rsync --munge-links --server -e.L . /home/x");
	/* any of the seven missing on the path: refused */
	perm_table_set(&st.perms, "/ro", PERM_LIST | PERM_DOWNLOAD);
	build_bad("git-upload-pack /ro/r.git", "Permission denied");
	build_bad("rsync --server --sender -e.L . /ro", "Permission denied");
	build_ok("git-upload-pack /r.git", "git-upload-pack /home/r.git");
	/* bandwidth limits cannot apply to a program writing the channel */
	st.download_bandwidth = 10;
	build_bad("git-upload-pack /r.git", "not supported yet");
	st.download_bandwidth = 0;
	/* extension filters: rsync always, git at or below the filtered directory */
	ck_assert_int_eq(strlist_add(&exts, ".exe"), 0);
	ck_assert_int_eq(ext_filters_add(&st.file_extensions, "/f", NULL, &exts), 0);
	build_bad("rsync --server -e.L . /x", "file extension filters");
	build_bad("git-upload-pack /f/r.git", "file extension filters");
	build_ok("git-upload-pack /fr.git", "git-upload-pack /home/fr.git");
	strlist_free(&exts);
	ext_filters_free(&st.file_extensions);
	/* virtual folders: rsync always, git at or below one */
	st.folders = calloc(1, sizeof(*st.folders));
	ck_assert_ptr_nonnull(st.folders);
	st.folders[0].vpath = strdup("/vf");
	st.folders[0].fd = -1;
	st.n_folders = 1;
	build_bad("rsync --server -e.L . /x", "virtual folders");
	build_bad("git-upload-pack /vf", "virtual folder");
	build_bad("git-upload-pack /vf/r.git", "virtual folder");
	build_ok("git-upload-pack /vfr.git", "git-upload-pack /home/vfr.git");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sshcmd_syscmd");
	TCase *tc = tcase_create("syscmd");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, names);
	tcase_add_test(tc, git);
	tcase_add_test(tc, rsync_args);
	tcase_add_test(tc, rules);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
