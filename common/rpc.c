/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fdpass.h"
#include "common/io.h"
#include "common/log.h"
#include "common/rpc.h"

_Static_assert(RPC_LOG_LEVEL_MAX == LOGL_ERROR, "LOG's level range is enum log_level");

/*
 * The declarations as data. Each case has its own MSG_T typedef so that the field
 * macros can take offsetof() of the members; the tables are static constants (no
 * run-time initialisation, safe from any thread).
 */
#define RPC_U32(n, lo, hi) {#n, RPC_FIELD_U32, 0, lo, hi, offsetof(MSG_T, n), 0},
#define RPC_TEXT(n, cap, sec) {#n, RPC_FIELD_TEXT, sec, 0, cap, offsetof(MSG_T, n), 0},
#define RPC_BIN(n, cap, sec)                                                             \
	{#n, RPC_FIELD_BIN, sec, 0, cap, offsetof(MSG_T, n), offsetof(MSG_T, n##_len)},
#define RPC_MSG(NAME, name, num, dir, peers, states, fdpol, fields)                      \
	case num: {                                                                      \
		typedef struct rpc_##name MSG_T;                                         \
		static const struct rpc_field_spec f[] = {                               \
		    fields{NULL, 0, 0, 0, 0, 0, 0}};                                     \
		static const struct rpc_msg_spec spec = {                                \
		    #NAME,                                                               \
		    dir,                                                                 \
		    peers,                                                               \
		    states,                                                              \
		    fdpol,                                                               \
		    f,                                                                   \
		    (int)(sizeof(f) / sizeof(f[0])) - 1,                                 \
		    sizeof(MSG_T)};                                                      \
		return &spec;                                                            \
	}

const struct rpc_msg_spec *
rpc_msg_spec(int type)
{
	switch (type) {
#include "common/rpc_msgs.def"
	default:
		return NULL;
	}
}
#undef RPC_MSG
#undef RPC_U32
#undef RPC_TEXT
#undef RPC_BIN

/* The message struct inside struct rpc_msg: every one starts at its fd member. */
#define BODY(m) ((char *)&(m)->fd)

const char *
rpc_type_name(int type)
{
	const struct rpc_msg_spec *sp = rpc_msg_spec(type);
	return sp ? sp->name : "unknown";
}

uint32_t
rpc_field_u32(const void *msg, const struct rpc_field_spec *f)
{
	uint32_t v;
	memcpy(&v, (const char *)msg + f->off, sizeof(v));
	return v;
}

const char *
rpc_field_str(const void *msg, const struct rpc_field_spec *f, size_t *len)
{
	const char *p;
	size_t n = 0;

	memcpy(&p, (const char *)msg + f->off, sizeof(p));
	if (f->kind == RPC_FIELD_BIN)
		memcpy(&n, (const char *)msg + f->len_off, sizeof(n));
	else if (p != NULL)
		n = strlen(p);
	if (len != NULL)
		*len = n;
	return p;
}

/* One field into w; -1 when it breaks its declaration. */
static int
encode_field(struct wbuf *w, const void *msg, const struct rpc_field_spec *f)
{
	if (f->kind == RPC_FIELD_U32) {
		uint32_t v = rpc_field_u32(msg, f);
		if (v < f->min || v > f->max)
			return -1;
		return wbuf_put_u32(w, v);
	}
	size_t n;
	const char *p = rpc_field_str(msg, f, &n);
	if (p == NULL) /* a sender may leave a text field unset: "" */
		p = "";
	if (n > f->max)
		return -1;
	return wbuf_put_string(w, p, n);
}

ssize_t
rpc_encode(uint8_t *out, size_t cap, int type, const void *msg)
{
	const struct rpc_msg_spec *sp = rpc_msg_spec(type);
	struct wbuf w;
	ssize_t ret = -1;

	if (sp == NULL ||
	    wbuf_init(&w, 256, cap < RPC_MAX_FRAME ? cap : RPC_MAX_FRAME) != 0)
		return -1;
	wbuf_put_u32(&w, 0);
	wbuf_put_u8(&w, (uint8_t)type);
	for (int i = 0; i < sp->nfields; i++)
		if (encode_field(&w, msg, &sp->fields[i]) != 0)
			goto out;
	if (w.failed)
		goto out;
	wbuf_patch_u32(&w, 0, (uint32_t)(w.len - 4));
	memcpy(out, w.p, w.len);
	ret = (ssize_t)w.len;
out:
	explicit_bzero(w.p, w.cap);
	wbuf_free(&w);
	return ret;
}

int
rpc_send(int sock, int type, const void *msg)
{
	static uint8_t frame[RPC_MAX_FRAME];
	int fd, rc = -1;

	memcpy(&fd, msg, sizeof(fd)); /* every message struct starts with fd */
	ssize_t n = rpc_encode(frame, sizeof(frame), type, msg);
	if (n < 0)
		errno = EMSGSIZE;
	else
		rc = fdpass_send(sock, frame, (size_t)n, fd);
	explicit_bzero(frame, n > 0 ? (size_t)n : 0);
	return rc;
}

void
rpc_log_sink(void *arg, enum log_level l, const char *message)
{
	const struct rpc_log_sink *s = arg;
	struct rpc_log m = {.fd = -1, .level = (uint32_t)l, .message = message};

	if (rpc_send_log(s->sock, &m) != 0 && s->exit_on_failure)
		_exit(1);
}

void
rpc_msg_free(struct rpc_msg *msg)
{
	const struct rpc_msg_spec *sp = rpc_msg_spec(msg->type);

	for (int i = 0; sp != NULL && i < sp->nfields; i++) {
		const struct rpc_field_spec *f = &sp->fields[i];
		size_t n;
		if (f->kind == RPC_FIELD_U32)
			continue;
		char *p = (char *)rpc_field_str(BODY(msg), f, &n); /* ours: decoded */
		if (p != NULL && f->secret)
			explicit_bzero(p, n);
		free(p);
		p = NULL;
		memcpy(BODY(msg) + f->off, &p, sizeof(p));
	}
	if (msg->fd >= 0)
		close(msg->fd);
	msg->fd = -1;
}

static int
decode_string(struct rbuf *r, const struct rpc_msg_spec *sp,
              const struct rpc_field_spec *f, void *out, char *err, size_t errlen)
{
	const uint8_t *p;
	uint32_t n;

	if (rbuf_get_string(r, &p, &n, f->max) != 0) {
		snprintf(err, errlen, "%s: string field %s truncated or longer than %u",
		         sp->name, f->name, (unsigned)f->max);
		return -1;
	}
	if (f->kind == RPC_FIELD_TEXT && memchr(p, 0, n) != NULL) {
		snprintf(err, errlen, "%s: string field %s holds a NUL byte", sp->name,
		         f->name);
		return -1;
	}
	char *c = malloc((size_t)n + 1);
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(c, p, n);
	c[n] = '\0';
	*(const char **)(void *)((char *)out + f->off) = c; /* the member's own type */
	if (f->kind == RPC_FIELD_BIN) {
		size_t len = n;
		memcpy((char *)out + f->len_off, &len, sizeof(len));
	}
	return 0;
}

static int
decode_fields(struct rbuf *r, const struct rpc_msg_spec *sp, void *out, char *err,
              size_t errlen)
{
	for (int i = 0; i < sp->nfields; i++) {
		const struct rpc_field_spec *f = &sp->fields[i];
		uint32_t v;
		if (f->kind != RPC_FIELD_U32) {
			if (decode_string(r, sp, f, out, err, errlen) != 0)
				return -1;
			continue;
		}
		if (rbuf_get_u32(r, &v) != 0) {
			snprintf(err, errlen, "%s: truncated integer field %s", sp->name,
			         f->name);
			return -1;
		}
		if (v < f->min || v > f->max) {
			snprintf(err, errlen, "%s: %s %u out of range %u..%u", sp->name,
			         f->name, (unsigned)v, (unsigned)f->min,
			         (unsigned)f->max);
			return -1;
		}
		memcpy((char *)out + f->off, &v, sizeof(v));
	}
	if (rbuf_left(r) != 0) {
		snprintf(err, errlen, "%s: %zu trailing bytes", sp->name, rbuf_left(r));
		return -1;
	}
	return 0;
}

int
rpc_decode(const uint8_t *frame, size_t len, int fd, struct rpc_msg *msg, char *err,
           size_t errlen)
{
	struct rbuf r;
	uint32_t flen;
	uint8_t type;

	memset(msg, 0, sizeof(*msg));
	msg->fd = fd;
	rbuf_init(&r, frame, len);
	if (len > RPC_MAX_FRAME || rbuf_get_u32(&r, &flen) != 0 || flen != len - 4 ||
	    rbuf_get_u8(&r, &type) != 0) {
		snprintf(err, errlen, "malformed frame (%zu bytes)", len);
		goto fail;
	}
	const struct rpc_msg_spec *sp = rpc_msg_spec(type);
	if (sp == NULL) {
		snprintf(err, errlen, "unknown message type %u", (unsigned)type);
		goto fail;
	}
	msg->type = type;
	if (decode_fields(&r, sp, BODY(msg), err, errlen) != 0)
		goto fail;
	return 0;
fail:
	rpc_msg_free(msg);
	return -1;
}

int
rpc_recv(int sock, struct rpc_msg *msg, char *err, size_t errlen)
{
	static uint8_t frame[RPC_MAX_FRAME];
	int fd;

	memset(msg, 0, sizeof(*msg));
	msg->fd = -1;
	ssize_t n = fdpass_recv(sock, frame, sizeof(frame), &fd);
	if (n < 0) {
		snprintf(err, errlen, "receive: %s", strerror(errno));
		return -1;
	}
	if (n == 0) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	int rc = rpc_decode(frame, (size_t)n, fd, msg, err, errlen);
	explicit_bzero(frame, (size_t)n);
	if (rc != 0) {
		errno = EBADMSG; /* never a stale EAGAIN: the peer sent garbage */
		return -1;
	}
	return 1;
}

void
frame_reader_init(struct frame_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
}

void
frame_reader_free(struct frame_reader *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

int
frame_reader_fill(struct frame_reader *r, int fd)
{
	if (r->off > 0) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (r->cap - r->len < 4096) {
		size_t ncap = r->cap ? r->cap * 2 : 8192;
		if (ncap > r->max + 4 + 4096)
			ncap = r->max + 4 + 4096;
		if (ncap <= r->cap) {
			errno = EMSGSIZE;
			return -1;
		}
		uint8_t *nb = realloc(r->buf, ncap);
		if (nb == NULL)
			return -1;
		r->buf = nb;
		r->cap = ncap;
	}
	ssize_t n;
	do
		n = read(fd, r->buf + r->len, r->cap - r->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	r->len += (size_t)n;
	return 1;
}

int
frame_reader_next(struct frame_reader *r, const uint8_t **body, size_t *blen)
{
	size_t avail = r->len - r->off;

	if (avail < 4)
		return 0;
	uint32_t n = peek_u32(r->buf + r->off);
	if (n > r->max)
		return -1;
	if (avail - 4 < n)
		return 0;
	*body = r->buf + r->off + 4;
	*blen = n;
	r->off += 4 + (size_t)n;
	return 1;
}

int
frame_write(int fd, const void *body, size_t len)
{
	uint8_t h[4];

	if (len > UINT32_MAX)
		return -1;
	poke_u32(h, (uint32_t)len);
	if (io_write_all(fd, h, 4, NULL) != 0)
		return -1;
	return io_write_all(fd, body, len, NULL);
}

char *
frame_read(int fd, size_t max, size_t *len)
{
	uint8_t hdr[4];
	uint32_t n;
	char *buf;

	if (io_read_full(fd, hdr, 4) != 0)
		return NULL;
	n = peek_u32(hdr);
	if (n == 0 || n > max) {
		errno = EMSGSIZE;
		return NULL;
	}
	if ((buf = malloc((size_t)n + 1)) == NULL)
		return NULL;
	if (io_read_full(fd, buf, n) != 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}
