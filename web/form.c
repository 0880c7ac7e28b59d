/* SPDX-License-Identifier: BSD-2-Clause */
/* Form bodies: urlencoded and multipart/form-data (web/form.h). */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/errf.h"
#include "common/jsonutil.h"
#include "common/parse.h"
#include "web/form.h"

void
form_free(struct form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->f[i].name);
		if (f->f[i].value != NULL)
			explicit_bzero(f->f[i].value, f->f[i].len); /* passwords */
		free(f->f[i].value);
	}
	free(f->f);
	f->f = NULL;
	f->n = 0;
}

static int
valid_field_name(const char *s, size_t len)
{
	if (len == 0 || len > FORM_MAX_NAME)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' &&
		    s[i] != '.')
			return 0;
	return 1;
}

/* Appends a field; value is taken (freed on failure). */
static int
form_add(struct form *f, const char *name, size_t nlen, char *value, size_t vlen,
         int is_file, char *err, size_t errlen)
{
	if (!valid_field_name(name, nlen)) {
		free(value);
		return errf(err, errlen, "bad form field name");
	}
	if (!is_file && !utf8_valid(value, vlen)) {
		free(value);
		return errf(err, errlen, "form field %.*s is not valid UTF-8 text",
		            (int)nlen, name);
	}
	if (f->n >= FORM_MAX_FIELDS) {
		free(value);
		return errf(err, errlen, "more than %d form fields", FORM_MAX_FIELDS);
	}
	struct form_field *nf = reallocarray(f->f, f->n + 1, sizeof(*nf));
	char *n = nf != NULL ? strndup(name, nlen) : NULL;
	if (nf != NULL)
		f->f = nf;
	if (n == NULL) {
		free(value);
		return errf(err, errlen, "out of memory");
	}
	f->f[f->n++] = (struct form_field){n, value, vlen, is_file};
	return 0;
}

/* Percent-decodes s[0..len) ('+' is a space); NULL on a bad escape. */
static char *
url_decode(const char *s, size_t len, size_t *outlen)
{
	char *out = malloc(len + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			int hi = i + 2 < len ? parse_hex_digit(s[i + 1]) : -1;
			int lo = i + 2 < len ? parse_hex_digit(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				free(out);
				return NULL;
			}
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

int
form_parse_urlencoded(const char *body, size_t len, struct form *out, char *err,
                      size_t errlen)
{
	size_t pos = 0;

	out->f = NULL;
	out->n = 0;
	if (len > FORM_MAX_BODY)
		return errf(err, errlen, "form larger than %u bytes", FORM_MAX_BODY);
	while (pos < len) {
		const char *pair = body + pos, *amp = memchr(pair, '&', len - pos);
		size_t plen = amp != NULL ? (size_t)(amp - pair) : len - pos;
		pos += plen + 1;
		if (plen == 0)
			continue;
		const char *eq = memchr(pair, '=', plen);
		size_t klen = eq != NULL ? (size_t)(eq - pair) : plen, nlen, vlen;
		char *name = url_decode(pair, klen, &nlen);
		char *value = eq != NULL ? url_decode(eq + 1, plen - klen - 1, &vlen)
		                         : (vlen = 0, strdup(""));
		if (name == NULL || value == NULL) {
			free(name);
			free(value);
			form_free(out);
			return errf(err, errlen, "bad percent-encoding in the form");
		}
		int rc = form_add(out, name, nlen, value, vlen, 0, err, errlen);
		free(name);
		if (rc != 0) {
			form_free(out);
			return -1;
		}
	}
	return 0;
}

/* The boundary parameter of a multipart Content-Type (RFC 2046: 1 to 70 chars). */
static int
multipart_boundary(const char *ct, char *b, size_t blen)
{
	static const char type[] = "multipart/form-data";
	const char *p;

	if (ct == NULL || strncasecmp(ct, type, sizeof(type) - 1) != 0)
		return -1;
	p = ct + sizeof(type) - 1;
	while ((p = strchr(p, ';')) != NULL) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "boundary=", 9) != 0)
			continue;
		p += 9;
		size_t n;
		if (*p == '"') {
			const char *q = strchr(++p, '"');
			if (q == NULL)
				return -1;
			n = (size_t)(q - p);
		} else {
			n = strcspn(p, "; \t");
		}
		if (n == 0 || n > 70 || n >= blen)
			return -1;
		memcpy(b, p, n);
		b[n] = '\0';
		return 0;
	}
	return -1;
}

/* The value of parameter key (name, filename) in a Content-Disposition line. */
static int
disposition_param(const char *line, size_t len, const char *key, const char **val,
                  size_t *vlen)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i + klen + 1 < len; i++) {
		if ((i > 0 && line[i - 1] != ';' && line[i - 1] != ' ' &&
		     line[i - 1] != '\t') ||
		    strncasecmp(line + i, key, klen) != 0 || line[i + klen] != '=')
			continue;
		const char *v = line + i + klen + 1, *end = line + len;
		if (v < end && *v == '"') {
			const char *q = memchr(v + 1, '"', (size_t)(end - v - 1));
			if (q == NULL)
				return -1;
			*val = v + 1;
			*vlen = (size_t)(q - v - 1);
		} else {
			const char *e = v;
			while (e < end && *e != ';' && *e != ' ' && *e != '\t')
				e++;
			*val = v;
			*vlen = (size_t)(e - v);
		}
		return 0;
	}
	return -1;
}

/* One part's headers (hdr, hlen bytes, without the blank line): its name, file? */
static int
part_headers(const char *hdr, size_t hlen, const char **name, size_t *nlen, int *is_file)
{
	const char *end = hdr + hlen;
	int found = 0;

	for (const char *line = hdr; line < end;) {
		const char *eol = memmem(line, (size_t)(end - line), "\r\n", 2);
		size_t len = eol != NULL ? (size_t)(eol - line) : (size_t)(end - line);
		static const char cd[] = "content-disposition:";
		if (len >= sizeof(cd) - 1 && strncasecmp(line, cd, sizeof(cd) - 1) == 0) {
			const char *v = line + sizeof(cd) - 1, *fn;
			size_t vlen = len - (sizeof(cd) - 1), fnlen;
			while (vlen > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vlen--;
			}
			if (vlen < 9 || strncasecmp(v, "form-data", 9) != 0 || found ||
			    disposition_param(v, vlen, "name", name, nlen) != 0)
				return -1;
			/* filename="" (a file input left empty) is a text value,
			 * as Go's net/http reads it */
			*is_file =
			    disposition_param(v, vlen, "filename", &fn, &fnlen) == 0 &&
			    fnlen > 0;
			found = 1;
		}
		line += len + 2;
	}
	return found ? 0 : -1;
}

int
form_parse_multipart(const char *content_type, const char *body, size_t len,
                     struct form *out, char *err, size_t errlen)
{
	char boundary[80], delim[84];
	const char *p = body, *end = body + len;

	out->f = NULL;
	out->n = 0;
	if (len > FORM_MAX_BODY)
		return errf(err, errlen, "form larger than %u bytes", FORM_MAX_BODY);
	if (multipart_boundary(content_type, boundary, sizeof(boundary)) != 0)
		return errf(err, errlen, "multipart form without a valid boundary");
	size_t dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	/* The body starts with the first delimiter (no preamble: browsers send none). */
	if (len < dlen - 2 || memcmp(p, delim + 2, dlen - 2) != 0)
		goto bad;
	p += dlen - 2;
	for (;;) {
		if (end - p >= 2 && memcmp(p, "--", 2) == 0)
			return 0; /* the close delimiter; an epilogue is ignored */
		if (end - p < 2 || memcmp(p, "\r\n", 2) != 0)
			goto bad;
		p += 2;
		const char *hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		const char *name;
		size_t nlen;
		int is_file = 0;
		if (hend == NULL ||
		    part_headers(p, (size_t)(hend - p), &name, &nlen, &is_file) != 0)
			goto bad;
		const char *content = hend + 4;
		const char *next = memmem(content, (size_t)(end - content), delim, dlen);
		if (next == NULL)
			goto bad;
		size_t vlen = (size_t)(next - content);
		char *value = malloc(vlen + 1);
		if (value == NULL) {
			form_free(out);
			return errf(err, errlen, "out of memory");
		}
		memcpy(value, content, vlen);
		value[vlen] = '\0';
		if (form_add(out, name, nlen, value, vlen, is_file, err, errlen) != 0) {
			form_free(out);
			return -1;
		}
		p = next + dlen;
	}
bad:
	form_free(out);
	return errf(err, errlen, "malformed multipart form");
}

int
form_parse(const char *content_type, const char *body, size_t len, struct form *out,
           char *err, size_t errlen)
{
	static const char urlenc[] = "application/x-www-form-urlencoded";

	out->f = NULL;
	out->n = 0; /* also for the refusal below */
	if (content_type != NULL &&
	    strncasecmp(content_type, urlenc, sizeof(urlenc) - 1) == 0 &&
	    (content_type[sizeof(urlenc) - 1] == '\0' ||
	     content_type[sizeof(urlenc) - 1] == ';'))
		return form_parse_urlencoded(body, len, out, err, errlen);
	if (content_type != NULL &&
	    strncasecmp(content_type, "multipart/form-data", 19) == 0)
		return form_parse_multipart(content_type, body, len, out, err, errlen);
	return errf(err, errlen, "a form must be multipart/form-data or urlencoded");
}

const char *
form_get(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!f->f[i].is_file && strcmp(f->f[i].name, name) == 0)
			return f->f[i].value;
	return NULL;
}

const struct form_field *
form_get_file(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->f[i].is_file && strcmp(f->f[i].name, name) == 0)
			return &f->f[i];
	return NULL;
}
