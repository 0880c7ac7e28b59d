/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpgo-worker's event sink: the engine's transfer and command events
 * (sftp/events.h), the process's log messages (common/log.h, as log events) and
 * the exit event of an exec channel, as the worker protocol
 * writes them (worker/proto.h), sent to the monitor as frames (u32 big-endian
 * length + JSON) or, stand-alone, as one JSON line each on a descriptor (stderr by
 * default). One sink per process; with no descriptor, events are dropped.
 */
#ifndef SFTPGO_WORKER_EVENTS_H
#define SFTPGO_WORKER_EVENTS_H

#include <stdint.h>

#include "common/log.h"
#include "sftp/events.h"
#include "worker/proto.h"

/*
 * Registers the sink with the engine and as the process's log sink. framed: 1 =
 * monitor frames, 0 = JSON lines. fd < 0 disables it. Events queued for the
 * previous descriptor are sent to it first.
 */
void wev_init(int fd, int framed);
/* Log records below this level are dropped (transfer/command events never are). */
void wev_set_log_level(enum log_level min);
/* Log records are only sent when enabled (stand-alone: -e). */
void wev_enable_log(int on);
/* Events gather this long (default 0 ms) before the serve loops send them. */
void wev_set_hold_ms(unsigned ms);
/* sftp-server's -l names (QUIET ... DEBUG3); -1 when unknown. */
int wev_level_from_name(const char *name);

/* An exec channel's end: the message goes to the client's stderr ("" for none). */
void wev_exit(const char *message);

/* Queues any event of the protocol (worker/quota.c's updates); wev_flush sends the
 * queue now. wev_monitor_fd: the monitor's descriptor, -1 stand-alone or dead. */
void wev_emit(const struct wp_event *e);
void wev_flush(void);
int wev_monitor_fd(void);

/*
 * The frame of an error log event whose message the seccomp handler fills in
 * (sandbox/sandbox.h), for the monitor's descriptor. 0, or -1 when there is none.
 */
struct sandbox_report;
int wev_sandbox_report(struct sandbox_report *r);

/* One transfer event as the wire has it (new string); exposed for tests. */
char *wev_format_transfer(const char *sender, const char *path, uint64_t size_bytes,
                          int64_t elapsed_ms, int ok, const char *error);

#endif
