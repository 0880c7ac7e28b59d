/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of common/log.c: the sink, the minimum level, the cut, fatal(). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "regress/unit/check_main.h"

static struct {
	int calls;
	enum log_level level;
	char text[LOG_MSG_LIMIT];
	int flushed;
} got;

static void
record(void *arg, enum log_level l, const char *message)
{
	got.calls += *(int *)arg;
	got.level = l;
	snprintf(got.text, sizeof(got.text), "%s", message);
}

static void
flushed(void *arg)
{
	(void)arg;
	got.flushed++;
}

static int one = 1;

static void
setup(void)
{
	memset(&got, 0, sizeof(got));
	log_set_sink(record, flushed, &one);
	log_set_min_level(LOGL_DEBUG);
	log_set_msg_max(LOG_MSG_MAX);
}

static void
teardown(void)
{
	log_set_sink(NULL, NULL, NULL);
	log_set_min_level(LOGL_DEBUG);
	log_set_msg_max(LOG_MSG_MAX);
}

START_TEST(sink_gets_level_and_text)
{
	log_warn("n=%d %s", 7, "x");
	ck_assert_int_eq(got.calls, 1);
	ck_assert_int_eq(got.level, LOGL_WARN);
	ck_assert_str_eq(got.text, "n=7 x");
	log_msg(LOGL_DEBUG, "d");
	ck_assert_int_eq(got.level, LOGL_DEBUG);
	log_info("i");
	ck_assert_int_eq(got.level, LOGL_INFO);
	log_error("e");
	ck_assert_int_eq(got.level, LOGL_ERROR);
	ck_assert_str_eq(got.text, "e");
	ck_assert_int_eq(got.calls, 4);
	ck_assert_int_eq(got.flushed, 0); /* only fatal() flushes */
}
END_TEST

START_TEST(level_names)
{
	ck_assert_str_eq(log_level_name(LOGL_DEBUG), "debug");
	ck_assert_str_eq(log_level_name(LOGL_INFO), "info");
	ck_assert_str_eq(log_level_name(LOGL_WARN), "warn");
	ck_assert_str_eq(log_level_name(LOGL_ERROR), "error");
	ck_assert_str_eq(log_level_name((enum log_level)42), "error");
}
END_TEST

START_TEST(minimum_level_filters)
{
	log_set_min_level(LOGL_WARN);
	ck_assert(!log_wanted(LOGL_INFO));
	ck_assert(log_wanted(LOGL_WARN));
	log_debug("no");
	log_info("no");
	ck_assert_int_eq(got.calls, 0);
	log_warn("yes");
	log_error("yes too");
	ck_assert_int_eq(got.calls, 2);
	log_set_min_level(LOGL_QUIET);
	log_error("never");
	ck_assert_int_eq(got.calls, 2);
	ck_assert(!log_wanted(LOGL_QUIET));
}
END_TEST

START_TEST(long_message_cut)
{
	char big[3000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_info("%s", big);
	ck_assert_uint_eq(strlen(got.text), LOG_MSG_MAX - 1);
	log_set_msg_max(LOG_MSG_LIMIT);
	log_info("%s", big);
	ck_assert_uint_eq(strlen(got.text), sizeof(big) - 1);
}
END_TEST

/* A cut never leaves half a UTF-8 sequence; whole ones and plain bytes stay. */
START_TEST(cut_at_utf8_boundary)
{
	char s[LOG_MSG_MAX + 8];

	memset(s, 'a', sizeof(s));
	/* "é" (2 bytes) straddling the cut: bytes 1022 and 1023 */
	s[LOG_MSG_MAX - 2] = (char)0xC3;
	s[LOG_MSG_MAX - 1] = (char)0xA9;
	s[sizeof(s) - 1] = '\0';
	log_info("%s", s);
	ck_assert_uint_eq(strlen(got.text), LOG_MSG_MAX - 2);
	/* "€" (3 bytes) ending right at the cut: kept whole */
	memset(s, 'a', sizeof(s));
	memcpy(s + LOG_MSG_MAX - 4, "\xE2\x82\xAC", 3);
	s[sizeof(s) - 1] = '\0';
	log_info("%s", s);
	ck_assert_uint_eq(strlen(got.text), LOG_MSG_MAX - 1);
	ck_assert_int_eq(memcmp(got.text + LOG_MSG_MAX - 4, "\xE2\x82\xAC", 3), 0);
	/* a message that is not cut is passed as it is, invalid bytes included */
	log_info("x\xC3");
	ck_assert_str_eq(got.text, "x\xC3");
}
END_TEST

START_TEST(errno_kept)
{
	errno = ENOENT;
	log_info("x");
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

static int report_fd = -1;

/* fatal()'s flush hook: tells the parent what the sink had seen by then. */
static void
report(void *arg)
{
	char line[LOG_MSG_MAX + 32];

	(void)arg;
	int n =
	    snprintf(line, sizeof(line), "%d %d %s", (int)got.level, got.calls, got.text);
	if (write(report_fd, line, (size_t)n) != n)
		_exit(3);
}

static void
read_child(int fd, char *buf, size_t len)
{
	ssize_t n, off = 0;

	while ((n = read(fd, buf + off, len - 1 - (size_t)off)) > 0)
		off += n;
	buf[off] = '\0';
	close(fd);
}

static void
wait_status_1(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 1);
}

/* fatal() in a child: the message reaches the sink at error level, the sink is
 * flushed after it, the status is 1 and no atexit handler runs. */
START_TEST(fatal_exits_1_through_sink)
{
	int p[2];
	char buf[128];

	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		log_set_sink(record, report, &one);
		atexit(abort);
		fatal("cannot go on: %s", "because");
	}
	close(p[1]);
	read_child(p[0], buf, sizeof(buf));
	wait_status_1(pid);
	ck_assert_str_eq(buf, "3 1 cannot go on: because");
}
END_TEST

/* Before any sink is set: "progname: message" on stderr. */
START_TEST(fatal_default_sink_stderr)
{
	int p[2];
	char buf[256], want[256];

	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], STDERR_FILENO);
		log_set_sink(NULL, NULL, NULL);
		fatal("boom %d", 1);
	}
	close(p[1]);
	read_child(p[0], buf, sizeof(buf));
	wait_status_1(pid);
	snprintf(want, sizeof(want), "%s: boom 1\n", program_invocation_short_name);
	ck_assert_str_eq(buf, want);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("log_api");
	TCase *tc = tcase_create("front end");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sink_gets_level_and_text);
	tcase_add_test(tc, level_names);
	tcase_add_test(tc, minimum_level_filters);
	tcase_add_test(tc, long_message_cut);
	tcase_add_test(tc, cut_at_utf8_boundary);
	tcase_add_test(tc, errno_kept);
	tcase_add_test(tc, fatal_exits_1_through_sink);
	tcase_add_test(tc, fatal_default_sink_stderr);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
