/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SFTP v3 packet codec: framing of the byte stream, file attributes, and the
 * reply shapes every handler uses. Decoding never reads past the packet (the
 * bounded readers of common/buf.h); encoding fails once the reply would exceed
 * the cap of its wbuf.
 */
#ifndef SFTPGO_SFTP_CODEC_H
#define SFTPGO_SFTP_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "common/buf.h"

struct sftp_attrs {
	uint32_t flags; /* SSH_FILEXFER_ATTR_* */
	uint64_t size;
	uint32_t uid, gid;
	uint32_t perm;
	uint32_t atime, mtime;
};

/*
 * Looks at the start of an input stream: 1 when a whole packet is there (*plen =
 * its length without the 4-byte prefix), 0 when more bytes are needed, -1 when the
 * announced length is 0 or above max_packet (the stream cannot be trusted further).
 */
int sftp_frame_check(const uint8_t *buf, size_t avail, uint32_t max_packet,
                     uint32_t *plen);

/* Reads attributes; extended pairs are checked and skipped. -1 when malformed. */
int sftp_attrs_decode(struct rbuf *r, struct sftp_attrs *a);
int sftp_attrs_encode(struct wbuf *w, const struct sftp_attrs *a);
void sftp_attrs_from_stat(struct sftp_attrs *a, const struct stat *st);

/* Starts a reply packet (length placeholder, type, id); returns its offset. */
size_t sftp_reply_begin(struct wbuf *w, uint8_t type, uint32_t id);
/* Same without the id (VERSION). */
size_t sftp_reply_begin_noid(struct wbuf *w, uint8_t type);
/* Patches the length of the packet started at off; -1 if the buffer failed. */
int sftp_reply_end(struct wbuf *w, size_t off);

int sftp_reply_status(struct wbuf *w, uint32_t id, uint32_t code, const char *msg);
int sftp_reply_handle(struct wbuf *w, uint32_t id, const void *h, size_t hlen);
int sftp_reply_attrs(struct wbuf *w, uint32_t id, const struct sftp_attrs *a);
/* A NAME reply with one entry (REALPATH, READLINK, expand-path...). */
int sftp_reply_name1(struct wbuf *w, uint32_t id, const char *name, const char *longname,
                     const struct sftp_attrs *a);

/* Default human text for a status code. */
const char *sftp_status_text(uint32_t code);

#endif
