/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hooks: the external programs and HTTP notifications of SFTPGo 0.9.6 (custom
 * actions on file events, provider actions on user changes, external
 * authentication, the pre-login program). Root side only: the monitor and the CLI
 * link it; a session, worker or httpd never starts a hook.
 *
 * Everything runs beside an event loop that never blocks: a program is started
 * with posix_spawn through sftpgo-hookexec (which takes the requested uid/gid and
 * a session of its own, then execs the program with an argument vector, no
 * shell), stdin /dev/null, stderr discarded, stdout read from the loop up to a
 * cap, a deadline after which its whole process group gets SIGKILL; the exit is
 * learnt from hooks_child_exited(), called by whoever reaps children. HTTP runs
 * on a few threads with libcurl (timeouts, no redirects, TLS verified, response
 * body capped); the result comes back on the loop. Each class of hook has a
 * bounded number running and a bounded queue: a notification that does not fit
 * is dropped with a log line, an authentication is refused.
 */
#ifndef SFTPGO_HOOKS_HOOKS_H
#define SFTPGO_HOOKS_HOOKS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <event2/event.h>

#include "account/user.h"
#include "config/conf.h"

enum hook_class {
	HOOK_NOTIFY, /* actions: dropped and logged when the queue is full */
	HOOK_AUTH,   /* external auth, pre-login: refused when the queue is full */
	HOOK_CLASSES
};

#define HOOK_OUT_MAX (1024 * 1024) /* stdout read from an auth program */
#define HOOK_HTTP_BODY_MAX (64 * 1024)
#define HOOK_ACTION_SECS 30   /* file action command (SFTPGo) */
#define HOOK_PROVIDER_SECS 15 /* provider action command and every HTTP call */
#define HOOK_AUTH_SECS 60     /* external auth and pre-login programs */
/* Notifications waiting for a slot, per kind (programs, HTTP calls): beyond it
 * one is dropped with a warn line. */
#define HOOK_NOTIFY_QUEUE_MAX 4096
#define HOOK_NOTIFY_NICE 19 /* notification programs run at this nice value */

struct hook_result {
	int started;   /* 0: the program could not be run (err says why) */
	int status;    /* waitpid status once it ended */
	int timed_out; /* killed at its deadline */
	int too_much;  /* killed: stdout beyond the cap */
	char *out;     /* stdout (NUL-terminated), NULL when not captured */
	size_t out_len;
	long http_code; /* HTTP: the status, 0 on a transport error */
	int64_t elapsed_ms;
	char err[256]; /* "" when it ran and exited 0 / answered */
};

typedef void (*hook_done_fn)(struct hook_result *r, void *arg);

struct hooks_params {
	struct event_base *base;
	const char *libexec_dir; /* where sftpgo-hookexec lives */
};

/* Once, in the process's main thread, before anything is submitted. 0 or -1. */
int hooks_init(const struct hooks_params *p, char *err, size_t errlen);
/* The server is stopping: the programs of these classes (bits 1 << class) that
 * wait are dropped, those that run get SIGKILL; each done callback still runs
 * (from the reaper, as usual). */
void hooks_exec_stop(int classes);
/* No program running or queued (the monitor's shutdown waits for it). */
int hooks_programs_idle(void);
/* Kills what runs (SIGKILL to each group), waits for the HTTP threads. */
void hooks_shutdown(void);
/* Nothing running or queued (the CLI runs its loop until this is true). */
int hooks_idle(void);

/*
 * Runs prog with argv (argv[0] = prog) and envp (the whole environment) as
 * uid/gid (-1: unchanged), with a deadline; stdout is captured up to out_cap bytes
 * (0: /dev/null). done runs on the loop, exactly once, unless -1 is returned (the
 * class's queue is full: a log line was written for HOOK_NOTIFY).
 */
int hooks_exec(enum hook_class c, char *const argv[], char *const envp[], long long uid,
               long long gid, int timeout_s, size_t out_cap, hook_done_fn done,
               void *arg);
/* An HTTP GET (body NULL) or POST of body as application/json, same contract. */
int hooks_http(enum hook_class c, const char *url, const char *body, int timeout_s,
               hook_done_fn done, void *arg);
/* The reaper's call for a child it does not know: 1 when it was a hook's. */
int hooks_child_exited(pid_t pid, int status);
/* For a process without a reaper of its own (the CLI): waitpid(-1) until empty. */
void hooks_reap(void);
/* "exit status 3", "signal: killed", "timed out after 30 s", ... (static buffer) */
const char *hooks_outcome(const struct hook_result *r);

/* ---- SFTPGo's actions (hooks/actions.c) ---- */

/* Whose identity a hook runs as (sftpd.hooks_run_as_root). */
struct hooks_ids {
	long long service_uid, service_gid; /* auth, pre-login, provider actions */
};

/* One file event that succeeded (spec section 1). Paths are FS paths. */
struct hook_file_event {
	const char *action; /* download upload delete rename ssh_cmd */
	const char *username;
	const char *path, *target_path, *ssh_cmd;
	int64_t file_size;  /* 0: reported empty */
	long long uid, gid; /* the user's ids (-1: unchanged) */
};

/* Fires the configured command and/or HTTP GET when execute_on has the action. */
void hooks_file_action(const struct actions_config *ac, const struct hook_file_event *e);

/*
 * Provider actions on a user change ("add", "update", "delete"): the one entry
 * point for every path that changes users (CLI, REST API, web admin, loaddata).
 * u is the stored form (read back after add/update; as loaded before a delete).
 * Runs as ids->service_uid/gid. 0, or -1 when nothing could be queued.
 */
int hooks_user_changed(const struct provider_config *pc, const struct hooks_ids *ids,
                       const char *action, const struct sftpgo_user *u);

/*
 * Adds params (NULL-terminated key, value pairs; a NULL value skips the pair) to
 * url's query and re-encodes the whole query form-style with the keys sorted (Go's
 * url.Values.Encode). malloc'd; NULL when url has no scheme://host or on ENOMEM.
 */
char *hooks_url_with_query(const char *url, const char *const *params);

#endif
