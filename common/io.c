/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "common/io.h"

static int
stopped(const volatile sig_atomic_t *stop)
{
	return stop != NULL && *stop;
}

int
io_wait(int fd, short events, int timeout_ms, const volatile sig_atomic_t *stop)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	int r;

	for (;;) {
		r = poll(&pfd, 1, timeout_ms);
		if (r >= 0)
			return r > 0 ? 1 : 0;
		if (errno != EINTR)
			return -1;
		if (stopped(stop))
			return 0;
	}
}

/* 1: retry the write, 0: give up (errno kept). */
static int
retryable(int fd, const volatile sig_atomic_t *stop)
{
	int saved = errno;

	if (stopped(stop))
		return 0;
	if (saved == EINTR)
		return 1;
	if (saved != EAGAIN && saved != EWOULDBLOCK)
		return 0;
	if (io_wait(fd, POLLOUT, -1, stop) == 1)
		return 1;
	errno = saved;
	return 0;
}

int
io_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -1 : 0;
}

int
io_write_all(int fd, const void *buf, size_t n, const volatile sig_atomic_t *stop)
{
	const uint8_t *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && retryable(fd, stop))
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
io_writev_all(int fd, struct iovec *iov, int iovcnt, const volatile sig_atomic_t *stop)
{
	while (iovcnt > 0) {
		ssize_t w = writev(fd, iov, iovcnt);

		if (w < 0 && retryable(fd, stop))
			continue;
		if (w <= 0)
			return -1;
		while (iovcnt > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

int
io_read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			errno = ENODATA; /* the peer closed inside the frame */
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}
