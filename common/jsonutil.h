/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Writing JSON text by hand where the key order is part of a contract (log lines).
 * Strings are escaped so that the output is always one valid JSON line whatever the
 * input bytes: quotes, backslashes and control characters are escaped, and bytes
 * that are not valid UTF-8 become U+FFFD (as zerolog does), so an attacker-chosen
 * username can neither split a line nor make it unparseable.
 */
#ifndef SFTPGO_COMMON_JSONUTIL_H
#define SFTPGO_COMMON_JSONUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Appends "s" (with the quotes), reading at most maxlen bytes of s. */
int json_put_string(struct wbuf *w, const char *s, size_t maxlen);
/* Appends ,"key":"value" (no leading comma when first is nonzero). */
int json_put_kv_str(struct wbuf *w, int first, const char *key, const char *value,
                    size_t maxlen);
/* Appends ,"key":N */
int json_put_kv_int(struct wbuf *w, int first, const char *key, int64_t value);

/* Is s (len bytes) valid UTF-8 without NUL bytes, overlong forms or surrogates? */
int utf8_valid(const char *s, size_t len);

#endif
