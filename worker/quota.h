/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The worker's side of the quota (doc/design-notes.md "Quota"): the engine's quota
 * ops (sftp/quota.h) as worker-protocol events to the monitor, which owns the
 * ledger, and the quota scan mode (settings "quota_scan").
 */
#ifndef SFTPGO_WORKER_QUOTA_H
#define SFTPGO_WORKER_QUOTA_H

#include <stdint.h>

/* Registers the ops with the engine: reservations ask the monitor (on the events
 * descriptor, which must be the monitor's) and wait for its grant. */
void wquota_register(void);

struct sftp_settings;

/*
 * Walks dir (not following symlinks) and adds its regular files and their sizes
 * to *files and *size, as SFTPGo's scan does. 0, or -1 with err (an unreadable
 * directory fails the scan).
 */
int wquota_scan(const char *dir, int64_t *files, int64_t *size, char *err, size_t errlen);
/* Scans home, then each virtual folder the monitor passed (st), and sends the
 * quota_scan event with the sum. Exit status. */
int wquota_scan_report(const char *home, const struct sftp_settings *st);
/* Sends the quota_scan event of a scan that ended with rc (0 = ok). Exit status. */
int wquota_send_scan(int rc, int64_t files, int64_t size, const char *err);

#endif
