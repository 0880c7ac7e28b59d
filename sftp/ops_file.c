/* SPDX-License-Identifier: BSD-2-Clause */
/* File handles: OPEN, READ, WRITE, CLOSE and the handle-based requests. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "sftp/events.h"
#include "sftp/perms.h"
#include "sftp/proto.h"
#include "sftp/quota.h"
#include "sftp/quota_int.h"
#include "sftp/server_int.h"

#define TMP_PREFIX ".sftpgo-upload."

static int
reply_bad_handle(struct sftp_server *s, uint32_t id)
{
	return reply_status(s, id, SSH_FX_FAILURE, "Invalid handle");
}

static void
handle_set_error(struct handle *h, int err)
{
	h->failed = 1;
	if (h->err[0] == '\0')
		strlcpy(h->err, strerror(err), sizeof(h->err));
}

/*
 * Decodes a handle for a request that has nothing else: NULL with *rc set when
 * the caller must return (malformed packet or unknown handle already answered).
 */
static struct handle *
only_handle(struct sftp_server *s, uint32_t id, struct rbuf *r, enum handle_kind kind,
            int *rc)
{
	int bad;
	struct handle *h = get_handle(s, r, kind, &bad);

	*rc = bad ? -1 : h == NULL ? reply_bad_handle(s, id) : 0;
	return bad ? NULL : h;
}

/* ---- OPEN ---- */

/*
 * CREAT, TRUNC, EXCL and APPEND only mean something with WRITE: without it they are
 * ignored, so a read-only open can never create or truncate (Linux would truncate
 * on O_RDONLY|O_TRUNC) behind the download permission.
 */
static int
open_flags(uint32_t pflags)
{
	int fl;

	if (!(pflags & SSH_FXF_WRITE))
		return O_RDONLY;
	fl = (pflags & SSH_FXF_READ) ? O_RDWR : O_WRONLY;
	if (pflags & SSH_FXF_CREAT)
		fl |= O_CREAT;
	if (pflags & SSH_FXF_TRUNC)
		fl |= O_TRUNC;
	if (pflags & SSH_FXF_EXCL)
		fl |= O_EXCL;
	if (pflags & SSH_FXF_APPEND)
		fl |= O_APPEND;
	return fl;
}

/*
 * Files are opened with O_NONBLOCK so a FIFO cannot hang the worker; only regular
 * files and directories are served (O_NONBLOCK has no effect on regular files).
 */
static int
check_opened(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return errno;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return EPERM;
	return 0;
}

/* Copies rlen bytes (0: to the end) between descriptors, append or at woff. */
static int
copy_range(int in, uint64_t roff, uint64_t rlen, int out, uint64_t woff, int append,
           uint64_t *copied)
{
	char buf[65536];

	*copied = 0;
	while (rlen == 0 || *copied < rlen) {
		size_t want = sizeof(buf);
		ssize_t n;
		if (rlen != 0 && rlen - *copied < want)
			want = (size_t)(rlen - *copied);
		n = pread(in, buf, want, (off_t)(roff + *copied));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return 0;
		for (ssize_t done = 0; done < n;) {
			ssize_t w =
			    append ? write(out, buf + done, (size_t)(n - done))
			           : pwrite(out, buf + done, (size_t)(n - done),
			                    (off_t)(woff + *copied + (uint64_t)done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return w < 0 ? errno : ENOSPC;
			done += w;
		}
		*copied += (uint64_t)n;
	}
	return 0;
}

/* Copies the existing content into the temp file (resume in atomic modes). */
static int
copy_existing(int from, int to)
{
	off_t off = 0;
	uint64_t copied;

	for (;;) {
		ssize_t n = copy_file_range(from, NULL, to, NULL, 1 << 30, 0);
		if (n > 0) {
			off += n;
			continue;
		}
		if (n == 0)
			return 0;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS &&
		    errno != EOPNOTSUPP)
			return errno;
		break;
	}
	/* Fallback: plain copy from where copy_file_range stopped. */
	return copy_range(from, (uint64_t)off, 0, to, (uint64_t)off, 0, &copied);
}

static int
make_tmpname(const char *base, char **out)
{
	uint8_t rnd[8];
	char name[256];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return errno != 0 ? errno : EIO;
	/* NAME_MAX is 255: keep the prefix and the random part, cut the base. */
	snprintf(name, sizeof(name), TMP_PREFIX "%02x%02x%02x%02x%02x%02x%02x%02x.%s",
	         rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7], base);
	*out = strdup(name);
	return *out != NULL ? 0 : ENOMEM;
}

/*
 * Atomic upload: a fresh temp file in the target's directory; when the open does
 * not truncate an existing file, its content is copied first so resume and random
 * writes behave as on the file itself. The target is untouched until close.
 */
static int
open_atomic(struct sftp_server *s, struct handle *h, int fl, mode_t mode,
            const struct stat *existing)
{
	const char *base;
	int err, accmode = (fl & O_ACCMODE) == O_RDWR ? O_RDWR : O_WRONLY;

	h->parentfd = srv_open_parent(s, h->vpath, &base);
	if (h->parentfd < 0)
		return errno;
	if ((h->base = strdup(base)) == NULL)
		return ENOMEM;
	if ((err = make_tmpname(base, &h->tmpname)) != 0)
		return err;
	h->fd = openat(h->parentfd, h->tmpname,
	               accmode | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (h->fd < 0) {
		err = errno;
		free(h->tmpname);
		h->tmpname = NULL;
		return err;
	}
	/*
	 * Replacing a file keeps its permission bits, as writing into it would (minus
	 * set-id bits, which the kernel drops on a write too); the umask is for new
	 * files.
	 */
	if (existing != NULL && fchmod(h->fd, existing->st_mode & 0777) != 0)
		return errno;
	if (existing != NULL && !(fl & O_TRUNC) && existing->st_size > 0) {
		int src = srv_open(s, h->vpath, O_RDONLY | O_NONBLOCK, 0);
		if (src < 0)
			return errno;
		err = copy_existing(src, h->fd);
		close(src);
		if (err != 0)
			return err;
	}
	if ((fl & O_APPEND) && fcntl(h->fd, F_SETFL, O_APPEND) != 0)
		return errno;
	return 0;
}

/* Permission of an open: download to read, upload to write, overwrite if it exists. */
static int
open_allowed(struct sftp_server *s, const char *vpath, int fl, int exists)
{
	const struct perm_table *t = &s->st->perms;
	int acc = fl & O_ACCMODE;

	if ((acc == O_RDONLY || acc == O_RDWR) &&
	    !perm_has_parent(t, vpath, PERM_DOWNLOAD))
		return 0;
	if (acc == O_WRONLY || acc == O_RDWR) {
		if (!perm_has_parent(t, vpath, PERM_UPLOAD))
			return 0;
		if (exists && !perm_has_parent(t, vpath, PERM_OVERWRITE))
			return 0;
	}
	return 1;
}

static int
open_existing_stat(struct sftp_server *s, const char *vpath, struct stat *st)
{
	int fd = srv_open(s, vpath, O_PATH, 0);

	if (fd < 0)
		return errno;
	if (fstat(fd, st) != 0) {
		int err = errno;
		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

static int
open_direct(struct sftp_server *s, struct handle *h, int fl, mode_t mode)
{
	h->fd = srv_open(s, h->vpath, fl | O_NONBLOCK, mode);
	return h->fd < 0 ? errno : check_opened(h->fd);
}

/*
 * The common case (plain writes where upload and overwrite are both allowed, or a
 * read) needs no lookup before the open: one openat2 per file.
 */
static int
open_needs_lookup(struct sftp_server *s, const char *vpath, int fl)
{
	unsigned need = PERM_UPLOAD | PERM_OVERWRITE;

	if ((fl & O_ACCMODE) == O_RDONLY && !(fl & (O_CREAT | O_TRUNC)))
		return 0;
	if ((fl & O_ACCMODE) == O_RDWR)
		need |= PERM_DOWNLOAD;
	/* a counted upload needs the target's size before (sftp/quota.c) */
	return s->st->upload_mode != 0 || quota_on(s) ||
	       !perm_has_parent(&s->st->perms, vpath, need);
}

static int
start_file(struct sftp_server *s, uint32_t id, const char *vpath, uint32_t pflags, int fl,
           mode_t mode, const struct stat *existing)
{
	int writing = (fl & O_ACCMODE) != O_RDONLY, err;
	struct handle *h = handle_alloc(s, H_FILE, vpath);

	if (h == NULL)
		return reply_status(s, id, SSH_FX_FAILURE, "Too many open handles");
	h->pflags = pflags;
	h->writing = writing;
	h->reading = (fl & O_ACCMODE) != O_WRONLY;
	if (writing && (existing == NULL || S_ISREG(existing->st_mode)) &&
	    (err = quota_open(s, h, existing)) != 0) {
		handle_release(h);
		return reply_errno(s, id, err);
	}
	if (writing && s->st->upload_mode != 0 &&
	    (existing == NULL || S_ISREG(existing->st_mode))) {
		err = open_atomic(s, h, fl, mode, existing);
		if (err != 0 && h->tmpname != NULL && h->parentfd >= 0)
			unlinkat(h->parentfd, h->tmpname, 0);
	} else {
		err = open_direct(s, h, fl, mode);
	}
	if (err != 0) {
		quota_finish(s, h, -1);
		handle_release(h);
		if (err == EISDIR && writing)
			return reply_status(s, id, SSH_FX_OP_UNSUPPORTED,
			                    "Is a directory");
		return reply_errno(s, id, err);
	}
	log_debug("open \"%s\" flags 0x%x", vpath, pflags);
	return handle_reply(s, id, h);
}

static int
do_open(struct sftp_server *s, uint32_t id, const char *vpath, uint32_t pflags,
        const struct sftp_attrs *a)
{
	int fl = open_flags(pflags), writing = (fl & O_ACCMODE) != O_RDONLY, err;
	mode_t mode =
	    (a->flags & SSH_FILEXFER_ATTR_PERMISSIONS) ? (a->perm & 0777) : 0666;
	struct stat st;
	int exists;

	if (s->st->read_only && (writing || (fl & (O_CREAT | O_TRUNC))))
		return reply_denied(s, id, "open", vpath);
	if (vpath[1] == '\0' && writing)
		return reply_status(s, id, SSH_FX_OP_UNSUPPORTED, "Is a directory");
	if (!open_needs_lookup(s, vpath, fl)) {
		if (!open_allowed(s, vpath, fl, 1))
			return reply_denied(s, id, "download", vpath);
		return start_file(s, id, vpath, pflags, fl, mode, NULL);
	}
	err = open_existing_stat(s, vpath, &st);
	if (err != 0 && err != ENOENT)
		return reply_errno(s, id, err);
	exists = err == 0;
	if (!open_allowed(s, vpath, fl, exists))
		return reply_denied(s, id, writing ? "upload" : "download", vpath);
	if (exists && S_ISDIR(st.st_mode) && writing)
		return reply_status(s, id, SSH_FX_OP_UNSUPPORTED, "Is a directory");
	if (exists && (fl & O_CREAT) && (fl & O_EXCL))
		return reply_errno(s, id, EEXIST);
	if (!exists && !(fl & O_CREAT))
		return reply_errno(s, id, ENOENT);
	return start_file(s, id, vpath, pflags, fl, mode, exists ? &st : NULL);
}

int
h_open(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	struct vpath v;
	uint32_t pflags;
	struct sftp_attrs a;

	if (get_vpath(s, r, &v) != 0 || rbuf_get_u32(r, &pflags) != 0 ||
	    sftp_attrs_decode(r, &a) != 0)
		return -1;
	/* The name the client gave and the one a link leads to both pass the filter. */
	if (v.err == 0 && filter_denies(s, "open", v.p))
		return reply_status(s, id, SSH_FX_PERMISSION_DENIED, "Permission denied");
	vpath_resolve(s, &v, 1);
	if (v.err != 0)
		return reply_errno(s, id, v.err);
	if (filter_denies(s, "open", v.p))
		return reply_status(s, id, SSH_FX_PERMISSION_DENIED, "Permission denied");
	return do_open(s, id, v.p, pflags, &a);
}

/* ---- CLOSE and the end of a transfer ---- */

/* Atomic uploads: rename the temp over the target, or drop it (mode 1 error). */
static int
finish_atomic(struct sftp_server *s, struct handle *h, int ok)
{
	int err = 0;

	if (ok || s->st->upload_mode == 2) {
		if (renameat(h->parentfd, h->tmpname, h->parentfd, h->base) != 0) {
			err = errno;
			unlinkat(h->parentfd, h->tmpname, 0);
		}
	} else {
		unlinkat(h->parentfd, h->tmpname, 0);
	}
	return err;
}

static const char *
transfer_sender(const struct handle *h)
{
	return h->writing ? "Upload" : "Download";
}

int
file_finish(struct sftp_server *s, struct handle *h, int ok, const char *why)
{
	int err = 0, placed = 1;
	struct stat fst;
	int64_t final = -1; /* the upload's size, for the quota */

	if (s->obj != NULL)
		return obj_file_finish(s, h, ok, why);
	if (!ok && !h->failed) {
		h->failed = 1;
		strlcpy(h->err, why, sizeof(h->err));
	}
	if (h->failed)
		ok = 0;
	if (h->q_on && fstat(h->fd, &fst) == 0)
		final = (int64_t)fst.st_size;
	if (close(h->fd) != 0 && h->writing) {
		err = errno;
		handle_set_error(h, err);
		ok = 0;
	}
	h->fd = -1;
	if (h->tmpname != NULL) {
		int rerr = finish_atomic(s, h, ok);
		/* what each upload_mode leaves in place: the temp renamed or not */
		placed = rerr == 0 && (ok || s->st->upload_mode == 2);
		if (rerr != 0) {
			handle_set_error(h, rerr);
			if (err == 0)
				err = rerr;
		}
	}
	quota_finish(s, h, placed ? final : -1);
	transfer_progress_done(s, h);
	ev_transfer(transfer_sender(h), h->vpath, h->bytes, elapsed_ms(&h->start),
	            !h->failed, h->failed ? h->err : "");
	handle_release(h);
	return err;
}

int
h_close(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	int rc, err;
	struct handle *h = only_handle(s, id, r, H_FREE, &rc);

	if (h == NULL)
		return rc;
	if (h->kind == H_DIR) {
		handle_release(h);
		return reply_ok(s, id);
	}
	err = file_finish(s, h, 1, "");
	return err != 0 ? reply_errno(s, id, err) : reply_ok(s, id);
}

/* ---- READ and WRITE: the data path, no copies beyond the kernel's ---- */

/*
 * Bandwidth limits as SFTPGo 0.9.6 (handleThrottle): per transfer (handle), KB =
 * 1000 bytes, expected_ms = 1000 * floor(bytes / 1000) / limit since the open; the
 * worker sleeps the difference inside the READ or WRITE (the worker serves one
 * channel of one user: nobody else is held up).
 */
void
transfer_progress_done(const struct sftp_server *s, const struct handle *h)
{
	if (h->progress_sent)
		ev_progress((uint32_t)(h - s->h), transfer_sender(h), h->vpath, h->bytes,
		            elapsed_ms(&h->start), 1);
}

void
transfer_throttle(struct sftp_server *s, struct handle *h, uint32_t kbps)
{
	int64_t want_ms, el;
	struct timespec ts;

	if (!h->progress_sent || elapsed_ms(&h->progress_at) >= PROGRESS_MS) {
		clock_gettime(CLOCK_MONOTONIC, &h->progress_at);
		h->progress_sent = 1;
		ev_progress((uint32_t)(h - s->h), transfer_sender(h), h->vpath, h->bytes,
		            elapsed_ms(&h->start), 0);
	}
	if (kbps == 0)
		return;
	want_ms = (int64_t)(h->bytes / 1000u * 1000u / kbps);
	el = elapsed_ms(&h->start);
	if (want_ms <= el)
		return;
	ts.tv_sec = (time_t)((want_ms - el) / 1000);
	ts.tv_nsec = (long)((want_ms - el) % 1000) * 1000000L;
	nanosleep(&ts, NULL); /* a signal cuts it short: the session is ending */
}

int
h_read(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	int bad;
	struct handle *h = get_handle(s, r, H_FILE, &bad);
	uint64_t off;
	uint32_t len;
	struct wbuf *w = &s->out;
	size_t start, lenpos;
	ssize_t n;

	if (bad || rbuf_get_u64(r, &off) != 0 || rbuf_get_u32(r, &len) != 0)
		return -1;
	if (h == NULL)
		return reply_bad_handle(s, id);
	if (off > (uint64_t)INT64_MAX)
		return reply_status(s, id, SSH_FX_EOF, "End of file");
	if (len > s->max_rw)
		len = s->max_rw;
	start = sftp_reply_begin(w, SSH_FXP_DATA, id);
	lenpos = w->len;
	wbuf_put_u32(w, 0);
	if (wbuf_reserve(w, len) != 0)
		return -1;
	do
		n = pread(h->fd, w->p + w->len, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		int err = errno;
		w->len = start;
		if (n == 0)
			return reply_status(s, id, SSH_FX_EOF, "End of file");
		return reply_errno(s, id, err);
	}
	w->len += (size_t)n;
	wbuf_patch_u32(w, lenpos, (uint32_t)n);
	h->bytes += (uint64_t)n;
	transfer_throttle(s, h, s->st->download_bandwidth);
	return sftp_reply_end(w, start);
}

/* Where a write ends: O_APPEND writes at the end whatever the offset says. */
static uint64_t
write_end(const struct handle *h, uint64_t off, uint32_t len)
{
	struct stat st;

	if ((h->pflags & SSH_FXF_APPEND) && fstat(h->fd, &st) == 0 &&
	    (uint64_t)st.st_size > off)
		off = (uint64_t)st.st_size;
	return off + len;
}

int
h_write(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	int bad;
	struct handle *h = get_handle(s, r, H_FILE, &bad);
	uint64_t off;
	const uint8_t *data;
	uint32_t len, done = 0;

	if (bad || rbuf_get_u64(r, &off) != 0 ||
	    rbuf_get_string(r, &data, &len, s->max_packet) != 0)
		return -1;
	if (h == NULL)
		return reply_bad_handle(s, id);
	if (!h->writing)
		return reply_status(s, id, SSH_FX_FAILURE, "Handle not open for writing");
	if (off > (uint64_t)INT64_MAX - len) {
		handle_set_error(h, EFBIG);
		return reply_status(s, id, SSH_FX_FAILURE, "Offset too large");
	}
	if (h->q_on && quota_grow(s, h, write_end(h, off, len)) != 0) {
		/* the upload ends in error, as a full disk would end it */
		handle_set_error(h, EDQUOT);
		strlcpy(h->err, SFTP_QUOTA_MSG, sizeof(h->err));
		return reply_errno(s, id, EDQUOT);
	}
	while (done < len) {
		ssize_t n = pwrite(h->fd, data + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : ENOSPC;
			handle_set_error(h, err);
			log_info("write \"%s\": %s", h->vpath, strerror(err));
			return reply_errno(s, id, err);
		}
		done += (uint32_t)n;
	}
	h->bytes += len;
	transfer_throttle(s, h, s->st->upload_bandwidth);
	return reply_ok(s, id);
}

/* ---- other handle requests ---- */

static int
handle_fd(const struct handle *h)
{
	return h->kind == H_DIR ? dirfd(h->dir) : h->fd;
}

int
h_fstat(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	int rc;
	struct handle *h = only_handle(s, id, r, H_FREE, &rc);
	struct stat st;
	struct sftp_attrs a;

	if (h == NULL)
		return rc;
	if (fstat(handle_fd(h), &st) != 0)
		return reply_errno(s, id, errno);
	sftp_attrs_from_stat(&a, &st);
	return sftp_reply_attrs(&s->out, id, &a);
}

int
h_fsetstat(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	int bad;
	struct handle *h = get_handle(s, r, H_FREE, &bad);
	struct sftp_attrs a;

	if (bad || sftp_attrs_decode(r, &a) != 0)
		return -1;
	if (h == NULL)
		return reply_bad_handle(s, id);
	return apply_attrs(s, id, handle_fd(h), 0, h->vpath, &a, 0);
}

int
h_fsync(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	int rc;
	struct handle *h = only_handle(s, id, r, H_FILE, &rc);

	if (h == NULL)
		return rc;
	if (fsync(h->fd) != 0)
		return reply_errno(s, id, errno);
	return reply_ok(s, id);
}

int
h_fstatvfs(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	int rc;
	struct handle *h = only_handle(s, id, r, H_FREE, &rc);

	return h == NULL ? rc : reply_statvfs(s, id, handle_fd(h));
}

/*
 * Whether a copy would read bytes it has itself written: then "to the end"
 * (rlen 0) never ends, and a bounded length reads its own output over and over.
 * The same file can hide behind two handles or a hard link, and an append handle
 * writes at the end whatever offset it is given. OpenSSH compares handles only.
 */
static int
copy_reads_own_output(const struct handle *rh, uint64_t roff, uint64_t rlen,
                      const struct handle *wh, uint64_t woff)
{
	struct stat rst, wst;

	if (fstat(rh->fd, &rst) != 0 || fstat(wh->fd, &wst) != 0)
		return 1;
	if (rst.st_dev != wst.st_dev || rst.st_ino != wst.st_ino)
		return 0;
	if (wh->pflags & SSH_FXF_APPEND)
		woff = (uint64_t)wst.st_size;
	if (rlen == 0 || woff > (uint64_t)INT64_MAX - rlen)
		return 1;
	return roff < woff + rlen && woff < roff + rlen;
}

int
h_copy_data(struct sftp_server *s, uint32_t id, struct rbuf *r)
{
	int bad1, bad2, err;
	struct handle *rh = get_handle(s, r, H_FILE, &bad1), *wh;
	uint64_t roff, rlen, woff, copied;

	if (bad1 || rbuf_get_u64(r, &roff) != 0 || rbuf_get_u64(r, &rlen) != 0)
		return -1;
	wh = get_handle(s, r, H_FILE, &bad2);
	if (bad2 || rbuf_get_u64(r, &woff) != 0)
		return -1;
	if (rh == NULL || wh == NULL)
		return reply_bad_handle(s, id);
	if (!rh->reading || !wh->writing)
		return reply_status(s, id, SSH_FX_FAILURE,
		                    "Handle has the wrong access mode");
	if (roff > (uint64_t)INT64_MAX || woff > (uint64_t)INT64_MAX ||
	    rlen > (uint64_t)INT64_MAX - roff || rlen > (uint64_t)INT64_MAX - woff)
		return reply_status(s, id, SSH_FX_FAILURE, "Offset too large");
	if (copy_reads_own_output(rh, roff, rlen, wh, woff))
		return reply_status(s, id, SSH_FX_FAILURE, "Overlapping copy");
	if (wh->q_on && s->st->quota_size > 0) {
		/* the copy's end bounds the growth (to the source's end when 0) */
		struct stat rst;
		uint64_t n = rlen;
		if (n == 0 && fstat(rh->fd, &rst) == 0 && (uint64_t)rst.st_size > roff)
			n = (uint64_t)rst.st_size - roff;
		if ((wh->pflags & SSH_FXF_APPEND) && fstat(wh->fd, &rst) == 0)
			woff = (uint64_t)rst.st_size;
		if (quota_grow(s, wh, woff + n) != 0)
			return reply_errno(s, id, EDQUOT);
	}
	err = copy_range(rh->fd, roff, rlen, wh->fd, woff,
	                 (wh->pflags & SSH_FXF_APPEND) != 0, &copied);
	rh->bytes += copied;
	wh->bytes += copied;
	if (err != 0) {
		handle_set_error(wh, err);
		return reply_errno(s, id, err);
	}
	return reply_ok(s, id);
}
