/* SPDX-License-Identifier: BSD-2-Clause */
/* YAML, dotenv and Java properties into the JSON tree (config/formats.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/formats.h"

#define YAML_DEPTH_MAX 16
#define FLAT_LINE_MAX 8192

static void errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- YAML ---- */

struct yctx {
	yaml_parser_t p;
	char *err;
	size_t errlen;
};

static int
next_event(struct yctx *y, yaml_event_t *ev)
{
	if (yaml_parser_parse(&y->p, ev))
		return 0;
	errf(y->err, y->errlen, "%lu:%lu: %s", (unsigned long)y->p.problem_mark.line + 1,
	     (unsigned long)y->p.problem_mark.column + 1,
	     y->p.problem != NULL ? y->p.problem : "syntax error");
	return -1;
}

static void
yerr(struct yctx *y, const yaml_event_t *ev, const char *why)
{
	errf(y->err, y->errlen, "%lu:%lu: %s", (unsigned long)ev->start_mark.line + 1,
	     (unsigned long)ev->start_mark.column + 1, why);
}

/* Decimal integer (optional '-'), within json_int_t; 0 or -1. */
static int
plain_integer(const char *s, json_int_t *out)
{
	const char *d = s[0] == '-' ? s + 1 : s;
	char *end;

	if (d[0] == '\0' || strspn(d, "0123456789") != strlen(d))
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = (json_int_t)v;
	return 0;
}

/* A scalar: plain ones typed (integer, true/false, null), others strings. */
static json_t *
yaml_scalar(struct yctx *y, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	json_int_t i;

	if (strlen(v) != n) {
		yerr(y, ev, "a NUL byte in a scalar");
		return NULL;
	}
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
			return json_boolean(v[0] == 't');
		if (n == 0 || strcmp(v, "null") == 0 || strcmp(v, "~") == 0)
			return json_null();
		if (plain_integer(v, &i) == 0)
			return json_integer(i);
		if (strspn(v, "-0123456789") == n) {
			yerr(y, ev, "integer out of range");
			return NULL;
		}
	}
	json_t *s = json_stringn(v, n);
	if (s == NULL)
		yerr(y, ev, "not valid UTF-8");
	return s;
}

static json_t *yaml_node(struct yctx *y, yaml_event_t *ev, int depth);

static json_t *
yaml_sequence(struct yctx *y, int depth)
{
	json_t *a = json_array();
	yaml_event_t ev;

	for (;;) {
		if (next_event(y, &ev) != 0)
			break;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return a;
		}
		json_t *v = yaml_node(y, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (v == NULL || json_array_append_new(a, v) != 0)
			break;
	}
	json_decref(a);
	return NULL;
}

static json_t *
yaml_mapping(struct yctx *y, int depth)
{
	json_t *o = json_object();
	yaml_event_t ev;

	for (;;) {
		if (next_event(y, &ev) != 0)
			break;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return o;
		}
		if (ev.type != YAML_SCALAR_EVENT || ev.data.scalar.tag != NULL ||
		    ev.data.scalar.anchor != NULL) {
			yerr(y, &ev, "a key must be a plain string");
			yaml_event_delete(&ev);
			break;
		}
		char *key =
		    strndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
		int dup = key != NULL && json_object_get(o, key) != NULL;
		if (dup)
			yerr(y, &ev, "duplicate key");
		yaml_event_delete(&ev);
		json_t *v = NULL;
		if (key != NULL && !dup && next_event(y, &ev) == 0) {
			v = yaml_node(y, &ev, depth + 1);
			yaml_event_delete(&ev);
		}
		int rc = v != NULL ? json_object_set_new(o, key, v) : -1;
		free(key);
		if (rc != 0)
			break;
	}
	json_decref(o);
	return NULL;
}

/* One node starting with ev (which the caller frees). */
static json_t *
yaml_node(struct yctx *y, yaml_event_t *ev, int depth)
{
	if (depth > YAML_DEPTH_MAX) {
		yerr(y, ev, "nested too deeply");
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor != NULL || ev->data.scalar.tag != NULL)
			break;
		return yaml_scalar(y, ev);
	case YAML_SEQUENCE_START_EVENT:
		if (ev->data.sequence_start.anchor != NULL ||
		    ev->data.sequence_start.tag != NULL)
			break;
		return yaml_sequence(y, depth);
	case YAML_MAPPING_START_EVENT:
		if (ev->data.mapping_start.anchor != NULL ||
		    ev->data.mapping_start.tag != NULL)
			break;
		return yaml_mapping(y, depth);
	default:
		break;
	}
	yerr(y, ev, "anchors, aliases and tags are not supported");
	return NULL;
}

/* Expects an event of type t (and nothing else), freed. */
static int
expect(struct yctx *y, yaml_event_type_t t, const char *why)
{
	yaml_event_t ev;

	if (next_event(y, &ev) != 0)
		return -1;
	int ok = ev.type == t;
	if (!ok)
		yerr(y, &ev, why);
	yaml_event_delete(&ev);
	return ok ? 0 : -1;
}

static json_t *
yaml_document(struct yctx *y)
{
	yaml_event_t ev;
	json_t *root = NULL;

	if (expect(y, YAML_STREAM_START_EVENT, "not a YAML stream") != 0 ||
	    next_event(y, &ev) != 0)
		return NULL;
	if (ev.type == YAML_STREAM_END_EVENT) { /* empty: every key at its default */
		yaml_event_delete(&ev);
		return json_object();
	}
	int ok = ev.type == YAML_DOCUMENT_START_EVENT;
	if (!ok)
		yerr(y, &ev, "not a YAML document");
	yaml_event_delete(&ev);
	if (!ok || next_event(y, &ev) != 0)
		return NULL;
	if (ev.type != YAML_MAPPING_START_EVENT)
		yerr(y, &ev, "the document must be a mapping");
	else
		root = yaml_node(y, &ev, 0);
	yaml_event_delete(&ev);
	if (root != NULL &&
	    (expect(y, YAML_DOCUMENT_END_EVENT, "one document only") != 0 ||
	     expect(y, YAML_STREAM_END_EVENT, "one document only") != 0)) {
		json_decref(root);
		root = NULL;
	}
	return root;
}

json_t *
conf_yaml_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct yctx y = {.err = err, .errlen = errlen};

	if (memchr(text, '\0', len) != NULL) {
		errf(err, errlen, "a NUL byte in the file");
		return NULL;
	}
	if (!yaml_parser_initialize(&y.p)) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&y.p, (const unsigned char *)text, len);
	json_t *root = yaml_document(&y);
	yaml_parser_delete(&y.p);
	return root;
}

/* ---- dotenv and Java properties ---- */

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\f';
}

/* Sets the dotted, lower-cased key to the string v under root. 0 or -1 (why). */
static int
set_dotted(json_t *root, char *key, const char *v, char *why, size_t wl)
{
	json_t *o = root;
	char *save = NULL, *c, *next;
	size_t n = strlen(key);

	if (n == 0 || key[0] == '.' || key[n - 1] == '.' || strstr(key, "..") != NULL) {
		errf(why, wl, "empty key or key component");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		key[i] = (char)tolower((unsigned char)key[i]);
	for (c = strtok_r(key, ".", &save); c != NULL; c = next) {
		next = strtok_r(NULL, ".", &save);
		json_t *cur = json_object_get(o, c);
		if (next == NULL) {
			if (cur != NULL) {
				errf(why, wl, "key given twice");
				return -1;
			}
			json_t *s = json_string(v);
			if (s == NULL || json_object_set_new(o, c, s) != 0) {
				errf(why, wl, "not valid UTF-8");
				return -1;
			}
			return 0;
		}
		if (cur == NULL) {
			cur = json_object();
			if (cur == NULL || json_object_set_new(o, c, cur) != 0) {
				errf(why, wl, "out of memory");
				return -1;
			}
		} else if (!json_is_object(cur)) {
			errf(why, wl, "key is both a value and a parent of keys");
			return -1;
		}
		o = cur;
	}
	return 0;
}

/* Properties escapes, in place; -1 on a trailing or unknown backslash. */
static int
unescape_properties(char *s, char *why, size_t wl)
{
	char *w = s;

	for (char *r = s; *r != '\0'; r++) {
		if (*r != '\\') {
			*w++ = *r;
			continue;
		}
		r++;
		switch (*r) {
		case 't':
			*w++ = '\t';
			break;
		case 'n':
			*w++ = '\n';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case 'f':
			*w++ = '\f';
			break;
		case '\\':
		case '=':
		case ':':
		case '#':
		case '!':
		case ' ':
			*w++ = *r;
			break;
		case '\0':
			errf(why, wl, "line continuation is not supported");
			return -1;
		default:
			errf(why, wl, "unsupported escape \\%c", *r);
			return -1;
		}
	}
	*w = '\0';
	return 0;
}

/* A dotenv value: "..." (\" \\ \n), '...' (literal) or the bare rest. */
static int
env_value(char *v, char *why, size_t wl)
{
	size_t n = strlen(v);
	char q = v[0];

	if (q != '"' && q != '\'')
		return 0;
	if (n < 2 || v[n - 1] != q) {
		errf(why, wl, "unterminated quote");
		return -1;
	}
	v[n - 1] = '\0';
	memmove(v, v + 1, n - 1);
	if (q == '\'')
		return 0;
	char *w = v;
	for (char *r = v; *r != '\0'; r++) {
		if (*r == '"') {
			errf(why, wl, "unescaped quote inside a value");
			return -1;
		}
		if (*r != '\\') {
			*w++ = *r;
			continue;
		}
		r++;
		if (*r == 'n')
			*w++ = '\n';
		else if (*r == '"' || *r == '\\')
			*w++ = *r;
		else {
			errf(why, wl, "unsupported escape in a quoted value");
			return -1;
		}
	}
	*w = '\0';
	return 0;
}

static void
trim(char **s)
{
	char *p = *s;
	size_t n;

	while (is_blank(*p))
		p++;
	n = strlen(p);
	while (n > 0 && is_blank(p[n - 1]))
		p[--n] = '\0';
	*s = p;
}

/* Where the key ends: '=' (dotenv), or the first unescaped '=' or ':'. */
static char *
find_separator(enum conf_format fmt, char *line)
{
	if (fmt == CONF_ENV)
		return strchr(line, '=');
	for (char *p = line; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '=' || *p == ':')
			return p;
	}
	return NULL;
}

/* INI: "[section]" (or "[a.b]") names the prefix of the keys below it. */
static int
ini_section(char *line, char *prefix, size_t plen, char *why, size_t wl)
{
	size_t n = strlen(line);

	if (n < 3 || line[n - 1] != ']' || n - 2 >= plen) {
		errf(why, wl, "bad section header");
		return -1;
	}
	memcpy(prefix, line + 1, n - 2);
	prefix[n - 2] = '\0';
	char *p = prefix;
	trim(&p);
	memmove(prefix, p, strlen(p) + 1);
	if (prefix[0] == '\0' || strpbrk(prefix, " \t[]") != NULL) {
		errf(why, wl, "bad section header");
		return -1;
	}
	return 0;
}

static int
flat_line(enum conf_format fmt, json_t *root, char *line, char *prefix, size_t plen,
          char *why, size_t wl)
{
	char *key, *v, *sep, full[FLAT_LINE_MAX + 256];

	trim(&line);
	if (line[0] == '\0' || line[0] == '#' ||
	    (fmt == CONF_PROPERTIES && line[0] == '!') ||
	    (fmt == CONF_INI && line[0] == ';'))
		return 0;
	if (fmt == CONF_INI && line[0] == '[')
		return ini_section(line, prefix, plen, why, wl);
	if (fmt == CONF_ENV && strncmp(line, "export", 6) == 0 && is_blank(line[6]))
		line += 7;
	if ((sep = find_separator(fmt, line)) == NULL) {
		errf(why, wl, "expected key=value");
		return -1;
	}
	*sep = '\0';
	key = line;
	v = sep + 1;
	trim(&key);
	trim(&v);
	if (fmt == CONF_PROPERTIES && (unescape_properties(key, why, wl) != 0 ||
	                               unescape_properties(v, why, wl) != 0))
		return -1;
	if (fmt != CONF_PROPERTIES && env_value(v, why, wl) != 0)
		return -1;
	if (fmt == CONF_INI) {
		if (prefix[0] == '\0') {
			errf(why, wl, "a key before any [section]");
			return -1;
		}
		snprintf(full, sizeof(full), "%s.%s", prefix, key);
		key = full;
	}
	return set_dotted(root, key, v, why, wl);
}

json_t *
conf_flat_parse(enum conf_format fmt, const char *text, size_t len, char *err,
                size_t errlen)
{
	char line[FLAT_LINE_MAX], why[256], prefix[256] = "";
	json_t *root = json_object();
	size_t lineno = 0;

	if (memchr(text, '\0', len) != NULL) {
		errf(err, errlen, "a NUL byte in the file");
		json_decref(root);
		return NULL;
	}
	for (size_t off = 0; root != NULL && off < len;) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - (text + off)) : len - off;
		lineno++;
		if (n >= sizeof(line)) {
			errf(err, errlen, "line %zu: longer than %d bytes", lineno,
			     FLAT_LINE_MAX - 1);
			json_decref(root);
			return NULL;
		}
		memcpy(line, text + off, n);
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		off += n + 1;
		if (flat_line(fmt, root, line, prefix, sizeof(prefix), why,
		              sizeof(why)) != 0) {
			errf(err, errlen, "line %zu: %s", lineno, why);
			json_decref(root);
			return NULL;
		}
	}
	if (root == NULL)
		errf(err, errlen, "out of memory");
	return root;
}

/* ---- TOML (a strict subset) ---- */

#define TOML_DEPTH_MAX 8

struct tp {
	const char *s;
	size_t n, i;
	unsigned line;
	int hcl; /* HCL: // and block comments, multi-line objects, blocks */
	char *err;
	size_t errlen;
};

static int
terr(struct tp *t, const char *why)
{
	errf(t->err, t->errlen, "line %u: %s", t->line, why);
	return -1;
}

static int
tpeek(const struct tp *t)
{
	return t->i < t->n ? (unsigned char)t->s[t->i] : -1;
}

static void
skip_blank(struct tp *t)
{
	while (tpeek(t) == ' ' || tpeek(t) == '\t')
		t->i++;
}

/* HCL's // and block comments (the latter counted for line numbers). */
static int
skip_hcl_comment(struct tp *t)
{
	if (!t->hcl || tpeek(t) != '/' || t->i + 1 >= t->n)
		return 0;
	if (t->s[t->i + 1] == '/') {
		while (tpeek(t) != -1 && tpeek(t) != '\n')
			t->i++;
		return 1;
	}
	if (t->s[t->i + 1] != '*')
		return 0;
	for (t->i += 2; t->i + 1 < t->n && !(t->s[t->i] == '*' && t->s[t->i + 1] == '/');
	     t->i++)
		t->line += t->s[t->i] == '\n';
	t->i = t->i + 1 < t->n ? t->i + 2 : t->n;
	return 1;
}

/* Blanks, newlines and comments (inside arrays). */
static void
skip_space(struct tp *t)
{
	for (;;) {
		skip_blank(t);
		while (skip_hcl_comment(t))
			skip_blank(t);
		if (tpeek(t) == '#')
			while (tpeek(t) != -1 && tpeek(t) != '\n')
				t->i++;
		if (tpeek(t) == '\r' && t->i + 1 < t->n && t->s[t->i + 1] == '\n')
			t->i++;
		if (tpeek(t) != '\n')
			return;
		t->i++;
		t->line++;
	}
}

/* The end of a line: blanks, an optional comment, then a newline or the end. */
static int
end_of_line(struct tp *t)
{
	skip_blank(t);
	if (tpeek(t) == '#')
		while (tpeek(t) != -1 && tpeek(t) != '\n')
			t->i++;
	if (tpeek(t) == '\r' && t->i + 1 < t->n && t->s[t->i + 1] == '\n')
		t->i++;
	if (tpeek(t) == -1)
		return 0;
	if (tpeek(t) != '\n')
		return terr(t, "expected the end of the line");
	t->i++;
	t->line++;
	return 0;
}

static int
bare_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* One bare key component into out. */
static int
bare_key(struct tp *t, char *out, size_t outsz)
{
	size_t k = 0;

	skip_blank(t);
	while (bare_char(tpeek(t))) {
		if (k + 1 >= outsz)
			return terr(t, "key too long");
		out[k++] = t->s[t->i++];
	}
	out[k] = '\0';
	skip_blank(t);
	return k == 0 ? terr(t, "expected a bare key (quoted keys are not supported)")
	              : 0;
}

/* A string: "basic" (\" \\ \n \t \r \b \f) or 'literal', one line. */
static json_t *
toml_string(struct tp *t)
{
	char q = t->s[t->i++];
	char buf[FLAT_LINE_MAX];
	size_t k = 0;

	if (t->i + 1 < t->n && t->s[t->i] == q && t->s[t->i + 1] == q) {
		terr(t, "multi-line strings are not supported");
		return NULL;
	}
	for (;;) {
		int c = tpeek(t);
		if (c == -1 || c == '\n' || k + 1 >= sizeof(buf)) {
			terr(t, "unterminated string");
			return NULL;
		}
		t->i++;
		if (c == q)
			break;
		if (c == '\\' && q == '"') {
			static const char from[] = "\"\\ntrbf", to[] = "\"\\\n\t\r\b\f";
			const char *e = tpeek(t) > 0 ? strchr(from, tpeek(t)) : NULL;
			if (e == NULL) {
				terr(t, "unsupported escape");
				return NULL;
			}
			c = to[e - from];
			t->i++;
		}
		buf[k++] = (char)c;
	}
	json_t *s = json_stringn(buf, k);
	if (s == NULL)
		terr(t, "not valid UTF-8");
	return s;
}

/* A decimal integer, '_' allowed between digits; no leading zeros. */
static json_t *
toml_integer(struct tp *t)
{
	char buf[32];
	size_t k = 0;
	int digits = 0, prev_digit = 0;

	if (tpeek(t) == '+' || tpeek(t) == '-')
		buf[k++] = t->s[t->i++];
	while (k + 1 < sizeof(buf)) {
		int c = tpeek(t);
		if (c >= '0' && c <= '9') {
			buf[k++] = (char)c;
			digits++;
			prev_digit = 1;
		} else if (c == '_' && prev_digit && t->i + 1 < t->n &&
		           isdigit((unsigned char)t->s[t->i + 1])) {
			prev_digit = 0;
		} else {
			break;
		}
		t->i++;
	}
	buf[k] = '\0';
	const char *d = buf + (buf[0] == '+' || buf[0] == '-');
	json_int_t v;
	if (digits == 0 || bare_char(tpeek(t)) || tpeek(t) == '.' || tpeek(t) == ':' ||
	    (d[0] == '0' && d[1] != '\0') ||
	    plain_integer(buf[0] == '+' ? buf + 1 : buf, &v)) {
		terr(t, "not a decimal integer (floats, dates and other bases are not "
		        "supported)");
		return NULL;
	}
	return json_integer(v);
}

static json_t *toml_value(struct tp *t, int depth);
static int toml_keyval(struct tp *t, json_t *table, int depth);
static int hcl_body(struct tp *t, json_t *o, int depth, int closing);

static json_t *
toml_array(struct tp *t, int depth)
{
	json_t *a = json_array();

	t->i++;
	for (;;) {
		skip_space(t);
		if (tpeek(t) == ']') {
			t->i++;
			return a;
		}
		json_t *v = toml_value(t, depth + 1);
		if (v == NULL || json_array_append_new(a, v) != 0)
			break;
		skip_space(t);
		if (tpeek(t) == ',')
			t->i++;
		else if (tpeek(t) != ']') {
			terr(t, "expected , or ] in an array");
			break;
		}
	}
	json_decref(a);
	return NULL;
}

/* { k = v, ... } on one line. */
static json_t *
toml_inline_table(struct tp *t, int depth)
{
	json_t *o = json_object();

	t->i++;
	skip_blank(t);
	if (tpeek(t) == '}') {
		t->i++;
		return o;
	}
	for (;;) {
		if (toml_keyval(t, o, depth + 1) != 0)
			break;
		skip_blank(t);
		if (tpeek(t) == '}') {
			t->i++;
			return o;
		}
		if (tpeek(t) != ',') {
			terr(t, "expected , or } in an inline table");
			break;
		}
		t->i++;
	}
	json_decref(o);
	return NULL;
}

static json_t *
toml_value(struct tp *t, int depth)
{
	int c = tpeek(t);

	if (depth > TOML_DEPTH_MAX) {
		terr(t, "nested too deeply");
		return NULL;
	}
	if (c == '"' || c == '\'')
		return toml_string(t);
	if (c == '[')
		return toml_array(t, depth);
	if (c == '{' && t->hcl) {
		json_t *o = json_object();
		t->i++;
		if (hcl_body(t, o, depth + 1, '}') != 0) {
			json_decref(o);
			return NULL;
		}
		t->i++;
		return o;
	}
	if (c == '{')
		return toml_inline_table(t, depth);
	if (t->n - t->i >= 4 && strncmp(t->s + t->i, "true", 4) == 0 &&
	    !bare_char(t->i + 4 < t->n ? (unsigned char)t->s[t->i + 4] : 0)) {
		t->i += 4;
		return json_true();
	}
	if (t->n - t->i >= 5 && strncmp(t->s + t->i, "false", 5) == 0 &&
	    !bare_char(t->i + 5 < t->n ? (unsigned char)t->s[t->i + 5] : 0)) {
		t->i += 5;
		return json_false();
	}
	if (c == '+' || c == '-' || (c >= '0' && c <= '9'))
		return toml_integer(t);
	terr(t, "expected a value");
	return NULL;
}

/*
 * Walks a dotted key from base: every component but the last is a table (made
 * when missing; the last element of an array of tables). *last gets the last.
 */
static json_t *
walk_key(struct tp *t, json_t *base, char *last, size_t lastsz)
{
	json_t *o = base;

	for (;;) {
		if (bare_key(t, last, lastsz) != 0)
			return NULL;
		if (tpeek(t) != '.')
			return o;
		t->i++;
		json_t *next = json_object_get(o, last);
		if (json_is_array(next) && json_array_size(next) > 0)
			next = json_array_get(next, json_array_size(next) - 1);
		if (next == NULL) {
			next = json_object();
			if (json_object_set_new(o, last, next) != 0) {
				terr(t, "out of memory");
				return NULL;
			}
		}
		if (!json_is_object(next)) {
			terr(t, "a key is both a value and a table");
			return NULL;
		}
		o = next;
	}
}

static int
toml_keyval(struct tp *t, json_t *table, int depth)
{
	char key[128];
	json_t *o = walk_key(t, table, key, sizeof(key));

	if (o == NULL)
		return -1;
	if (tpeek(t) != '=')
		return terr(t, "expected =");
	t->i++;
	skip_blank(t);
	if (json_object_get(o, key) != NULL)
		return terr(t, "duplicate key");
	json_t *v = toml_value(t, depth);
	if (v == NULL)
		return -1;
	return json_object_set_new(o, key, v) == 0 ? 0 : terr(t, "out of memory");
}

/* [a.b] or [[a.b]]: the table later key/values go to. */
static json_t *
toml_header(struct tp *t, json_t *root, json_t *defined)
{
	int array = t->i + 1 < t->n && t->s[t->i + 1] == '[';
	size_t from = t->i;
	char key[128];

	t->i += array ? 2 : 1;
	json_t *o = walk_key(t, root, key, sizeof(key));
	if (o == NULL)
		return NULL;
	if (tpeek(t) != ']' || (array && (t->i + 1 >= t->n || t->s[t->i + 1] != ']'))) {
		terr(t, "expected ] after a table name");
		return NULL;
	}
	t->i += array ? 2 : 1;
	json_t *cur = json_object_get(o, key);
	if (array) {
		if (cur == NULL && json_object_set_new(o, key, cur = json_array()) != 0)
			return NULL;
		if (!json_is_array(cur)) {
			terr(t, "not an array of tables");
			return NULL;
		}
		json_t *n = json_object();
		if (json_array_append_new(cur, n) != 0) { /* n is released */
			terr(t, "out of memory");
			return NULL;
		}
		return n;
	}
	char name[256];
	snprintf(name, sizeof(name), "%.*s", (int)(t->i - from), t->s + from);
	if (json_object_get(defined, name) != NULL ||
	    (cur != NULL && !json_is_object(cur))) {
		terr(t, "table defined twice");
		return NULL;
	}
	json_object_set_new(defined, name, json_true());
	if (cur == NULL && json_object_set_new(o, key, cur = json_object()) != 0)
		return NULL;
	return cur;
}

json_t *
conf_toml_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct tp t = {.s = text, .n = len, .line = 1, .err = err, .errlen = errlen};
	json_t *root = json_object(), *defined = json_object(), *cur = root;
	int rc = 0;

	if (memchr(text, '\0', len) != NULL) {
		errf(err, errlen, "a NUL byte in the file");
		rc = -1;
	}
	while (rc == 0 && cur != NULL) {
		skip_space(&t);
		if (tpeek(&t) == -1)
			break;
		if (tpeek(&t) == '[')
			cur = toml_header(&t, root, defined);
		else
			rc = toml_keyval(&t, cur, 0);
		if (rc == 0 && cur != NULL)
			rc = end_of_line(&t);
	}
	json_decref(defined);
	if (rc != 0 || cur == NULL) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* ---- HCL (a strict subset) ---- */

/* One "key = value" or "key { ... }" of an HCL body into o. */
static int
hcl_entry(struct tp *t, json_t *o, int depth)
{
	char key[128];

	if (bare_key(t, key, sizeof(key)) != 0)
		return -1;
	if (json_object_get(o, key) != NULL)
		return terr(t, "duplicate key or block");
	if (tpeek(t) == '=') {
		t->i++;
		skip_blank(t);
	} else if (tpeek(t) != '{') {
		return terr(t, "expected = or { (block labels are not supported)");
	}
	json_t *v = toml_value(t, depth);
	if (v == NULL)
		return -1;
	return json_object_set_new(o, key, v) == 0 ? 0 : terr(t, "out of memory");
}

/* Entries up to closing ('}', or -1 for the end of the file), left unread. */
static int
hcl_body(struct tp *t, json_t *o, int depth, int closing)
{
	if (depth > TOML_DEPTH_MAX)
		return terr(t, "nested too deeply");
	for (;;) {
		skip_space(t);
		if (tpeek(t) == closing)
			return 0;
		if (tpeek(t) == -1)
			return terr(t, "expected }");
		if (hcl_entry(t, o, depth) != 0)
			return -1;
		skip_blank(t);
		while (skip_hcl_comment(t))
			skip_blank(t);
		if (tpeek(t) == ',')
			t->i++;
		else if (tpeek(t) != '\n' && tpeek(t) != '#' && tpeek(t) != '\r' &&
		         tpeek(t) != closing && tpeek(t) != -1)
			return terr(t, "expected the end of the line");
	}
}

json_t *
conf_hcl_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct tp t = {
	    .s = text, .n = len, .line = 1, .hcl = 1, .err = err, .errlen = errlen};
	json_t *root = json_object();

	if (memchr(text, '\0', len) != NULL) {
		errf(err, errlen, "a NUL byte in the file");
		json_decref(root);
		return NULL;
	}
	if (hcl_body(&t, root, 0, -1) != 0) {
		json_decref(root);
		return NULL;
	}
	return root;
}
