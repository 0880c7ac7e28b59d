/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "auth/auth.h"
#include "httpd/htpasswd.h"

void
htpasswd_free(struct htpasswd *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->user[i]);
		if (h->hash[i] != NULL)
			explicit_bzero(h->hash[i], strlen(h->hash[i]));
		free(h->hash[i]);
	}
	free(h->user);
	free(h->hash);
	memset(h, 0, sizeof(*h));
}

static char *
field(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	char *f = malloc(n + 1);
	if (f != NULL) {
		memcpy(f, s, n);
		f[n] = '\0';
	}
	return f;
}

static int
add_entry(struct htpasswd *h, const char *line, size_t n, const char *colon)
{
	char **u = reallocarray(h->user, h->n + 1, sizeof(*u));
	if (u == NULL)
		return -1;
	h->user = u;
	char **p = reallocarray(h->hash, h->n + 1, sizeof(*p));
	if (p == NULL)
		return -1;
	h->hash = p;
	h->user[h->n] = field(line, (size_t)(colon - line));
	h->hash[h->n] = field(colon + 1, n - (size_t)(colon - line) - 1);
	if (h->user[h->n] == NULL || h->hash[h->n] == NULL) {
		free(h->user[h->n]);
		free(h->hash[h->n]);
		return -1;
	}
	h->n++;
	return 0;
}

int
htpasswd_parse(const char *text, size_t len, struct htpasswd *out)
{
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	out->valid = 1;
	while (off < len) {
		const char *line = text + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t n = nl ? (size_t)(nl - line) : len - off;
		off += n + (nl != NULL);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		size_t lead = 0;
		while (lead < n && (line[lead] == ' ' || line[lead] == '\t'))
			lead++;
		if (lead == n || line[lead] == '#')
			continue;
		const char *colon = memchr(line, ':', n);
		if (colon == NULL ||
		    memchr(colon + 1, ':', n - (size_t)(colon - line) - 1) ||
		    memchr(line, '\0', n) != NULL || line[lead] == '"') {
			out->valid = 0; /* SFTPGo: the whole file is unparsable */
			continue;
		}
		if (add_entry(out, line, n, colon) != 0) {
			htpasswd_free(out);
			return -1;
		}
	}
	return 0;
}

static int
accepted_hash(const char *h)
{
	return strncmp(h, "$2a$", 4) == 0 || strncmp(h, "$2b$", 4) == 0 ||
	       strncmp(h, "$2y$", 4) == 0 || strncmp(h, "$1$", 3) == 0 ||
	       strncmp(h, "$apr1$", 6) == 0;
}

int
htpasswd_check(const struct htpasswd *h, const char *user, const char *password)
{
	if (!h->valid)
		return 0;
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->user[i], user) == 0)
			return accepted_hash(h->hash[i]) &&
			       auth_password_verify(h->hash[i], password) == 1;
	return 0;
}

int
basic_credentials(const char *header, char *user, size_t userlen, char *password,
                  size_t passlen)
{
	unsigned char dec[1024];

	if (header == NULL || strncasecmp(header, "basic ", 6) != 0)
		return -1;
	const char *b = header + 6;
	while (*b == ' ')
		b++;
	size_t n = strlen(b);
	if (n == 0 || n % 4 != 0 || n / 4 * 3 >= sizeof(dec))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)b[i]) && b[i] != '+' && b[i] != '/' &&
		    !(b[i] == '=' && i >= n - 2))
			return -1;
	int len = EVP_DecodeBlock(dec, (const unsigned char *)b, (int)n);
	if (len < 0)
		return -1;
	len -= (b[n - 1] == '=') + (b[n - 2] == '=');
	unsigned char *colon = memchr(dec, ':', (size_t)len);
	size_t ul = colon ? (size_t)(colon - dec) : 0;
	size_t pl = colon ? (size_t)len - ul - 1 : 0;
	int rc = -1;
	if (colon != NULL && ul < userlen && pl < passlen &&
	    memchr(dec, '\0', (size_t)len) == NULL) {
		memcpy(user, dec, ul);
		user[ul] = '\0';
		memcpy(password, colon + 1, pl);
		password[pl] = '\0';
		rc = 0;
	}
	explicit_bzero(dec, sizeof(dec));
	return rc;
}
