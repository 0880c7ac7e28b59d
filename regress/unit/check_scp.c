/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SCP engine run for real: a child process runs scp_run() over a socketpair on
 * an SFTP engine over a scratch root, the test plays OpenSSH's scp client on the
 * other end, byte for byte, and checks the files on disk and the exit status.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "check_sftp_util.h"
#include "scp/scp.h"
#include "sftp/local.h"

/* A hung run is killed (and fails its test) instead of stalling the suite. */
#define CHILD_ALARM 30

/* The test's end of one scp_run(). */
struct cl {
	pid_t pid;
	int fd;
};

/* The child installs a no-op SIGUSR1 handler without SA_RESTART (stop signal). */
static int child_stop_handler;

static void
on_usr1(int sig)
{
	(void)sig;
}

/* An engine over a scratch root (INIT is left to sftp_local_new). */
static void
scp_setup(struct tsrv *t, const char *json)
{
	umask(022);
	signal(SIGPIPE, SIG_IGN);
	tsrv_engine(t, json);
}

static void
child_run(struct tsrv *t, int fd, const char *const *args)
{
	char *argv[32];
	int argc = 0, rc;
	struct sftp_local *l;

	alarm(CHILD_ALARM);
	if (child_stop_handler) {
		struct sigaction sa = {.sa_handler = on_usr1};
		sigaction(SIGUSR1, &sa, NULL);
	}
	l = sftp_local_new(t->s);
	if (l == NULL)
		_exit(99);
	argv[argc++] = "scp";
	for (; *args != NULL && argc < 31; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	rc = scp_run(l, fd, fd, argc, argv);
	sftp_server_shutdown(t->s, "connection closed");
	sftp_local_free(l);
	_exit(rc);
}

static void
cl_start(struct cl *c, struct tsrv *t, const char *const *args)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c->pid = fork();
	ck_assert_int_ge(c->pid, 0);
	if (c->pid == 0) {
		close(sv[0]);
		child_run(t, sv[1], args);
	}
	close(sv[1]);
	c->fd = sv[0];
}

/* START(&c, &t, "-t", "/x"): argv[0] "scp" is added. */
#define START(c, t, ...) cl_start((c), (t), (const char *const[]){__VA_ARGS__, NULL})

static void
cl_send(struct cl *c, const void *p, size_t n)
{
	const char *b = p;

	while (n > 0) {
		ssize_t w = write(c->fd, b, n);
		ck_assert_msg(w > 0, "write to scp: %s", strerror(errno));
		b += w;
		n -= (size_t)w;
	}
}

static void
cl_puts(struct cl *c, const char *s)
{
	cl_send(c, s, strlen(s));
}

static void
cl_read(struct cl *c, void *p, size_t n)
{
	char *b = p;

	while (n > 0) {
		ssize_t r = read(c->fd, b, n);
		ck_assert_msg(r > 0, "read from scp: %s",
		              r == 0 ? "EOF" : strerror(errno));
		b += r;
		n -= (size_t)r;
	}
}

/* A line up to '\n' (kept out) into buf. */
static void
cl_line(struct cl *c, char *buf, size_t sz)
{
	size_t n = 0;

	for (;;) {
		ck_assert_uint_lt(n, sz - 1);
		cl_read(c, buf + n, 1);
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
}

/* The next answer must be '\0'. */
static void
cl_ok(struct cl *c)
{
	char b, msg[8192];

	cl_read(c, &b, 1);
	if (b != 0) {
		cl_line(c, msg, sizeof(msg));
		ck_abort_msg("expected \\0, got %d \"%s\"", b, msg);
	}
}

/* The next answer must be "\x01scp: ...\n" containing want. */
static void
cl_err(struct cl *c, const char *want)
{
	char b, msg[8192];

	cl_read(c, &b, 1);
	ck_assert_msg(b == 1, "expected \\1, got %d", b);
	cl_line(c, msg, sizeof(msg));
	ck_assert_msg(strncmp(msg, "scp: ", 5) == 0, "message \"%s\"", msg);
	ck_assert_msg(strstr(msg, want) != NULL, "message \"%s\" lacks \"%s\"", msg,
	              want);
}

/* The next bytes must be exactly want. */
static void
cl_expect(struct cl *c, const char *want, size_t n)
{
	char *got = malloc(n + 1);

	ck_assert_ptr_nonnull(got);
	cl_read(c, got, n);
	got[n] = '\0';
	ck_assert_msg(memcmp(got, want, n) == 0, "got \"%s\", want \"%s\"", got, want);
	free(got);
}

/* A line from the source, answered with '\0'. */
static void
cl_expect_ok(struct cl *c, const char *line)
{
	cl_expect(c, line, strlen(line));
	cl_send(c, "", 1);
}

/* Ends the client's side; nothing more may come. The run's exit status. */
static int
cl_end(struct cl *c)
{
	char b;
	int st;

	shutdown(c->fd, SHUT_WR);
	ck_assert_msg(read(c->fd, &b, 1) == 0, "unexpected byte %d", b);
	close(c->fd);
	ck_assert_int_eq(waitpid(c->pid, &st, 0), c->pid);
	ck_assert_msg(WIFEXITED(st), "scp_run killed by signal %d", WTERMSIG(st));
	return WEXITSTATUS(st);
}

/* As the OpenSSH source sends one file: C line, data, '\0', each answered. */
static void
cl_file(struct cl *c, const char *mode, const char *name, const void *data, size_t n)
{
	char line[512];

	snprintf(line, sizeof(line), "C%s %zu %s\n", mode, n, name);
	cl_puts(c, line);
	cl_ok(c);
	cl_send(c, data, n);
	cl_send(c, "", 1);
	cl_ok(c);
}

/* ---- the scratch root, host side ---- */

static void
host_path(struct tsrv *t, const char *rel, char *out, size_t sz)
{
	ck_assert_int_lt(snprintf(out, sz, "%s/%s", t->root, rel), (int)sz);
}

static void
host_file(struct tsrv *t, const char *rel, const void *data, size_t n, mode_t mode)
{
	char p[512];
	int fd;

	host_path(t, rel, p, sizeof(p));
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

static void
host_dir(struct tsrv *t, const char *rel, mode_t mode)
{
	char p[512];

	host_path(t, rel, p, sizeof(p));
	ck_assert_int_eq(mkdir(p, mode), 0);
	ck_assert_int_eq(chmod(p, mode), 0);
}

static struct stat
host_stat(struct tsrv *t, const char *rel)
{
	char p[512];
	struct stat st;

	host_path(t, rel, p, sizeof(p));
	ck_assert_msg(stat(p, &st) == 0, "%s: %s", rel, strerror(errno));
	return st;
}

static void
file_is(struct tsrv *t, const char *rel, const void *want, size_t n)
{
	char p[512];
	char *got = malloc(n + 1);
	FILE *f;

	ck_assert_ptr_nonnull(got);
	host_path(t, rel, p, sizeof(p));
	f = fopen(p, "r");
	ck_assert_msg(f != NULL, "%s missing", rel);
	ck_assert_uint_eq(fread(got, 1, n + 1, f), n);
	fclose(f);
	ck_assert_msg(memcmp(got, want, n) == 0, "%s: content differs", rel);
	free(got);
}

static char *
pattern(size_t n)
{
	char *p = malloc(n);

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (char)(i * 7 + i / 251);
	return p;
}

/* ---- sink (-t) ---- */

START_TEST(sink_single_file)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	START(&c, &t, "-t", "/f.txt");
	cl_ok(&c);
	cl_file(&c, "0644", "other-name", "hello", 5);
	ck_assert_int_eq(cl_end(&c), 0);
	file_is(&t, "f.txt", "hello", 5);
	ck_assert(!tsrv_exists(&t, "other-name"));
	ck_assert_int_eq(host_stat(&t, "f.txt").st_size, 5);
	tsrv_close(&t);
}
END_TEST

START_TEST(sink_empty_and_large_files)
{
	const size_t big = 1024 * 1024 + 7; /* several engine writes */
	char *data = pattern(big);
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	START(&c, &t, "-t", "/");
	cl_ok(&c);
	cl_file(&c, "0644", "empty", "", 0);
	cl_file(&c, "0644", "big", data, big);
	ck_assert_int_eq(cl_end(&c), 0);
	ck_assert_int_eq(host_stat(&t, "empty").st_size, 0);
	ck_assert_int_eq(host_stat(&t, "big").st_size, (off_t)big);
	file_is(&t, "big", data, big);
	free(data);
	tsrv_close(&t);
}
END_TEST

START_TEST(sink_into_directory)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	host_dir(&t, "d", 0755);
	START(&c, &t, "-t", "d"); /* relative: from the start directory "/" */
	cl_ok(&c);
	cl_file(&c, "0644", "x", "xx", 2);
	ck_assert_int_eq(cl_end(&c), 0);
	file_is(&t, "d/x", "xx", 2);
	tsrv_close(&t);
}
END_TEST

START_TEST(sink_new_file_mode_minus_umask)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	START(&c, &t, "-t", "/");
	cl_ok(&c);
	cl_file(&c, "0755", "exe", "#!", 2);
	cl_file(&c, "0666", "rw", "r", 1);
	ck_assert_int_eq(cl_end(&c), 0);
	ck_assert_uint_eq(host_stat(&t, "exe").st_mode & 07777, 0755);
	ck_assert_uint_eq(host_stat(&t, "rw").st_mode & 07777, 0644);
	tsrv_close(&t);
}
END_TEST

START_TEST(sink_recursive_tree)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	START(&c, &t, "-r", "-t", "/");
	cl_ok(&c);
	cl_puts(&c, "D0755 0 top\n");
	cl_ok(&c);
	cl_file(&c, "0644", "a", "a1", 2);
	cl_puts(&c, "D0700 0 sub\n");
	cl_ok(&c);
	cl_file(&c, "0600", "b", "b22", 3);
	cl_puts(&c, "E\n");
	cl_ok(&c);
	cl_puts(&c, "E\n");
	cl_ok(&c);
	ck_assert_int_eq(cl_end(&c), 0);
	file_is(&t, "top/a", "a1", 2);
	file_is(&t, "top/sub/b", "b22", 3);
	ck_assert(S_ISDIR(host_stat(&t, "top/sub").st_mode));
	tsrv_close(&t);
}
END_TEST

/* A D line for a target that does not exist creates the target itself. */
START_TEST(sink_recursive_renames_top_dir)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	START(&c, &t, "-r", "-t", "/copy");
	cl_ok(&c);
	cl_puts(&c, "D0755 0 orig\n");
	cl_ok(&c);
	cl_file(&c, "0644", "f", "f", 1);
	cl_puts(&c, "E\n");
	cl_ok(&c);
	ck_assert_int_eq(cl_end(&c), 0);
	file_is(&t, "copy/f", "f", 1);
	ck_assert(!tsrv_exists(&t, "orig"));
	tsrv_close(&t);
}
END_TEST

START_TEST(sink_preserve_file)
{
	struct tsrv t;
	struct cl c;
	struct stat st;

	scp_setup(&t, NULL);
	START(&c, &t, "-p", "-t", "/");
	cl_ok(&c);
	cl_puts(&c, "T1234567890 0 1234567000 999999\n");
	cl_ok(&c);
	cl_file(&c, "0640", "f", "abc", 3);
	ck_assert_int_eq(cl_end(&c), 0);
	st = host_stat(&t, "f");
	ck_assert_int_eq(st.st_mtime, 1234567890);
	ck_assert_int_eq(st.st_atime, 1234567000);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	tsrv_close(&t);
}
END_TEST

/* The directory's times are applied after its content was written. */
START_TEST(sink_preserve_directory)
{
	struct tsrv t;
	struct cl c;
	struct stat st;

	scp_setup(&t, NULL);
	START(&c, &t, "-r", "-p", "-t", "/");
	cl_ok(&c);
	cl_puts(&c, "T1000000000 0 1000000001 0\n");
	cl_ok(&c);
	cl_puts(&c, "D0750 0 d\n");
	cl_ok(&c);
	cl_file(&c, "0644", "x", "x", 1);
	cl_puts(&c, "E\n");
	cl_ok(&c);
	ck_assert_int_eq(cl_end(&c), 0);
	st = host_stat(&t, "d");
	ck_assert_int_eq(st.st_mtime, 1000000000);
	ck_assert_uint_eq(st.st_mode & 07777, 0750);
	tsrv_close(&t);
}
END_TEST

/* A T line is for the next file only; times SFTP v3 cannot carry are skipped. */
START_TEST(sink_times_apply_once)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	START(&c, &t, "-t", "/");
	cl_ok(&c);
	cl_puts(&c, "T1111111111 0 1111111111 0\n");
	cl_ok(&c);
	cl_file(&c, "0644", "one", "1", 1);
	cl_file(&c, "0644", "two", "2", 1);
	cl_puts(&c, "T4294967296 0 1 0\n");
	cl_ok(&c);
	cl_file(&c, "0644", "three", "3", 1);
	ck_assert_int_eq(cl_end(&c), 0);
	ck_assert_int_eq(host_stat(&t, "one").st_mtime, 1111111111);
	ck_assert_int_ne(host_stat(&t, "two").st_mtime, 1111111111);
	ck_assert_int_gt(host_stat(&t, "three").st_mtime, 1);
	tsrv_close(&t);
}
END_TEST

START_TEST(sink_d_requires_directory)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	host_file(&t, "file", "f", 1, 0644);
	host_dir(&t, "dir", 0755);
	START(&c, &t, "-d", "-t", "/file");
	cl_err(&c, "/file: Not a directory");
	ck_assert_int_eq(cl_end(&c), 1);
	START(&c, &t, "-d", "-t", "/missing");
	cl_err(&c, "/missing: No such file");
	ck_assert_int_eq(cl_end(&c), 1);
	START(&c, &t, "-d", "-t", "/dir");
	cl_ok(&c);
	cl_file(&c, "0644", "a", "a", 1);
	ck_assert_int_eq(cl_end(&c), 0);
	file_is(&t, "dir/a", "a", 1);
	file_is(&t, "file", "f", 1);
	tsrv_close(&t);
}
END_TEST

/* Lines that end the run: a protocol error, exit 1, nothing created. */
static const struct {
	const char *line;
	size_t len; /* 0: strlen */
	int recursive;
} bad_lines[] = {
    {"C0644 1 ..\n", 0, 0},
    {"C0644 1 .\n", 0, 0},
    {"C0644 1 a/b\n", 0, 0},
    {"C0644 1 /\n", 0, 0},
    {"C0644 1 \n", 0, 0},
    {"C0644 1 f\0g\n", 12, 0},
    {"D0755 0 ..\n", 0, 1},
    {"D0755 0 a/b\n", 0, 1},
    {"D0755 0 d\n", 0, 0}, /* without -r */
    {"C0x44 1 f\n", 0, 0},
    {"C0844 1 f\n", 0, 0},
    {"C10000 1 f\n", 0, 0},
    {"C-644 1 f\n", 0, 0},
    {"C 1 f\n", 0, 0},
    {"C0644 -1 f\n", 0, 0},
    {"C0644 +1 f\n", 0, 0},
    {"C0644 1f f\n", 0, 0},
    {"C0644 9223372036854775808 f\n", 0, 0},
    {"C0644 18446744073709551616 f\n", 0, 0},
    {"C0644  1 f\n", 0, 0},
    {"C0644 1\n", 0, 0},
    {"C0644\n", 0, 0},
    {"C\n", 0, 0},
    {"T1 0 1\n", 0, 0},
    {"T1 1000000 1 0\n", 0, 0},
    {"T1 0 1 -1\n", 0, 0},
    {"Tx 0 1 0\n", 0, 0},
    {"T1 0 1 0 \n", 0, 0},
    {"T18446744073709551616 0 1 0\n", 0, 0},
    {"T1 0 1 0\0x\n", 11, 0},
    {"E\n", 0, 1}, /* at the top level */
    {"X\n", 0, 0},
    {"\n", 0, 0},
};

START_TEST(sink_rejects_line)
{
	struct tsrv t;
	struct cl c;
	size_t len = bad_lines[_i].len ? bad_lines[_i].len : strlen(bad_lines[_i].line);

	scp_setup(&t, NULL);
	if (bad_lines[_i].recursive)
		START(&c, &t, "-r", "-t", "/");
	else
		START(&c, &t, "-t", "/");
	cl_ok(&c);
	cl_send(&c, bad_lines[_i].line, len);
	cl_err(&c, "protocol error");
	ck_assert_int_eq(cl_end(&c), 1);
	ck_assert_int_eq(tsrv_entries(&t), 0);
	tsrv_close(&t);
}
END_TEST

/* A line of 8 KiB ('\n' included) is read (its name is refused), one more byte not. */
START_TEST(sink_line_length_limit)
{
	char line[8200];
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	START(&c, &t, "-t", "/");
	cl_ok(&c);
	memcpy(line, "C0644 1 ", 8);
	memset(line + 8, 'a', 8192 - 9);
	line[8191] = '\n';
	cl_send(&c, line, 8192);
	cl_err(&c, "File name too long");
	cl_file(&c, "0644", "ok", "k", 1);
	line[8191] = 'a';
	line[8192] = '\n';
	cl_send(&c, line, 8193);
	cl_err(&c, "protocol error: line too long");
	ck_assert_int_eq(cl_end(&c), 1);
	file_is(&t, "ok", "k", 1);
	tsrv_close(&t);
}
END_TEST

/* A refused file is answered at once (no data follows); the session goes on. */
START_TEST(sink_permission_denied_then_allowed)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, "{\"permissions\": {\"/\": [\"list\", \"download\"], "
	              "\"/up\": [\"*\"]}}");
	host_dir(&t, "up", 0755);
	START(&c, &t, "-r", "-t", "/");
	cl_ok(&c);
	cl_puts(&c, "C0644 3 no\n");
	cl_err(&c, "/no: Permission denied");
	cl_puts(&c, "D0755 0 up\n");
	cl_ok(&c);
	cl_file(&c, "0644", "ok", "ok", 2);
	cl_puts(&c, "E\n");
	cl_ok(&c);
	ck_assert_int_eq(cl_end(&c), 1);
	ck_assert(!tsrv_exists(&t, "no"));
	file_is(&t, "up/ok", "ok", 2);
	tsrv_close(&t);
}
END_TEST

START_TEST(sink_source_warning_goes_on)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	START(&c, &t, "-t", "/");
	cl_ok(&c);
	cl_puts(&c, "\x01scp: /x: Permission denied\n"); /* not answered */
	cl_file(&c, "0644", "f", "f", 1);
	ck_assert_int_eq(cl_end(&c), 1);
	file_is(&t, "f", "f", 1);
	tsrv_close(&t);
}
END_TEST

START_TEST(sink_source_fatal_stops)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	START(&c, &t, "-t", "/");
	cl_ok(&c);
	cl_puts(&c, "\x02scp: giving up\n");
	ck_assert_int_eq(cl_end(&c), 1);
	tsrv_close(&t);
}
END_TEST

/* The source reports a read error in place of its final '\0' (data padded). */
START_TEST(sink_source_error_after_data)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	START(&c, &t, "-t", "/");
	cl_ok(&c);
	cl_puts(&c, "C0644 3 f\n");
	cl_ok(&c);
	cl_send(&c, "ab\0", 3);
	cl_puts(&c, "\x01scp: f: Input/output error\n");
	cl_ok(&c);
	ck_assert_int_eq(cl_end(&c), 1);
	file_is(&t, "f", "ab\0", 3);
	tsrv_close(&t);
}
END_TEST

/* As OpenSSH's sink: refused, the source skips that directory, the run goes on. */
START_TEST(sink_directory_over_file)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	host_file(&t, "x", "x", 1, 0644);
	START(&c, &t, "-r", "-t", "/");
	cl_ok(&c);
	cl_puts(&c, "D0755 0 x\n");
	cl_err(&c, "/x: Not a directory");
	cl_file(&c, "0644", "y", "y", 1);
	ck_assert_int_eq(cl_end(&c), 1);
	file_is(&t, "x", "x", 1);
	file_is(&t, "y", "y", 1);
	tsrv_close(&t);
}
END_TEST

START_TEST(sink_depth_limit)
{
	struct tsrv t;
	struct cl c;
	int levels = 0;
	char b, msg[256];

	scp_setup(&t, NULL);
	START(&c, &t, "-r", "-t", "/");
	cl_ok(&c);
	for (;;) {
		cl_puts(&c, "D0755 0 a\n");
		cl_read(&c, &b, 1);
		if (b != 0)
			break;
		levels++;
		ck_assert_int_lt(levels, 1000);
	}
	ck_assert_int_eq(b, 1);
	cl_line(&c, msg, sizeof(msg));
	ck_assert_str_eq(msg, "scp: protocol error: too many directory levels");
	ck_assert_int_eq(levels, 127);
	ck_assert_int_eq(cl_end(&c), 1);
	tsrv_close(&t);
}
END_TEST

/* Cut inside the data: the run ends and the atomic upload is discarded. */
START_TEST(sink_eof_inside_data)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, "{\"upload_mode\": 1}");
	START(&c, &t, "-t", "/");
	cl_ok(&c);
	cl_puts(&c, "C0644 10 f\n");
	cl_ok(&c);
	cl_send(&c, "abc", 3);
	shutdown(c.fd, SHUT_WR);
	cl_err(&c, "lost connection");
	ck_assert_int_eq(cl_end(&c), 1);
	ck_assert_int_eq(tsrv_entries(&t), 0);
	tsrv_close(&t);
}
END_TEST

START_TEST(sink_eof_inside_directory)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	START(&c, &t, "-r", "-t", "/");
	cl_ok(&c);
	cl_puts(&c, "D0755 0 d\n");
	cl_ok(&c);
	shutdown(c.fd, SHUT_WR);
	cl_err(&c, "lost connection");
	ck_assert_int_eq(cl_end(&c), 1);
	tsrv_close(&t);
}
END_TEST

START_TEST(sink_atomic_upload)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, "{\"upload_mode\": 1}");
	host_file(&t, "f", "old", 3, 0600);
	START(&c, &t, "-t", "/f");
	cl_ok(&c);
	cl_file(&c, "0644", "f", "new!", 4);
	ck_assert_int_eq(cl_end(&c), 0);
	file_is(&t, "f", "new!", 4);
	ck_assert_int_eq(tsrv_entries(&t), 1);
	tsrv_close(&t);
}
END_TEST

/* EINTR (the worker's SIGTERM handler has no SA_RESTART) ends the run. */
START_TEST(sink_stop_signal)
{
	struct tsrv t;
	struct cl c;
	int st = 0, i;

	scp_setup(&t, NULL);
	child_stop_handler = 1;
	START(&c, &t, "-t", "/");
	child_stop_handler = 0;
	cl_ok(&c);
	/* repeated until one lands while the child blocks in read() */
	for (i = 0; i < 100000; i++) {
		pid_t p = waitpid(c.pid, &st, WNOHANG);
		if (p == c.pid)
			break;
		kill(c.pid, SIGUSR1);
		usleep(1000);
	}
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 1);
	close(c.fd);
	tsrv_close(&t);
}
END_TEST

/* ---- source (-f) ---- */

/* cl_expect_ok with an explicit length (data with NULs). */
static void
cl_expect_data_ok(struct cl *c, const char *data, size_t n)
{
	char z;

	cl_expect(c, data, n);
	cl_read(c, &z, 1);
	ck_assert_int_eq(z, 0);
	cl_send(c, "", 1);
}

START_TEST(source_single_file)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	host_file(&t, "f.txt", "hello", 5, 0640);
	START(&c, &t, "-f", "/f.txt");
	cl_send(&c, "", 1);
	cl_expect_ok(&c, "C0640 5 f.txt\n");
	cl_expect_data_ok(&c, "hello", 5);
	ck_assert_int_eq(cl_end(&c), 0);
	tsrv_close(&t);
}
END_TEST

START_TEST(source_large_file)
{
	const size_t big = 1024 * 1024 + 3;
	char *data = pattern(big), line[64];
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	host_file(&t, "big", data, big, 0644);
	START(&c, &t, "-f", "big");
	cl_send(&c, "", 1);
	snprintf(line, sizeof(line), "C0644 %zu big\n", big);
	cl_expect_ok(&c, line);
	cl_expect_data_ok(&c, data, big);
	ck_assert_int_eq(cl_end(&c), 0);
	free(data);
	tsrv_close(&t);
}
END_TEST

static void
make_tree(struct tsrv *t)
{
	host_dir(t, "t", 0755);
	host_file(t, "t/a", "A", 1, 0644);
	host_dir(t, "t/empty", 0755);
	host_dir(t, "t/sub", 0700);
	host_file(t, "t/sub/b", "BB", 2, 0600);
}

/* The exact OpenSSH rsource() sequence for t (entries in name order). */
static void
expect_tree(struct cl *c)
{
	cl_expect_ok(c, "D0755 0 t\n");
	cl_expect_ok(c, "C0644 1 a\n");
	cl_expect_data_ok(c, "A", 1);
	cl_expect_ok(c, "D0755 0 empty\n");
	cl_expect_ok(c, "E\n");
	cl_expect_ok(c, "D0700 0 sub\n");
	cl_expect_ok(c, "C0600 2 b\n");
	cl_expect_data_ok(c, "BB", 2);
	cl_expect_ok(c, "E\n");
	cl_expect_ok(c, "E\n");
}

START_TEST(source_recursive_tree)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	make_tree(&t);
	START(&c, &t, "-r", "-f", "/t");
	cl_send(&c, "", 1);
	expect_tree(&c);
	ck_assert_int_eq(cl_end(&c), 0);
	tsrv_close(&t);
}
END_TEST

/* A symlink back to a directory being sent is reported, not followed (OpenSSH
 * would send t again inside sub/up until the path is too long); a link to a
 * directory that is not being sent is followed, up to the loop it closes. */
START_TEST(source_directory_loop)
{
	struct tsrv t;
	struct cl c;
	char p[512];

	scp_setup(&t, NULL);
	make_tree(&t);
	host_path(&t, "t/sub/up", p, sizeof(p));
	ck_assert_int_eq(symlink("/t", p), 0);
	START(&c, &t, "-r", "-f", "/t");
	cl_send(&c, "", 1);
	cl_expect_ok(&c, "D0755 0 t\n");
	cl_expect_ok(&c, "C0644 1 a\n");
	cl_expect_data_ok(&c, "A", 1);
	cl_expect_ok(&c, "D0755 0 empty\n");
	cl_expect_ok(&c, "E\n");
	cl_expect_ok(&c, "D0700 0 sub\n");
	cl_expect_ok(&c, "C0600 2 b\n");
	cl_expect_data_ok(&c, "BB", 2);
	cl_err(&c, "/t/sub/up: directory loop: it is /t, being sent already");
	cl_expect_ok(&c, "E\n");
	cl_expect_ok(&c, "E\n");
	ck_assert_int_eq(cl_end(&c), 1);
	/* sent from sub: up (t) is not being sent, followed; t/sub is, not */
	START(&c, &t, "-r", "-f", "/t/sub");
	cl_send(&c, "", 1);
	cl_expect_ok(&c, "D0700 0 sub\n");
	cl_expect_ok(&c, "C0600 2 b\n");
	cl_expect_data_ok(&c, "BB", 2);
	cl_expect_ok(&c, "D0755 0 up\n");
	cl_expect_ok(&c, "C0644 1 a\n");
	cl_expect_data_ok(&c, "A", 1);
	cl_expect_ok(&c, "D0755 0 empty\n");
	cl_expect_ok(&c, "E\n");
	cl_err(&c, "/t/sub/up/sub: directory loop: it is /t/sub, being sent already");
	cl_expect_ok(&c, "E\n");
	cl_expect_ok(&c, "E\n");
	ck_assert_int_eq(cl_end(&c), 1);
	tsrv_close(&t);
}
END_TEST

/* "t/" and "t/." name t; the root has no name a sink would accept. */
START_TEST(source_directory_names)
{
	static const char *const paths[] = {"/t/", "t//", "/t/.", "/t/sub/.."};
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	make_tree(&t);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		START(&c, &t, "-r", "-f", paths[i]);
		cl_send(&c, "", 1);
		expect_tree(&c);
		ck_assert_int_eq(cl_end(&c), 0);
	}
	START(&c, &t, "-r", "-f", "/");
	cl_send(&c, "", 1);
	cl_err(&c, "/: the root directory has no name");
	ck_assert_int_eq(cl_end(&c), 1);
	tsrv_close(&t);
}
END_TEST

START_TEST(source_missing_file)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	host_file(&t, "b", "b", 1, 0644);
	START(&c, &t, "-f", "/nope", "/b");
	cl_send(&c, "", 1);
	cl_err(&c, "/nope: No such file or directory"); /* not answered */
	cl_expect_ok(&c, "C0644 1 b\n");
	cl_expect_data_ok(&c, "b", 1);
	ck_assert_int_eq(cl_end(&c), 1);
	tsrv_close(&t);
}
END_TEST

START_TEST(source_directory_without_r)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	host_dir(&t, "d", 0755);
	START(&c, &t, "-f", "/d");
	cl_send(&c, "", 1);
	cl_err(&c, "/d: not a regular file");
	ck_assert_int_eq(cl_end(&c), 1);
	tsrv_close(&t);
}
END_TEST

START_TEST(source_preserve_sends_times)
{
	struct tsrv t;
	struct cl c;
	char p[512];
	struct timeval tv[2] = {{1234560000, 0}, {1234567890, 0}};

	scp_setup(&t, NULL);
	host_file(&t, "f", "f", 1, 0600);
	host_path(&t, "f", p, sizeof(p));
	ck_assert_int_eq(utimes(p, tv), 0);
	START(&c, &t, "-p", "-f", "/f");
	cl_send(&c, "", 1);
	cl_expect_ok(&c, "T1234567890 0 1234560000 0\n");
	cl_expect_ok(&c, "C0600 1 f\n");
	cl_expect_data_ok(&c, "f", 1);
	ck_assert_int_eq(cl_end(&c), 0);
	tsrv_close(&t);
}
END_TEST

START_TEST(source_client_fatal_stops)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	host_file(&t, "f", "f", 1, 0644);
	START(&c, &t, "-f", "/f", "/f");
	cl_send(&c, "", 1);
	cl_expect(&c, "C0644 1 f\n", 10);
	cl_puts(&c, "\x02scp: no\n");
	ck_assert_int_eq(cl_end(&c), 1);
	tsrv_close(&t);
}
END_TEST

/* Any answer but 0 and 1 ends the run, as in OpenSSH; so does an endless one. */
START_TEST(source_client_bad_answers_stop)
{
	char longmsg[9000];
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	host_file(&t, "f", "f", 1, 0644);
	START(&c, &t, "-f", "/f", "/f");
	cl_send(&c, "", 1);
	cl_expect(&c, "C0644 1 f\n", 10);
	cl_puts(&c, "\x03what\n");
	ck_assert_int_eq(cl_end(&c), 1);
	START(&c, &t, "-f", "/f");
	cl_send(&c, "", 1);
	cl_expect(&c, "C0644 1 f\n", 10);
	longmsg[0] = 1;
	memset(longmsg + 1, 'm', sizeof(longmsg) - 1);
	cl_send(&c, longmsg, sizeof(longmsg));
	ck_assert_int_eq(cl_end(&c), 1);
	tsrv_close(&t);
}
END_TEST

/* A refused C line: no data is sent for it, the next path follows. */
START_TEST(source_client_error_skips_file)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	host_file(&t, "a", "a", 1, 0644);
	host_file(&t, "b", "b", 1, 0644);
	START(&c, &t, "-f", "/a", "/b");
	cl_send(&c, "", 1);
	cl_expect(&c, "C0644 1 a\n", 10);
	cl_puts(&c, "\x01scp: a: Permission denied\n");
	cl_expect_ok(&c, "C0644 1 b\n");
	cl_expect_data_ok(&c, "b", 1);
	ck_assert_int_eq(cl_end(&c), 1);
	tsrv_close(&t);
}
END_TEST

START_TEST(source_client_gone)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	host_file(&t, "f", "f", 1, 0644);
	START(&c, &t, "-f", "/f");
	ck_assert_int_eq(cl_end(&c), 1);
	tsrv_close(&t);
}
END_TEST

START_TEST(source_permission_denied)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, "{\"permissions\": {\"/\": [\"list\"]}}");
	host_file(&t, "f", "f", 1, 0644);
	START(&c, &t, "-f", "/f");
	cl_send(&c, "", 1);
	cl_err(&c, "/f: Permission denied");
	ck_assert_int_eq(cl_end(&c), 1);
	tsrv_close(&t);
}
END_TEST

START_TEST(source_newline_in_name)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	host_file(&t, "a\nb", "x", 1, 0644);
	START(&c, &t, "-f", "/a\nb");
	cl_send(&c, "", 1);
	cl_err(&c, "/a?b: unexpected filename");
	ck_assert_int_eq(cl_end(&c), 1);
	tsrv_close(&t);
}
END_TEST

/* ---- options ---- */

static const char *const *const bad_args[] = {
    (const char *const[]){NULL},
    (const char *const[]){"/x", NULL},
    (const char *const[]){"-t", NULL},
    (const char *const[]){"-f", NULL},
    (const char *const[]){"-t", "--", NULL},
    (const char *const[]){"-x", "-t", "/", NULL},
    (const char *const[]){"-t", "-f", "/", NULL},
    (const char *const[]){"-tf", "/", NULL},
    (const char *const[]){"-t", "/a", "/b", NULL},
    (const char *const[]){"-r", "-p", "/x", NULL},
};

START_TEST(options_rejected)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	cl_start(&c, &t, bad_args[_i]);
	cl_err(&c, "");
	ck_assert_int_eq(cl_end(&c), 1);
	ck_assert_int_eq(tsrv_entries(&t), 0);
	tsrv_close(&t);
}
END_TEST

START_TEST(options_accepted)
{
	struct tsrv t;
	struct cl c;

	scp_setup(&t, NULL);
	host_dir(&t, "d", 0755);
	START(&c, &t, "-v", "-r", "-p", "-d", "-t", "--", "/d");
	cl_ok(&c);
	cl_file(&c, "0644", "a", "a", 1);
	ck_assert_int_eq(cl_end(&c), 0);
	START(&c, &t, "-prt", "d");
	cl_ok(&c);
	cl_file(&c, "0644", "b", "b", 1);
	ck_assert_int_eq(cl_end(&c), 0);
	START(&c, &t, "-t", "--", "-dash"); /* a path that looks like an option */
	cl_ok(&c);
	cl_file(&c, "0644", "x", "-", 1);
	ck_assert_int_eq(cl_end(&c), 0);
	file_is(&t, "d/a", "a", 1);
	file_is(&t, "d/b", "b", 1);
	file_is(&t, "-dash", "-", 1);
	tsrv_close(&t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("scp");
	TCase *sink = tcase_create("sink");
	TCase *source = tcase_create("source");
	TCase *opts = tcase_create("options");

	tcase_set_timeout(sink, 60);
	tcase_set_timeout(source, 60);
	tcase_set_timeout(opts, 60);
	tcase_add_test(sink, sink_single_file);
	tcase_add_test(sink, sink_empty_and_large_files);
	tcase_add_test(sink, sink_into_directory);
	tcase_add_test(sink, sink_new_file_mode_minus_umask);
	tcase_add_test(sink, sink_recursive_tree);
	tcase_add_test(sink, sink_recursive_renames_top_dir);
	tcase_add_test(sink, sink_preserve_file);
	tcase_add_test(sink, sink_preserve_directory);
	tcase_add_test(sink, sink_times_apply_once);
	tcase_add_test(sink, sink_d_requires_directory);
	tcase_add_loop_test(sink, sink_rejects_line, 0,
	                    (int)(sizeof(bad_lines) / sizeof(bad_lines[0])));
	tcase_add_test(sink, sink_line_length_limit);
	tcase_add_test(sink, sink_permission_denied_then_allowed);
	tcase_add_test(sink, sink_source_warning_goes_on);
	tcase_add_test(sink, sink_source_fatal_stops);
	tcase_add_test(sink, sink_source_error_after_data);
	tcase_add_test(sink, sink_directory_over_file);
	tcase_add_test(sink, sink_depth_limit);
	tcase_add_test(sink, sink_eof_inside_data);
	tcase_add_test(sink, sink_eof_inside_directory);
	tcase_add_test(sink, sink_atomic_upload);
	tcase_add_test(sink, sink_stop_signal);
	tcase_add_test(source, source_single_file);
	tcase_add_test(source, source_large_file);
	tcase_add_test(source, source_recursive_tree);
	tcase_add_test(source, source_directory_loop);
	tcase_add_test(source, source_directory_names);
	tcase_add_test(source, source_missing_file);
	tcase_add_test(source, source_directory_without_r);
	tcase_add_test(source, source_preserve_sends_times);
	tcase_add_test(source, source_client_fatal_stops);
	tcase_add_test(source, source_client_bad_answers_stop);
	tcase_add_test(source, source_client_error_skips_file);
	tcase_add_test(source, source_client_gone);
	tcase_add_test(source, source_permission_denied);
	tcase_add_test(source, source_newline_in_name);
	tcase_add_loop_test(opts, options_rejected, 0,
	                    (int)(sizeof(bad_args) / sizeof(bad_args[0])));
	tcase_add_test(opts, options_accepted);
	suite_add_tcase(s, sink);
	suite_add_tcase(s, source);
	suite_add_tcase(s, opts);
	return check_run_suite(s);
}
