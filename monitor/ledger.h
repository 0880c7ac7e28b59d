/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The quota ledger's arithmetic (doc/design-notes.md "Quota"), apart from the event
 * loop, the provider and the log so that regress/unit/check_quota_ledger can drive
 * it: loading a login's snapshot, reservations, updates, the batches written to
 * the provider, and the dirty state (a worker died: the ledger may have missed
 * changes on disk until a rescan as the user sets the usage again).
 */
#ifndef SFTPGO_MONITOR_LEDGER_H
#define SFTPGO_MONITOR_LEDGER_H

#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

/* A failed rescan of a dirty ledger is tried again after this many seconds. */
#define LEDGER_SCAN_RETRY_SECS 30

struct qledger {
	LIST_ENTRY(qledger) link;
	char *username;
	int64_t quota_size, quota_files;
	int64_t used_size, used_files; /* on disk, as far as the ledger knows */
	int64_t res_size, res_files;   /* reserved by uploads in progress */
	int64_t pend_size, pend_files; /* not yet written to the provider */
	int inflight;                  /* provider writes under way */
	int refs;                      /* sessions and workers */
	int workers;                   /* of refs, the workers (they change files) */
	uint64_t flush_seq;            /* quota_seq() when a write last completed */
	time_t idle_since;
	/* dirty: a worker of the user died (killed, or failed) and may have changed
	 * files it never reported; a rescan sets the usage again. */
	int dirty;
	int scanning;                            /* a rescan is under way */
	int disturbed;                           /* a worker came or reported during it */
	int64_t scan_base_files, scan_base_size; /* used when the rescan started */
	int64_t scan_pend_files, scan_pend_size; /* pending then, superseded by it */
	time_t scan_failed_at;                   /* the last failed rescan, 0 = none */
};

/* a + b, saturated (the deltas come from workers, which may lie). */
int64_t ledger_sat_add(int64_t a, int64_t b);
/* What is left of quota_size after the usage and every reservation (>= 0). */
int64_t ledger_size_left(const struct qledger *l);
/*
 * A login's snapshot (the user row read at snapshot_seq) becomes the usage only
 * when nothing of the ledger's is pending, in flight, being rescanned or dirty, no
 * session or worker holds it, and it was read after the last write landed.
 * Returns 1 when taken. The limits are always the newest.
 */
int ledger_load(struct qledger *l, int64_t quota_files, int64_t quota_size,
                int64_t used_files, int64_t used_size, uint64_t snapshot_seq);
/* A worker joins (ledger_attach for a session). */
void ledger_attach(struct qledger *l, int worker);
/* Returns 1 when that was the last reference (the ledger goes idle at now). */
int ledger_detach(struct qledger *l, int worker, time_t now);
/* A worker ended: died (killed by a signal or failed) makes the ledger dirty. */
void ledger_worker_ended(struct qledger *l, int died);
/*
 * The limit a reservation would cross ("quota_files" or "quota_size"), NULL when
 * it fits; at_open refuses a size quota with nothing left.
 */
const char *ledger_over(const struct qledger *l, int at_open, int64_t need_files,
                        int64_t need_size);
/* Reserves need_files and between need and want bytes (at most what is left of
 * quota_size; 0 without one); returns the bytes granted. Call after ledger_over. */
int64_t ledger_grant(struct qledger *l, int64_t need_files, int64_t need, int64_t want);
/* Gives back at most what the worker holds (*w_files, *w_size: its holdings). */
void ledger_release(struct qledger *l, int64_t *w_files, int64_t *w_size, int64_t files,
                    int64_t size);
/* A worker's change on disk: used += delta (never below 0), pending += delta. */
void ledger_update(struct qledger *l, int64_t files, int64_t size);
/* A worker's recount (git, rsync): the usage is what it found. */
void ledger_set_usage(struct qledger *l, int64_t files, int64_t size);
/*
 * Takes what is pending for one provider write into *files, *size (1), or 0
 * when there is nothing, a write is already in flight, or a rescan runs (its
 * absolute store and a delta must not race).
 */
int ledger_flush_take(struct qledger *l, int64_t *files, int64_t *size);
/* The write of (files, size) completed (seq: quota_seq()); a failure puts it back. */
void ledger_flush_done(struct qledger *l, int ok, int64_t files, int64_t size,
                       uint64_t seq);
/* A rescan may start now: dirty, no worker, no write in flight, not failed
 * within LEDGER_SCAN_RETRY_SECS. */
int ledger_scan_due(const struct qledger *l, time_t now);
/* The rescan's absolute store supersedes what is pending (kept for a failure). */
void ledger_scan_begin(struct qledger *l);
/*
 * The rescan ended; when ok, the provider already holds (files, size) as the
 * usage. Undisturbed, that is the usage and the ledger is clean again (returns
 * 1). Disturbed by a worker, the usage is the scan plus what workers reported
 * since it started, and the ledger stays dirty for a later rescan (returns 0).
 * Failed: nothing changes, tried again after LEDGER_SCAN_RETRY_SECS (-1).
 */
int ledger_scan_end(struct qledger *l, int ok, int64_t files, int64_t size, uint64_t seq,
                    time_t now);
/* Nothing holds, owes or scans it and it has been idle more than keep seconds. */
int ledger_can_free(const struct qledger *l, time_t now, time_t keep);

#endif
