/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

/*
 * libFuzzer target for the web admin's form bodies (web/form.c): the first byte
 * picks the Content-Type (urlencoded, multipart with a fixed boundary, multipart
 * with the boundary taken from the input's first line), the rest is the body.
 * Every decoded text value must be valid UTF-8 and every name non-empty.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonutil.h"
#include "web/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char ct[160] = "application/x-www-form-urlencoded", err[256];
	struct form f;

	if (size < 1)
		return 0;
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	if (data[0] % 3 == 1) {
		snprintf(ct, sizeof(ct), "multipart/form-data; boundary=XyZ");
	} else if (data[0] % 3 == 2) {
		const char *nl = memchr(body, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - body) : 0;
		if (n > 100)
			n = 100;
		memcpy(ct, "multipart/form-data; boundary=", 30);
		memcpy(ct + 30, body, n);
		ct[30 + n] = '\0';
		if (memchr(ct, '\0', 30 + n) != ct + 30 + n)
			return 0;
		if (nl != NULL) {
			len -= (size_t)(nl - body) + 1;
			body = nl + 1;
		}
	}
	if (form_parse(ct, body, len, &f, err, sizeof(err)) != 0) {
		if (f.f != NULL || f.n != 0)
			abort();
		return 0;
	}
	for (size_t i = 0; i < f.n; i++) {
		if (f.f[i].name[0] == '\0' || f.f[i].value[f.f[i].len] != '\0')
			abort();
		if (!f.f[i].is_file && !utf8_valid(f.f[i].value, f.f[i].len))
			abort();
	}
	form_free(&f);
	return 0;
}
