/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The log front end (common/log.h): formatting, the minimum level and the sink.
 * The sink is set once at start-up, before any thread exists, and only read after.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/io.h"
#include "common/log.h"

static const char *const level_names[] = {"debug", "info", "warn", "error"};

/* "progname: message" on stderr, for programs without a sink of their own. */
static void
stderr_sink(void *arg, enum log_level l, const char *message)
{
	struct iovec iov[4] = {
	    {program_invocation_short_name, strlen(program_invocation_short_name)},
	    {": ", 2},
	    {(void *)message, strlen(message)},
	    {"\n", 1},
	};

	(void)arg;
	(void)l;
	(void)io_writev_all(STDERR_FILENO, iov, 4, NULL); /* nowhere to report it */
}

static struct {
	log_sink_fn write;
	log_flush_fn flush;
	void *arg;
	enum log_level min;
	size_t max;
} sink = {stderr_sink, NULL, NULL, LOGL_DEBUG, LOG_MSG_MAX};

const char *
log_level_name(enum log_level l)
{
	if ((unsigned)l > LOGL_ERROR)
		return "error";
	return level_names[l];
}

void
log_set_sink(log_sink_fn write, log_flush_fn flush, void *arg)
{
	sink.write = write != NULL ? write : stderr_sink;
	sink.flush = write != NULL ? flush : NULL;
	sink.arg = write != NULL ? arg : NULL;
}

void
log_set_min_level(enum log_level min)
{
	sink.min = min;
}

void
log_set_msg_max(size_t max)
{
	sink.max = max < 2 ? 2 : max > LOG_MSG_LIMIT ? LOG_MSG_LIMIT : max;
}

int
log_wanted(enum log_level l)
{
	return l >= sink.min && l < LOGL_QUIET;
}

/* A cut message must not end inside a UTF-8 sequence: drop its first bytes. */
static void
cut_utf8(char *s, size_t len)
{
	size_t i = len;

	while (i > 0 && len - i < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0 || ((unsigned char)s[i - 1] & 0xC0) != 0xC0)
		return; /* no lead byte: not a sequence we can judge */
	unsigned char lead = (unsigned char)s[i - 1];
	size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

static void
format(char *msg, const char *fmt, va_list ap)
{
	int n = vsnprintf(msg, sink.max, fmt, ap);

	if (n < 0)
		msg[0] = '\0';
	else if ((size_t)n >= sink.max)
		cut_utf8(msg, sink.max - 1);
}

void
log_vmsg(enum log_level l, const char *fmt, va_list ap)
{
	char msg[LOG_MSG_LIMIT];
	int saved = errno; /* callers log and then look at errno */

	if (!log_wanted(l))
		return;
	format(msg, fmt, ap);
	sink.write(sink.arg, l, msg);
	errno = saved;
}

void
log_msg(enum log_level l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(l, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOGL_ERROR, fmt, ap);
	va_end(ap);
	if (sink.flush != NULL)
		sink.flush(sink.arg);
	_exit(1);
}
