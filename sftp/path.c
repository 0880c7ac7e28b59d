/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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

/* One step of path_resolve: the symlink at cand, if it is one, read into link. */
static int
read_if_link(int rootfd, const char *cand, char *link, size_t linksz, int *is_link)
{
	struct stat st;
	ssize_t n;
	int fd = path_open(rootfd, cand, O_PATH | O_NOFOLLOW, 0), err = 0;

	*is_link = 0;
	if (fd < 0)
		return errno;
	if (fstat(fd, &st) != 0) {
		err = errno;
	} else if (S_ISLNK(st.st_mode)) {
		n = readlinkat(fd, "", link, linksz - 1);
		if (n < 0) {
			err = errno;
		} else {
			link[n] = '\0';
			*is_link = 1;
		}
	}
	close(fd);
	return err;
}

int
path_resolve(int rootfd, const char *vpath, int follow_last, char *out, size_t outsz)
{
	char cur[SFTP_PATH_MAX] = "/", todo[2 * SFTP_PATH_MAX], link[SFTP_PATH_MAX];
	char next[2 * SFTP_PATH_MAX + 2];
	const char *rest, *comp;
	size_t clen, len = 1;
	int links = 0, is_link, err;

	if (strlcpy(todo, vpath, sizeof(todo)) >= sizeof(todo))
		return ENAMETOOLONG;
	rest = todo;
	while ((clen = next_component(&rest, &comp)) > 0) {
		char cand[SFTP_PATH_MAX];
		size_t save = len;
		/* cand = cur + comp, ".." and "." handled lexically on a link-free cur */
		memcpy(cand, cur, len + 1);
		if (vpath_push(cand, sizeof(cand), &len, comp, clen) != 0)
			return ENAMETOOLONG;
		if ((clen == 1 && comp[0] == '.') ||
		    (clen == 2 && comp[0] == '.' && comp[1] == '.') ||
		    (!follow_last && only_slashes(rest))) {
			memcpy(cur, cand, len + 1);
			continue;
		}
		err = read_if_link(rootfd, cand, link, sizeof(link), &is_link);
		if (err != 0) {
			/* Missing (or unreadable): the rest cannot hold links we could
			 * follow. */
			if (snprintf(next, sizeof(next), "%s/%s", cand, rest) >=
			    (int)sizeof(next))
				return ENAMETOOLONG;
			return vpath_normalize("/", next, strlen(next), out, outsz) == 0
			           ? 0
			           : ENAMETOOLONG;
		}
		if (!is_link) {
			memcpy(cur, cand, len + 1);
			continue;
		}
		if (++links > 40)
			return ELOOP;
		len = save;
		if (link[0] == '/') {
			strlcpy(cur, "/", sizeof(cur));
			len = 1;
		}
		if (snprintf(next, sizeof(next), "%s/%s", link, rest) >=
		    (int)sizeof(todo))
			return ENAMETOOLONG;
		strlcpy(todo, next, sizeof(todo));
		rest = todo;
	}
	if (strlcpy(out, cur, outsz) >= outsz)
		return ENAMETOOLONG;
	return 0;
}
