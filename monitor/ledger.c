/* SPDX-License-Identifier: BSD-2-Clause */
/* The quota ledger's arithmetic (monitor/ledger.h); no I/O, no globals. */
#include "config.h"

#include <string.h>

#include "monitor/ledger.h"

static void
clamp0(int64_t *v)
{
	if (*v < 0)
		*v = 0;
}

int64_t
ledger_sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int64_t
ledger_size_left(const struct qledger *l)
{
	int64_t left =
	    ledger_sat_add(l->quota_size, -ledger_sat_add(l->used_size, l->res_size));

	return left > 0 ? left : 0;
}

int
ledger_load(struct qledger *l, int64_t quota_files, int64_t quota_size,
            int64_t used_files, int64_t used_size, uint64_t snapshot_seq)
{
	int taken = 0;

	if (l->refs == 0 && l->inflight == 0 && l->pend_size == 0 && l->pend_files == 0 &&
	    !l->dirty && !l->scanning && snapshot_seq > l->flush_seq) {
		l->used_size = used_size;
		l->used_files = used_files;
		clamp0(&l->used_size);
		clamp0(&l->used_files);
		taken = 1;
	}
	l->quota_size = quota_size;
	l->quota_files = quota_files;
	return taken;
}

void
ledger_attach(struct qledger *l, int worker)
{
	l->refs++;
	if (worker) {
		l->workers++;
		if (l->scanning)
			l->disturbed = 1;
	}
}

int
ledger_detach(struct qledger *l, int worker, time_t now)
{
	if (worker && l->workers > 0)
		l->workers--;
	if (l->refs > 0 && --l->refs == 0) {
		l->idle_since = now;
		return 1;
	}
	return 0;
}

void
ledger_worker_ended(struct qledger *l, int died)
{
	if (died)
		l->dirty = 1;
}

const char *
ledger_over(const struct qledger *l, int at_open, int64_t need_files, int64_t need_size)
{
	if (l->quota_files > 0 && need_files > 0 &&
	    ledger_sat_add(l->used_files, l->res_files) >= l->quota_files)
		return "quota_files";
	int64_t avail = ledger_size_left(l);
	if (l->quota_size > 0 && ((at_open && avail <= 0) || need_size > avail))
		return "quota_size";
	return NULL;
}

int64_t
ledger_grant(struct qledger *l, int64_t need_files, int64_t need, int64_t want)
{
	int64_t granted = 0;

	if (l->quota_size > 0) {
		int64_t avail = ledger_size_left(l);
		granted = want < need ? need : want;
		if (granted > avail)
			granted = avail;
		clamp0(&granted);
	}
	if (need_files < 0)
		need_files = 0;
	l->res_files = ledger_sat_add(l->res_files, need_files);
	l->res_size = ledger_sat_add(l->res_size, granted);
	return granted;
}

void
ledger_release(struct qledger *l, int64_t *w_files, int64_t *w_size, int64_t files,
               int64_t size)
{
	clamp0(&files);
	clamp0(&size);
	if (files > *w_files)
		files = *w_files;
	if (size > *w_size)
		size = *w_size;
	*w_files -= files;
	*w_size -= size;
	l->res_files -= files;
	l->res_size -= size;
	clamp0(&l->res_files);
	clamp0(&l->res_size);
}

void
ledger_update(struct qledger *l, int64_t files, int64_t size)
{
	l->used_files = ledger_sat_add(l->used_files, files);
	l->used_size = ledger_sat_add(l->used_size, size);
	clamp0(&l->used_files);
	clamp0(&l->used_size);
	l->pend_files = ledger_sat_add(l->pend_files, files);
	l->pend_size = ledger_sat_add(l->pend_size, size);
	if (l->scanning && (files != 0 || size != 0))
		l->disturbed = 1;
}

void
ledger_set_usage(struct qledger *l, int64_t files, int64_t size)
{
	clamp0(&files);
	clamp0(&size);
	ledger_update(l, ledger_sat_add(files, -l->used_files),
	              ledger_sat_add(size, -l->used_size));
	l->used_files = files;
	l->used_size = size;
}

int
ledger_flush_take(struct qledger *l, int64_t *files, int64_t *size)
{
	if (l->inflight > 0 || l->scanning || (l->pend_size == 0 && l->pend_files == 0))
		return 0;
	*files = l->pend_files;
	*size = l->pend_size;
	l->pend_files = l->pend_size = 0;
	l->inflight++;
	return 1;
}

void
ledger_flush_done(struct qledger *l, int ok, int64_t files, int64_t size, uint64_t seq)
{
	if (l->inflight > 0)
		l->inflight--;
	l->flush_seq = seq;
	if (!ok) {
		l->pend_files = ledger_sat_add(l->pend_files, files);
		l->pend_size = ledger_sat_add(l->pend_size, size);
	}
}

int
ledger_scan_due(const struct qledger *l, time_t now)
{
	return l->dirty && !l->scanning && l->workers == 0 && l->inflight == 0 &&
	       (l->scan_failed_at == 0 ||
	        now - l->scan_failed_at >= LEDGER_SCAN_RETRY_SECS);
}

void
ledger_scan_begin(struct qledger *l)
{
	l->scanning = 1;
	l->disturbed = 0;
	l->scan_base_files = l->used_files;
	l->scan_base_size = l->used_size;
	l->scan_pend_files = l->pend_files;
	l->scan_pend_size = l->pend_size;
	l->pend_files = l->pend_size = 0;
}

int
ledger_scan_end(struct qledger *l, int ok, int64_t files, int64_t size, uint64_t seq,
                time_t now)
{
	l->scanning = 0;
	if (!ok) {
		/* the provider still lacks what was pending when the rescan started */
		l->pend_files = ledger_sat_add(l->pend_files, l->scan_pend_files);
		l->pend_size = ledger_sat_add(l->pend_size, l->scan_pend_size);
		l->scan_failed_at = now;
		return -1;
	}
	l->scan_failed_at = 0;
	l->flush_seq = seq;
	/* what workers reported since the start is still pending, on top of the scan */
	l->used_files =
	    ledger_sat_add(files, ledger_sat_add(l->used_files, -l->scan_base_files));
	l->used_size =
	    ledger_sat_add(size, ledger_sat_add(l->used_size, -l->scan_base_size));
	clamp0(&l->used_files);
	clamp0(&l->used_size);
	if (l->disturbed)
		return 0; /* stays dirty: the scan may have seen part of those changes */
	l->dirty = 0;
	return 1;
}

int
ledger_can_free(const struct qledger *l, time_t now, time_t keep)
{
	return l->refs == 0 && l->inflight == 0 && l->pend_size == 0 &&
	       l->pend_files == 0 && !l->dirty && !l->scanning &&
	       now - l->idle_since > keep;
}
