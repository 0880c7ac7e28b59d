/* SPDX-License-Identifier: BSD-2-Clause */
/* Virtual folders of a worker, root side (monitor/folders.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fdpass.h"
#include "logfile/logfile.h"
#include "monitor/folders.h"

/*
 * As root, a path is opened without following any symlink in any component
 * (RESOLVE_NO_SYMLINKS): whoever can write a directory on the way cannot send
 * the worker elsewhere. O_PATH: no read permission needed, nothing read as root.
 */
static int
open_mapped(const char *path)
{
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	do
		fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return (int)fd;
}

/* For the warning only: O_DIRECTORY answers ENOTDIR before O_NOFOLLOW's ELOOP. */
static const char *
why_unusable(const char *path, int err)
{
	struct stat st;

	if (err == ENOTDIR && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		err = ELOOP;
	switch (err) {
	case ENOENT:
		return "does not exist";
	case ENOTDIR:
		return "is not a directory";
	case ELOOP:
		return "is or goes through a symlink (never followed as root)";
	default:
		return strerror(err);
	}
}

int
mfolders_open(const struct sftpgo_user *u, const char *conn_id, const char *effect,
              struct mfolders *mf)
{
	size_t i, n = json_array_size(u->virtual_folders);
	json_t *f;

	memset(mf, 0, sizeof(*mf));
	if (n > WP_FOLDERS_MAX || (mf->settings = json_array()) == NULL)
		return -1;
	json_array_foreach(u->virtual_folders, i, f)
	{
		const char *vp = json_string_value(json_object_get(f, "virtual_path"));
		const char *mp = json_string_value(json_object_get(f, "mapped_path"));
		int fd = mp != NULL ? open_mapped(mp) : -1;
		if (fd < 0)
			log_app(LOGL_WARN, "sftpd",
			        "[%s] user %s: virtual folder \"%s\": mapped_path \"%s\" "
			        "%s; %s",
			        conn_id, u->username, vp ? vp : "", mp ? mp : "",
			        why_unusable(mp ? mp : "", mp != NULL ? errno : ENOENT),
			        effect);
		else
			mf->fd[mf->n++] = fd;
		if (json_array_append_new(
		        mf->settings, json_pack("{s:s,s:b}", "virtual_path", vp ? vp : "",
		                                "missing", fd < 0)) != 0) {
			mfolders_close(mf);
			return -1;
		}
	}
	return 0;
}

int
mfolders_send(int sock, const struct mfolders *mf)
{
	static const char byte = WP_FOLDER_FD_BYTE;

	for (size_t i = 0; i < mf->n; i++)
		if (fdpass_send(sock, &byte, 1, mf->fd[i]) != 0)
			return -1;
	return 0;
}

void
mfolders_close(struct mfolders *mf)
{
	for (size_t i = 0; i < mf->n; i++)
		close(mf->fd[i]);
	json_decref(mf->settings);
	memset(mf, 0, sizeof(*mf));
}

char *
mfolders_host_path(const json_t *folders, const char *home, const char *vpath)
{
	const char *base = home, *rest = vpath;
	size_t best = 0, i;
	json_t *f;
	char *out = NULL;

	json_array_foreach(folders, i, f)
	{
		const char *vp = json_string_value(json_object_get(f, "virtual_path"));
		const char *mp = json_string_value(json_object_get(f, "mapped_path"));
		size_t len = vp != NULL ? strlen(vp) : 0;
		if (mp != NULL && len > best && strncmp(vpath, vp, len) == 0 &&
		    (vpath[len] == '\0' || vpath[len] == '/')) {
			best = len;
			base = mp;
			rest = vpath + len;
		}
	}
	if (asprintf(&out, "%s%s%s", base, rest[0] == '/' || rest[0] == '\0' ? "" : "/",
	             rest) < 0)
		return NULL;
	return out;
}
