/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The monitor's side of the defender (common.defender; doc/design-notes.md
 * "Defender"): it scores what sessions and the listener report, bans through
 * defender/, tells the listener (DEFENDER_BANS), logs each ban, keeps the ban file,
 * and answers the admin operations (ADMIN_DEFENDER_*) on a root-only socket in the
 * config dir. The operations (list a page, unban) are the handlers below, keyed by
 * message type, so the httpd peer can be given the same table later.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "defender/defender.h"
#include "logfile/logfile.h"
#include "monitor/internal.h"

#define BAN_FILE "defender_bans.json"
#define ADMIN_SOCKET "admin.sock"
#define ADMIN_CONNS_MAX 8

static struct {
	int on;
	struct defender d;
	char *ban_path;
	int admin_fd;
	struct event *admin_ev;
	char admin_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int n_conns;
} DF = {.admin_fd = -1};

static struct defender_params
params_of(const struct defender_config *c)
{
	return (struct defender_params){
	    .ban_time_s = c->ban_time * 60,
	    .ban_time_increment = c->ban_time_increment,
	    .threshold = c->threshold,
	    .score_valid = c->score_valid,
	    .score_invalid = c->score_invalid,
	    .score_limit_exceeded = c->score_limit_exceeded,
	    .observation_s = c->observation_time * 60,
	    .soft_limit = c->entries_soft_limit,
	    .hard_limit = c->entries_hard_limit,
	};
}

/* Both lists, or -1 with err naming the key and the file. */
static int
load_lists(const struct defender_config *c, struct cidr **safe, size_t *n_safe,
           struct cidr **block, size_t *n_block, char *err, size_t errlen)
{
	char why[384];

	if (defender_load_list(c->safelist_file, safe, n_safe, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "common.defender.safelist_file: %s", why);
		return -1;
	}
	if (defender_load_list(c->blocklist_file, block, n_block, why, sizeof(why)) !=
	    0) {
		free(*safe);
		*safe = NULL;
		snprintf(err, errlen, "common.defender.blocklist_file: %s", why);
		return -1;
	}
	return 0;
}

int
mdefender_check(const struct defender_config *c, char *err, size_t errlen)
{
	struct cidr *safe, *block;
	size_t ns, nb;

	if (!c->enabled)
		return 0;
	if (load_lists(c, &safe, &ns, &block, &nb, err, errlen) != 0)
		return -1;
	free(safe);
	free(block);
	return 0;
}

/* ---- the listener ---- */

/* Appends "network seconds," to buf; flushes a full frame first. */
static int
bans_add(char *buf, size_t *len, int *reset, const char *net, uint32_t secs)
{
	char e[RPC_IP_MAX + 16];
	int n = snprintf(e, sizeof(e), "%s %u,", net, secs);

	if (n < 0 || (size_t)n >= sizeof(e))
		return -1;
	if (*len + (size_t)n > RPC_DEFENDER_BANS_TEXT_MAX) {
		struct rpc_defender_bans b = {
		    .fd = -1, .reset = (uint32_t)*reset, .entries = buf};
		buf[*len > 0 ? *len - 1 : 0] = '\0';
		if (rpc_send_defender_bans(M.listener_fd, &b) != 0)
			return -1;
		*reset = 0;
		*len = 0;
	}
	memcpy(buf + *len, e, (size_t)n);
	*len += (size_t)n;
	return 0;
}

static int
bans_flush(char *buf, size_t len, int reset)
{
	struct rpc_defender_bans b = {.fd = -1, .reset = (uint32_t)reset, .entries = buf};

	if (len == 0 && !reset)
		return 0;
	buf[len > 0 ? len - 1 : 0] = '\0';
	return rpc_send_defender_bans(M.listener_fd, &b);
}

static void
cidr_text(const struct cidr *c, char *out, size_t outlen)
{
	char a[64];

	if (inet_ntop(c->family, c->addr, a, sizeof(a)) == NULL)
		a[0] = '\0';
	snprintf(out, outlen, "%s/%u", a, c->prefix);
}

int
mdefender_sync_listener(void)
{
	static char buf[RPC_DEFENDER_BANS_TEXT_MAX + 1];
	time_t now = time(NULL);
	size_t len = 0;
	int reset = 1, rc = 0;
	char net[RPC_IP_MAX];

	if (M.listener_fd < 0)
		return 0;
	for (size_t i = 0; DF.on && rc == 0 && i < DF.d.n_block; i++) {
		cidr_text(&DF.d.block[i], net, sizeof(net));
		rc = bans_add(buf, &len, &reset, net, RPC_DEFENDER_FOREVER);
	}
	for (size_t i = 0; DF.on && rc == 0 && i < DF.d.n_hosts; i++) {
		const struct defender_host *h = &DF.d.hosts[i];
		if (h->banned_until > now)
			rc = bans_add(buf, &len, &reset, h->key,
			              (uint32_t)(h->banned_until - now));
	}
	if (rc == 0)
		rc = bans_flush(buf, len, reset);
	if (rc != 0)
		log_error("defender: cannot send the listener its bans");
	return rc;
}

static void
tell_listener(const char *key, uint32_t secs)
{
	char buf[RPC_IP_MAX + 16];
	size_t len = 0;
	int reset = 0;

	if (M.listener_fd >= 0 &&
	    (bans_add(buf, &len, &reset, key, secs) != 0 || bans_flush(buf, len, 0) != 0))
		log_error("defender: cannot tell the listener about %s", key);
}

static void
save_bans(void)
{
	char err[512];

	if (defender_save(&DF.d, DF.ban_path, time(NULL), err, sizeof(err)) != 0)
		log_error("defender: the ban list is not saved: %s", err);
}

/* ---- scoring ---- */

/* Connections of the banned group that are still pre-auth end now. */
static void
drop_group(const char *key)
{
	char k[DEFENDER_KEY_MAX];
	struct msess *s;

	TAILQ_FOREACH(s, &M.sessions, link)
	if (s->state == S_PREAUTH && !s->dying &&
	    defender_key(s->ip, k, sizeof(k)) == 0 && strcmp(k, key) == 0)
		session_kill(s, "its address was banned by the defender");
}

static void
log_ban(const char *ip, const char *key, time_t until)
{
	char when[32];
	struct tm tm;

	gmtime_r(&until, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	log_app(LOGL_WARN, "defender",
	        "banned host %s (address group %s) for %lld seconds, until %s: its "
	        "score reached threshold %d within observation_time %d min",
	        ip, key, (long long)(until - time(NULL)), when, DF.d.p.threshold,
	        DF.d.p.observation_s / 60);
}

void
mdefender_event(const char *ip, enum defender_event ev)
{
	char key[DEFENDER_KEY_MAX];
	time_t until, now = time(NULL);
	size_t dropped = 0;

	if (!DF.on || M.shutting_down)
		return;
	if (defender_add_event(&DF.d, ip, ev, now, key, &until, &dropped) == 1) {
		log_ban(ip, key, until);
		tell_listener(key, (uint32_t)(until - now));
		drop_group(key);
		save_bans();
	}
	if (dropped > 0)
		mdefender_sync_listener();
}

int
mdefender_refused(const char *ip)
{
	return DF.on && defender_is_banned(&DF.d, ip, time(NULL));
}

/* ---- admin operations ---- */

static int
admin_reply(int fd, int ok, size_t next, const char *text)
{
	struct rpc_admin_result r = {
	    .fd = -1, .ok = (uint32_t)ok, .next = (uint32_t)next, .text = text};
	return rpc_send_admin_result(fd, &r);
}

static int
admin_list(int fd, struct rpc_msg *m)
{
	size_t next;
	char *s;
	int rc;

	defender_expire(&DF.d, time(NULL));
	s = defender_list_json(&DF.d, time(NULL), m->admin_defender_list.offset,
	                       RPC_ADMIN_TEXT_MAX, &next);
	rc = s != NULL ? admin_reply(fd, 1, next, s)
	               : admin_reply(fd, 0, 0, "out of memory");
	free(s);
	return rc;
}

static int
admin_unban(int fd, struct rpc_msg *m)
{
	const char *ip = m->admin_defender_unban.ip;
	char key[DEFENDER_KEY_MAX], msg[256];
	int rc = defender_unban(&DF.d, ip);

	if (rc < 0)
		return admin_reply(fd, 0, 0, "not an IP address");
	if (defender_is_blocked(&DF.d, ip))
		return admin_reply(fd, 0, 0,
		                   "the address is in common.defender.blocklist_file: "
		                   "edit the file and send SIGHUP");
	if (rc == 0)
		return admin_reply(fd, 0, 0, "the address is not banned nor scored");
	(void)defender_key(ip, key, sizeof(key));
	tell_listener(key, 0);
	save_bans();
	log_app(LOGL_INFO, "defender",
	        "host %s (address group %s) unbanned by an "
	        "administrator",
	        ip, key);
	snprintf(msg, sizeof(msg), "%s unbanned", key);
	return admin_reply(fd, 1, 0, msg);
}

/* What an admin peer may ask (common/rpc_msgs.def): one handler each. */
static int (*const admin_handlers[RPC_TYPE_MAX])(int, struct rpc_msg *) = {
    [RPC_ADMIN_DEFENDER_LIST] = admin_list,
    [RPC_ADMIN_DEFENDER_UNBAN] = admin_unban,
};

static void
admin_close(evutil_socket_t fd, struct event *ev)
{
	event_free(ev);
	close(fd);
	DF.n_conns--;
}

static void
on_admin_conn(evutil_socket_t fd, short what, void *arg)
{
	struct event *self = *(struct event **)arg;
	struct rpc_msg m;
	char err[256];
	(void)what;

	int rc = rpc_recv(fd, &m, err, sizeof(err));
	if (rc < 0 && errno == EAGAIN)
		return;
	if (rc <= 0) {
		if (rc < 0)
			log_warn("admin socket: %s", err);
		free(arg);
		admin_close(fd, self);
		return;
	}
	if (!DF.on || !rpc_permitted(&m, RPC_PEER_ADMIN, RPC_ST_ANY) ||
	    admin_handlers[m.type] == NULL || admin_handlers[m.type](fd, &m) != 0) {
		log_warn("admin socket: %s refused or not answered, connection closed",
		         rpc_type_name(m.type));
		rpc_msg_free(&m);
		free(arg);
		admin_close(fd, self);
		return;
	}
	rpc_msg_free(&m);
}

/* Root only (or the server's own uid when it does not run as root). */
static int
peer_is_admin(int fd)
{
	struct ucred cr;
	socklen_t l = sizeof(cr);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) == 0 &&
	       (cr.uid == 0 || cr.uid == geteuid());
}

static void
on_admin_accept(evutil_socket_t lfd, short what, void *arg)
{
	(void)what;
	(void)arg;
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct event **slot;

	if (fd < 0)
		return;
	if (!peer_is_admin(fd) || DF.n_conns >= ADMIN_CONNS_MAX) {
		log_warn(
		    "admin socket: connection refused (not root, or %d already open)",
		    ADMIN_CONNS_MAX);
		close(fd);
		return;
	}
	slot = malloc(sizeof(*slot));
	if (slot == NULL) {
		close(fd);
		return;
	}
	*slot = event_new(M.base, fd, EV_READ | EV_PERSIST, on_admin_conn, slot);
	if (*slot == NULL) {
		free(slot);
		close(fd);
		return;
	}
	DF.n_conns++;
	event_add(*slot, NULL);
}

/* A stale socket from an earlier run is replaced; anything else is not touched. */
static int
admin_open(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char *path = config_path(M.p->cfg, ADMIN_SOCKET);
	struct stat st;
	mode_t old;
	int fd;

	if (path == NULL || strlen(path) >= sizeof(sa.sun_path)) {
		log_error("defender: no admin socket: %s is too long a path",
		          path ? path : ADMIN_SOCKET);
		free(path);
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	free(path);
	if (lstat(sa.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	old = umask(077);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, ADMIN_CONNS_MAX) != 0) {
		umask(old);
		log_error("defender: no admin socket %s: %s", sa.sun_path,
		          strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	umask(old);
	(void)chmod(sa.sun_path, 0600); /* srw-------: root (or the server's uid) */
	snprintf(DF.admin_path, sizeof(DF.admin_path), "%s", sa.sun_path);
	DF.admin_fd = fd;
	DF.admin_ev = event_new(M.base, fd, EV_READ | EV_PERSIST, on_admin_accept, NULL);
	event_add(DF.admin_ev, NULL);
	return 0;
}

static void
admin_shut(void)
{
	if (DF.admin_fd < 0)
		return;
	event_free(DF.admin_ev);
	close(DF.admin_fd);
	unlink(DF.admin_path);
	DF.admin_fd = -1;
}

/* ---- start, reload, stop ---- */

static int
enable(const struct defender_config *c, char *err, size_t errlen)
{
	struct cidr *safe, *block;
	size_t ns, nb;
	char why[512];

	if (load_lists(c, &safe, &ns, &block, &nb, err, errlen) != 0)
		return -1;
	if (!DF.on) {
		struct defender_params p = params_of(c);
		defender_init(&DF.d, &p);
		DF.ban_path = config_path(M.p->cfg, BAN_FILE);
		if (DF.ban_path == NULL ||
		    defender_load(&DF.d, DF.ban_path, time(NULL), why, sizeof(why)) != 0)
			log_error("defender: the saved bans are not restored: %s",
			          DF.ban_path ? why : "out of memory");
		admin_open();
		DF.on = 1;
	} else {
		DF.d.p = params_of(c);
		/* bans an administrator added to the file since */
		if (defender_load(&DF.d, DF.ban_path, time(NULL), why, sizeof(why)) != 0)
			log_error("defender: %s", why);
	}
	defender_set_lists(&DF.d, safe, ns, block, nb);
	return 0;
}

static void
disable(void)
{
	if (!DF.on)
		return;
	save_bans();
	admin_shut();
	defender_free(&DF.d);
	free(DF.ban_path);
	DF.ban_path = NULL;
	DF.on = 0;
}

int
mdefender_start(void)
{
	char err[512];
	const struct defender_config *c = &M.p->cfg->common.defender;

	if (!c->enabled)
		return 0;
	if (enable(c, err, sizeof(err)) != 0) {
		log_error("%s", err);
		return -1;
	}
	log_info("defender enabled: threshold %d within %d min, ban %d min (+%d %% per "
	         "repeat), %zu safe-listed and %zu block-listed networks, %zu hosts "
	         "restored",
	         c->threshold, c->observation_time, c->ban_time, c->ban_time_increment,
	         DF.d.n_safe, DF.d.n_block, DF.d.n_hosts);
	return 0;
}

int
mdefender_reload(const struct defender_config *nc, char *err, size_t errlen)
{
	if (!nc->enabled) {
		disable();
		return 0;
	}
	return enable(nc, err, errlen);
}

void
mdefender_stop(void)
{
	disable();
}
