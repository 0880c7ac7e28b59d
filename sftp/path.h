/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Client paths. A client path is normalised once, lexically, into a "virtual"
 * path: absolute, no ".", "..", empty or trailing components; ".." stops at "/".
 * Every file system access then goes through the root directory fd with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so the kernel, not a string
 * comparison, keeps symlinks, ".." and races inside the root.
 */
#ifndef SFTPGO_SFTP_PATH_H
#define SFTPGO_SFTP_PATH_H

#include <stddef.h>
#include <sys/types.h>

#include "common/vpath.h" /* vpath_normalize(): the lexical step */

#define SFTP_PATH_MAX 4096

/*
 * A virtual folder: the subtree at vpath (absolute, clean, not "/") is served from
 * the directory fd (opened by the monitor at mapped_path), not from the home; -1
 * when mapped_path is missing (everything below then fails with ENOENT).
 */
struct sftp_folder {
	char *vpath;
	int fd;
};
#define SFTP_FOLDER_FD_PENDING (-2) /* the worker has yet to receive it */

/*
 * The one choice of root for a virtual path: the folder whose vpath is the longest
 * prefix of it (at a "/" boundary) by index, or -1 for the home. *sub gets the path
 * to resolve under that root ("/" for the folder itself), pointing into vpath.
 */
int path_pick_root(const struct sftp_folder *f, size_t n, const char *vpath,
                   const char **sub);

/* The folder whose vpath's parent is dir and whose last component is name, or -1. */
int path_folder_child(const struct sftp_folder *f, size_t n, const char *dir,
                      const char *name);

/* The path openat2 gets for a virtual path: "." for "/", else without the "/". */
const char *path_rel(const char *vpath);

/* Writes the parent of a virtual path ("/" for "/" and "/x"). */
void path_parent(const char *vpath, char *out, size_t outsz);

/* Last component of a virtual path ("" for "/"). */
const char *path_base(const char *vpath);

/* openat2(rootfd, path_rel(vpath), flags, mode, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS).
 */
int path_open(int rootfd, const char *vpath, int flags, mode_t mode);

/*
 * Opens the parent directory of vpath (O_PATH|O_DIRECTORY) under the root and
 * points *base at the last component, so that *at() calls with AT_SYMLINK_NOFOLLOW
 * act on the entry itself and nothing else. Fails with EPERM for "/" itself.
 */
int path_open_parent(int rootfd, const char *vpath, const char **base);

/* The same with RESOLVE_NO_SYMLINKS added when no_symlinks is set. */
int path_open_ex(int rootfd, const char *vpath, int flags, mode_t mode, int no_symlinks);
int path_open_parent_ex(int rootfd, const char *vpath, const char **base,
                        int no_symlinks);

/*
 * Resolves the symlinks of a virtual path under the root, the way RESOLVE_IN_ROOT
 * does (absolute targets start at "/", ".." stops there), into a link-free virtual
 * path; the last component is followed only with follow_last. Components that do
 * not exist end the walk and are kept as written. Used to check per-directory
 * permissions on where a path really leads; the operation itself then runs with
 * RESOLVE_NO_SYMLINKS, so a link swapped in meanwhile fails instead of escaping the
 * check. Returns 0 or an errno (ELOOP after 40 links, ENAMETOOLONG).
 */
int path_resolve(int rootfd, const char *vpath, int follow_last, char *out, size_t outsz);

#endif
