/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Read-ahead under libssh, for the session's client socket only.
 *
 * libssh 0.10 reads its socket MAX_BUF_SIZE (4 KiB, compiled in) at a time, one
 * read per poll() wake-up: a 1 GiB upload costs 262,144 poll + recv pairs. The
 * session program defines recv() and poll(); libssh's calls to both bind to these
 * definitions (ELF interposition: the executable is searched first). recv() on the
 * attached socket is served from one large recvfrom(), and poll() reports that
 * socket readable while bytes wait here, so libssh never sleeps on data that was
 * already read. Every other descriptor, and every other flag, goes straight through.
 *
 * libssh also turns POLLOUT on after every send(), even one that wrote everything,
 * and only turns it off from the poll() that reports it: one extra poll() system
 * call per reply. send() on the attached socket is defined here too; after a send
 * that wrote every byte, the next poll() asking for POLLOUT on that socket is answered
 * at once, without a system call (once, then poll() asks the kernel again).
 *
 * When the listener already wrote our SSH identification line (before a PROXY
 * header), readahead_drop_sent() makes send() take libssh's copy of it off the
 * front of what libssh sends, after checking it is byte for byte the same.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>

#include "session/readahead.h"

#define RA_SIZE (256u * 1024)

static struct {
	int fd;
	uint8_t *buf;
	size_t off, len;
	int sent_whole;         /* the last send() wrote all its bytes */
	int quickack;           /* ACK every read at once (see readahead_quickack) */
	char drop[RA_DROP_MAX]; /* bytes already sent for libssh: not sent again */
	size_t drop_off, drop_len;
	int drop_bad; /* libssh sent something else */
} ra = {.fd = -1};

int
readahead_attach(int fd)
{
	if (ra.buf == NULL && (ra.buf = malloc(RA_SIZE)) == NULL)
		return -1;
	ra.fd = fd;
	ra.off = ra.len = 0;
	ra.sent_whole = 0;
	ra.quickack = 0;
	ra.drop_off = ra.drop_len = 0;
	ra.drop_bad = 0;
	return 0;
}

int
readahead_drop_sent(const void *bytes, size_t len)
{
	if (len > sizeof(ra.drop))
		return -1;
	memcpy(ra.drop, bytes, len);
	ra.drop_off = 0;
	ra.drop_len = len;
	return 0;
}

int
readahead_drop_failed(void)
{
	return ra.drop_bad;
}

/* Takes what was already sent off the front of buf: how many bytes, -1 if buf
 * does not start with them (EPROTO). */
static ssize_t
drop_prefix(const void *buf, size_t len)
{
	size_t n = len < ra.drop_len ? len : ra.drop_len;

	if (memcmp(buf, ra.drop + ra.drop_off, n) != 0) {
		ra.drop_bad = 1;
		ra.drop_len = 0;
		errno = EPROTO;
		return -1;
	}
	ra.drop_off += n;
	ra.drop_len -= n;
	return (ssize_t)n;
}

void
readahead_quickack(int on)
{
	ra.quickack = on;
}

size_t
readahead_pending(void)
{
	return ra.len - ra.off;
}

ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	if (fd != ra.fd || flags != 0 || ra.fd < 0)
		return recvfrom(fd, buf, len, flags, NULL, NULL);
	if (len == 0)
		return 0;
	if (ra.off == ra.len) {
		ssize_t n = recvfrom(fd, ra.buf, RA_SIZE, 0, NULL, NULL);
		if (n <= 0)
			return n; /* EOF or error, errno as the kernel left it */
		if (ra.quickack)
			(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &ra.quickack,
			                 sizeof(ra.quickack));
		ra.off = 0;
		ra.len = (size_t)n;
	}
	size_t n = ra.len - ra.off;
	if (n > len)
		n = len;
	memcpy(buf, ra.buf + ra.off, n);
	ra.off += n;
	return (ssize_t)n;
}

ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	ssize_t skip = 0;

	if (fd == ra.fd && ra.fd >= 0 && ra.drop_len > 0) {
		if ((skip = drop_prefix(buf, len)) < 0)
			return -1;
		if ((size_t)skip == len) {
			ra.sent_whole = 1;
			return skip;
		}
	}
	ssize_t n =
	    sendto(fd, (const char *)buf + skip, len - (size_t)skip, flags, NULL, 0);

	if (fd == ra.fd && ra.fd >= 0)
		ra.sent_whole = n >= 0 && (size_t)n == len - (size_t)skip;
	if (n < 0) /* what was dropped is gone: report it taken */
		return skip > 0 ? skip : n;
	return n + skip;
}

/* poll(), through ppoll (not interposed); -1 is an infinite timeout. */
static int
sys_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};

	return ppoll(fds, n, timeout_ms < 0 ? NULL : &ts, NULL);
}

/* The entry asking for these events on the attached socket, if any. */
static struct pollfd *
wants(struct pollfd *fds, nfds_t n, short events)
{
	for (nfds_t i = 0; i < n; i++)
		if (fds[i].fd == ra.fd && (fds[i].events & events))
			return &fds[i];
	return NULL;
}

/* The answer after a whole send: writable, and readable if bytes wait here. */
static int
writable_now(struct pollfd *fds, nfds_t n, struct pollfd *p)
{
	for (nfds_t i = 0; i < n; i++)
		fds[i].revents = 0;
	p->revents = POLLOUT;
	if (ra.off < ra.len && (p->events & POLLIN))
		p->revents |= POLLIN;
	ra.sent_whole = 0;
	return 1;
}

int
poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	struct pollfd *p;

	if (ra.fd < 0)
		return sys_poll(fds, n, timeout_ms);
	if (ra.sent_whole && (p = wants(fds, n, POLLOUT)) != NULL)
		return writable_now(fds, n, p);
	if (ra.off == ra.len || (p = wants(fds, n, POLLIN)) == NULL)
		return sys_poll(fds, n, timeout_ms);
	/* Bytes wait here: nothing to sleep for, but the others' state is wanted. */
	int r = sys_poll(fds, n, 0);
	if (r < 0)
		return r;
	if (p->revents == 0)
		r++;
	p->revents |= POLLIN;
	return r;
}
