#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sftp/path.h"

/* Appends one component to out (which holds a virtual path of length *len). */
static int
push_component(char *out, size_t outsz, size_t *len, const char *c, size_t clen)
{
	if (clen == 1 && c[0] == '.')
		return 0;
	if (clen == 2 && c[0] == '.' && c[1] == '.') {
		while (*len > 0 && out[*len - 1] != '/')
			(*len)--;
		if (*len > 1)
			(*len)--; /* drop the separator unless it is the root */
		out[*len] = '\0';
		return 0;
	}
	/* "/" + c, plus the terminating NUL */
	if (*len + (*len > 1 ? 1 : 0) + clen + 1 > outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (*len > 1)
		out[(*len)++] = '/';
	memcpy(out + *len, c, clen);
	*len += clen;
	out[*len] = '\0';
	return 0;
}

static int
push_path(char *out, size_t outsz, size_t *len, const char *p, size_t n)
{
	size_t i = 0, start;

	while (i < n) {
		while (i < n && p[i] == '/')
			i++;
		start = i;
		while (i < n && p[i] != '/')
			i++;
		if (i > start &&
		    push_component(out, outsz, len, p + start, i - start) != 0)
			return -1;
	}
	return 0;
}

int
path_normalize(const char *cwd, const char *p, size_t n, char *out, size_t outsz)
{
	size_t len = 1;

	if (outsz < 2 || memchr(p, '\0', n) != NULL) {
		errno = EINVAL;
		return -1;
	}
	out[0] = '/';
	out[1] = '\0';
	if (n == 0 || p[0] != '/') {
		if (push_path(out, outsz, &len, cwd, strlen(cwd)) != 0)
			return -1;
	}
	return push_path(out, outsz, &len, p, n);
}

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
path_open(int rootfd, const char *vpath, int flags, mode_t mode)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC);
	how.mode = (flags & (O_CREAT | O_TMPFILE)) ? (mode & 07777) : 0;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	/* EAGAIN: a concurrent rename raced a ".." lookup; the kernel asks to retry. */
	for (int tries = 0;; tries++) {
		long fd =
		    syscall(SYS_openat2, rootfd, path_rel(vpath), &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN || tries >= 32)
			return (int)fd;
	}
}

int
path_open_parent(int rootfd, const char *vpath, const char **base)
{
	char parent[SFTP_PATH_MAX];

	if (vpath[0] != '/' || vpath[1] == '\0') {
		errno = EPERM;
		return -1;
	}
	path_parent(vpath, parent, sizeof(parent));
	*base = path_base(vpath);
	return path_open(rootfd, parent, O_PATH | O_DIRECTORY, 0);
}
