/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Parsers of foreign user files for `sftpgo user import`. These files may come
 * from another machine or from a tenant, so each line is checked as hostile input
 * before any field is used: UTF-8 only, no control characters, the exact number
 * of fields, bounded lengths, strict decimal ids. The account as a whole is then
 * validated like any other (account_prepare_for_store), so rules that live there
 * (username characters, clean home paths, CIDR syntax) are not repeated here.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/import_parse.h"
#include "common/parse.h"

#define MAX_FIELDS 18 /* Pure-FTPd's */

static enum import_verdict
refuse(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return IMPORT_REFUSED;
}

/* Length of the UTF-8 sequence at s (at most n bytes), 0 when invalid: overlong
 * forms, surrogates and code points above U+10FFFF included. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* UTF-8 without control characters (NUL, tab and DEL included). */
static enum import_verdict
check_text(const char *line, size_t len, char *why, size_t whylen)
{
	const unsigned char *s = (const unsigned char *)line;

	for (size_t i = 0; i < len;) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return refuse(why, whylen, "control character 0x%02x at byte %zu",
			              s[i], i + 1);
		size_t n = utf8_seq(s + i, len - i);
		if (n == 0)
			return refuse(why, whylen, "not valid UTF-8 at byte %zu", i + 1);
		i += n;
	}
	return IMPORT_OK;
}

/* Splits line at ':' into at most MAX_FIELDS fields; the count, or -1 for more. */
static int
split_fields(char *line, char **f)
{
	int n = 0;
	char *p = line;

	for (;;) {
		if (n == MAX_FIELDS)
			return -1;
		f[n++] = p;
		p = strchr(p, ':');
		if (p == NULL)
			return n;
		*p++ = '\0';
	}
}

#define NO_EMPTY INT64_MIN /* parse_number: "" is refused */

/* A decimal in [0, max]; "" is `empty` unless that is NO_EMPTY. */
static int
parse_number(const char *s, int64_t max, int64_t empty, int64_t *out)
{
	const char *p = s;
	uint64_t v;

	if (s[0] == '\0' && empty != NO_EMPTY) {
		*out = empty;
		return 0;
	}
	if (parse_decimal(&p, 19, &v) != 0 || *p != '\0' || v > (uint64_t)max)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static enum import_verdict
parse_id(const char *what, const char *s, int64_t *out, char *why, size_t whylen)
{
	if (parse_number(s, IMPORT_ID_MAX, NO_EMPTY, out) != 0)
		return refuse(why, whylen, "%s \"%.40s\" is not a decimal in [0, %lld]",
		              what, s, IMPORT_ID_MAX);
	return IMPORT_OK;
}

/*
 * The home directory: absolute, bounded. Pure-FTPd marks the chroot point with
 * "/./" (pure-pw -d writes "/home/ftp/joe/./"); the user was confined to the part
 * before it, which becomes the home. Trailing slashes go.
 */
static enum import_verdict
parse_home(char *home, char *why, size_t whylen)
{
	char *mark = strstr(home, "/./");

	if (mark != NULL)
		mark[1] = '\0';
	else if (strlen(home) >= 2 && strcmp(home + strlen(home) - 2, "/.") == 0)
		home[strlen(home) - 1] = '\0';
	size_t n = strlen(home);
	while (n > 1 && home[n - 1] == '/')
		home[--n] = '\0';
	if (home[0] != '/')
		return refuse(why, whylen, "home \"%.60s\" is not an absolute path",
		              home);
	if (n > IMPORT_HOME_MAX)
		return refuse(why, whylen, "home longer than %d bytes", IMPORT_HOME_MAX);
	return IMPORT_OK;
}

static enum import_verdict
parse_name(const char *name, char *why, size_t whylen)
{
	if (name[0] == '\0')
		return refuse(why, whylen, "empty user name");
	if (strlen(name) > IMPORT_NAME_MAX)
		return refuse(why, whylen, "user name longer than %d bytes",
		              IMPORT_NAME_MAX);
	if (name[0] == '+' || name[0] == '-')
		return refuse(why, whylen, "NIS compat entry \"%.40s\" is not an account",
		              name);
	return IMPORT_OK;
}

/* Name, password, uid, gid and home: the fields every format shares. */
static enum import_verdict
parse_common(char **f, struct import_record *r, char *why, size_t whylen)
{
	enum import_verdict v;

	if ((v = parse_name(f[0], why, whylen)) != IMPORT_OK)
		return v;
	if (strlen(f[1]) > IMPORT_HASH_MAX)
		return refuse(why, whylen, "%s: password field longer than %d bytes",
		              f[0], IMPORT_HASH_MAX);
	r->name = f[0];
	r->hash = f[1];
	if ((v = parse_id("uid", f[2], &r->uid, why, whylen)) != IMPORT_OK ||
	    (v = parse_id("gid", f[3], &r->gid, why, whylen)) != IMPORT_OK)
		return v;
	r->home = f[5];
	return parse_home(f[5], why, whylen);
}

/* Pure-FTPd's per-user limits (fields 6 to 17). */
static enum import_verdict
parse_pure_limits(char **f, int n, struct import_record *r, char *why, size_t whylen)
{
	static const struct {
		int field;
		const char *what;
	} unsupported[] = {
	    {8, "upload ratio"},       {9, "download ratio"},
	    {13, "allowed local IPs"}, {14, "denied local IPs"},
	    {17, "time restrictions"},
	};
	int64_t ul, dl;

	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		int k = unsupported[i].field;
		if (k < n && f[k][0] != '\0' && strcmp(f[k], "0") != 0)
			return refuse(
			    why, whylen,
			    "%s: %s \"%.40s\" has no equivalent here (not imported "
			    "rather than silently widened)",
			    r->name, unsupported[i].what, f[k]);
	}
	if (parse_number(f[6], INT64_MAX, 0, &ul) != 0 ||
	    parse_number(f[7], INT64_MAX, 0, &dl) != 0)
		return refuse(why, whylen, "%s: bandwidth is not a decimal number",
		              r->name);
	r->upload_bw = ul / 1024;
	r->download_bw = dl / 1024;
	if (r->upload_bw > INT32_MAX || r->download_bw > INT32_MAX)
		return refuse(why, whylen, "%s: bandwidth out of range", r->name);
	if (parse_number(f[10], INT32_MAX, 0, &r->max_sessions) != 0)
		return refuse(why, whylen, "%s: max connections \"%.40s\" out of range",
		              r->name, f[10]);
	if (parse_number(f[11], INT32_MAX, 0, &r->quota_files) != 0 ||
	    parse_number(f[12], INT64_MAX, 0, &r->quota_size) != 0)
		return refuse(why, whylen, "%s: quota is not a decimal number", r->name);
	r->allowed_ip = f[15];
	r->denied_ip = f[16];
	return IMPORT_OK;
}

/* The checks of every line, before it is split: IMPORT_OK to go on. */
static enum import_verdict
check_line(const char *line, size_t len, char *why, size_t whylen)
{
	if (len > IMPORT_LINE_MAX)
		return refuse(why, whylen, "line longer than %d bytes", IMPORT_LINE_MAX);
	if (memchr(line, '\0', len) != NULL)
		return refuse(why, whylen, "NUL byte in the line");
	if (len == 0 || line[0] == '#')
		return IMPORT_IGNORE;
	return check_text(line, len, why, whylen);
}

enum import_verdict
import_parse_line(enum import_format fmt, char *line, size_t len, struct import_record *r,
                  char *why, size_t whylen)
{
	char *f[MAX_FIELDS];
	enum import_verdict v;
	int n;

	memset(r, 0, sizeof(*r));
	r->allowed_ip = r->denied_ip = "";
	if ((v = check_line(line, len, why, whylen)) != IMPORT_OK)
		return v;
	n = split_fields(line, f);
	if (fmt == IMPORT_PURE_FTPD) {
		if (n < 0)
			return refuse(why, whylen,
			              "more than 18 fields, Pure-FTPd has 17 or 18");
		if (n != 17 && n != 18)
			return refuse(why, whylen, "%d fields, Pure-FTPd has 17 or 18",
			              n);
	} else if (n != 7) {
		return n < 0 ? refuse(why, whylen,
		                      "more than 7 fields, a passwd line has 7")
		             : refuse(why, whylen, "%d fields, a passwd line has 7", n);
	}
	if ((v = parse_common(f, r, why, whylen)) != IMPORT_OK)
		return v;
	if (fmt == IMPORT_UNIX_PASSWD && strcmp(r->hash, "x") == 0)
		r->hash_in_shadow = 1;
	if (fmt == IMPORT_PURE_FTPD)
		return parse_pure_limits(f, n, r, why, whylen);
	return IMPORT_OK;
}

enum import_verdict
import_parse_shadow(char *line, size_t len, struct import_shadow *s, char *why,
                    size_t whylen)
{
	char *f[MAX_FIELDS];
	enum import_verdict v;
	int64_t *days[4] = {&s->lastchg, &s->max, &s->inact, &s->expire};
	const int field[4] = {2, 4, 6, 7};

	memset(s, 0, sizeof(*s));
	if ((v = check_line(line, len, why, whylen)) != IMPORT_OK)
		return v;
	int n = split_fields(line, f);
	if (n != 9)
		return n < 0 ? refuse(why, whylen,
		                      "more than 9 fields, a shadow line has 9")
		             : refuse(why, whylen, "%d fields, a shadow line has 9", n);
	if ((v = parse_name(f[0], why, whylen)) != IMPORT_OK)
		return v;
	if (strlen(f[1]) > IMPORT_HASH_MAX)
		return refuse(why, whylen, "%s: password field longer than %d bytes",
		              f[0], IMPORT_HASH_MAX);
	s->name = f[0];
	s->hash = f[1];
	for (int i = 0; i < 4; i++)
		if (parse_number(f[field[i]], 1000000, -1, days[i]) != 0)
			return refuse(why, whylen,
			              "%s: field %d \"%.20s\" is not a day count", f[0],
			              field[i] + 1, f[field[i]]);
	return IMPORT_OK;
}

void
import_shadow_status(const struct import_shadow *s, int64_t today, int *active,
                     int64_t *expiration_ms)
{
	*active = 1;
	/* shadow(5): the password expires lastchg + max days; inact days later the
	 * account is disabled. */
	if (s->lastchg > 0 && s->max >= 0 && s->inact >= 0 &&
	    today > s->lastchg + s->max + s->inact)
		*active = 0;
	*expiration_ms = s->expire > 0 ? s->expire * 86400 * 1000 : 0;
}

const char *
import_password_locked(const char *hash)
{
	if (hash == NULL || hash[0] == '\0')
		return "no password (an empty password is never imported)";
	if (hash[0] == '!' || hash[0] == '*')
		return "password locked or disabled ('!' or '*')";
	if (strcmp(hash, "x") == 0)
		return "password is in a shadow file that has no entry for it";
	return NULL;
}
