/* SPDX-License-Identifier: BSD-2-Clause */
/* Internals shared by the handler files of the SFTP engine (not a public API). */
#ifndef SFTPGO_SFTP_SERVER_INT_H
#define SFTPGO_SFTP_SERVER_INT_H

#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "common/buf.h"
#include "sftp/codec.h"
#include "sftp/objstore.h"
#include "sftp/path.h"
#include "sftp/settings.h"
#include "sftp/sftp.h"

enum handle_kind { H_FREE = 0, H_FILE, H_DIR };

struct handle {
	enum handle_kind kind;
	int fd;
	DIR *dir;
	char *vpath;     /* virtual path the client opened */
	uint32_t pflags; /* SSH_FXF_* */
	int writing, reading;
	uint64_t bytes; /* transferred, for the transfer event */
	struct timespec start;
	struct timespec progress_at; /* the last progress event (sftp/events.h) */
	int progress_sent;
	int failed;    /* a write failed: the upload ended in error */
	char err[128]; /* first error, for the transfer event */
	/* atomic uploads (upload_mode 1 and 2): written to tmp, renamed to base */
	int parentfd; /* -1 for direct files */
	char *tmpname;
	char *base;
	int dir_is_root; /* directory handle on the virtual "/" or a folder's root */
	size_t vf_next;  /* READDIR: next virtual folder to list in this directory */
	/* quota (sftp/quota.c): counted upload; a new file; the target's size before;
	 * the size it may reach; bytes and files reserved for it */
	int q_on, q_new;
	int64_t q_base, q_allow, q_taken, q_files_taken;
	/* object stores (sftp/ops_obj.c): the object's size, a read-ahead window,
	 * a directory listing taken at OPENDIR */
	uint64_t o_size;
	uint8_t *o_buf;
	uint64_t o_buf_off;
	size_t o_buf_len;
	/* the next window, read ahead by the store while this one is served;
	 * o_fetch: the store, while this handle's fetch is under way */
	uint8_t *o_next;
	uint64_t o_next_off;
	size_t o_next_len;
	const struct sftp_objstore *o_fetch;
	struct obj_listing *o_list;
};

/* Request table indexes: sftp-server's names and order (-p, -P, -Q). */
enum req {
	R_OPEN,
	R_CLOSE,
	R_READ,
	R_WRITE,
	R_LSTAT,
	R_FSTAT,
	R_SETSTAT,
	R_FSETSTAT,
	R_OPENDIR,
	R_READDIR,
	R_REMOVE,
	R_MKDIR,
	R_RMDIR,
	R_REALPATH,
	R_STAT,
	R_RENAME,
	R_READLINK,
	R_SYMLINK,
	R_POSIX_RENAME,
	R_STATVFS,
	R_FSTATVFS,
	R_HARDLINK,
	R_FSYNC,
	R_LSETSTAT,
	R_LIMITS,
	R_EXPAND_PATH,
	R_COPY_DATA,
	R_HOME_DIRECTORY,
	R_USERS_GROUPS_BY_ID,
	R_COUNT
};

struct name_cache {
	unsigned id;
	int valid;
	int pinned; /* looked up before the chroot: never evicted */
	char name[33];
};

struct sftp_server {
	const struct sftp_settings *st;
	int rootfd;
	int host_root;
	int inited;
	int strict; /* permissions differ by directory: links resolved first */
	int names;
	char cwd[SFTP_PATH_MAX];
	char home[SFTP_PATH_MAX]; /* virtual home for "~" and home-directory */
	uint32_t max_packet, max_rw;
	struct handle *h;
	uint32_t nh;
	uint64_t allow, deny; /* request bitmasks */
	int allow_set;
	struct wbuf out;
	struct name_cache users[8], groups[8];
	unsigned ucache_next, gcache_next;
	int64_t q_pool; /* quota bytes reserved and not yet given to an upload */
	int q_writers;  /* counted uploads open */
	const struct sftp_objstore *obj; /* NULL: the local file system */
};

/* A client path, normalised; err != 0 when it cannot be (reply with it). */
struct vpath {
	char p[SFTP_PATH_MAX];
	int err;
	/* The client wrote "x/" or "x/.": like the kernel, the last component is
	 * then resolved as a directory (a symlink to one is followed). */
	int dir_syntax;
};

/* Decoding helpers: -1 = malformed packet (reply BAD_MESSAGE). */
int get_vpath(struct sftp_server *s, struct rbuf *r, struct vpath *v);
struct handle *get_handle(struct sftp_server *s, struct rbuf *r, enum handle_kind kind,
                          int *bad);

/*
 * Where permissions differ by directory, a symlink must not lead around them: the
 * path is resolved to its link-free form (last component too when follow_last),
 * checked there, and every open then refuses symlinks. v->err on failure.
 */
void vpath_resolve(struct sftp_server *s, struct vpath *v, int follow_last);
/* The same resolution whatever the rules (scp's loop check needs it always). */
void vpath_follow(struct sftp_server *s, struct vpath *v, int follow_last);

/*
 * Every path of the engine reaches the file system through these: the root is the
 * home, or the virtual folder with the longest prefix (path_pick_root), and *sub
 * the path under it. srv_root returns that root's fd, or -1 with ENOENT when the
 * folder's mapped_path is missing; *folder gets the folder index (-1: the home).
 */
int srv_root(struct sftp_server *s, const char *vpath, const char **sub, int *folder);
int srv_open(struct sftp_server *s, const char *vpath, int flags, mode_t mode);
/* For the folder's own virtual path this fails with EPERM: its entry is not ours. */
int srv_open_parent(struct sftp_server *s, const char *vpath, const char **base);

/* Replies */
int reply_ok(struct sftp_server *s, uint32_t id);
int reply_errno(struct sftp_server *s, uint32_t id, int err);
int reply_status(struct sftp_server *s, uint32_t id, uint32_t code, const char *msg);
int reply_denied(struct sftp_server *s, uint32_t id, const char *op, const char *vpath);
uint32_t errno_to_status(int err);
/*
 * The one extension filter check (sftp/filters.h) of every request that moves a
 * file's data or name: 1 (and a warn log line saying why) when vpath is denied;
 * the caller answers SSH_FX_PERMISSION_DENIED.
 */
int filter_denies(struct sftp_server *s, const char *op, const char *vpath);

/* After a READ or WRITE moved data: a progress event at most once a second
 * (PROGRESS_MS), then the per-transfer bandwidth limit (SFTPGo's) sleeps. */
#define PROGRESS_MS 1000
void transfer_throttle(struct sftp_server *s, struct handle *h, uint32_t kbps);
/* The handle's last progress event (done) before its transfer event. */
void transfer_progress_done(const struct sftp_server *s, const struct handle *h);

/* Handles */
struct handle *handle_alloc(struct sftp_server *s, enum handle_kind kind,
                            const char *vpath);
int handle_reply(struct sftp_server *s, uint32_t id, const struct handle *h);
void handle_release(struct handle *h);
/* Ends a file handle: clean (ok = 1) or as after an error/disconnect. 0 or errno. */
int file_finish(struct sftp_server *s, struct handle *h, int ok, const char *why);

const char *user_name(struct sftp_server *s, unsigned uid);
const char *group_name(struct sftp_server *s, unsigned gid);

/* Handlers: return 0 when a reply was queued, -1 for a malformed packet. */
typedef int (*sftp_handler_fn)(struct sftp_server *s, uint32_t id, struct rbuf *r);

/* Object stores (sftp/ops_obj.c): the handler replacing request idx's, or NULL. */
sftp_handler_fn obj_handler(unsigned idx);
int obj_file_finish(struct sftp_server *s, struct handle *h, int ok, const char *why);
void obj_handle_release(struct handle *h);
/* Before the engine blocks on in: a read-ahead under way moves on until in is
 * readable (or it is over, or *stop). 1 if there was one. */
int obj_idle(struct sftp_server *s, int in, const volatile sig_atomic_t *stop);
int h_open(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_close(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_read(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_write(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_fstat(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_fsetstat(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_fsync(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_fstatvfs(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_copy_data(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_lstat(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_stat(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_setstat(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_lsetstat(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_opendir(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_readdir(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_remove(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_mkdir(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_rmdir(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_realpath(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_rename(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_posix_rename(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_readlink(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_symlink(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_hardlink(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_statvfs(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_limits(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_expand_path(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_home_directory(struct sftp_server *s, uint32_t id, struct rbuf *r);
int h_users_groups(struct sftp_server *s, uint32_t id, struct rbuf *r);

/* Shared by setstat and fsetstat: applies attrs to fd (an O_PATH fd for paths). */
int apply_attrs(struct sftp_server *s, uint32_t id, int fd, int opath, const char *vpath,
                const struct sftp_attrs *a, int nofollow);
/* Reply an EXTENDED_REPLY with a statvfs of fd. */
int reply_statvfs(struct sftp_server *s, uint32_t id, int fd);

#endif
