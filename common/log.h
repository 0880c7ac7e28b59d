/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one logging API every process uses: log_msg() and its level wrappers, and
 * fatal(). A message is formatted once, cut at LOG_MSG_MAX and handed to the
 * process's sink, which decides where it goes: the monitor writes it to the JSON
 * log file (logfile/logfile.h), the session and the listener send it to the
 * monitor as an RPC LOG message, the worker turns it into a log event. Before a
 * sink is set, messages go to stderr as "progname: message".
 */
#ifndef SFTPGO_COMMON_LOG_H
#define SFTPGO_COMMON_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* LOGL_QUIET is only a minimum level: nothing passes it. */
enum log_level { LOGL_DEBUG = 0, LOGL_INFO, LOGL_WARN, LOGL_ERROR, LOGL_QUIET };

/* A message is at most this long, its NUL included (cut at a UTF-8 boundary);
 * a process may allow up to LOG_MSG_LIMIT (the monitor's file lines do). */
#define LOG_MSG_MAX 1024
#define LOG_MSG_LIMIT 8192

/* "debug" "info" "warn" "error" (anything else: "error"). */
const char *log_level_name(enum log_level l);

/* Receives every message at or above the minimum level. */
typedef void (*log_sink_fn)(void *arg, enum log_level l, const char *message);
/* Called by fatal() after the message: what the sink queued must go out now. */
typedef void (*log_flush_fn)(void *arg);

/* One sink per process; write NULL restores the default (stderr). flush may be
 * NULL. */
void log_set_sink(log_sink_fn write, log_flush_fn flush, void *arg);
/* Messages below min are dropped before they are formatted (default LOGL_DEBUG). */
void log_set_min_level(enum log_level min);
/* The longest message, its NUL included, clamped to 2..LOG_MSG_LIMIT. */
void log_set_msg_max(size_t max);
/* Whether a message of this level would reach the sink. */
int log_wanted(enum log_level l);

void log_msg(enum log_level l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level l, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#define log_debug(...) log_msg(LOGL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOGL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOGL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOGL_ERROR, __VA_ARGS__)

/*
 * An error-level message through the sink (flushed), then _exit(1): the process
 * cannot go on. _exit, not exit: it may run in a forked child, whose atexit
 * handlers and stdio buffers are its parent's.
 */
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
