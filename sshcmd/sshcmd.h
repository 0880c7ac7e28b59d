/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SSH commands a worker serves itself on an exec channel: scp (scp/), the
 * digests md5sum, sha1sum, sha256sum, sha384sum and sha512sum, cd and pwd, as
 * SFTPGo's enabled_ssh_commands. Nothing is ever exec'd: a user's home is writable
 * by that user (design.md). Files are reached through the SFTP engine, so the
 * user's root, permissions and events apply as for SFTP.
 */
#ifndef SFTPGO_SSHCMD_SSHCMD_H
#define SFTPGO_SSHCMD_SSHCMD_H

#include <stddef.h>

struct sftp_local;

/*
 * Runs command (the exec request's line) with in/out as the channel's data.
 * Returns the exit status; msg gets what the client should see on stderr ("" when
 * nothing).
 */
int sshcmd_run(struct sftp_local *l, int in, int out, const char *command, char *msg,
               size_t msglen);

/*
 * 1 when the user's bandwidth limits apply to command: scp moves files, while
 * SFTPGo does not throttle the digests, cd or pwd (behaviour spec section 7).
 */
int sshcmd_throttled(const char *command);

/* The command event (sender SSHCommand) for path, virtual ("" when none). */
void sshcmd_log_command(const char *path);

#endif
