/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Bounded byte buffers for wire formats (SFTP packets, monitor RPC frames).
 *
 * A reader (struct rbuf) never copies: it walks a caller-owned byte range and every
 * get fails (returns -1) instead of reading past the end. A writer (struct wbuf) owns
 * a growable array with a hard cap; a put that would exceed the cap fails and leaves
 * the buffer marked as failed, so callers may check once at the end.
 * Integers are big-endian (network order), strings are u32 length + bytes.
 */
#ifndef SFTPGO_COMMON_BUF_H
#define SFTPGO_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

struct rbuf {
	const uint8_t *p;
	size_t len;
	size_t off;
};

void rbuf_init(struct rbuf *r, const void *data, size_t len);
size_t rbuf_left(const struct rbuf *r);
int rbuf_get_u8(struct rbuf *r, uint8_t *v);
int rbuf_get_u32(struct rbuf *r, uint32_t *v);
int rbuf_get_u64(struct rbuf *r, uint64_t *v);
/* Points *s into the buffer (not NUL-terminated); at most max bytes accepted. */
int rbuf_get_string(struct rbuf *r, const uint8_t **s, uint32_t *slen, uint32_t max);
/* Copies a string into a fresh NUL-terminated allocation; rejects embedded NULs. */
int rbuf_get_cstring(struct rbuf *r, char **out, uint32_t max);
int rbuf_skip(struct rbuf *r, size_t n);

struct wbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	size_t max;
	int failed;
};

/* max is the hard limit on len; initial is the first allocation (may be 0). */
int wbuf_init(struct wbuf *w, size_t initial, size_t max);
void wbuf_free(struct wbuf *w);
void wbuf_reset(struct wbuf *w);
int wbuf_reserve(struct wbuf *w, size_t n);
int wbuf_put_u8(struct wbuf *w, uint8_t v);
int wbuf_put_u32(struct wbuf *w, uint32_t v);
int wbuf_put_u64(struct wbuf *w, uint64_t v);
int wbuf_put_bytes(struct wbuf *w, const void *data, size_t n);
int wbuf_put_string(struct wbuf *w, const void *data, size_t n);
int wbuf_put_cstring(struct wbuf *w, const char *s);
/* Overwrites 4 bytes at off (used to patch a length prefix). */
int wbuf_patch_u32(struct wbuf *w, size_t off, uint32_t v);

uint32_t peek_u32(const uint8_t *p);
void poke_u32(uint8_t *p, uint32_t v);

#endif
