/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

/*
 * sftp-raw: drives an SFTP server program (sftpgo-worker or OpenSSH's
 * sftp-server) over pipes with hand-built packets, many of them malformed, and
 * checks that each one gets an error status or a clean close -- never a crash, a
 * sanitizer report or a hang -- and that the server still answers a valid
 * request afterwards when it stayed open.
 *
 *   sftp-raw DIR SERVER [ARGS...]
 *
 * The server runs with DIR as its working directory (sftp-server's start dir;
 * pass "--root DIR" to the worker). Every case starts a fresh server. Output is
 * TAP-like ("ok - sftp-raw: case"); exit status 1 when a case failed.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"

#define FXP_INIT 1
#define FXP_VERSION 2
#define FXP_OPEN 3
#define FXP_CLOSE 4
#define FXP_READ 5
#define FXP_WRITE 6
#define FXP_LSTAT 7
#define FXP_FSTAT 8
#define FXP_SETSTAT 9
#define FXP_OPENDIR 11
#define FXP_READDIR 12
#define FXP_REMOVE 13
#define FXP_REALPATH 16
#define FXP_STAT 17
#define FXP_STATUS 101
#define FXP_HANDLE 102
#define FXP_DATA 103
#define FXP_NAME 104
#define FXP_ATTRS 105
#define FXP_EXTENDED 200
#define FXP_EXTENDED_REPLY 201

#define FXF_READ 0x01
#define FXF_WRITE 0x02
#define FXF_APPEND 0x04
#define FXF_CREAT 0x08
#define FXF_TRUNC 0x10

#define FX_OK 0

/* A sanitizer report ends the child with this status (see start_server). */
#define SAN_EXIT 86
/* Generous: sanitizer builds on a loaded machine are slow. SFTP_RAW_TIMEOUT_MS. */
static int recv_timeout_ms = 15000;
#define RECV_TIMEOUT_MS recv_timeout_ms
#define MAX_REPLY (1024 * 1024)

enum { GOT_PACKET = 1, GOT_EOF = 0, GOT_TIMEOUT = -1, GOT_ERROR = -2 };

struct server {
	pid_t pid;
	int to;   /* its stdin */
	int from; /* its stdout */
	int closed;
	char errlog[4096];
};

struct reply {
	uint8_t type;
	uint32_t id;
	uint8_t body[MAX_REPLY];
	size_t len; /* bytes after type and id */
};

static const char *root_dir;
static char **server_argv;
static char why[512];
static struct reply rep;

static void
set_why(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sanitizer reports must be told apart from a clean error exit. */
static void
child_env(void)
{
	setenv("ASAN_OPTIONS", "exitcode=86:detect_leaks=1", 1);
	setenv("UBSAN_OPTIONS", "exitcode=86:halt_on_error=1:print_stacktrace=1", 1);
}

/*
 * The server's stdin/stdout: two pipes by default; with SFTP_RAW_SOCKET=1 one
 * socketpair end on both (as the session hands it over), =nonblock also with
 * O_NONBLOCK set on it (the worker must cope with EAGAIN).
 */
static int
make_channel(int child_fds[2], int parent_fds[2])
{
	const char *mode = getenv("SFTP_RAW_SOCKET");
	int in[2], out[2], sv[2];

	if (mode == NULL) {
		if (pipe(in) < 0)
			return -1;
		if (pipe(out) < 0) {
			close(in[0]);
			close(in[1]);
			return -1;
		}
		child_fds[0] = in[0];
		child_fds[1] = out[1];
		parent_fds[0] = in[1];
		parent_fds[1] = out[0];
		return 0;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	if (strcmp(mode, "nonblock") == 0 && fcntl(sv[1], F_SETFL, O_NONBLOCK) < 0)
		return -1;
	child_fds[0] = child_fds[1] = sv[1];
	parent_fds[0] = parent_fds[1] = sv[0];
	return 0;
}

static int
start_server(struct server *s, const char *name)
{
	int child_fds[2], parent_fds[2];

	memset(s, 0, sizeof(*s));
	snprintf(s->errlog, sizeof(s->errlog), "%s/../sftp-raw-%s.err", root_dir, name);
	if (make_channel(child_fds, parent_fds) < 0)
		return -1;
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		struct rlimit rl = {1024, 1024};
		int err = open(s->errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (err < 0 || dup2(child_fds[0], 0) < 0 || dup2(child_fds[1], 1) < 0 ||
		    dup2(err, 2) < 0)
			_exit(127);
		/* Only 0, 1 and 2: a stray copy of our end would hide the EOF. */
		close(parent_fds[0]);
		if (parent_fds[1] != parent_fds[0])
			close(parent_fds[1]);
		if (child_fds[0] > 2)
			close(child_fds[0]);
		if (child_fds[1] > 2 && child_fds[1] != child_fds[0])
			close(child_fds[1]);
		close(err);
		/* Bounded so a server without its own handle cap still refuses. */
		setrlimit(RLIMIT_NOFILE, &rl);
		if (chdir(root_dir) < 0)
			_exit(127);
		child_env();
		execv(server_argv[0], server_argv);
		_exit(127);
	}
	close(child_fds[0]);
	if (child_fds[1] != child_fds[0])
		close(child_fds[1]);
	s->to = parent_fds[0];
	s->from = parent_fds[1];
	return 0;
}

/* Tells the server no more input comes: EOF on a pipe or a half-closed socket. */
static void
end_input(struct server *s)
{
	if (s->to == s->from)
		shutdown(s->to, SHUT_WR);
	else
		close(s->to);
}

static void
close_channel(struct server *s)
{
	close(s->from);
}

static int
wait_readable(int fd, long deadline)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	long left = deadline - now_ms();

	if (left <= 0)
		return GOT_TIMEOUT;
	int r = poll(&pfd, 1, (int)left);
	if (r == 0)
		return GOT_TIMEOUT;
	return r < 0 ? GOT_ERROR : GOT_PACKET;
}

/* Reads exactly n bytes; GOT_EOF when the server closed before the first byte. */
static int
read_full(struct server *s, uint8_t *p, size_t n, long deadline)
{
	size_t got = 0;

	while (got < n) {
		int w = wait_readable(s->from, deadline);
		if (w != GOT_PACKET)
			return w;
		ssize_t r = read(s->from, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		/* A socket closed with our bytes unread resets: still a close. */
		if (r < 0 && errno == ECONNRESET && got == 0)
			return GOT_EOF;
		if (r < 0)
			return GOT_ERROR;
		if (r == 0)
			return got == 0 ? GOT_EOF : GOT_ERROR;
		got += (size_t)r;
	}
	return GOT_PACKET;
}

static int
recv_packet(struct server *s, struct reply *r)
{
	long deadline = now_ms() + RECV_TIMEOUT_MS;
	uint8_t hdr[4];
	int st;

	if (s->closed)
		return GOT_EOF;
	st = read_full(s, hdr, 4, deadline);
	if (st == GOT_EOF)
		s->closed = 1;
	if (st != GOT_PACKET)
		return st;
	uint32_t len = peek_u32(hdr);
	if (len < 1 || len > MAX_REPLY) {
		set_why("reply length %" PRIu32 " out of range", len);
		return GOT_ERROR;
	}
	uint8_t *buf = malloc(len);
	if (buf == NULL)
		return GOT_ERROR;
	st = read_full(s, buf, len, deadline);
	if (st == GOT_PACKET) {
		r->type = buf[0];
		r->id = len >= 5 ? peek_u32(buf + 1) : 0;
		r->len = len >= 5 ? len - 5 : 0;
		if (r->len)
			memcpy(r->body, buf + 5, r->len);
	} else if (st == GOT_EOF) {
		st = GOT_ERROR; /* closed in the middle of a packet */
	}
	free(buf);
	return st;
}

/* Writes everything; a closed pipe is reported as 1 (the server went away). */
static int
send_raw(struct server *s, const void *data, size_t n)
{
	const uint8_t *p = data;

	while (n > 0) {
		ssize_t w = write(s->to, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			s->closed = 1;
			return 1;
		}
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Packet builder: length placeholder and type; the caller adds the rest. */
static void
pkt_begin(struct wbuf *w, uint8_t type)
{
	wbuf_reset(w);
	wbuf_put_u32(w, 0);
	wbuf_put_u8(w, type);
}

static int
pkt_send(struct server *s, struct wbuf *w)
{
	if (w->failed)
		return -1;
	wbuf_patch_u32(w, 0, (uint32_t)(w->len - 4));
	return send_raw(s, w->p, w->len);
}

static int
send_init(struct server *s, struct wbuf *w)
{
	pkt_begin(w, FXP_INIT);
	wbuf_put_u32(w, 3);
	return pkt_send(s, w);
}

static int
handshake(struct server *s, struct wbuf *w)
{
	if (send_init(s, w) != 0 || recv_packet(s, &rep) != GOT_PACKET) {
		set_why("no reply to INIT");
		return -1;
	}
	if (rep.type != FXP_VERSION || rep.id != 3) {
		set_why("INIT answered with type %u version %u", rep.type, rep.id);
		return -1;
	}
	return 0;
}

static uint32_t
status_code(const struct reply *r)
{
	return r->len >= 4 ? peek_u32(r->body) : 0xffffffffu;
}

/*
 * The outcome every malformed request must have: a STATUS that is not OK, or the
 * server closing the stream. Returns 0 when acceptable.
 */
static int
expect_error_or_close(struct server *s, const char *what)
{
	int st = recv_packet(s, &rep);

	if (st == GOT_EOF)
		return 0;
	if (st == GOT_TIMEOUT) {
		set_why("%s: no reply within %d ms (hang)", what, RECV_TIMEOUT_MS);
		return -1;
	}
	if (st != GOT_PACKET) {
		set_why("%s: broken reply", what);
		return -1;
	}
	if (rep.type != FXP_STATUS) {
		set_why("%s: answered with packet type %u, not an error", what, rep.type);
		return -1;
	}
	if (status_code(&rep) == FX_OK) {
		set_why("%s: answered with status OK", what);
		return -1;
	}
	return 0;
}

/* A valid REALPATH "." must still get a NAME when the server is still open. */
static int
still_serving(struct server *s, struct wbuf *w)
{
	if (s->closed)
		return 0;
	pkt_begin(w, FXP_REALPATH);
	wbuf_put_u32(w, 4242);
	wbuf_put_cstring(w, ".");
	if (pkt_send(s, w) == 1)
		return 0; /* it closed after the bad packet: a clean close */
	int st = recv_packet(s, &rep);
	if (st == GOT_EOF)
		return 0;
	if (st != GOT_PACKET || rep.type != FXP_NAME || rep.id != 4242) {
		set_why(
		    "valid REALPATH after the bad request not answered (st %d type %u)",
		    st, st == GOT_PACKET ? rep.type : 0);
		return -1;
	}
	return 0;
}

static int
wait_exit(struct server *s, int *status)
{
	long deadline = now_ms() + RECV_TIMEOUT_MS;

	for (;;) {
		pid_t r = waitpid(s->pid, status, WNOHANG);
		if (r == s->pid)
			return 0;
		if (r < 0)
			return -1;
		if (now_ms() > deadline) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, status, 0);
			return -1;
		}
		usleep(10000);
	}
}

static int
errlog_has_sanitizer_report(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, "Sanitizer") != NULL ||
		        strstr(line, "runtime error:") != NULL;
	fclose(f);
	return found;
}

/* Closes its stdin and checks how the server ended: no signal, no sanitizer. */
static int
stop_server(struct server *s)
{
	int status = 0;

	end_input(s);
	if (wait_exit(s, &status) < 0) {
		close_channel(s);
		if (why[0] == '\0')
			set_why("server did not exit within %d ms after EOF",
			        RECV_TIMEOUT_MS);
		return -1;
	}
	close_channel(s);
	if (WIFSIGNALED(status)) {
		set_why("server killed by signal %d", WTERMSIG(status));
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == SAN_EXIT) {
		set_why("sanitizer report (exit %d), see %s", SAN_EXIT, s->errlog);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		set_why("server could not be started");
		return -1;
	}
	if (errlog_has_sanitizer_report(s->errlog)) {
		set_why("sanitizer report in %s", s->errlog);
		return -1;
	}
	return 0;
}

static int
make_file(const char *name, size_t size)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root_dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	for (size_t i = 0; i < size; i++)
		fputc('a' + (int)(i % 26), f);
	return fclose(f);
}

static off_t
file_size(const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root_dir, name);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

static int
file_exists(const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root_dir, name);
	return lstat(path, &st) == 0;
}

/* Opens name with pflags; on success copies the handle into h (returns its length). */
static int
open_file(struct server *s, struct wbuf *w, uint32_t id, const char *name,
          uint32_t pflags, uint8_t *h, size_t hmax)
{
	pkt_begin(w, FXP_OPEN);
	wbuf_put_u32(w, id);
	wbuf_put_cstring(w, name);
	wbuf_put_u32(w, pflags);
	wbuf_put_u32(w, 0); /* no attributes */
	if (pkt_send(s, w) != 0 || recv_packet(s, &rep) != GOT_PACKET)
		return -1;
	if (rep.type != FXP_HANDLE || rep.len < 4)
		return -1;
	uint32_t hl = peek_u32(rep.body);
	if (hl == 0 || hl > hmax || hl > rep.len - 4)
		return -1;
	memcpy(h, rep.body + 4, hl);
	return (int)hl;
}

static int
close_handle(struct server *s, struct wbuf *w, uint32_t id, const uint8_t *h, size_t hl)
{
	pkt_begin(w, FXP_CLOSE);
	wbuf_put_u32(w, id);
	wbuf_put_string(w, h, hl);
	if (pkt_send(s, w) != 0 || recv_packet(s, &rep) != GOT_PACKET)
		return -1;
	return rep.type == FXP_STATUS && status_code(&rep) == FX_OK ? 0 : -1;
}

/* ---- the cases: each gets a fresh server; most start after INIT ---------- */

typedef int (*case_fn)(struct server *s, struct wbuf *w);

static int
c_request_before_init(struct server *s, struct wbuf *w)
{
	pkt_begin(w, FXP_REALPATH);
	wbuf_put_u32(w, 1);
	wbuf_put_cstring(w, ".");
	if (pkt_send(s, w) == 1)
		return 0;
	if (expect_error_or_close(s, "REALPATH before INIT") < 0)
		return -1;
	if (s->closed)
		return 0;
	/* Still open: a proper INIT must now work. */
	return handshake(s, w);
}

static int
c_init_twice(struct server *s, struct wbuf *w)
{
	if (send_init(s, w) == 1)
		return 0;
	int st = recv_packet(s, &rep);
	if (st == GOT_EOF)
		return 0;
	if (st == GOT_TIMEOUT) {
		set_why("second INIT: no reply (hang)");
		return -1;
	}
	/* A second VERSION is wrong but harmless; any STATUS must not be OK. */
	if (st == GOT_PACKET && rep.type == FXP_STATUS && status_code(&rep) == FX_OK) {
		set_why("second INIT answered OK");
		return -1;
	}
	return 0;
}

static int
c_length_zero(struct server *s, struct wbuf *w)
{
	static const uint8_t z[4] = {0, 0, 0, 0};

	if (send_raw(s, z, 4) == 1)
		return 0;
	return expect_error_or_close(s, "zero-length packet");
}

static int
c_length_one(struct server *s, struct wbuf *w)
{
	/* Type only, no request id. */
	static const uint8_t p[5] = {0, 0, 0, 1, FXP_REALPATH};

	if (send_raw(s, p, sizeof(p)) == 1)
		return 0;
	return expect_error_or_close(s, "packet without id");
}

static int
c_length_over_cap(struct server *s, struct wbuf *w)
{
	size_t n = 300 * 1024;
	uint8_t *p = calloc(1, n + 4);
	int r;

	if (p == NULL)
		return -1;
	poke_u32(p, (uint32_t)n);
	p[4] = FXP_WRITE;
	r = send_raw(s, p, n + 4);
	free(p);
	if (r == 1)
		return 0;
	return expect_error_or_close(s, "300 KiB packet");
}

static int
c_length_4g(struct server *s, struct wbuf *w)
{
	static const uint8_t p[9] = {0xff, 0xff, 0xff, 0xff, FXP_OPEN, 0, 0, 0, 1};

	if (send_raw(s, p, sizeof(p)) == 1)
		return 0;
	return expect_error_or_close(s, "4 GiB length");
}

static int
c_truncated_string(struct server *s, struct wbuf *w)
{
	/* OPEN whose filename claims 10 bytes but the packet ends after 3. */
	pkt_begin(w, FXP_OPEN);
	wbuf_put_u32(w, 7);
	wbuf_put_u32(w, 10);
	wbuf_put_bytes(w, "abc", 3);
	if (pkt_send(s, w) == 1)
		return 0;
	return expect_error_or_close(s, "truncated string");
}

static int
c_string_longer_than_packet(struct server *s, struct wbuf *w)
{
	pkt_begin(w, FXP_STAT);
	wbuf_put_u32(w, 8);
	wbuf_put_u32(w, 0xfffffff0u);
	wbuf_put_bytes(w, "f", 1);
	if (pkt_send(s, w) == 1)
		return 0;
	return expect_error_or_close(s, "string length 4 GiB");
}

static int
c_truncated_attrs(struct server *s, struct wbuf *w)
{
	/* SETSTAT announcing size+perms+times but carrying only 4 bytes of them. */
	pkt_begin(w, FXP_SETSTAT);
	wbuf_put_u32(w, 9);
	wbuf_put_cstring(w, "f");
	wbuf_put_u32(w, 0x0000000d);
	wbuf_put_u32(w, 0);
	if (pkt_send(s, w) == 1)
		return 0;
	if (expect_error_or_close(s, "truncated attrs") < 0)
		return -1;
	if (file_size("f") != 100) {
		set_why("f changed by a truncated SETSTAT");
		return -1;
	}
	return 0;
}

static int
c_attrs_huge_ext_count(struct server *s, struct wbuf *w)
{
	pkt_begin(w, FXP_SETSTAT);
	wbuf_put_u32(w, 10);
	wbuf_put_cstring(w, "f");
	wbuf_put_u32(w, 0x80000000u); /* SSH_FILEXFER_ATTR_EXTENDED */
	wbuf_put_u32(w, 0xffffffffu);
	wbuf_put_cstring(w, "a");
	if (pkt_send(s, w) == 1)
		return 0;
	return expect_error_or_close(s, "attrs with 2^32-1 extensions");
}

static int
c_path_with_nul(struct server *s, struct wbuf *w)
{
	pkt_begin(w, FXP_OPEN);
	wbuf_put_u32(w, 11);
	wbuf_put_string(w, "nulname\0x", 9);
	wbuf_put_u32(w, FXF_WRITE | FXF_CREAT | FXF_TRUNC);
	wbuf_put_u32(w, 0);
	if (pkt_send(s, w) == 1)
		return 0;
	if (expect_error_or_close(s, "path with NUL") < 0)
		return -1;
	if (file_exists("nulname")) {
		set_why("a path with an embedded NUL created \"nulname\"");
		return -1;
	}
	return 0;
}

static int
c_huge_read_length(struct server *s, struct wbuf *w)
{
	uint8_t h[256];
	int hl = open_file(s, w, 12, "f", FXF_READ, h, sizeof(h));

	if (hl < 0) {
		set_why("cannot open f");
		return -1;
	}
	pkt_begin(w, FXP_READ);
	wbuf_put_u32(w, 13);
	wbuf_put_string(w, h, (size_t)hl);
	wbuf_put_u64(w, 0);
	wbuf_put_u32(w, 0xffffffffu);
	if (pkt_send(s, w) == 1)
		return 0;
	int st = recv_packet(s, &rep);
	if (st == GOT_EOF)
		return 0;
	if (st != GOT_PACKET) {
		set_why("READ of 4 GiB: no sane reply (st %d)", st);
		return -1;
	}
	if (rep.type == FXP_DATA) {
		/* The file has 100 bytes: the reply must carry those, not more. */
		if (rep.len < 4 || peek_u32(rep.body) != 100) {
			set_why("READ of 4 GiB returned %" PRIu32 " bytes",
			        rep.len >= 4 ? peek_u32(rep.body) : 0);
			return -1;
		}
		return close_handle(s, w, 14, h, (size_t)hl);
	}
	if (rep.type != FXP_STATUS || status_code(&rep) == FX_OK) {
		set_why("READ of 4 GiB answered with type %u", rep.type);
		return -1;
	}
	return 0;
}

static int
c_unknown_type(struct server *s, struct wbuf *w)
{
	pkt_begin(w, 250);
	wbuf_put_u32(w, 15);
	wbuf_put_cstring(w, "junk");
	if (pkt_send(s, w) == 1)
		return 0;
	return expect_error_or_close(s, "packet type 250");
}

static int
bad_handle_request(struct server *s, struct wbuf *w, uint8_t type, const void *h,
                   size_t hl)
{
	pkt_begin(w, type);
	wbuf_put_u32(w, 16);
	wbuf_put_string(w, h, hl);
	if (type == FXP_READ) {
		wbuf_put_u64(w, 0);
		wbuf_put_u32(w, 10);
	} else if (type == FXP_WRITE) {
		wbuf_put_u64(w, 0);
		wbuf_put_cstring(w, "data");
	}
	if (pkt_send(s, w) == 1)
		return 0;
	if (expect_error_or_close(s, "bad handle") < 0)
		return -1;
	return still_serving(s, w);
}

static int
c_bad_handles(struct server *s, struct wbuf *w)
{
	static const uint8_t types[] = {FXP_READ, FXP_WRITE, FXP_CLOSE, FXP_FSTAT,
	                                FXP_READDIR};
	static const struct {
		const char *h;
		size_t len;
	} handles[] = {
	    {"", 0},
	    {"xyz", 3},
	    {"\xff\xff\xff\xff", 4},
	    {"\0\0\0\x01", 4},
	    {"0000000000000000000000000000000000000000000000000000000000000000", 64}};

	for (size_t t = 0; t < sizeof(types); t++)
		for (size_t i = 0; i < sizeof(handles) / sizeof(handles[0]); i++) {
			if (bad_handle_request(s, w, types[t], handles[i].h,
			                       handles[i].len) < 0) {
				char prev[256];
				strlcpy(prev, why, sizeof(prev));
				set_why("type %u handle #%zu: %s", types[t], i, prev);
				return -1;
			}
			if (s->closed)
				return 0;
		}
	return 0;
}

static int
c_close_twice(struct server *s, struct wbuf *w)
{
	uint8_t h[256];
	int hl = open_file(s, w, 17, "f", FXF_READ, h, sizeof(h));

	if (hl < 0 || close_handle(s, w, 18, h, (size_t)hl) < 0) {
		set_why("cannot open and close f");
		return -1;
	}
	return bad_handle_request(s, w, FXP_CLOSE, h, (size_t)hl);
}

static int
c_handle_exhaustion(struct server *s, struct wbuf *w)
{
	enum { MAX_TRY = 2000 };
	static uint8_t handles[MAX_TRY][256];
	static int lens[MAX_TRY];
	int n = 0;

	for (;;) {
		if (n == MAX_TRY) {
			set_why("%d handles opened and never refused", MAX_TRY);
			return -1;
		}
		pkt_begin(w, FXP_OPEN);
		wbuf_put_u32(w, 100000u + (uint32_t)n);
		wbuf_put_cstring(w, "f");
		wbuf_put_u32(w, FXF_READ);
		wbuf_put_u32(w, 0);
		if (pkt_send(s, w) != 0 || recv_packet(s, &rep) != GOT_PACKET) {
			set_why("server went away after %d handles instead of refusing",
			        n);
			return -1;
		}
		if (rep.type == FXP_STATUS) {
			if (status_code(&rep) == FX_OK) {
				set_why("OPEN answered OK without a handle");
				return -1;
			}
			break;
		}
		uint32_t hl = rep.len >= 4 ? peek_u32(rep.body) : 0;
		if (rep.type != FXP_HANDLE || hl == 0 || hl > 256 || hl > rep.len - 4) {
			set_why("bad OPEN reply type %u", rep.type);
			return -1;
		}
		memcpy(handles[n], rep.body + 4, hl);
		lens[n++] = (int)hl;
	}
	if (n == 0) {
		set_why("the first OPEN was refused");
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (close_handle(s, w, 200000u + (uint32_t)i, handles[i],
		                 (size_t)lens[i]) < 0) {
			set_why("CLOSE of handle %d of %d failed", i, n);
			return -1;
		}
	/* All closed: opening works again. */
	int hl = open_file(s, w, 19, "f", FXF_READ, handles[0], sizeof(handles[0]));
	if (hl < 0) {
		set_why("OPEN still refused after closing all %d handles", n);
		return -1;
	}
	printf("# handle exhaustion: refused after %d open handles\n", n);
	return close_handle(s, w, 20, handles[0], (size_t)hl);
}

static int
write_at(struct server *s, struct wbuf *w, uint64_t off)
{
	uint8_t h[256];
	int hl =
	    open_file(s, w, 21, "w63", FXF_WRITE | FXF_CREAT | FXF_TRUNC, h, sizeof(h));

	if (hl < 0) {
		set_why("cannot create w63");
		return -1;
	}
	pkt_begin(w, FXP_WRITE);
	wbuf_put_u32(w, 22);
	wbuf_put_string(w, h, (size_t)hl);
	wbuf_put_u64(w, off);
	wbuf_put_cstring(w, "abcd");
	if (pkt_send(s, w) == 1)
		return 0;
	if (expect_error_or_close(s, "WRITE at a huge offset") < 0)
		return -1;
	if (file_size("w63") != 0) {
		set_why("w63 has size %lld after a refused write",
		        (long long)file_size("w63"));
		return -1;
	}
	if (s->closed)
		return 0;
	return close_handle(s, w, 23, h, (size_t)hl);
}

static int
c_write_offset_2p63(struct server *s, struct wbuf *w)
{
	return write_at(s, w, UINT64_C(1) << 63);
}

static int
c_write_offset_2p64m1(struct server *s, struct wbuf *w)
{
	return write_at(s, w, UINT64_MAX - 1);
}

static int
ext_request(struct server *s, struct wbuf *w, const char *name, const char *arg1,
            const char *arg2)
{
	pkt_begin(w, FXP_EXTENDED);
	wbuf_put_u32(w, 30);
	wbuf_put_cstring(w, name);
	if (arg1 != NULL)
		wbuf_put_cstring(w, arg1);
	if (arg2 != NULL)
		wbuf_put_cstring(w, arg2);
	if (pkt_send(s, w) == 1)
		return 0;
	if (expect_error_or_close(s, name) < 0)
		return -1;
	return still_serving(s, w);
}

static int
c_ext_no_name(struct server *s, struct wbuf *w)
{
	pkt_begin(w, FXP_EXTENDED);
	wbuf_put_u32(w, 31);
	if (pkt_send(s, w) == 1)
		return 0;
	return expect_error_or_close(s, "EXTENDED without a name");
}

static int
c_ext_unknown(struct server *s, struct wbuf *w)
{
	return ext_request(s, w, "no-such-extension@example.com", "x", NULL);
}

static int
c_ext_rename_one_arg(struct server *s, struct wbuf *w)
{
	if (ext_request(s, w, "posix-rename@openssh.com", "f", NULL) < 0)
		return -1;
	if (file_size("f") != 100) {
		set_why("f lost by a posix-rename without target");
		return -1;
	}
	return 0;
}

static int
c_ext_hardlink_one_arg(struct server *s, struct wbuf *w)
{
	return ext_request(s, w, "hardlink@openssh.com", "f", NULL);
}

static int
c_ext_hardlink_missing(struct server *s, struct wbuf *w)
{
	if (ext_request(s, w, "hardlink@openssh.com", "no-such-file", "newlink") < 0)
		return -1;
	if (file_exists("newlink")) {
		set_why("hardlink of a missing file created newlink");
		return -1;
	}
	return 0;
}

static int
c_ext_statvfs_no_path(struct server *s, struct wbuf *w)
{
	return ext_request(s, w, "statvfs@openssh.com", NULL, NULL);
}

static int
c_ext_fstatvfs_bad_handle(struct server *s, struct wbuf *w)
{
	return ext_request(s, w, "fstatvfs@openssh.com", "zz", NULL);
}

static int
c_ext_fsync_bad_handle(struct server *s, struct wbuf *w)
{
	return ext_request(s, w, "fsync@openssh.com", "zz", NULL);
}

static int
c_ext_lsetstat_no_attrs(struct server *s, struct wbuf *w)
{
	return ext_request(s, w, "lsetstat@openssh.com", "f", NULL);
}

static int
c_ext_copy_data_garbage(struct server *s, struct wbuf *w)
{
	return ext_request(s, w, "copy-data", "zz", "yy");
}

/* copy-data from handle rh to handle wh; returns the STATUS code, or -1. */
static int64_t
copy_data(struct server *s, struct wbuf *w, const uint8_t *rh, int rhl, uint64_t roff,
          uint64_t rlen, const uint8_t *wh, int whl, uint64_t woff)
{
	pkt_begin(w, FXP_EXTENDED);
	wbuf_put_u32(w, 32);
	wbuf_put_cstring(w, "copy-data");
	wbuf_put_string(w, rh, (size_t)rhl);
	wbuf_put_u64(w, roff);
	wbuf_put_u64(w, rlen);
	wbuf_put_string(w, wh, (size_t)whl);
	wbuf_put_u64(w, woff);
	if (pkt_send(s, w) != 0 || recv_packet(s, &rep) != GOT_PACKET) {
		set_why("copy-data not answered");
		return -1;
	}
	if (rep.type != FXP_STATUS || rep.id != 32) {
		set_why("copy-data answered with type %u", rep.type);
		return -1;
	}
	return status_code(&rep);
}

/*
 * Opens f for reading and wname with wflags, copies rlen bytes from offset 0 of
 * f to woff and closes both: the copy's STATUS code in *st. Returns -1 when
 * something else failed.
 */
static int
copy_from_f(struct server *s, struct wbuf *w, const char *wname, uint32_t wflags,
            uint64_t rlen, uint64_t woff, int64_t *st)
{
	uint8_t rh[256], wh[256];
	int rhl = open_file(s, w, 24, "f", FXF_READ, rh, sizeof(rh));
	int whl = rhl < 0 ? -1 : open_file(s, w, 25, wname, wflags, wh, sizeof(wh));

	if (whl < 0) {
		set_why("cannot open f and %s", wname);
		return -1;
	}
	*st = copy_data(s, w, rh, rhl, 0, rlen, wh, whl, woff);
	if (*st < 0)
		return -1;
	return close_handle(s, w, 26, wh, (size_t)whl) < 0 ||
	               close_handle(s, w, 27, rh, (size_t)rhl) < 0
	           ? -1
	           : 0;
}

/*
 * A copy that would read its own output (which grows the file without end) must
 * be refused, and f must keep its 100 bytes.
 */
static int
copy_onto_itself(struct server *s, struct wbuf *w, const char *wname, uint32_t wflags,
                 uint64_t rlen, uint64_t woff)
{
	int64_t st;

	if (copy_from_f(s, w, wname, wflags, rlen, woff, &st) < 0)
		return -1;
	if (st == FX_OK || file_size("f") != 100) {
		set_why("copy-data onto its own file: status %lld, f has %lld bytes",
		        (long long)st, (long long)file_size("f"));
		return -1;
	}
	return 0;
}

static int
c_copy_data_two_handles_to_end(struct server *s, struct wbuf *w)
{
	return copy_onto_itself(s, w, "f", FXF_WRITE, 0, 50);
}

static int
c_copy_data_two_handles_overlap(struct server *s, struct wbuf *w)
{
	return copy_onto_itself(s, w, "f", FXF_WRITE, 60, 50);
}

static int
c_copy_data_append_same_file(struct server *s, struct wbuf *w)
{
	/* the offset says "far away", but an append handle writes at the end */
	return copy_onto_itself(s, w, "f", FXF_WRITE | FXF_APPEND, 1000,
	                        UINT64_C(1) << 40);
}

static int
c_copy_data_hard_link(struct server *s, struct wbuf *w)
{
	char from[4096], to[4096];

	snprintf(from, sizeof(from), "%s/f", root_dir);
	snprintf(to, sizeof(to), "%s/f-link", root_dir);
	unlink(to);
	if (link(from, to) != 0) {
		set_why("link: %s", strerror(errno));
		return -1;
	}
	int r = copy_onto_itself(s, w, "f-link", FXF_WRITE, 0, 100);
	unlink(to);
	return r;
}

/* Disjoint ranges of one file are a valid copy: 10 bytes appended at 100. */
static int
c_copy_data_same_file_disjoint(struct server *s, struct wbuf *w)
{
	int64_t st;

	if (copy_from_f(s, w, "f", FXF_WRITE, 10, 100, &st) < 0)
		return -1;
	if (st != FX_OK || file_size("f") != 110) {
		set_why("disjoint copy-data: status %lld, f has %lld bytes",
		        (long long)st, (long long)file_size("f"));
		return -1;
	}
	return 0;
}

static int
c_eof_mid_packet(struct server *s, struct wbuf *w)
{
	/* Announce 100 bytes, send 10, then close: the server must just exit. */
	uint8_t p[14] = {0, 0, 0, 100, FXP_OPEN, 0, 0, 0, 1, 0, 0, 0, 50, 'a'};

	send_raw(s, p, sizeof(p));
	s->closed = 1; /* nothing more to ask; stop_server closes its stdin */
	return 0;
}

static int
c_valid_roundtrip(struct server *s, struct wbuf *w)
{
	/* Control case: the harness itself works against this server. */
	uint8_t h[256];
	int hl = open_file(s, w, 40, "f", FXF_READ, h, sizeof(h));

	if (hl < 0) {
		set_why("cannot open f");
		return -1;
	}
	pkt_begin(w, FXP_READ);
	wbuf_put_u32(w, 41);
	wbuf_put_string(w, h, (size_t)hl);
	wbuf_put_u64(w, 0);
	wbuf_put_u32(w, 10);
	if (pkt_send(s, w) != 0 || recv_packet(s, &rep) != GOT_PACKET ||
	    rep.type != FXP_DATA || rep.len < 14 || peek_u32(rep.body) != 10 ||
	    memcmp(rep.body + 4, "abcdefghij", 10)) {
		set_why("READ of f did not return its first 10 bytes");
		return -1;
	}
	return close_handle(s, w, 42, h, (size_t)hl);
}

/* Worker-specific expectations (status mapping of compat-facts.md) are only
 * checked when SFTP_RAW_OURS is set; the reference server maps some differently. */
static int ours;

static int
expect_status(struct server *s, uint32_t want_ours, const char *what)
{
	int st = recv_packet(s, &rep);

	if (st != GOT_PACKET || rep.type != FXP_STATUS) {
		set_why("%s: no STATUS reply (st %d type %u)", what, st,
		        st == GOT_PACKET ? rep.type : 0);
		return -1;
	}
	if (status_code(&rep) == FX_OK) {
		set_why("%s: status OK", what);
		return -1;
	}
	if (ours && status_code(&rep) != want_ours) {
		set_why("%s: status %u, want %u", what, status_code(&rep), want_ours);
		return -1;
	}
	return 0;
}

static int
c_open_missing(struct server *s, struct wbuf *w)
{
	pkt_begin(w, FXP_OPEN);
	wbuf_put_u32(w, 50);
	wbuf_put_cstring(w, "no-such-file");
	wbuf_put_u32(w, FXF_READ);
	wbuf_put_u32(w, 0);
	if (pkt_send(s, w) != 0)
		return -1;
	return expect_status(s, 2 /* NO_SUCH_FILE */, "OPEN of a missing file");
}

static int
c_open_dir_for_write(struct server *s, struct wbuf *w)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/adir", root_dir);
	mkdir(p, 0755);
	pkt_begin(w, FXP_OPEN);
	wbuf_put_u32(w, 51);
	wbuf_put_cstring(w, "adir");
	wbuf_put_u32(w, FXF_WRITE | FXF_CREAT);
	wbuf_put_u32(w, 0);
	if (pkt_send(s, w) != 0)
		return -1;
	return expect_status(s, 8 /* OP_UNSUPPORTED */,
	                     "OPEN of a directory for writing");
}

static int
c_handle_kind_mismatch(struct server *s, struct wbuf *w)
{
	uint8_t h[256];
	int hl = open_file(s, w, 52, "f", FXF_READ, h, sizeof(h));

	if (hl < 0) {
		set_why("cannot open f");
		return -1;
	}
	/* READDIR on a file handle */
	if (bad_handle_request(s, w, FXP_READDIR, h, (size_t)hl) < 0)
		return -1;
	if (s->closed)
		return 0;
	/* READ on a directory handle */
	pkt_begin(w, FXP_OPENDIR);
	wbuf_put_u32(w, 53);
	wbuf_put_cstring(w, ".");
	if (pkt_send(s, w) != 0 || recv_packet(s, &rep) != GOT_PACKET ||
	    rep.type != FXP_HANDLE || rep.len < 4) {
		set_why("OPENDIR . failed");
		return -1;
	}
	uint8_t dh[256];
	uint32_t dl = peek_u32(rep.body);
	if (dl == 0 || dl > sizeof(dh) || dl > rep.len - 4) {
		set_why("bad directory handle");
		return -1;
	}
	memcpy(dh, rep.body + 4, dl);
	if (bad_handle_request(s, w, FXP_READ, dh, dl) < 0)
		return -1;
	if (s->closed)
		return 0;
	if (close_handle(s, w, 54, dh, dl) < 0 ||
	    close_handle(s, w, 55, h, (size_t)hl) < 0) {
		set_why("handles unusable after a kind mismatch");
		return -1;
	}
	return 0;
}

/* 200 READs sent before any reply is read: no deadlock, every reply in order. */
static int
c_pipelined_reads(struct server *s, struct wbuf *w)
{
	enum { N = 200 };
	uint8_t h[256];
	int hl;

	if (make_file("p", 64 * 1024) < 0)
		return -1;
	hl = open_file(s, w, 60, "p", FXF_READ, h, sizeof(h));
	if (hl < 0) {
		set_why("cannot open p");
		return -1;
	}
	for (uint32_t i = 0; i < N; i++) {
		pkt_begin(w, FXP_READ);
		wbuf_put_u32(w, 1000 + i);
		wbuf_put_string(w, h, (size_t)hl);
		wbuf_put_u64(w, (uint64_t)(i % 2) * 32768);
		wbuf_put_u32(w, 32768);
		if (pkt_send(s, w) != 0) {
			set_why("could not send READ %u", i);
			return -1;
		}
	}
	for (uint32_t i = 0; i < N; i++) {
		if (recv_packet(s, &rep) != GOT_PACKET || rep.type != FXP_DATA ||
		    rep.id != 1000 + i || rep.len < 4 || peek_u32(rep.body) != 32768) {
			set_why("pipelined READ %u: bad reply (type %u id %u)", i,
			        rep.type, rep.id);
			return -1;
		}
	}
	return close_handle(s, w, 61, h, (size_t)hl);
}

/* A WRITE whose packet is just under the 256 KiB cap is served. */
static int
c_write_near_cap(struct server *s, struct wbuf *w)
{
	uint8_t h[256];
	size_t n = 256 * 1024 - 1024;
	uint8_t *data;
	int hl =
	    open_file(s, w, 70, "near", FXF_WRITE | FXF_CREAT | FXF_TRUNC, h, sizeof(h));

	if (hl < 0) {
		set_why("cannot create near");
		return -1;
	}
	data = malloc(n);
	if (data == NULL)
		return -1;
	memset(data, 'n', n);
	pkt_begin(w, FXP_WRITE);
	wbuf_put_u32(w, 71);
	wbuf_put_string(w, h, (size_t)hl);
	wbuf_put_u64(w, 0);
	wbuf_put_string(w, data, n);
	free(data);
	if (pkt_send(s, w) != 0 || recv_packet(s, &rep) != GOT_PACKET ||
	    rep.type != FXP_STATUS || status_code(&rep) != FX_OK) {
		set_why("WRITE of %zu bytes not accepted", n);
		return -1;
	}
	if (close_handle(s, w, 72, h, (size_t)hl) < 0)
		return -1;
	if (file_size("near") != (off_t)n) {
		set_why("near has %lld bytes", (long long)file_size("near"));
		return -1;
	}
	return 0;
}

/* REALPATH of a path far over PATH_MAX: an error or a NAME, nothing else. */
static int
c_long_path(struct server *s, struct wbuf *w)
{
	size_t n = 60000;
	char *p = malloc(n + 1);

	if (p == NULL)
		return -1;
	for (size_t i = 0; i < n; i += 2)
		memcpy(p + i, "a/", 2);
	p[n] = '\0';
	pkt_begin(w, FXP_REALPATH);
	wbuf_put_u32(w, 80);
	wbuf_put_cstring(w, p);
	pkt_send(s, w);
	free(p);
	int st = recv_packet(s, &rep);
	if (st == GOT_EOF)
		return 0;
	if (st != GOT_PACKET || (rep.type != FXP_NAME && rep.type != FXP_STATUS)) {
		set_why("REALPATH of a 60000-byte path: st %d type %u", st,
		        st == GOT_PACKET ? rep.type : 0);
		return -1;
	}
	/* And an OPEN of it must fail cleanly. */
	pkt_begin(w, FXP_OPEN);
	wbuf_put_u32(w, 81);
	wbuf_put_u32(w, 40000);
	for (int i = 0; i < 20000; i++)
		wbuf_put_bytes(w, "b/", 2);
	wbuf_put_u32(w, FXF_WRITE | FXF_CREAT);
	wbuf_put_u32(w, 0);
	if (pkt_send(s, w) == 1)
		return 0;
	return expect_error_or_close(s, "OPEN of a 40000-byte path");
}

/* 50000 ".." components: lexically "/" -- and never the host's root path. */
static int
c_many_dotdot(struct server *s, struct wbuf *w)
{
	pkt_begin(w, FXP_REALPATH);
	wbuf_put_u32(w, 82);
	wbuf_put_u32(w, 3 * 50000);
	for (int i = 0; i < 50000; i++)
		wbuf_put_bytes(w, "../", 3);
	if (pkt_send(s, w) == 1)
		return 0;
	int st = recv_packet(s, &rep);
	if (st == GOT_EOF)
		return 0;
	if (st != GOT_PACKET || (rep.type != FXP_NAME && rep.type != FXP_STATUS)) {
		set_why("REALPATH of ../../..: st %d type %u", st,
		        st == GOT_PACKET ? rep.type : 0);
		return -1;
	}
	if (ours && rep.type == FXP_NAME) {
		/* count, then the name string */
		if (rep.len < 9 || peek_u32(rep.body + 4) != 1 || rep.body[8] != '/') {
			set_why("REALPATH of ../../.. is not \"/\"");
			return -1;
		}
	}
	return 0;
}

/* A symlink loop: ELOOP becomes an error status, not a hang. */
static int
c_symlink_loop(struct server *s, struct wbuf *w)
{
	char a[4096], b[4096];

	snprintf(a, sizeof(a), "%s/loop1", root_dir);
	snprintf(b, sizeof(b), "%s/loop2", root_dir);
	unlink(a);
	unlink(b);
	if (symlink("loop2", a) != 0 || symlink("loop1", b) != 0) {
		set_why("symlink: %s", strerror(errno));
		return -1;
	}
	pkt_begin(w, FXP_OPEN);
	wbuf_put_u32(w, 83);
	wbuf_put_cstring(w, "loop1");
	wbuf_put_u32(w, FXF_READ);
	wbuf_put_u32(w, 0);
	if (pkt_send(s, w) == 1 || expect_error_or_close(s, "OPEN of a symlink loop") < 0)
		return s->closed ? 0 : -1;
	if (s->closed)
		return 0;
	pkt_begin(w, FXP_STAT);
	wbuf_put_u32(w, 84);
	wbuf_put_cstring(w, "loop1/x");
	if (pkt_send(s, w) == 1)
		return 0;
	return expect_error_or_close(s, "STAT through a symlink loop");
}

/*
 * Run with settings that grant list, download, upload, chmod, chtimes but not
 * overwrite (SFTP_RAW_NO_OVERWRITE=1): no request may shrink or rewrite "f".
 */
static int
no_overwrite_kept(const char *what)
{
	if (file_size("f") != 100) {
		set_why("%s changed f to %lld bytes", what, (long long)file_size("f"));
		return -1;
	}
	return 0;
}

static int
c_no_overwrite_setstat_size(struct server *s, struct wbuf *w)
{
	pkt_begin(w, FXP_SETSTAT);
	wbuf_put_u32(w, 90);
	wbuf_put_cstring(w, "f");
	wbuf_put_u32(w, 0x1); /* SIZE */
	wbuf_put_u64(w, 0);
	if (pkt_send(s, w) != 0 || expect_error_or_close(s, "SETSTAT size 0") < 0)
		return -1;
	return no_overwrite_kept("SETSTAT size 0");
}

static int
c_no_overwrite_fsetstat_size(struct server *s, struct wbuf *w)
{
	uint8_t h[256];
	int hl = open_file(s, w, 91, "f", FXF_READ, h, sizeof(h));

	if (hl < 0) {
		set_why("cannot open f for reading");
		return -1;
	}
	pkt_begin(w, 10 /* FSETSTAT */);
	wbuf_put_u32(w, 92);
	wbuf_put_string(w, h, (size_t)hl);
	wbuf_put_u32(w, 0x1);
	wbuf_put_u64(w, 0);
	if (pkt_send(s, w) != 0 || expect_error_or_close(s, "FSETSTAT size 0") < 0)
		return -1;
	return no_overwrite_kept("FSETSTAT size 0 on a read handle");
}

static int
c_no_overwrite_open_trunc(struct server *s, struct wbuf *w)
{
	static const uint32_t flags[] = {FXF_WRITE | FXF_TRUNC,
	                                 FXF_WRITE | FXF_CREAT | FXF_TRUNC, FXF_WRITE,
	                                 FXF_READ | FXF_WRITE};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		pkt_begin(w, FXP_OPEN);
		wbuf_put_u32(w, 93);
		wbuf_put_cstring(w, "f");
		wbuf_put_u32(w, flags[i]);
		wbuf_put_u32(w, 0);
		if (pkt_send(s, w) != 0 ||
		    expect_error_or_close(s, "OPEN for writing") < 0)
			return -1;
		if (no_overwrite_kept("OPEN for writing") < 0)
			return -1;
	}
	return 0;
}

static int
c_no_overwrite_rename_onto(struct server *s, struct wbuf *w)
{
	if (make_file("g", 5) < 0)
		return -1;
	if (ext_request(s, w, "posix-rename@openssh.com", "g", "f") < 0)
		return -1;
	return no_overwrite_kept("posix-rename onto f");
}

/* SSH_FXP_RENAME (v3) never replaces an existing file (posix-rename does). */
static int
c_rename_no_clobber(struct server *s, struct wbuf *w)
{
	if (make_file("g", 5) < 0)
		return -1;
	pkt_begin(w, 18 /* RENAME */);
	wbuf_put_u32(w, 95);
	wbuf_put_cstring(w, "g");
	wbuf_put_cstring(w, "f");
	if (pkt_send(s, w) != 0 ||
	    expect_error_or_close(s, "RENAME onto an existing file") < 0)
		return -1;
	if (file_size("f") != 100 || file_size("g") != 5) {
		set_why("RENAME onto an existing file changed f or g");
		return -1;
	}
	return 0;
}

struct test_case {
	const char *name;
	case_fn fn;
	int init; /* handshake first */
};

static const struct test_case cases[] = {
    {"valid_roundtrip", c_valid_roundtrip, 1},
    {"request_before_init", c_request_before_init, 0},
    {"init_twice", c_init_twice, 1},
    {"length_zero", c_length_zero, 1},
    {"length_one", c_length_one, 1},
    {"length_over_cap_300k", c_length_over_cap, 1},
    {"length_4g", c_length_4g, 1},
    {"truncated_string", c_truncated_string, 1},
    {"string_longer_than_packet", c_string_longer_than_packet, 1},
    {"truncated_attrs", c_truncated_attrs, 1},
    {"attrs_huge_extension_count", c_attrs_huge_ext_count, 1},
    {"path_with_nul", c_path_with_nul, 1},
    {"huge_read_length", c_huge_read_length, 1},
    {"unknown_packet_type", c_unknown_type, 1},
    {"bad_handles", c_bad_handles, 1},
    {"close_twice", c_close_twice, 1},
    {"handle_exhaustion", c_handle_exhaustion, 1},
    {"write_offset_2p63", c_write_offset_2p63, 1},
    {"write_offset_2p64m1", c_write_offset_2p64m1, 1},
    {"ext_without_name", c_ext_no_name, 1},
    {"ext_unknown", c_ext_unknown, 1},
    {"ext_posix_rename_one_arg", c_ext_rename_one_arg, 1},
    {"ext_hardlink_one_arg", c_ext_hardlink_one_arg, 1},
    {"ext_hardlink_missing_source", c_ext_hardlink_missing, 1},
    {"ext_statvfs_no_path", c_ext_statvfs_no_path, 1},
    {"ext_fstatvfs_bad_handle", c_ext_fstatvfs_bad_handle, 1},
    {"ext_fsync_bad_handle", c_ext_fsync_bad_handle, 1},
    {"ext_lsetstat_no_attrs", c_ext_lsetstat_no_attrs, 1},
    {"ext_copy_data_garbage", c_ext_copy_data_garbage, 1},
    {"copy_data_two_handles_to_end", c_copy_data_two_handles_to_end, 1},
    {"copy_data_two_handles_overlap", c_copy_data_two_handles_overlap, 1},
    {"copy_data_append_same_file", c_copy_data_append_same_file, 1},
    {"copy_data_hard_link", c_copy_data_hard_link, 1},
    {"copy_data_same_file_disjoint", c_copy_data_same_file_disjoint, 1},
    {"eof_mid_packet", c_eof_mid_packet, 1},
    {"status_open_missing", c_open_missing, 1},
    {"status_open_dir_for_write", c_open_dir_for_write, 1},
    {"handle_kind_mismatch", c_handle_kind_mismatch, 1},
    {"pipelined_reads", c_pipelined_reads, 1},
    {"write_near_cap", c_write_near_cap, 1},
    {"long_path", c_long_path, 1},
    {"many_dotdot", c_many_dotdot, 1},
    {"symlink_loop", c_symlink_loop, 1},
    {"rename_no_clobber", c_rename_no_clobber, 1},
    {"no_overwrite_setstat_size", c_no_overwrite_setstat_size, 1},
    {"no_overwrite_fsetstat_size", c_no_overwrite_fsetstat_size, 1},
    {"no_overwrite_open_trunc", c_no_overwrite_open_trunc, 1},
    {"no_overwrite_rename_onto", c_no_overwrite_rename_onto, 1},
};

static int
run_case(const struct test_case *tc, struct wbuf *w)
{
	struct server s;
	int r = 0;

	why[0] = '\0';
	if (make_file("f", 100) < 0 || start_server(&s, tc->name) < 0) {
		set_why("setup failed: %s", strerror(errno));
		return -1;
	}
	if (tc->init)
		r = handshake(&s, w);
	if (r == 0)
		r = tc->fn(&s, w);
	if (r == 0 && !s.closed)
		r = still_serving(&s, w);
	if (stop_server(&s) < 0)
		r = -1;
	return r;
}

/* Is name one of the space-separated words of list? */
static int
word_in(const char *name, const char *list)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct wbuf w;
	int failed = 0;
	const char *only = getenv("SFTP_RAW_ONLY");
	const char *xfail = getenv("SFTP_RAW_XFAIL");
	const char *tmo = getenv("SFTP_RAW_TIMEOUT_MS");

	if (argc < 3) {
		fprintf(stderr, "usage: sftp-raw DIR SERVER [ARGS...]\n");
		return 2;
	}
	ours = getenv("SFTP_RAW_OURS") != NULL;
	if (tmo != NULL && atoi(tmo) > 0)
		recv_timeout_ms = atoi(tmo);
	root_dir = argv[1];
	server_argv = argv + 2;
	signal(SIGPIPE, SIG_IGN);
	if (wbuf_init(&w, 1024, 512 * 1024) < 0)
		return 2;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (only != NULL && strstr(cases[i].name, only) == NULL)
			continue;
		/* These need settings without "overwrite": only when asked for. */
		if ((strncmp(cases[i].name, "no_overwrite_", 13) == 0) !=
		    (getenv("SFTP_RAW_NO_OVERWRITE") != NULL))
			continue;
		/* OpenSSH's sftp-server compares handles only: these would fill its disk.
		 */
		if (!ours && strncmp(cases[i].name, "copy_data_", 10) == 0) {
			printf("ok - sftp-raw: %s # SKIP the reference server copies "
			       "onto itself\n",
			       cases[i].name);
			continue;
		}
		if (run_case(&cases[i], &w) == 0) {
			printf("ok - sftp-raw: %s\n", cases[i].name);
		} else if (xfail != NULL && word_in(cases[i].name, xfail)) {
			/* Known deviation of the reference server, not of ours. */
			printf("ok - sftp-raw: %s # TODO expected failure: %s\n",
			       cases[i].name, why);
		} else {
			printf("not ok - sftp-raw: %s (%s)\n", cases[i].name, why);
			failed++;
		}
		fflush(stdout);
	}
	wbuf_free(&w);
	return failed ? 1 : 0;
}
