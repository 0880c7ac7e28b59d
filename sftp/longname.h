/* SPDX-License-Identifier: BSD-2-Clause */
/* `ls -l` style long names for READDIR, in sftp-server's format. */
#ifndef SFTPGO_SFTP_LONGNAME_H
#define SFTPGO_SFTP_LONGNAME_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

/* "drwxr-xr-x" for the mode (10 chars + NUL). */
void sftp_mode_string(mode_t mode, char out[11]);

/*
 * "-rw-r--r--    1 alice    users        1234 Nov 25 04:35 name". user/group may be
 * NULL: the numeric ids are shown. now decides between "HH:MM" and " YYYY".
 */
int sftp_longname(char *buf, size_t sz, const char *name, const struct stat *st,
                  const char *user, const char *group, time_t now);

#endif
