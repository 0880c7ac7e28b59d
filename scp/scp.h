/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The remote end of the legacy SCP protocol (OpenSSH's "scp -O": "scp -t" receives,
 * "scp -f" sends), spoken over the session channel. It never touches the file
 * system itself: every access is a request to the SFTP engine through sftp/local.h,
 * so SCP gets the same root, permissions, upload modes and transfer events as SFTP.
 *
 * When the run is aborted (the client went away, a fatal protocol error, the stop
 * signal), a file being transferred is left open on purpose: the caller's
 * sftp_server_shutdown() then ends it as after a disconnect, so an atomic upload
 * is discarded instead of being renamed into place.
 */
#ifndef SFTPGO_SCP_SCP_H
#define SFTPGO_SCP_SCP_H

struct sftp_local;
/*
 * Runs "scp [-v] [-r] [-p] [-d] -t|-f [--] path..." (argv[0] is "scp") as the
 * remote end of the SCP protocol over in (from the client) and out (to it). Every
 * file system access goes through l (the SFTP engine: paths, permissions, upload
 * modes, events). Returns the exit status: 0 when everything was copied, 1 otherwise.
 */
int scp_run(struct sftp_local *l, int in, int out, int argc, char *const argv[]);

#endif
