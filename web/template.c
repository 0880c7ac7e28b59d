/* SPDX-License-Identifier: BSD-2-Clause */
/* A Mustache subset for the web admin's pages (web/template.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errf.h"
#include "web/template.h"

enum node_kind { N_TEXT, N_VAR, N_SECTION, N_INVERTED, N_PARTIAL };

struct node {
	enum node_kind kind;
	char *text; /* N_TEXT: the bytes; otherwise the name */
	size_t len;
	struct node *child; /* sections: the first node inside */
	struct node *next;
};

struct tmpl {
	char *name;
	struct node *root;
	struct tmpl *next;
};

struct tmpl_set {
	struct tmpl *list;
};

static void
nodes_free(struct node *n)
{
	while (n != NULL) {
		struct node *next = n->next;
		nodes_free(n->child);
		free(n->text);
		free(n);
		n = next;
	}
}

struct tmpl_set *
tmpl_set_new(void)
{
	return calloc(1, sizeof(struct tmpl_set));
}

void
tmpl_set_free(struct tmpl_set *ts)
{
	if (ts == NULL)
		return;
	while (ts->list != NULL) {
		struct tmpl *t = ts->list;
		ts->list = t->next;
		nodes_free(t->root);
		free(t->name);
		free(t);
	}
	free(ts);
}

/* ---- parsing ---- */

struct parser {
	const char *s, *end, *name;
	char *err;
	size_t errlen;
};

static int
line_of(const struct parser *p, const char *at)
{
	int line = 1;

	for (const char *c = p->s; c < at; c++)
		line += *c == '\n';
	return line;
}

static int
perr(const struct parser *p, const char *at, const char *what)
{
	return errf(p->err, p->errlen, "template %s, line %d: %s", p->name,
	            line_of(p, at), what);
}

static int
valid_name(const char *s, size_t len)
{
	if (len == 0 || len > TMPL_MAX_NAME)
		return 0;
	if (len == 1 && s[0] == '.')
		return 1;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' &&
		    (s[i] != '.' || i == 0 || i + 1 == len || s[i + 1] == '.'))
			return 0;
	return 1;
}

static struct node *
node_new(enum node_kind kind, const char *text, size_t len)
{
	struct node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->kind = kind;
	n->len = len;
	if ((n->text = strndup(text, len)) == NULL) {
		free(n);
		return NULL;
	}
	return n;
}

static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)(*s)[0])) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

static int parse_nodes(struct parser *p, const char **pos, int depth, const char *open,
                       size_t openlen, struct node **out);

/* A tag at *pos (just after "{{"), inside "..}}": appends its node to *tail. */
static int
parse_tag(struct parser *p, const char **pos, int depth, struct node ***tail, int *closed,
          const char *open, size_t openlen)
{
	const char *start = *pos - 2, *close = NULL;

	for (const char *c = *pos; c + 1 < p->end; c++)
		if (c[0] == '}' && c[1] == '}') {
			close = c;
			break;
		}
	if (close == NULL)
		return perr(p, start, "\"{{\" without \"}}\"");
	char sigil = **pos;
	const char *name = *pos;
	if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '>' || sigil == '!')
		name++;
	size_t len = (size_t)(close - name);
	*pos = close + 2;
	if (sigil == '!')
		return 0;
	trim(&name, &len);
	if (!valid_name(name, len))
		return perr(p, start,
		            "bad name in a tag (letters, digits, _ - and dots)");
	if (sigil == '/') {
		if (open == NULL || len != openlen || memcmp(name, open, len) != 0)
			return perr(p, start, "closing tag without its opening tag");
		*closed = 1;
		return 0;
	}
	enum node_kind kind = sigil == '#'   ? N_SECTION
	                      : sigil == '^' ? N_INVERTED
	                      : sigil == '>' ? N_PARTIAL
	                                     : N_VAR;
	struct node *n = node_new(kind, name, len);
	if (n == NULL)
		return perr(p, start, "out of memory");
	**tail = n;
	*tail = &n->next;
	if (kind == N_SECTION || kind == N_INVERTED) {
		if (depth + 1 >= TMPL_MAX_DEPTH)
			return perr(p, start, "sections nested too deep");
		return parse_nodes(p, pos, depth + 1, n->text, n->len, &n->child);
	}
	return 0;
}

/* Nodes up to the end, or up to {{/open}} when open is set. */
static int
parse_nodes(struct parser *p, const char **pos, int depth, const char *open,
            size_t openlen, struct node **out)
{
	struct node **tail = out;
	int closed = 0;
	const char *section_start = *pos;

	while (*pos < p->end && !closed) {
		const char *tag = NULL;
		for (const char *c = *pos; c + 1 < p->end; c++)
			if (c[0] == '{' && c[1] == '{') {
				tag = c;
				break;
			}
		const char *text_end = tag != NULL ? tag : p->end;
		if (text_end > *pos) {
			struct node *n =
			    node_new(N_TEXT, *pos, (size_t)(text_end - *pos));
			if (n == NULL)
				return perr(p, *pos, "out of memory");
			*tail = n;
			tail = &n->next;
		}
		*pos = text_end;
		if (tag == NULL)
			break;
		*pos = tag + 2;
		if (parse_tag(p, pos, depth, &tail, &closed, open, openlen) != 0)
			return -1;
	}
	if (open != NULL && !closed)
		return perr(p, section_start, "section not closed");
	return 0;
}

int
tmpl_set_add(struct tmpl_set *ts, const char *name, const char *text, size_t len,
             char *err, size_t errlen)
{
	struct parser p = {text, text + len, name, err, errlen};
	const char *pos = text;
	struct node *root = NULL;

	if (len > TMPL_MAX_SIZE)
		return errf(err, errlen, "template %s: larger than %u bytes", name,
		            TMPL_MAX_SIZE);
	if (memchr(text, '\0', len) != NULL)
		return errf(err, errlen, "template %s: holds a NUL byte", name);
	if (parse_nodes(&p, &pos, 0, NULL, 0, &root) != 0) {
		nodes_free(root);
		return -1;
	}
	for (struct tmpl *t = ts->list; t != NULL; t = t->next)
		if (strcmp(t->name, name) == 0) {
			nodes_free(t->root);
			t->root = root;
			return 0;
		}
	struct tmpl *t = calloc(1, sizeof(*t));
	if (t == NULL || (t->name = strdup(name)) == NULL) {
		free(t);
		nodes_free(root);
		return errf(err, errlen, "out of memory");
	}
	t->root = root;
	t->next = ts->list;
	ts->list = t;
	return 0;
}

static int
read_template(int dirfd, const char *file, char **text, size_t *len, char *err,
              size_t errlen)
{
	struct stat st;
	int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errf(err, errlen, "template %s: %s", file, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > TMPL_MAX_SIZE) {
		close(fd);
		return errf(err, errlen,
		            "template %s: not a regular file of at most %u bytes", file,
		            TMPL_MAX_SIZE);
	}
	*text = malloc((size_t)st.st_size + 1);
	ssize_t n = *text != NULL ? read(fd, *text, (size_t)st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		free(*text);
		return errf(err, errlen, "template %s: short read", file);
	}
	*len = (size_t)n;
	return 0;
}

int
tmpl_set_load(struct tmpl_set *ts, int dirfd, const char *const *names, char *err,
              size_t errlen)
{
	for (; *names != NULL; names++) {
		char file[TMPL_MAX_NAME + 8];
		char *text = NULL;
		size_t len = 0;

		if (!valid_name(*names, strlen(*names)))
			return errf(err, errlen, "template name \"%s\" refused", *names);
		snprintf(file, sizeof(file), "%s.html", *names);
		if (read_template(dirfd, file, &text, &len, err, errlen) != 0)
			return -1;
		int rc = tmpl_set_add(ts, *names, text, len, err, errlen);
		free(text);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* ---- rendering ---- */

int
html_escape(struct wbuf *out, const char *s, size_t len)
{
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		const char *rep = NULL;
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		case '`':
			rep = "&#96;";
			break;
		default:
			continue;
		}
		wbuf_put_bytes(out, s + run, i - run);
		wbuf_put_bytes(out, rep, strlen(rep));
		run = i + 1;
	}
	wbuf_put_bytes(out, s + run, len - run);
	return out->failed ? -1 : 0;
}

struct render {
	const struct tmpl_set *ts;
	json_t *stack[TMPL_MAX_DEPTH * 2 + 1];
	int top; /* index of the innermost context */
	int partials;
	struct wbuf *out;
	char *err;
	size_t errlen;
};

static json_t *
lookup_in(json_t *v, const char *dotted)
{
	char part[TMPL_MAX_NAME + 1];
	const char *s = dotted;

	while (v != NULL && *s != '\0') {
		size_t n = strcspn(s, ".");
		if (!json_is_object(v) || n > TMPL_MAX_NAME)
			return NULL;
		memcpy(part, s, n);
		part[n] = '\0';
		v = json_object_get(v, part);
		s += n + (s[n] == '.');
	}
	return v;
}

/* The first name part is looked up from the innermost context out (Mustache's rule). */
static json_t *
lookup(const struct render *r, const char *name)
{
	char first[TMPL_MAX_NAME + 1];
	size_t n = strcspn(name, ".");

	if (strcmp(name, ".") == 0)
		return r->stack[r->top];
	memcpy(first, name, n);
	first[n] = '\0';
	for (int i = r->top; i >= 0; i--) {
		json_t *v = json_is_object(r->stack[i])
		                ? json_object_get(r->stack[i], first)
		                : NULL;
		if (v != NULL)
			return name[n] == '.' ? lookup_in(v, name + n + 1) : v;
	}
	return NULL;
}

static int
truthy(json_t *v)
{
	if (v == NULL || json_is_null(v) || json_is_false(v))
		return 0;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_object(v))
		return json_object_size(v) > 0;
	return 1;
}

static void
put_value(struct render *r, json_t *v)
{
	char num[64];

	if (json_is_string(v)) {
		html_escape(r->out, json_string_value(v), json_string_length(v));
		return;
	}
	if (json_is_integer(v))
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		         json_integer_value(v));
	else if (json_is_real(v))
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
	else if (json_is_true(v))
		snprintf(num, sizeof(num), "true");
	else
		return; /* null, false, objects and arrays print nothing */
	wbuf_put_bytes(r->out, num, strlen(num));
}

static int render_nodes(struct render *r, const struct node *n);

static int
render_with(struct render *r, json_t *ctx, const struct node *body)
{
	if (r->top + 1 >= (int)(sizeof(r->stack) / sizeof(r->stack[0])))
		return errf(r->err, r->errlen, "contexts nested too deep");
	r->stack[++r->top] = ctx;
	int rc = render_nodes(r, body);
	r->top--;
	return rc;
}

static int
render_section(struct render *r, const struct node *n)
{
	json_t *v = lookup(r, n->text);

	if (n->kind == N_INVERTED)
		return truthy(v) ? 0 : render_nodes(r, n->child);
	if (!truthy(v))
		return 0;
	if (!json_is_array(v))
		return render_with(r, v, n->child);
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		if (render_with(r, e, n->child) != 0)
			return -1;
	}
	return 0;
}

static const struct tmpl *
find(const struct tmpl_set *ts, const char *name)
{
	for (const struct tmpl *t = ts->list; t != NULL; t = t->next)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static int
render_partial(struct render *r, const struct node *n)
{
	const struct tmpl *t = find(r->ts, n->text);

	if (t == NULL)
		return errf(r->err, r->errlen, "no template named %s", n->text);
	if (r->partials >= TMPL_MAX_DEPTH)
		return errf(r->err, r->errlen, "partials nested too deep at %s", n->text);
	r->partials++;
	int rc = render_nodes(r, t->root);
	r->partials--;
	return rc;
}

static int
render_nodes(struct render *r, const struct node *n)
{
	for (; n != NULL; n = n->next) {
		int rc = 0;
		switch (n->kind) {
		case N_TEXT:
			wbuf_put_bytes(r->out, n->text, n->len);
			break;
		case N_VAR:
			put_value(r, lookup(r, n->text));
			break;
		case N_SECTION:
		case N_INVERTED:
			rc = render_section(r, n);
			break;
		case N_PARTIAL:
			rc = render_partial(r, n);
			break;
		}
		if (rc != 0)
			return -1;
		if (r->out->failed)
			return errf(r->err, r->errlen, "page larger than %zu bytes",
			            r->out->max);
	}
	return 0;
}

int
tmpl_render(const struct tmpl_set *ts, const char *name, json_t *ctx, struct wbuf *out,
            char *err, size_t errlen)
{
	struct render r = {.ts = ts, .out = out, .err = err, .errlen = errlen};
	const struct tmpl *t = find(ts, name);

	if (t == NULL)
		return errf(err, errlen, "no template named %s", name);
	r.stack[0] = ctx;
	return render_nodes(&r, t->root);
}
