/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Blocking-style I/O loops shared by every process: one place decides how EINTR,
 * EAGAIN and short writes are handled.
 *
 * EINTR is retried unless the caller's stop flag is set (a signal installed without
 * SA_RESTART is how the worker is told to stop). EAGAIN on a descriptor that came
 * non-blocking waits for it to become writable instead of failing.
 */
#ifndef SFTPGO_COMMON_IO_H
#define SFTPGO_COMMON_IO_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/* stop: NULL, or a flag that, once set, ends the loop at the next EINTR/EAGAIN. */
int io_write_all(int fd, const void *buf, size_t n, const volatile sig_atomic_t *stop);
/* Same for an iovec array; iov is consumed (its entries are advanced). */
int io_writev_all(int fd, struct iovec *iov, int iovcnt,
                  const volatile sig_atomic_t *stop);
/* Reads exactly n bytes (EINTR retried). 0, or -1 with errno (ENODATA: EOF inside). */
int io_read_full(int fd, void *buf, size_t n);
/*
 * poll() for one descriptor. 1 ready, 0 timeout, -1 error. EINTR returns 0 when a
 * stop flag is given and set, and is retried otherwise (timeout restarts: callers
 * wait for an event, not for a deadline).
 */
int io_wait(int fd, short events, int timeout_ms, const volatile sig_atomic_t *stop);

/* Adds O_NONBLOCK to fd's status flags. 0 / -1. */
int io_set_nonblock(int fd);

#endif
