/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpgo-hookexec UID GID PROGRAM [ARG...]: what posix_spawn cannot do for a hook.
 * Becomes a session leader (so a deadline kills the program's whole process
 * group), changes to "/", takes gid GID and uid UID (-1: keep the caller's) with no
 * supplementary groups, then execs PROGRAM with the arguments and the environment it was
 * given. When the exec fails, "cannot run PROGRAM: reason" goes to fd 3 (close-on-exec,
 * so an exec that works leaves it empty) and the exit status is 127.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void
report(const char *prog, const char *what, int err)
{
	char msg[512];
	int n =
	    snprintf(msg, sizeof(msg), "cannot run %s: %s%s", prog, what, strerror(err));
	if (n > (int)sizeof(msg) - 1)
		n = (int)sizeof(msg) - 1;
	if (n > 0 && write(3, msg, (size_t)n) < 0)
		_exit(127);
	_exit(127);
}

static long long
parse_id(const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < -1 || v > UINT_MAX - 1)
		return -2;
	return v;
}

int
main(int argc, char **argv)
{
	if (argc < 4)
		_exit(126);
	const char *prog = argv[3];
	long long uid = parse_id(argv[1]), gid = parse_id(argv[2]);

	if (fcntl(3, F_SETFD, FD_CLOEXEC) != 0)
		_exit(126);
	if (uid < -1 || gid < -1)
		report(prog, "bad uid/gid: ", EINVAL);
	setsid();
	/* a fixed working directory: the server's own may not be the hook's to see */
	if (chdir("/") != 0)
		report(prog, "chdir /: ", errno);
	if (gid >= 0) {
		gid_t g = (gid_t)gid;
		if (setgroups(1, &g) != 0 || setgid(g) != 0)
			report(prog, "cannot take its gid: ", errno);
	}
	if (uid >= 0 && (setuid((uid_t)uid) != 0 || getuid() != (uid_t)uid ||
	                 geteuid() != (uid_t)uid))
		report(prog, "cannot take its uid: ", errno);
	execve(prog, argv + 3, environ);
	report(prog, "", errno);
	return 127;
}
