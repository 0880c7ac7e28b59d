#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "sftp/events.h"

static int ev_fd = -1;
static int ev_framed;
static int ev_log_on;
static enum ev_level ev_min = EV_INFO;

void
ev_init(int fd, int framed)
{
	static int registered;

	ev_flush(); /* what was queued belongs to the old sink */
	ev_fd = fd;
	ev_framed = framed;
	/* every return from main sends what is still queued */
	if (!registered && atexit(ev_flush) == 0)
		registered = 1;
}

void
ev_set_log_level(enum ev_level min)
{
	ev_min = min;
}

void
ev_enable_log(int on)
{
	ev_log_on = on;
}

int
ev_level_from_name(const char *name)
{
	static const struct {
		const char *name;
		enum ev_level l;
	} names[] = {
	    {"QUIET", EV_QUIET},  {"FATAL", EV_ERROR},  {"ERROR", EV_ERROR},
	    {"INFO", EV_INFO},    {"VERBOSE", EV_INFO}, {"DEBUG", EV_DEBUG},
	    {"DEBUG1", EV_DEBUG}, {"DEBUG2", EV_DEBUG}, {"DEBUG3", EV_DEBUG},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(names[i].name, name) == 0)
			return (int)names[i].l;
	return -1;
}

static int
write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Writes one event at once, bypassing the queue (only for oversized ones). */
static void
ev_write_now(const char *s, size_t len)
{
	/* cppcheck-suppress variableScope ; iov[0] points at it after the branch */
	uint8_t hdr[4];
	struct iovec iov[2];

	if (ev_fd < 0)
		return;
	if (ev_framed) {
		poke_u32(hdr, (uint32_t)len);
		iov[0] = (struct iovec){hdr, 4};
		iov[1] = (struct iovec){(void *)s, len};
	} else {
		iov[0] = (struct iovec){(void *)s, len};
		iov[1] = (struct iovec){"\n", 1};
	}
	if (write_all(ev_fd, iov, 2) != 0)
		ev_fd = -1;
}

/*
 * Events wait in a queue and go out when the serve loop is about to wait for the
 * next request (ev_flush_due), so a reply never waits behind its own event and a
 * burst of requests costs the monitor one wake-up, not one per request.
 */
#define EV_QUEUE_FLUSH (64u * 1024u)
#define EV_QUEUE_MAX (1024u * 1024u)
static struct wbuf ev_q;
static struct timespec ev_q_since;
static unsigned ev_hold_ms;

void
ev_set_hold_ms(unsigned ms)
{
	ev_hold_ms = ms;
}

void
ev_flush(void)
{
	struct iovec iov = {ev_q.p, ev_q.len};

	if (ev_q.len > 0 && ev_fd >= 0 && write_all(ev_fd, &iov, 1) != 0)
		ev_fd = -1;
	wbuf_reset(&ev_q);
}

int64_t
elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

int
ev_flush_due(void)
{
	if (ev_q.len == 0)
		return -1;
	int64_t left = (int64_t)ev_hold_ms - elapsed_ms(&ev_q_since);
	return left > 0 ? (int)left : 0;
}

static int
queue_frame(const char *s, size_t len)
{
	size_t start = ev_q.len;

	if (ev_q.p == NULL && wbuf_init(&ev_q, 4096, EV_QUEUE_MAX) != 0)
		return -1;
	if (ev_framed)
		wbuf_put_u32(&ev_q, (uint32_t)len);
	wbuf_put_bytes(&ev_q, s, len);
	if (!ev_framed)
		wbuf_put_u8(&ev_q, '\n');
	if (ev_q.failed) { /* keep the queue whole: drop the cut frame */
		ev_q.len = start;
		ev_q.failed = 0;
		return -1;
	}
	if (start == 0)
		clock_gettime(CLOCK_MONOTONIC, &ev_q_since);
	return 0;
}

/* Queues and frees obj. A dead sink is dropped: events must never stop the transfer. */
static void
emit(json_t *obj)
{
	char *s;

	if (obj == NULL)
		return;
	s = ev_fd >= 0 ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(obj);
	if (s == NULL)
		return;
	size_t len = strlen(s);
	if (queue_frame(s, len) != 0) {
		ev_flush();
		if (queue_frame(s, len) != 0) /* larger than the queue: straight out */
			ev_write_now(s, len);
	}
	if (ev_q.len >= EV_QUEUE_FLUSH)
		ev_flush();
	free(s);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A JSON string of s; bytes that are not UTF-8 (client paths may hold any) become U+FFFD.
 */
static json_t *
jstr(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0, i = 0;
	struct wbuf w;
	json_t *j;

	if (s == NULL)
		return json_string("");
	j = json_stringn(s, n);
	if (j != NULL)
		return j;
	if (wbuf_init(&w, n * 3 + 1, n * 3 + 1) != 0)
		return NULL;
	while (i < n) {
		size_t k = utf8_seq((const unsigned char *)s + i, n - i);
		if (k == 0) {
			wbuf_put_bytes(&w, "\xef\xbf\xbd", 3);
			i++;
		} else {
			wbuf_put_bytes(&w, s + i, k);
			i += k;
		}
	}
	j = w.failed ? NULL : json_stringn(w.p ? (const char *)w.p : "", w.len);
	wbuf_free(&w);
	return j;
}

static json_t *
transfer_object(const char *sender, const char *path, uint64_t size_bytes,
                int64_t elapsed_ms, int ok, const char *error)
{
	return json_pack("{s:s, s:s, s:o, s:I, s:I, s:b, s:o}", "event", "transfer",
	                 "sender", sender, "path", jstr(path), "size_bytes",
	                 (json_int_t)size_bytes, "elapsed_ms", (json_int_t)elapsed_ms,
	                 "ok", ok, "error", jstr(error));
}

char *
ev_format_transfer(const char *sender, const char *path, uint64_t size_bytes,
                   int64_t elapsed_ms, int ok, const char *error)
{
	json_t *o = transfer_object(sender, path, size_bytes, elapsed_ms, ok, error);
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(o);
	return s;
}

void
ev_transfer(const char *sender, const char *path, uint64_t size_bytes, int64_t elapsed_ms,
            int ok, const char *error)
{
	if (ev_fd >= 0)
		emit(transfer_object(sender, path, size_bytes, elapsed_ms, ok, error));
}

void
ev_command(const struct ev_command *c)
{
	if (ev_fd < 0)
		return;
	emit(json_pack("{s:s, s:s, s:o, s:o, s:o, s:I, s:I, s:o, s:o}", "event",
	               "command", "sender", c->sender, "path", jstr(c->path),
	               "target_path", jstr(c->target_path), "filemode", jstr(c->filemode),
	               "uid", (json_int_t)c->uid, "gid", (json_int_t)c->gid,
	               "access_time", jstr(c->access_time), "modification_time",
	               jstr(c->modification_time)));
}

void
ev_exit(const char *message)
{
	if (ev_fd < 0)
		return;
	emit(json_pack("{s:s, s:o}", "event", "exit", "message", jstr(message)));
}

void
ev_log(enum ev_level l, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	char msg[1024];
	va_list ap;

	if (ev_fd < 0 || !ev_log_on || l < ev_min || l >= EV_QUIET)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Messages may quote client paths: jstr makes them valid UTF-8. */
	emit(json_pack("{s:s, s:s, s:o}", "event", "log", "level", names[l], "message",
	               jstr(msg)));
}
