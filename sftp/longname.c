/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sftp/longname.h"

static char
type_char(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return 'd';
	case S_IFLNK:
		return 'l';
	case S_IFCHR:
		return 'c';
	case S_IFBLK:
		return 'b';
	case S_IFIFO:
		return 'p';
	case S_IFSOCK:
		return 's';
	case S_IFREG:
		return '-';
	default:
		return '?';
	}
}

/* x, s or S (and t/T for the sticky bit) like ls(1). */
static char
exec_char(mode_t mode, mode_t xbit, mode_t special, char set_x, char set_nox)
{
	if (mode & special)
		return (mode & xbit) ? set_x : set_nox;
	return (mode & xbit) ? 'x' : '-';
}

void
sftp_mode_string(mode_t mode, char out[11])
{
	out[0] = type_char(mode);
	out[1] = (mode & S_IRUSR) ? 'r' : '-';
	out[2] = (mode & S_IWUSR) ? 'w' : '-';
	out[3] = exec_char(mode, S_IXUSR, S_ISUID, 's', 'S');
	out[4] = (mode & S_IRGRP) ? 'r' : '-';
	out[5] = (mode & S_IWGRP) ? 'w' : '-';
	out[6] = exec_char(mode, S_IXGRP, S_ISGID, 's', 'S');
	out[7] = (mode & S_IROTH) ? 'r' : '-';
	out[8] = (mode & S_IWOTH) ? 'w' : '-';
	out[9] = exec_char(mode, S_IXOTH, S_ISVTX, 't', 'T');
	out[10] = '\0';
}

int
sftp_longname(char *buf, size_t sz, const char *name, const struct stat *st,
              const char *user, const char *group, time_t now)
{
	char mode[11], ubuf[16], gbuf[16], tbuf[32];
	struct tm tm;
	int n;

	sftp_mode_string(st->st_mode, mode);
	if (user == NULL) {
		snprintf(ubuf, sizeof(ubuf), "%u", (unsigned)st->st_uid);
		user = ubuf;
	}
	if (group == NULL) {
		snprintf(gbuf, sizeof(gbuf), "%u", (unsigned)st->st_gid);
		group = gbuf;
	}
	tbuf[0] = '\0';
	if (localtime_r(&st->st_mtime, &tm) != NULL) {
		/* Like sftp-server: recent (under six months old) shows the time. */
		size_t tn = now - st->st_mtime < (365 * 24 * 60 * 60) / 2
		                ? strftime(tbuf, sizeof(tbuf), "%b %e %H:%M", &tm)
		                : strftime(tbuf, sizeof(tbuf), "%b %e  %Y", &tm);
		if (tn == 0)
			tbuf[0] = '\0';
	}
	/* sftp-server's strmode() leaves a blank after the mode: same columns. */
	n = snprintf(buf, sz, "%s  %3u %-8s %-8s %8llu %s %s", mode,
	             (unsigned)st->st_nlink, user, group,
	             (unsigned long long)(st->st_size < 0 ? 0 : st->st_size), tbuf, name);
	return n < 0 || (size_t)n >= sz ? -1 : 0;
}
