/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The command line of an SSH exec request, split into words the way a POSIX shell
 * would split a simple command, with no expansion at all: single quotes keep
 * everything, double quotes keep everything but \" \\ \$ \` (and a backslash-newline
 * is dropped), a backslash outside quotes keeps the next character. Characters that
 * would make a shell do something else (; & | < > ` $ ( ) and an unquoted newline)
 * are refused: no program is ever run, so nothing may pretend to be a pipeline.
 */
#ifndef SFTPGO_SSHCMD_WORDS_H
#define SFTPGO_SSHCMD_WORDS_H

#include <stddef.h>

#define WORDS_MAX 256       /* words per command line */
#define WORDS_LINE_MAX 8192 /* bytes per command line (RPC_COMMAND_MAX) */

struct words {
	char **v; /* v[n] is NULL */
	int n;
};

/* 0, or -1 with the reason in err (unbalanced quote, refused character, too long). */
int words_split(const char *line, struct words *w, char *err, size_t errlen);
void words_free(struct words *w);

#endif
