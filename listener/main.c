/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpgo-listener DIR UID GID: exec'd by the monitor (never by hand). fd 0 is the
 * listening socket, fd 3 the monitor's socketpair. DIR "" = no chroot, UID/GID -1 =
 * keep the ids (not started as root). max_startups_per_ip, proxy_protocol,
 * proxy_allowed and the version banner come over fd 3 (LISTENER_SETTINGS), at
 * start and on SIGHUP.
 */
#include "config.h"

#include <stdio.h>

#include "common/confine.h"
#include "listener/listener.h"

int
main(int argc, char **argv)
{
	uid_t uid;
	gid_t gid;

	if (argc != 4 || listening_child_start(argv[2], argv[3], &uid, &gid) != 0) {
		fprintf(stderr, "sftpgo-listener: started by the sftpgo monitor only\n");
		return 2;
	}
	struct listener_params p = {
	    .listen_fd = 0,
	    .monitor_fd = 3,
	    .chroot_dir = argv[1],
	    .uid = uid,
	    .gid = gid,
	};
	listener_run(&p);
}
