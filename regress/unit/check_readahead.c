/* SPDX-License-Identifier: BSD-2-Clause */
/* session/readahead.c: libssh's 4 KiB recv() calls served from one large read. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "regress/unit/check_main.h"
#include "session/readahead.h"

static int sp[2];

/*
 * libssh calls recv() and poll() through its dynamic symbol references; calls from
 * here could be turned into __recv_chk/__poll_chk by _FORTIFY_SOURCE, which would
 * bypass the definitions under test. Pointers take the same route libssh does.
 */
static ssize_t (*volatile recv_fn)(int, void *, size_t, int) = recv;
static ssize_t (*volatile send_fn)(int, const void *, size_t, int) = send;
static int (*volatile poll_fn)(struct pollfd *, nfds_t, int) = poll;
#define recv recv_fn
#define send send_fn
#define poll poll_fn

static void
setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	ck_assert_int_eq(readahead_attach(sp[0]), 0);
}

static void
teardown(void)
{
	close(sp[0]);
	close(sp[1]);
}

static int
poll_in(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r = poll(&p, 1, timeout_ms);
	return r > 0 && (p.revents & POLLIN);
}

/* Bytes come back whole and in order, 4 KiB at a time, from one socket read. */
START_TEST(order_and_pending)
{
	static uint8_t out[10000], in[4096];
	size_t got = 0;

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + 1);
	ck_assert_int_eq(write(sp[1], out, sizeof(out)), (ssize_t)sizeof(out));
	ssize_t n = recv(sp[0], in, sizeof(in), 0);
	ck_assert_int_eq(n, 4096);
	ck_assert_int_eq(memcmp(in, out, 4096), 0);
	got = 4096;
	/* the socket itself is empty now, yet poll() says there is input */
	ck_assert_uint_eq(readahead_pending(), sizeof(out) - 4096);
	ck_assert(poll_in(sp[0], 0));
	while (got < sizeof(out)) {
		n = recv(sp[0], in, sizeof(in), 0);
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(memcmp(in, out + got, (size_t)n), 0);
		got += (size_t)n;
	}
	ck_assert_uint_eq(readahead_pending(), 0);
	ck_assert(!poll_in(sp[0], 0));
}
END_TEST

/* EOF and errors come through once the buffered bytes are gone. */
START_TEST(eof_after_data)
{
	char in[16];

	ck_assert_int_eq(write(sp[1], "abc", 3), 3);
	close(sp[1]);
	sp[1] = -1;
	ck_assert_int_eq(recv(sp[0], in, 2, 0), 2);
	ck_assert_int_eq(recv(sp[0], in, sizeof(in), 0), 1);
	ck_assert_int_eq(in[0], 'c');
	ck_assert_int_eq(recv(sp[0], in, sizeof(in), 0), 0);
}
END_TEST

/* Other descriptors and other flags are not touched. */
START_TEST(others_untouched)
{
	int other[2];
	char in[8];
	struct pollfd p[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, other), 0);
	ck_assert_int_eq(write(other[1], "xy", 2), 2);
	ck_assert_int_eq(recv(other[0], in, 1, MSG_PEEK), 1);
	ck_assert_int_eq(recv(other[0], in, sizeof(in), 0), 2);
	ck_assert_uint_eq(readahead_pending(), 0);
	/* pending bytes on the attached socket: the others' state is still reported */
	ck_assert_int_eq(write(sp[1], "12345678", 8), 8);
	ck_assert_int_eq(recv(sp[0], in, 4, 0), 4);
	ck_assert_int_eq(write(other[1], "z", 1), 1);
	p[0] = (struct pollfd){.fd = other[0], .events = POLLIN};
	p[1] = (struct pollfd){.fd = sp[0], .events = POLLIN};
	ck_assert_int_eq(poll(p, 2, 1000), 2);
	ck_assert(p[0].revents & POLLIN);
	ck_assert(p[1].revents & POLLIN);
	/* nothing anywhere and a timeout: poll() still waits and returns 0 */
	ck_assert_int_eq(recv(sp[0], in, sizeof(in), 0), 4);
	ck_assert_int_eq(recv(other[0], in, sizeof(in), 0), 1);
	ck_assert_int_eq(poll(p, 2, 10), 0);
	close(other[0]);
	close(other[1]);
}
END_TEST

/*
 * After a send that wrote everything, one poll() asking for POLLOUT answers at once
 * without asking the kernel (so it does not see the other descriptor), then the
 * kernel is asked again.
 */
START_TEST(writable_after_whole_send)
{
	int other[2];
	char in[8];
	struct pollfd p[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, other), 0);
	ck_assert_int_eq(write(other[1], "z", 1), 1);
	ck_assert_int_eq(send(sp[0], "abc", 3, MSG_NOSIGNAL), 3);
	p[0] = (struct pollfd){.fd = other[0], .events = POLLIN};
	p[1] = (struct pollfd){.fd = sp[0], .events = POLLIN | POLLOUT};
	ck_assert_int_eq(poll(p, 2, 1000), 1);
	ck_assert_int_eq(p[0].revents, 0);
	ck_assert_int_eq(p[1].revents, POLLOUT);
	ck_assert_int_eq(poll(p, 2, 1000), 2);
	ck_assert(p[0].revents & POLLIN);
	ck_assert(p[1].revents & POLLOUT);
	/* the peer got the bytes */
	ck_assert_int_eq(read(sp[1], in, sizeof(in)), 3);
	/* without POLLOUT asked, the kernel answers */
	p[1].events = POLLIN;
	ck_assert_int_eq(send(sp[0], "d", 1, 0), 1);
	ck_assert_int_eq(poll(p, 2, 0), 1);
	ck_assert(p[0].revents & POLLIN);
	close(other[0]);
	close(other[1]);
}
END_TEST

/* A send that could not write everything leaves poll() to the kernel. */
START_TEST(full_socket_asks_kernel)
{
	static char block[65536];
	struct pollfd p = {.fd = sp[0], .events = POLLOUT};
	int sz = 4096;

	ck_assert_int_eq(setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)), 0);
	ck_assert_int_eq(send(sp[0], "x", 1, 0), 1);
	for (int i = 0; i < 1000; i++) {
		ssize_t n = send(sp[0], block, sizeof(block), MSG_DONTWAIT);
		if (n < 0) {
			ck_assert_int_eq(errno, EAGAIN);
			break;
		}
	}
	/* the socket is full: POLLOUT is not reported */
	ck_assert_int_eq(poll(&p, 1, 0), 0);
}
END_TEST

/* A TCP connection over loopback: sp[0] the accepted end (attached), sp[1] the client. */
static void
tcp_setup(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	ck_assert_int_ge(l, 0);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&a, &alen), 0);
	sp[1] = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(sp[1], (struct sockaddr *)&a, sizeof(a)), 0);
	sp[0] = accept(l, NULL, NULL);
	ck_assert_int_ge(sp[0], 0);
	close(l);
	ck_assert_int_eq(setsockopt(sp[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)),
	                 0);
	ck_assert_int_eq(readahead_attach(sp[0]), 0);
}

/*
 * One request and answer with the server end in delayed-ACK (ping-pong) mode, as
 * the kernel puts it once the server answers quickly; returns TCP_QUICKACK after
 * the server's read: 1 when the read ACKed at once.
 */
static int
quickack_after_read(void)
{
	int zero = 0, val = -1;
	socklen_t vlen = sizeof(val);
	char c;

	ck_assert_int_eq(
	    setsockopt(sp[0], IPPROTO_TCP, TCP_QUICKACK, &zero, sizeof(zero)), 0);
	ck_assert_int_eq(write(sp[1], "q", 1), 1);
	ck_assert_int_eq(recv(sp[0], &c, 1, 0), 1);
	ck_assert_int_eq(getsockopt(sp[0], IPPROTO_TCP, TCP_QUICKACK, &val, &vlen), 0);
	ck_assert_int_eq(send(sp[0], "a", 1, 0), 1);
	ck_assert_int_eq(read(sp[1], &c, 1), 1);
	return val;
}

/* Until authentication: every read from the socket sends its ACK at once. */
/* The listener's copy of the identification line: libssh's is taken off the front
 * of its sends, whole or in pieces, and the rest goes out. */
START_TEST(drop_sent_prefix)
{
	static const char line[] = "SSH-2.0-X\r\n";
	char buf[64];

	ck_assert_int_eq(readahead_drop_sent(line, strlen(line)), 0);
	ck_assert_int_eq(send(sp[0], "SSH-2", 5, 0), 5);
	ck_assert_int_eq(send(sp[0], ".0-X\r\nKEX", 9, 0), 9);
	ck_assert_int_eq(send(sp[0], "more", 4, 0), 4);
	ssize_t n = read(sp[1], buf, sizeof(buf));
	ck_assert_int_eq(n, 7);
	ck_assert_int_eq(memcmp(buf, "KEXmore", 7), 0);
	ck_assert_int_eq(readahead_drop_failed(), 0);
}
END_TEST

/* libssh sending another line is refused (it is part of the kex hash), once. */
START_TEST(drop_sent_mismatch)
{
	static const char line[] = "SSH-2.0-X\r\n";

	ck_assert_int_eq(readahead_drop_sent(line, strlen(line)), 0);
	errno = 0;
	ck_assert_int_eq(send(sp[0], "SSH-2.0-Y\r\n", 11, 0), -1);
	ck_assert_int_eq(errno, EPROTO);
	ck_assert_int_eq(readahead_drop_failed(), 1);
	ck_assert_int_eq(poll_in(sp[1], 0), 0); /* nothing went out */
	ck_assert_int_eq(readahead_drop_sent(line, RA_DROP_MAX + 1), -1);
}
END_TEST

START_TEST(quickack_while_on)
{
	readahead_quickack(1);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(quickack_after_read(), 1);
	readahead_quickack(0);
}
END_TEST

/* Afterwards the kernel's own ACK policy is left alone. */
START_TEST(quickack_off_leaves_kernel_policy)
{
	readahead_quickack(1);
	readahead_quickack(0);
	ck_assert_int_eq(quickack_after_read(), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("readahead");
	TCase *tc = tcase_create("recv_poll");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, order_and_pending);
	tcase_add_test(tc, eof_after_data);
	tcase_add_test(tc, others_untouched);
	tcase_add_test(tc, writable_after_whole_send);
	tcase_add_test(tc, full_socket_asks_kernel);
	tcase_add_test(tc, drop_sent_prefix);
	tcase_add_test(tc, drop_sent_mismatch);
	suite_add_tcase(s, tc);
	TCase *tq = tcase_create("quickack");
	tcase_add_checked_fixture(tq, tcp_setup, teardown);
	tcase_add_test(tq, quickack_while_on);
	tcase_add_test(tq, quickack_off_leaves_kernel_policy);
	suite_add_tcase(s, tq);
	return check_run_suite(s);
}
