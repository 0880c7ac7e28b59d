/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/confine.h"
#include "common/log.h"
#include "common/rpc.h"
#include "listener/listener.h"

#define MAX_TRACKED_IPS 4096

struct ip_slot {
	char ip[64];
	int n;
};

static struct ip_slot slots[MAX_TRACKED_IPS];
static int mon_fd = -1;
/* Log lines go to the monitor; one is lost if the monitor is gone: we exit soon
 * after. */
static struct rpc_log_sink log_sink = {.sock = -1, .exit_on_failure = 0};

static struct ip_slot *
slot_find(const char *ip, int create)
{
	struct ip_slot *free_slot = NULL;

	for (size_t i = 0; i < MAX_TRACKED_IPS; i++) {
		if (slots[i].n > 0 && strcmp(slots[i].ip, ip) == 0)
			return &slots[i];
		if (free_slot == NULL && slots[i].n == 0)
			free_slot = &slots[i];
	}
	if (!create || free_slot == NULL)
		return NULL;
	strlcpy(free_slot->ip, ip, sizeof(free_slot->ip));
	return free_slot;
}

/* Text form of the peer; IPv4-mapped IPv6 addresses are shown as IPv4. */
static int
peer_ip(const struct sockaddr_storage *ss, socklen_t sl, char *ip, size_t iplen,
        unsigned *port)
{
	char serv[16];

	if (getnameinfo((const struct sockaddr *)ss, sl, ip, (socklen_t)iplen, serv,
	                sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return -1;
	if (strncmp(ip, "::ffff:", 7) == 0 && strchr(ip + 7, '.') != NULL)
		memmove(ip, ip + 7, strlen(ip + 7) + 1);
	*port = (unsigned)strtoul(serv, NULL, 10);
	return 0;
}

static void
accept_one(const struct listener_params *p)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char ip[64];
	unsigned port;
	int one = 1;

	int fd = accept4(p->listen_fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			usleep(100000);
		return;
	}
	if (peer_ip(&ss, sl, ip, sizeof(ip), &port) != 0) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct ip_slot *s = slot_find(ip, 1);
	if (s == NULL || (p->max_per_ip > 0 && s->n >= p->max_per_ip)) {
		log_warn("refusing connection from %s: too many unauthenticated "
		         "connections from this address (max_startups_per_ip %d)",
		         ip, p->max_per_ip);
		close(fd);
		return;
	}
	struct rpc_newconn nc = {.fd = fd, .client_ip = ip, .port = port};
	if (rpc_send_newconn(p->monitor_fd, &nc) == 0)
		s->n++;
	close(fd);
}

/* 0 keep going, -1 the monitor is gone or misbehaved. */
static int
monitor_message(void)
{
	struct rpc_msg m;
	char err[256];

	int rc = rpc_recv(mon_fd, &m, err, sizeof(err));
	if (rc <= 0)
		return -1;
	if (m.type == RPC_RELEASE) {
		struct ip_slot *s = slot_find(m.release.client_ip, 0);
		if (s != NULL && s->n > 0)
			s->n--;
	}
	rpc_msg_free(&m);
	return 0;
}

void
listener_run(const struct listener_params *p)
{
	char err[256];

	mon_fd = p->monitor_fd;
	log_sink.sock = mon_fd;
	log_set_sink(rpc_log_sink, NULL, &log_sink);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	if (confine_process(p->chroot_dir, p->uid, p->gid, 64, err, sizeof(err)) != 0)
		fatal("listener: %s", err);
	for (;;) {
		struct pollfd pf[2] = {{p->listen_fd, POLLIN, 0}, {mon_fd, POLLIN, 0}};
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (monitor_message() != 0)
				_exit(0);
		}
		if (pf[0].revents & POLLIN)
			accept_one(p);
	}
}
