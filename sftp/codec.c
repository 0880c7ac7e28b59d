/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <string.h>

#include "sftp/codec.h"
#include "sftp/proto.h"

int
sftp_frame_check(const uint8_t *buf, size_t avail, uint32_t max_packet, uint32_t *plen)
{
	uint32_t n;

	if (avail < 4)
		return 0;
	n = peek_u32(buf);
	if (n == 0 || n > max_packet)
		return -1;
	if (avail - 4 < n)
		return 0;
	*plen = n;
	return 1;
}

int
sftp_attrs_decode(struct rbuf *r, struct sftp_attrs *a)
{
	uint32_t count;
	const uint8_t *s;
	uint32_t slen;

	memset(a, 0, sizeof(*a));
	if (rbuf_get_u32(r, &a->flags) != 0)
		return -1;
	if ((a->flags & SSH_FILEXFER_ATTR_SIZE) && rbuf_get_u64(r, &a->size) != 0)
		return -1;
	if ((a->flags & SSH_FILEXFER_ATTR_UIDGID) &&
	    (rbuf_get_u32(r, &a->uid) != 0 || rbuf_get_u32(r, &a->gid) != 0))
		return -1;
	if ((a->flags & SSH_FILEXFER_ATTR_PERMISSIONS) && rbuf_get_u32(r, &a->perm) != 0)
		return -1;
	if ((a->flags & SSH_FILEXFER_ATTR_ACMODTIME) &&
	    (rbuf_get_u32(r, &a->atime) != 0 || rbuf_get_u32(r, &a->mtime) != 0))
		return -1;
	if (a->flags & SSH_FILEXFER_ATTR_EXTENDED) {
		if (rbuf_get_u32(r, &count) != 0)
			return -1;
		/* Each pair takes at least 8 bytes: bounds the loop by the packet. */
		if (count > rbuf_left(r) / 8)
			return -1;
		for (uint32_t i = 0; i < count; i++) {
			if (rbuf_get_string(r, &s, &slen, UINT32_MAX) != 0 ||
			    rbuf_get_string(r, &s, &slen, UINT32_MAX) != 0)
				return -1;
		}
	}
	return 0;
}

int
sftp_attrs_encode(struct wbuf *w, const struct sftp_attrs *a)
{
	uint32_t f = a->flags & ~SSH_FILEXFER_ATTR_EXTENDED;

	wbuf_put_u32(w, f);
	if (f & SSH_FILEXFER_ATTR_SIZE)
		wbuf_put_u64(w, a->size);
	if (f & SSH_FILEXFER_ATTR_UIDGID) {
		wbuf_put_u32(w, a->uid);
		wbuf_put_u32(w, a->gid);
	}
	if (f & SSH_FILEXFER_ATTR_PERMISSIONS)
		wbuf_put_u32(w, a->perm);
	if (f & SSH_FILEXFER_ATTR_ACMODTIME) {
		wbuf_put_u32(w, a->atime);
		wbuf_put_u32(w, a->mtime);
	}
	return w->failed ? -1 : 0;
}

void
sftp_attrs_from_stat(struct sftp_attrs *a, const struct stat *st)
{
	memset(a, 0, sizeof(*a));
	a->flags = SSH_FILEXFER_ATTR_SIZE | SSH_FILEXFER_ATTR_UIDGID |
	           SSH_FILEXFER_ATTR_PERMISSIONS | SSH_FILEXFER_ATTR_ACMODTIME;
	a->size = st->st_size < 0 ? 0 : (uint64_t)st->st_size;
	a->uid = (uint32_t)st->st_uid;
	a->gid = (uint32_t)st->st_gid;
	a->perm = (uint32_t)st->st_mode;
	/* v3 times are u32 seconds: clamp instead of wrapping. */
	a->atime = st->st_atime < 0            ? 0
	           : st->st_atime > UINT32_MAX ? UINT32_MAX
	                                       : (uint32_t)st->st_atime;
	a->mtime = st->st_mtime < 0            ? 0
	           : st->st_mtime > UINT32_MAX ? UINT32_MAX
	                                       : (uint32_t)st->st_mtime;
}

size_t
sftp_reply_begin_noid(struct wbuf *w, uint8_t type)
{
	size_t off = w->len;

	wbuf_put_u32(w, 0);
	wbuf_put_u8(w, type);
	return off;
}

size_t
sftp_reply_begin(struct wbuf *w, uint8_t type, uint32_t id)
{
	size_t off = sftp_reply_begin_noid(w, type);

	wbuf_put_u32(w, id);
	return off;
}

int
sftp_reply_end(struct wbuf *w, size_t off)
{
	if (w->failed || w->len < off + 4)
		return -1;
	return wbuf_patch_u32(w, off, (uint32_t)(w->len - off - 4));
}

const char *
sftp_status_text(uint32_t code)
{
	static const char *const text[] = {
	    "Success",           "End of file",     "No such file",
	    "Permission denied", "Failure",         "Bad message",
	    "No connection",     "Connection lost", "Operation unsupported",
	};

	if (code < sizeof(text) / sizeof(text[0]))
		return text[code];
	return "Unknown error";
}

int
sftp_reply_status(struct wbuf *w, uint32_t id, uint32_t code, const char *msg)
{
	size_t off = sftp_reply_begin(w, SSH_FXP_STATUS, id);

	wbuf_put_u32(w, code);
	wbuf_put_cstring(w, msg != NULL ? msg : sftp_status_text(code));
	wbuf_put_cstring(w, ""); /* language tag */
	return sftp_reply_end(w, off);
}

int
sftp_reply_handle(struct wbuf *w, uint32_t id, const void *h, size_t hlen)
{
	size_t off = sftp_reply_begin(w, SSH_FXP_HANDLE, id);

	wbuf_put_string(w, h, hlen);
	return sftp_reply_end(w, off);
}

int
sftp_reply_attrs(struct wbuf *w, uint32_t id, const struct sftp_attrs *a)
{
	size_t off = sftp_reply_begin(w, SSH_FXP_ATTRS, id);

	sftp_attrs_encode(w, a);
	return sftp_reply_end(w, off);
}

int
sftp_reply_name1(struct wbuf *w, uint32_t id, const char *name, const char *longname,
                 const struct sftp_attrs *a)
{
	struct sftp_attrs none = {0};
	size_t off = sftp_reply_begin(w, SSH_FXP_NAME, id);

	wbuf_put_u32(w, 1);
	wbuf_put_cstring(w, name);
	wbuf_put_cstring(w, longname);
	sftp_attrs_encode(w, a != NULL ? a : &none);
	return sftp_reply_end(w, off);
}
