/* SPDX-License-Identifier: BSD-2-Clause */
/* Signals: children that ended, shutdown, configuration reload. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/conf.h"
#include "hooks/hooks.h"
#include "logfile/logfile.h"
#include "monitor/internal.h"

int
sandbox_killed(int status, const char *role, pid_t pid, const char *user,
               const char *conn_id)
{
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
		return 0;
	log_app(LOGL_ERROR, "sftpd",
	        "%s%s%sseccomp: %s process %ld (user %s) killed by its filter (SIGSYS)",
	        conn_id[0] ? "[" : "", conn_id, conn_id[0] ? "] " : "", role, (long)pid,
	        user[0] ? user : "-");
	return 1;
}

void
on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	int status;
	pid_t pid;
	(void)sig;
	(void)what;
	(void)arg;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == M.listener_pid) {
			sandbox_killed(status, "listener", pid, "", "");
			listener_gone();
			if (!M.shutting_down) {
				log_error("listener exited, restarting it");
				start_listener();
			}
			continue;
		}
		if (pid == M.httpd_pid) {
			sandbox_killed(status, "httpd", pid, "", "");
			httpd_gone(status);
			continue;
		}
		struct msess *s;
		TAILQ_FOREACH(s, &M.sessions, link)
		if (s->pid == pid)
			break;
		if (s != NULL) {
			session_gone(s, status);
			continue;
		}
		struct mworker *w;
		TAILQ_FOREACH(w, &M.workers, link)
		if (w->pid == pid)
			break;
		if (w != NULL)
			worker_gone(w, status);
		else
			hooks_child_exited(pid, status);
	}
	maybe_exit();
}

static void
kill_all(int sig)
{
	struct msess *s;
	struct mworker *w;

	if (M.listener_pid > 0)
		kill(M.listener_pid, sig);
	if (M.httpd_pid > 0)
		kill(M.httpd_pid, sig);
	TAILQ_FOREACH(s, &M.sessions, link)
	kill(s->pid, sig);
	TAILQ_FOREACH(w, &M.workers, link)
	kill(w->pid, sig);
}

void
maybe_exit(void)
{
	if (M.shutting_down && M.listener_pid == 0 && M.httpd_pid == 0 &&
	    TAILQ_EMPTY(&M.sessions) && TAILQ_EMPTY(&M.workers) && hooks_programs_idle())
		event_base_loopbreak(M.base);
}

static void
on_kill_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_warn("shutdown grace time over, killing what is left");
	kill_all(SIGKILL);
	hooks_exec_stop(1 << HOOK_NOTIFY | 1 << HOOK_AUTH);
}

void
on_sigterm(evutil_socket_t sig, short what, void *arg)
{
	struct msess *s;
	struct pconn *c;
	(void)what;
	(void)arg;

	if (M.shutting_down)
		return;
	M.shutting_down = 1;
	log_info("received signal %d, shutting down", (int)sig);
	if (M.listener_pid > 0)
		kill(M.listener_pid, SIGTERM);
	httpd_stop();
	while ((c = TAILQ_FIRST(&M.pending)) != NULL) {
		TAILQ_REMOVE(&M.pending, c, link);
		close(c->fd);
		free(c);
	}
	M.n_pending = 0;
	/* Sessions end when their channels have; workers end with their sessions. */
	TAILQ_FOREACH(s, &M.sessions, link)
	kill(s->pid, SIGTERM);
	/* a session waiting for an authentication program gets its answer now;
	 * queued actions still run, within the grace time */
	hooks_exec_stop(1 << HOOK_AUTH);
	M.kill_ev = timer_start(SHUTDOWN_GRACE_SECS, on_kill_timer, NULL);
	maybe_exit();
}

/*
 * The memory provider reads its dump file again (SFTPGo's SIGHUP), on a provider
 * thread: parsing and hashing never block the loop. Other drivers have no file.
 */
static void
reload_provider(void)
{
	struct job *j;

	if (strcmp(M.p->cfg->data_provider.driver, "memory") != 0)
		return;
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		log_error("SIGHUP: data provider not reloaded: out of memory");
		return;
	}
	j->kind = JOB_RELOAD;
	authpool_submit(j);
}

void
on_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct sftpgo_config ncfg;
	char err[512];
	struct msess *s;
	(void)sig;
	(void)what;
	(void)arg;

	/* First, so that what follows lands in the new file after a rotation. */
	log_reopen();
	reload_provider();
	memset(&ncfg, 0, sizeof(ncfg));
	if (config_load(&ncfg, M.p->config_dir_arg, M.p->config_file_arg, err,
	                sizeof(err)) != 0 ||
	    algos_check(&ncfg.sftpd, err, sizeof(err)) != 0 ||
	    listener_config_check(&ncfg.sftpd, err, sizeof(err)) != 0 ||
	    mdefender_reload(&ncfg.common.defender, err, sizeof(err)) != 0) {
		log_error("SIGHUP: configuration not reloaded: %s", err);
		config_free(&ncfg);
		return;
	}
	httpd_tls_reload(&ncfg.httpd);
	/* the defender took its new section: keep it (its strings swap) */
	struct defender_config dtmp = M.p->cfg->common.defender;
	M.p->cfg->common.defender = ncfg.common.defender;
	ncfg.common.defender = dtmp;
	/* Reloadable: what new sessions, logins and accepted connections use. Not:
	 * bind address/port, provider, host keys, log destination (reopened only),
	 * unprivileged_user (the listener runs as it: it cannot change ids). */
	struct sftpd_config *cur = &M.p->cfg->sftpd;
	struct sftpd_config tmp = *cur;
	cur->idle_timeout = ncfg.sftpd.idle_timeout;
	cur->max_auth_tries = ncfg.sftpd.max_auth_tries;
	cur->banner = ncfg.sftpd.banner;
	cur->login_banner_file = ncfg.sftpd.login_banner_file;
	cur->kex_algorithms = ncfg.sftpd.kex_algorithms;
	cur->ciphers = ncfg.sftpd.ciphers;
	cur->macs = ncfg.sftpd.macs;
	cur->umask = ncfg.sftpd.umask;
	cur->umask_mode = ncfg.sftpd.umask_mode;
	cur->upload_mode = ncfg.sftpd.upload_mode;
	cur->setstat_mode = ncfg.sftpd.setstat_mode;
	cur->session_pool_size = ncfg.sftpd.session_pool_size;
	cur->max_startups_per_ip = ncfg.sftpd.max_startups_per_ip;
	cur->proxy_protocol = ncfg.sftpd.proxy_protocol;
	cur->proxy_allowed = ncfg.sftpd.proxy_allowed;
	cur->max_channels_per_connection = ncfg.sftpd.max_channels_per_connection;
	cur->uid0_service_account = ncfg.sftpd.uid0_service_account;
	/* hand the replaced values to ncfg so config_free releases them */
	ncfg.sftpd.proxy_allowed = tmp.proxy_allowed;
	ncfg.sftpd.uid0_service_account = tmp.uid0_service_account;
	ncfg.sftpd.banner = tmp.banner;
	ncfg.sftpd.login_banner_file = tmp.login_banner_file;
	ncfg.sftpd.kex_algorithms = tmp.kex_algorithms;
	ncfg.sftpd.ciphers = tmp.ciphers;
	ncfg.sftpd.macs = tmp.macs;
	ncfg.sftpd.umask = tmp.umask;
	config_free(&ncfg);
	load_session_settings();
	/* logins from now on; authenticated sessions keep the ids they got */
	if (M.p->unpriv_uid != (uid_t)-1)
		uid0_map_resolve(M.p->cfg, M.p->unpriv_uid, M.p->unpriv_gid, &M.p->uid0);
	listener_config_warn(cur);
	send_listener_settings();  /* the banner too: load_session_settings made it */
	mdefender_sync_listener(); /* the block list may have changed */
	log_info("SIGHUP: configuration reloaded, log reopened");
	/* Idle pool sessions carry the old settings: replace them. */
	TAILQ_FOREACH(s, &M.sessions, link)
	if (s->state == S_IDLE || s->state == S_STARTING) {
		s->dying = 1;
		kill(s->pid, SIGTERM);
	}
	schedule_refill(0);
}
