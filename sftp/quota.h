/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Quota as the engine sees it (doc/design-notes.md "Quota"): the owner of the
 * ledger (the monitor, through sftpgo-worker's ops in worker/quota.c) is asked for
 * space in chunks before a file grows, and told what changed on disk when an
 * upload ends, a file is removed or replaced. With no ops registered, or
 * track_quota off in the settings, nothing is counted or enforced.
 */
#ifndef SFTPGO_SFTP_QUOTA_H
#define SFTPGO_SFTP_QUOTA_H

#include <stdint.h>

/* SFTPGo's words for a full quota: the SFTP FAILURE message and SCP's error. */
#define SFTP_QUOTA_MSG "denying file write due to space limit"
/* Bytes asked for at a time beyond what a write needs. */
#define SFTP_QUOTA_CHUNK (4 * 1024 * 1024)

struct sftp_quota_ops {
	/*
	 * Reserve need_files (0 or 1) files and between need_size and want_size
	 * bytes. at_open: SFTPGo's open-time check (refused when nothing is left
	 * even if need_size is 0). 0 with *granted >= need_size, or -1: refused.
	 */
	int (*reserve)(int at_open, int need_files, int64_t need_size, int64_t want_size,
	               int64_t *granted);
	/* What changed on disk, and reservations given back. */
	void (*update)(int64_t files_delta, int64_t size_delta, int64_t release_files,
	               int64_t release_size);
};

/* ops is referenced, not copied; NULL: nothing is counted. */
void sftp_set_quota_ops(const struct sftp_quota_ops *ops);

#endif
