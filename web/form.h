/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * HTML form bodies of the web admin: application/x-www-form-urlencoded and
 * multipart/form-data (RFC 7578), decoded into name/value pairs. The body comes
 * from the network: every length is checked, names are printable ASCII, text
 * values must be UTF-8 without NUL; a file part keeps its bytes as they are. A
 * part with an empty filename (a file input left empty) is an empty text value.
 */
#ifndef SFTPGO_WEB_FORM_H
#define SFTPGO_WEB_FORM_H

#include <stddef.h>

#define FORM_MAX_FIELDS 512
#define FORM_MAX_NAME 64
#define FORM_MAX_BODY (1u << 20) /* SFTPGo's form limit: 1 MiB */

struct form_field {
	char *name;
	char *value; /* NUL-terminated; a file part may hold NULs: use len */
	size_t len;
	int is_file; /* a multipart part with a non-empty filename */
};

struct form {
	struct form_field *f;
	size_t n;
};

/* The whole body by its Content-Type; "" or NULL is refused. */
int form_parse(const char *content_type, const char *body, size_t len, struct form *out,
               char *err, size_t errlen);
int form_parse_urlencoded(const char *body, size_t len, struct form *out, char *err,
                          size_t errlen);
int form_parse_multipart(const char *content_type, const char *body, size_t len,
                         struct form *out, char *err, size_t errlen);

/* The first text value of name, or NULL. */
const char *form_get(const struct form *f, const char *name);
/* The first file part of name, or NULL. */
const struct form_field *form_get_file(const struct form *f, const char *name);
void form_free(struct form *f);

#endif
