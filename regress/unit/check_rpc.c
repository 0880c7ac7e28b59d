#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fdpass.h"
#include "common/rpc.h"

static uint8_t frame[RPC_MAX_FRAME];

START_TEST(encode_decode_password)
{
	struct rpc_msg m;
	char err[128];
	ssize_t n = rpc_encode(frame, sizeof(frame), RPC_AUTH_PASSWORD, "alice", "s3cret");

	ck_assert_int_gt(n, 5);
	ck_assert_uint_eq(peek_u32(frame), (uint32_t)n - 4);
	ck_assert_int_eq(frame[4], RPC_AUTH_PASSWORD);
	ck_assert_int_eq(rpc_decode(frame, (size_t)n, -1, &m, err, sizeof(err)), 0);
	ck_assert_int_eq(m.type, RPC_AUTH_PASSWORD);
	ck_assert_int_eq(m.ns, 2);
	ck_assert_str_eq(m.s[0], "alice");
	ck_assert_str_eq(m.s[1], "s3cret");
	rpc_msg_free(&m);
}
END_TEST

START_TEST(encode_decode_ints_and_strings)
{
	struct rpc_msg m;
	char err[128];
	ssize_t n = rpc_encode(frame, sizeof(frame), RPC_CHANNEL_RESULT, (uint32_t)7,
			       (uint32_t)1, "fine");
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(rpc_decode(frame, (size_t)n, -1, &m, err, sizeof(err)), 0);
	ck_assert_int_eq(m.nu, 2);
	ck_assert_uint_eq(m.u[0], 7);
	ck_assert_uint_eq(m.u[1], 1);
	ck_assert_str_eq(m.s[0], "fine");
	rpc_msg_free(&m);
}
END_TEST

START_TEST(too_long_field_not_encoded)
{
	char *big = malloc(2000);
	memset(big, 'a', 1999);
	big[1999] = '\0';
	/* passwords are capped at 1024 bytes */
	ck_assert_int_eq(rpc_encode(frame, sizeof(frame), RPC_AUTH_PASSWORD, "u", big), -1);
	free(big);
	ck_assert_int_eq(rpc_encode(frame, sizeof(frame), 0), -1);
	ck_assert_int_eq(rpc_encode(frame, sizeof(frame), RPC_TYPE_MAX), -1);
}
END_TEST

START_TEST(decode_rejects_bad_frames)
{
	struct rpc_msg m;
	char err[128];
	ssize_t n = rpc_encode(frame, sizeof(frame), RPC_AUTH_PASSWORD, "alice", "pw");

	/* every truncation fails */
	for (ssize_t i = 0; i < n; i++)
		ck_assert_int_eq(rpc_decode(frame, (size_t)i, -1, &m, err, sizeof(err)), -1);
	/* wrong length prefix */
	poke_u32(frame, (uint32_t)n);
	ck_assert_int_eq(rpc_decode(frame, (size_t)n, -1, &m, err, sizeof(err)), -1);
	poke_u32(frame, (uint32_t)n - 4);
	/* unknown type */
	frame[4] = 200;
	ck_assert_int_eq(rpc_decode(frame, (size_t)n, -1, &m, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown message type"));
	frame[4] = RPC_AUTH_PASSWORD;
	/* a string field that claims more than its cap */
	poke_u32(frame + 5, 100000);
	ck_assert_int_eq(rpc_decode(frame, (size_t)n, -1, &m, err, sizeof(err)), -1);
	/* trailing bytes */
	n = rpc_encode(frame, sizeof(frame), RPC_AUTH_PASSWORD, "alice", "pw");
	frame[n] = 0;
	poke_u32(frame, (uint32_t)n - 3);
	ck_assert_int_eq(rpc_decode(frame, (size_t)n + 1, -1, &m, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "trailing"));
}
END_TEST

START_TEST(decode_rejects_nul_in_text)
{
	struct rpc_msg m;
	char err[128];
	ssize_t n = rpc_encode(frame, sizeof(frame), RPC_LOG, (uint32_t)1, "abc");
	frame[n - 2] = '\0';
	ck_assert_int_eq(rpc_decode(frame, (size_t)n, -1, &m, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
}
END_TEST

START_TEST(decode_closes_fd_on_error)
{
	struct rpc_msg m;
	char err[128];
	int fd = open("/dev/null", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(rpc_decode(frame, 3, fd, &m, err, sizeof(err)), -1);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
}
END_TEST

START_TEST(send_recv_with_fd)
{
	int sv[2];
	struct rpc_msg m;
	char err[128];
	struct stat a, b;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	int fd = open("/dev/null", O_RDONLY);
	ck_assert_int_eq(rpc_send(sv[0], fd, RPC_CONN, "192.0.2.1", (uint32_t)2022, "abcd"), 0);
	ck_assert_int_eq(rpc_recv(sv[1], &m, err, sizeof(err)), 1);
	ck_assert_int_eq(m.type, RPC_CONN);
	ck_assert_int_ge(m.fd, 0);
	ck_assert_int_eq(fstat(fd, &a), 0);
	ck_assert_int_eq(fstat(m.fd, &b), 0);
	ck_assert(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	ck_assert_int_ne(fcntl(m.fd, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_str_eq(m.s[0], "192.0.2.1");
	ck_assert_uint_eq(m.u[0], 2022);
	ck_assert_str_eq(m.s[1], "abcd");
	rpc_msg_free(&m);
	close(fd);
	close(sv[0]);
	ck_assert_int_eq(rpc_recv(sv[1], &m, err, sizeof(err)), 0);
	close(sv[1]);
}
END_TEST

START_TEST(recv_rejects_oversized_datagram)
{
	int sv[2];
	struct rpc_msg m;
	char err[128];
	static uint8_t big[RPC_MAX_FRAME + 100];
	int sz = 4 * RPC_MAX_FRAME;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	poke_u32(big, sizeof(big) - 4);
	big[4] = RPC_LOG;
	ck_assert_int_eq(fdpass_send(sv[0], big, sizeof(big), -1), 0);
	ck_assert_int_eq(rpc_recv(sv[1], &m, err, sizeof(err)), -1);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(stream_frames)
{
	int sv[2];
	struct frame_reader r;
	const uint8_t *body;
	size_t len;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(frame_write(sv[0], "{\"a\":1}", 7), 0);
	ck_assert_int_eq(frame_write(sv[0], "xy", 2), 0);
	frame_reader_init(&r, 1024);
	ck_assert_int_eq(frame_reader_fill(&r, sv[1]), 1);
	ck_assert_int_eq(frame_reader_next(&r, &body, &len), 1);
	ck_assert_uint_eq(len, 7);
	ck_assert_int_eq(memcmp(body, "{\"a\":1}", 7), 0);
	ck_assert_int_eq(frame_reader_next(&r, &body, &len), 1);
	ck_assert_uint_eq(len, 2);
	ck_assert_int_eq(frame_reader_next(&r, &body, &len), 0);
	/* a frame announcing more than the cap is an error */
	uint8_t h[4];
	poke_u32(h, 5000);
	ck_assert_int_eq(write(sv[0], h, 4), 4);
	ck_assert_int_eq(frame_reader_fill(&r, sv[1]), 1);
	ck_assert_int_eq(frame_reader_next(&r, &body, &len), -1);
	close(sv[0]);
	frame_reader_free(&r);
	close(sv[1]);
}
END_TEST

START_TEST(stream_frame_split_across_reads)
{
	int sv[2];
	struct frame_reader r;
	const uint8_t *body;
	size_t len;
	uint8_t h[4];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	frame_reader_init(&r, 1024);
	poke_u32(h, 5);
	ck_assert_int_eq(write(sv[0], h, 3), 3);
	ck_assert_int_eq(frame_reader_fill(&r, sv[1]), 1);
	ck_assert_int_eq(frame_reader_next(&r, &body, &len), 0);
	ck_assert_int_eq(write(sv[0], h + 3, 1), 1);
	ck_assert_int_eq(write(sv[0], "hel", 3), 3);
	ck_assert_int_eq(frame_reader_fill(&r, sv[1]), 1);
	ck_assert_int_eq(frame_reader_next(&r, &body, &len), 0);
	ck_assert_int_eq(write(sv[0], "lo", 2), 2);
	ck_assert_int_eq(frame_reader_fill(&r, sv[1]), 1);
	ck_assert_int_eq(frame_reader_next(&r, &body, &len), 1);
	ck_assert_int_eq(memcmp(body, "hello", 5), 0);
	close(sv[0]);
	ck_assert_int_eq(frame_reader_fill(&r, sv[1]), 0);
	frame_reader_free(&r);
	close(sv[1]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rpc");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, encode_decode_password);
	tcase_add_test(tc, encode_decode_ints_and_strings);
	tcase_add_test(tc, too_long_field_not_encoded);
	tcase_add_test(tc, decode_rejects_bad_frames);
	tcase_add_test(tc, decode_rejects_nul_in_text);
	tcase_add_test(tc, decode_closes_fd_on_error);
	tcase_add_test(tc, send_recv_with_fd);
	tcase_add_test(tc, recv_rejects_oversized_datagram);
	tcase_add_test(tc, stream_frames);
	tcase_add_test(tc, stream_frame_split_across_reads);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
