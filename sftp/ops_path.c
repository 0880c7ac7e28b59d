/* SPDX-License-Identifier: BSD-2-Clause */
/* Path requests: stat family, setstat, directories, links, renames, extensions. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "sftp/events.h"
#include "sftp/longname.h"
#include "sftp/perms.h"
#include "sftp/proto.h"
#include "sftp/quota_int.h"
#include "sftp/server_int.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452 /* Linux 6.6, same number on every architecture */
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

#define READDIR_MAX_ENTRIES 100

static const struct perm_table *
perms(struct sftp_server *s)
{
	return &s->st->perms;
}

/* ---- stat family ---- */

static int
stat_path(struct sftp_server *s, const char *vpath, int nofollow, struct stat *st)
{
	int fd = srv_open(s, vpath, O_PATH | (nofollow ? O_NOFOLLOW : 0), 0);
	int err = 0;

	if (fd < 0)
		return errno;
	if (fstat(fd, st) != 0)
		err = errno;
	close(fd);
	return err;
}

static int
do_stat(struct sftp_server *s, uint32_t id, struct rbuf *r, int nofollow)
{
	struct vpath v;
	struct stat st;
	struct sftp_attrs a;
	int err;

	if (get_vpath(s, r, &v) != 0)
		return -1;
	vpath_resolve(s, &v, !nofollow || v.dir_syntax);
	if (v.err != 0)
		return reply_errno(s, id, v.err);
	if (!perm_has_parent(perms(s), v.p, PERM_LIST))
		return reply_denied(s, id, "stat", v.p);
	if ((err = stat_path(s, v.p, nofollow && !v.dir_syntax, &st)) != 0)
		return reply_errno(s, id, err);
	sftp_attrs_from_stat(&a, &st);
	return sftp_reply_attrs(&s->out, id, &a);
}

int
h_stat(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	return do_stat(s, id, r, 0);
}

int
h_lstat(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	return do_stat(s, id, r, 1);
}

/* ---- setstat ---- */

static void
format_time(uint32_t t, char *buf, size_t sz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sz, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(buf, sz, "%u", t);
}

static int
truncate_to(struct sftp_server *s, int fd, int opath, const char *vpath, uint64_t size,
            int nofollow)
{
	int wfd, err = 0;

	if (!opath)
		return ftruncate(fd, (off_t)size) == 0 ? 0 : errno;
	wfd = srv_open(s, vpath, O_WRONLY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0), 0);
	if (wfd < 0)
		return errno;
	if (ftruncate(wfd, (off_t)size) != 0)
		err = errno;
	close(wfd);
	return err;
}

/* SETSTAT/FSETSTAT size: a file that grows is asked for like a write (quota). */
static int
set_size(struct sftp_server *s, int fd, int opath, const char *vpath, uint64_t size,
         int nofollow)
{
	struct quota_resize q;
	int err;

	if (size > (uint64_t)INT64_MAX)
		return EFBIG;
	if ((err = quota_resize_begin(s, fd, opath, size, &q)) != 0)
		return err;
	err = truncate_to(s, fd, opath, vpath, size, nofollow);
	quota_resize_end(s, size, &q, err == 0);
	return err;
}

static int
set_mode(struct sftp_server *s, int fd, int opath, const char *vpath, mode_t mode,
         int nofollow)
{
	int ofd, err = 0;

	if (!opath)
		return fchmod(fd, mode) == 0 ? 0 : errno;
	if (syscall(SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return errno;
	/* Kernels before 6.6: chmod through a real descriptor of the same object. */
	ofd = srv_open(s, vpath, O_RDONLY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0), 0);
	if (ofd < 0 && errno == EACCES)
		ofd = srv_open(s, vpath,
		               O_WRONLY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0), 0);
	if (ofd < 0)
		return errno == ELOOP ? EOPNOTSUPP : errno;
	if (fchmod(ofd, mode) != 0)
		err = errno;
	close(ofd);
	return err;
}

static int
set_times(int fd, int opath, uint32_t atime, uint32_t mtime)
{
	struct timespec ts[2] = {{(time_t)atime, 0}, {(time_t)mtime, 0}};

	if (opath)
		return utimensat(fd, "", ts, AT_EMPTY_PATH) == 0 ? 0 : errno;
	return futimens(fd, ts) == 0 ? 0 : errno;
}

static int
set_owner(int fd, int opath, uint32_t uid, uint32_t gid)
{
	if (opath)
		return fchownat(fd, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH) == 0
		           ? 0
		           : errno;
	return fchown(fd, (uid_t)uid, (gid_t)gid) == 0 ? 0 : errno;
}

/* Which permission each attribute needs; SETSTAT uses the parent's rules. */
static int
attrs_allowed(struct sftp_server *s, const char *vpath, const struct sftp_attrs *a)
{
	unsigned need = 0;

	if (a->flags & SSH_FILEXFER_ATTR_SIZE)
		need |= PERM_OVERWRITE;
	if (a->flags & SSH_FILEXFER_ATTR_PERMISSIONS)
		need |= PERM_CHMOD;
	if (a->flags & SSH_FILEXFER_ATTR_UIDGID)
		need |= PERM_CHOWN;
	if (a->flags & SSH_FILEXFER_ATTR_ACMODTIME)
		need |= PERM_CHTIMES;
	return perm_has_parent(perms(s), vpath, need);
}

int
apply_attrs(struct sftp_server *s, uint32_t id, int fd, int opath, const char *vpath,
            const struct sftp_attrs *a_in, int nofollow)
{
	struct sftp_attrs a = *a_in;
	struct ev_command ev = {.path = vpath, .uid = -1, .gid = -1};
	char mode[8], at[32], mt[32];
	int err;

	if (s->st->setstat_mode == 1)
		a.flags &= ~(SSH_FILEXFER_ATTR_PERMISSIONS | SSH_FILEXFER_ATTR_UIDGID |
		             SSH_FILEXFER_ATTR_ACMODTIME);
	if (!attrs_allowed(s, vpath, &a))
		return reply_denied(s, id, "setstat", vpath);
	if (a.flags & SSH_FILEXFER_ATTR_SIZE) {
		if ((err = set_size(s, fd, opath, vpath, a.size, nofollow)) != 0)
			return reply_errno(s, id, err);
	}
	if (a.flags & SSH_FILEXFER_ATTR_PERMISSIONS) {
		if ((err = set_mode(s, fd, opath, vpath, a.perm & 07777, nofollow)) != 0)
			return reply_errno(s, id, err);
		snprintf(mode, sizeof(mode), "%04o", a.perm & 07777);
		ev.sender = "Chmod";
		ev.filemode = mode;
		ev_command(&ev);
		ev.filemode = NULL;
	}
	if (a.flags & SSH_FILEXFER_ATTR_ACMODTIME) {
		if ((err = set_times(fd, opath, a.atime, a.mtime)) != 0)
			return reply_errno(s, id, err);
		format_time(a.atime, at, sizeof(at));
		format_time(a.mtime, mt, sizeof(mt));
		ev.sender = "Chtimes";
		ev.access_time = at;
		ev.modification_time = mt;
		ev_command(&ev);
		ev.access_time = ev.modification_time = NULL;
	}
	if (a.flags & SSH_FILEXFER_ATTR_UIDGID) {
		if ((err = set_owner(fd, opath, a.uid, a.gid)) != 0)
			return reply_errno(s, id, err);
		ev.sender = "Chown";
		ev.uid = a.uid;
		ev.gid = a.gid;
		ev_command(&ev);
	}
	return reply_ok(s, id);
}

static int
do_setstat(struct sftp_server *s, uint32_t id, struct rbuf *r, int nofollow)
{
	struct vpath v;
	struct sftp_attrs a;
	int fd, rc;

	if (get_vpath(s, r, &v) != 0 || sftp_attrs_decode(r, &a) != 0)
		return -1;
	vpath_resolve(s, &v, !nofollow || v.dir_syntax);
	if (v.err != 0)
		return reply_errno(s, id, v.err);
	nofollow = nofollow && !v.dir_syntax;
	const char *sub;
	int root = srv_root(s, v.p, &sub, NULL);
	fd = root < 0 ? -1
	              : path_open(root, sub,
	                          O_PATH | (nofollow ? O_NOFOLLOW : 0) |
	                              (v.dir_syntax ? O_DIRECTORY : 0),
	                          0);
	if (fd < 0)
		return reply_errno(s, id, errno);
	rc = apply_attrs(s, id, fd, 1, v.p, &a, nofollow);
	close(fd);
	return rc;
}

int
h_setstat(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	return do_setstat(s, id, r, 0);
}

int
h_lsetstat(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	return do_setstat(s, id, r, 1);
}

/* ---- directories ---- */

int
h_opendir(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	struct vpath v;
	struct handle *h;
	int fd;

	if (get_vpath(s, r, &v) != 0)
		return -1;
	vpath_resolve(s, &v, 1);
	if (v.err != 0)
		return reply_errno(s, id, v.err);
	if (!perm_has(perms(s), v.p, PERM_LIST))
		return reply_denied(s, id, "list", v.p);
	fd = srv_open(s, v.p, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return reply_errno(s, id, errno);
	h = handle_alloc(s, H_DIR, v.p);
	if (h == NULL) {
		close(fd);
		return reply_status(s, id, SSH_FX_FAILURE, "Too many open handles");
	}
	h->dir = fdopendir(fd);
	if (h->dir == NULL) {
		int err = errno;
		close(fd);
		handle_release(h);
		return reply_errno(s, id, err);
	}
	h->fd = fd;
	const char *sub;
	int folder;
	srv_root(s, v.p, &sub, &folder);
	/* ".." of a folder's root is not the user's to see either */
	h->dir_is_root =
	    (v.p[1] == '\0' && !s->host_root) || (folder >= 0 && sub[1] == '\0');
	return handle_reply(s, id, h);
}

/* One NAME entry (name, long name, attributes) from st; -1 if it cannot be built. */
static int
put_name(struct sftp_server *s, const char *name, const struct stat *st, time_t now)
{
	struct sftp_attrs a;
	char lname[SFTP_PATH_MAX + 256];

	if (sftp_longname(lname, sizeof(lname), name, st, user_name(s, st->st_uid),
	                  group_name(s, st->st_gid), now) != 0)
		return -1;
	sftp_attrs_from_stat(&a, st);
	wbuf_put_cstring(&s->out, name);
	wbuf_put_cstring(&s->out, lname);
	sftp_attrs_encode(&s->out, &a);
	return 0;
}

/* One NAME entry; -1 when the entry must be skipped (vanished, unreadable). */
static int
put_dirent(struct sftp_server *s, struct handle *h, const char *name, time_t now)
{
	struct stat st;
	const char *statname = name;

	/* Above the virtual "/" there is nothing to show: ".." is "/" itself. */
	if (h->dir_is_root && strcmp(name, "..") == 0)
		statname = ".";
	if (fstatat(dirfd(h->dir), statname, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return -1;
	return put_name(s, name, &st, now);
}

/*
 * The entry of a virtual folder in its parent's listing (SFTPGo adds it, replacing
 * a real entry of the same name): a directory with mapped_path's attributes, or
 * mode 0755, size 0 and a zero mtime when mapped_path is missing (as SFTPGo).
 */
static int
put_folder_entry(struct sftp_server *s, const struct sftp_folder *f, time_t now)
{
	struct stat st;

	if (f->fd < 0 || fstat(f->fd, &st) != 0) {
		memset(&st, 0, sizeof(st));
		st.st_mode = S_IFDIR | 0755;
		st.st_nlink = 1;
	}
	return put_name(s, path_base(f->vpath), &st, now);
}

/* After the real entries: the virtual folders whose parent this directory is. */
static uint32_t
put_folder_entries(struct sftp_server *s, struct handle *h, uint32_t count, size_t limit,
                   time_t now)
{
	struct wbuf *w = &s->out;
	char parent[SFTP_PATH_MAX];

	for (; h->vf_next < s->st->n_folders && count < READDIR_MAX_ENTRIES;
	     h->vf_next++) {
		const struct sftp_folder *f = &s->st->folders[h->vf_next];
		size_t before = w->len;
		path_parent(f->vpath, parent, sizeof(parent));
		if (strcmp(parent, h->vpath) != 0)
			continue;
		if (put_folder_entry(s, f, now) != 0 || w->len > limit) {
			w->len = before;
			w->failed = 0;
			break; /* the next READDIR starts with it */
		}
		count++;
	}
	return count;
}

int
h_readdir(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	int bad;
	struct handle *h = get_handle(s, r, H_DIR, &bad);
	struct wbuf *w = &s->out;
	size_t start, countpos, limit;
	uint32_t count = 0;
	time_t now = time(NULL);

	if (bad)
		return -1;
	if (h == NULL)
		return reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
	start = sftp_reply_begin(w, SSH_FXP_NAME, id);
	countpos = w->len;
	wbuf_put_u32(w, 0);
	limit = start + s->max_packet - 1024;
	while (count < READDIR_MAX_ENTRIES && !w->failed) {
		long pos = telldir(h->dir);
		size_t before = w->len;
		struct dirent *de;

		errno = 0;
		de = readdir(h->dir);
		if (de == NULL) {
			int rerr = errno; /* the end, or readdir's error */
			count = put_folder_entries(s, h, count, limit, now);
			errno = rerr;
			break;
		}
		if (path_folder_child(s->st->folders, s->st->n_folders, h->vpath,
		                      de->d_name) >= 0)
			continue; /* listed as the virtual folder instead */
		if (put_dirent(s, h, de->d_name, now) != 0) {
			w->len = before;
			w->failed = 0;
			continue;
		}
		if (w->len > limit) {
			/* Does not fit this reply: give it back for the next READDIR. */
			w->len = before;
			seekdir(h->dir, pos);
			break;
		}
		count++;
	}
	if (count == 0) {
		int err = errno;
		w->len = start;
		w->failed = 0;
		if (err != 0)
			return reply_errno(s, id, err);
		return reply_status(s, id, SSH_FX_EOF, "End of file");
	}
	wbuf_patch_u32(w, countpos, count);
	return sftp_reply_end(w, start);
}

/* ---- namespace changes ---- */

typedef int (*entry_op)(struct sftp_server *s, int pfd, const char *base, void *arg);

/* "x/" names a directory: an entry that is not one (a symlink included) fails. */
static int
check_dir_syntax(int pfd, const char *base)
{
	struct stat st;

	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno;
	return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

/* Runs op on the entry of vpath through its parent directory fd. */
static int
on_entry(struct sftp_server *s, const char *vpath, int want_dir, entry_op op, void *arg)
{
	const char *base;
	int pfd = srv_open_parent(s, vpath, &base), err;

	if (pfd < 0)
		return errno;
	err = want_dir ? check_dir_syntax(pfd, base) : 0;
	if (err == 0)
		err = op(s, pfd, base, arg);
	close(pfd);
	return err;
}

static int
op_unlink(struct sftp_server *s, int pfd, const char *base, void *arg)
{
	struct stat st;
	int known = fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
	int counted = quota_on(s) && known;

	if (unlinkat(pfd, base, 0) != 0)
		return errno;
	if (known && arg != NULL) /* the delete action's file_size */
		*(int64_t *)arg = (int64_t)st.st_size;
	if (counted) /* REMOVE gives a regular file's size and count back */
		quota_removed(s, &st);
	return 0;
}

static int
op_rmdir(struct sftp_server *s, int pfd, const char *base, void *arg)
{
	return unlinkat(pfd, base, AT_REMOVEDIR) == 0 ? 0 : errno;
}

static int
op_mkdir(struct sftp_server *s, int pfd, const char *base, void *arg)
{
	return mkdirat(pfd, base, *(mode_t *)arg) == 0 ? 0 : errno;
}

static int
simple_change(struct sftp_server *s, uint32_t id, const struct vpath *v, unsigned need,
              const char *sender, entry_op op, void *arg)
{
	const char *vpath = v->p;
	struct ev_command ev = {.sender = sender, .path = vpath, .uid = -1, .gid = -1};
	int err;

	if (vpath[1] == '\0' || !perm_has_parent(perms(s), vpath, need))
		return reply_denied(s, id, sender, vpath);
	if ((err = on_entry(s, vpath, v->dir_syntax && op != op_mkdir, op, arg)) != 0)
		return reply_errno(s, id, err);
	if (op == op_unlink && arg != NULL)
		ev.size_bytes = *(int64_t *)arg;
	ev_command(&ev);
	return reply_ok(s, id);
}

/* REMOVE and RMDIR: one path (last component not followed), delete on its parent. */
static int
delete_entry(struct sftp_server *s, uint32_t id, struct rbuf *r, const char *sender,
             entry_op op)
{
	struct vpath v;

	int file = op == op_unlink; /* SFTPGo filters REMOVE, not RMDIR */

	if (get_vpath(s, r, &v) != 0)
		return -1;
	if (file && v.err == 0 && filter_denies(s, sender, v.p))
		return reply_status(s, id, SSH_FX_PERMISSION_DENIED, "Permission denied");
	vpath_resolve(s, &v, 0);
	if (v.err != 0)
		return reply_errno(s, id, v.err);
	if (file && filter_denies(s, sender, v.p))
		return reply_status(s, id, SSH_FX_PERMISSION_DENIED, "Permission denied");
	int64_t size = 0;
	return simple_change(s, id, &v, PERM_DELETE, sender, op, file ? &size : NULL);
}

int
h_remove(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	return delete_entry(s, id, r, "Remove", op_unlink);
}

int
h_rmdir(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	return delete_entry(s, id, r, "Rmdir", op_rmdir);
}

int
h_mkdir(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	struct vpath v;
	struct sftp_attrs a;
	mode_t mode;

	if (get_vpath(s, r, &v) != 0 || sftp_attrs_decode(r, &a) != 0)
		return -1;
	vpath_resolve(s, &v, 0);
	if (v.err != 0)
		return reply_errno(s, id, v.err);
	mode = (a.flags & SSH_FILEXFER_ATTR_PERMISSIONS) ? (a.perm & 07777) : 0777;
	return simple_change(s, id, &v, PERM_CREATE_DIRS, "Mkdir", op_mkdir, &mode);
}

int
h_realpath(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	struct vpath v;

	if (get_vpath(s, r, &v) != 0)
		return -1;
	/* Control bytes after the path (SFTPv6 fields) are ignored like sftp-server. */
	if (v.err != 0)
		return reply_errno(s, id, v.err);
	return sftp_reply_name1(&s->out, id, v.p, v.p, NULL);
}

/* Renames and links act on two entries, each through its own parent fd. */
static int
two_entries(struct sftp_server *s, const char *from, const char *to, int flags, int link)
{
	const char *b1, *b2;
	int p1, p2, err = 0;

	if ((p1 = srv_open_parent(s, from, &b1)) < 0)
		return errno;
	if ((p2 = srv_open_parent(s, to, &b2)) < 0) {
		err = errno;
		close(p1);
		return err;
	}
	/* quota: a replaced target is given back, a new link counted as the scan
	 * counts it (a regular file per name) */
	struct stat src, dst;
	int q_src = quota_on(s) && fstatat(p1, b1, &src, AT_SYMLINK_NOFOLLOW) == 0;
	int q_dst = quota_on(s) && fstatat(p2, b2, &dst, AT_SYMLINK_NOFOLLOW) == 0 &&
	            !(q_src && src.st_ino == dst.st_ino && src.st_dev == dst.st_dev);
	if (link) {
		if (linkat(p1, b1, p2, b2, 0) != 0)
			err = errno;
		else if (q_src)
			quota_added(s, &src);
	} else if (flags != 0) {
		if (syscall(SYS_renameat2, p1, b1, p2, b2, flags) != 0) {
			err = errno;
			/* File systems without RENAME_NOREPLACE: check, then rename. */
			if (err == EINVAL) {
				struct stat st;
				if (fstatat(p2, b2, &st, AT_SYMLINK_NOFOLLOW) == 0)
					err = EEXIST;
				else if (renameat(p1, b1, p2, b2) != 0)
					err = errno;
				else
					err = 0;
			}
		}
	} else if (renameat(p1, b1, p2, b2) != 0) {
		err = errno;
	}
	if (err == 0 && !link && q_dst)
		quota_removed(s, &dst);
	close(p1);
	close(p2);
	return err;
}

static int
entry_exists(struct sftp_server *s, int pfd, const char *base, void *arg)
{
	return 0; /* on_entry() already checked it is a directory */
}

/* A request on two paths: what each side needs and what the kernel is asked. */
struct two_path_op {
	const char *sender; /* event sender, also the log name */
	unsigned from_perm, to_perm;
	int rename_flags;
	int link;
};

/* RENAME, posix-rename: rename on both sides (SFTPGo checks only the target). */
static const struct two_path_op op_rename = {"Rename", PERM_RENAME, PERM_RENAME,
                                             RENAME_NOREPLACE, 0};
static const struct two_path_op op_posix_rename = {"Rename", PERM_RENAME, PERM_RENAME, 0,
                                                   0};
/* A hard link is a new name for existing data: readable source, link rights. */
static const struct two_path_op op_hardlink = {"Link", PERM_DOWNLOAD,
                                               PERM_CREATE_SYMLINKS, 0, 1};

/* A regular file at vpath, not following a last symlink. */
static int
is_regular_entry(struct sftp_server *s, const char *vpath)
{
	const char *base;
	struct stat st;
	int pfd = srv_open_parent(s, vpath, &base), reg;

	if (pfd < 0)
		return 0;
	reg = fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
	close(pfd);
	return reg;
}

/*
 * SFTPGo filters a rename on both names, but only when the source is a regular
 * file: directories and symlinks move freely. Client and resolved forms are judged.
 */
static int
two_paths_filtered(struct sftp_server *s, const char *op, const struct vpath *from_client,
                   const struct vpath *from, const struct vpath *to_client,
                   const struct vpath *to)
{
	if (s->st->file_extensions.n == 0 || !is_regular_entry(s, from->p))
		return 0;
	return filter_denies(s, op, from_client->p) || filter_denies(s, op, from->p) ||
	       filter_denies(s, op, to_client->p) || filter_denies(s, op, to->p);
}

/* Do a and b live under different roots (the home, or two virtual folders)? */
static int
crosses_folders(struct sftp_server *s, const char *a, const char *b)
{
	const char *sub;

	return path_pick_root(s->st->folders, s->st->n_folders, a, &sub) !=
	       path_pick_root(s->st->folders, s->st->n_folders, b, &sub);
}

/*
 * Renames, hard links and symlinks never cross a virtual folder boundary: each
 * root is resolved on its own fd, so such a name would not lead where it reads.
 * SFTPGo 0.9.6 tried rename(2) (EXDEV on another file system); we refuse always.
 */
static int
reply_cross(struct sftp_server *s, uint32_t id, const char *op, const char *a,
            const char *b)
{
	log_info("%s \"%s\" -> \"%s\": crosses a virtual folder boundary", op, a, b);
	return reply_status(s, id, SSH_FX_PERMISSION_DENIED,
	                    "Permission denied: crosses a virtual folder boundary");
}

static int
do_two_paths(struct sftp_server *s, uint32_t id, struct rbuf *r,
             const struct two_path_op *op)
{
	struct vpath from, to;
	struct ev_command ev = {.sender = op->sender, .uid = -1, .gid = -1};
	int err;

	if (get_vpath(s, r, &from) != 0 || get_vpath(s, r, &to) != 0)
		return -1;
	struct vpath from_client = from, to_client = to;
	vpath_resolve(s, &from, 0);
	vpath_resolve(s, &to, 0);
	if (from.err != 0 || to.err != 0)
		return reply_errno(s, id, from.err != 0 ? from.err : to.err);
	if (two_paths_filtered(s, op->sender, &from_client, &from, &to_client, &to))
		return reply_status(s, id, SSH_FX_PERMISSION_DENIED, "Permission denied");
	if (from.p[1] == '\0' || to.p[1] == '\0' ||
	    !perm_has_parent(perms(s), from.p, op->from_perm) ||
	    !perm_has_parent(perms(s), to.p, op->to_perm))
		return reply_denied(s, id, op->sender, from.p);
	if (crosses_folders(s, from.p, to.p))
		return reply_cross(s, id, op->sender, from.p, to.p);
	if (from.dir_syntax && (err = on_entry(s, from.p, 1, entry_exists, NULL)) != 0)
		return reply_errno(s, id, err);
	/*
	 * Replacing an existing target destroys it like an overwriting upload does, so
	 * it needs "overwrite" there too (else upload-then-rename would bypass it). The
	 * kernel enforces it atomically: no check-then-rename race.
	 */
	int flags = op->rename_flags;
	int noreplace_by_perm = 0;
	if (!op->link && !(flags & RENAME_NOREPLACE) &&
	    !perm_has_parent(perms(s), to.p, PERM_OVERWRITE)) {
		flags |= RENAME_NOREPLACE;
		noreplace_by_perm = 1;
	}
	err = two_entries(s, from.p, to.p, flags, op->link);
	if (err == EEXIST && noreplace_by_perm)
		return reply_denied(s, id, op->sender, to.p);
	if (err != 0)
		return reply_errno(s, id, err);
	ev.path = from.p;
	ev.target_path = to.p;
	ev_command(&ev);
	return reply_ok(s, id);
}

int
h_rename(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	/* SSH_FXP_RENAME must not replace an existing target (draft-02, sftp-server). */
	return do_two_paths(s, id, r, &op_rename);
}

int
h_posix_rename(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	return do_two_paths(s, id, r, &op_posix_rename);
}

int
h_hardlink(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	return do_two_paths(s, id, r, &op_hardlink);
}

static int
op_readlink(struct sftp_server *s, int pfd, const char *base, void *arg)
{
	char *buf = arg;
	ssize_t n = readlinkat(pfd, base, buf, SFTP_PATH_MAX - 1);

	if (n < 0)
		return errno;
	buf[n] = '\0';
	return 0;
}

int
h_readlink(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	struct vpath v;
	char target[SFTP_PATH_MAX];
	int err;

	if (get_vpath(s, r, &v) != 0)
		return -1;
	vpath_resolve(s, &v, 0);
	if (v.err != 0)
		return reply_errno(s, id, v.err);
	if (!perm_has_parent(perms(s), v.p, PERM_LIST))
		return reply_denied(s, id, "readlink", v.p);
	if (v.p[1] == '\0' || v.dir_syntax) /* "x/" is a directory, never a link */
		return reply_errno(s, id, EINVAL);
	if ((err = on_entry(s, v.p, 0, op_readlink, target)) != 0)
		return reply_errno(s, id, err);
	return sftp_reply_name1(&s->out, id, target, target, NULL);
}

static int
op_symlink(struct sftp_server *s, int pfd, const char *base, void *arg)
{
	return symlinkat((const char *)arg, pfd, base) == 0 ? 0 : errno;
}

int
h_symlink(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	const uint8_t *t;
	uint32_t tlen;
	char target[SFTP_PATH_MAX], linkdir[SFTP_PATH_MAX], lead[SFTP_PATH_MAX];
	struct vpath link;
	struct ev_command ev = {.sender = "Symlink", .uid = -1, .gid = -1};
	int err;

	/* OpenSSH's order: target first, then the new link's path. */
	if (rbuf_get_string(r, &t, &tlen, s->max_packet) != 0 ||
	    get_vpath(s, r, &link) != 0)
		return -1;
	if (tlen == 0 || tlen >= sizeof(target) || memchr(t, '\0', tlen) != NULL)
		return reply_errno(s, id,
		                   tlen == 0                ? ENOENT
		                   : tlen >= sizeof(target) ? ENAMETOOLONG
		                                            : EINVAL);
	vpath_resolve(s, &link, 0);
	if (link.err != 0)
		return reply_errno(s, id, link.err);
	memcpy(target, t, tlen);
	target[tlen] = '\0';
	if (link.p[1] == '\0' || !perm_has_parent(perms(s), link.p, PERM_CREATE_SYMLINKS))
		return reply_denied(s, id, "symlink", link.p);
	/* The event names where the link leads, as a virtual path like every other. */
	path_parent(link.p, linkdir, sizeof(linkdir));
	if (vpath_normalize(linkdir, target, strlen(target), lead, sizeof(lead)) != 0)
		strlcpy(lead, target, sizeof(lead));
	/*
	 * The target text is stored as given: every later lookup through the link is
	 * resolved under the link's root (RESOLVE_IN_ROOT), so it cannot lead outside,
	 * and a target in another root (home <-> folder) would not lead where it reads.
	 */
	if (crosses_folders(s, link.p, lead))
		return reply_cross(s, id, "Symlink", link.p, lead);
	if ((err = on_entry(s, link.p, 0, op_symlink, target)) != 0)
		return reply_errno(s, id, err);
	ev.path = lead;
	ev.target_path = link.p;
	ev_command(&ev);
	return reply_ok(s, id);
}

/* ---- extensions ---- */

int
reply_statvfs(struct sftp_server *s, uint32_t id, int fd)
{
	struct statvfs sv;
	struct wbuf *w = &s->out;
	size_t off;
	uint64_t flag = 0;

	if (fstatvfs(fd, &sv) != 0)
		return reply_errno(s, id, errno);
	if (sv.f_flag & ST_RDONLY)
		flag |= SSH_FXE_STATVFS_ST_RDONLY;
	if (sv.f_flag & ST_NOSUID)
		flag |= SSH_FXE_STATVFS_ST_NOSUID;
	off = sftp_reply_begin(w, SSH_FXP_EXTENDED_REPLY, id);
	wbuf_put_u64(w, sv.f_bsize);
	wbuf_put_u64(w, sv.f_frsize);
	wbuf_put_u64(w, sv.f_blocks);
	wbuf_put_u64(w, sv.f_bfree);
	wbuf_put_u64(w, sv.f_bavail);
	wbuf_put_u64(w, sv.f_files);
	wbuf_put_u64(w, sv.f_ffree);
	wbuf_put_u64(w, sv.f_favail);
	wbuf_put_u64(w, sv.f_fsid);
	wbuf_put_u64(w, flag);
	wbuf_put_u64(w, sv.f_namemax);
	return sftp_reply_end(w, off);
}

int
h_statvfs(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	struct vpath v;
	int fd, rc;

	if (get_vpath(s, r, &v) != 0)
		return -1;
	vpath_resolve(s, &v, 1);
	if (v.err != 0)
		return reply_errno(s, id, v.err);
	if (!perm_has(perms(s), v.p, PERM_LIST) &&
	    !perm_has_parent(perms(s), v.p, PERM_LIST))
		return reply_denied(s, id, "statvfs", v.p);
	if ((fd = srv_open(s, v.p, O_PATH, 0)) < 0)
		return reply_errno(s, id, errno);
	rc = reply_statvfs(s, id, fd);
	close(fd);
	return rc;
}

int
h_limits(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	size_t off = sftp_reply_begin(&s->out, SSH_FXP_EXTENDED_REPLY, id);

	wbuf_put_u64(&s->out, s->max_packet);
	wbuf_put_u64(&s->out, s->max_rw);
	wbuf_put_u64(&s->out, s->max_rw);
	wbuf_put_u64(&s->out, s->nh);
	return sftp_reply_end(&s->out, off);
}

int
h_expand_path(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	const uint8_t *p;
	uint32_t n;
	char in[SFTP_PATH_MAX], out[SFTP_PATH_MAX];
	int len;

	if (rbuf_get_string(r, &p, &n, s->max_packet) != 0)
		return -1;
	if (n >= SFTP_PATH_MAX || memchr(p, '\0', n) != NULL)
		return reply_errno(s, id, n >= SFTP_PATH_MAX ? ENAMETOOLONG : EINVAL);
	if (n >= 1 && p[0] == '~' && (n == 1 || p[1] == '/'))
		len =
		    snprintf(in, sizeof(in), "%s/%.*s", s->home, (int)(n > 1 ? n - 2 : 0),
		             (const char *)p + (n > 1 ? 2 : 1));
	else if (n >= 1 && p[0] == '~')
		return reply_status(s, id, SSH_FX_NO_SUCH_FILE, "No such user");
	else
		len = snprintf(in, sizeof(in), "%.*s", (int)n, (const char *)p);
	if (len < 0 || (size_t)len >= sizeof(in) ||
	    vpath_normalize(s->cwd, in, (size_t)len, out, sizeof(out)) != 0)
		return reply_errno(s, id, ENAMETOOLONG);
	return sftp_reply_name1(&s->out, id, out, out, NULL);
}

int
h_home_directory(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	const uint8_t *u;
	uint32_t n;

	if (rbuf_get_string(r, &u, &n, 256) != 0)
		return -1;
	return sftp_reply_name1(&s->out, id, s->home, s->home, NULL);
}

/* users-groups-by-id@openssh.com: names for lists of ids ("" when unknown). */
static int
put_names(struct sftp_server *s, struct wbuf *w, const uint8_t *ids, uint32_t n, int user)
{
	size_t lenpos = w->len;

	if (n % 4 != 0)
		return -1;
	wbuf_put_u32(w, 0);
	for (uint32_t i = 0; i < n; i += 4) {
		unsigned id = peek_u32(ids + i);
		const char *name = user ? user_name(s, id) : group_name(s, id);
		wbuf_put_cstring(w, name != NULL ? name : "");
	}
	if (w->failed)
		return -1;
	return wbuf_patch_u32(w, lenpos, (uint32_t)(w->len - lenpos - 4));
}

int
h_users_groups(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	const uint8_t *uids, *gids;
	uint32_t nu, ng;
	size_t off;

	if (rbuf_get_string(r, &uids, &nu, s->max_packet) != 0 ||
	    rbuf_get_string(r, &gids, &ng, s->max_packet) != 0 || nu % 4 != 0 ||
	    ng % 4 != 0)
		return -1;
	/* Each name costs at most 36 bytes: stay under one reply's size. */
	if ((uint64_t)(nu + ng) / 4 * 40 > s->max_packet)
		return reply_status(s, id, SSH_FX_FAILURE, "Too many ids");
	off = sftp_reply_begin(&s->out, SSH_FXP_EXTENDED_REPLY, id);
	if (put_names(s, &s->out, uids, nu, 1) != 0 ||
	    put_names(s, &s->out, gids, ng, 0) != 0) {
		s->out.len = off;
		s->out.failed = 0;
		return reply_status(s, id, SSH_FX_FAILURE, "Reply too large");
	}
	return sftp_reply_end(&s->out, off);
}
