/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The system commands of SFTPGo's enabled_ssh_commands: git-receive-pack,
 * git-upload-pack, git-upload-archive and rsync. This is their policy only (pure,
 * no I/O): SFTPGo's refusals (filters, virtual folders, permissions), the argv the
 * program gets (paths rewritten below the jail's home, rsync's --safe-links or
 * --munge-links, option injection refused). jail/ runs it; worker/ glues both.
 */
#ifndef SFTPGO_SSHCMD_SYSCMD_H
#define SFTPGO_SSHCMD_SYSCMD_H

#include <stddef.h>

#include "sftp/path.h"

struct sftp_settings;

#define SYSCMD_ARGS_MAX 64

struct syscmd {
	const char *prog;                /* absolute path of the root-owned program */
	char *argv[SYSCMD_ARGS_MAX + 2]; /* owned, NULL-terminated */
	int argc;
	char vpath[SFTP_PATH_MAX]; /* the command's (last) path, virtual */
};

/* 1 when command's first word names one of the four system commands. */
int syscmd_is_system(const char *command);

/*
 * The checked argv for command, paths rewritten as home (the jail's mount point of
 * the user's home) + the cleaned virtual path. 0, or -1 with the client's message.
 */
int syscmd_build(const char *command, const struct sftp_settings *st, const char *home,
                 struct syscmd *c, char *err, size_t errlen);
void syscmd_free(struct syscmd *c);

#endif
