/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Confinement for the unprivileged processes that touch network bytes (listener,
 * session): chroot to an empty root-owned directory, drop to an unprivileged
 * uid/gid for good, and tight resource limits. When not started as root, the chroot
 * and id changes are skipped (the limits still apply).
 */
#ifndef SFTPGO_COMMON_CONFINE_H
#define SFTPGO_COMMON_CONFINE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * chroot_dir NULL or "" = no chroot. uid/gid (uid_t)-1 = keep. nofile: RLIMIT_NOFILE.
 * Afterwards: no fork (RLIMIT_NPROC 0), no file growth (RLIMIT_FSIZE 0), no core
 * dumps, no_new_privs. Returns 0 or -1 with the failing step in err.
 */
int confine_process(const char *chroot_dir, uid_t uid, gid_t gid, size_t nofile,
                    char *err, size_t errlen);

/*
 * As root: supplementary groups = {gid}, real/effective/saved gid = gid, then the
 * same for uid ((uid_t)-1 keeps the uids: only the groups change). Verified after:
 * getresgid/getresuid and getgroups hold exactly the target, and root cannot be
 * regained (setuid(0) and seteuid(0) fail) when the target uid is not 0. Used by
 * confine_process() and by sftpgo-worker. 0, or -1 with the failing step in err.
 */
int drop_privileges(uid_t uid, gid_t gid, char *err, size_t errlen);

/*
 * The start of a listening child the monitor execs (sftpgo-listener, sftpgo-httpd):
 * uid_arg and gid_arg are -1 (keep) to 2147483647, fd 0 is a listening socket and fd
 * 3 (the monitor's socketpair) is open; then fd 1, a copy of the listening socket,
 * is pointed at /dev/null. 0, or -1 when the process was not started that way.
 */
int listening_child_start(const char *uid_arg, const char *gid_arg, uid_t *uid,
                          gid_t *gid);

#endif
