/* SPDX-License-Identifier: BSD-2-Clause */
/* The stream loop: big reads, every complete packet processed, replies batched. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/io.h"
#include "common/log.h"
#include "sftp/codec.h"
#include "sftp/events.h"
#include "sftp/server_int.h"

/* Flush replies once this much is queued, even mid-batch (bounds memory). */
#define FLUSH_AT (256u * 1024u)
/* Input beyond one maximal packet, so several packets arrive per read(). */
#define IN_EXTRA (256u * 1024u)
/* The first allocation: a session that only lists or stats (and every fuzz
 * input) never needs the full buffer; it grows once, on the first full read. */
#define IN_INITIAL (64u * 1024u)

static volatile sig_atomic_t stop_requested;

void
sftp_serve_stop(void)
{
	stop_requested = 1;
}

const volatile sig_atomic_t *
sftp_stop_flag(void)
{
	return &stop_requested;
}

/* Descriptors may come non-blocking (inherited): common/io.h waits instead of failing. */
int
sftp_write_all(int fd, const void *buf, size_t n)
{
	return io_write_all(fd, buf, n, &stop_requested);
}

static int
flush_out(struct sftp_server *s, int out)
{
	int rc = 0;

	/* A failed buffer holds a cut reply: never send it (the session ends). */
	if (s->out.failed)
		rc = -1;
	else if (s->out.len > 0)
		rc = sftp_write_all(out, s->out.p, s->out.len);
	wbuf_reset(&s->out);
	return rc;
}

/* Processes every complete packet at buf; returns bytes consumed or -1 to close. */
static long
process_buffer(struct sftp_server *s, const uint8_t *buf, size_t used, int out)
{
	size_t off = 0;
	uint32_t plen;
	int rc;

	while ((rc = sftp_frame_check(buf + off, used - off, s->max_packet, &plen)) ==
	       1) {
		if (sftp_process_packet(s, buf + off + 4, plen) != 0)
			return -1;
		off += 4 + (size_t)plen;
		if (s->out.len >= FLUSH_AT && flush_out(s, out) != 0) {
			log_error("write to client: %s", strerror(errno));
			return -1;
		}
	}
	if (rc < 0) {
		/* rc < 0 only once the 4 length bytes are there */
		log_error("bad packet length %u (max %u)", peek_u32(buf + off),
		          s->max_packet);
		return -1;
	}
	return (long)off;
}

/*
 * Before blocking for input: send queued events when due, or wait for input no
 * longer than until they are. Returns -1 only on a poll error.
 */
static int
flush_events_or_wait(int in)
{
	int due;

	while ((due = ev_flush_due()) > 0) {
		int r = io_wait(in, POLLIN, due, &stop_requested);
		if (r != 0)
			return r > 0 ? 0 : -1;
		if (stop_requested)
			return 0;
	}
	if (due == 0)
		ev_flush();
	return 0;
}

/* A full buffer still holding an unfinished packet: room for a maximal one. */
static int
grow_input(uint8_t **buf, size_t *cap, size_t full)
{
	uint8_t *nb = realloc(*buf, full);

	if (nb == NULL) {
		log_error("out of memory");
		return -1;
	}
	*buf = nb;
	*cap = full;
	return 0;
}

int
sftp_serve(struct sftp_server *s, int in, int out)
{
	size_t full = (size_t)s->max_packet + 4 + IN_EXTRA, used = 0;
	size_t cap = full < IN_INITIAL ? full : IN_INITIAL;
	uint8_t *buf = malloc(cap);
	int rc = -1;

	if (buf == NULL) {
		log_error("out of memory");
		return -1;
	}
	for (;;) {
		if (flush_events_or_wait(in) != 0) {
			log_error("poll: %s", strerror(errno));
			break;
		}
		/* a read-ahead from an object store moves on while the client is
		 * quiet */
		(void)obj_idle(s, in, &stop_requested);
		ssize_t n = stop_requested ? -1 : read(in, buf + used, cap - used);
		long done;
		if (stop_requested) {
			log_info("terminated by a signal");
			break;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    io_wait(in, POLLIN, -1, &stop_requested) >= 0)
			continue;
		if (n < 0) {
			log_error("read from client: %s", strerror(errno));
			break;
		}
		if (n == 0) {
			if (used > 0)
				log_info("connection closed inside a packet");
			rc = used > 0 ? -1 : 0;
			break;
		}
		used += (size_t)n;
		done = process_buffer(s, buf, used, out);
		if (done < 0)
			break;
		if (done > 0) {
			memmove(buf, buf + done, used - (size_t)done);
			used -= (size_t)done;
		}
		if (flush_out(s, out) != 0) {
			log_error("write to client: %s", strerror(errno));
			break;
		}
		if (used == cap && cap < full && grow_input(&buf, &cap, full) != 0)
			break;
	}
	/* Replies already produced still go out (e.g. the error before a close). */
	flush_out(s, out);
	sftp_server_shutdown(s, rc == 0 ? "connection closed" : "connection error");
	ev_flush();
	free(buf);
	return rc;
}
