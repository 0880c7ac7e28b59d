/* SPDX-License-Identifier: BSD-2-Clause */
/* Shell-like word splitting without expansion (see words.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sshcmd/words.h"

struct splitter {
	const char *p;
	char *word; /* the word being built; at most strlen(line) + 1 bytes */
	size_t len;
	int in_word;
	struct words *w;
};

void
words_free(struct words *w)
{
	if (w->v != NULL)
		for (int i = 0; i < w->n; i++)
			free(w->v[i]);
	free(w->v);
	w->v = NULL;
	w->n = 0;
}

static int
end_word(struct splitter *s)
{
	if (!s->in_word)
		return 0;
	if (s->w->n >= WORDS_MAX)
		return -1;
	s->word[s->len] = '\0';
	char *copy = strdup(s->word);
	if (copy == NULL)
		return -1;
	s->w->v[s->w->n++] = copy;
	s->w->v[s->w->n] = NULL;
	s->len = 0;
	s->in_word = 0;
	return 0;
}

static void
add(struct splitter *s, char c)
{
	s->word[s->len++] = c;
	s->in_word = 1;
}

/* After the opening quote: up to the closing one. -1 when it never comes. */
static int
single_quoted(struct splitter *s)
{
	const char *end = strchr(s->p, '\'');

	if (end == NULL)
		return -1;
	s->in_word = 1;
	while (s->p < end)
		add(s, *s->p++);
	s->p++;
	return 0;
}

static int
double_quoted(struct splitter *s)
{
	s->in_word = 1;
	for (;;) {
		char c = *s->p++;
		if (c == '\0')
			return -1;
		if (c == '"')
			return 0;
		if (c == '$' || c == '`')
			return -2; /* an expansion inside double quotes */
		if (c == '\\' && *s->p == '\n') {
			s->p++;
			continue;
		}
		if (c == '\\' && strchr("\"\\$`", *s->p) != NULL && *s->p != '\0')
			c = *s->p++;
		add(s, c);
	}
}

static int
fail(char *err, size_t errlen, const char *why, struct words *w)
{
	snprintf(err, errlen, "%s", why);
	words_free(w);
	return -1;
}

int
words_split(const char *line, struct words *w, char *err, size_t errlen)
{
	size_t n = strlen(line);
	struct splitter s = {.p = line, .w = w};

	w->n = 0;
	w->v = NULL;
	if (n > WORDS_LINE_MAX)
		return fail(err, errlen, "command line too long", w);
	w->v = calloc(WORDS_MAX + 1, sizeof(char *));
	s.word = malloc(n + 1);
	if (w->v == NULL || s.word == NULL) {
		free(s.word);
		return fail(err, errlen, "out of memory", w);
	}
	int rc = 0;
	while (rc == 0 && *s.p != '\0') {
		char c = *s.p++;
		if (c == ' ' || c == '\t')
			rc = end_word(&s);
		else if (c == '\'')
			rc = single_quoted(&s);
		else if (c == '"')
			rc = double_quoted(&s);
		else if (c == '\\' && *s.p == '\n')
			s.p++;
		else if (c == '\\' && *s.p != '\0')
			add(&s, *s.p++);
		else if (strchr(";&|<>`$()\n", c) != NULL)
			rc = -2;
		else
			add(&s, c);
	}
	if (rc == 0)
		rc = end_word(&s);
	free(s.word);
	if (rc == -2)
		return fail(err, errlen, "shell syntax is not supported", w);
	if (rc != 0)
		return fail(err, errlen, "unbalanced quotes or too many words", w);
	if (w->n == 0)
		return fail(err, errlen, "empty command", w);
	return 0;
}
