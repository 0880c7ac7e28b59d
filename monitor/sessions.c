/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The session pool: spawning and start-up, handing connections to idle sessions, the
 * dispatch of what a session sends (permitted by common/rpc_msgs.def, then guarded
 * here), and a session's end.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/io.h"
#include "logfile/logfile.h"
#include "account/user.h"
#include "monitor/internal.h"

const char *
state_name(enum sess_state st)
{
	static const char *n[] = {"starting", "idle", "pre-auth", "authenticated"};
	return n[st];
}

static void on_session(evutil_socket_t fd, short what, void *arg);
static void on_grace(evutil_socket_t fd, short what, void *arg);

static int
send_init(struct msess *s)
{
	const struct monitor_params *p = M.p;
	int root = p->unpriv_uid != (uid_t)-1;

	for (size_t i = 0; i < p->keys->pem.n; i++) {
		struct rpc_hostkey k = {.fd = -1,
		                        .pem = p->keys->pem.v[i],
		                        .pem_len = strlen(p->keys->pem.v[i])};
		if (rpc_send_hostkey(s->fd, &k) != 0)
			return -1;
	}
	int idle = p->cfg->sftpd.idle_timeout;
	s->max_channels = p->cfg->sftpd.max_channels_per_connection;
	struct rpc_init init = {
	    .fd = -1,
	    .uid = root ? (uint32_t)p->unpriv_uid : RPC_UID_KEEP,
	    .gid = root ? (uint32_t)p->unpriv_gid : RPC_UID_KEEP,
	    .idle_timeout_s = (uint32_t)(idle > 0 ? idle * 60 : 0),
	    .verbose = (uint32_t)p->cfg->log.verbose,
	    .kbdint = (uint32_t)kbdint_enabled(),
	    .chroot_dir = p->empty_dir,
	    .version_banner = M.version_banner,
	    .login_banner = M.login_banner,
	    .kex = M.kex,
	    .ciphers = M.ciphers,
	    .macs = M.macs,
	    .max_channels = (uint32_t)s->max_channels,
	};
	return rpc_send_init(s->fd, &init);
}

static int
spawn_session(void)
{
	int sv[2];
	char *const argv[] = {"sftpgo-session", NULL};

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	pid_t pid = spawn("sftpgo-session", argv, -1, sv[1]);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	struct msess *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		kill(pid, SIGKILL);
		close(sv[0]);
		return -1;
	}
	s->id = ++M.next_id;
	s->pid = pid;
	s->fd = sv[0];
	s->state = S_STARTING;
	TAILQ_INSERT_TAIL(&M.sessions, s, link);
	if (send_init(s) != 0) {
		session_kill(s, "cannot send start-up settings");
		return -1;
	}
	io_set_nonblock(s->fd);
	s->ev = event_new(M.base, s->fd, EV_READ | EV_PERSIST, on_session, s);
	event_add(s->ev, NULL);
	/* A session that never says READY would hold a pool slot for ever. */
	s->grace = timer_start(STARTUP_GRACE_SECS, on_grace, s);
	return 0;
}

static int
count_pool(void)
{
	int n = 0;
	struct msess *s;
	TAILQ_FOREACH(s, &M.sessions, link)
	if ((s->state == S_STARTING || s->state == S_IDLE) && !s->dying)
		n++;
	return n;
}

void
on_refill(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (M.shutting_down)
		return;
	int want = M.p->cfg->sftpd.session_pool_size;
	if (want < 1)
		want = 1;
	for (int n = count_pool(); n < want; n++) {
		if (spawn_session() != 0) {
			log_error("cannot start a session process");
			schedule_refill(1);
			return;
		}
	}
}

void
schedule_refill(int delay_s)
{
	struct timeval tv = {delay_s, 0};
	if (!evtimer_pending(M.refill_ev, NULL) || delay_s == 0)
		evtimer_add(M.refill_ev, &tv);
}

static void
on_grace(evutil_socket_t fd, short what, void *arg)
{
	struct msess *s = arg;
	(void)fd;
	(void)what;
	if (s->state == S_PREAUTH)
		session_kill(s, "login grace time exceeded");
	else if (s->state == S_STARTING)
		session_kill(s, "not ready in time (start-up hung)");
}

static void
new_conn_id(char *out, size_t outlen)
{
	uint8_t r[8];
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memset(r, 0, sizeof(r));
	for (size_t i = 0; i < sizeof(r) && 2 * i + 2 < outlen; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

void
try_assign(void)
{
	struct msess *s;
	struct pconn *c;

	while ((c = TAILQ_FIRST(&M.pending)) != NULL) {
		TAILQ_FOREACH(s, &M.sessions, link)
		if (s->state == S_IDLE && !s->dying)
			break;
		if (s == NULL) {
			schedule_refill(0);
			return;
		}
		TAILQ_REMOVE(&M.pending, c, link);
		M.n_pending--;
		strlcpy(s->ip, c->ip, sizeof(s->ip));
		s->port = c->port;
		s->slot_held = 1;
		new_conn_id(s->conn_id, sizeof(s->conn_id));
		struct rpc_conn conn = {.fd = c->fd,
		                        .client_ip = s->ip,
		                        .port = s->port,
		                        .connection_id = s->conn_id,
		                        .banner_sent = c->banner_sent};
		if (rpc_send_conn(s->fd, &conn) != 0) {
			/* keep the connection for the next idle session */
			s->slot_held = 0;
			TAILQ_INSERT_HEAD(&M.pending, c, link);
			M.n_pending++;
			session_kill(s, "cannot hand over a connection");
			continue;
		}
		close(c->fd);
		free(c);
		s->state = S_PREAUTH;
		s->grace = timer_start(LOGIN_GRACE_SECS, on_grace, s);
		log_app(LOGL_DEBUG, "sftpd",
		        "new connection from %s:%u, id %s, session pid %ld", s->ip,
		        s->port, s->conn_id, (long)s->pid);
		schedule_refill(0);
	}
}

void
session_kill(struct msess *s, const char *why)
{
	log_warn("killing session process %ld (%s, %s): %s", (long)s->pid,
	         state_name(s->state), s->ip[0] ? s->ip : "no connection", why);
	s->dying = 1;
	kill(s->pid, SIGKILL);
	if (s->ev != NULL)
		event_del(s->ev);
}

int
count_user_sessions(const char *username)
{
	int n = 0;
	struct msess *s;
	TAILQ_FOREACH(s, &M.sessions, link)
	if (s->state == S_AUTHED && s->user != NULL &&
	    strcmp(s->user->username, username) == 0)
		n++;
	return n;
}

/* Shown in the REST API's JSON and the web admin: printable ASCII only. */
static void
on_client_version(struct msess *s, struct rpc_msg *m)
{
	const char *v = m->client_version.version;
	size_t i;

	for (i = 0; v[i] != '\0' && i + 1 < sizeof(s->client_version); i++)
		s->client_version[i] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '?';
	s->client_version[i] = '\0';
}

static void
on_session_log(struct msess *s, struct rpc_msg *m)
{
	const struct rpc_log *l = &m->log;

	if (!log_rate_ok(&s->lr, "session", (long)s->pid))
		return;
	if (s->conn_id[0])
		log_app((enum log_level)l->level, "sftpd", "[%s] %s", s->conn_id,
		        l->message);
	else
		log_app((enum log_level)l->level, "sftpd", "%s", l->message);
}

static void
on_ready(struct msess *s, struct rpc_msg *m)
{
	(void)m;
	s->state = S_IDLE;
	if (s->grace) {
		event_free(s->grace);
		s->grace = NULL;
	}
	M.spawn_failures = 0;
	try_assign();
}

/* Guards finer than the declared states. One auth request at a time: */
static int
no_request_pending(const struct msess *s)
{
	return !s->job_pending;
}

static int
kbdint_may_start(const struct msess *s)
{
	return !s->job_pending && s->kbd == NULL && kbdint_enabled();
}

/* answers only to questions asked */
static int
kbdint_awaiting(const struct msess *s)
{
	return s->kbd != NULL && s->kbd->awaiting;
}

/* What a session may send: exactly one handler per message type. */
static const struct {
	void (*handle)(struct msess *s, struct rpc_msg *m);
	int (*guard)(const struct msess *s); /* NULL: the declared states suffice */
} session_handlers[RPC_TYPE_MAX] = {
    [RPC_LOG] = {on_session_log, NULL},
    [RPC_READY] = {on_ready, NULL},
    [RPC_CLIENT_VERSION] = {on_client_version, NULL},
    [RPC_AUTH_PASSWORD] = {on_auth_password, no_request_pending},
    [RPC_AUTH_PUBKEY_QUERY] = {on_auth_pubkey_query, no_request_pending},
    [RPC_AUTH_PUBKEY] = {on_auth_pubkey, no_request_pending},
    [RPC_KBDINT_START] = {on_kbdint_start, kbdint_may_start},
    [RPC_KBDINT_ANSWERS] = {on_kbdint_answers, kbdint_awaiting},
    [RPC_CHANNEL_OPEN] = {on_channel_open, NULL},
};

static unsigned
state_bit(enum sess_state st)
{
	static const unsigned bit[] = {RPC_ST_STARTING, RPC_ST_IDLE, RPC_ST_PREAUTH,
	                               RPC_ST_AUTHED};
	return bit[st];
}

/* Unknown types never get here (the decoder refused them and the session died). */
static void
session_message(struct msess *s, struct rpc_msg *m)
{
	if (m->fd >= 0) {
		session_kill(s, "protocol violation: a session never passes descriptors");
		return;
	}
	if (rpc_permitted(m, RPC_PEER_SESSION, state_bit(s->state)) &&
	    session_handlers[m->type].handle != NULL &&
	    (session_handlers[m->type].guard == NULL ||
	     session_handlers[m->type].guard(s))) {
		session_handlers[m->type].handle(s, m);
		return;
	}
	char why[128];
	snprintf(why, sizeof(why), "protocol violation: %s not allowed in state %s%s",
	         rpc_type_name(m->type), state_name(s->state),
	         s->job_pending ? " (request pending)" : "");
	session_kill(s, why);
}

static void
on_session(evutil_socket_t fd, short what, void *arg)
{
	struct msess *s = arg;
	struct rpc_msg m;
	char err[256];
	(void)what;

	int rc = rpc_recv(fd, &m, err, sizeof(err));
	if (rc == 0) {
		event_del(s->ev); /* the exit is handled when it is reaped */
		return;
	}
	if (rc < 0) {
		if (errno != EAGAIN)
			session_kill(s, err);
		return;
	}
	session_message(s, &m);
	rpc_msg_free(&m);
}

/* Logs what is still queued on the socket (last words of a dying session). */
static void
session_drain(struct msess *s)
{
	struct rpc_msg m;
	char err[256];

	for (int i = 0; i < 64; i++) {
		if (rpc_recv(s->fd, &m, err, sizeof(err)) != 1)
			return;
		if (m.type == RPC_LOG)
			session_message(s, &m);
		rpc_msg_free(&m);
	}
}

void
session_gone(struct msess *s, int status)
{
	if (s->ev != NULL && event_pending(s->ev, EV_READ, NULL))
		session_drain(s);
	if (sandbox_killed(status, "session", s->pid,
	                   s->user != NULL ? s->user->username : "", s->conn_id)) {
		/* logged with the user */
	} else if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM)
		log_warn("session process %ld (%s) killed by signal %d", (long)s->pid,
		         state_name(s->state), WTERMSIG(status));
	else if (s->state == S_STARTING && !M.shutting_down && !s->dying)
		log_error("session process %ld exited during start-up "
		          "(status %d)",
		          (long)s->pid, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	if (s->state == S_PREAUTH && !s->attempted) {
		log_connection_failed(s->ip, "", "no_auth_tryed",
		                      "connection closed or timed out before any "
		                      "authentication attempt");
		/* SFTPGo 2.0: score_invalid (bad protocol, login grace expiry) */
		mdefender_event(s->ip, DEFENDER_EV_INVALID);
	}
	if (s->state == S_AUTHED)
		log_app(LOGL_DEBUG, "sftpd", "connection %s closed, user %s", s->conn_id,
		        s->user->username);
	kbd_end(s);
	release_slot(s);
	/* Its workers lost their client: end them (they also see EOF on the socket). */
	struct mworker *w;
	TAILQ_FOREACH(w, &M.workers, link)
	if (w->sess_id == s->id)
		kill(w->pid, SIGTERM);
	int was_pool = s->state == S_STARTING || s->state == S_IDLE;
	if (s->state == S_STARTING && !s->dying)
		M.spawn_failures++;
	TAILQ_REMOVE(&M.sessions, s, link);
	if (s->ev)
		event_free(s->ev);
	if (s->grace)
		event_free(s->grace);
	close(s->fd);
	free(s->extauth_key);
	quota_detach(s->ql);
	if (s->user) {
		user_free(s->user);
		free(s->user);
	}
	free(s);
	if (was_pool && !M.shutting_down)
		schedule_refill(M.spawn_failures > 0 ? 1 : 0);
}
