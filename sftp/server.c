/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/log.h"
#include "sftp/events.h"
#include "sftp/quota.h"
#include "sftp/perms.h"
#include "sftp/proto.h"
#include "sftp/server_int.h"

/* Reply buffer: starts small and grows (doubling, to OUT_MAX) to hold one full
 * READ reply plus everything queued before a flush. A 1 MiB start cost every
 * short-lived session (and every fuzz input) a large mmap for nothing. */
#define OUT_INITIAL (64u * 1024u)
#define OUT_MAX (16u * 1024u * 1024u)

struct req_entry {
	const char *name;     /* sftp-server's request name (-p, -P, -Q) */
	const char *ext_name; /* SSH_FXP_EXTENDED request name, NULL for plain types */
	uint8_t type;
	sftp_handler_fn fn;
	int does_write;
	const char *ext_version; /* advertised in VERSION */
};

static const struct req_entry reqs[R_COUNT] = {
    [R_OPEN] = {"open", NULL, SSH_FXP_OPEN, h_open, 0, NULL},
    [R_CLOSE] = {"close", NULL, SSH_FXP_CLOSE, h_close, 0, NULL},
    [R_READ] = {"read", NULL, SSH_FXP_READ, h_read, 0, NULL},
    [R_WRITE] = {"write", NULL, SSH_FXP_WRITE, h_write, 1, NULL},
    [R_LSTAT] = {"lstat", NULL, SSH_FXP_LSTAT, h_lstat, 0, NULL},
    [R_FSTAT] = {"fstat", NULL, SSH_FXP_FSTAT, h_fstat, 0, NULL},
    [R_SETSTAT] = {"setstat", NULL, SSH_FXP_SETSTAT, h_setstat, 1, NULL},
    [R_FSETSTAT] = {"fsetstat", NULL, SSH_FXP_FSETSTAT, h_fsetstat, 1, NULL},
    [R_OPENDIR] = {"opendir", NULL, SSH_FXP_OPENDIR, h_opendir, 0, NULL},
    [R_READDIR] = {"readdir", NULL, SSH_FXP_READDIR, h_readdir, 0, NULL},
    [R_REMOVE] = {"remove", NULL, SSH_FXP_REMOVE, h_remove, 1, NULL},
    [R_MKDIR] = {"mkdir", NULL, SSH_FXP_MKDIR, h_mkdir, 1, NULL},
    [R_RMDIR] = {"rmdir", NULL, SSH_FXP_RMDIR, h_rmdir, 1, NULL},
    [R_REALPATH] = {"realpath", NULL, SSH_FXP_REALPATH, h_realpath, 0, NULL},
    [R_STAT] = {"stat", NULL, SSH_FXP_STAT, h_stat, 0, NULL},
    [R_RENAME] = {"rename", NULL, SSH_FXP_RENAME, h_rename, 1, NULL},
    [R_READLINK] = {"readlink", NULL, SSH_FXP_READLINK, h_readlink, 0, NULL},
    [R_SYMLINK] = {"symlink", NULL, SSH_FXP_SYMLINK, h_symlink, 1, NULL},
    [R_POSIX_RENAME] = {"posix-rename", "posix-rename@openssh.com", 0, h_posix_rename, 1,
                        "1"},
    [R_STATVFS] = {"statvfs", "statvfs@openssh.com", 0, h_statvfs, 0, "2"},
    [R_FSTATVFS] = {"fstatvfs", "fstatvfs@openssh.com", 0, h_fstatvfs, 0, "2"},
    [R_HARDLINK] = {"hardlink", "hardlink@openssh.com", 0, h_hardlink, 1, "1"},
    [R_FSYNC] = {"fsync", "fsync@openssh.com", 0, h_fsync, 1, "1"},
    [R_LSETSTAT] = {"lsetstat", "lsetstat@openssh.com", 0, h_lsetstat, 1, "1"},
    [R_LIMITS] = {"limits", "limits@openssh.com", 0, h_limits, 0, "1"},
    [R_EXPAND_PATH] = {"expand-path", "expand-path@openssh.com", 0, h_expand_path, 0,
                       "1"},
    [R_COPY_DATA] = {"copy-data", "copy-data", 0, h_copy_data, 1, "1"},
    [R_HOME_DIRECTORY] = {"home-directory", "home-directory", 0, h_home_directory, 0,
                          "1"},
    [R_USERS_GROUPS_BY_ID] = {"users-groups-by-id", "users-groups-by-id@openssh.com", 0,
                              h_users_groups, 0, "1"},
};

const char *
sftp_request_name(unsigned i)
{
	return i < R_COUNT ? reqs[i].name : NULL;
}

static int
init_home(struct sftp_server *s)
{
	struct passwd *pw;

	if (!s->host_root) {
		strlcpy(s->home, "/", sizeof(s->home));
		return 0;
	}
	/* Plain sftp-server mode: "~" is the invoking user's home, as for sftp-server. */
	pw = getpwuid(getuid());
	if (pw == NULL || pw->pw_dir == NULL ||
	    vpath_normalize("/", pw->pw_dir, strlen(pw->pw_dir), s->home,
	                    sizeof(s->home)) != 0)
		strlcpy(s->home, "/", sizeof(s->home));
	return 0;
}

/* Never more handles than descriptors we can open (sftp-server does the same). */
static uint32_t
clamp_handles(uint32_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur > 16 && want > rl.rlim_cur - 16)
		return (uint32_t)(rl.rlim_cur - 16);
	return want;
}

struct sftp_server *
sftp_server_new(const struct sftp_settings *st, int rootfd, const char *start_dir,
                int host_root, char *err, size_t errlen)
{
	struct sftp_server *s = calloc(1, sizeof(*s));
	const char *sd = start_dir != NULL       ? start_dir
	                 : st->start_dir != NULL ? st->start_dir
	                                         : "/";

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->st = st;
	s->rootfd = rootfd;
	s->host_root = host_root;
	s->max_packet = st->max_packet;
	s->max_rw = st->max_packet - 1024;
	s->nh = clamp_handles(st->max_handles);
	/* Filters judge names: a symlink must not give a file another name either. */
	s->strict = !perm_table_uniform(&st->perms) || st->file_extensions.n > 0;
	if (vpath_normalize("/", sd, strlen(sd), s->cwd, sizeof(s->cwd)) != 0) {
		snprintf(err, errlen, "bad start directory");
		goto fail;
	}
	init_home(s);
	s->h = calloc(s->nh, sizeof(*s->h));
	if (s->h == NULL || wbuf_init(&s->out, OUT_INITIAL, OUT_MAX) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return s;
fail:
	free(s->h);
	wbuf_free(&s->out);
	free(s);
	return NULL;
}

void
sftp_server_set_objstore(struct sftp_server *s, const struct sftp_objstore *o)
{
	s->obj = o;
}

void
sftp_server_set_names(struct sftp_server *s, int on)
{
	s->names = on;
}

static void
pin_name(struct name_cache *c, unsigned *next, unsigned id, const char *name)
{
	if (name == NULL || name[0] == '\0' || strlen(name) >= sizeof(c->name))
		return;
	struct name_cache *e = &c[(*next)++ % 8];
	e->valid = 1;
	e->pinned = 1;
	e->id = id;
	strlcpy(e->name, name, sizeof(e->name));
}

void
sftp_server_pin_names(struct sftp_server *s, unsigned uid, const char *uname,
                      unsigned gid, const char *gname)
{
	pin_name(s->users, &s->ucache_next, uid, uname);
	pin_name(s->groups, &s->gcache_next, gid, gname);
}

static uint64_t
parse_filter(const char *list)
{
	uint64_t mask = 0;
	char *copy = strdup(list), *save = NULL, *tok;

	if (copy == NULL)
		return 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		for (unsigned i = 0; i < R_COUNT; i++)
			if (strcmp(tok, reqs[i].name) == 0)
				mask |= 1ull << i;
	}
	free(copy);
	return mask;
}

int
sftp_server_set_filters(struct sftp_server *s, const char *allow, const char *deny)
{
	if (allow != NULL) {
		s->allow = parse_filter(allow);
		s->allow_set = 1;
	}
	if (deny != NULL)
		s->deny = parse_filter(deny);
	return 0;
}

struct wbuf *
sftp_server_output(struct sftp_server *s)
{
	return &s->out;
}

/* ---- replies ---- */

uint32_t
errno_to_status(int err)
{
	switch (err) {
	case 0:
		return SSH_FX_OK;
	case ENOENT:
	case ENOTDIR:
	case EBADF:
	case ELOOP:
		return SSH_FX_NO_SUCH_FILE;
	case EPERM:
	case EACCES:
	case EFAULT:
		return SSH_FX_PERMISSION_DENIED;
	case ENAMETOOLONG:
	case EINVAL:
		return SSH_FX_BAD_MESSAGE;
	case ENOSYS:
		return SSH_FX_OP_UNSUPPORTED;
	default:
		return SSH_FX_FAILURE;
	}
}

int
reply_status(struct sftp_server *s, uint32_t id, uint32_t code, const char *msg)
{
	return sftp_reply_status(&s->out, id, code, msg);
}

int
reply_ok(struct sftp_server *s, uint32_t id)
{
	return reply_status(s, id, SSH_FX_OK, NULL);
}

int
reply_errno(struct sftp_server *s, uint32_t id, int err)
{
	if (err == EDQUOT) /* the quota (sftp/quota.h), in SFTPGo's words */
		return reply_status(s, id, SSH_FX_FAILURE, SFTP_QUOTA_MSG);
	return reply_status(s, id, errno_to_status(err), strerror(err));
}

int
reply_denied(struct sftp_server *s, uint32_t id, const char *op, const char *vpath)
{
	log_info("%s \"%s\": permission denied", op, vpath);
	return reply_status(s, id, SSH_FX_PERMISSION_DENIED, "Permission denied");
}

int
filter_denies(struct sftp_server *s, const char *op, const char *vpath)
{
	if (ext_filters_allow(&s->st->file_extensions, vpath))
		return 0;
	log_warn("%s \"%s\": denied by the file_extensions filter", op, vpath);
	return 1;
}

/* ---- decoding ---- */

int
get_vpath(struct sftp_server *s, struct rbuf *r, struct vpath *v)
{
	const uint8_t *p;
	uint32_t n;

	if (rbuf_get_string(r, &p, &n, s->max_packet) != 0)
		return -1;
	v->err = 0;
	if (n >= SFTP_PATH_MAX)
		v->err = ENAMETOOLONG;
	else if (vpath_normalize(s->cwd, (const char *)p, n, v->p, sizeof(v->p)) != 0)
		v->err = errno == ENAMETOOLONG ? ENAMETOOLONG : ENOENT;
	if (v->err != 0)
		strlcpy(v->p, "/", sizeof(v->p));
	v->dir_syntax = n > 0 && (p[n - 1] == '/' ||
	                          (p[n - 1] == '.' && (n == 1 || p[n - 2] == '/')));
	return 0;
}

int
srv_root(struct sftp_server *s, const char *vpath, const char **sub, int *folder)
{
	int i = path_pick_root(s->st->folders, s->st->n_folders, vpath, sub);

	if (folder != NULL)
		*folder = i;
	if (i < 0)
		return s->rootfd;
	if (s->st->folders[i].fd < 0) {
		errno = ENOENT;
		return -1;
	}
	return s->st->folders[i].fd;
}

int
srv_open(struct sftp_server *s, const char *vpath, int flags, mode_t mode)
{
	const char *sub;
	int root = srv_root(s, vpath, &sub, NULL);

	return root < 0 ? -1 : path_open_ex(root, sub, flags, mode, s->strict);
}

int
srv_open_parent(struct sftp_server *s, const char *vpath, const char **base)
{
	const char *sub;
	int folder, root = srv_root(s, vpath, &sub, &folder);

	if (folder >= 0 && sub[1] == '\0') {
		errno = EPERM;
		return -1;
	}
	return root < 0 ? -1 : path_open_parent_ex(root, sub, base, s->strict);
}

/* Links are resolved under the root the path lives in, then put back under it. */
void
vpath_follow(struct sftp_server *s, struct vpath *v, int follow_last)
{
	char out[SFTP_PATH_MAX];
	const char *sub;
	int err, folder, root;

	if (v->err != 0)
		return;
	if ((root = srv_root(s, v->p, &sub, &folder)) < 0) {
		v->err = errno;
		return;
	}
	err = path_resolve(root, sub, follow_last || v->dir_syntax, out, sizeof(out));
	if (err == 0 && folder >= 0) {
		char full[SFTP_PATH_MAX];
		const char *fv = s->st->folders[folder].vpath;
		if (snprintf(full, sizeof(full), "%s%s", fv, out[1] ? out : "") >=
		    (int)sizeof(full))
			err = ENAMETOOLONG;
		else
			strlcpy(out, full, sizeof(out));
	}
	if (err != 0)
		v->err = err;
	else
		strlcpy(v->p, out, sizeof(v->p));
}

/* Only with per-directory rules: else the kernel resolves links in the root. */
void
vpath_resolve(struct sftp_server *s, struct vpath *v, int follow_last)
{
	if (s->strict)
		vpath_follow(s, v, follow_last);
}

struct handle *
get_handle(struct sftp_server *s, struct rbuf *r, enum handle_kind kind, int *bad)
{
	const uint8_t *p;
	uint32_t n, idx;

	*bad = 0;
	if (rbuf_get_string(r, &p, &n, 256) != 0) {
		*bad = 1;
		return NULL;
	}
	if (n != 4)
		return NULL;
	idx = peek_u32(p);
	if (idx >= s->nh || s->h[idx].kind == H_FREE)
		return NULL;
	if (kind != H_FREE && s->h[idx].kind != kind)
		return NULL;
	return &s->h[idx];
}

/* ---- handles ---- */

struct handle *
handle_alloc(struct sftp_server *s, enum handle_kind kind, const char *vpath)
{
	for (uint32_t i = 0; i < s->nh; i++) {
		struct handle *h = &s->h[i];
		if (h->kind != H_FREE)
			continue;
		memset(h, 0, sizeof(*h));
		h->vpath = strdup(vpath);
		if (h->vpath == NULL)
			return NULL;
		h->kind = kind;
		h->fd = -1;
		h->parentfd = -1;
		clock_gettime(CLOCK_MONOTONIC, &h->start);
		return h;
	}
	errno = EMFILE;
	return NULL;
}

int
handle_reply(struct sftp_server *s, uint32_t id, const struct handle *h)
{
	uint8_t b[4];

	poke_u32(b, (uint32_t)(h - s->h));
	return sftp_reply_handle(&s->out, id, b, 4);
}

void
handle_release(struct handle *h)
{
	obj_handle_release(h);
	if (h->dir != NULL)
		closedir(h->dir);
	else if (h->fd >= 0)
		close(h->fd);
	if (h->parentfd >= 0)
		close(h->parentfd);
	free(h->vpath);
	free(h->tmpname);
	free(h->base);
	memset(h, 0, sizeof(*h));
	h->fd = -1;
	h->parentfd = -1;
	h->kind = H_FREE;
}

/* ---- user and group names (no NSS inside a chroot: only pinned names there) ---- */

static struct name_cache *
find_name(struct name_cache *c, unsigned id)
{
	for (unsigned i = 0; i < 8; i++)
		if (c[i].valid && c[i].id == id)
			return &c[i];
	return NULL;
}

/* A free or unpinned slot, round robin (pinned names are never evicted). */
static struct name_cache *
slot_for(struct name_cache *c, unsigned *next)
{
	for (unsigned i = 0; i < 8; i++) {
		struct name_cache *e = &c[(*next)++ % 8];
		if (!e->pinned)
			return e;
	}
	return NULL;
}

static const char *
cached_name(struct sftp_server *s, struct name_cache *c, unsigned *next, unsigned id,
            int user)
{
	struct name_cache *e = find_name(c, id);

	if (e != NULL)
		return e->name[0] ? e->name : NULL;
	if (!s->names || (e = slot_for(c, next)) == NULL)
		return NULL;
	e->valid = 1;
	e->id = id;
	e->name[0] = '\0';
	if (user) {
		struct passwd *pw = getpwuid((uid_t)id);
		if (pw != NULL && pw->pw_name != NULL)
			strlcpy(e->name, pw->pw_name, sizeof(e->name));
	} else {
		struct group *gr = getgrgid((gid_t)id);
		if (gr != NULL && gr->gr_name != NULL)
			strlcpy(e->name, gr->gr_name, sizeof(e->name));
	}
	return e->name[0] ? e->name : NULL;
}

const char *
user_name(struct sftp_server *s, unsigned uid)
{
	return cached_name(s, s->users, &s->ucache_next, uid, 1);
}

const char *
group_name(struct sftp_server *s, unsigned gid)
{
	return cached_name(s, s->groups, &s->gcache_next, gid, 0);
}

/* ---- dispatch ---- */

static int
process_init(struct sftp_server *s, struct rbuf *r)
{
	uint32_t version;
	size_t off;

	if (rbuf_get_u32(r, &version) != 0)
		return -1;
	log_debug("client version %u", version);
	off = sftp_reply_begin_noid(&s->out, SSH_FXP_VERSION);
	wbuf_put_u32(&s->out, SFTP_VERSION);
	for (unsigned i = 0; i < R_COUNT; i++) {
		if (reqs[i].ext_name == NULL)
			continue;
		wbuf_put_cstring(&s->out, reqs[i].ext_name);
		wbuf_put_cstring(&s->out, reqs[i].ext_version);
	}
	s->inited = 1;
	return sftp_reply_end(&s->out, off);
}

static int
request_permitted(struct sftp_server *s, unsigned i)
{
	uint64_t bit = 1ull << i;

	if (s->st->read_only && reqs[i].does_write) {
		log_info("refusing %s request in read-only mode", reqs[i].name);
		return 0;
	}
	if (s->deny & bit) {
		log_info("refusing denied %s request", reqs[i].name);
		return 0;
	}
	if (s->allow_set && !(s->allow & bit)) {
		log_info("refusing %s request: not in the allowed list", reqs[i].name);
		return 0;
	}
	return 1;
}

static int
find_request(uint8_t type, struct rbuf *r, unsigned *idx)
{
	const uint8_t *name;
	uint32_t n;

	if (type != SSH_FXP_EXTENDED) {
		for (unsigned i = 0; i < R_COUNT; i++)
			if (reqs[i].ext_name == NULL && reqs[i].type == type) {
				*idx = i;
				return 0;
			}
		return 1;
	}
	if (rbuf_get_string(r, &name, &n, 256) != 0)
		return -1;
	for (unsigned i = 0; i < R_COUNT; i++)
		if (reqs[i].ext_name != NULL && strlen(reqs[i].ext_name) == n &&
		    memcmp(reqs[i].ext_name, name, n) == 0) {
			*idx = i;
			return 0;
		}
	return 1;
}

int
sftp_process_packet(struct sftp_server *s, const uint8_t *pkt, size_t len)
{
	struct rbuf r;
	uint32_t id;
	unsigned idx = 0;
	int rc;

	if (len < 1 || len > s->max_packet)
		return -1;
	rbuf_init(&r, pkt + 1, len - 1);
	if (pkt[0] == SSH_FXP_INIT) {
		if (s->inited) {
			log_error("INIT received twice");
			return -1;
		}
		return process_init(s, &r);
	}
	if (!s->inited) {
		log_error("request type %u before INIT", pkt[0]);
		return -1;
	}
	if (rbuf_get_u32(&r, &id) != 0) {
		log_error("packet type %u without a request id", pkt[0]);
		return -1;
	}
	rc = find_request(pkt[0], &r, &idx);
	if (rc < 0)
		return reply_status(s, id, SSH_FX_BAD_MESSAGE, "Bad message");
	if (rc > 0) {
		log_info("unsupported request type %u", pkt[0]);
		return reply_status(s, id, SSH_FX_OP_UNSUPPORTED,
		                    "Operation unsupported");
	}
	if (!request_permitted(s, idx))
		return reply_status(s, id, SSH_FX_PERMISSION_DENIED, "Permission denied");
	sftp_handler_fn fn =
	    s->obj != NULL && obj_handler(idx) != NULL ? obj_handler(idx) : reqs[idx].fn;
	if (fn(s, id, &r) != 0) {
		log_info("malformed %s request", reqs[idx].name);
		return reply_status(s, id, SSH_FX_BAD_MESSAGE, "Bad message");
	}
	return s->out.failed ? -1 : 0;
}

void
sftp_server_shutdown(struct sftp_server *s, const char *reason)
{
	for (uint32_t i = 0; i < s->nh; i++) {
		struct handle *h = &s->h[i];
		if (h->kind == H_FILE)
			file_finish(s, h, 0, reason);
		else if (h->kind == H_DIR)
			handle_release(h);
	}
}

void
sftp_server_free(struct sftp_server *s)
{
	if (s == NULL)
		return;
	sftp_server_shutdown(s, "connection closed");
	free(s->h);
	wbuf_free(&s->out);
	if (s->rootfd >= 0)
		close(s->rootfd);
	free(s);
}
