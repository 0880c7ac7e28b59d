/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

uint32_t
peek_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
	       (uint32_t)p[3];
}

void
poke_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void
rbuf_init(struct rbuf *r, const void *data, size_t len)
{
	r->p = data;
	r->len = len;
	r->off = 0;
}

size_t
rbuf_left(const struct rbuf *r)
{
	return r->len - r->off;
}

int
rbuf_skip(struct rbuf *r, size_t n)
{
	if (rbuf_left(r) < n)
		return -1;
	r->off += n;
	return 0;
}

int
rbuf_get_u8(struct rbuf *r, uint8_t *v)
{
	if (rbuf_left(r) < 1)
		return -1;
	*v = r->p[r->off++];
	return 0;
}

int
rbuf_get_u32(struct rbuf *r, uint32_t *v)
{
	if (rbuf_left(r) < 4)
		return -1;
	*v = peek_u32(r->p + r->off);
	r->off += 4;
	return 0;
}

int
rbuf_get_u64(struct rbuf *r, uint64_t *v)
{
	uint32_t hi, lo;

	if (rbuf_left(r) < 8)
		return -1;
	hi = peek_u32(r->p + r->off);
	lo = peek_u32(r->p + r->off + 4);
	r->off += 8;
	*v = ((uint64_t)hi << 32) | lo;
	return 0;
}

int
rbuf_get_string(struct rbuf *r, const uint8_t **s, uint32_t *slen, uint32_t max)
{
	uint32_t n;
	size_t save = r->off;

	if (rbuf_get_u32(r, &n) != 0)
		return -1;
	if (n > max || rbuf_left(r) < n) {
		r->off = save;
		return -1;
	}
	*s = r->p + r->off;
	*slen = n;
	r->off += n;
	return 0;
}

int
rbuf_get_cstring(struct rbuf *r, char **out, uint32_t max)
{
	const uint8_t *s;
	uint32_t n;
	size_t save = r->off;
	char *c;

	if (rbuf_get_string(r, &s, &n, max) != 0)
		return -1;
	if (memchr(s, '\0', n) != NULL || (c = malloc((size_t)n + 1)) == NULL) {
		r->off = save;
		return -1;
	}
	memcpy(c, s, n);
	c[n] = '\0';
	*out = c;
	return 0;
}

int
wbuf_init(struct wbuf *w, size_t initial, size_t max)
{
	memset(w, 0, sizeof(*w));
	w->max = max;
	if (initial > max)
		initial = max;
	if (initial > 0) {
		w->p = malloc(initial);
		if (w->p == NULL) {
			w->failed = 1;
			return -1;
		}
		w->cap = initial;
	}
	return 0;
}

void
wbuf_free(struct wbuf *w)
{
	free(w->p);
	memset(w, 0, sizeof(*w));
}

void
wbuf_reset(struct wbuf *w)
{
	w->len = 0;
	w->failed = 0;
}

int
wbuf_reserve(struct wbuf *w, size_t n)
{
	size_t need, ncap;
	uint8_t *np;

	if (w->failed)
		return -1;
	if (n > w->max || w->len > w->max - n) {
		w->failed = 1;
		return -1;
	}
	need = w->len + n;
	if (need <= w->cap)
		return 0;
	ncap = w->cap ? w->cap : 256;
	while (ncap < need)
		ncap = ncap > w->max / 2 ? w->max : ncap * 2;
	np = realloc(w->p, ncap);
	if (np == NULL) {
		w->failed = 1;
		return -1;
	}
	w->p = np;
	w->cap = ncap;
	return 0;
}

int
wbuf_put_bytes(struct wbuf *w, const void *data, size_t n)
{
	if (wbuf_reserve(w, n) != 0)
		return -1;
	if (n > 0)
		memcpy(w->p + w->len, data, n);
	w->len += n;
	return 0;
}

int
wbuf_put_u8(struct wbuf *w, uint8_t v)
{
	return wbuf_put_bytes(w, &v, 1);
}

int
wbuf_put_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4];

	poke_u32(b, v);
	return wbuf_put_bytes(w, b, 4);
}

int
wbuf_put_u64(struct wbuf *w, uint64_t v)
{
	uint8_t b[8];

	poke_u32(b, (uint32_t)(v >> 32));
	poke_u32(b + 4, (uint32_t)v);
	return wbuf_put_bytes(w, b, 8);
}

int
wbuf_put_string(struct wbuf *w, const void *data, size_t n)
{
	if (n > UINT32_MAX) {
		w->failed = 1;
		return -1;
	}
	if (wbuf_reserve(w, 4 + n) != 0)
		return -1;
	wbuf_put_u32(w, (uint32_t)n);
	return wbuf_put_bytes(w, data, n);
}

int
wbuf_put_cstring(struct wbuf *w, const char *s)
{
	return wbuf_put_string(w, s, strlen(s));
}

int
wbuf_patch_u32(struct wbuf *w, size_t off, uint32_t v)
{
	if (off > w->len || w->len - off < 4)
		return -1;
	poke_u32(w->p + off, v);
	return 0;
}
