/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sftp/path.h"

const char *
path_rel(const char *vpath)
{
	return vpath[1] == '\0' ? "." : vpath + 1;
}

void
path_parent(const char *vpath, char *out, size_t outsz)
{
	const char *slash = strrchr(vpath, '/');
	size_t n = slash == NULL || slash == vpath ? 1 : (size_t)(slash - vpath);

	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, vpath, n);
	out[n] = '\0';
	if (n == 1)
		out[0] = '/';
}

const char *
path_base(const char *vpath)
{
	const char *slash = strrchr(vpath, '/');

	return slash == NULL ? vpath : slash + 1;
}

int
path_pick_root(const struct sftp_folder *f, size_t n, const char *vpath, const char **sub)
{
	size_t best_len = 0;
	int best = -1;

	*sub = vpath;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(f[i].vpath);
		if (len > best_len && strncmp(vpath, f[i].vpath, len) == 0 &&
		    (vpath[len] == '\0' || vpath[len] == '/')) {
			best = (int)i;
			best_len = len;
		}
	}
	if (best >= 0)
		*sub = vpath[best_len] == '\0' ? "/" : vpath + best_len;
	return best;
}

int
path_folder_child(const struct sftp_folder *f, size_t n, const char *dir,
                  const char *name)
{
	char parent[SFTP_PATH_MAX];

	for (size_t i = 0; i < n; i++) {
		path_parent(f[i].vpath, parent, sizeof(parent));
		if (strcmp(parent, dir) == 0 && strcmp(path_base(f[i].vpath), name) == 0)
			return (int)i;
	}
	return -1;
}

int
path_open_ex(int rootfd, const char *vpath, int flags, mode_t mode, int no_symlinks)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC);
	how.mode = (flags & (O_CREAT | O_TMPFILE)) ? (mode & 07777) : 0;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	if (no_symlinks)
		how.resolve |= RESOLVE_NO_SYMLINKS;
	/* EAGAIN: a concurrent rename raced a ".." lookup; the kernel asks to retry. */
	for (int tries = 0;; tries++) {
		long fd =
		    syscall(SYS_openat2, rootfd, path_rel(vpath), &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN || tries >= 32)
			return (int)fd;
	}
}

int
path_open(int rootfd, const char *vpath, int flags, mode_t mode)
{
	return path_open_ex(rootfd, vpath, flags, mode, 0);
}

int
path_open_parent_ex(int rootfd, const char *vpath, const char **base, int no_symlinks)
{
	char parent[SFTP_PATH_MAX];

	if (vpath[0] != '/' || vpath[1] == '\0') {
		errno = EPERM;
		return -1;
	}
	path_parent(vpath, parent, sizeof(parent));
	*base = path_base(vpath);
	return path_open_ex(rootfd, parent, O_PATH | O_DIRECTORY, 0, no_symlinks);
}

int
path_open_parent(int rootfd, const char *vpath, const char **base)
{
	return path_open_parent_ex(rootfd, vpath, base, 0);
}

/* Splits the first component off *rest (skipping slashes); 0 when none is left. */
static size_t
next_component(const char **rest, const char **comp)
{
	const char *p = *rest;
	size_t n = 0;

	while (*p == '/')
		p++;
	*comp = p;
	while (p[n] != '\0' && p[n] != '/')
		n++;
	*rest = p + n;
	return n;
}

static int
only_slashes(const char *p)
{
	while (*p == '/')
		p++;
	return *p == '\0';
}

/*
 * One step of path_resolve: the entry name in the directory dirfd, opened without
 * following it. A symlink is read into link (*fd closed, -1); anything else is left
 * open in *fd for the next step to descend from.
 */
static int
open_step(int dirfd, const char *comp, size_t clen, char *link, size_t linksz,
          int *is_link, int *fd)
{
	char name[NAME_MAX + 2] = "/";
	struct stat st;
	ssize_t n;
	int err = 0;

	*is_link = 0;
	*fd = -1;
	if (clen > NAME_MAX)
		return ENAMETOOLONG;
	memcpy(name + 1, comp, clen);
	name[clen + 1] = '\0';
	if ((*fd = path_open(dirfd, name, O_PATH | O_NOFOLLOW, 0)) < 0)
		return errno;
	if (fstat(*fd, &st) != 0) {
		err = errno;
	} else if (S_ISLNK(st.st_mode)) {
		n = readlinkat(*fd, "", link, linksz - 1);
		if (n < 0) {
			err = errno;
		} else {
			link[n] = '\0';
			*is_link = 1;
		}
	}
	if (err != 0 || *is_link) {
		close(*fd);
		*fd = -1;
	}
	return err;
}

/* The walk's current directory: rootfd itself for "/", else an owned descriptor. */
struct walk_dir {
	int rootfd, fd; /* fd: -1 when stale (after a lexical ".." or a jump to "/") */
};

static void
walk_set(struct walk_dir *d, int fd)
{
	if (d->fd >= 0 && d->fd != d->rootfd)
		close(d->fd);
	d->fd = fd;
}

/* The descriptor of cur, opened again from the root when the walk went up. */
static int
walk_fd(struct walk_dir *d, const char *cur)
{
	if (d->fd >= 0)
		return 0;
	if (strcmp(cur, "/") == 0) {
		d->fd = d->rootfd;
		return 0;
	}
	d->fd = path_open(d->rootfd, cur, O_PATH | O_DIRECTORY, 0);
	return d->fd < 0 ? errno : 0;
}

/*
 * The walk keeps the directory it stands in open and steps one name at a time
 * from it, so a path of depth d costs d lookups, not d^2 as when every prefix was
 * resolved again from the root (scp -r -f of a deep tree spent its time there).
 */
int
path_resolve(int rootfd, const char *vpath, int follow_last, char *out, size_t outsz)
{
	char cur[SFTP_PATH_MAX] = "/", todo[2 * SFTP_PATH_MAX], link[SFTP_PATH_MAX];
	char next[2 * SFTP_PATH_MAX + 2];
	const char *rest, *comp;
	size_t clen, len = 1;
	int links = 0, is_link, err, fd, rc = 0;
	struct walk_dir d = {rootfd, rootfd};

	if (strlcpy(todo, vpath, sizeof(todo)) >= sizeof(todo))
		return ENAMETOOLONG;
	rest = todo;
	while ((clen = next_component(&rest, &comp)) > 0) {
		char cand[SFTP_PATH_MAX];
		size_t save = len;
		int dots = (clen == 1 && comp[0] == '.') ||
		           (clen == 2 && comp[0] == '.' && comp[1] == '.');
		/* cand = cur + comp, ".." and "." handled lexically on a link-free cur */
		memcpy(cand, cur, len + 1);
		if (vpath_push(cand, sizeof(cand), &len, comp, clen) != 0) {
			rc = ENAMETOOLONG;
			break;
		}
		if (dots || (!follow_last && only_slashes(rest))) {
			if (dots && strcmp(cand, cur) != 0)
				walk_set(&d, -1);
			memcpy(cur, cand, len + 1);
			continue;
		}
		err = walk_fd(&d, cur);
		if (err == 0)
			err = open_step(d.fd, comp, clen, link, sizeof(link), &is_link,
			                &fd);
		if (err != 0) {
			/* Missing (or unreadable): the rest cannot hold links we could
			 * follow. */
			if (snprintf(next, sizeof(next), "%s/%s", cand, rest) >=
			        (int)sizeof(next) ||
			    vpath_normalize("/", next, strlen(next), out, outsz) != 0)
				rc = ENAMETOOLONG;
			walk_set(&d, -1);
			return rc;
		}
		if (!is_link) {
			walk_set(&d, fd);
			memcpy(cur, cand, len + 1);
			continue;
		}
		if (++links > 40) {
			rc = ELOOP;
			break;
		}
		len = save;
		if (link[0] == '/') {
			strlcpy(cur, "/", sizeof(cur));
			len = 1;
			walk_set(&d, rootfd);
		}
		if (snprintf(next, sizeof(next), "%s/%s", link, rest) >=
		    (int)sizeof(todo)) {
			rc = ENAMETOOLONG;
			break;
		}
		strlcpy(todo, next, sizeof(todo));
		rest = todo;
	}
	walk_set(&d, -1);
	if (rc == 0 && strlcpy(out, cur, outsz) >= outsz)
		rc = ENAMETOOLONG;
	return rc;
}
