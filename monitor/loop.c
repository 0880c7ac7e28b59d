/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The monitor's event loop and the state every part of it shares (internal.h):
 * settings for new sessions, small helpers, the permission check of a message.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/version.h"
#include "monitor/internal.h"

struct monitor_state M;

/* A one-shot timer firing in secs seconds (NULL when out of memory). */
struct event *
timer_start(int secs, event_callback_fn cb, void *arg)
{
	struct timeval tv = {secs, 0};
	struct event *e = evtimer_new(M.base, cb, arg);

	if (e != NULL)
		evtimer_add(e, &tv);
	return e;
}

char *
join_list(const struct strlist *l)
{
	size_t n = 1;
	for (size_t i = 0; i < l->n; i++)
		n += strlen(l->v[i]) + 1;
	char *s = calloc(1, n);
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		if (i > 0)
			strlcat(s, ",", n);
		strlcat(s, l->v[i], n);
	}
	return s;
}

static char *
read_banner_file(const char *path)
{
	if (path == NULL || path[0] == '\0')
		return strdup("");
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		log_warn("login banner %s: %s", path, strerror(errno));
		return strdup("");
	}
	char *buf = calloc(1, 16384);
	if (buf != NULL) {
		size_t n = fread(buf, 1, 16383, f);
		buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

/* The parts of the config that new sessions take (also on SIGHUP). */
void
load_session_settings(void)
{
	const struct sftpd_config *sc = &M.p->cfg->sftpd;
	char vb[600];

	free(M.login_banner);
	free(M.version_banner);
	free(M.kex);
	free(M.ciphers);
	free(M.macs);
	M.login_banner = read_banner_file(sc->login_banner_file);
	if (sc->banner != NULL && sc->banner[0] != '\0')
		snprintf(vb, sizeof(vb), "%s", sc->banner);
	else
		snprintf(vb, sizeof(vb), "SFTPGo_%s", sftpgo_version());
	M.version_banner = strdup(vb);
	M.kex = join_list(&sc->kex_algorithms);
	M.ciphers = join_list(&sc->ciphers);
	M.macs = join_list(&sc->macs);
}

int
max_auth_tries(void)
{
	int m = M.p->cfg->sftpd.max_auth_tries;
	return m == 0 ? 6 : m;
}

struct msess *
session_by_id(uint64_t id)
{
	struct msess *s;
	TAILQ_FOREACH(s, &M.sessions, link)
	if (s->id == id)
		return s;
	return NULL;
}

/* 1 when the line may be written; says once per second that lines are dropped. */
int
log_rate_ok(struct log_rate *r, const char *who, long pid)
{
	time_t now = time(NULL);

	if (now != r->second) {
		r->second = now;
		r->count = 0;
	}
	if (++r->count <= LOGS_PER_SEC)
		return 1;
	if (r->count == LOGS_PER_SEC + 1)
		log_warn("%s process %ld: too many log lines, dropping some", who, pid);
	return 0;
}

int
rpc_permitted(const struct rpc_msg *m, unsigned peer, unsigned states)
{
	const struct rpc_msg_spec *sp = rpc_msg_spec(m->type);

	if (sp == NULL || sp->dir != RPC_TO_MONITOR || !(sp->peers & peer) ||
	    !(sp->states & states))
		return 0;
	if (sp->fd == RPC_FD_NONE && m->fd >= 0)
		return 0;
	return sp->fd != RPC_FD_REQUIRED || m->fd >= 0;
}

enum peer_frame
peer_dispatch(int fd, unsigned peer, const peer_handler handlers[RPC_TYPE_MAX],
              enum rpc_type *type, char *err, size_t errlen)
{
	struct rpc_msg m;
	enum peer_frame out = PEER_DONE;

	int rc = rpc_recv(fd, &m, err, errlen);
	if (rc == 0)
		return PEER_CLOSED;
	if (rc < 0)
		return errno == EAGAIN ? PEER_AGAIN : PEER_BROKEN;
	*type = m.type;
	if (!rpc_permitted(&m, peer, RPC_ST_ANY) || handlers[m.type] == NULL ||
	    !handlers[m.type](&m))
		out = PEER_DENIED;
	rpc_msg_free(&m);
	return out;
}

int
monitor_run(struct monitor_params *p)
{
	char err[256];

	memset(&M, 0, sizeof(M));
	M.p = p;
	M.listener_fd = -1;
	M.httpd_sock = -1;
	TAILQ_INIT(&M.sessions);
	TAILQ_INIT(&M.workers);
	TAILQ_INIT(&M.pending);
	signal(SIGPIPE, SIG_IGN);
	M.base = event_base_new();
	if (M.base == NULL)
		return 1;
	load_session_settings();
	struct event *sig_chld = evsignal_new(M.base, SIGCHLD, on_sigchld, NULL);
	struct event *sig_term = evsignal_new(M.base, SIGTERM, on_sigterm, NULL);
	struct event *sig_int = evsignal_new(M.base, SIGINT, on_sigterm, NULL);
	struct event *sig_hup = evsignal_new(M.base, SIGHUP, on_sighup, NULL);
	event_add(sig_chld, NULL);
	event_add(sig_term, NULL);
	event_add(sig_int, NULL);
	event_add(sig_hup, NULL);
	M.refill_ev = evtimer_new(M.base, on_refill, NULL);

	if (mdefender_start() != 0 || start_listener() != 0)
		return 1;
	M.job_fd = authpool_start(
	    p->cfg,
	    p->cfg->data_provider.pool_size > 0 ? p->cfg->data_provider.pool_size : 2,
	    &p->start_provider, err, sizeof(err));
	if (M.job_fd < 0) {
		log_error("%s", err);
		kill(M.listener_pid, SIGKILL);
		return 1;
	}
	struct event *job_ev =
	    event_new(M.base, M.job_fd, EV_READ | EV_PERSIST, on_job, NULL);
	event_add(job_ev, NULL);
	if (mhooks_start() != 0) {
		kill(M.listener_pid, SIGKILL);
		return 1;
	}
	schedule_refill(0);
	quota_start();
	if (start_httpd() != 0)
		log_error("httpd: cannot start sftpgo-httpd: the REST API is not served");

	event_base_dispatch(M.base);

	quota_stop();
	mdefender_stop();
	mhooks_stop();
	authpool_stop();
	/* what the pool finished after the loop ended (quota batches) */
	struct job *done;
	while (read(M.job_fd, &done, sizeof(done)) == (ssize_t)sizeof(done))
		job_free(done);
	quota_free_all();
	admin_free_all();
	event_free(job_ev);
	close(M.job_fd);
	event_free(sig_chld);
	event_free(sig_term);
	event_free(sig_int);
	event_free(sig_hup);
	event_free(M.refill_ev);
	if (M.kill_ev)
		event_free(M.kill_ev);
	event_base_free(M.base);
	free(M.login_banner);
	free(M.version_banner);
	free(M.kex);
	free(M.ciphers);
	free(M.macs);
	log_info("stopped");
	return 0;
}
