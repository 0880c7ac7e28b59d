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
#include "worker/proto.h"

#define FLUSH_SECS 1
#define IDLE_KEEP_SECS 60

struct qledger {
	LIST_ENTRY(qledger) link;
	char *username;
	int64_t quota_size, quota_files;
	int64_t used_size, used_files; /* on disk, as far as the ledger knows */
	int64_t res_size, res_files;   /* reserved by uploads in progress */
	int64_t pend_size, pend_files; /* not yet written to the provider */
	int inflight;                  /* provider writes under way */
	int refs;                      /* sessions and workers */
	uint64_t flush_seq;            /* quota_seq() when a write last completed */
	time_t idle_since;
};

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

static void
clamp0(int64_t *v)
{
	if (*v < 0)
		*v = 0;
}

/* The deltas come from a worker, which may lie: saturate, never overflow. */
static int64_t
sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* What is left of quota_size after the usage and every reservation (>= 0). */
static int64_t
size_left(const struct qledger *l)
{
	int64_t left = sat_add(l->quota_size, -sat_add(l->used_size, l->res_size));

	return left > 0 ? left : 0;
}

struct qledger *
quota_attach(const struct sftpgo_user *u, uint64_t snapshot_seq)
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
	/*
	 * The login's snapshot is the truth only when nothing of ours is pending or
	 * in flight and it was read after our last write landed; else the ledger
	 * knows better (a scan while the user is connected is seen at the next
	 * login after every session ended).
	 */
	if (l->refs == 0 && l->inflight == 0 && l->pend_size == 0 && l->pend_files == 0 &&
	    snapshot_seq > l->flush_seq) {
		l->used_size = u->used_quota_size;
		l->used_files = u->used_quota_files;
		clamp0(&l->used_size);
		clamp0(&l->used_files);
	}
	l->quota_size = u->quota_size; /* the newest limits */
	l->quota_files = u->quota_files;
	l->refs++;
	return l;
}

/* One provider write of what is pending (none while another is in flight). */
static void
flush(struct qledger *l)
{
	if (l->inflight > 0 || (l->pend_size == 0 && l->pend_files == 0))
		return;
	struct job *j = calloc(1, sizeof(*j));
	if (j == NULL || (j->username = strdup(l->username)) == NULL) {
		free(j);
		return; /* retried at the next tick */
	}
	j->kind = JOB_QUOTA;
	j->q_files = l->pend_files;
	j->q_size = l->pend_size;
	j->ledger = l;
	l->pend_files = l->pend_size = 0;
	l->inflight++;
	authpool_submit(j);
}

void
quota_detach(struct qledger *l)
{
	if (l == NULL)
		return;
	if (--l->refs == 0) {
		l->idle_since = time(NULL);
		flush(l);
	}
}

void
quota_job_done(struct job *j)
{
	struct qledger *l = j->ledger;

	l->inflight--;
	l->flush_seq = quota_seq();
	if (!j->ok) {
		log_app(LOGL_WARN, "sftpd", "unable to update quota for user %s: %s",
		        l->username, j->error);
		/* tried again at the next tick */
		l->pend_files = sat_add(l->pend_files, j->q_files);
		l->pend_size = sat_add(l->pend_size, j->q_size);
	}
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
		flush(l);
		if (l->refs == 0 && l->inflight == 0 && l->pend_size == 0 &&
		    l->pend_files == 0 && now - l->idle_since > IDLE_KEEP_SECS) {
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

/* At exit: what is still pending goes to the pool, which drains its queue. */
void
quota_stop(void)
{
	struct qledger *l;

	LIST_FOREACH(l, &ledgers, link)
	flush(l);
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
	int64_t avail = size_left(l);

	if (l->quota_files > 0 && need_files > 0 &&
	    sat_add(l->used_files, l->res_files) >= l->quota_files) {
		log_app(
		    LOGL_INFO, "sftpd",
		    "[%s] denying file write due to space limit: user %s, quota_files "
		    "%lld reached (used %lld, reserved %lld)",
		    w->conn_id, l->username, (long long)l->quota_files,
		    (long long)l->used_files, (long long)l->res_files);
		return "quota_files";
	}
	if (l->quota_size > 0 && ((at_open && avail <= 0) || need_size > avail)) {
		log_app(LOGL_INFO, "sftpd",
		        "[%s] denying file write due to space limit: user %s, quota_size "
		        "%lld bytes (used %lld, reserved %lld, asked %lld)",
		        w->conn_id, l->username, (long long)l->quota_size,
		        (long long)l->used_size, (long long)l->res_size,
		        (long long)need_size);
		return "quota_size";
	}
	return NULL;
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
	if (l->quota_size > 0) {
		int64_t avail = size_left(l);
		granted = want < need ? need : want;
		if (granted > avail)
			granted = avail;
	}
	l->res_files += need_files;
	l->res_size += granted;
	w->res_files += need_files;
	w->res_size += granted;
	send_grant(w, 1, granted, "");
}

/* Gives back at most what the worker holds. */
static void
release(struct mworker *w, int64_t files, int64_t size)
{
	struct qledger *l = w->ql;

	if (files > w->res_files)
		files = w->res_files;
	if (size > w->res_size)
		size = w->res_size;
	w->res_files -= files;
	w->res_size -= size;
	l->res_files -= files;
	l->res_size -= size;
}

void
quota_on_update(struct mworker *w, const struct wp_event *e)
{
	struct qledger *l = w->ql;
	int64_t files = e->n[WPF_FILES_DELTA], size = e->n[WPF_SIZE_DELTA];

	if (l == NULL)
		return;
	release(w, e->n[WPF_RELEASE_FILES], e->n[WPF_RELEASE_SIZE]);
	l->used_files = sat_add(l->used_files, files);
	l->used_size = sat_add(l->used_size, size);
	clamp0(&l->used_files);
	clamp0(&l->used_size);
	l->pend_files = sat_add(l->pend_files, files);
	l->pend_size = sat_add(l->pend_size, size);
}

void
quota_worker_gone(struct mworker *w)
{
	if (w->ql == NULL)
		return;
	release(w, w->res_files, w->res_size);
	quota_detach(w->ql);
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
	int64_t dfiles = sat_add(e->n[WPF_FILES], -l->used_files);
	int64_t dsize = sat_add(e->n[WPF_SIZE], -l->used_size);
	l->used_files = e->n[WPF_FILES];
	l->used_size = e->n[WPF_SIZE];
	l->pend_files = sat_add(l->pend_files, dfiles);
	l->pend_size = sat_add(l->pend_size, dsize);
	flush(l);
}
