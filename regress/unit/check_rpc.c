/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fdpass.h"
#include "common/log.h"
#include "common/rpc.h"
#include "regress/unit/check_main.h"

static uint8_t frame[RPC_MAX_FRAME];

static void
put_u32(void *msg, const struct rpc_field_spec *f, uint32_t v)
{
	memcpy((char *)msg + f->off, &v, sizeof(v));
}

static void
put_str(void *msg, const struct rpc_field_spec *f, const char *p, size_t n)
{
	memcpy((char *)msg + f->off, &p, sizeof(p));
	if (f->kind == RPC_FIELD_BIN)
		memcpy((char *)msg + f->len_off, &n, sizeof(n));
}

/* Bytes for string field i at length n: distinct per field, NULs inside BIN fields. */
static char *
field_bytes(const struct rpc_field_spec *f, int i, size_t n)
{
	char *p = malloc(n + 1);
	ck_assert_ptr_nonnull(p);
	for (size_t k = 0; k < n; k++)
		p[k] = f->kind == RPC_FIELD_BIN && k % 7 == 3
		           ? '\0'
		           : (char)('a' + (i + k) % 26);
	p[n] = '\0';
	return p;
}

/*
 * Fills msg (type sp) with every field at its cap (at_max) or empty/minimal, but
 * field `over` (index, or -1) one past its cap or range. Returns the strings to free.
 */
static void
fill(void *msg, const struct rpc_msg_spec *sp, int at_max, int over, char **strs)
{
	memset(msg, 0, sp->size);
	*(int *)msg = -1; /* fd */
	for (int i = 0; i < sp->nfields; i++) {
		const struct rpc_field_spec *f = &sp->fields[i];
		strs[i] = NULL;
		if (f->kind == RPC_FIELD_U32) {
			uint32_t v = at_max ? f->max : f->min;
			if (i == over)
				v = f->max < UINT32_MAX ? f->max + 1 : f->min - 1;
			put_u32(msg, f, v);
			continue;
		}
		size_t n = i == over ? (size_t)f->max + 1
		           : at_max  ? f->max
		                     : (size_t)(i % 3);
		strs[i] = field_bytes(f, i, n);
		put_str(msg, f, strs[i], n);
	}
}

static void
free_strs(const struct rpc_msg_spec *sp, char **strs)
{
	for (int i = 0; i < sp->nfields; i++)
		free(strs[i]);
}

static void
round_trip(int type, int at_max)
{
	const struct rpc_msg_spec *sp = rpc_msg_spec(type);
	struct rpc_msg in; /* its union holds any message struct */
	struct rpc_msg out;
	char *strs[16];
	char err[256];

	ck_assert_int_le(sp->nfields, 16);
	fill(&in.fd, sp, at_max, -1, strs);
	ssize_t n = rpc_encode(frame, sizeof(frame), type, &in.fd);
	ck_assert_msg(n > 0, "%s does not encode", sp->name);
	ck_assert_uint_eq(peek_u32(frame), (uint32_t)n - 4);
	ck_assert_int_eq(frame[4], type);
	ck_assert_msg(rpc_decode(frame, (size_t)n, -1, &out, err, sizeof(err)) == 0,
	              "%s: %s", sp->name, err);
	ck_assert_int_eq(out.type, type);
	ck_assert_int_eq(out.fd, -1);
	for (int i = 0; i < sp->nfields; i++) {
		const struct rpc_field_spec *f = &sp->fields[i];
		if (f->kind == RPC_FIELD_U32) {
			ck_assert_uint_eq(rpc_field_u32(&out.fd, f),
			                  rpc_field_u32(&in.fd, f));
			continue;
		}
		size_t len, olen;
		rpc_field_str(&in.fd, f, &len);
		rpc_field_str(&out.fd, f, &olen);
		ck_assert_uint_eq(olen, len);
		ck_assert_int_eq(memcmp(rpc_field_str(&out.fd, f, NULL), strs[i], len),
		                 0);
		ck_assert_int_eq(rpc_field_str(&out.fd, f, NULL)[len], '\0');
	}
	rpc_msg_free(&out);
	for (int i = 0; i < sp->nfields; i++)
		if (sp->fields[i].kind != RPC_FIELD_U32)
			ck_assert_ptr_null(rpc_field_str(&out.fd, &sp->fields[i], NULL));
	free_strs(sp, strs);
}

START_TEST(every_message_round_trips)
{
	int n = 0;
	for (int t = 0; t < 256; t++) {
		if (rpc_msg_spec(t) == NULL)
			continue;
		round_trip(t, 1);
		round_trip(t, 0);
		n++;
	}
	ck_assert_int_eq(n, RPC_TYPE_MAX - 1);
}
END_TEST

START_TEST(encode_decode_password)
{
	struct rpc_msg m;
	char err[128];
	struct rpc_auth_password q = {.fd = -1, .user = "alice", .password = "s3cret"};
	ssize_t n = rpc_encode(frame, sizeof(frame), RPC_AUTH_PASSWORD, &q);

	ck_assert_int_gt(n, 5);
	ck_assert_uint_eq(peek_u32(frame), (uint32_t)n - 4);
	ck_assert_int_eq(frame[4], RPC_AUTH_PASSWORD);
	/* the wire format: u32 length + bytes per string, in declaration order */
	ck_assert_uint_eq(peek_u32(frame + 5), 5);
	ck_assert_int_eq(memcmp(frame + 9, "alice", 5), 0);
	ck_assert_uint_eq(peek_u32(frame + 14), 6);
	ck_assert_int_eq(n, 24);
	ck_assert_int_eq(rpc_decode(frame, (size_t)n, -1, &m, err, sizeof(err)), 0);
	ck_assert_int_eq(m.type, RPC_AUTH_PASSWORD);
	ck_assert_str_eq(m.auth_password.user, "alice");
	ck_assert_str_eq(m.auth_password.password, "s3cret");
	rpc_msg_free(&m);
}
END_TEST

/* Builds a frame for sp with every field as fill() left it, bypassing the encoder's
 * checks (the wire layout, as a misbehaving peer would send it). */
static size_t
raw_frame(const struct rpc_msg_spec *sp, int type, const void *msg,
          const char *const *strs)
{
	struct wbuf w;
	ck_assert_int_eq(wbuf_init(&w, 256, sizeof(frame)), 0);
	wbuf_put_u32(&w, 0);
	wbuf_put_u8(&w, (uint8_t)type);
	for (int i = 0; i < sp->nfields; i++) {
		const struct rpc_field_spec *f = &sp->fields[i];
		if (f->kind == RPC_FIELD_U32)
			wbuf_put_u32(&w, rpc_field_u32(msg, f));
		else
			wbuf_put_string(&w, strs[i], strlen(strs[i]));
	}
	ck_assert(!w.failed);
	wbuf_patch_u32(&w, 0, (uint32_t)(w.len - 4));
	size_t n = w.len;
	memcpy(frame, w.p, n);
	wbuf_free(&w);
	return n;
}

/* Every cap and every range: refused by the encoder and by the decoder. */
START_TEST(every_cap_refused)
{
	int checked = 0;
	for (int t = 0; t < 256; t++) {
		const struct rpc_msg_spec *sp = rpc_msg_spec(t);
		for (int i = 0; sp != NULL && i < sp->nfields; i++) {
			const struct rpc_field_spec *f = &sp->fields[i];
			struct rpc_msg in; /* its union holds any message struct */
			struct rpc_msg out;
			char *strs[16];
			char err[256];
			if (f->kind == RPC_FIELD_U32 && f->min == 0 &&
			    f->max == UINT32_MAX)
				continue; /* no range to break */
			/* NULs are kept out of BIN fields here: strlen() sizes the raw
			 * frame */
			fill(&in.fd, sp, 0, i, strs);
			if (f->kind == RPC_FIELD_BIN)
				memset(strs[i], 'x', f->max + 1);
			ck_assert_msg(rpc_encode(frame, sizeof(frame), t, &in.fd) == -1,
			              "%s.%s over its cap encoded", sp->name, f->name);
			size_t n = raw_frame(sp, t, &in.fd, (const char *const *)strs);
			ck_assert_msg(rpc_decode(frame, n, -1, &out, err, sizeof(err)) ==
			                  -1,
			              "%s.%s over its cap decoded", sp->name, f->name);
			ck_assert_ptr_nonnull(strstr(err, f->name));
			ck_assert(strstr(err, "longer than") ||
			          strstr(err, "out of range"));
			free_strs(sp, strs);
			checked++;
		}
	}
	ck_assert_int_gt(checked, 30);
}
END_TEST

START_TEST(typed_send_refuses_over_cap)
{
	int sv[2];
	char *big = malloc(RPC_PASSWORD_MAX + 2);

	memset(big, 'a', RPC_PASSWORD_MAX + 1);
	big[RPC_PASSWORD_MAX + 1] = '\0';
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	struct rpc_auth_password q = {.fd = -1, .user = "u", .password = big};
	errno = 0;
	ck_assert_int_eq(rpc_send_auth_password(sv[0], &q), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	big[RPC_PASSWORD_MAX] = '\0';
	ck_assert_int_eq(rpc_send_auth_password(sv[0], &q), 0);
	struct rpc_log l = {.fd = -1, .level = RPC_LOG_LEVEL_MAX + 1, .message = "x"};
	ck_assert_int_eq(rpc_send_log(sv[0], &l), -1);
	free(big);
	close(sv[0]);
	close(sv[1]);
	ck_assert_int_eq(rpc_encode(frame, sizeof(frame), 0, &q), -1);
	ck_assert_int_eq(rpc_encode(frame, sizeof(frame), RPC_TYPE_MAX, &q), -1);
}
END_TEST

/* What the monitor relies on in the declarations. */
START_TEST(declarations_consistent)
{
	for (int t = 0; t < 256; t++) {
		const struct rpc_msg_spec *sp = rpc_msg_spec(t);
		if (t == 0 || t >= RPC_TYPE_MAX) {
			ck_assert_ptr_null(sp);
			ck_assert_str_eq(rpc_type_name(t), "unknown");
			continue;
		}
		ck_assert_ptr_nonnull(sp);
		ck_assert_str_eq(rpc_type_name(t), sp->name);
		ck_assert_uint_ne(sp->peers, 0);
		if (sp->dir == RPC_TO_MONITOR)
			ck_assert_uint_ne(sp->states, 0);
		else
			ck_assert_uint_eq(sp->states, 0);
		/* the monitor kills a session that passes a descriptor */
		if (sp->dir == RPC_TO_MONITOR && (sp->peers & RPC_PEER_SESSION))
			ck_assert_int_eq(sp->fd, RPC_FD_NONE);
		/* a frame with every field at its cap fits */
		size_t max = 5;
		for (int i = 0; i < sp->nfields; i++)
			max +=
			    4 +
			    (sp->fields[i].kind == RPC_FIELD_U32 ? 0 : sp->fields[i].max);
		ck_assert_uint_le(max, RPC_MAX_FRAME);
		for (int u = 1; u < t; u++)
			ck_assert_str_ne(rpc_type_name(u), sp->name);
	}
	/* secrets are declared as such */
	const struct rpc_msg_spec *pw = rpc_msg_spec(RPC_AUTH_PASSWORD);
	ck_assert_str_eq(pw->fields[1].name, "password");
	ck_assert_int_eq(pw->fields[1].secret, 1);
	ck_assert_int_eq(rpc_msg_spec(RPC_KBDINT_ANSWERS)->fields[1].secret, 1);
	ck_assert_int_eq(rpc_msg_spec(RPC_HOSTKEY)->fields[0].secret, 1);
}
END_TEST

/* Every class of malformed frame, for every type. */
START_TEST(decode_rejects_bad_frames)
{
	struct rpc_msg m;
	char err[128];

	for (int t = 1; t < RPC_TYPE_MAX; t++) {
		const struct rpc_msg_spec *sp = rpc_msg_spec(t);
		struct rpc_msg in; /* its union holds any message struct */
		char *strs[16];
		fill(&in.fd, sp, 0, -1, strs);
		for (int i = 0; i < sp->nfields; i++) /* non-empty strings */
			if (sp->fields[i].kind != RPC_FIELD_U32 && strs[i][0] == '\0')
				put_str(&in.fd, &sp->fields[i], "ab", 2);
		ssize_t n = rpc_encode(frame, sizeof(frame), t, &in.fd);
		ck_assert_int_gt(n, 0);
		/* every truncation fails */
		for (ssize_t i = 0; i < n; i++)
			ck_assert_int_eq(
			    rpc_decode(frame, (size_t)i, -1, &m, err, sizeof(err)), -1);
		/* wrong length prefix, both ways */
		poke_u32(frame, (uint32_t)n);
		ck_assert_int_eq(rpc_decode(frame, (size_t)n, -1, &m, err, sizeof(err)),
		                 -1);
		poke_u32(frame, (uint32_t)n - 5);
		ck_assert_int_eq(rpc_decode(frame, (size_t)n, -1, &m, err, sizeof(err)),
		                 -1);
		ck_assert_ptr_nonnull(strstr(err, "malformed frame"));
		poke_u32(frame, (uint32_t)n - 4);
		/* trailing bytes */
		frame[n] = 0;
		poke_u32(frame, (uint32_t)n - 3);
		ck_assert_int_eq(
		    rpc_decode(frame, (size_t)n + 1, -1, &m, err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "trailing"));
		free_strs(sp, strs);
	}
	/* unknown types */
	struct rpc_ready r = {.fd = -1};
	ssize_t n = rpc_encode(frame, sizeof(frame), RPC_READY, &r);
	ck_assert_int_eq(n, 5);
	const uint8_t unknown[] = {0, RPC_TYPE_MAX, 200, 255};
	for (size_t i = 0; i < sizeof(unknown); i++) {
		frame[4] = unknown[i];
		ck_assert_int_eq(rpc_decode(frame, 5, -1, &m, err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "unknown message type"));
	}
	/* a string field that claims more than the frame holds */
	struct rpc_auth_password q = {.fd = -1, .user = "alice", .password = "pw"};
	n = rpc_encode(frame, sizeof(frame), RPC_AUTH_PASSWORD, &q);
	poke_u32(frame + 5, 100);
	ck_assert_int_eq(rpc_decode(frame, (size_t)n, -1, &m, err, sizeof(err)), -1);
	/* over RPC_MAX_FRAME */
	ck_assert_int_eq(rpc_decode(frame, RPC_MAX_FRAME + 1, -1, &m, err, sizeof(err)),
	                 -1);
}
END_TEST

START_TEST(decode_rejects_nul_in_text)
{
	struct rpc_msg m;
	char err[128];
	struct rpc_log l = {.fd = -1, .level = 1, .message = "abc"};
	ssize_t n = rpc_encode(frame, sizeof(frame), RPC_LOG, &l);
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
	struct rpc_conn c = {
	    .fd = fd, .client_ip = "192.0.2.1", .port = 2022, .connection_id = "abcd"};
	ck_assert_int_eq(rpc_send_conn(sv[0], &c), 0);
	ck_assert_int_eq(rpc_recv(sv[1], &m, err, sizeof(err)), 1);
	ck_assert_int_eq(m.type, RPC_CONN);
	ck_assert_int_ge(m.fd, 0);
	ck_assert_int_eq(m.conn.fd, m.fd);
	ck_assert_int_eq(fstat(fd, &a), 0);
	ck_assert_int_eq(fstat(m.fd, &b), 0);
	ck_assert(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	ck_assert_int_ne(fcntl(m.fd, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_str_eq(m.conn.client_ip, "192.0.2.1");
	ck_assert_uint_eq(m.conn.port, 2022);
	ck_assert_str_eq(m.conn.connection_id, "abcd");
	rpc_msg_free(&m);
	ck_assert_int_eq(m.fd, -1);
	close(fd);
	close(sv[0]);
	ck_assert_int_eq(rpc_recv(sv[1], &m, err, sizeof(err)), 0);
	close(sv[1]);
}
END_TEST

START_TEST(send_log_line)
{
	int sv[2];
	struct rpc_msg m;
	char err[128];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	struct rpc_log_sink sink = {.sock = sv[0]};
	log_set_sink(rpc_log_sink, NULL, &sink);
	log_warn("n=%d %s", 7, "x");
	log_set_sink(NULL, NULL, NULL);
	ck_assert_int_eq(rpc_recv(sv[1], &m, err, sizeof(err)), 1);
	ck_assert_int_eq(m.type, RPC_LOG);
	ck_assert_uint_eq(m.log.level, 2);
	ck_assert_str_eq(m.log.message, "n=7 x");
	rpc_msg_free(&m);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* The session's sink: no monitor to tell, the process ends with status 1. */
START_TEST(log_sink_exits_without_monitor)
{
	int sv[2], status;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	/* the peer is gone before the child exists (closed after the fork, the parent's
	 * copy could still take the line) */
	close(sv[1]);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rpc_log_sink sink = {.sock = sv[0], .exit_on_failure = 1};
		signal(SIGPIPE, SIG_IGN);
		log_set_sink(rpc_log_sink, NULL, &sink);
		log_info("nobody listens");
		_exit(0);
	}
	close(sv[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 1);
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
	tcase_add_test(tc, every_message_round_trips);
	tcase_add_test(tc, encode_decode_password);
	tcase_add_test(tc, every_cap_refused);
	tcase_add_test(tc, typed_send_refuses_over_cap);
	tcase_add_test(tc, declarations_consistent);
	tcase_add_test(tc, decode_rejects_bad_frames);
	tcase_add_test(tc, decode_rejects_nul_in_text);
	tcase_add_test(tc, decode_closes_fd_on_error);
	tcase_add_test(tc, send_recv_with_fd);
	tcase_add_test(tc, send_log_line);
	tcase_add_test(tc, log_sink_exits_without_monitor);
	tcase_add_test(tc, recv_rejects_oversized_datagram);
	tcase_add_test(tc, stream_frames);
	tcase_add_test(tc, stream_frame_split_across_reads);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
