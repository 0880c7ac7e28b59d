/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpgo-httpd DIR UID GID FLAGS [TEMPLATES STATIC]: exec'd by the monitor (never by
 * hand). fd 0 is the listening socket (httpd.bind_address:bind_port), fd 3 the
 * monitor's socketpair. DIR "" = no chroot, UID/GID -1 = keep the ids (not started
 * as root); FLAGS a digit 0-3: bit 1 authentication (the htpasswd text comes first,
 * HTTPD_AUTH, and every API request needs it), bit 2 HTTPS (the certificate and key
 * come first, HTTPD_TLS, and every connection is TLS). TEMPLATES and STATIC: the web
 * admin's directories, opened before the chroot ("" or absent: no web admin).
 */
#include "config.h"

#include <stdio.h>

#include "common/confine.h"
#include "httpd/httpd.h"

int
main(int argc, char **argv)
{
	uid_t uid;
	gid_t gid;

	if ((argc != 5 && argc != 7) || argv[4][0] < '0' || argv[4][0] > '3' ||
	    argv[4][1] != '\0' ||
	    listening_child_start(argv[2], argv[3], &uid, &gid) != 0) {
		fprintf(stderr, "sftpgo-httpd: started by the sftpgo monitor only\n");
		return 2;
	}
	struct httpd_params p = {
	    .listen_fd = 0,
	    .monitor_fd = 3,
	    .chroot_dir = argv[1],
	    .uid = uid,
	    .gid = gid,
	    .auth = (argv[4][0] - '0') & 1,
	    .tls = ((argv[4][0] - '0') & 2) != 0,
	    .templates = argc == 7 ? argv[5] : "",
	    .static_dir = argc == 7 ? argv[6] : "",
	};
	httpd_run(&p);
}
