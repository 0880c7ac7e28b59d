/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Confined exec (doc/design-notes.md "Confined exec"): runs a root-owned program as
 * a user inside fresh mount, PID, IPC, UTS and network namespaces whose root is a
 * read-only tmpfs holding read-only binds of /usr (and the /bin, /lib* links or
 * binds), a generated minimal /etc, /dev/{null,zero,full,random,urandom}, an empty
 * private /tmp and the user's home at JAIL_HOME (nosuid, nodev, noexec: nothing the
 * user can write is ever executed). Used by the worker for git and rsync.
 */
#ifndef SFTPGO_JAIL_JAIL_H
#define SFTPGO_JAIL_JAIL_H

#include <stddef.h>
#include <sys/types.h>

#define JAIL_HOME "/home"

struct jail {
	const char *home;     /* the user's home on the host (an admin-set path) */
	const char *username; /* for the generated /etc/passwd */
	uid_t uid;
	gid_t gid;
	mode_t umask;
};

/*
 * As root: unshares the namespaces, builds the tree and makes it the root (the
 * caller is inside it afterwards, still root; its next child is PID 1 of the new
 * PID namespace). 0, or -1 with the failing step in err.
 */
int jail_enter(const struct jail *j, char *err, size_t errlen);

/*
 * Forks the program (after jail_enter): in/out become its stdin/stdout, errfd its
 * stderr, every other descriptor is closed; then the user's ids (verified), rlimits,
 * no_new_privs, umask, a clean environment, cwd JAIL_HOME, execve. Returns the
 * child's pid, or -1 with err.
 */
pid_t jail_spawn(const struct jail *j, const char *prog, char *const argv[], int in,
                 int out, int errfd, char *err, size_t errlen);

#endif
