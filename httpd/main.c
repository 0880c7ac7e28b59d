/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpgo-httpd DIR UID GID AUTH: exec'd by the monitor (never by hand). fd 0 is the
 * listening socket (httpd.bind_address:bind_port), fd 3 the monitor's socketpair.
 * DIR "" = no chroot, UID/GID -1 = keep the ids (not started as root); AUTH 1: the
 * htpasswd text comes first (HTTPD_AUTH) and every API request needs it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpd/httpd.h"

static int
parse_id(const char *s, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < -1 || v > 0x7fffffffL)
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

	if (argc != 5 || (strcmp(argv[4], "0") != 0 && strcmp(argv[4], "1") != 0) ||
	    parse_id(argv[2], &uid) != 0 || parse_id(argv[3], &gid) != 0 ||
	    getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) != 0 || !acc ||
	    fcntl(3, F_GETFD) < 0) {
		fprintf(stderr, "sftpgo-httpd: started by the sftpgo monitor only\n");
		return 2;
	}
	/* fd 1 is a copy of the listening socket: point it somewhere harmless. */
	int devnull = open("/dev/null", O_WRONLY);
	if (devnull >= 0) {
		dup2(devnull, 1);
		close(devnull);
	}
	struct httpd_params p = {
	    .listen_fd = 0,
	    .monitor_fd = 3,
	    .chroot_dir = argv[1],
	    .uid = uid < 0 ? (uid_t)-1 : (uid_t)uid,
	    .gid = gid < 0 ? (gid_t)-1 : (gid_t)gid,
	    .auth = argv[4][0] == '1',
	};
	httpd_run(&p);
}
