/* SPDX-License-Identifier: BSD-2-Clause */
/* Starting the monitor's children: exec'd fresh, with exactly the fds they need. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/io.h"
#include "common/log.h"
#include "common/spawn.h"
#include "monitor/internal.h"

/* A libexec program with a clean environment; fds: 0/1 = io (or /dev/null when
 * io < 0), 2 = the monitor's, 3 = ctl. */
pid_t
spawn(const char *prog, char *const argv[], int io, int ctl)
{
	return spawn_libexec(M.p->libexec_dir, prog, argv, io, ctl);
}

pid_t
spawn_confined(const char *prog, const char *const *extra, int io, int *sock)
{
	int sv[2];
	char uid[24], gid[24];
	char *argv[SPAWN_EXTRA_MAX + 5] = {(char *)prog, (char *)M.p->empty_dir, uid,
	                                   gid};
	size_t n = 4;

	for (; extra != NULL && extra[n - 4] != NULL; n++) {
		if (n - 4 >= SPAWN_EXTRA_MAX)
			return -1;
		argv[n] = (char *)extra[n - 4];
	}
	argv[n] = NULL;

	snprintf(uid, sizeof(uid), "%ld",
	         M.p->unpriv_uid == (uid_t)-1 ? -1L : (long)M.p->unpriv_uid);
	snprintf(gid, sizeof(gid), "%ld",
	         M.p->unpriv_gid == (gid_t)-1 ? -1L : (long)M.p->unpriv_gid);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		log_error("socketpair: %s", strerror(errno));
		return -1;
	}
	pid_t pid = spawn(prog, argv, io, sv[1]);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	io_set_nonblock(sv[0]);
	*sock = sv[0];
	return pid;
}

pid_t
spawn_libexec(const char *dir, const char *prog, char *const argv[], int io, int ctl)
{
	char path[4096];
	/* regress/t-sandbox.sh: a child whose role it names breaks its seccomp list
	 * on purpose (sandbox_selftest); passed on as is, nothing else is. */
	static char selftest[64];
	const char *st = getenv("SFTPGO_SANDBOX_SELFTEST");
	if (st != NULL && selftest[0] == '\0')
		snprintf(selftest, sizeof(selftest), "SFTPGO_SANDBOX_SELFTEST=%s", st);
#ifdef __SANITIZE_ADDRESS__
	/* Sanitizer builds: the children run chrooted, where LeakSanitizer cannot
	 * read /proc and would turn every exit into a failure. */
	char *const envp[] = {"PATH=/usr/bin:/bin", "ASAN_OPTIONS=detect_leaks=0",
	                      selftest[0] ? selftest : NULL, NULL};
#else
	char *const envp[] = {"PATH=/usr/bin:/bin", selftest[0] ? selftest : NULL, NULL};
#endif

	if (snprintf(path, sizeof(path), "%s/%s", dir, prog) >= (int)sizeof(path))
		return -1;
	int devnull = -1;
	if (io < 0 && (io = devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		return -1;
	const int fds[] = {io, io, -1, ctl};
	pid_t pid = spawn_fds(path, argv, envp, fds, 4);
	if (devnull >= 0)
		close(devnull);
	return pid;
}
