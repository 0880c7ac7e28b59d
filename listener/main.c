/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpgo-listener DIR UID GID MAX PROXY ALLOWED: exec'd by the monitor (never by
 * hand). fd 0 is the listening socket, fd 3 the monitor's socketpair. DIR "" = no
 * chroot, UID/GID -1 = keep the ids (not started as root), MAX <= 0 = no per-IP
 * limit, PROXY = sftpd.proxy_protocol (0, 1, 2), ALLOWED = sftpd.proxy_allowed
 * comma-separated ("" = any peer).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "account/cidr.h"
#include "listener/listener.h"

#define MAX_PROXY_ALLOWED 1024

/* "a,b/24" into out; -1 on a bad or excess entry (the config loader checked them). */
static int
parse_allowed(const char *s, struct cidr *out, size_t max, size_t *n)
{
	char *copy = strdup(s), *save = NULL;
	int rc = 0;

	*n = 0;
	if (copy == NULL)
		return -1;
	for (char *t = strtok_r(copy, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		if (*n == max || cidr_parse(t, &out[*n]) != 0) {
			rc = -1;
			break;
		}
		(*n)++;
	}
	free(copy);
	return rc;
}

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
	long uid, gid, max, proxy;
	int acc = 0;
	socklen_t l = sizeof(acc);
	static struct cidr allowed[MAX_PROXY_ALLOWED];
	size_t n_allowed = 0;

	if (argc != 7 || parse_long(argv[2], -1, 0x7fffffffL, &uid) != 0 ||
	    parse_long(argv[3], -1, 0x7fffffffL, &gid) != 0 ||
	    parse_long(argv[4], -1000000, 1000000, &max) != 0 ||
	    parse_long(argv[5], 0, 2, &proxy) != 0 ||
	    parse_allowed(argv[6], allowed, MAX_PROXY_ALLOWED, &n_allowed) != 0 ||
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
	    .max_per_ip = (int)max,
	    .proxy_mode = (int)proxy,
	    .proxy_allowed = allowed,
	    .n_proxy_allowed = n_allowed,
	};
	listener_run(&p);
}
