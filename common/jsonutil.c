/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/jsonutil.h"

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 if invalid. */
static size_t
utf8_seq_len(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

int
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t l = p[i] != 0 ? utf8_seq_len(p + i, len - i) : 0;
		if (l == 0)
			return 0;
		i += l;
	}
	return 1;
}

int
json_put_string(struct wbuf *w, const char *s, size_t maxlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t n = strnlen((const char *)p, maxlen);
	size_t i = 0;

	wbuf_put_u8(w, '"');
	while (i < n) {
		unsigned char c = p[i];
		size_t l;

		if (c == '"' || c == '\\') {
			wbuf_put_u8(w, '\\');
			wbuf_put_u8(w, c);
			i++;
			continue;
		}
		if (c < 0x20) {
			const char *esc = NULL;
			char u[7];

			switch (c) {
			case '\b':
				esc = "\\b";
				break;
			case '\f':
				esc = "\\f";
				break;
			case '\n':
				esc = "\\n";
				break;
			case '\r':
				esc = "\\r";
				break;
			case '\t':
				esc = "\\t";
				break;
			default:
				u[0] = '\\';
				u[1] = 'u';
				u[2] = '0';
				u[3] = '0';
				u[4] = hex[c >> 4];
				u[5] = hex[c & 0xf];
				u[6] = '\0';
				esc = u;
			}
			wbuf_put_bytes(w, esc, strlen(esc));
			i++;
			continue;
		}
		l = utf8_seq_len(p + i, n - i);
		if (l == 0) {
			wbuf_put_bytes(w, "\\ufffd", 6);
			i++;
			continue;
		}
		wbuf_put_bytes(w, p + i, l);
		i += l;
	}
	return wbuf_put_u8(w, '"') < 0 || w->failed ? -1 : 0;
}

static void
put_key(struct wbuf *w, int first, const char *key)
{
	if (!first)
		wbuf_put_u8(w, ',');
	json_put_string(w, key, SIZE_MAX);
	wbuf_put_u8(w, ':');
}

int
json_put_kv_str(struct wbuf *w, int first, const char *key, const char *value,
                size_t maxlen)
{
	put_key(w, first, key);
	return json_put_string(w, value, maxlen);
}

int
json_put_kv_int(struct wbuf *w, int first, const char *key, int64_t value)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, value);

	put_key(w, first, key);
	if (n < 0)
		return -1;
	return wbuf_put_bytes(w, num, (size_t)n) < 0 || w->failed ? -1 : 0;
}
