/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The engine's storage interface for object stores (S3 today). A server without
 * one serves its root directory fd with the local handlers, unchanged; with one,
 * the path and file requests go to sftp/ops_obj.c, which speaks to the store
 * through these operations on virtual paths (clean, absolute, as every handler
 * gets them: no "." or ".." components). The store maps a virtual path to its key
 * under its own root (key_prefix) and never sees anything else. Each call returns
 * 0 or an errno (ENOENT, EACCES, EIO...), with the store's message in error().
 *
 * Semantics as SFTPGo 0.9.6 on object storage: directories are "dir/" markers or
 * common prefixes, uploads are whole objects put at close (nothing visible before),
 * renames are copy + delete, only empty directories rename or go away.
 */
#ifndef SFTPGO_SFTP_OBJSTORE_H
#define SFTPGO_SFTP_OBJSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct sftp_server;

struct sftp_objstat {
	int is_dir;
	uint64_t size;
	time_t mtime;
};

/* One entry of a listing: a name without "/", never "", "." or "..". */
typedef int (*sftp_obj_entry_fn)(const char *name, const struct sftp_objstat *st,
                                 void *ud);

struct sftp_objstore_ops {
	const char *(*error)(void *ctx);
	int (*stat)(void *ctx, const char *vpath, struct sftp_objstat *st);
	/* every entry of the directory (fn != 0 stops, and is returned) */
	int (*list)(void *ctx, const char *vdir, sftp_obj_entry_fn fn, void *ud);
	/* *empty: nothing under the directory but its own marker */
	int (*dir_empty)(void *ctx, const char *vdir, int *empty);
	int (*read)(void *ctx, const char *vpath, uint64_t off, void *buf, size_t len,
	            size_t *got);
	/* the object becomes size bytes of fd, or stays as it was on failure */
	int (*put_fd)(void *ctx, const char *vpath, int fd, uint64_t size);
	int (*mkdir)(void *ctx, const char *vpath);
	int (*remove)(void *ctx, const char *vpath);
	int (*rmdir)(void *ctx, const char *vpath);
	/* server-side copy of a file, or of an empty directory's marker */
	int (*copy)(void *ctx, const char *from, const char *to, int is_dir);
	/*
	 * Optional read-ahead (NULL: none): fetch_start begins reading [off, off +
	 * len) into buf in the background (one at a time per store: EBUSY), moved on
	 * by fetch_pump (never blocks); fetch_wait finishes it (what read() would
	 * give), fetch_cancel drops it; buf is the store's until one of them.
	 */
	int (*fetch_start)(void *ctx, const char *vpath, uint64_t off, void *buf,
	                   size_t len);
	void (*fetch_pump)(void *ctx);
	/* moves it on while the engine waits for fd: 1 once fd is readable or the
	 * fetch is over, 0 after timeout_ms */
	int (*fetch_idle)(void *ctx, int fd, int timeout_ms);
	int (*fetch_wait)(void *ctx, size_t *got);
	void (*fetch_cancel)(void *ctx);
};

struct sftp_objstore {
	const struct sftp_objstore_ops *ops;
	void *ctx;
	/* READ fetches this much ahead of a miss (one ranged GET); with fetch_start,
	 * the next window too, while the current one is served */
	size_t read_ahead;
};

/* From now on s serves the store (referenced, not copied: keep it alive). */
void sftp_server_set_objstore(struct sftp_server *s, const struct sftp_objstore *o);

#endif
