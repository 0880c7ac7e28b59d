/* SPDX-License-Identifier: BSD-2-Clause */
/* file_extensions filters: SFTPGo's matching rules and their use by the engine. */
#include "config.h"

#include <errno.h>
#include <sys/stat.h>

#include "check_sftp_util.h"
#include "sftp/filters.h"

static struct strlist
list_of(const char *a, const char *b)
{
	struct strlist l = {0};

	if (a != NULL)
		ck_assert_int_eq(strlist_add(&l, a), 0);
	if (b != NULL)
		ck_assert_int_eq(strlist_add(&l, b), 0);
	return l;
}

static void
add(struct ext_filters *t, const char *dir, const char *al, const char *de)
{
	struct strlist a = list_of(al, NULL), d = list_of(de, NULL);

	ck_assert_int_eq(ext_filters_add(t, dir, &a, &d), 0);
	strlist_free(&a);
	strlist_free(&d);
}

START_TEST(no_filter_allows_everything)
{
	struct ext_filters t = {0};

	ck_assert(ext_filters_allow(&t, "/evil.exe"));
	add(&t, "/sub", NULL, ".exe");
	ck_assert(ext_filters_allow(&t, "/evil.exe")); /* "/" has no filter */
	ck_assert(!ext_filters_allow(&t, "/sub/evil.exe"));
	ext_filters_free(&t);
}
END_TEST

START_TEST(denied_then_allowed)
{
	struct ext_filters t = {0};
	struct strlist a = list_of(".jpg", ".png"), d = list_of(".exe", NULL);

	ck_assert_int_eq(ext_filters_add(&t, "/", &a, &d), 0);
	ck_assert(ext_filters_allow(&t, "/a.jpg"));
	ck_assert(ext_filters_allow(&t, "/d/e/a.png"));
	ck_assert(!ext_filters_allow(&t, "/a.exe"));
	ck_assert(!ext_filters_allow(&t, "/a.txt")); /* not in a non-empty allowed list */
	/* a plain suffix on the whole path, no dot boundary (kept from SFTPGo) */
	ck_assert(ext_filters_allow(&t, "/xjpg.jpg"));
	ext_filters_free(&t);
	strlist_free(&a);
	a = list_of("jpg", NULL);
	ck_assert_int_eq(ext_filters_add(&t, "/", &a, NULL), 0);
	ck_assert(ext_filters_allow(&t, "/xjpg"));
	strlist_free(&a);
	strlist_free(&d);
	ext_filters_free(&t);
	/* denied wins over allowed */
	add(&t, "/", ".gz", ".tar.gz");
	ck_assert(ext_filters_allow(&t, "/a.gz"));
	ck_assert(!ext_filters_allow(&t, "/a.tar.gz"));
	ext_filters_free(&t);
}
END_TEST

START_TEST(case_insensitive_both_sides)
{
	struct ext_filters t = {0};

	add(&t, "/", ".JPG", ".Exe");
	ck_assert(!ext_filters_allow(&t, "/EVIL.EXE"));
	ck_assert(!ext_filters_allow(&t, "/evil.exe"));
	ck_assert(ext_filters_allow(&t, "/p.jpg"));
	ck_assert(ext_filters_allow(&t, "/P.Jpg"));
	ext_filters_free(&t);
}
END_TEST

START_TEST(nearest_directory_wins)
{
	struct ext_filters t = {0};

	add(&t, "/", NULL, ".exe");
	add(&t, "/bin/", ".exe", NULL); /* normalised to /bin */
	add(&t, "/bin/deep", NULL, ".sh");
	ck_assert(!ext_filters_allow(&t, "/a.exe"));
	ck_assert(!ext_filters_allow(&t, "/other/a.exe"));
	ck_assert(ext_filters_allow(&t, "/bin/a.exe"));  /* no merging with "/" */
	ck_assert(!ext_filters_allow(&t, "/bin/a.txt")); /* allowed list only */
	ck_assert(ext_filters_allow(&t, "/bin/x/y/a.exe"));
	ck_assert(ext_filters_allow(&t, "/bin/deep/a.exe"));
	ck_assert(!ext_filters_allow(&t, "/bin/deep/a.sh"));
	/* a string prefix is not a parent */
	ck_assert(!ext_filters_allow(&t, "/binary/a.exe"));
	/* the directory itself is judged by its parent's filter */
	ck_assert(!ext_filters_allow(&t, "/bin.exe"));
	ext_filters_free(&t);
}
END_TEST

START_TEST(bad_entries)
{
	struct ext_filters t = {0};
	struct strlist d = list_of(".exe", NULL);

	errno = 0;
	ck_assert_int_eq(ext_filters_add(&t, "rel", NULL, &d), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(ext_filters_add(&t, "/a", NULL, &d), 0);
	ck_assert_int_eq(ext_filters_add(&t, "/a/", NULL, &d), -1);
	ck_assert_int_eq(errno, EEXIST);
	strlist_free(&d);
	ext_filters_free(&t);
}
END_TEST

START_TEST(settings_json)
{
	struct sftp_settings st;
	char err[256];
	const char *good =
	    "{\"file_extensions\": [{\"path\": \"/\", \"denied_extensions\":"
	    " [\".exe\"]}, {\"path\": \"/in\", \"allowed_extensions\": "
	    "[\".txt\"]}]}";
	const char *bad[] = {
	    "{\"file_extensions\": {}}",
	    "{\"file_extensions\": [{\"path\": \"rel\", \"denied_extensions\": "
	    "[\"a\"]}]}",
	    "{\"file_extensions\": [{\"denied_extensions\": [\"a\"]}]}",
	    "{\"file_extensions\": [{\"path\": \"/\", \"denied_extensions\": [1]}]}",
	    "{\"file_extensions\": [{\"path\": \"/\", \"allowed_extensions\": \".a\"}]}",
	    "{\"file_extensions\": [{\"path\": \"/a\"}, {\"path\": \"/a/\"}]}",
	    "{\"file_extensions\": [1]}",
	};

	ck_assert_int_eq(sftp_settings_init(&st), 0);
	ck_assert_int_eq(worker_settings_parse(&st, good, strlen(good), err, sizeof(err)),
	                 0);
	ck_assert_uint_eq(st.file_extensions.n, 2);
	ck_assert(!ext_filters_allow(&st.file_extensions, "/a.exe"));
	ck_assert(!ext_filters_allow(&st.file_extensions, "/in/a.exe"));
	ck_assert(ext_filters_allow(&st.file_extensions, "/in/a.txt"));
	sftp_settings_free(&st);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sftp_settings_init(&st);
		ck_assert_msg(worker_settings_parse(&st, bad[i], strlen(bad[i]), err,
		                                    sizeof(err)) != 0,
		              "accepted %s", bad[i]);
		sftp_settings_free(&st);
	}
}
END_TEST

#define FILTERS_JSON                                                                     \
	"{\"file_extensions\": [{\"path\": \"/\", \"denied_extensions\": [\".exe\"]},"   \
	" {\"path\": \"/bin\", \"allowed_extensions\": [\".exe\"]}]}"

START_TEST(engine_refuses_and_changes_nothing)
{
	struct tsrv t;
	char cmd[512];

	tsrv_open(&t, FILTERS_JSON);
	snprintf(cmd, sizeof(cmd), "mkdir '%s/bin' && ln -s evil.exe '%s/alias.txt'",
	         t.root, t.root);
	ck_assert_int_eq(system(cmd), 0);
	tsrv_mkfile(&t, "evil.exe", "x");
	tsrv_mkfile(&t, "ok.txt", "x");
	tsrv_mkfile(&t, "bin/tool.exe", "x");
	/* upload (create), download, through a symlink's other name */
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_REMOVE, "/evil.exe"),
	                 SSH_FX_PERMISSION_DENIED);
	ck_assert(tsrv_exists(&t, "evil.exe"));
	tsrv_begin(&t, SSH_FXP_OPEN);
	wbuf_put_cstring(&t.pkt, "/new.EXE");
	wbuf_put_u32(&t.pkt, SSH_FXF_WRITE | SSH_FXF_CREAT);
	wbuf_put_u32(&t.pkt, 0);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_PERMISSION_DENIED);
	ck_assert(!tsrv_exists(&t, "new.EXE"));
	tsrv_begin(&t, SSH_FXP_OPEN);
	wbuf_put_cstring(&t.pkt, "/alias.txt");
	wbuf_put_u32(&t.pkt, SSH_FXF_READ);
	wbuf_put_u32(&t.pkt, 0);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_PERMISSION_DENIED);
	/* the subdirectory's own filter */
	(void)tsrv_open_handle(&t, "/bin/tool.exe", SSH_FXF_READ);
	(void)tsrv_open_handle(&t, "/ok.txt", SSH_FXF_READ);
	/* rename: target, then source */
	ck_assert_int_eq(
	    tsrv_two_path_req(&t, SSH_FXP_RENAME, NULL, "/ok.txt", "/ok.exe"),
	    SSH_FX_PERMISSION_DENIED);
	ck_assert(tsrv_exists(&t, "ok.txt") && !tsrv_exists(&t, "ok.exe"));
	ck_assert_int_eq(
	    tsrv_two_path_req(&t, SSH_FXP_RENAME, NULL, "/evil.exe", "/evil.txt"),
	    SSH_FX_PERMISSION_DENIED);
	ck_assert(tsrv_exists(&t, "evil.exe"));
	/* directories are renamed freely (SFTPGo) */
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_RENAME, NULL, "/bin", "/bin.exe"),
	                 SSH_FX_OK);
	tsrv_close(&t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sftp_filters");
	TCase *tc = tcase_create("matching");

	tcase_add_test(tc, no_filter_allows_everything);
	tcase_add_test(tc, denied_then_allowed);
	tcase_add_test(tc, case_insensitive_both_sides);
	tcase_add_test(tc, nearest_directory_wins);
	tcase_add_test(tc, bad_entries);
	tcase_add_test(tc, settings_json);
	suite_add_tcase(s, tc);
	tc = tcase_create("engine");
	tcase_add_test(tc, engine_refuses_and_changes_nothing);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
