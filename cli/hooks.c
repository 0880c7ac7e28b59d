/* SPDX-License-Identifier: BSD-2-Clause */
/* Provider actions fired by the admin CLI (cli/commands.h cli_user_changed). */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli/commands.h"
#include "common/log.h"
#include "hooks/hooks.h"
#include "monitor/monitor.h"

static void
on_child(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	hooks_reap();
}

void
cli_user_changed(const struct sftpgo_config *cfg, const char *libexec_dir,
                 const char *action, const struct sftpgo_user *u)
{
	const struct actions_config *ac = &cfg->data_provider.actions;
	struct hooks_ids ids = {-1, -1};
	char err[256];

	if (!strlist_contains(&ac->execute_on, action))
		return;
	if (geteuid() == 0 && !cfg->sftpd.hooks_run_as_root) {
		uid_t uid;
		gid_t gid;
		if (find_unprivileged(cfg, &uid, &gid, err, sizeof(err)) != 0) {
			log_error("provider action %s not run: %s", action, err);
			return;
		}
		ids.service_uid = uid;
		ids.service_gid = gid;
	}
	struct event_base *base = event_base_new();
	struct event *sig = base ? evsignal_new(base, SIGCHLD, on_child, NULL) : NULL;
	struct hooks_params hp = {.base = base, .libexec_dir = libexec_dir};
	if (sig == NULL || event_add(sig, NULL) != 0 ||
	    hooks_init(&hp, err, sizeof(err)) != 0) {
		log_error("provider action %s not run: %s", action,
		          sig ? err : "cannot start an event loop");
	} else {
		log_set_min_level(LOGL_INFO); /* a debug line per success is noise here */
		hooks_user_changed(&cfg->data_provider, &ids, action, u);
		while (!hooks_idle())
			event_base_loop(base, EVLOOP_ONCE);
		hooks_shutdown();
	}
	if (sig != NULL)
		event_free(sig);
	if (base != NULL)
		event_base_free(base);
}
