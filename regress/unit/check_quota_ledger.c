/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The monitor's quota ledger (monitor/ledger.c): loading a login's snapshot,
 * reservations within the limits, updates and the provider batches, and the
 * dirty state a dead worker leaves until a rescan sets the usage again.
 */
#include "config.h"

#include <stdint.h>

#include "check_main.h"
#include "monitor/ledger.h"

#define MIB (1024 * 1024)

static struct qledger
fresh(int64_t quota_files, int64_t quota_size, int64_t used_files, int64_t used_size)
{
	struct qledger l = {0};

	ck_assert_int_eq(
	    ledger_load(&l, quota_files, quota_size, used_files, used_size, 1), 1);
	return l;
}

START_TEST(load_snapshot_rules)
{
	struct qledger l = fresh(0, 0, 3, 300);

	ck_assert_int_eq(l.used_files, 3);
	ck_assert_int_eq(l.used_size, 300);
	/* held by a session: the ledger knows better than a later snapshot */
	ledger_attach(&l, 0);
	ck_assert_int_eq(ledger_load(&l, 5, 1000, 9, 900, 10), 0);
	ck_assert_int_eq(l.used_size, 300);
	ck_assert_int_eq(l.quota_size, 1000); /* the newest limits always */
	ck_assert_int_eq(ledger_detach(&l, 0, 100), 1);
	ck_assert_int_eq(l.idle_since, 100);
	/* a snapshot read before the last write landed is stale */
	l.flush_seq = 20;
	ck_assert_int_eq(ledger_load(&l, 5, 1000, 9, 900, 19), 0);
	ck_assert_int_eq(ledger_load(&l, 5, 1000, 9, 900, 21), 1);
	ck_assert_int_eq(l.used_size, 900);
	/* dirty: only the rescan sets the usage */
	l.dirty = 1;
	ck_assert_int_eq(ledger_load(&l, 5, 1000, 1, 1, 30), 0);
	/* negative stored usage reads as 0 */
	l.dirty = 0;
	ck_assert_int_eq(ledger_load(&l, 5, 1000, -4, -5, 31), 1);
	ck_assert_int_eq(l.used_files, 0);
	ck_assert_int_eq(l.used_size, 0);
}
END_TEST

START_TEST(reserve_within_limits)
{
	struct qledger l = fresh(2, 10 * MIB, 1, 2 * MIB);
	int64_t wf = 0, ws = 0;

	ck_assert_ptr_null(ledger_over(&l, 1, 1, 0));
	int64_t g = ledger_grant(&l, 1, 0, 4 * MIB);
	wf += 1;
	ws += g;
	ck_assert_int_eq(g, 4 * MIB);
	ck_assert_int_eq(ledger_size_left(&l), 4 * MIB);
	/* quota_files: used 1 + reserved 1 reaches 2 */
	ck_assert_str_eq(ledger_over(&l, 1, 1, 0), "quota_files");
	/* more than is left: refused; between need and want: capped */
	ck_assert_str_eq(ledger_over(&l, 0, 0, 5 * MIB), "quota_size");
	ck_assert_ptr_null(ledger_over(&l, 0, 0, 3 * MIB));
	g = ledger_grant(&l, 0, 3 * MIB, 7 * MIB);
	ws += g;
	ck_assert_int_eq(g, 4 * MIB);
	ck_assert_int_eq(ledger_size_left(&l), 0);
	ck_assert_str_eq(ledger_over(&l, 1, 0, 0),
	                 "quota_size"); /* nothing left at open */
	/* a worker gives back at most what it holds */
	ledger_release(&l, &wf, &ws, 5, 100 * MIB);
	ck_assert_int_eq(wf, 0);
	ck_assert_int_eq(ws, 0);
	ck_assert_int_eq(l.res_files, 0);
	ck_assert_int_eq(l.res_size, 0);
	ledger_release(&l, &wf, &ws, -1, -1);
	ck_assert_int_eq(l.res_size, 0);
	/* without a size quota nothing is granted nor refused */
	struct qledger u = fresh(0, 0, 0, 0);
	ck_assert_ptr_null(ledger_over(&u, 1, 1, INT64_MAX));
	ck_assert_int_eq(ledger_grant(&u, 0, 5, 10), 0);
}
END_TEST

START_TEST(updates_and_batches)
{
	struct qledger l = fresh(0, 0, 1, 100);
	int64_t f, s;

	ck_assert_int_eq(ledger_flush_take(&l, &f, &s), 0); /* nothing pending */
	ledger_update(&l, 2, 500);
	ck_assert_int_eq(ledger_flush_take(&l, &f, &s), 1);
	ck_assert_int_eq(f, 2);
	ck_assert_int_eq(s, 500);
	ledger_update(&l, -1, -50);
	/* one write in flight at a time */
	ck_assert_int_eq(ledger_flush_take(&l, &f, &s), 0);
	ledger_flush_done(&l, 0, 2, 500, 7); /* failed: back to pending */
	ck_assert_int_eq(l.flush_seq, 7);
	ck_assert_int_eq(l.pend_files, 1);
	ck_assert_int_eq(l.pend_size, 450);
	ck_assert_int_eq(ledger_flush_take(&l, &f, &s), 1);
	ck_assert_int_eq(s, 450);
	ledger_flush_done(&l, 1, f, s, 8);
	ck_assert_int_eq(l.inflight, 0);
	ck_assert_int_eq(l.used_files, 2);
	ck_assert_int_eq(l.used_size, 550);
	/* a lying worker: never below 0, never overflowing */
	ledger_update(&l, -100, INT64_MIN);
	ck_assert_int_eq(l.used_files, 0);
	ck_assert_int_eq(l.used_size, 0);
	ledger_update(&l, 0, INT64_MAX);
	ledger_update(&l, 0, INT64_MAX);
	ck_assert_int_eq(l.used_size, INT64_MAX);
	/* a recount (git, rsync) sets the usage; the difference is pending */
	struct qledger r = fresh(0, 0, 4, 400);
	ledger_set_usage(&r, 6, 1000);
	ck_assert_int_eq(r.used_files, 6);
	ck_assert_int_eq(r.used_size, 1000);
	ck_assert_int_eq(r.pend_files, 2);
	ck_assert_int_eq(r.pend_size, 600);
}
END_TEST

START_TEST(dead_worker_makes_dirty)
{
	struct qledger l = fresh(0, 0, 1, 100);

	ledger_attach(&l, 0);
	ledger_attach(&l, 1);
	ledger_attach(&l, 1);
	ck_assert_int_eq(l.workers, 2);
	ledger_worker_ended(&l, 0); /* a clean exit */
	ck_assert_int_eq(ledger_detach(&l, 1, 5), 0);
	ck_assert_int_eq(l.dirty, 0);
	ledger_worker_ended(&l, 1); /* killed */
	ck_assert_int_eq(l.dirty, 1);
	/* another worker still runs: no rescan yet, it would race its changes */
	ck_assert_int_eq(ledger_scan_due(&l, 10), 0);
	ck_assert_int_eq(ledger_detach(&l, 1, 11), 0);
	ck_assert_int_eq(l.workers, 0);
	ck_assert_int_eq(ledger_scan_due(&l, 12), 1); /* the session may stay */
	/* a write in flight first lands */
	int64_t f, s;
	ledger_update(&l, 1, 10);
	ck_assert_int_eq(ledger_flush_take(&l, &f, &s), 1);
	ck_assert_int_eq(ledger_scan_due(&l, 12), 0);
	ledger_flush_done(&l, 1, f, s, 3);
	ck_assert_int_eq(ledger_scan_due(&l, 12), 1);
	/* a dirty ledger is never freed, even idle */
	ck_assert_int_eq(ledger_detach(&l, 0, 12), 1);
	ck_assert_int_eq(ledger_can_free(&l, 1000, 60), 0);
}
END_TEST

/* 1 file, 100 bytes; a worker died after reporting 1 file, 50 bytes not yet
 * written: the rescan starts. */
static struct qledger
dirty_scanning(void)
{
	struct qledger l = fresh(0, 0, 1, 100);

	ledger_worker_ended(&l, 1);
	ledger_update(&l, 1, 50);
	ck_assert_int_eq(ledger_scan_due(&l, 1), 1);
	ledger_scan_begin(&l);
	return l;
}

START_TEST(rescan_sets_usage)
{
	struct qledger l = dirty_scanning();
	int64_t f, s;

	/* the scan's absolute store supersedes what was pending; no delta races it */
	ck_assert_int_eq(l.pend_size, 0);
	ck_assert_int_eq(ledger_flush_take(&l, &f, &s), 0);
	ck_assert_int_eq(ledger_scan_due(&l, 1), 0); /* one at a time */
	ck_assert_int_eq(ledger_scan_end(&l, 1, 3, 4096, 9, 2), 1);
	ck_assert_int_eq(l.dirty, 0);
	ck_assert_int_eq(l.used_files, 3);
	ck_assert_int_eq(l.used_size, 4096);
	ck_assert_int_eq(l.flush_seq, 9);
	ck_assert_int_eq(ledger_flush_take(&l, &f, &s), 0); /* nothing left to write */
	ck_assert_int_eq(ledger_can_free(&l, 1000, 60), 1);
}
END_TEST

START_TEST(rescan_failed_keeps_pending)
{
	struct qledger l = dirty_scanning();
	int64_t f, s;

	ledger_update(&l, 1, 7); /* a worker came meanwhile */
	ck_assert_int_eq(ledger_scan_end(&l, 0, 0, 0, 9, 100), -1);
	ck_assert_int_eq(l.dirty, 1);
	ck_assert_int_eq(l.used_size, 157);
	ck_assert_int_eq(ledger_flush_take(&l, &f, &s), 1);
	ck_assert_int_eq(f, 2);
	ck_assert_int_eq(s, 57); /* both deltas still reach the provider */
	ledger_flush_done(&l, 1, f, s, 10);
	/* tried again only after the retry delay */
	ck_assert_int_eq(ledger_scan_due(&l, 100 + LEDGER_SCAN_RETRY_SECS - 1), 0);
	ck_assert_int_eq(ledger_scan_due(&l, 100 + LEDGER_SCAN_RETRY_SECS), 1);
}
END_TEST

START_TEST(rescan_disturbed_stays_dirty)
{
	struct qledger l = fresh(0, 0, 1, 100);
	int64_t f, s;

	ledger_attach(&l, 0);
	ledger_worker_ended(&l, 1);
	ledger_scan_begin(&l);
	ledger_attach(&l, 1); /* a new worker during the scan */
	ck_assert_int_eq(l.disturbed, 1);
	ledger_update(&l, 1, 30);
	ck_assert_int_eq(ledger_scan_end(&l, 1, 2, 1000, 9, 5), 0);
	/* the scan plus what was reported since; still dirty, pending on top */
	ck_assert_int_eq(l.dirty, 1);
	ck_assert_int_eq(l.used_files, 3);
	ck_assert_int_eq(l.used_size, 1030);
	ck_assert_int_eq(ledger_flush_take(&l, &f, &s), 1);
	ck_assert_int_eq(s, 30);
	ledger_flush_done(&l, 1, f, s, 10);
	/* rescanned once that worker has gone */
	ck_assert_int_eq(ledger_scan_due(&l, 6), 0);
	ledger_detach(&l, 1, 7);
	ck_assert_int_eq(ledger_scan_due(&l, 7), 1);
	/* a worker that only attached also disturbs */
	ledger_scan_begin(&l);
	ledger_attach(&l, 1);
	ledger_detach(&l, 1, 8);
	ck_assert_int_eq(ledger_scan_end(&l, 1, 3, 1030, 11, 8), 0);
	ck_assert_int_eq(l.dirty, 1);
	ledger_scan_begin(&l);
	ck_assert_int_eq(ledger_scan_end(&l, 1, 3, 1030, 12, 9), 1);
	ck_assert_int_eq(l.dirty, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("quota_ledger");
	TCase *tc = tcase_create("ledger");

	tcase_add_test(tc, load_snapshot_rules);
	tcase_add_test(tc, reserve_within_limits);
	tcase_add_test(tc, updates_and_batches);
	tcase_add_test(tc, dead_worker_makes_dirty);
	tcase_add_test(tc, rescan_sets_usage);
	tcase_add_test(tc, rescan_failed_keeps_pending);
	tcase_add_test(tc, rescan_disturbed_stays_dirty);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
