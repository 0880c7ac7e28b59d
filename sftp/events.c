/* SPDX-License-Identifier: BSD-2-Clause */
/* The engine's side of its event sink (sftp/events.h): calls that go nowhere
 * until the program registers a sink. */
#include "config.h"

#include "sftp/events.h"

static const struct sftp_event_sink *sink;

void
sftp_set_event_sink(const struct sftp_event_sink *s)
{
	sink = s;
}

void
ev_transfer(const char *sender, const char *path, uint64_t size_bytes, int64_t elapsed_ms,
            int ok, const char *error)
{
	if (sink != NULL && sink->transfer != NULL)
		sink->transfer(sender, path, size_bytes, elapsed_ms, ok, error);
}

void
ev_command(const struct ev_command *c)
{
	if (sink != NULL && sink->command != NULL)
		sink->command(c);
}

void
ev_progress(uint32_t handle, const char *sender, const char *path, uint64_t size_bytes,
            int64_t elapsed_ms, int done)
{
	if (sink != NULL && sink->progress != NULL)
		sink->progress(handle, sender, path, size_bytes, elapsed_ms, done);
}

int
ev_flush_due(void)
{
	return sink != NULL && sink->flush_due != NULL ? sink->flush_due() : -1;
}

void
ev_flush(void)
{
	if (sink != NULL && sink->flush != NULL)
		sink->flush();
}

int64_t
elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}
