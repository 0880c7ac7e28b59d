/* SPDX-License-Identifier: BSD-2-Clause */
/* The quota calls of the engine's handlers (sftp/quota.c); not a public API. */
#ifndef SFTPGO_SFTP_QUOTA_INT_H
#define SFTPGO_SFTP_QUOTA_INT_H

#include <stdint.h>
#include <sys/stat.h>

#include "sftp/server_int.h"

/* Counting on: ops registered and track_quota set. */
int quota_on(const struct sftp_server *s);
/* Before an upload's file is opened (existing: the target, NULL when new):
 * SFTPGo's open-time check. 0 or EDQUOT. */
int quota_open(struct sftp_server *s, struct handle *h, const struct stat *existing);
/* Before the upload's file reaches end bytes. 0 or EDQUOT. */
int quota_grow(struct sftp_server *s, struct handle *h, uint64_t end);
/* The upload ended: final_size of the target in place, -1 when nothing was put
 * in place (the target is as before). Also for an open that failed. */
void quota_finish(struct sftp_server *s, struct handle *h, int64_t final_size);
/* A regular file (as before the change) removed or replaced; a new hard link. */
void quota_removed(struct sftp_server *s, const struct stat *st);
void quota_added(struct sftp_server *s, const struct stat *st);

struct quota_resize {
	int64_t old, granted;
};
/* SETSTAT size on fd (opath: a path's O_PATH fd; else a handle's). 0 or EDQUOT. */
int quota_resize_begin(struct sftp_server *s, int fd, int opath, uint64_t size,
                       struct quota_resize *r);
void quota_resize_end(struct sftp_server *s, uint64_t size, const struct quota_resize *r,
                      int ok);

#endif
