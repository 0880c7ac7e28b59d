/* SPDX-License-Identifier: BSD-2-Clause */
/* What the files of hooks/ share; hooks/hooks.h is the module's face. */
#ifndef SFTPGO_HOOKS_INTERNAL_H
#define SFTPGO_HOOKS_INTERNAL_H

#include "hooks/hooks.h"

struct hooks_state {
	struct event_base *base;
	char *libexec_dir;
};
extern struct hooks_state H;

/* hooks.c: a worker thread's results back to the loop, one pointer per write
 * (the read end non-blocking, the write end blocking: never a lost result). */
struct hooks_results {
	int r, w;
	struct event *ev;
};
#define HOOKS_RESULTS_INIT                                                               \
	{                                                                                \
		-1, -1, NULL                                                             \
	}
int hooks_results_open(struct hooks_results *res, event_callback_fn on_result);
void hooks_results_post(struct hooks_results *res, void *p, const char *what);
/* After the threads are joined: what is left is delivered, then all closed. */
void hooks_results_close(struct hooks_results *res, event_callback_fn on_result);

/* exec.c */
void hooks_vec_free(char **v, int wipe);
int hooks_exec_idle(void);
void hooks_exec_shutdown(void);

/* spawner.c: run() on the spawner thread (at HOOK_NOTIFY_NICE), then done() on
 * the loop. submit: -1 when the thread cannot be had (run it inline then). */
struct hooks_lowjob {
	void (*run)(struct hooks_lowjob *j);
	void (*done)(struct hooks_lowjob *j);
	struct hooks_lowjob *next;
};
int hooks_spawner_submit(struct hooks_lowjob *j);
void hooks_spawner_shutdown(void);

/* http.c */
int hooks_http_start(char *err, size_t errlen);
int hooks_http_idle(void);
void hooks_http_shutdown(void);

#endif
