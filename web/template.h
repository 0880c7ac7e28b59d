/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The web admin's page templates: a strict subset of Mustache rendered from a
 * jansson value, every value HTML-escaped.
 *
 *   {{name}} {{a.b}} {{.}}   the value, escaped (strings; integers; reals; true)
 *   {{#name}}...{{/name}}    an array: once per element; an object or another true
 *                            value: once, with it on top of the context stack;
 *                            null, false, "", [] and {}: not at all
 *   {{^name}}...{{/name}}    once when {{#name}} would not render
 *   {{> partial}}            another template of the same set, in this context
 *   {{! comment}}
 *
 * There is no unescaped form: a page never carries markup from data. Templates
 * are parsed when added, so a bad one is refused at start-up with its name and
 * line, never at render time.
 */
#ifndef SFTPGO_WEB_TEMPLATE_H
#define SFTPGO_WEB_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>

#include "common/buf.h"

#define TMPL_MAX_SIZE (1u << 20) /* one template's text */
#define TMPL_MAX_DEPTH 32        /* nested sections, and partials within partials */
#define TMPL_MAX_NAME 128        /* a variable, section or partial name */

struct tmpl_set;

struct tmpl_set *tmpl_set_new(void);
void tmpl_set_free(struct tmpl_set *ts);

/* Parses text (len bytes, no NUL needed) as template name; replaces one of that name. */
int tmpl_set_add(struct tmpl_set *ts, const char *name, const char *text, size_t len,
                 char *err, size_t errlen);

/*
 * Reads each of names (NULL-terminated) as "<name>.html" from the directory dirfd
 * and adds it; a missing, unreadable, over-large or bad template fails the load.
 */
int tmpl_set_load(struct tmpl_set *ts, int dirfd, const char *const *names, char *err,
                  size_t errlen);

/* Appends template name rendered with ctx to out; -1 with err on failure. */
int tmpl_render(const struct tmpl_set *ts, const char *name, json_t *ctx,
                struct wbuf *out, char *err, size_t errlen);

/* Appends s HTML-escaped (& < > " ' `). */
int html_escape(struct wbuf *out, const char *s, size_t len);

#endif
