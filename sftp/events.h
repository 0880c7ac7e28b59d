/*
 * Worker events (HELPERS.md "Worker events"): transfer, command and log records as
 * JSON objects, sent to the monitor as frames (u32 big-endian length + JSON) or,
 * stand-alone, as one JSON line each on a descriptor (stderr by default).
 * One sink per process; with no sink configured, events are dropped.
 */
#ifndef SFTPGO_SFTP_EVENTS_H
#define SFTPGO_SFTP_EVENTS_H

#include <stdint.h>
#include <time.h>

enum ev_level { EV_DEBUG = 0, EV_INFO, EV_WARN, EV_ERROR, EV_QUIET };

/* framed: 1 = monitor frames, 0 = JSON lines. fd < 0 disables the sink. Events
 * queued for the previous sink are sent to it first. */
void ev_init(int fd, int framed);
/* Log records below this level are dropped (transfer/command events never are). */
void ev_set_log_level(enum ev_level min);
/* Log records are only sent when enabled (stand-alone: -e). */
void ev_enable_log(int on);
/*
 * Events are queued; the serve loop sends them when it is about to wait for input
 * and ev_flush_due() says 0. hold_ms (default 0) lets them gather that long first.
 */
void ev_set_hold_ms(unsigned ms);
/* -1: nothing queued; else milliseconds until the queue should be flushed. */
int ev_flush_due(void);
void ev_flush(void);
/* sftp-server's -l names (QUIET ... DEBUG3); -1 when unknown. */
int ev_level_from_name(const char *name);

/* Milliseconds since start (CLOCK_MONOTONIC): transfer times, the queue's age. */
int64_t elapsed_ms(const struct timespec *start);

void ev_transfer(const char *sender, const char *path, uint64_t size_bytes,
                 int64_t elapsed_ms, int ok, const char *error);

struct ev_command {
	const char *sender; /* Rename Rmdir Mkdir Symlink Remove Chmod Chown Chtimes
	                       SSHCommand */
	const char *path;
	const char *target_path; /* "" when none */
	const char *filemode;    /* "0644" for Chmod, else "" */
	long long uid, gid;      /* Chown, else -1 */
	const char *access_time; /* Chtimes: "YYYY-MM-DDTHH:MM:SS", else "" */
	const char *modification_time;
};
void ev_command(const struct ev_command *c);

/* An exec channel's end: the message goes to the client's stderr ("" for none). */
void ev_exit(const char *message);
void ev_log(enum ev_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Formats one event object as compact JSON (new string); exposed for tests. */
char *ev_format_transfer(const char *sender, const char *path, uint64_t size_bytes,
                         int64_t elapsed_ms, int ok, const char *error);

#endif
