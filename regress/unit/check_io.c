/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/io.h"
#include "common/parse.h"
#include "regress/unit/check_main.h"

static const struct {
	const char *in;
	int ok;
	mode_t want;
} umasks[] = {
    {"0022", 1, 022}, {"022", 1, 022}, {"0", 1, 0},    {"0777", 1, 0777},
    {"777", 1, 0777}, {"7", 1, 07},    {"", 0, 0},     {"00022", 0, 0},
    {"1000", 0, 0},   {"0800", 0, 0},  {" 022", 0, 0}, {"022 ", 0, 0},
    {"-022", 0, 0},   {"+022", 0, 0},  {"0x12", 0, 0}, {"abc", 0, 0},
};

START_TEST(umask_cases)
{
	mode_t m = 0123;
	int rc = parse_umask(umasks[_i].in, &m);

	ck_assert_msg((rc == 0) == umasks[_i].ok, "\"%s\"", umasks[_i].in);
	if (umasks[_i].ok)
		ck_assert_uint_eq(m, umasks[_i].want);
	else
		ck_assert_uint_eq(m, 0123); /* untouched on error */
}
END_TEST

START_TEST(umask_null)
{
	mode_t m;

	ck_assert_int_eq(parse_umask(NULL, &m), -1);
}
END_TEST

static const struct {
	const char *in;
	unsigned maxdigits;
	int ok;
	uint64_t want;
	size_t used; /* digits consumed */
} decimals[] = {
    {"0", 3, 1, 0, 1},
    {"123", 3, 1, 123, 3},
    {"1234", 3, 0, 0, 0},
    {"12$x", 3, 1, 12, 2},
    {"", 3, 0, 0, 0},
    {"$1", 3, 0, 0, 0},
    {"-1", 3, 0, 0, 0},
    {"+1", 3, 0, 0, 0},
    {" 1", 3, 0, 0, 0},
    {"007", 3, 1, 7, 3},
    {"18446744073709551615", 20, 0, 0, 0},
    {"9999999999999999999", 19, 1, 9999999999999999999ull, 19},
};

START_TEST(decimal_cases)
{
	const char *p = decimals[_i].in;
	uint64_t v = 42;
	int rc = parse_decimal(&p, decimals[_i].maxdigits, &v);

	ck_assert_msg((rc == 0) == decimals[_i].ok, "\"%s\"", decimals[_i].in);
	if (decimals[_i].ok) {
		ck_assert_uint_eq(v, decimals[_i].want);
		ck_assert_ptr_eq(p, decimals[_i].in + decimals[_i].used);
	} else {
		ck_assert_uint_eq(v, 42);
		ck_assert_ptr_eq(p, decimals[_i].in);
	}
}
END_TEST

/* A non-blocking socket smaller than the data: the writer must wait, not fail. */
static void
drain_in_child(int fd, size_t want, int outfd)
{
	char buf[4096];
	size_t got = 0;

	while (got < want) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			_exit(1);
		got += (size_t)n;
		usleep(100);
	}
	(void)!write(outfd, &got, sizeof(got));
	_exit(0);
}

START_TEST(write_all_waits_on_eagain)
{
	int sv[2], res[2];
	size_t n = 1 << 20, got = 0;
	char *big = malloc(n);

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', n);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pipe(res), 0);
	if (fork() == 0) {
		close(sv[0]);
		drain_in_child(sv[1], n, res[1]);
	}
	close(sv[1]);
	ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(io_write_all(sv[0], big, n, NULL), 0);
	ck_assert_int_eq(read(res[0], &got, sizeof(got)), (ssize_t)sizeof(got));
	ck_assert_uint_eq(got, n);
	free(big);
	close(sv[0]);
}
END_TEST

START_TEST(writev_all_advances)
{
	int p[2];
	char a[] = "abc", b[] = "defgh", out[16] = {0};
	struct iovec iov[2] = {{a, 3}, {b, 5}};

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(io_writev_all(p[1], iov, 2, NULL), 0);
	ck_assert_int_eq(read(p[0], out, sizeof(out)), 8);
	ck_assert_str_eq(out, "abcdefgh");
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(write_to_closed_peer_fails)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(io_write_all(sv[0], "x", 1, NULL), -1);
	ck_assert_int_eq(errno, EPIPE);
	close(sv[0]);
}
END_TEST

static volatile sig_atomic_t stop_flag;

static void
on_alarm(int sig)
{
	(void)sig;
	stop_flag = 1;
}

START_TEST(wait_stops_on_signal_with_flag)
{
	int p[2];
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */

	ck_assert_int_eq(pipe(p), 0);
	sigaction(SIGALRM, &sa, NULL);
	stop_flag = 0;
	alarm(1);
	ck_assert_int_eq(io_wait(p[0], POLLIN, -1, &stop_flag), 0);
	ck_assert_int_eq(stop_flag, 1);
	ck_assert_int_eq(io_wait(p[0], POLLIN, 10, NULL), 0); /* timeout */
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(io_wait(p[0], POLLIN, -1, NULL), 1);
	close(p[0]);
	close(p[1]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("io");
	TCase *tu = tcase_create("parse_umask");
	TCase *tw = tcase_create("write");

	tcase_add_loop_test(tu, umask_cases, 0, sizeof(umasks) / sizeof(umasks[0]));
	tcase_add_test(tu, umask_null);
	tcase_add_loop_test(tu, decimal_cases, 0, sizeof(decimals) / sizeof(decimals[0]));
	tcase_add_test(tw, write_all_waits_on_eagain);
	tcase_add_test(tw, writev_all_advances);
	tcase_add_test(tw, write_to_closed_peer_fails);
	tcase_add_test(tw, wait_stops_on_signal_with_flag);
	tcase_set_timeout(tw, 20);
	suite_add_tcase(s, tu);
	suite_add_tcase(s, tw);
	return check_run_suite(s);
}
