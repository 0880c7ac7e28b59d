/* SPDX-License-Identifier: BSD-2-Clause */
/* posix_spawn of a child with exactly the fds it needs (common/spawn.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/spawn.h"

/*
 * posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK)) rather than fork: the monitor
 * is multi-threaded and large, and a fork copies its page tables for the child to
 * throw away at exec; with a login every few milliseconds that was most of the
 * monitor's CPU. fds[i] >= 0 becomes fd i of the child, fds[i] < 0 leaves fd i as
 * it is; every fd from nfds up is closed; signals are back to their defaults.
 */
pid_t
spawn_fds(const char *path, char *const argv[], char *const envp[], const int *fds,
          int nfds)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none;
	int tmp[SPAWN_FDS_MAX];
	pid_t pid = -1;
	int rc = 0;

	if (nfds > SPAWN_FDS_MAX)
		return -1;
	for (int i = 0; i < nfds; i++)
		tmp[i] = -1;
	sigfillset(&all);
	sigemptyset(&none);
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	if (posix_spawnattr_init(&attr) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	/* Copies above the targets first, so that one target cannot clobber another's
	 * source; dup2 clears close-on-exec on the target. */
	for (int i = 0; i < nfds && rc == 0; i++) {
		if (fds[i] < 0)
			continue;
		tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
		rc =
		    tmp[i] < 0 ? errno : posix_spawn_file_actions_adddup2(&fa, tmp[i], i);
	}
	if (rc == 0)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, nfds);
	if (rc == 0)
		rc = posix_spawnattr_setsigdefault(&attr, &all);
	if (rc == 0)
		rc = posix_spawnattr_setsigmask(&attr, &none);
	if (rc == 0)
		rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF |
		                                         POSIX_SPAWN_SETSIGMASK);
	if (rc == 0)
		rc = posix_spawn(&pid, path, &fa, &attr, argv, envp);
	for (int i = 0; i < nfds; i++)
		if (tmp[i] >= 0)
			close(tmp[i]);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		log_error("cannot run %s: %s", path, strerror(rc));
		return -1;
	}
	return pid;
}
