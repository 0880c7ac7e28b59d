#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fdpass.h"
#include "common/io.h"
#include "common/rpc.h"

struct rpc_layout {
	const char *name;
	const char *fmt;	 /* u s B */
	uint32_t max[RPC_MAX_FIELDS]; /* per string field (by string position) */
};

#define TXT ((uint32_t)RPC_TEXT_MAX)
#define IDLEN 64u
#define IPLEN 64u
#define USERLEN 256u

static const struct rpc_layout layouts[RPC_TYPE_MAX] = {
	[RPC_HOSTKEY] = {"HOSTKEY", "B", {32768}},
	[RPC_INIT] = {"INIT", "uuuuussssss", {4096, 512, 16384, 2048, 2048, 2048}},
	[RPC_READY] = {"READY", "", {0}},
	[RPC_CONN] = {"CONN", "sus", {IPLEN, IDLEN}},
	[RPC_AUTH_PASSWORD] = {"AUTH_PASSWORD", "ss", {USERLEN, 1024}},
	[RPC_AUTH_PUBKEY_QUERY] = {"AUTH_PUBKEY_QUERY", "sss", {USERLEN, IDLEN, 16384}},
	[RPC_AUTH_PUBKEY] = {"AUTH_PUBKEY", "sss", {USERLEN, IDLEN, 16384}},
	[RPC_AUTH_RESULT] = {"AUTH_RESULT", "us", {TXT}},
	[RPC_CHANNEL_OPEN] = {"CHANNEL_OPEN", "uss", {IDLEN, RPC_COMMAND_MAX}},
	[RPC_CHANNEL_RESULT] = {"CHANNEL_RESULT", "uus", {TXT}},
	[RPC_LOG] = {"LOG", "us", {TXT}},
	[RPC_NEWCONN] = {"NEWCONN", "su", {IPLEN}},
	[RPC_RELEASE] = {"RELEASE", "s", {IPLEN}},
	[RPC_KBDINT_START] = {"KBDINT_START", "s", {USERLEN}},
	[RPC_KBDINT_QUESTIONS] = {"KBDINT_QUESTIONS", "uuss", {TXT, 16384}},
	[RPC_KBDINT_ANSWERS] = {"KBDINT_ANSWERS", "us", {16384}},
	[RPC_CHANNEL_EXIT] = {"CHANNEL_EXIT", "uus", {TXT}},
};

static const struct rpc_layout *
layout_of(int type)
{
	if (type <= 0 || type >= RPC_TYPE_MAX || layouts[type].name == NULL)
		return NULL;
	return &layouts[type];
}

const char *
rpc_type_name(int type)
{
	const struct rpc_layout *l = layout_of(type);
	return l ? l->name : "unknown";
}

static ssize_t
rpc_vencode(uint8_t *out, size_t cap, int type, va_list ap)
{
	const struct rpc_layout *l = layout_of(type);
	struct wbuf w;
	ssize_t ret = -1;
	int si = 0;

	if (l == NULL || wbuf_init(&w, 256, cap < RPC_MAX_FRAME ? cap : RPC_MAX_FRAME) != 0)
		return -1;
	wbuf_put_u32(&w, 0);
	wbuf_put_u8(&w, (uint8_t)type);
	for (const char *f = l->fmt; *f; f++) {
		if (*f == 'u') {
			wbuf_put_u32(&w, va_arg(ap, uint32_t));
			continue;
		}
		const void *p;
		size_t n;
		if (*f == 's') {
			p = va_arg(ap, const char *);
			if (p == NULL)
				p = "";
			n = strlen(p);
		} else {
			p = va_arg(ap, const void *);
			n = va_arg(ap, size_t);
		}
		if (n > l->max[si++])
			goto out;
		wbuf_put_string(&w, p, n);
	}
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

ssize_t
rpc_encode(uint8_t *out, size_t cap, int type, ...)
{
	va_list ap;
	va_start(ap, type);
	ssize_t n = rpc_vencode(out, cap, type, ap);
	va_end(ap);
	return n;
}

int
rpc_send(int sock, int fd, int type, ...)
{
	static uint8_t frame[RPC_MAX_FRAME];
	va_list ap;
	int rc = -1;

	va_start(ap, type);
	ssize_t n = rpc_vencode(frame, sizeof(frame), type, ap);
	va_end(ap);
	if (n < 0)
		errno = EMSGSIZE;
	else
		rc = fdpass_send(sock, frame, (size_t)n, fd);
	explicit_bzero(frame, n > 0 ? (size_t)n : 0);
	return rc;
}

int
rpc_send_log(int sock, uint32_t level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return rpc_send(sock, -1, RPC_LOG, level, msg);
}

void
rpc_msg_free(struct rpc_msg *msg)
{
	for (int i = 0; i < msg->ns; i++) {
		if (msg->s[i] != NULL) {
			explicit_bzero(msg->s[i], msg->slen[i]);
			free(msg->s[i]);
		}
		msg->s[i] = NULL;
	}
	if (msg->fd >= 0)
		close(msg->fd);
	msg->fd = -1;
	msg->ns = msg->nu = 0;
}

static int
decode_fields(struct rbuf *r, const struct rpc_layout *l, struct rpc_msg *msg, char *err,
	      size_t errlen)
{
	for (const char *f = l->fmt; *f; f++) {
		if (*f == 'u') {
			if (rbuf_get_u32(r, &msg->u[msg->nu]) != 0) {
				snprintf(err, errlen, "%s: truncated integer field", l->name);
				return -1;
			}
			msg->nu++;
			continue;
		}
		const uint8_t *p;
		uint32_t n, max = l->max[msg->ns];
		if (rbuf_get_string(r, &p, &n, max) != 0) {
			snprintf(err, errlen, "%s: string field %d truncated or longer than %u",
				 l->name, msg->ns + 1, (unsigned)max);
			return -1;
		}
		if (*f == 's' && memchr(p, 0, n) != NULL) {
			snprintf(err, errlen, "%s: string field %d holds a NUL byte", l->name,
				 msg->ns + 1);
			return -1;
		}
		char *c = malloc((size_t)n + 1);
		if (c == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		memcpy(c, p, n);
		c[n] = '\0';
		msg->s[msg->ns] = c;
		msg->slen[msg->ns++] = n;
	}
	if (rbuf_left(r) != 0) {
		snprintf(err, errlen, "%s: %zu trailing bytes", l->name, rbuf_left(r));
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
	const struct rpc_layout *l = layout_of(type);
	if (l == NULL) {
		snprintf(err, errlen, "unknown message type %u", (unsigned)type);
		goto fail;
	}
	msg->type = type;
	if (decode_fields(&r, l, msg, err, errlen) != 0)
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
