/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The quota ledger (doc/design-notes.md "Quota"): one per counted user, shared by
 * all of the user's sessions and workers. Workers reserve bytes and files from it
 * before an upload grows and report what changed on disk; the changes go to the
 * provider in batches (atomic used = used + delta, on the pool threads) once a
 * second and when the user's last session and worker end.
 */
#include "config.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rpc.h"
#include "monitor/internal.h"
#include "monitor/ledger.h"
#include "provider/provider.h"
#include "worker/proto.h"

#define FLUSH_SECS 1
#define IDLE_KEEP_SECS 60

/* cppcheck-suppress syntaxError ; cppcheck cannot expand an anonymous LIST_HEAD */
static LIST_HEAD(, qledger) ledgers = LIST_HEAD_INITIALIZER(ledgers);
static struct event *flush_ev;
static uint64_t seq;

uint64_t
quota_seq(void)
{
	return ++seq;
}

static int
track_mode(void)
{
	return M.p->cfg->data_provider.track_quota;
}

int
quota_counted(const struct sftpgo_user *u)
{
	int has_quota = u->quota_size > 0 || u->quota_files > 0;

	return track_mode() == 1 || (track_mode() == 2 && has_quota);
}

static struct qledger *
ledger_find(const char *username)
{
	struct qledger *l;

	LIST_FOREACH(l, &ledgers, link)
	if (strcmp(l->username, username) == 0)
		return l;
	return NULL;
}

static struct qledger *
attach(const struct sftpgo_user *u, uint64_t snapshot_seq, int worker)
{
	if (!quota_counted(u)) {
		if (track_mode() == 0 && (u->quota_size > 0 || u->quota_files > 0))
			log_app(LOGL_WARN, "sftpd",
			        "quota of user %s is not enforced: "
			        "data_provider.track_quota is 0",
			        u->username);
		return NULL;
	}
	struct qledger *l = ledger_find(u->username);
	if (l == NULL) {
		if ((l = calloc(1, sizeof(*l))) == NULL ||
		    (l->username = strdup(u->username)) == NULL) {
			free(l);
			return NULL;
		}
		LIST_INSERT_HEAD(&ledgers, l, link);
	}
	/* the login's snapshot, when the ledger knows no better (ledger.h) */
	ledger_load(l, u->quota_files, u->quota_size, u->used_quota_files,
	            u->used_quota_size, snapshot_seq);
	ledger_attach(l, worker);
	return l;
}

struct qledger *
quota_attach(const struct sftpgo_user *u, uint64_t snapshot_seq)
{
	return attach(u, snapshot_seq, 0);
}

struct qledger *
quota_attach_worker(const struct sftpgo_user *u)
{
	return attach(u, 0, 1);
}

/* One provider write of what is pending (none while another is in flight). */
static void
flush(struct qledger *l)
{
	int64_t files, size;

	if (!ledger_flush_take(l, &files, &size))
		return;
	struct job *j = calloc(1, sizeof(*j));
	if (j == NULL || (j->username = strdup(l->username)) == NULL) {
		free(j);
		ledger_flush_done(l, 0, files, size, l->flush_seq);
		return; /* retried at the next tick */
	}
	j->kind = JOB_QUOTA;
	j->q_files = files;
	j->q_size = size;
	j->ledger = l;
	authpool_submit(j);
}

/*
 * The rescan of a dirty ledger, on a provider thread: the stored user (its home,
 * ids and folders as they are now) is recounted as the user by a scanning worker,
 * exactly as `sftpgo quota scan` does, and the result stored as the usage. It
 * blocks that provider thread for the scan's time. At exit the pool drains its
 * queue, so a rescan started then still stores its result.
 */
static void
rescan_run(struct provider *p, struct job *j)
{
	struct sftpgo_user u;
	char err[256];

	j->ok = 0;
	if (p == NULL)
		return; /* j->error says why */
	int rc = provider_user_by_name(p, j->username, &u, err, sizeof(err));
	if (rc != 0) {
		/* user_found -1: deleted meanwhile, nothing left to count */
		j->user_found = rc == PROVIDER_NOT_FOUND ? -1 : 0;
		snprintf(j->error, sizeof(j->error), "%s",
		         rc == PROVIDER_NOT_FOUND ? "the user no longer exists" : err);
		return;
	}
	j->user_found = 1;
	if (quota_scan_user(&u, M.p->libexec_dir, &M.p->uid0, &j->q_files, &j->q_size,
	                    err, sizeof(err)) != 0)
		snprintf(j->error, sizeof(j->error), "%s", err);
	else if (provider_update_quota(p, j->username, j->q_files, j->q_size, 1, err,
	                               sizeof(err)) != 0)
		snprintf(j->error, sizeof(j->error), "%s", err);
	else
		j->ok = 1;
	user_free(&u);
}

static void
rescan_done(struct job *j)
{
	struct qledger *l = j->ledger;
	int rc =
	    ledger_scan_end(l, j->ok, j->q_files, j->q_size, quota_seq(), time(NULL));

	if (rc < 0 && j->user_found < 0) {
		l->dirty = 0;
		log_app(LOGL_INFO, "sftpd", "quota of user %s not rescanned: %s",
		        l->username, j->error);
	} else if (rc < 0)
		log_app(LOGL_WARN, "sftpd",
		        "quota rescan of user %s failed, tried again in %d s: %s",
		        l->username, LEDGER_SCAN_RETRY_SECS, j->error);
	else
		log_app(LOGL_INFO, "sftpd",
		        "quota of user %s rescanned after a worker died: %lld files, "
		        "%lld bytes%s",
		        l->username, (long long)j->q_files, (long long)j->q_size,
		        rc == 0 ? " (changed meanwhile: scanned again later)" : "");
	flush(l);
}

static void
rescan(struct qledger *l)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL || (j->username = strdup(l->username)) == NULL) {
		free(j);
		return; /* tried again at the next tick */
	}
	j->kind = JOB_QUOTA;
	j->ledger = l;
	j->run = rescan_run;
	j->done = rescan_done;
	ledger_scan_begin(l);
	authpool_submit(j);
}

static void
release_ref(struct qledger *l, int worker)
{
	if (ledger_detach(l, worker, time(NULL)))
		flush(l);
}

void
quota_detach(struct qledger *l)
{
	if (l != NULL)
		release_ref(l, 0);
}

void
quota_job_done(struct job *j)
{
	struct qledger *l = j->ledger;

	ledger_flush_done(l, j->ok, j->q_files, j->q_size, quota_seq());
	if (!j->ok) /* tried again at the next tick */
		log_app(LOGL_WARN, "sftpd", "unable to update quota for user %s: %s",
		        l->username, j->error);
	flush(l);
}

static void
on_flush_tick(evutil_socket_t fd, short what, void *arg)
{
	struct qledger *l, *next;
	time_t now = time(NULL);
	(void)fd;
	(void)what;
	(void)arg;

	for (l = LIST_FIRST(&ledgers); l != NULL; l = next) {
		next = LIST_NEXT(l, link);
		if (ledger_scan_due(l, now))
			rescan(l);
		flush(l);
		if (ledger_can_free(l, now, IDLE_KEEP_SECS)) {
			LIST_REMOVE(l, link);
			free(l->username);
			free(l);
		}
	}
}

void
quota_start(void)
{
	struct timeval tv = {FLUSH_SECS, 0};

	flush_ev = event_new(M.base, -1, EV_PERSIST, on_flush_tick, NULL);
	if (flush_ev != NULL)
		event_add(flush_ev, &tv);
}

/*
 * At exit: what is still pending goes to the pool, which drains its queue; a
 * dirty ledger is rescanned first (no worker is left), its store superseding what
 * was pending. One whose rescan is already running keeps what workers reported
 * meanwhile (a delta must not race the store): logged, `sftpgo quota scan` fixes.
 */
void
quota_stop(void)
{
	struct qledger *l;

	LIST_FOREACH(l, &ledgers, link)
	{
		if (l->dirty && !l->scanning && l->inflight == 0 && l->workers == 0)
			rescan(l);
		if (l->scanning && (l->pend_files != 0 || l->pend_size != 0))
			log_app(
			    LOGL_WARN, "sftpd",
			    "quota of user %s may be off (a rescan was running at exit): "
			    "run sftpgo quota scan",
			    l->username);
		flush(l);
	}
	if (flush_ev != NULL)
		event_free(flush_ev);
	flush_ev = NULL;
}

void
quota_free_all(void)
{
	struct qledger *l;

	while ((l = LIST_FIRST(&ledgers)) != NULL) {
		LIST_REMOVE(l, link);
		free(l->username);
		free(l);
	}
}

/* ---- the worker's side: reservations and updates ---- */

/* Which limit a reservation would cross, logged; NULL when it fits. */
static const char *
over_limit(const struct mworker *w, const struct qledger *l, int at_open,
           int64_t need_files, int64_t need_size)
{
	const char *limit = ledger_over(l, at_open, need_files, need_size);

	if (limit != NULL && strcmp(limit, "quota_files") == 0)
		log_app(
		    LOGL_INFO, "sftpd",
		    "[%s] denying file write due to space limit: user %s, quota_files "
		    "%lld reached (used %lld, reserved %lld)",
		    w->conn_id, l->username, (long long)l->quota_files,
		    (long long)l->used_files, (long long)l->res_files);
	else if (limit != NULL)
		log_app(LOGL_INFO, "sftpd",
		        "[%s] denying file write due to space limit: user %s, quota_size "
		        "%lld bytes (used %lld, reserved %lld, asked %lld)",
		        w->conn_id, l->username, (long long)l->quota_size,
		        (long long)l->used_size, (long long)l->res_size,
		        (long long)need_size);
	return limit;
}

static void
send_grant(struct mworker *w, int ok, int64_t granted, const char *message)
{
	struct wp_event e;

	wp_event_init(&e, WPE_QUOTA_GRANT);
	e.n[WPF_OK] = ok;
	e.n[WPF_GRANTED_SIZE] = granted;
	e.s[WPF_MESSAGE] = message;
	char *js = wp_event_encode(&e);
	/* the worker waits for this answer with nothing else in flight: the
	 * socket's buffer has room, so the write does not block */
	if (js == NULL || frame_write(w->fd, js, strlen(js)) != 0) {
		log_warn("worker %ld: cannot answer a quota request", (long)w->pid);
		kill(w->pid, SIGTERM);
	}
	free(js);
}

void
quota_on_reserve(struct mworker *w, const struct wp_event *e)
{
	struct qledger *l = w->ql;
	int64_t need_files = e->n[WPF_NEED_FILES], need = e->n[WPF_NEED_SIZE];
	int64_t want = e->n[WPF_WANT_SIZE], granted = 0;

	if (l == NULL) { /* not counted: nothing to refuse */
		send_grant(w, 1, want, "");
		return;
	}
	const char *limit = over_limit(w, l, (int)e->n[WPF_AT_OPEN], need_files, need);
	if (limit != NULL) {
		send_grant(w, 0, 0, limit);
		return;
	}
	granted = ledger_grant(l, need_files, need, want);
	w->res_files = ledger_sat_add(w->res_files, need_files > 0 ? need_files : 0);
	w->res_size = ledger_sat_add(w->res_size, granted);
	send_grant(w, 1, granted, "");
}

void
quota_on_update(struct mworker *w, const struct wp_event *e)
{
	struct qledger *l = w->ql;

	if (l == NULL)
		return;
	ledger_release(l, &w->res_files, &w->res_size, e->n[WPF_RELEASE_FILES],
	               e->n[WPF_RELEASE_SIZE]);
	ledger_update(l, e->n[WPF_FILES_DELTA], e->n[WPF_SIZE_DELTA]);
}

/*
 * died: killed by a signal, or failed: it may have left changes on disk it never
 * reported (a temporary file of an atomic upload, a partial file, a rename done
 * just before): the ledger is dirty and rescanned once none of the user's workers
 * runs (ledger.h).
 */
void
quota_worker_gone(struct mworker *w, int died)
{
	if (w->ql == NULL)
		return;
	ledger_release(w->ql, &w->res_files, &w->res_size, w->res_files, w->res_size);
	if (died && !w->ql->dirty)
		log_app(LOGL_INFO, "sftpd",
		        "[%s] quota of user %s is rescanned: its worker died", w->conn_id,
		        w->ql->username);
	ledger_worker_ended(w->ql, died);
	release_ref(w->ql, 1);
	w->ql = NULL;
}

/*
 * SFTPGo 0.9.6 (behaviour spec 6.4): refused when the files used are over the
 * limit; a size quota already used up refuses too (SFTPGo took a remainder of
 * exactly 0 as "unlimited", a bug not kept).
 */
const char *
quota_refuses_system(const struct qledger *l)
{
	if (l == NULL)
		return NULL;
	if ((l->quota_files > 0 && l->used_files > l->quota_files) ||
	    (l->quota_size > 0 && l->used_size >= l->quota_size))
		return "denying write due to space limit";
	return NULL;
}

/*
 * The files git or rsync changed are not counted as they go: the worker recounts
 * the home and folders when the command ends, and the difference to what the
 * ledger knew goes to the provider like any update.
 */
void
quota_on_rescan(struct mworker *w, const struct wp_event *e)
{
	struct qledger *l = w->ql;

	if (l == NULL || !e->n[WPF_OK]) {
		if (l != NULL)
			log_app(LOGL_WARN, "sftpd",
			        "[%s] quota rescan of user %s failed: %s", w->conn_id,
			        l->username, e->s[WPF_ERROR]);
		return;
	}
	ledger_set_usage(l, e->n[WPF_FILES], e->n[WPF_SIZE]);
	flush(l);
}
