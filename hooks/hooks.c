/* SPDX-License-Identifier: BSD-2-Clause */
/* The hooks module's life: start, idle, stop (hooks/hooks.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/io.h"
#include "common/log.h"

#include "hooks/internal.h"

struct hooks_state H;

int
hooks_init(const struct hooks_params *p, char *err, size_t errlen)
{
	H.base = p->base;
	free(H.libexec_dir);
	H.libexec_dir = strdup(p->libexec_dir);
	if (H.libexec_dir == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return hooks_http_start(err, errlen);
}

int
hooks_idle(void)
{
	return hooks_exec_idle() && hooks_http_idle();
}

void
hooks_shutdown(void)
{
	hooks_exec_shutdown();
	hooks_http_shutdown();
	free(H.libexec_dir);
	H.libexec_dir = NULL;
}

int
hooks_results_open(struct hooks_results *res, event_callback_fn on_result)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	res->r = p[0];
	res->w = p[1];
	io_set_nonblock(res->r);
	res->ev = event_new(H.base, res->r, EV_READ | EV_PERSIST, on_result, NULL);
	if (res->ev == NULL || event_add(res->ev, NULL) != 0) {
		hooks_results_close(res, NULL);
		return -1;
	}
	return 0;
}

void
hooks_results_post(struct hooks_results *res, void *p, const char *what)
{
	ssize_t w;

	do
		w = write(res->w, &p, sizeof(p));
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)sizeof(p))
		log_error("hooks: lost %s result", what);
}

void
hooks_results_close(struct hooks_results *res, event_callback_fn on_result)
{
	if (res->r >= 0 && on_result != NULL)
		on_result(res->r, EV_READ, NULL);
	if (res->ev != NULL)
		event_free(res->ev);
	if (res->r >= 0)
		close(res->r);
	if (res->w >= 0)
		close(res->w);
	*res = (struct hooks_results)HOOKS_RESULTS_INIT;
}
