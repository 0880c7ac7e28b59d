/* SPDX-License-Identifier: BSD-2-Clause */
/* Permission resolution (walk-up, no merging) and its use by the engine. */
#include "config.h"

#include <sys/stat.h>

#include "check_sftp_util.h"
#include "sftp/path.h"
#include "sftp/perms.h"

START_TEST(names)
{
	ck_assert_uint_eq(perm_from_name("list"), PERM_LIST);
	ck_assert_uint_eq(perm_from_name("create_symlinks"), PERM_CREATE_SYMLINKS);
	ck_assert_uint_eq(perm_from_name("*"), PERM_ALL);
	ck_assert_uint_eq(perm_from_name("List"), 0);
	ck_assert_uint_eq(perm_from_name(""), 0);
	ck_assert_str_eq(perm_name(PERM_CHTIMES), "chtimes");
}
END_TEST

START_TEST(walk_up_first_key_wins)
{
	struct perm_table t = {0};

	ck_assert_int_eq(perm_table_set(&t, "/", PERM_ALL), 0);
	ck_assert_int_eq(perm_table_set(&t, "/in", PERM_LIST | PERM_UPLOAD), 0);
	ck_assert_int_eq(perm_table_set(&t, "/in/deep/", PERM_DOWNLOAD),
	                 0); /* normalised */
	ck_assert_uint_eq(perm_for_path(&t, "/"), PERM_ALL);
	ck_assert_uint_eq(perm_for_path(&t, "/other/x"), PERM_ALL);
	ck_assert_uint_eq(perm_for_path(&t, "/in"), PERM_LIST | PERM_UPLOAD);
	ck_assert_uint_eq(perm_for_path(&t, "/in/a/b/c"), PERM_LIST | PERM_UPLOAD);
	/* no merging with the parent's rules */
	ck_assert_uint_eq(perm_for_path(&t, "/in/deep"), PERM_DOWNLOAD);
	ck_assert_uint_eq(perm_for_path(&t, "/in/deep/x/y"), PERM_DOWNLOAD);
	/* a string prefix is not a parent */
	ck_assert_uint_eq(perm_for_path(&t, "/inbox"), PERM_ALL);
	ck_assert_uint_eq(perm_for_path(&t, "/in/deeper"), PERM_LIST | PERM_UPLOAD);
	ck_assert(perm_has(&t, "/in/x", PERM_UPLOAD));
	ck_assert(!perm_has(&t, "/in/x", PERM_UPLOAD | PERM_DELETE));
	ck_assert(perm_has_parent(&t, "/in/deep", PERM_UPLOAD));
	ck_assert(!perm_has_parent(&t, "/in/deep/f", PERM_UPLOAD));
	/* replacing an entry */
	ck_assert_int_eq(perm_table_set(&t, "/in", PERM_LIST), 0);
	ck_assert_uint_eq(perm_for_path(&t, "/in/q"), PERM_LIST);
	ck_assert_uint_eq(t.n, 3);
	ck_assert_int_eq(perm_table_set(&t, "relative", PERM_LIST), -1);
	perm_table_free(&t);
}
END_TEST

START_TEST(no_root_key_means_nothing)
{
	struct perm_table t = {0};

	ck_assert_int_eq(perm_table_set(&t, "/pub", PERM_LIST), 0);
	ck_assert_uint_eq(perm_for_path(&t, "/"), 0);
	ck_assert_uint_eq(perm_for_path(&t, "/x"), 0);
	ck_assert_uint_eq(perm_for_path(&t, "/pub/x"), PERM_LIST);
	perm_table_free(&t);
}
END_TEST

START_TEST(settings_json)
{
	struct sftp_settings st;
	char err[256];
	const char *good =
	    "{\"permissions\": {\"/\": [\"list\", \"download\"], \"/up\": [\"*\"]},"
	    " \"umask\": \"0027\", \"upload_mode\": 2, \"unknown\": 1,"
	    " \"upload_bandwidth\": 100, \"download_bandwidth\": 0}";
	const char *bad[] = {
	    "{\"permissions\": {\"/\": [\"lists\"]}}",
	    "{\"permissions\": {\"rel\": [\"list\"]}}",
	    "{\"permissions\": []}",
	    "{\"umask\": \"999\"}",
	    "{\"upload_mode\": 3}",
	    "{\"max_packet\": 10}",
	    "{\"uid\": \"1000\"}",
	    "{\"home_dir\": \"relative\"}",
	    "[1]",
	    "{\"a\": 1",
	};

	ck_assert_int_eq(sftp_settings_init(&st), 0);
	ck_assert_uint_eq(perm_for_path(&st.perms, "/x"), PERM_ALL);
	ck_assert_int_eq(worker_settings_parse(&st, good, strlen(good), err, sizeof(err)),
	                 0);
	ck_assert_uint_eq(perm_for_path(&st.perms, "/x"), PERM_LIST | PERM_DOWNLOAD);
	ck_assert_uint_eq(perm_for_path(&st.perms, "/up/x"), PERM_ALL);
	ck_assert_uint_eq(st.umask, 027);
	ck_assert_int_eq(st.upload_mode, 2);
	ck_assert_uint_eq(st.upload_bandwidth, 100);
	ck_assert_uint_eq(st.download_bandwidth, 0);
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

#define PERMS_JSON                                                                       \
	"{\"permissions\": {\"/\": [\"list\", \"download\"],"                            \
	" \"/rw\": [\"list\", \"download\", \"upload\", \"rename\", \"delete\", "        \
	"\"create_dirs\"],"                                                              \
	" \"/drop\": [\"upload\", \"rename\"]}}"

START_TEST(engine_denies_and_changes_nothing)
{
	struct tsrv t;

	tsrv_open(&t, PERMS_JSON);
	{
		char cmd[512];
		snprintf(cmd, sizeof(cmd), "mkdir '%s/rw' '%s/drop' '%s/ro'", t.root,
		         t.root, t.root);
		ck_assert_int_eq(system(cmd), 0);
	}
	tsrv_mkfile(&t, "top", "t");
	tsrv_mkfile(&t, "rw/a", "a");
	/* "/" allows list and download only */
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_REMOVE, "/top"),
	                 SSH_FX_PERMISSION_DENIED);
	ck_assert(tsrv_exists(&t, "top"));
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_MKDIR, "/ro/x"),
	                 SSH_FX_PERMISSION_DENIED);
	ck_assert(!tsrv_exists(&t, "ro/x"));
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_MKDIR, "/rw/x"), SSH_FX_OK);
	ck_assert(tsrv_exists(&t, "rw/x"));
	/* rename needs the permission on both sides */
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_RENAME, NULL, "/rw/a", "/ro/a"),
	                 SSH_FX_PERMISSION_DENIED);
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_RENAME, NULL, "/top", "/rw/top"),
	                 SSH_FX_PERMISSION_DENIED);
	ck_assert(tsrv_exists(&t, "rw/a"));
	ck_assert(tsrv_exists(&t, "top"));
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_RENAME, NULL, "/rw/a", "/drop/a"),
	                 SSH_FX_OK);
	ck_assert(tsrv_exists(&t, "drop/a"));
	/* "/drop" has no list: READDIR and STAT of its entries are refused */
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_OPENDIR, "/drop"),
	                 SSH_FX_PERMISSION_DENIED);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_STAT, "/drop/a"),
	                 SSH_FX_PERMISSION_DENIED);
	/* STAT of "/drop" itself is checked on "/" */
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_STAT, "/drop"), 1000 + SSH_FXP_ATTRS);
	/* download refused in /drop, upload refused in / */
	tsrv_begin(&t, SSH_FXP_OPEN);
	wbuf_put_cstring(&t.pkt, "/drop/a");
	wbuf_put_u32(&t.pkt, SSH_FXF_READ);
	wbuf_put_u32(&t.pkt, 0);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_PERMISSION_DENIED);
	tsrv_begin(&t, SSH_FXP_OPEN);
	wbuf_put_cstring(&t.pkt, "/new");
	wbuf_put_u32(&t.pkt, SSH_FXF_WRITE | SSH_FXF_CREAT);
	wbuf_put_u32(&t.pkt, 0);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_PERMISSION_DENIED);
	ck_assert(!tsrv_exists(&t, "new"));
	/* overwrite is its own permission: /rw has upload but not overwrite */
	tsrv_mkfile(&t, "rw/b", "b");
	tsrv_begin(&t, SSH_FXP_OPEN);
	wbuf_put_cstring(&t.pkt, "/rw/b");
	wbuf_put_u32(&t.pkt, SSH_FXF_WRITE | SSH_FXF_TRUNC);
	wbuf_put_u32(&t.pkt, 0);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_PERMISSION_DENIED);
	/* chmod refused in /rw; silently ignored with setstat_mode 1 (next test) */
	tsrv_begin(&t, SSH_FXP_SETSTAT);
	wbuf_put_cstring(&t.pkt, "/rw/b");
	wbuf_put_u32(&t.pkt, SSH_FILEXFER_ATTR_PERMISSIONS);
	wbuf_put_u32(&t.pkt, 0600);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_PERMISSION_DENIED);
	tsrv_close(&t);
}
END_TEST

START_TEST(engine_setstat_mode_ignore)
{
	struct tsrv t;
	char p[300];
	struct stat st;

	tsrv_open(&t, "{\"setstat_mode\": 1, \"permissions\": {\"/\": [\"list\"]}}");
	tsrv_mkfile(&t, "f", "x");
	snprintf(p, sizeof(p), "%s/f", t.root);
	chmod(p, 0644);
	tsrv_begin(&t, SSH_FXP_SETSTAT);
	wbuf_put_cstring(&t.pkt, "/f");
	wbuf_put_u32(&t.pkt, SSH_FILEXFER_ATTR_PERMISSIONS | SSH_FILEXFER_ATTR_ACMODTIME);
	wbuf_put_u32(&t.pkt, 0600);
	wbuf_put_u32(&t.pkt, 1);
	wbuf_put_u32(&t.pkt, 1);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_OK);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	ck_assert_int_ne(st.st_mtime, 1);
	tsrv_close(&t);
}
END_TEST

START_TEST(engine_filters_and_read_only)
{
	struct tsrv t;

	tsrv_open(&t, "{\"read_only\": true}");
	sftp_server_set_filters(t.s, NULL, "stat,lstat");
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_STAT, "/"), SSH_FX_PERMISSION_DENIED);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_MKDIR, "/d"),
	                 SSH_FX_PERMISSION_DENIED);
	ck_assert(!tsrv_exists(&t, "d"));
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_OPENDIR, "/"), 1000 + SSH_FXP_HANDLE);
	sftp_server_set_filters(t.s, "realpath", NULL);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_OPENDIR, "/"),
	                 SSH_FX_PERMISSION_DENIED);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_REALPATH, "/"), 1000 + SSH_FXP_NAME);
	tsrv_close(&t);
}
END_TEST

START_TEST(links_cannot_lead_around_permissions)
{
	struct tsrv t;
	char cmd[700];

	tsrv_open(&t, "{\"permissions\": {\"/\": [\"*\"], \"/private\": [],"
	              " \"/pub\": [\"list\", \"download\"]}}");
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && mkdir private pub && echo s > private/secret && echo p > "
	         "pub/file && "
	         "ln -s /private adm && ln -s pub/file pf && ln -s private/secret ps",
	         t.root);
	ck_assert_int_eq(system(cmd), 0);
	/* a client-made link to the private directory */
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_SYMLINK, NULL, "/private", "/x"),
	                 SSH_FX_OK);
	const char *denied[] = {"/x/secret", "/adm/secret", "/ps", "/x/../x/secret"};
	for (unsigned i = 0; i < 4; i++) {
		tsrv_begin(&t, SSH_FXP_OPEN);
		wbuf_put_cstring(&t.pkt, denied[i]);
		wbuf_put_u32(&t.pkt, SSH_FXF_READ);
		wbuf_put_u32(&t.pkt, 0);
		ck_assert_int_eq(tsrv_send(&t), 0);
		ck_assert_msg(tsrv_status(&t) == SSH_FX_PERMISSION_DENIED, "open %s",
		              denied[i]);
	}
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_OPENDIR, "/x"),
	                 SSH_FX_PERMISSION_DENIED);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_OPENDIR, "/x/"),
	                 SSH_FX_PERMISSION_DENIED);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_REMOVE, "/adm/secret"),
	                 SSH_FX_PERMISSION_DENIED);
	ck_assert(tsrv_exists(&t, "private/secret"));
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_EXTENDED, "hardlink@openssh.com",
	                                   "/x/secret", "/copy"),
	                 SSH_FX_PERMISSION_DENIED);
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_EXTENDED,
	                                   "posix-rename@openssh.com", "/x/secret",
	                                   "/stolen"),
	                 SSH_FX_PERMISSION_DENIED);
	ck_assert(!tsrv_exists(&t, "stolen"));
	/* links to allowed places still work; the link itself can be removed */
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_STAT, "/pf"), 1000 + SSH_FXP_ATTRS);
	tsrv_begin(&t, SSH_FXP_OPEN);
	wbuf_put_cstring(&t.pkt, "/pf");
	wbuf_put_u32(&t.pkt, SSH_FXF_READ);
	wbuf_put_u32(&t.pkt, 0);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_reply_type(&t), SSH_FXP_HANDLE);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_LSTAT, "/x"), 1000 + SSH_FXP_ATTRS);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_REMOVE, "/x"), SSH_FX_OK);
	ck_assert(tsrv_exists(&t, "private/secret"));
	/* a link loop ends with an error, not a hang */
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_SYMLINK, NULL, "/loop", "/loop"),
	                 SSH_FX_OK);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_STAT, "/loop/x"), SSH_FX_NO_SUCH_FILE);
	tsrv_close(&t);
}
END_TEST

START_TEST(resolve_paths)
{
	char root[] = "/tmp/check_sftp_res.XXXXXX", cmd[300], out[SFTP_PATH_MAX];
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && mkdir -p a/b && ln -s a/b ab && ln -s /a abs && ln -s "
	         "../../.. up && "
	         "ln -s b a/rel",
	         root);
	ck_assert_int_eq(system(cmd), 0);
	fd = open(root, O_PATH | O_DIRECTORY);
	ck_assert_int_eq(path_resolve(fd, "/ab/c", 1, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/a/b/c");
	ck_assert_int_eq(path_resolve(fd, "/abs/rel/x", 1, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/a/b/x");
	ck_assert_int_eq(path_resolve(fd, "/up/a", 1, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/a");
	ck_assert_int_eq(path_resolve(fd, "/ab", 0, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/ab");
	ck_assert_int_eq(path_resolve(fd, "/ab", 1, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/a/b");
	ck_assert_int_eq(path_resolve(fd, "/missing/ab", 1, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/missing/ab");
	close(fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sftp_perms");
	TCase *tc = tcase_create("resolution");

	tcase_add_test(tc, names);
	tcase_add_test(tc, walk_up_first_key_wins);
	tcase_add_test(tc, no_root_key_means_nothing);
	tcase_add_test(tc, settings_json);
	suite_add_tcase(s, tc);
	tc = tcase_create("engine");
	tcase_add_test(tc, engine_denies_and_changes_nothing);
	tcase_add_test(tc, engine_setstat_mode_ignore);
	tcase_add_test(tc, engine_filters_and_read_only);
	tcase_add_test(tc, links_cannot_lead_around_permissions);
	tcase_add_test(tc, resolve_paths);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
