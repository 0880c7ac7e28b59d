/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * git-receive-pack, git-upload-pack, git-upload-archive and rsync on an exec
 * channel: SFTPGo's policy (sshcmd/syscmd.h), then the program in a jail
 * (jail/jail.h) as uid/gid, its stderr kept for the client, the usage rescanned
 * when quota is tracked. Called as root, before the worker's own confinement.
 */
#ifndef SFTPGO_WORKER_SYSEXEC_H
#define SFTPGO_WORKER_SYSEXEC_H

#include <sys/types.h>

struct sftp_settings;

/* The command's exit status (0 or 1); the exit event is sent. */
int worker_run_system(const struct sftp_settings *st, const char *command, uid_t uid,
                      gid_t gid, int monitored);

#endif
