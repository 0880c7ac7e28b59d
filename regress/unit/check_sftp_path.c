/* SPDX-License-Identifier: BSD-2-Clause */
/* Path normalisation and resolution under a root (symlinks, "..", absolute links). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "check_sftp_util.h"
#include "sftp/path.h"

static const char *
norm(const char *cwd, const char *p)
{
	static char out[SFTP_PATH_MAX];

	if (vpath_normalize(cwd, p, strlen(p), out, sizeof(out)) != 0)
		return "ERR";
	return out;
}

START_TEST(normalize_lexical)
{
	ck_assert_str_eq(norm("/", "a/b"), "/a/b");
	ck_assert_str_eq(norm("/", ""), "/");
	ck_assert_str_eq(norm("/", "."), "/");
	ck_assert_str_eq(norm("/", ".."), "/");
	ck_assert_str_eq(norm("/", "/../../.."), "/");
	ck_assert_str_eq(norm("/home", "."), "/home");
	ck_assert_str_eq(norm("/home", ""), "/home");
	ck_assert_str_eq(norm("/home", "a//b/./c/"), "/home/a/b/c");
	ck_assert_str_eq(norm("/x/y", "../../../z"), "/z");
	ck_assert_str_eq(norm("/x/y", "/a/../b"), "/b");
	ck_assert_str_eq(norm("/", "/a/b/../../.."), "/");
	ck_assert_str_eq(norm("/", "..a/b.."), "/..a/b..");
	ck_assert_str_eq(norm("/", "///"), "/");
	ck_assert_str_eq(norm("/a", "..."), "/a/...");
}
END_TEST

START_TEST(normalize_rejects)
{
	char out[16], big[SFTP_PATH_MAX + 10];

	ck_assert_int_eq(vpath_normalize("/", "a\0b", 3, out, sizeof(out)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(
	    vpath_normalize("/", "abcdefghijklmnopqrstuvwxyz", 26, out, sizeof(out)), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	ck_assert_str_eq(norm("/", big), "ERR");
	/* a long path that collapses is fine */
	ck_assert_int_eq(vpath_normalize("/", "a/../b", 6, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/b");
}
END_TEST

START_TEST(parent_and_base)
{
	char p[64];

	path_parent("/a/b/c", p, sizeof(p));
	ck_assert_str_eq(p, "/a/b");
	path_parent("/a", p, sizeof(p));
	ck_assert_str_eq(p, "/");
	path_parent("/", p, sizeof(p));
	ck_assert_str_eq(p, "/");
	ck_assert_str_eq(path_base("/a/b/c"), "c");
	ck_assert_str_eq(path_base("/"), "");
	ck_assert_str_eq(path_rel("/"), ".");
	ck_assert_str_eq(path_rel("/a/b"), "a/b");
}
END_TEST

/* Root layout: etc/passwd (inside), d/f, and links trying to leave. */
static void
make_tree(const char *root)
{
	char cmd[1024];

	snprintf(
	    cmd, sizeof(cmd),
	    "cd '%s' && mkdir -p etc d && echo inside > etc/passwd && echo f > d/f && "
	    "ln -s /etc abs && ln -s ../../../../../../etc rel && "
	    "ln -s /etc/passwd d/pw && ln -s .. d/up && ln -s / d/root",
	    root);
	ck_assert_int_eq(system(cmd), 0);
}

static void
read_via(int rootfd, const char *vpath, const char *want)
{
	char buf[64] = {0};
	int fd = path_open(rootfd, vpath, O_RDONLY, 0);

	ck_assert_msg(fd >= 0, "%s: %s", vpath, strerror(errno));
	ck_assert_int_gt(read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	ck_assert_msg(strcmp(buf, want) == 0, "%s gave %s", vpath, buf);
}

/* The root of a path: the folder with the longest prefix at a "/" boundary. */
START_TEST(pick_root_longest_prefix)
{
	struct sftp_folder f[] = {{"/v", 3}, {"/v2", 4}, {"/a/b", 5}, {"/a/b/c", 6}};
	static const struct {
		const char *in;
		int root;
		const char *sub;
	} cases[] = {
	    {"/", -1, "/"},        {"/v", 0, "/"},        {"/v/x/y", 0, "/x/y"},
	    {"/v2", 1, "/"},       {"/v22", -1, "/v22"},  {"/vx", -1, "/vx"},
	    {"/a", -1, "/a"},      {"/a/b/x", 2, "/x"},   {"/a/b/c", 3, "/"},
	    {"/a/b/cd", 2, "/cd"}, {"/a/b/c/d", 3, "/d"},
	};
	const char *sub;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(path_pick_root(f, 4, cases[i].in, &sub), cases[i].root);
		ck_assert_str_eq(sub, cases[i].sub);
	}
	ck_assert_int_eq(path_pick_root(NULL, 0, "/v", &sub), -1);
	ck_assert_int_eq(path_folder_child(f, 4, "/", "v2"), 1);
	ck_assert_int_eq(path_folder_child(f, 4, "/a", "b"), 2);
	ck_assert_int_eq(path_folder_child(f, 4, "/a/b", "c"), 3);
	ck_assert_int_eq(path_folder_child(f, 4, "/", "a"), -1);
}
END_TEST

START_TEST(resolve_stays_in_root)
{
	char root[] = "/tmp/check_sftp_path.XXXXXX", cmd[128];
	int rootfd, fd;
	const char *base;

	ck_assert_ptr_nonnull(mkdtemp(root));
	make_tree(root);
	rootfd = open(root, O_PATH | O_DIRECTORY);
	ck_assert_int_ge(rootfd, 0);
	read_via(rootfd, "/etc/passwd", "inside\n");
	read_via(rootfd, "/abs/passwd", "inside\n"); /* absolute link */
	read_via(rootfd, "/rel/passwd", "inside\n"); /* relative link with ".." */
	read_via(rootfd, "/d/pw", "inside\n");       /* link to a file */
	read_via(rootfd, "/d/up/d/up/etc/passwd", "inside\n");
	read_via(rootfd, "/d/root/etc/passwd", "inside\n");
	/* "/" is the root, and the parent of "/" cannot be taken */
	fd = path_open(rootfd, "/", O_RDONLY | O_DIRECTORY, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(path_open_parent(rootfd, "/", &base), -1);
	ck_assert_int_eq(errno, EPERM);
	fd = path_open_parent(rootfd, "/d/f", &base);
	ck_assert_int_ge(fd, 0);
	ck_assert_str_eq(base, "f");
	close(fd);
	/* O_NOFOLLOW opens the link itself */
	fd = path_open(rootfd, "/d/pw", O_PATH | O_NOFOLLOW, 0);
	ck_assert_int_ge(fd, 0);
	{
		struct stat st;
		ck_assert_int_eq(fstat(fd, &st), 0);
		ck_assert(S_ISLNK(st.st_mode));
	}
	close(fd);
	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* Open descriptors of this process: the walk must not leak any. */
static int
open_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static void
resolves_to(int rootfd, const char *vpath, int follow_last, int want_rc, const char *want)
{
	char out[SFTP_PATH_MAX];

	ck_assert_int_eq(path_resolve(rootfd, vpath, follow_last, out, sizeof(out)),
	                 want_rc);
	if (want_rc == 0)
		ck_assert_str_eq(out, want);
}

/* path_resolve's walk: links relative, absolute, behind "..", at depth, loops. */
START_TEST(resolve_walk)
{
	char root[] = "/tmp/check_sftp_path.XXXXXX", p[8192], deep[4096] = "";
	int rootfd, fds;

	ck_assert_ptr_nonnull(mkdtemp(root));
	rootfd = open(root, O_PATH | O_DIRECTORY);
	ck_assert_int_ge(rootfd, 0);
	ck_assert_int_eq(mkdirat(rootfd, "a", 0755), 0);
	ck_assert_int_eq(mkdirat(rootfd, "a/b", 0755), 0);
	ck_assert_int_eq(mkdirat(rootfd, "a/b/c", 0755), 0);
	ck_assert_int_eq(symlinkat("../a/b", rootfd, "a/l"), 0);
	ck_assert_int_eq(symlinkat("/a/b", rootfd, "abs"), 0);
	ck_assert_int_eq(symlinkat("/y", rootfd, "x"), 0);
	ck_assert_int_eq(symlinkat("/x", rootfd, "y"), 0);
	ck_assert_int_eq(symlinkat("../../../../..", rootfd, "a/b/up"), 0);
	close(openat(rootfd, "f", O_CREAT | O_WRONLY, 0644));
	/* 300 levels, a link back to /a at the bottom */
	for (int i = 0; i < 300; i++) {
		strlcat(deep, i ? "/d" : "d", sizeof(deep));
		ck_assert_int_eq(mkdirat(rootfd, deep, 0755), 0);
	}
	snprintf(p, sizeof(p), "%s/l", deep);
	ck_assert_int_eq(symlinkat("/a", rootfd, p), 0);
	fds = open_fds();
	resolves_to(rootfd, "/a/l/c", 1, 0, "/a/b/c");
	resolves_to(rootfd, "/abs/c", 1, 0, "/a/b/c");
	resolves_to(rootfd, "/abs", 0, 0, "/abs");
	resolves_to(rootfd, "/abs", 1, 0, "/a/b");
	resolves_to(rootfd, "/a/b/../l/c", 1, 0, "/a/b/c");
	resolves_to(rootfd, "/a/b/c/../../l/./c/..", 1, 0, "/a/b");
	resolves_to(rootfd, "/a/missing/../b/c", 1, 0, "/a/b/c");
	resolves_to(rootfd, "/a/b/up/a/l", 1, 0, "/a/b"); /* ".." past the root */
	resolves_to(rootfd, "/f/x", 1, 0, "/f/x");        /* not a directory */
	resolves_to(rootfd, "/x", 1, ELOOP, NULL);
	resolves_to(rootfd, "/x", 0, 0, "/x");
	snprintf(p, sizeof(p), "/%s/l/b/c", deep);
	resolves_to(rootfd, p, 1, 0, "/a/b/c");
	snprintf(p, sizeof(p), "/%s/../d/l", deep);
	resolves_to(rootfd, p, 1, 0, "/a");
	ck_assert_int_eq(open_fds(), fds);
	close(rootfd);
	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	ck_assert_int_eq(system(p), 0);
}
END_TEST

START_TEST(engine_confinement)
{
	struct tsrv t;
	struct rbuf r;
	uint32_t n;
	const uint8_t *name;
	uint32_t nl;
	char host[300];
	struct stat st;

	tsrv_open(&t, NULL);
	make_tree(t.root);
	/* REALPATH is lexical and never shows the host path */
	const char *probes[] = {".", "..", "../../..", "/d/up/..", "abs"};
	const char *want[] = {"/", "/", "/", "/d", "/abs"};
	for (unsigned i = 0; i < 5; i++) {
		ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_REALPATH, probes[i]),
		                 1000 + SSH_FXP_NAME);
		tsrv_body(&t, &r);
		rbuf_get_u32(&r, &n);
		ck_assert_uint_eq(n, 1);
		rbuf_get_string(&r, &name, &nl, 4096);
		ck_assert_msg(nl == strlen(want[i]) && memcmp(name, want[i], nl) == 0,
		              "realpath %s", probes[i]);
	}
	/* "/" cannot be removed, renamed or replaced */
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_RMDIR, "/"), SSH_FX_PERMISSION_DENIED);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_REMOVE, ".."),
	                 SSH_FX_PERMISSION_DENIED);
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_RENAME, NULL, "/", "/x"),
	                 SSH_FX_PERMISSION_DENIED);
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_RENAME, NULL, "/d/f", "/"),
	                 SSH_FX_PERMISSION_DENIED);
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_SYMLINK, NULL, "/etc", "/"),
	                 SSH_FX_PERMISSION_DENIED);
	/* a client-made link to the host's /etc/passwd resolves inside */
	ck_assert_int_eq(
	    tsrv_two_path_req(&t, SSH_FXP_SYMLINK, NULL, "/etc/hostname", "/h"),
	    SSH_FX_OK);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_STAT, "/h"), SSH_FX_NO_SUCH_FILE);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_LSTAT, "/h"), 1000 + SSH_FXP_ATTRS);
	/* renames and hard links through links to outside stay inside */
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_EXTENDED,
	                                   "posix-rename@openssh.com", "/d/f",
	                                   "/abs/moved"),
	                 SSH_FX_OK);
	snprintf(host, sizeof(host), "%s/etc/moved", t.root);
	ck_assert_int_eq(stat(host, &st), 0);
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_EXTENDED, "hardlink@openssh.com",
	                                   "/rel/passwd", "/d/hl"),
	                 SSH_FX_OK);
	snprintf(host, sizeof(host), "%s/d/hl", t.root);
	ck_assert_int_eq(stat(host, &st), 0);
	ck_assert_int_eq(st.st_nlink, 2);
	/* setstat through an absolute link changes the file inside */
	tsrv_begin(&t, SSH_FXP_SETSTAT);
	wbuf_put_cstring(&t.pkt, "/abs/passwd");
	wbuf_put_u32(&t.pkt, SSH_FILEXFER_ATTR_PERMISSIONS);
	wbuf_put_u32(&t.pkt, 0600);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_OK);
	snprintf(host, sizeof(host), "%s/etc/passwd", t.root);
	ck_assert_int_eq(stat(host, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(stat("/etc/passwd", &st), 0);
	ck_assert_uint_ne(st.st_mode & 0777, 0600);
	/* READLINK shows the stored text */
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_READLINK, "/abs"),
	                 1000 + SSH_FXP_NAME);
	tsrv_close(&t);
}
END_TEST

START_TEST(engine_readdir_root_parent)
{
	struct tsrv t;
	struct rbuf r;
	const uint8_t *h;
	uint32_t hl, n, seen = 0;
	uint8_t hb[4];

	tsrv_open(&t, NULL);
	make_tree(t.root);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_OPENDIR, "/"), 1000 + SSH_FXP_HANDLE);
	tsrv_body(&t, &r);
	rbuf_get_string(&r, &h, &hl, 16);
	memcpy(hb, h, 4);
	for (;;) {
		tsrv_begin(&t, SSH_FXP_READDIR);
		wbuf_put_string(&t.pkt, hb, 4);
		ck_assert_int_eq(tsrv_send(&t), 0);
		if (tsrv_reply_type(&t) == SSH_FXP_STATUS) {
			ck_assert_int_eq(tsrv_status(&t), SSH_FX_EOF);
			break;
		}
		ck_assert_int_eq(tsrv_reply_type(&t), SSH_FXP_NAME);
		tsrv_body(&t, &r);
		rbuf_get_u32(&r, &n);
		seen += n;
	}
	ck_assert_uint_eq(seen, 6); /* . .. etc d abs rel */
	tsrv_close(&t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sftp_path");
	TCase *tc = tcase_create("lexical");

	tcase_add_test(tc, normalize_lexical);
	tcase_add_test(tc, normalize_rejects);
	tcase_add_test(tc, parent_and_base);
	tcase_add_test(tc, pick_root_longest_prefix);
	suite_add_tcase(s, tc);
	tc = tcase_create("resolution");
	tcase_add_test(tc, resolve_stays_in_root);
	tcase_add_test(tc, resolve_walk);
	tcase_add_test(tc, engine_confinement);
	tcase_add_test(tc, engine_readdir_root_parent);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
