/* SPDX-License-Identifier: BSD-2-Clause */
/* sftpgo-worker start-up helpers that tests reach (see worker/worker.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fdpass.h"
#include "sftp/path.h"
#include "sftp/settings.h"
#include "worker/proto.h"
#include "worker/worker.h"

int
worker_expand_start_dir(const char *in, const char *home, const char *user, char *out,
                        size_t outsz)
{
	size_t o = 0;

	for (const char *p = in; *p != '\0'; p++) {
		const char *add = NULL;
		char one[2] = {*p, '\0'};
		if (*p == '%') {
			p++;
			if (*p == 'd')
				add = home;
			else if (*p == 'u')
				add = user;
			else if (*p == '%')
				add = "%";
			else
				return -1;
		} else {
			add = one;
		}
		size_t n = strlen(add);
		if (o + n >= outsz)
			return -1;
		memcpy(out + o, add, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

int
worker_make_home(const char *dir, long long uid, long long gid, char *err, size_t errlen)
{
	char p[4096];
	struct stat st;
	size_t n = strlen(dir);

	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(err, errlen, "home %s is not a directory", dir);
		return -1;
	}
	if (errno != ENOENT || n == 0 || n >= sizeof(p) || dir[0] != '/') {
		snprintf(err, errlen, "home %s: %s", dir, strerror(errno));
		return -1;
	}
	memcpy(p, dir, n + 1);
	/* mkdir -p: each missing parent, then the home itself */
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "creating home %s: %s", p, strerror(errno));
			return -1;
		}
		p[i] = dir[i];
	}
	/* As SFTPGo: the new home belongs to the user (only root can give it away).
	 * Through an fd opened without following a symlink: whoever can write the
	 * parent must not make root chown something else. */
	if (geteuid() != 0 || (uid < 0 && gid < 0))
		return 0;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchown(fd, uid >= 0 ? (uid_t)uid : (uid_t)-1,
	                     gid >= 0 ? (gid_t)gid : (gid_t)-1) != 0) {
		snprintf(err, errlen, "chown home %s: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
worker_receive_folders(int sock, struct sftp_settings *st, char *err, size_t errlen)
{
	for (size_t i = 0; i < st->n_folders; i++) {
		struct sftp_folder *f = &st->folders[i];
		struct stat sb;
		char b = 0;
		int fd = -1;
		if (f->fd != SFTP_FOLDER_FD_PENDING)
			continue;
		if (sock < 0) {
			snprintf(err, errlen,
			         "virtual folder %s: its directory is passed by the "
			         "monitor (--monitor-fd) only",
			         f->vpath);
			return -1;
		}
		ssize_t n = fdpass_recv(sock, &b, 1, &fd);
		if (n != 1 || b != WP_FOLDER_FD_BYTE || fd < 0 || fstat(fd, &sb) != 0 ||
		    !S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen,
			         "virtual folder %s: no directory from the monitor",
			         f->vpath);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		f->fd = fd;
	}
	return 0;
}

void
worker_make_folder_parents(int rootfd, const struct sftp_settings *st)
{
	for (size_t i = 0; i < st->n_folders; i++) {
		const char *v = st->folders[i].vpath;
		char prefix[SFTP_PATH_MAX];
		for (size_t k = 1; v[k] != '\0'; k++) {
			const char *base;
			int pfd;
			if (v[k] != '/' || k >= sizeof(prefix))
				continue;
			memcpy(prefix, v, k);
			prefix[k] = '\0';
			/* as the user, under the home root: failures are ignored (SFTPGo)
			 */
			if ((pfd = path_open_parent(rootfd, prefix, &base)) < 0)
				break;
			int rc = mkdirat(pfd, base, 0777);
			close(pfd);
			if (rc != 0 && errno != EEXIST)
				break;
		}
	}
}
