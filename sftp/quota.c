/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The engine's side of the quota (sftp/quota.h): a pool of bytes reserved from the
 * ledger's owner, shared by the worker's open uploads and given back when the last
 * one closes; per upload, the size the file may reach without asking again.
 */
#include "config.h"

#include <errno.h>
#include <sys/stat.h>

#include "common/log.h"
#include "sftp/events.h"
#include "sftp/quota.h"
#include "sftp/quota_int.h"

static const struct sftp_quota_ops *qops;

void
sftp_set_quota_ops(const struct sftp_quota_ops *ops)
{
	qops = ops;
}

int
quota_on(const struct sftp_server *s)
{
	return qops != NULL && s->st->track_quota;
}

static void
send_update(int64_t files, int64_t size, int64_t rel_files, int64_t rel_size)
{
	if (files != 0 || size != 0 || rel_files != 0 || rel_size != 0)
		qops->update(files, size, rel_files, rel_size);
}

/* Takes need bytes from the pool, asking for a chunk more when it runs dry. */
static int
take(struct sftp_server *s, int at_open, int need_files, int64_t need)
{
	int64_t granted = 0, short_by = need > s->q_pool ? need - s->q_pool : 0;
	int64_t want = short_by + SFTP_QUOTA_CHUNK;

	if (s->st->quota_size <= 0)
		short_by = want = 0; /* only files are limited */
	if (short_by > 0 || need_files > 0 || (at_open && s->st->quota_size > 0)) {
		int rc = qops->reserve(at_open, need_files, short_by, want, &granted);
		if (rc == 0)
			s->q_pool += granted;
		if (rc != 0 || granted < short_by) {
			log_info("%s", SFTP_QUOTA_MSG);
			return EDQUOT;
		}
	}
	if (s->st->quota_size > 0)
		s->q_pool -= need;
	return 0;
}

/* Gives the pool back once no upload needs it, so other sessions can use it. */
static void
release_pool(struct sftp_server *s, int64_t *rel_size)
{
	if (s->q_writers == 0) {
		*rel_size += s->q_pool;
		s->q_pool = 0;
	}
}

int
quota_open(struct sftp_server *s, struct handle *h, const struct stat *existing)
{
	int new_file = existing == NULL;
	int need_files = new_file && s->st->quota_files > 0;

	if (!quota_on(s))
		return 0;
	if (take(s, 1, need_files, 0) != 0) {
		int64_t rel = 0;
		release_pool(s, &rel);
		send_update(0, 0, 0, rel);
		return EDQUOT;
	}
	h->q_on = 1;
	h->q_new = new_file;
	h->q_base = new_file ? 0 : (int64_t)existing->st_size;
	h->q_allow = h->q_base;
	h->q_files_taken = need_files;
	s->q_writers++;
	return 0;
}

int
quota_grow(struct sftp_server *s, struct handle *h, uint64_t end)
{
	if (!h->q_on || s->st->quota_size <= 0 || end <= (uint64_t)h->q_allow)
		return 0;
	int64_t need = (int64_t)end - h->q_allow;
	if (take(s, 0, 0, need) != 0)
		return EDQUOT;
	h->q_allow += need;
	h->q_taken += need;
	return 0;
}

void
quota_finish(struct sftp_server *s, struct handle *h, int64_t final_size)
{
	int64_t rel = h->q_taken, files = 0, size = 0;

	if (!h->q_on)
		return;
	if (final_size >= 0) {
		files = h->q_new ? 1 : 0;
		size = final_size - h->q_base;
	}
	s->q_writers--;
	release_pool(s, &rel);
	send_update(files, size, h->q_files_taken, rel);
	h->q_on = 0;
}

void
quota_removed(struct sftp_server *s, const struct stat *st)
{
	if (quota_on(s) && S_ISREG(st->st_mode))
		send_update(-1, -(int64_t)st->st_size, 0, 0);
}

void
quota_added(struct sftp_server *s, const struct stat *st)
{
	if (quota_on(s) && S_ISREG(st->st_mode))
		send_update(1, (int64_t)st->st_size, 0, 0);
}

/* A path's size set with SETSTAT: asked for like a write, counted at once. */
int
quota_resize_begin(struct sftp_server *s, int fd, int opath, uint64_t size,
                   struct quota_resize *r)
{
	struct stat st;

	r->old = -1;
	r->granted = 0;
	if (!quota_on(s))
		return 0;
	if (!opath) { /* a handle's size: its upload accounts for it at close */
		for (uint32_t i = 0; i < s->nh; i++)
			if (s->h[i].kind == H_FILE && s->h[i].fd == fd)
				return quota_grow(s, &s->h[i], size);
		return 0;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	r->old = (int64_t)st.st_size;
	if (s->st->quota_size > 0 && (int64_t)size > r->old) {
		int64_t need = (int64_t)size - r->old;
		if (qops->reserve(0, 0, need, need, &r->granted) != 0 ||
		    r->granted < need) {
			send_update(0, 0, 0, r->granted);
			log_info("%s", SFTP_QUOTA_MSG);
			return EDQUOT;
		}
	}
	return 0;
}

void
quota_resize_end(struct sftp_server *s, uint64_t size, const struct quota_resize *r,
                 int ok)
{
	if (r->old < 0)
		return;
	send_update(0, ok ? (int64_t)size - r->old : 0, 0, r->granted);
}
