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
#include <time.h>
#include <unistd.h>

#include "common/confine.h"
#include "common/log.h"
#include "account/cidr.h"
#include "common/rpc.h"
#include "common/sshident.h"
#include "listener/listener.h"
#include "listener/proxyproto.h"
#include "sandbox/sandbox.h"

#define MAX_TRACKED_IPS 4096
/* Connections still sending their PROXY header; RLIMIT_NOFILE below leaves room. */
#define MAX_PENDING 48
#define LISTENER_NOFILE 64

/*
 * The monitor's settings (LISTENER_SETTINGS). A connection is handled under the
 * ones in force when it was accepted (a reload does not change a header half read).
 */
static struct {
	int have;       /* the first settings arrived: accept */
	int max_per_ip; /* <= 0: unlimited */
	int proxy_mode; /* sftpd.proxy_protocol: 0 off, 1 optional, 2 required */
	struct cidr allowed[RPC_PROXY_ALLOWED_MAX]; /* n_allowed == 0: any peer */
	size_t n_allowed;
	char banner[RPC_BANNER_MAX + 1];
	char ident[SSH_IDENT_MAX + 1]; /* its identification line */
	size_t ident_len;
} set;

/* An accepted connection whose PROXY header is not complete yet. */
struct pending {
	int fd; /* -1 = free slot */
	char peer[64];
	unsigned peer_port;
	int mode;                        /* proxy_mode when accepted */
	int allowed;                     /* the peer may send a header (proxy_allowed) */
	char banner[RPC_BANNER_MAX + 1]; /* whose identification line was written */
	time_t deadline;
	size_t got; /* header bytes consumed so far, kept in buf */
	uint8_t buf[PROXY_HEADER_MAX];
};

static struct pending pend[MAX_PENDING];

struct ip_slot {
	char ip[64];
	int n;
};

static struct ip_slot slots[MAX_TRACKED_IPS];

/* The defender's verdicts (DEFENDER_BANS): networks refused right after accept. */
struct ban {
	struct cidr net;
	time_t until; /* 0: for ever (the block list) */
};
static struct ban bans[RPC_DEFENDER_ENTRIES_MAX];
static size_t n_bans;
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

/* Is ip banned or block-listed now? Nothing is logged per refused connection:
 * a banned client hammering the port costs the monitor nothing. */
static int
banned(const char *ip)
{
	uint8_t addr[16];
	int family;
	time_t now;

	if (n_bans == 0 || cidr_addr_parse(ip, &family, addr) != 0)
		return 0;
	now = time(NULL);
	for (size_t i = 0; i < n_bans; i++)
		if ((bans[i].until == 0 || bans[i].until > now) &&
		    cidr_contains_addr(&bans[i].net, family, addr))
			return 1;
	return 0;
}

static struct ban *
ban_slot(const struct cidr *net)
{
	time_t now = time(NULL);

	for (size_t i = 0; i < n_bans; i++)
		if (cidr_equal(&bans[i].net, net))
			return &bans[i];
	if (n_bans == RPC_DEFENDER_ENTRIES_MAX) /* reclaim the ended ones */
		for (size_t i = n_bans; i-- > 0;)
			if (bans[i].until != 0 && bans[i].until <= now)
				bans[i] = bans[--n_bans];
	if (n_bans == RPC_DEFENDER_ENTRIES_MAX)
		return NULL;
	bans[n_bans].net = *net;
	return &bans[n_bans++];
}

/* "network seconds" (0: lift, RPC_DEFENDER_FOREVER: block list). 0 or -1. */
static int
apply_ban(char *entry)
{
	char *sp = strchr(entry, ' ');
	struct cidr net;
	struct ban *b;
	unsigned long long secs;
	char *end;

	if (sp == NULL)
		return -1;
	*sp = '\0';
	errno = 0;
	secs = strtoull(sp + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == sp + 1 || secs > RPC_DEFENDER_FOREVER ||
	    cidr_parse(entry, &net) != 0)
		return -1;
	if ((b = ban_slot(&net)) == NULL)
		return -1;
	b->until = secs == RPC_DEFENDER_FOREVER ? 0 : time(NULL) + (time_t)secs;
	if (secs == 0) /* lifted */
		*b = bans[--n_bans];
	return 0;
}

static void
apply_bans(const struct rpc_defender_bans *db)
{
	char *copy = strdup(db->entries), *save = NULL;
	int bad = 0;

	if (db->reset)
		n_bans = 0;
	if (copy == NULL) {
		log_error("defender: out of memory, bans not applied");
		return;
	}
	for (char *t = strtok_r(copy, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save))
		bad += apply_ban(t) != 0;
	free(copy);
	if (bad > 0)
		log_error("defender: %d ban entries refused (malformed or table full)",
		          bad);
}

/* max_startups_per_ip was exceeded: the defender scores it (score_limit_exceeded). */
static void
report_limit(int monitor_fd, const char *ip)
{
	struct rpc_defender_event ev = {.fd = -1, .client_ip = ip, .kind = 0};

	(void)rpc_send_defender_event(monitor_fd, &ev);
}

/* The client (its real address: the PROXY source when there was one) goes to the
 * monitor, within max_startups_per_ip and unless the defender banned that address
 * (checked again here: the socket's peer was checked at accept, but behind a proxy
 * only the header tells the real client). Closes our copy of fd either way. */
static void
hand_off(const struct listener_params *p, int fd, const char *ip, unsigned port,
         const char *banner_sent)
{
	if (banned(ip)) {
		close(fd);
		return;
	}
	struct ip_slot *s = slot_find(ip, 1);
	if (s == NULL || (set.max_per_ip > 0 && s->n >= set.max_per_ip)) {
		log_warn("refusing connection from %s: too many unauthenticated "
		         "connections from this address (max_startups_per_ip %d)",
		         ip, set.max_per_ip);
		report_limit(p->monitor_fd, ip);
		close(fd);
		return;
	}
	struct rpc_newconn nc = {
	    .fd = fd, .client_ip = ip, .port = port, .banner_sent = banner_sent};
	if (rpc_send_newconn(p->monitor_fd, &nc) == 0)
		s->n++;
	close(fd);
}

static int
peer_allowed(const char *ip)
{
	if (set.n_allowed == 0)
		return 1;
	for (size_t i = 0; i < set.n_allowed; i++)
		if (cidr_contains(&set.allowed[i], ip))
			return 1;
	return 0;
}

static void
pending_drop(struct pending *c, const char *why)
{
	log_warn("PROXY protocol: connection from %s:%u closed: %s", c->peer,
	         c->peer_port, why);
	close(c->fd);
	c->fd = -1;
}

/*
 * The header is complete (or absent, n == PROXY_NONE): pick the address the server
 * will see. A peer outside proxy_allowed may not choose it (mode 1: its header is
 * consumed and ignored, as SFTPGo did; mode 2 refused it at accept).
 */
static void
pending_done(const struct listener_params *p, struct pending *c,
             const struct proxy_source *src)
{
	int fd = c->fd;

	c->fd = -1;
	if (src != NULL && src->has_addr && c->allowed)
		hand_off(p, fd, src->ip, src->port, c->banner);
	else
		hand_off(p, fd, c->peer, c->peer_port, c->banner);
}

/*
 * Reads what the client sent so far without taking bytes past the header: peek,
 * parse what was kept plus what was peeked, then consume only header bytes (all of
 * them while the header is incomplete, so poll() does not spin on them).
 */
static void
pending_read(const struct listener_params *p, struct pending *c)
{
	uint8_t view[PROXY_HEADER_MAX];
	struct proxy_source src;
	const char *why;
	ssize_t n;
	long rc;

	memcpy(view, c->buf, c->got);
	n = recv(c->fd, view + c->got, sizeof(view) - c->got, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		pending_drop(c, "closed before its PROXY header was complete");
		return;
	}
	rc = proxy_parse(view, c->got + (size_t)n, &src, &why);
	if (rc == PROXY_NONE) {
		if (c->mode == 2)
			pending_drop(c, "no PROXY header (required)");
		else
			pending_done(p, c, NULL);
		return;
	}
	if (rc == PROXY_BAD) {
		pending_drop(c, why);
		return;
	}
	size_t take = rc == PROXY_NEED_MORE ? (size_t)n : (size_t)rc - c->got;
	if (recv(c->fd, c->buf + c->got, take, MSG_DONTWAIT) != (ssize_t)take) {
		pending_drop(c, "short read of its PROXY header");
		return;
	}
	c->got += take;
	if (rc != PROXY_NEED_MORE)
		pending_done(p, c, &src);
}

static void
pending_expire(const struct listener_params *p, time_t now)
{
	for (size_t i = 0; i < MAX_PENDING; i++) {
		struct pending *c = &pend[i];
		if (c->fd < 0 || now < c->deadline)
			continue;
		/* mode 1: a client that sent nothing may be waiting for our banner */
		if (c->mode == 1 && c->got == 0)
			pending_done(p, c, NULL);
		else
			pending_drop(c, "PROXY header timeout");
	}
}

static void
pending_add(const struct listener_params *p, int fd, const char *ip, unsigned port)
{
	struct pending *c = NULL;

	for (size_t i = 0; i < MAX_PENDING && c == NULL; i++)
		if (pend[i].fd < 0)
			c = &pend[i];
	if (c == NULL) {
		log_warn("refusing connection from %s: %d connections are already "
		         "sending their PROXY header",
		         ip, MAX_PENDING);
		close(fd);
		return;
	}
	c->fd = fd;
	strlcpy(c->peer, ip, sizeof(c->peer));
	c->peer_port = port;
	c->mode = set.proxy_mode;
	c->allowed = peer_allowed(ip);
	c->banner[0] = '\0';
	c->got = 0;
	c->deadline = time(NULL) + PROXY_HEADER_TIMEOUT_S;
	if (c->mode == 2 && !c->allowed) {
		pending_drop(c, "not in sftpd.proxy_allowed");
		return;
	}
	/* Our identification first (writing consumes nothing the client sent): a
	 * client that waits for it before writing anything is not stalled. The
	 * session's libssh sends the same line again: it is dropped there. */
	if (send(fd, set.ident, set.ident_len, MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)set.ident_len) {
		pending_drop(c, "cannot send the SSH version banner");
		return;
	}
	strlcpy(c->banner, set.banner, sizeof(c->banner));
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
	/* A banned peer is closed before any byte either way (behind a proxy, this
	 * is the proxy's address: the real client is checked after its header). */
	if (peer_ip(&ss, sl, ip, sizeof(ip), &port) != 0 || banned(ip)) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (set.proxy_mode != 0)
		pending_add(p, fd, ip, port);
	else
		hand_off(p, fd, ip, port, "");
}

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

/* New settings, for connections accepted from now on; bad ones keep the old. */
static void
apply_settings(const struct rpc_listener_settings *ls)
{
	static struct cidr allowed[RPC_PROXY_ALLOWED_MAX];
	char ident[sizeof(set.ident)];
	size_t n = 0, ident_len = ssh_ident_line(ls->banner, ident, sizeof(ident));

	if (parse_allowed(ls->proxy_allowed, allowed, RPC_PROXY_ALLOWED_MAX, &n) != 0 ||
	    ident_len == 0) {
		log_error("settings from the monitor refused (proxy_allowed or banner); "
		          "the previous ones stay");
		return;
	}
	set.max_per_ip = (int)ls->max_per_ip;
	set.proxy_mode = (int)ls->proxy_mode;
	memcpy(set.allowed, allowed, n * sizeof(allowed[0]));
	set.n_allowed = n;
	strlcpy(set.banner, ls->banner, sizeof(set.banner));
	memcpy(set.ident, ident, ident_len);
	set.ident_len = ident_len;
	if (set.have)
		log_info("settings reloaded: max_startups_per_ip %d, proxy_protocol %d, "
		         "%zu proxy_allowed entries",
		         set.max_per_ip, set.proxy_mode, set.n_allowed);
	set.have = 1;
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
	} else if (m.type == RPC_LISTENER_SETTINGS) {
		apply_settings(&m.listener_settings);
	} else if (m.type == RPC_DEFENDER_BANS) {
		apply_bans(&m.defender_bans);
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
	for (size_t i = 0; i < MAX_PENDING; i++)
		pend[i].fd = -1;
	if (confine_process(p->chroot_dir, p->uid, p->gid, LISTENER_NOFILE, err,
	                    sizeof(err)) != 0)
		fatal("listener: %s", err);
	struct sandbox_report rep;
	if (sandbox_report_rpc(&rep, mon_fd) != 0 ||
	    sandbox_install(SANDBOX_LISTENER, &rep, err, sizeof(err)) != 0)
		fatal("listener: %s", err);
	while (!set.have) /* nothing is accepted before the first settings */
		if (monitor_message() != 0)
			_exit(0);
	for (;;) {
		struct pollfd pf[2 + MAX_PENDING] = {{p->listen_fd, POLLIN, 0},
		                                     {mon_fd, POLLIN, 0}};
		struct pending *who[MAX_PENDING];
		nfds_t n = 2;
		int timeout = -1;

		for (size_t i = 0; i < MAX_PENDING; i++) {
			if (pend[i].fd < 0)
				continue;
			pf[n].fd = pend[i].fd;
			pf[n].events = POLLIN;
			who[n - 2] = &pend[i];
			n++;
			timeout = 1000; /* deadlines are checked once a second */
		}
		if (poll(pf, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (monitor_message() != 0)
				_exit(0);
		}
		for (nfds_t i = 2; i < n; i++)
			if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
				pending_read(p, who[i - 2]);
		pending_expire(p, time(NULL));
		if (pf[0].revents & POLLIN) {
			accept_one(
			    p); /* first: a restarted listener must not see it again */
			sandbox_selftest(SANDBOX_LISTENER);
		}
	}
}
