/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A worker's virtual folders, root side: the monitor opens each mapped_path (one
 * openat2 per folder, no symlink followed anywhere in it, the tree never walked)
 * before the worker drops privileges, says in the settings which are missing, and
 * passes the directory fds after the settings frame (worker/proto.h
 * WP_FOLDER_FD_BYTE). The logs show the mapped path of a virtual path.
 */
#ifndef SFTPGO_MONITOR_FOLDERS_H
#define SFTPGO_MONITOR_FOLDERS_H

#include <jansson.h>
#include <stddef.h>

#include "account/user.h"
#include "worker/proto.h"

struct mfolders {
	json_t *settings; /* [{"virtual_path", "missing"}]: the worker's key */
	int fd[WP_FOLDERS_MAX];
	size_t n;
};

/*
 * Opens u's folders (conn_id names the connection in the warnings). A mapped_path
 * that is missing, not a directory, or reached through a symlink is logged (warn,
 * ending with effect: what follows for it) and sent as missing: a serving worker
 * answers "no such file" below it, a scanning one skips it. 0, or -1 when out of
 * memory or over WP_FOLDERS_MAX.
 */
int mfolders_open(const struct sftpgo_user *u, const char *conn_id, const char *effect,
                  struct mfolders *mf);
/* Passes the open fds over sock in list order. 0 or -1 (errno). */
int mfolders_send(int sock, const struct mfolders *mf);
void mfolders_close(struct mfolders *mf);

/*
 * The host path of a worker's virtual path: under the mapped_path of the folder
 * with the longest prefix (folders as stored: u->virtual_folders), else under
 * home. A new string, or NULL when out of memory.
 */
char *mfolders_host_path(const json_t *folders, const char *home, const char *vpath);

#endif
