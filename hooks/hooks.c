/* SPDX-License-Identifier: BSD-2-Clause */
/* The hooks module's life: start, idle, stop (hooks/hooks.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
