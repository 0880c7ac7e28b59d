/* SPDX-License-Identifier: BSD-2-Clause */
/* The system commands' policy (see syscmd.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/vpath.h"
#include "sftp/filters.h"
#include "sftp/perms.h"
#include "sftp/settings.h"
#include "sshcmd/syscmd.h"
#include "sshcmd/words.h"

/* What SFTPGo asked of the user on the command's path, even for a clone. */
#define SYSCMD_PERMS                                                                     \
	(PERM_DOWNLOAD | PERM_UPLOAD | PERM_CREATE_DIRS | PERM_LIST | PERM_OVERWRITE |   \
	 PERM_DELETE | PERM_RENAME)

struct program {
	const char *name, *path;
};

/* Fixed, root-owned paths: never a lookup in a PATH a user could influence. */
static const struct program programs[] = {
    {"git-receive-pack", "/usr/lib/git-core/git-receive-pack"},
    {"git-upload-pack", "/usr/lib/git-core/git-upload-pack"},
    {"git-upload-archive", "/usr/lib/git-core/git-upload-archive"},
    {"rsync", "/usr/bin/rsync"},
};

/*
 * rsync options a client never needs on the server side and that would run a
 * program, read or write files named outside the transfer, turn the server into a
 * daemon, or undo the symlink rule (prefix match up to '=').
 */
static const char *const rsync_refused[] = {"--daemon",
                                            "--config",
                                            "--dparam",
                                            "--rsync-path",
                                            "--rsh",
                                            "--log-file",
                                            "--write-batch",
                                            "--only-write-batch",
                                            "--read-batch",
                                            "--password-file",
                                            "--early-input",
                                            "--remote-option",
                                            "--no-safe-links",
                                            "--no-munge-links",
                                            "--copy-unsafe-links",
                                            "--no-copy-unsafe-links",
                                            "--files-from",
                                            "--sockopts",
                                            "--address",
                                            "--port",
                                            "--no-detach",
                                            "--temp-dir",
                                            NULL};

static const struct program *
find_program(const char *name)
{
	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		if (strcmp(programs[i].name, name) == 0)
			return &programs[i];
	return NULL;
}

int
syscmd_is_system(const char *command)
{
	size_t n = strspn(command, " \t");
	size_t len = strcspn(command + n, " \t");

	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		if (strlen(programs[i].name) == len &&
		    strncmp(command + n, programs[i].name, len) == 0)
			return 1;
	return 0;
}

static int
add_arg(struct syscmd *c, const char *a, char *err, size_t errlen)
{
	if (c->argc >= SYSCMD_ARGS_MAX) {
		snprintf(err, errlen, "too many arguments");
		return -1;
	}
	if ((c->argv[c->argc] = strdup(a)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->argv[++c->argc] = NULL;
	return 0;
}

/* 1 when vpath is dir or lies below it (both normalised). */
static int
at_or_below(const char *vpath, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return 1;
	return strncmp(vpath, dir, n) == 0 && (vpath[n] == '\0' || vpath[n] == '/');
}

/*
 * An operand: its virtual path (relative ones start at "/"), checked, then added
 * as home + vpath; a trailing '/' is kept (rsync tells "dir/" from "dir").
 */
static int
add_path(struct syscmd *c, const struct sftp_settings *st, const char *home,
         const char *arg, char *err, size_t errlen)
{
	char real[SFTP_PATH_MAX + 64];
	size_t n = strlen(arg);
	int slash = n > 0 && arg[n - 1] == '/';

	if (vpath_normalize("/", n > 0 ? arg : ".", n > 0 ? n : 1, c->vpath,
	                    sizeof(c->vpath)) != 0) {
		snprintf(err, errlen, "invalid path");
		return -1;
	}
	if (!perm_has(&st->perms, c->vpath, SYSCMD_PERMS)) {
		snprintf(err, errlen, "Permission denied: %s", c->vpath);
		return -1;
	}
	int r = snprintf(real, sizeof(real), "%s%s%s", home,
	                 strcmp(c->vpath, "/") == 0 ? "" : c->vpath,
	                 slash || strcmp(c->vpath, "/") == 0 ? "/" : "");
	if (r < 0 || (size_t)r >= sizeof(real)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	return add_arg(c, real, err, errlen);
}

/* git-*: exactly one operand, the repository, outside folders and filters. */
static int
build_git(struct syscmd *c, const struct words *w, const struct sftp_settings *st,
          const char *home, char *err, size_t errlen)
{
	if (w->n != 2 || w->v[1][0] == '-') {
		snprintf(err, errlen, "%s: exactly one repository path is accepted",
		         w->v[0]);
		return -1;
	}
	if (add_arg(c, w->v[0], err, errlen) != 0 ||
	    add_path(c, st, home, w->v[1], err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < st->n_folders; i++)
		if (at_or_below(c->vpath, st->folders[i].vpath)) {
			snprintf(err, errlen, "%s: not allowed in a virtual folder: %s",
			         w->v[0], c->vpath);
			return -1;
		}
	for (size_t i = 0; i < st->file_extensions.n; i++)
		if (at_or_below(c->vpath, st->file_extensions.v[i].dir)) {
			snprintf(err, errlen,
			         "%s: not allowed where file extension filters apply: %s",
			         w->v[0], c->vpath);
			return -1;
		}
	return 0;
}

static int
rsync_option_refused(const char *opt)
{
	for (const char *const *r = rsync_refused; *r != NULL; r++) {
		size_t n = strlen(*r);
		if (strncmp(opt, *r, n) == 0 && (opt[n] == '\0' || opt[n] == '='))
			return 1;
	}
	/* short: -M is --remote-option, -T --temp-dir (a bundle starts with them) */
	return opt[1] != '-' && (opt[1] == 'M' || opt[1] == 'T');
}

/* "rsync --server [options] . path...": links made safe, paths rewritten. */
static int
build_rsync(struct syscmd *c, const struct words *w, const struct sftp_settings *st,
            const char *home, char *err, size_t errlen)
{
	int i = 2, have_safe = 0;

	if (st->n_folders > 0 || st->file_extensions.n > 0) {
		snprintf(err, errlen,
		         "rsync: not allowed for a user with virtual folders "
		         "or file extension filters");
		return -1;
	}
	if (w->n < 4 || strcmp(w->v[1], "--server") != 0) {
		snprintf(err, errlen, "rsync: only the server side is accepted");
		return -1;
	}
	for (; i < w->n && w->v[i][0] == '-'; i++) {
		if (rsync_option_refused(w->v[i])) {
			snprintf(err, errlen, "rsync: option not allowed: %s", w->v[i]);
			return -1;
		}
		have_safe |= strcmp(w->v[i], "--safe-links") == 0 ||
		             strcmp(w->v[i], "--munge-links") == 0;
	}
	if (i >= w->n - 1 || strcmp(w->v[i], ".") != 0) {
		snprintf(err, errlen, "rsync: bad command line");
		return -1;
	}
	if (add_arg(c, "rsync", err, errlen) != 0)
		return -1;
	/* SFTPGo: --safe-links where symlinks may be made, else --munge-links (the
	 * path checked is the last one; any of them is checked again below) */
	if (!have_safe) {
		char last[SFTP_PATH_MAX];
		const char *a = w->v[w->n - 1];
		int sym = vpath_normalize("/", a[0] ? a : ".", a[0] ? strlen(a) : 1, last,
		                          sizeof(last)) == 0 &&
		          perm_has(&st->perms, last, PERM_CREATE_SYMLINKS);
		if (add_arg(c, sym ? "--safe-links" : "--munge-links", err, errlen) != 0)
			return -1;
	}
	for (int k = 1; k <= i; k++)
		if (add_arg(c, w->v[k], err, errlen) != 0)
			return -1;
	for (int k = i + 1; k < w->n; k++)
		if (add_path(c, st, home, w->v[k], err, errlen) != 0)
			return -1;
	return 0;
}

int
syscmd_build(const char *command, const struct sftp_settings *st, const char *home,
             struct syscmd *c, char *err, size_t errlen)
{
	struct words w;
	int rc;

	memset(c, 0, sizeof(*c));
	if (words_split(command, &w, err, errlen) != 0)
		return -1;
	const struct program *p = find_program(w.v[0]);
	if (p != NULL && (st->upload_bandwidth > 0 || st->download_bandwidth > 0)) {
		/* the program writes the channel itself: nothing could throttle it */
		snprintf(err, errlen,
		         "%s: not supported yet for a user with upload_bandwidth or "
		         "download_bandwidth",
		         w.v[0]);
		rc = -1;
	} else if (p == NULL) {
		snprintf(err, errlen, "%s: not a system command", w.v[0]);
		rc = -1;
	} else {
		c->prog = p->path;
		rc = strcmp(p->name, "rsync") == 0
		         ? build_rsync(c, &w, st, home, err, errlen)
		         : build_git(c, &w, st, home, err, errlen);
	}
	words_free(&w);
	if (rc != 0)
		syscmd_free(c);
	return rc;
}

void
syscmd_free(struct syscmd *c)
{
	for (int i = 0; i < c->argc; i++)
		free(c->argv[i]);
	c->argc = 0;
	c->argv[0] = NULL;
}
