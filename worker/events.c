/* SPDX-License-Identifier: BSD-2-Clause */
/* The worker's event sink (worker/events.h): a queue of encoded events. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>
#include <time.h>

#include "common/buf.h"
#include "common/io.h"
#include "common/log.h"
#include "worker/events.h"
#include "worker/proto.h"
#include "sandbox/sandbox.h"

static int ev_fd = -1;
static int ev_framed;
static int ev_log_on;
static enum log_level ev_min = LOGL_INFO;

/* Writes one event at once, bypassing the queue (only for oversized ones). */
static void
write_now(const char *s, size_t len)
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
	if (io_writev_all(ev_fd, iov, 2, NULL) != 0)
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

static void
sink_flush(void)
{
	if (ev_q.len > 0 && ev_fd >= 0 &&
	    io_write_all(ev_fd, ev_q.p, ev_q.len, NULL) != 0)
		ev_fd = -1;
	wbuf_reset(&ev_q);
}

static int
sink_flush_due(void)
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

/* Queues one event. A dead sink is dropped: events must never stop the transfer. */
static void
emit(const struct wp_event *e)
{
	char *s = ev_fd >= 0 ? wp_event_encode(e) : NULL;

	if (s == NULL)
		return;
	size_t len = strlen(s);
	if (queue_frame(s, len) != 0) {
		sink_flush();
		if (queue_frame(s, len) != 0) /* larger than the queue: straight out */
			write_now(s, len);
	}
	if (ev_q.len >= EV_QUEUE_FLUSH)
		sink_flush();
	free(s);
}

static void
transfer_event(struct wp_event *e, const char *sender, const char *path,
               uint64_t size_bytes, int64_t elapsed, int ok, const char *error)
{
	wp_event_init(e, WPE_TRANSFER);
	e->s[WPF_SENDER] = sender;
	e->s[WPF_PATH] = path;
	e->n[WPF_SIZE_BYTES] = (long long)size_bytes;
	e->n[WPF_ELAPSED_MS] = elapsed;
	e->n[WPF_OK] = ok != 0;
	e->s[WPF_ERROR] = error;
}

static void
sink_transfer(const char *sender, const char *path, uint64_t size_bytes, int64_t elapsed,
              int ok, const char *error)
{
	struct wp_event e;

	if (ev_fd < 0)
		return;
	transfer_event(&e, sender, path, size_bytes, elapsed, ok, error);
	emit(&e);
}

char *
wev_format_transfer(const char *sender, const char *path, uint64_t size_bytes,
                    int64_t elapsed, int ok, const char *error)
{
	struct wp_event e;

	transfer_event(&e, sender, path, size_bytes, elapsed, ok, error);
	return wp_event_encode(&e);
}

static void
sink_command(const struct ev_command *c)
{
	struct wp_event e;

	if (ev_fd < 0)
		return;
	wp_event_init(&e, WPE_COMMAND);
	e.s[WPF_SENDER] = c->sender;
	e.s[WPF_PATH] = c->path;
	e.s[WPF_TARGET_PATH] = c->target_path;
	e.s[WPF_FILEMODE] = c->filemode;
	e.n[WPF_UID] = c->uid;
	e.n[WPF_GID] = c->gid;
	e.s[WPF_ACCESS_TIME] = c->access_time;
	e.s[WPF_MODIFICATION_TIME] = c->modification_time;
	e.n[WPF_SIZE_BYTES] = c->size_bytes;
	emit(&e);
}

/* common/log.h filters by level (set_log_filter); a dead descriptor drops too. */
static void
sink_log(void *arg, enum log_level l, const char *message)
{
	struct wp_event e;

	(void)arg;
	if (ev_fd < 0)
		return;
	wp_event_init(&e, WPE_LOG);
	e.s[WPF_LEVEL] = wp_log_levels[l];
	e.s[WPF_MESSAGE] = message; /* may quote client paths: made UTF-8 */
	emit(&e);
}

static void
sink_log_flush(void *arg)
{
	(void)arg;
	sink_flush();
}

/* Log records pass when enabled and at or above the level (EV_QUIET: none). */
static void
set_log_filter(void)
{
	log_set_min_level(ev_log_on ? ev_min : LOGL_QUIET);
}

void
wev_exit(const char *message)
{
	struct wp_event e;

	if (ev_fd < 0)
		return;
	wp_event_init(&e, WPE_EXIT);
	e.s[WPF_MESSAGE] = message;
	emit(&e);
}

void
wev_emit(const struct wp_event *e)
{
	emit(e);
}

void
wev_flush(void)
{
	sink_flush();
}

int
wev_monitor_fd(void)
{
	return ev_framed ? ev_fd : -1;
}

/* Only the monitor keeps live transfers: stand-alone JSON lines stay as they were. */
static void
sink_progress(uint32_t handle, const char *sender, const char *path, uint64_t size_bytes,
              int64_t elapsed, int done)
{
	struct wp_event e;

	if (ev_fd < 0 || !ev_framed)
		return;
	wp_event_init(&e, WPE_TRANSFER_PROGRESS);
	e.n[WPF_HANDLE] = handle;
	e.s[WPF_SENDER] = sender;
	e.s[WPF_PATH] = path;
	e.n[WPF_SIZE_BYTES] = (long long)size_bytes;
	e.n[WPF_ELAPSED_MS] = elapsed;
	e.n[WPF_DONE] = done != 0;
	emit(&e);
	/* at once: the monitor dates the transfer by the event's arrival, and a
	 * throttled batch of requests can keep the queue for seconds */
	if (!done)
		sink_flush();
}

static const struct sftp_event_sink worker_sink = {
    .transfer = sink_transfer,
    .progress = sink_progress,
    .command = sink_command,
    .flush_due = sink_flush_due,
    .flush = sink_flush,
};

void
wev_init(int fd, int framed)
{
	static int registered;

	sink_flush(); /* what was queued belongs to the old descriptor */
	ev_fd = fd;
	ev_framed = framed;
	sftp_set_event_sink(&worker_sink);
	log_set_sink(sink_log, sink_log_flush, NULL);
	set_log_filter();
	/* every return from main sends what is still queued */
	if (!registered && atexit(sink_flush) == 0)
		registered = 1;
}

void
wev_set_log_level(enum log_level min)
{
	ev_min = min;
	set_log_filter();
}

void
wev_enable_log(int on)
{
	ev_log_on = on;
	set_log_filter();
}

void
wev_set_hold_ms(unsigned ms)
{
	ev_hold_ms = ms;
}

int
wev_level_from_name(const char *name)
{
	static const struct {
		const char *name;
		enum log_level l;
	} names[] = {
	    {"QUIET", LOGL_QUIET},  {"FATAL", LOGL_ERROR},  {"ERROR", LOGL_ERROR},
	    {"INFO", LOGL_INFO},    {"VERBOSE", LOGL_INFO}, {"DEBUG", LOGL_DEBUG},
	    {"DEBUG1", LOGL_DEBUG}, {"DEBUG2", LOGL_DEBUG}, {"DEBUG3", LOGL_DEBUG},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(names[i].name, name) == 0)
			return (int)names[i].l;
	return -1;
}

int
wev_sandbox_report(struct sandbox_report *r)
{
	struct wp_event e;
	char *js;
	size_t n;
	int rc = -1;

	if (ev_fd < 0 || !ev_framed)
		return -1;
	wp_event_init(&e, WPE_LOG);
	e.s[WPF_LEVEL] = wp_log_levels[LOGL_ERROR];
	e.s[WPF_MESSAGE] = "";
	if ((js = wp_event_encode(&e)) == NULL)
		return -1;
	n = strlen(js);
	/* the message is the last member: the JSON ends with its empty string */
	if (n >= 3 && n + 4 <= sizeof(r->frame) && strcmp(js + n - 3, "\"\"}") == 0) {
		poke_u32(r->frame, (uint32_t)n);
		memcpy(r->frame + 4, js, n);
		r->fd = ev_fd;
		r->len = n + 4;
		r->text_at = n + 4 - 2;
		r->len_at[0] = 0;
		r->len_at[1] = SIZE_MAX;
		rc = 0;
	}
	free(js);
	return rc;
}
