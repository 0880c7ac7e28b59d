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

/* exec.c */
void hooks_vec_free(char **v, int wipe);
int hooks_exec_idle(void);
void hooks_exec_shutdown(void);

/* http.c */
int hooks_http_start(char *err, size_t errlen);
int hooks_http_idle(void);
void hooks_http_shutdown(void);

#endif
