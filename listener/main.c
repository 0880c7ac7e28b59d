/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpgo-listener DIR UID GID: exec'd by the monitor (never by hand). fd 0 is the
 * listening socket, fd 3 the monitor's socketpair. DIR "" = no chroot, UID/GID -1 =
 * keep the ids (not started as root). max_startups_per_ip, proxy_protocol,
 * proxy_allowed and the version banner come over fd 3 (LISTENER_SETTINGS), at
 * start and on SIGHUP.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listener/listener.h"

static int
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
main(int argc, char **argv)
{
	long uid, gid;
	int acc = 0;
	socklen_t l = sizeof(acc);

	if (argc != 4 || parse_long(argv[2], -1, 0x7fffffffL, &uid) != 0 ||
	    parse_long(argv[3], -1, 0x7fffffffL, &gid) != 0 ||
	    getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) != 0 || !acc ||
	    fcntl(3, F_GETFD) < 0) {
		fprintf(stderr, "sftpgo-listener: started by the sftpgo monitor only\n");
		return 2;
	}
	/* fd 1 is a copy of the listening socket: point it somewhere harmless. */
	int devnull = open("/dev/null", O_WRONLY);
	if (devnull >= 0) {
		dup2(devnull, 1);
		close(devnull);
	}
	struct listener_params p = {
	    .listen_fd = 0,
	    .monitor_fd = 3,
	    .chroot_dir = argv[1],
	    .uid = uid < 0 ? (uid_t)-1 : (uid_t)uid,
	    .gid = gid < 0 ? (gid_t)-1 : (gid_t)gid,
	};
	listener_run(&p);
}
