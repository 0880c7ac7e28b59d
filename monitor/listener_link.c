/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The listener (sftpgo-listener): its start, the connections it passes (NEWCONN), its
 * log lines, and the RELEASE of a pre-auth slot.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/io.h"
#include "logfile/logfile.h"
#include "monitor/internal.h"

void
send_release(const char *ip)
{
	struct rpc_release r = {.fd = -1, .client_ip = ip};

	if (M.listener_fd >= 0)
		rpc_send_release(M.listener_fd, &r);
}

void
release_slot(struct msess *s)
{
	if (!s->slot_held)
		return;
	s->slot_held = 0;
	send_release(s->ip);
}

static int
valid_ip(const char *ip)
{
	unsigned char b[16];
	return inet_pton(AF_INET, ip, b) == 1 || inet_pton(AF_INET6, ip, b) == 1;
}

static int
is_stream_socket(int fd)
{
	int type = 0;
	socklen_t l = sizeof(type);
	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) == 0 && type == SOCK_STREAM;
}

static int
listener_log(struct rpc_msg *m)
{
	log_app((enum log_level)m->log.level, "listener", "%s", m->log.message);
	return 1;
}

/* 0 when the connection is not acceptable (the caller logs it, its fd is closed). */
static int
listener_newconn(struct rpc_msg *m)
{
	struct rpc_newconn *nc = &m->newconn;

	if (!valid_ip(nc->client_ip) || !is_stream_socket(nc->fd) || M.shutting_down)
		return 0;
	if (mdefender_refused(nc->client_ip)) { /* banned since the listener took it */
		send_release(nc->client_ip);
		return 1;
	}
	if (M.n_pending >= MAX_PENDING_CONNS) {
		log_warn("dropping connection from %s: too many "
		         "waiting for a session process",
		         nc->client_ip);
		send_release(nc->client_ip);
	} else {
		struct pconn *c = calloc(1, sizeof(*c));
		if (c == NULL) { /* dropped: the listener must free its slot */
			send_release(nc->client_ip);
		} else {
			c->fd = nc->fd;
			nc->fd = -1;
			strlcpy(c->ip, nc->client_ip, sizeof(c->ip));
			c->port = nc->port;
			strlcpy(c->banner_sent, nc->banner_sent, sizeof(c->banner_sent));
			TAILQ_INSERT_TAIL(&M.pending, c, link);
			M.n_pending++;
		}
	}
	try_assign();
	return 1;
}

/* max_startups_per_ip refused this address: score_limit_exceeded. */
static int
listener_defender_event(struct rpc_msg *m)
{
	if (!valid_ip(m->defender_event.client_ip))
		return 0;
	mdefender_event(m->defender_event.client_ip, DEFENDER_EV_LIMIT);
	return 1;
}

/* What the listener may send (common/rpc_msgs.def says when): one handler each. */
static const peer_handler listener_handlers[RPC_TYPE_MAX] = {
    [RPC_LOG] = listener_log,
    [RPC_NEWCONN] = listener_newconn,
    [RPC_DEFENDER_EVENT] = listener_defender_event,
};

static void
on_listener(evutil_socket_t fd, short what, void *arg)
{
	enum rpc_type type = RPC_TYPE_MAX;
	char err[256];
	(void)what;
	(void)arg;

	switch (peer_dispatch(fd, RPC_PEER_LISTENER, listener_handlers, &type, err,
	                      sizeof(err))) {
	case PEER_BROKEN:
		log_error("listener: %s", err);
		event_del(M.listener_ev);
		break;
	case PEER_CLOSED:
		event_del(M.listener_ev);
		break;
	case PEER_DENIED: /* logged and dropped: unlike a session, not killed for it */
		log_error("listener sent %s: not allowed, ignored", rpc_type_name(type));
		break;
	case PEER_AGAIN:
	case PEER_DONE:
		break;
	}
}

int
listener_config_check(const struct sftpd_config *sc, char *err, size_t errlen)
{
	if (sc->banner != NULL && strlen(sc->banner) > RPC_BANNER_MAX) {
		snprintf(
		    err, errlen,
		    "sftpd.banner: longer than %d bytes (the SSH identification line "
		    "\"SSH-2.0-banner\" is limited to 255 bytes)",
		    RPC_BANNER_MAX);
		return -1;
	}
	if (sc->proxy_allowed.n > RPC_PROXY_ALLOWED_MAX) {
		snprintf(err, errlen, "sftpd.proxy_allowed: more than %d entries",
		         RPC_PROXY_ALLOWED_MAX);
		return -1;
	}
	return 0;
}

void
listener_config_warn(const struct sftpd_config *sc)
{
	if (sc->proxy_protocol == 1 && sc->proxy_allowed.n == 0)
		log_warn("sftpd.proxy_protocol 1 with an empty sftpd.proxy_allowed: any "
		         "client can choose the address that is logged and filtered on; "
		         "list your proxies in sftpd.proxy_allowed");
}

int
send_listener_settings(void)
{
	const struct sftpd_config *sc = &M.p->cfg->sftpd;
	char *allowed = join_list(&sc->proxy_allowed);
	struct rpc_listener_settings ls = {
	    .fd = -1,
	    .max_per_ip =
	        (uint32_t)(sc->max_startups_per_ip > 0 ? sc->max_startups_per_ip : 0),
	    .proxy_mode = (uint32_t)sc->proxy_protocol,
	    .proxy_allowed = allowed,
	    .banner = M.version_banner};
	int rc = allowed != NULL && M.listener_fd >= 0
	             ? rpc_send_listener_settings(M.listener_fd, &ls)
	             : -1;

	if (rc != 0)
		log_error("cannot send the listener its settings");
	free(allowed);
	return rc;
}

/* The listener is exec'd fresh: it must hold nothing of the monitor's memory
 * (host keys, provider secrets) nor any of its descriptors. */
int
start_listener(void)
{
	int sock;
	pid_t pid = spawn_confined("sftpgo-listener", NULL, M.p->listen_fd, &sock);

	if (pid < 0)
		return -1;
	M.listener_pid = pid;
	M.listener_fd = sock;
	M.listener_ev = event_new(M.base, sock, EV_READ | EV_PERSIST, on_listener, NULL);
	event_add(M.listener_ev, NULL);
	/* It accepts nothing before its settings, so the defender's table goes
	 * first: not one connection slips in before it (a full buffer is an error). */
	if (mdefender_sync_listener() != 0)
		return -1;
	return send_listener_settings();
}

void
listener_gone(void)
{
	if (M.listener_ev != NULL)
		event_free(M.listener_ev);
	M.listener_ev = NULL;
	if (M.listener_fd >= 0)
		close(M.listener_fd);
	M.listener_fd = -1;
	M.listener_pid = 0;
	/* Pre-auth slots are gone with it: the new listener starts from zero. */
	struct msess *s;
	TAILQ_FOREACH(s, &M.sessions, link)
	s->slot_held = 0;
}
