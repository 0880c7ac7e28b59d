/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The request handlers of a server backed by an object store (sftp/objstore.h),
 * with SFTPGo 0.9.6's semantics (spec section 11.3): uploads are spooled to an
 * unnamed file in the local home and put as one object at CLOSE (multipart by
 * the store), so a client that dies mid-upload leaves nothing; downloads are
 * ranged reads with a read-ahead window; renames are copy + delete and only
 * empty directories rename or go away; chmod/chown are accepted and ignored,
 * times and links refused. Permissions, filters, events and quota are checked
 * and reported as by the local handlers. Requests that carry no path of the
 * store (realpath, limits, expand-path, ...) keep the local handlers.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "sftp/events.h"
#include "sftp/longname.h"
#include "sftp/perms.h"
#include "sftp/proto.h"
#include "sftp/quota_int.h"
#include "sftp/server_int.h"

#define OBJ_READDIR_MAX 100
#define OBJ_DEFAULT_READ_AHEAD (16u * 1024u * 1024u)

struct obj_entry {
	char *name;
	struct sftp_objstat st;
};

struct obj_listing {
	struct obj_entry *e;
	size_t n, cap, next;
};

static const struct perm_table *
perms(struct sftp_server *s)
{
	return &s->st->perms;
}

static const char *
store_error(struct sftp_server *s)
{
	return s->obj->ops->error(s->obj->ctx);
}

/* A store failure: its status, and the store's message (it names the call). */
static int
reply_store(struct sftp_server *s, uint32_t id, const char *op, const char *vpath,
            int err)
{
	const char *m = store_error(s);

	if (err == ENOENT)
		return reply_status(s, id, SSH_FX_NO_SUCH_FILE, "No such file");
	log_info("%s \"%s\": %s", op, vpath, m[0] != '\0' ? m : strerror(err));
	if (m[0] == '\0' || err == ENOMEM)
		return reply_errno(s, id, err);
	return reply_status(s, id, errno_to_status(err), m);
}

static void
objstat_to_stat(const struct sftp_objstat *o, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = o->is_dir ? (S_IFDIR | 0755) : (S_IFREG | 0644);
	st->st_size = o->is_dir ? 0 : (off_t)o->size;
	st->st_mtime = o->is_dir ? 0 : o->mtime;
	st->st_atime = st->st_mtime;
	st->st_nlink = 1;
	st->st_uid = getuid();
	st->st_gid = getgid(); /* SFTPGo 0.9.6 reported the uid here (spec 17 row 29) */
}

static int
obj_stat(struct sftp_server *s, const char *vpath, struct sftp_objstat *st)
{
	if (vpath[1] == '\0') {
		memset(st, 0, sizeof(*st));
		st->is_dir = 1;
		return 0;
	}
	return s->obj->ops->stat(s->obj->ctx, vpath, st);
}

static int
reply_objstat(struct sftp_server *s, uint32_t id, const struct sftp_objstat *o)
{
	struct stat st;
	struct sftp_attrs a;

	objstat_to_stat(o, &st);
	sftp_attrs_from_stat(&a, &st);
	return sftp_reply_attrs(&s->out, id, &a);
}

/* ---- stat family ---- */

static int
o_stat(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	struct vpath v;
	struct sftp_objstat o;
	int err;

	if (get_vpath(s, r, &v) != 0)
		return -1;
	if (v.err != 0)
		return reply_errno(s, id, v.err);
	if (!perm_has_parent(perms(s), v.p, PERM_LIST))
		return reply_denied(s, id, "stat", v.p);
	if ((err = obj_stat(s, v.p, &o)) != 0)
		return reply_store(s, id, "stat", v.p, err);
	if (v.dir_syntax && !o.is_dir)
		return reply_errno(s, id, ENOTDIR);
	return reply_objstat(s, id, &o);
}

/* ---- setstat: chmod/chown ignored (logged as done), times refused ---- */

static int
obj_attrs(struct sftp_server *s, uint32_t id, const char *vpath,
          const struct sftp_attrs *a_in)
{
	struct sftp_attrs a = *a_in;
	struct ev_command ev = {.path = vpath, .uid = -1, .gid = -1};
	char mode[8];

	if (s->st->setstat_mode == 1)
		a.flags &= ~(SSH_FILEXFER_ATTR_PERMISSIONS | SSH_FILEXFER_ATTR_UIDGID |
		             SSH_FILEXFER_ATTR_ACMODTIME);
	if ((a.flags & SSH_FILEXFER_ATTR_PERMISSIONS) &&
	    !perm_has_parent(perms(s), vpath, PERM_CHMOD))
		return reply_denied(s, id, "setstat", vpath);
	if ((a.flags & SSH_FILEXFER_ATTR_UIDGID) &&
	    !perm_has_parent(perms(s), vpath, PERM_CHOWN))
		return reply_denied(s, id, "setstat", vpath);
	if (a.flags & SSH_FILEXFER_ATTR_ACMODTIME) {
		log_info("chtimes \"%s\": not supported on object storage", vpath);
		return reply_status(s, id, SSH_FX_PERMISSION_DENIED,
		                    "Permission denied: times cannot be set on object "
		                    "storage");
	}
	if (a.flags & SSH_FILEXFER_ATTR_SIZE)
		return reply_status(s, id, SSH_FX_OP_UNSUPPORTED,
		                    "Truncate is not supported on object storage");
	if (a.flags & SSH_FILEXFER_ATTR_PERMISSIONS) {
		snprintf(mode, sizeof(mode), "%04o", a.perm & 07777);
		ev.sender = "Chmod";
		ev.filemode = mode;
		ev_command(&ev);
		ev.filemode = NULL;
	}
	if (a.flags & SSH_FILEXFER_ATTR_UIDGID) {
		ev.sender = "Chown";
		ev.uid = a.uid;
		ev.gid = a.gid;
		ev_command(&ev);
	}
	return reply_ok(s, id);
}

static int
o_setstat(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	struct vpath v;
	struct sftp_attrs a;
	struct sftp_objstat o;
	int err;

	if (get_vpath(s, r, &v) != 0 || sftp_attrs_decode(r, &a) != 0)
		return -1;
	if (v.err != 0)
		return reply_errno(s, id, v.err);
	if ((err = obj_stat(s, v.p, &o)) != 0)
		return reply_store(s, id, "setstat", v.p, err);
	return obj_attrs(s, id, v.p, &a);
}

/* ---- directories ---- */

static void
listing_free(struct obj_listing *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].name);
	free(l->e);
	free(l);
}

static int
listing_add(const char *name, const struct sftp_objstat *st, void *ud)
{
	struct obj_listing *l = ud;

	if (l->n == l->cap) {
		size_t cap = l->cap == 0 ? 64 : l->cap * 2;
		struct obj_entry *ne = realloc(l->e, cap * sizeof(*ne));
		if (ne == NULL)
			return ENOMEM;
		l->e = ne;
		l->cap = cap;
	}
	if ((l->e[l->n].name = strdup(name)) == NULL)
		return ENOMEM;
	l->e[l->n].st = *st;
	l->n++;
	return 0;
}

static int
o_opendir(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	struct vpath v;
	struct sftp_objstat o, dot = {.is_dir = 1};
	struct obj_listing *l;
	struct handle *h;
	int err;

	if (get_vpath(s, r, &v) != 0)
		return -1;
	if (v.err != 0)
		return reply_errno(s, id, v.err);
	if (!perm_has(perms(s), v.p, PERM_LIST))
		return reply_denied(s, id, "list", v.p);
	if ((err = obj_stat(s, v.p, &o)) != 0)
		return reply_store(s, id, "list", v.p, err);
	if (!o.is_dir)
		return reply_errno(s, id, ENOTDIR);
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return reply_errno(s, id, ENOMEM);
	err = listing_add(".", &dot, l);
	if (err == 0)
		err = listing_add("..", &dot, l);
	if (err == 0)
		err = s->obj->ops->list(s->obj->ctx, v.p, listing_add, l);
	if (err != 0) {
		listing_free(l);
		return reply_store(s, id, "list", v.p, err);
	}
	if ((h = handle_alloc(s, H_DIR, v.p)) == NULL) {
		listing_free(l);
		return reply_status(s, id, SSH_FX_FAILURE, "Too many open handles");
	}
	h->o_list = l;
	return handle_reply(s, id, h);
}

static int
o_readdir(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	int bad;
	struct handle *h = get_handle(s, r, H_DIR, &bad);
	struct wbuf *w = &s->out;
	size_t start, countpos, limit;
	uint32_t count = 0;
	time_t now = time(NULL);

	if (bad)
		return -1;
	if (h == NULL || h->o_list == NULL)
		return reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
	start = sftp_reply_begin(w, SSH_FXP_NAME, id);
	countpos = w->len;
	wbuf_put_u32(w, 0);
	limit = start + s->max_packet - 1024;
	while (count < OBJ_READDIR_MAX && h->o_list->next < h->o_list->n) {
		const struct obj_entry *e = &h->o_list->e[h->o_list->next];
		size_t before = w->len;
		struct stat st;
		struct sftp_attrs a;
		char lname[SFTP_PATH_MAX + 256];
		objstat_to_stat(&e->st, &st);
		if (sftp_longname(lname, sizeof(lname), e->name, &st,
		                  user_name(s, st.st_uid), group_name(s, st.st_gid),
		                  now) != 0) {
			h->o_list->next++;
			continue;
		}
		sftp_attrs_from_stat(&a, &st);
		wbuf_put_cstring(w, e->name);
		wbuf_put_cstring(w, lname);
		sftp_attrs_encode(w, &a);
		if (w->failed || w->len > limit) {
			w->len = before;
			w->failed = 0;
			break; /* the next READDIR starts with it */
		}
		h->o_list->next++;
		count++;
	}
	if (count == 0) {
		w->len = start;
		return reply_status(s, id, SSH_FX_EOF, "End of file");
	}
	wbuf_patch_u32(w, countpos, count);
	return sftp_reply_end(w, start);
}

static int
o_mkdir(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	struct vpath v;
	struct sftp_attrs a;
	struct sftp_objstat o;
	struct ev_command ev = {.sender = "Mkdir", .uid = -1, .gid = -1};
	int err;

	if (get_vpath(s, r, &v) != 0 || sftp_attrs_decode(r, &a) != 0)
		return -1;
	if (v.err != 0)
		return reply_errno(s, id, v.err);
	if (v.p[1] == '\0' || !perm_has_parent(perms(s), v.p, PERM_CREATE_DIRS))
		return reply_denied(s, id, "Mkdir", v.p);
	/* SFTPGo: an existing path is a success without a call (spec 17 row 28) */
	err = obj_stat(s, v.p, &o);
	if (err == ENOENT)
		err = s->obj->ops->mkdir(s->obj->ctx, v.p);
	if (err != 0)
		return reply_store(s, id, "mkdir", v.p, err);
	ev.path = v.p;
	ev_command(&ev);
	return reply_ok(s, id);
}

/* REMOVE (a file) and RMDIR (an empty directory). */
static int
obj_delete(struct sftp_server *s, uint32_t id, struct rbuf *r, int dir)
{
	struct vpath v;
	struct sftp_objstat o;
	struct ev_command ev = {.sender = dir ? "Rmdir" : "Remove", .uid = -1, .gid = -1};
	int err, empty = 0;

	if (get_vpath(s, r, &v) != 0)
		return -1;
	if (v.err != 0)
		return reply_errno(s, id, v.err);
	if (!dir && filter_denies(s, ev.sender, v.p))
		return reply_status(s, id, SSH_FX_PERMISSION_DENIED, "Permission denied");
	if (v.p[1] == '\0' || !perm_has_parent(perms(s), v.p, PERM_DELETE))
		return reply_denied(s, id, ev.sender, v.p);
	if ((err = obj_stat(s, v.p, &o)) != 0)
		return reply_store(s, id, ev.sender, v.p, err);
	if (dir != o.is_dir)
		return reply_status(s, id, SSH_FX_FAILURE,
		                    dir ? "Not a directory" : "Is a directory");
	if (dir && (err = s->obj->ops->dir_empty(s->obj->ctx, v.p, &empty)) != 0)
		return reply_store(s, id, "rmdir", v.p, err);
	if (dir && !empty)
		return reply_status(s, id, SSH_FX_FAILURE,
		                    "Cannot remove non empty directory");
	err = dir ? s->obj->ops->rmdir(s->obj->ctx, v.p)
	          : s->obj->ops->remove(s->obj->ctx, v.p);
	if (err != 0)
		return reply_store(s, id, ev.sender, v.p, err);
	if (!dir) {
		struct stat st;
		objstat_to_stat(&o, &st);
		quota_removed(s, &st);
		ev.size_bytes = (int64_t)o.size;
	}
	ev.path = v.p;
	ev_command(&ev);
	return reply_ok(s, id);
}

static int
o_remove(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	return obj_delete(s, id, r, 0);
}

static int
o_rmdir(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	return obj_delete(s, id, r, 1);
}

/* ---- renames: copy, then delete the source ---- */

static int
obj_rename_checks(struct sftp_server *s, uint32_t id, const struct vpath *from,
                  const struct vpath *to, struct sftp_objstat *src, int *rc)
{
	int err, empty = 0;

	*rc = 0;
	if (from->p[1] == '\0' || to->p[1] == '\0' ||
	    !perm_has_parent(perms(s), from->p, PERM_RENAME) ||
	    !perm_has_parent(perms(s), to->p, PERM_RENAME)) {
		*rc = reply_denied(s, id, "Rename", from->p);
		return -1;
	}
	if ((err = obj_stat(s, from->p, src)) != 0) {
		*rc = reply_store(s, id, "rename", from->p, err);
		return -1;
	}
	if (!src->is_dir &&
	    (filter_denies(s, "Rename", from->p) || filter_denies(s, "Rename", to->p))) {
		*rc = reply_status(s, id, SSH_FX_PERMISSION_DENIED, "Permission denied");
		return -1;
	}
	if (src->is_dir &&
	    (err = s->obj->ops->dir_empty(s->obj->ctx, from->p, &empty)) != 0) {
		*rc = reply_store(s, id, "rename", from->p, err);
		return -1;
	}
	if (src->is_dir && !empty) {
		*rc = reply_status(s, id, SSH_FX_FAILURE,
		                   "Cannot rename non empty directory");
		return -1;
	}
	return 0;
}

static int
obj_rename(struct sftp_server *s, uint32_t id, struct rbuf *r, int replace)
{
	struct vpath from, to;
	struct sftp_objstat src, dst;
	struct ev_command ev = {.sender = "Rename", .uid = -1, .gid = -1};
	int err, rc, dst_exists;

	if (get_vpath(s, r, &from) != 0 || get_vpath(s, r, &to) != 0)
		return -1;
	if (from.err != 0 || to.err != 0)
		return reply_errno(s, id, from.err != 0 ? from.err : to.err);
	if (obj_rename_checks(s, id, &from, &to, &src, &rc) != 0)
		return rc;
	err = obj_stat(s, to.p, &dst);
	if (err != 0 && err != ENOENT)
		return reply_store(s, id, "rename", to.p, err);
	dst_exists = err == 0;
	/* RENAME never replaces (draft-02); posix-rename needs overwrite to */
	if (dst_exists && (!replace || dst.is_dir))
		return reply_errno(s, id, EEXIST);
	if (dst_exists && !perm_has_parent(perms(s), to.p, PERM_OVERWRITE))
		return reply_denied(s, id, "Rename", to.p);
	err = s->obj->ops->copy(s->obj->ctx, from.p, to.p, src.is_dir);
	if (err == 0)
		err = src.is_dir ? s->obj->ops->rmdir(s->obj->ctx, from.p)
		                 : s->obj->ops->remove(s->obj->ctx, from.p);
	if (err != 0)
		return reply_store(s, id, "rename", from.p, err);
	if (dst_exists) {
		struct stat st;
		objstat_to_stat(&dst, &st);
		quota_removed(s, &st);
	}
	ev.path = from.p;
	ev.target_path = to.p;
	ev_command(&ev);
	return reply_ok(s, id);
}

static int
o_rename(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	return obj_rename(s, id, r, 0);
}

static int
o_posix_rename(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	return obj_rename(s, id, r, 1);
}

/* ---- refused on object storage ---- */

static int
o_symlink(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	log_info("symlink: not supported on object storage");
	return reply_status(s, id, SSH_FX_PERMISSION_DENIED,
	                    "Permission denied: symlinks are not supported");
}

static int
o_unsupported(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	return reply_status(s, id, SSH_FX_OP_UNSUPPORTED,
	                    "Operation unsupported on object storage");
}

static int
o_readlink(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	struct vpath v;

	if (get_vpath(s, r, &v) != 0)
		return -1;
	return reply_errno(s, id, v.err != 0 ? v.err : EINVAL);
}

/* ---- files ---- */

/* The spool: an unnamed file in the local home (the worker's root). */
static int
spool_open(struct sftp_server *s)
{
	int fd = openat(s->rootfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		char name[64];
		snprintf(name, sizeof(name), ".sftpgo-spool.%ld.%ld", (long)getpid(),
		         (long)time(NULL));
		fd = openat(s->rootfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			unlinkat(s->rootfd, name, 0);
	}
	return fd;
}

static int
open_read(struct sftp_server *s, uint32_t id, const char *vpath,
          const struct sftp_objstat *o, uint32_t pflags)
{
	struct handle *h;

	if (!perm_has_parent(perms(s), vpath, PERM_DOWNLOAD))
		return reply_denied(s, id, "download", vpath);
	if ((h = handle_alloc(s, H_FILE, vpath)) == NULL)
		return reply_status(s, id, SSH_FX_FAILURE, "Too many open handles");
	h->pflags = pflags;
	h->reading = 1;
	h->o_size = o->size;
	log_debug("open \"%s\" for reading", vpath);
	return handle_reply(s, id, h);
}

static int
open_write(struct sftp_server *s, uint32_t id, const char *vpath,
           const struct sftp_objstat *o, int exists, uint32_t pflags)
{
	struct handle *h;
	struct stat old;
	int err;

	if (!perm_has_parent(perms(s), vpath, PERM_UPLOAD) ||
	    (exists && !perm_has_parent(perms(s), vpath, PERM_OVERWRITE)))
		return reply_denied(s, id, "upload", vpath);
	if (exists && (pflags & SSH_FXF_APPEND) && !(pflags & SSH_FXF_TRUNC)) {
		log_info("upload \"%s\": resume is not supported on object storage",
		         vpath);
		return reply_status(s, id, SSH_FX_OP_UNSUPPORTED,
		                    "Resume is not supported on object storage");
	}
	if ((h = handle_alloc(s, H_FILE, vpath)) == NULL)
		return reply_status(s, id, SSH_FX_FAILURE, "Too many open handles");
	h->pflags = pflags & ~(uint32_t)SSH_FXF_APPEND; /* always a new object */
	h->writing = 1;
	objstat_to_stat(o, &old);
	if ((err = quota_open(s, h, exists ? &old : NULL)) != 0) {
		handle_release(h);
		return reply_errno(s, id, err);
	}
	if ((h->fd = spool_open(s)) < 0) {
		err = errno;
		quota_finish(s, h, -1);
		handle_release(h);
		log_info("upload \"%s\": spool file: %s", vpath, strerror(err));
		return reply_errno(s, id, err);
	}
	log_debug("open \"%s\" for writing", vpath);
	return handle_reply(s, id, h);
}

static int
o_open(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	struct vpath v;
	uint32_t pflags;
	struct sftp_attrs a;
	struct sftp_objstat o = {0};
	int writing, err;

	if (get_vpath(s, r, &v) != 0 || rbuf_get_u32(r, &pflags) != 0 ||
	    sftp_attrs_decode(r, &a) != 0)
		return -1;
	if (v.err != 0)
		return reply_errno(s, id, v.err);
	if (filter_denies(s, "open", v.p))
		return reply_status(s, id, SSH_FX_PERMISSION_DENIED, "Permission denied");
	writing = (pflags & SSH_FXF_WRITE) != 0;
	if (writing && (pflags & SSH_FXF_READ))
		return reply_status(s, id, SSH_FX_OP_UNSUPPORTED,
		                    "Read and write on one handle is not supported on "
		                    "object storage");
	if (s->st->read_only && writing)
		return reply_denied(s, id, "open", v.p);
	if (v.p[1] == '\0' || v.dir_syntax)
		return reply_status(s, id, SSH_FX_FAILURE, "Is a directory");
	err = obj_stat(s, v.p, &o);
	if (err != 0 && !(err == ENOENT && writing))
		return reply_store(s, id, "open", v.p, err);
	if (err == 0 && o.is_dir)
		return reply_status(s, id, SSH_FX_FAILURE, "Is a directory");
	if (!writing)
		return open_read(s, id, v.p, &o, pflags);
	if (err == 0 && (pflags & SSH_FXF_CREAT) && (pflags & SSH_FXF_EXCL))
		return reply_errno(s, id, EEXIST);
	if (err == ENOENT && !(pflags & SSH_FXF_CREAT))
		return reply_errno(s, id, ENOENT);
	return open_write(s, id, v.p, &o, err == 0, pflags);
}

int
obj_file_finish(struct sftp_server *s, struct handle *h, int ok, const char *why)
{
	int err = 0;
	int64_t final = -1;
	struct stat st;

	if (!ok && !h->failed) {
		h->failed = 1;
		strlcpy(h->err, why, sizeof(h->err));
	}
	if (h->writing && !h->failed) {
		if (fstat(h->fd, &st) != 0) {
			err = errno;
		} else {
			err = s->obj->ops->put_fd(s->obj->ctx, h->vpath, h->fd,
			                          (uint64_t)st.st_size);
			if (err == 0)
				final = (int64_t)st.st_size;
		}
		if (err != 0) {
			/* SFTPGo lost this error (spec 17 row 25): CLOSE fails here */
			h->failed = 1;
			strlcpy(h->err,
			        store_error(s)[0] ? store_error(s) : strerror(err),
			        sizeof(h->err));
			log_info("upload \"%s\": %s", h->vpath, h->err);
		}
	}
	if (h->writing)
		quota_finish(s, h, final);
	transfer_progress_done(s, h);
	ev_transfer(h->writing ? "Upload" : "Download", h->vpath, h->bytes,
	            elapsed_ms(&h->start), !h->failed, h->failed ? h->err : "");
	handle_release(h);
	return err;
}

static int
o_close(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	int bad, err;
	struct handle *h = get_handle(s, r, H_FREE, &bad);
	char msg[128];

	if (bad)
		return -1;
	if (h == NULL)
		return reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
	if (h->kind == H_DIR) {
		handle_release(h);
		return reply_ok(s, id);
	}
	if ((err = obj_file_finish(s, h, 1, "")) == 0)
		return reply_ok(s, id);
	strlcpy(msg, store_error(s)[0] ? store_error(s) : strerror(err), sizeof(msg));
	return reply_status(s, id, errno_to_status(err), msg);
}

static void
fetch_cancel(struct handle *h)
{
	if (h->o_fetch != NULL)
		h->o_fetch->ops->fetch_cancel(h->o_fetch->ctx);
	h->o_fetch = NULL;
}

/* Reads the window after the current one in the background (when the store can,
 * and no other handle's read-ahead is under way). */
static void
fetch_next(struct sftp_server *s, struct handle *h, size_t ra)
{
	uint64_t next = h->o_buf_off + h->o_buf_len;
	size_t n;

	if (s->obj->ops->fetch_start == NULL || h->o_fetch != NULL || h->o_buf_len < ra ||
	    next >= h->o_size)
		return;
	n = ra < h->o_size - next ? ra : (size_t)(h->o_size - next);
	if (h->o_next == NULL && (h->o_next = malloc(ra)) == NULL)
		return;
	if (s->obj->ops->fetch_start(s->obj->ctx, h->vpath, next, h->o_next, n) != 0)
		return;
	h->o_fetch = s->obj;
	h->o_next_off = next;
	h->o_next_len = n;
}

/*
 * Serves [off, off + len) from the window. A miss takes the window read ahead
 * when off is in it (waiting for its end) and starts the next one, else reads
 * one with one ranged read. A second READ in a window (a sequential reader)
 * starts the read-ahead of the next one; each READ moves it on.
 */
static int
window_read(struct sftp_server *s, struct handle *h, uint64_t off, uint8_t *dst,
            uint32_t len, size_t *got)
{
	size_t ra = s->obj->read_ahead != 0 ? s->obj->read_ahead : OBJ_DEFAULT_READ_AHEAD;

	*got = 0;
	if (off >= h->o_size)
		return 0;
	if (len > h->o_size - off)
		len = (uint32_t)(h->o_size - off);
	if (ra < len)
		ra = len;
	/* a READ across the window's end gets what the window holds (a short
	 * read, which clients continue from) */
	if (h->o_buf != NULL && off >= h->o_buf_off &&
	    off < h->o_buf_off + h->o_buf_len) {
		if (h->o_fetch != NULL)
			h->o_fetch->ops->fetch_pump(h->o_fetch->ctx);
		else if (off > h->o_buf_off)
			fetch_next(s, h, ra);
	} else if (h->o_fetch != NULL && off >= h->o_next_off &&
	           off < h->o_next_off + h->o_next_len) {
		size_t n = 0;
		int err = h->o_fetch->ops->fetch_wait(h->o_fetch->ctx, &n);
		uint8_t *t = h->o_buf;
		h->o_fetch = NULL;
		if (err != 0)
			return err;
		h->o_buf = h->o_next;
		h->o_next = t;
		h->o_buf_off = h->o_next_off;
		h->o_buf_len = n;
		fetch_next(s, h, ra);
	} else {
		fetch_cancel(h);
		if (h->o_buf == NULL && (h->o_buf = malloc(ra)) == NULL)
			return ENOMEM;
		h->o_buf_len = 0;
		h->o_buf_off = off;
		int err = s->obj->ops->read(
		    s->obj->ctx, h->vpath, off, h->o_buf,
		    ra < h->o_size - off ? ra : (size_t)(h->o_size - off), &h->o_buf_len);
		if (err != 0)
			return err;
	}
	if (off < h->o_buf_off || off >= h->o_buf_off + h->o_buf_len)
		return 0; /* the object shrank under us: what is there ends here */
	if (off + len > h->o_buf_off + h->o_buf_len)
		len = (uint32_t)(h->o_buf_off + h->o_buf_len - off);
	memcpy(dst, h->o_buf + (off - h->o_buf_off), len);
	*got = len;
	return 0;
}

static int
o_read(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	int bad, err;
	struct handle *h = get_handle(s, r, H_FILE, &bad);
	uint64_t off;
	uint32_t len;
	struct wbuf *w = &s->out;
	size_t start, lenpos, got;

	if (bad || rbuf_get_u64(r, &off) != 0 || rbuf_get_u32(r, &len) != 0)
		return -1;
	if (h == NULL)
		return reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
	if (!h->reading)
		return reply_status(s, id, SSH_FX_FAILURE, "Handle not open for reading");
	if (len > s->max_rw)
		len = s->max_rw;
	start = sftp_reply_begin(w, SSH_FXP_DATA, id);
	lenpos = w->len;
	wbuf_put_u32(w, 0);
	if (wbuf_reserve(w, len) != 0)
		return -1;
	err = window_read(s, h, off, w->p + w->len, len, &got);
	if (err != 0 || got == 0) {
		w->len = start;
		if (err == 0)
			return reply_status(s, id, SSH_FX_EOF, "End of file");
		h->failed = 1;
		strlcpy(h->err, store_error(s), sizeof(h->err));
		return reply_store(s, id, "read", h->vpath, err);
	}
	w->len += got;
	wbuf_patch_u32(w, lenpos, (uint32_t)got);
	h->bytes += got;
	transfer_throttle(s, h, s->st->download_bandwidth);
	return sftp_reply_end(w, start);
}

static int
o_fstat(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	int bad;
	struct handle *h = get_handle(s, r, H_FREE, &bad);
	struct sftp_objstat o = {0};
	struct stat st;

	if (bad)
		return -1;
	if (h == NULL)
		return reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
	o.is_dir = h->kind == H_DIR;
	o.size = h->o_size;
	if (h->writing && fstat(h->fd, &st) == 0)
		o.size = (uint64_t)st.st_size;
	o.mtime = time(NULL);
	return reply_objstat(s, id, &o);
}

static int
o_fsetstat(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	int bad;
	struct handle *h = get_handle(s, r, H_FREE, &bad);
	struct sftp_attrs a;

	if (bad || sftp_attrs_decode(r, &a) != 0)
		return -1;
	if (h == NULL)
		return reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
	return obj_attrs(s, id, h->vpath, &a);
}

static int
o_fsync(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	int bad;
	struct handle *h = get_handle(s, r, H_FILE, &bad);

	if (bad)
		return -1;
	if (h == NULL)
		return reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
	return reply_ok(s, id); /* the object is written at CLOSE */
}

int
obj_idle(struct sftp_server *s, int in, const volatile sig_atomic_t *stop)
{
	const struct sftp_objstore *o = NULL;

	for (uint32_t i = 0; s->obj != NULL && i < s->nh && o == NULL; i++)
		o = s->h[i].o_fetch;
	if (o == NULL)
		return 0;
	while (!*stop && o->ops->fetch_idle(o->ctx, in, 1000) == 0)
		;
	return 1;
}

void
obj_handle_release(struct handle *h)
{
	fetch_cancel(h);
	free(h->o_buf);
	h->o_buf = NULL;
	free(h->o_next);
	h->o_next = NULL;
	listing_free(h->o_list);
	h->o_list = NULL;
}

/* Requests that name a path or a handle of the store; the others stay local. */
static const sftp_handler_fn obj_handlers[R_COUNT] = {
    [R_OPEN] = o_open,
    [R_CLOSE] = o_close,
    [R_READ] = o_read,
    /* R_WRITE: the local handler writes the spool file (h->fd) as it is */
    [R_LSTAT] = o_stat,
    [R_FSTAT] = o_fstat,
    [R_SETSTAT] = o_setstat,
    [R_FSETSTAT] = o_fsetstat,
    [R_OPENDIR] = o_opendir,
    [R_READDIR] = o_readdir,
    [R_REMOVE] = o_remove,
    [R_MKDIR] = o_mkdir,
    [R_RMDIR] = o_rmdir,
    [R_STAT] = o_stat,
    [R_RENAME] = o_rename,
    [R_READLINK] = o_readlink,
    [R_SYMLINK] = o_symlink,
    [R_POSIX_RENAME] = o_posix_rename,
    [R_STATVFS] = o_unsupported,
    [R_FSTATVFS] = o_unsupported,
    [R_HARDLINK] = o_unsupported,
    [R_FSYNC] = o_fsync,
    [R_LSETSTAT] = o_setstat,
    [R_COPY_DATA] = o_unsupported,
};

sftp_handler_fn
obj_handler(unsigned idx)
{
	return idx < R_COUNT ? obj_handlers[idx] : NULL;
}
