/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the SFTP engine reports (transfers and commands) and to whom: a sink the
 * embedding program registers. The engine knows nothing of the wire the events
 * travel on; sftpgo-worker's sink (worker/events.h) sends them to the monitor as
 * the worker protocol says (doc/design-notes.md "Worker protocol"). With no sink
 * registered, events are dropped. Log lines are not events: the engine writes them
 * with common/log.h, whose sink in sftpgo-worker is the same queue.
 */
#ifndef SFTPGO_SFTP_EVENTS_H
#define SFTPGO_SFTP_EVENTS_H

#include <stdint.h>
#include <time.h>

struct ev_command {
	const char *sender; /* Rename Rmdir Mkdir Symlink Remove Chmod Chown Chtimes
	                       SSHCommand */
	const char *path;
	const char *target_path; /* "" when none */
	const char *filemode;    /* "0644" for Chmod, else "" */
	long long uid, gid;      /* Chown, else -1 */
	const char *access_time; /* Chtimes: "YYYY-MM-DDTHH:MM:SS", else "" */
	const char *modification_time;
	int64_t size_bytes; /* Remove: the entry's size before removal, else 0 */
};

/* Every member may be NULL (that kind of event is dropped). */
struct sftp_event_sink {
	void (*transfer)(const char *sender, const char *path, uint64_t size_bytes,
	                 int64_t elapsed_ms, int ok, const char *error);
	void (*command)(const struct ev_command *c);
	/*
	 * A transfer in progress (the REST API's active_transfers): handle is the
	 * engine's handle number, size_bytes what moved so far; done 1 once, when the
	 * handle closes (only for handles that reported progress before).
	 */
	void (*progress)(uint32_t handle, const char *sender, const char *path,
	                 uint64_t size_bytes, int64_t elapsed_ms, int done);
	/*
	 * Events may be queued by the sink; the serve loops call flush when they are
	 * about to wait for input and flush_due says 0 (-1: nothing queued, else
	 * milliseconds until the queue should go out).
	 */
	int (*flush_due)(void);
	void (*flush)(void);
};

/* sink is referenced, not copied; NULL drops every event. */
void sftp_set_event_sink(const struct sftp_event_sink *sink);

void ev_transfer(const char *sender, const char *path, uint64_t size_bytes,
                 int64_t elapsed_ms, int ok, const char *error);
void ev_command(const struct ev_command *c);
void ev_progress(uint32_t handle, const char *sender, const char *path,
                 uint64_t size_bytes, int64_t elapsed_ms, int done);
int ev_flush_due(void);
void ev_flush(void);

/* Milliseconds since start (CLOCK_MONOTONIC): transfer times, a queue's age. */
int64_t elapsed_ms(const struct timespec *start);

#endif
