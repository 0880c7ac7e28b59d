/*
 * The monitor's event loop: children (listener, session pool, workers), the
 * connection table, the per-session state machine, and the single log writer.
 *
 * Session states and what each may send (anything else kills the session):
 *   STARTING  READY, LOG          (loading keys, dropping privileges)
 *   IDLE      LOG                 (in the pool, waiting for a connection)
 *   PREAUTH   AUTH_*, LOG         (one request at a time, max_auth_tries counted here)
 *   AUTHED    CHANNEL_OPEN, LOG
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "account/account.h"
#include "common/log.h"
#include "common/rpc.h"
#include "common/version.h"
#include "monitor/monitor.h"
#include "worker/proto.h"

#define LOGIN_GRACE_SECS 120
#define STARTUP_GRACE_SECS 30
#define SHUTDOWN_GRACE_SECS 10
#define MAX_PENDING_CONNS 256
#define MAX_WORKERS_PER_SESSION 8
#define WORKER_EVENT_MAX (1024 * 1024)
#define LOGS_PER_SEC 50
#define SPAWN_FDS_MAX 4

enum sess_state { S_STARTING, S_IDLE, S_PREAUTH, S_AUTHED };

/* Lines a session or worker may add to the log: at most LOGS_PER_SEC a second. */
struct log_rate {
	time_t second;
	int count;
};

struct msess {
	TAILQ_ENTRY(msess) link;
	uint64_t id;
	pid_t pid;
	int fd;
	struct event *ev;
	struct event *grace;
	enum sess_state state;
	int job_pending;
	int auth_failures;
	int attempted; /* any auth request seen (else: no_auth_tryed) */
	int slot_held; /* the listener counts this connection as pre-auth */
	int dying;     /* signalled: never hand it a connection */
	struct kbdprog *kbd; /* keyboard-interactive program in progress */
	struct log_rate lr;
	char ip[64];
	unsigned port;
	char conn_id[33];
	struct sftpgo_user *user;
	int n_workers;
};

#define KBDINT_SECS 60
#define KBDINT_LINE_MAX 65536

/* keyboard_interactive_auth_program run for one login (SFTPGo's protocol). */
struct kbdprog {
	pid_t pid;
	int in_fd, out_fd; /* its stdin (we write answers), its stdout (JSON lines) */
	struct event *ev, *timer;
	char *buf;
	size_t len;
	int awaiting;	 /* questions sent, answers expected */
	uint32_t nq;	 /* questions in that round */
	struct sftpgo_user *user;
};

struct mworker {
	TAILQ_ENTRY(mworker) link;
	pid_t pid;
	int fd;
	struct event *ev;
	struct frame_reader fr;
	struct log_rate lr;
	uint64_t sess_id;
	uint32_t channel;     /* the session's channel number */
	const char *protocol; /* SFTP, SCP or SSH: chosen here, never by the worker */
	char *command;        /* exec channels: the command line; NULL for sftp */
	char *exit_msg;       /* exec channels: the worker's last words for stderr */
	char *username, *home, *conn_id;
};

struct pconn {
	TAILQ_ENTRY(pconn) link;
	int fd;
	char ip[64];
	unsigned port;
};

static struct {
	struct monitor_params *p;
	struct event_base *base;
	/* cppcheck-suppress syntaxError ; cppcheck cannot expand an anonymous TAILQ_HEAD */
	TAILQ_HEAD(, msess) sessions;
	TAILQ_HEAD(, mworker) workers;
	TAILQ_HEAD(, pconn) pending;
	int n_pending;
	uint64_t next_id;
	pid_t listener_pid;
	int listener_fd;
	struct event *listener_ev;
	struct event *refill_ev;
	struct event *kill_ev;
	int shutting_down;
	int job_fd;
	char *login_banner;
	char *version_banner;
	char *kex, *ciphers, *macs;
	uint64_t spawn_failures;
} M;

static void session_kill(struct msess *s, const char *why);
static void try_assign(void);
static void schedule_refill(int delay_s);
static void maybe_exit(void);
static void worker_open(struct msess *s, uint32_t channel, const char *kind,
			const char *command);
static void on_grace(evutil_socket_t fd, short what, void *arg);
static void kbd_end(struct msess *s);
static void kbd_start(struct msess *s, struct job *j);
static void kbd_answers(struct msess *s, struct rpc_msg *m);
static int kbdint_enabled(void);

/* ---------- helpers ---------- */

static void
set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* A one-shot timer firing in secs seconds (NULL when out of memory). */
static struct event *
timer_start(int secs, event_callback_fn cb, void *arg)
{
	struct timeval tv = {secs, 0};
	struct event *e = evtimer_new(M.base, cb, arg);

	if (e != NULL)
		evtimer_add(e, &tv);
	return e;
}

static char *
join_list(const struct strlist *l)
{
	size_t n = 1;
	for (size_t i = 0; i < l->n; i++)
		n += strlen(l->v[i]) + 1;
	char *s = calloc(1, n);
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		if (i > 0)
			strlcat(s, ",", n);
		strlcat(s, l->v[i], n);
	}
	return s;
}

static char *
read_banner_file(const char *path)
{
	if (path == NULL || path[0] == '\0')
		return strdup("");
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		log_app(LOGL_WARN, "service", "login banner %s: %s", path, strerror(errno));
		return strdup("");
	}
	char *buf = calloc(1, 16384);
	if (buf != NULL) {
		size_t n = fread(buf, 1, 16383, f);
		buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

/* The parts of the config that new sessions take (also on SIGHUP). */
static void
load_session_settings(void)
{
	const struct sftpd_config *sc = &M.p->cfg->sftpd;
	char vb[600];

	free(M.login_banner);
	free(M.version_banner);
	free(M.kex);
	free(M.ciphers);
	free(M.macs);
	M.login_banner = read_banner_file(sc->login_banner_file);
	if (sc->banner != NULL && sc->banner[0] != '\0')
		snprintf(vb, sizeof(vb), "%s", sc->banner);
	else
		snprintf(vb, sizeof(vb), "SFTPGo_%s", sftpgo_version());
	M.version_banner = strdup(vb);
	M.kex = join_list(&sc->kex_algorithms);
	M.ciphers = join_list(&sc->ciphers);
	M.macs = join_list(&sc->macs);
}

static int
max_auth_tries(void)
{
	int m = M.p->cfg->sftpd.max_auth_tries;
	return m == 0 ? 6 : m;
}

static struct msess *
session_by_id(uint64_t id)
{
	struct msess *s;
	TAILQ_FOREACH(s, &M.sessions, link)
	if (s->id == id)
		return s;
	return NULL;
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

/*
 * posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK)) rather than fork: the monitor
 * is multi-threaded and large, and a fork copies its page tables for the child to
 * throw away at exec; with a login every few milliseconds that was most of the
 * monitor's CPU. fds[i] >= 0 becomes fd i of the child, fds[i] < 0 leaves fd i as
 * it is; every fd from nfds up is closed; signals are back to their defaults.
 */
static pid_t
spawn_fds(const char *path, char *const argv[], char *const envp[], const int *fds,
          int nfds)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none;
	int tmp[SPAWN_FDS_MAX];
	pid_t pid = -1;
	int rc = 0;

	if (nfds > SPAWN_FDS_MAX)
		return -1;
	for (int i = 0; i < nfds; i++)
		tmp[i] = -1;
	sigfillset(&all);
	sigemptyset(&none);
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	if (posix_spawnattr_init(&attr) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	/* Copies above the targets first, so that one target cannot clobber another's
	 * source; dup2 clears close-on-exec on the target. */
	for (int i = 0; i < nfds && rc == 0; i++) {
		if (fds[i] < 0)
			continue;
		tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
		rc = tmp[i] < 0 ? errno : posix_spawn_file_actions_adddup2(&fa, tmp[i], i);
	}
	if (rc == 0)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, nfds);
	if (rc == 0)
		rc = posix_spawnattr_setsigdefault(&attr, &all);
	if (rc == 0)
		rc = posix_spawnattr_setsigmask(&attr, &none);
	if (rc == 0)
		rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF |
		                                         POSIX_SPAWN_SETSIGMASK);
	if (rc == 0)
		rc = posix_spawn(&pid, path, &fa, &attr, argv, envp);
	for (int i = 0; i < nfds; i++)
		if (tmp[i] >= 0)
			close(tmp[i]);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		log_app(LOGL_ERROR, "service", "cannot run %s: %s", path, strerror(rc));
		return -1;
	}
	return pid;
}

/* A libexec program with a clean environment; fds: 0/1 = io (or /dev/null when
 * io < 0), 2 = the monitor's, 3 = ctl. */
static pid_t
spawn(const char *prog, char *const argv[], int io, int ctl)
{
	char path[4096];
#ifdef __SANITIZE_ADDRESS__
	/* Sanitizer builds: the children run chrooted, where LeakSanitizer cannot
	 * read /proc and would turn every exit into a failure. */
	char *const envp[] = {"PATH=/usr/bin:/bin", "ASAN_OPTIONS=detect_leaks=0", NULL};
#else
	char *const envp[] = {"PATH=/usr/bin:/bin", NULL};
#endif

	if (snprintf(path, sizeof(path), "%s/%s", M.p->libexec_dir, prog) >= (int)sizeof(path))
		return -1;
	int devnull = -1;
	if (io < 0 && (io = devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		return -1;
	const int fds[] = {io, io, -1, ctl};
	pid_t pid = spawn_fds(path, argv, envp, fds, 4);
	if (devnull >= 0)
		close(devnull);
	return pid;
}

/* ---------- listener ---------- */

static void
release_slot(struct msess *s)
{
	if (!s->slot_held)
		return;
	s->slot_held = 0;
	if (M.listener_fd >= 0)
		rpc_send(M.listener_fd, -1, RPC_RELEASE, s->ip);
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

static void
on_listener(evutil_socket_t fd, short what, void *arg)
{
	struct rpc_msg m;
	char err[256];
	(void)what;
	(void)arg;

	int rc = rpc_recv(fd, &m, err, sizeof(err));
	if (rc == 0 || (rc < 0 && errno != EAGAIN)) {
		if (rc < 0)
			log_app(LOGL_ERROR, "service", "listener: %s", err);
		event_del(M.listener_ev);
		return;
	}
	if (rc < 0)
		return;
	if (m.type == RPC_LOG && m.u[0] <= LOGL_ERROR) {
		log_app((enum log_level)m.u[0], "listener", "%s", m.s[0]);
	} else if (m.type == RPC_NEWCONN && m.fd >= 0 && valid_ip(m.s[0]) &&
		   is_stream_socket(m.fd) && !M.shutting_down) {
		if (M.n_pending >= MAX_PENDING_CONNS) {
			log_app(LOGL_WARN, "service", "dropping connection from %s: too many "
						      "waiting for a session process",
				m.s[0]);
			rpc_send(M.listener_fd, -1, RPC_RELEASE, m.s[0]);
		} else {
			struct pconn *c = calloc(1, sizeof(*c));
			if (c == NULL) /* dropped: the listener must free its slot */
				rpc_send(M.listener_fd, -1, RPC_RELEASE, m.s[0]);
			if (c != NULL) {
				c->fd = m.fd;
				m.fd = -1;
				strlcpy(c->ip, m.s[0], sizeof(c->ip));
				c->port = m.u[0];
				TAILQ_INSERT_TAIL(&M.pending, c, link);
				M.n_pending++;
			}
		}
		try_assign();
	} else {
		log_app(LOGL_ERROR, "service", "listener sent %s: not allowed, ignored",
			rpc_type_name(m.type));
	}
	rpc_msg_free(&m);
}

/* The listener is exec'd fresh: it must hold nothing of the monitor's memory
 * (host keys, provider secrets) nor any of its descriptors. */
static int
start_listener(void)
{
	int sv[2];
	char uid[24], gid[24], max[24];
	char *const argv[] = {"sftpgo-listener", (char *)M.p->empty_dir, uid, gid, max, NULL};

	snprintf(uid, sizeof(uid), "%ld",
		 M.p->unpriv_uid == (uid_t)-1 ? -1L : (long)M.p->unpriv_uid);
	snprintf(gid, sizeof(gid), "%ld",
		 M.p->unpriv_gid == (gid_t)-1 ? -1L : (long)M.p->unpriv_gid);
	snprintf(max, sizeof(max), "%d", M.p->cfg->sftpd.max_startups_per_ip);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		log_app(LOGL_ERROR, "service", "socketpair: %s", strerror(errno));
		return -1;
	}
	pid_t pid = spawn("sftpgo-listener", argv, M.p->listen_fd, sv[1]);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	set_nonblock(sv[0]);
	M.listener_pid = pid;
	M.listener_fd = sv[0];
	M.listener_ev = event_new(M.base, sv[0], EV_READ | EV_PERSIST, on_listener, NULL);
	event_add(M.listener_ev, NULL);
	return 0;
}

static void
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

/* ---------- sessions ---------- */

static const char *
state_name(enum sess_state st)
{
	static const char *n[] = {"starting", "idle", "pre-auth", "authenticated"};
	return n[st];
}

static void on_session(evutil_socket_t fd, short what, void *arg);

static int
send_init(struct msess *s)
{
	const struct monitor_params *p = M.p;
	int root = p->unpriv_uid != (uid_t)-1;

	for (size_t i = 0; i < p->keys->pem.n; i++)
		if (rpc_send(s->fd, -1, RPC_HOSTKEY, p->keys->pem.v[i],
			     strlen(p->keys->pem.v[i])) != 0)
			return -1;
	int idle = p->cfg->sftpd.idle_timeout;
	return rpc_send(s->fd, -1, RPC_INIT, root ? (uint32_t)p->unpriv_uid : RPC_UID_KEEP,
			root ? (uint32_t)p->unpriv_gid : RPC_UID_KEEP,
			(uint32_t)(idle > 0 ? idle * 60 : 0), (uint32_t)p->cfg->log.verbose,
			(uint32_t)kbdint_enabled(), p->empty_dir, M.version_banner, M.login_banner, M.kex, M.ciphers,
			M.macs);
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
	set_nonblock(s->fd);
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

static void
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
			log_app(LOGL_ERROR, "service", "cannot start a session process");
			schedule_refill(1);
			return;
		}
	}
}

static void
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
		if (rpc_send(s->fd, c->fd, RPC_CONN, s->ip, (uint32_t)s->port, s->conn_id) != 0) {
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
		log_app(LOGL_DEBUG, "sftpd", "new connection from %s:%u, id %s, session pid %ld",
			s->ip, s->port, s->conn_id, (long)s->pid);
		schedule_refill(0);
	}
}

static void
session_kill(struct msess *s, const char *why)
{
	log_app(LOGL_WARN, "service", "killing session process %ld (%s, %s): %s",
		(long)s->pid, state_name(s->state), s->ip[0] ? s->ip : "no connection", why);
	s->dying = 1;
	kill(s->pid, SIGKILL);
	if (s->ev != NULL)
		event_del(s->ev);
}

/* 1 when the line may be written; says once per second that lines are dropped. */
static int
log_rate_ok(struct log_rate *r, const char *who, long pid)
{
	time_t now = time(NULL);

	if (now != r->second) {
		r->second = now;
		r->count = 0;
	}
	if (++r->count <= LOGS_PER_SEC)
		return 1;
	if (r->count == LOGS_PER_SEC + 1)
		log_app(LOGL_WARN, "service", "%s process %ld: too many log lines, dropping some",
			who, pid);
	return 0;
}

static int
count_user_sessions(const char *username)
{
	int n = 0;
	struct msess *s;
	TAILQ_FOREACH(s, &M.sessions, link)
	if (s->state == S_AUTHED && s->user != NULL && strcmp(s->user->username, username) == 0)
		n++;
	return n;
}

static void
submit_auth(struct msess *s, struct rpc_msg *m)
{
	struct job *j = calloc(1, sizeof(*j));
	if (j == NULL) {
		session_kill(s, "out of memory");
		return;
	}
	j->sess_id = s->id;
	j->username = strdup(m->s[0]);
	strlcpy(j->client_ip, s->ip, sizeof(j->client_ip));
	if (m->type == RPC_KBDINT_START) {
		j->kind = JOB_KBDINT;
	} else if (m->type == RPC_AUTH_PASSWORD) {
		j->kind = JOB_PASSWORD;
		j->password = strdup(m->s[1]);
	} else {
		j->kind = m->type == RPC_AUTH_PUBKEY ? JOB_PUBKEY : JOB_PUBKEY_QUERY;
		j->key_type = strdup(m->s[1]);
		j->key_b64 = strdup(m->s[2]);
	}
	if (j->username == NULL || (j->kind == JOB_PASSWORD && j->password == NULL) ||
	    ((j->kind == JOB_PUBKEY || j->kind == JOB_PUBKEY_QUERY) &&
	     (j->key_type == NULL || j->key_b64 == NULL))) {
		job_free(j);
		session_kill(s, "out of memory");
		return;
	}
	s->attempted = 1;
	s->job_pending = 1;
	authpool_submit(j);
}

static void
session_message(struct msess *s, struct rpc_msg *m)
{
	int t = m->type;

	if (m->fd >= 0) {
		session_kill(s, "protocol violation: a session never passes descriptors");
		return;
	}
	if (t == RPC_LOG) {
		if (m->u[0] > LOGL_ERROR) {
			session_kill(s, "bad log level");
			return;
		}
		if (!log_rate_ok(&s->lr, "session", (long)s->pid))
			return;
		if (s->conn_id[0])
			log_app((enum log_level)m->u[0], "sftpd", "[%s] %s", s->conn_id, m->s[0]);
		else
			log_app((enum log_level)m->u[0], "sftpd", "%s", m->s[0]);
		return;
	}
	if (s->state == S_STARTING && t == RPC_READY) {
		s->state = S_IDLE;
		if (s->grace) {
			event_free(s->grace);
			s->grace = NULL;
		}
		M.spawn_failures = 0;
		try_assign();
		return;
	}
	if (s->state == S_PREAUTH && !s->job_pending &&
	    (t == RPC_AUTH_PASSWORD || t == RPC_AUTH_PUBKEY_QUERY || t == RPC_AUTH_PUBKEY ||
	     (t == RPC_KBDINT_START && s->kbd == NULL && kbdint_enabled()))) {
		int max = max_auth_tries();
		if (max > 0 && s->auth_failures >= max) {
			session_kill(s, "authentication request beyond max_auth_tries");
			return;
		}
		submit_auth(s, m);
		return;
	}
	if (s->state == S_PREAUTH && s->kbd != NULL && s->kbd->awaiting &&
	    t == RPC_KBDINT_ANSWERS) {
		kbd_answers(s, m);
		return;
	}
	if (s->state == S_AUTHED && t == RPC_CHANNEL_OPEN) {
		worker_open(s, m->u[0], m->s[0], m->s[1]);
		return;
	}
	char why[128];
	snprintf(why, sizeof(why), "protocol violation: %s not allowed in state %s%s",
		 rpc_type_name(t), state_name(s->state), s->job_pending ? " (request pending)" : "");
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
		if (m.type == RPC_LOG && m.u[0] <= LOGL_ERROR)
			session_message(s, &m);
		rpc_msg_free(&m);
	}
}

static void
session_gone(struct msess *s, int status)
{
	if (s->ev != NULL && event_pending(s->ev, EV_READ, NULL))
		session_drain(s);
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM)
		log_app(LOGL_WARN, "service", "session process %ld (%s) killed by signal %d",
			(long)s->pid, state_name(s->state), WTERMSIG(status));
	else if (s->state == S_STARTING && !M.shutting_down && !s->dying)
		log_app(LOGL_ERROR, "service", "session process %ld exited during start-up "
					       "(status %d)",
			(long)s->pid, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	if (s->state == S_PREAUTH && !s->attempted)
		log_connection_failed(s->ip, "", "no_auth_tryed",
				      "connection closed or timed out before any "
				      "authentication attempt");
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
	if (s->user) {
		user_free(s->user);
		free(s->user);
	}
	free(s);
	if (was_pool && !M.shutting_down)
		schedule_refill(M.spawn_failures > 0 ? 1 : 0);
}

/* ---------- auth results ---------- */

static void
auth_reply(struct msess *s, uint32_t result, const char *msg)
{
	if (rpc_send(s->fd, -1, RPC_AUTH_RESULT, result, msg) != 0)
		session_kill(s, "cannot answer an authentication request");
}

static void
auth_failed(struct msess *s, struct job *j)
{
	const char *method = job_method(j->kind);
	int max = max_auth_tries();

	s->auth_failures++;
	log_connection_failed(s->ip, j->username, method, j->error);
	/* Only a client that proved its credentials learns why it was refused. */
	auth_reply(s, max > 0 && s->auth_failures >= max ? RPC_AUTH_DENIED_DISCONNECT
							  : RPC_AUTH_DENIED,
		   j->creds_ok && j->kind != JOB_PUBKEY_QUERY ? j->error : "");
}

static void
auth_succeeded(struct msess *s, struct job *j)
{
	struct sftpgo_user *u = j->user;

	if (j->kind == JOB_PUBKEY_QUERY) {
		auth_reply(s, RPC_AUTH_OK, "");
		return;
	}
	if (u->max_sessions > 0 && count_user_sessions(u->username) >= u->max_sessions) {
		snprintf(j->error, sizeof(j->error), "too many open sessions: %d/%lld",
			 count_user_sessions(u->username), (long long)u->max_sessions);
		auth_failed(s, j);
		return;
	}
	j->user = NULL;
	s->user = u;
	s->state = S_AUTHED;
	if (s->grace) {
		event_free(s->grace);
		s->grace = NULL;
	}
	release_slot(s);
	log_app(LOGL_INFO, "sftpd", "[%s] user %s logged in with %s from %s", s->conn_id,
		u->username, job_method(j->kind), s->ip);
	auth_reply(s, RPC_AUTH_OK, "");
	struct job *ll = calloc(1, sizeof(*ll));
	if (ll != NULL && (ll->username = strdup(u->username)) != NULL) {
		ll->kind = JOB_LAST_LOGIN;
		authpool_submit(ll);
	} else {
		free(ll);
	}
}

static void
on_job(evutil_socket_t fd, short what, void *arg)
{
	struct job *j;
	(void)what;
	(void)arg;

	while (read(fd, &j, sizeof(j)) == (ssize_t)sizeof(j)) {
		if (j->kind == JOB_LAST_LOGIN) {
			if (!j->ok)
				log_app(LOGL_WARN, "sftpd", "unable to update last login for %s: %s",
					j->username, j->error);
			job_free(j);
			continue;
		}
		struct msess *s = session_by_id(j->sess_id);
		if (s != NULL && s->state == S_PREAUTH && s->job_pending) {
			s->job_pending = 0;
			if (j->ok && j->kind == JOB_KBDINT)
				kbd_start(s, j);
			else if (j->ok)
				auth_succeeded(s, j);
			else
				auth_failed(s, j);
		}
		job_free(j);
	}
}

/* ---------- keyboard-interactive ---------- */

static int
kbdint_enabled(void)
{
	const char *p = M.p->cfg->sftpd.keyboard_interactive_auth_program;
	return p != NULL && p[0] != '\0';
}

static void
kbd_end(struct msess *s)
{
	struct kbdprog *k = s->kbd;

	if (k == NULL)
		return;
	if (k->pid > 0)
		kill(k->pid, SIGKILL); /* reaped by on_sigchld like any child */
	if (k->ev)
		event_free(k->ev);
	if (k->timer)
		event_free(k->timer);
	if (k->in_fd >= 0)
		close(k->in_fd);
	if (k->out_fd >= 0)
		close(k->out_fd);
	if (k->user) {
		user_free(k->user);
		free(k->user);
	}
	if (k->buf) {
		explicit_bzero(k->buf, KBDINT_LINE_MAX);
		free(k->buf);
	}
	free(k);
	s->kbd = NULL;
}

/* Ends the exchange with a verdict; the session gets its AUTH_RESULT. */
static void
kbd_finish(struct msess *s, int ok, const char *why)
{
	struct job j;
	char err[256];

	memset(&j, 0, sizeof(j));
	j.kind = JOB_KBDINT;
	j.username = s->kbd->user->username;
	if (ok && account_can_login(s->kbd->user, s->ip, "keyboard-interactive",
				      (int64_t)time(NULL) * 1000, err, sizeof(err)) != 0) {
		ok = 0;
		j.creds_ok = 1;
		why = err;
	}
	snprintf(j.error, sizeof(j.error), "%s", why ? why : "");
	if (ok) {
		j.user = s->kbd->user;
		s->kbd->user = NULL;
		j.username = j.user->username;
		auth_succeeded(s, &j);
		if (j.user != NULL) { /* refused (max_sessions): still ours */
			user_free(j.user);
			free(j.user);
		}
		kbd_end(s);
		return;
	}
	auth_failed(s, &j);
	kbd_end(s);
}

/* One JSON line from the program: questions, or auth_result. */
static void
kbd_line(struct msess *s, const char *line)
{
	json_error_t je;
	json_t *o = json_loads(line, 0, &je);
	json_t *res = json_object_get(o, "auth_result");
	json_t *qs = json_object_get(o, "questions");
	json_t *echos = json_object_get(o, "echos");
	char questions[16384] = "";
	uint32_t mask = 0;
	size_t n = json_array_size(qs);

	if (!json_is_object(o)) {
		kbd_finish(s, 0, "keyboard interactive program: invalid JSON");
	} else if (json_is_integer(res) && json_integer_value(res) != 0) {
		kbd_finish(s, json_integer_value(res) == 1, "keyboard interactive authentication failed");
	} else if (n == 0 || n > RPC_KBDINT_MAX || json_array_size(echos) != n) {
		kbd_finish(s, 0, "keyboard interactive program: bad questions");
	} else {
		for (size_t i = 0; i < n; i++) {
			const char *q = json_string_value(json_array_get(qs, i));
			if (i > 0)
				strlcat(questions, "\n", sizeof(questions));
			size_t at = strlen(questions);
			strlcat(questions, q && q[0] ? q : " ", sizeof(questions));
			for (char *c = questions + at; *c; c++)
				if (*c == '\n')
					*c = ' ';
			if (json_is_true(json_array_get(echos, i)))
				mask |= 1u << i;
		}
		const char *instr = json_string_value(json_object_get(o, "instruction"));
		s->kbd->awaiting = 1;
		s->kbd->nq = (uint32_t)n;
		if (rpc_send(s->fd, -1, RPC_KBDINT_QUESTIONS, (uint32_t)n, mask, instr ? instr : "",
			     questions) != 0)
			session_kill(s, "cannot send keyboard-interactive questions");
	}
	json_decref(o);
}

static void
on_kbd_output(evutil_socket_t fd, short what, void *arg)
{
	struct msess *s = arg;
	struct kbdprog *k = s->kbd;
	(void)what;

	ssize_t n = read(fd, k->buf + k->len, KBDINT_LINE_MAX - 1 - k->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		kbd_finish(s, 0, "keyboard interactive program ended without a result");
		return;
	}
	k->len += (size_t)n;
	char *nl;
	while (s->kbd == k && !k->awaiting && (nl = memchr(k->buf, '\n', k->len)) != NULL) {
		*nl = '\0';
		size_t used = (size_t)(nl - k->buf) + 1;
		char *line = strdup(k->buf);
		memmove(k->buf, k->buf + used, k->len - used);
		k->len -= used;
		if (line == NULL) {
			kbd_finish(s, 0, "out of memory");
			return;
		}
		kbd_line(s, line);
		free(line);
	}
	if (s->kbd == k && k->len >= KBDINT_LINE_MAX - 1)
		kbd_finish(s, 0, "keyboard interactive program: line too long");
}

static void
on_kbd_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	kbd_finish(arg, 0, "keyboard interactive authentication timed out");
}

/* Runs the program for a user the provider knows (j->user, taken). */
static void
kbd_start(struct msess *s, struct job *j)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1};
	char user_env[600], pass_env[1100];
	const char *prog = M.p->cfg->sftpd.keyboard_interactive_auth_program;
	char *const argv[] = {(char *)prog, NULL};
	char *const envp[] = {"PATH=/usr/bin:/bin", user_env, pass_env, NULL};
	struct kbdprog *k = calloc(1, sizeof(*k));

	snprintf(user_env, sizeof(user_env), "SFTPGO_AUTHD_USERNAME=%s", j->user->username);
	snprintf(pass_env, sizeof(pass_env), "SFTPGO_AUTHD_PASSWORD=%s",
		 j->user->password ? j->user->password : "");
	if (k == NULL || (k->buf = malloc(KBDINT_LINE_MAX)) == NULL ||
	    pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
		free(k ? k->buf : NULL);
		free(k);
		for (int i = 0; i < 2; i++) {
			if (in[i] >= 0)
				close(in[i]);
			if (out[i] >= 0)
				close(out[i]);
		}
		snprintf(j->error, sizeof(j->error), "cannot run the keyboard interactive program");
		auth_failed(s, j);
		return;
	}
	const int fds[] = {in[0], out[1], -1};
	pid_t pid = spawn_fds(prog, argv, envp, fds, 3);
	explicit_bzero(pass_env, sizeof(pass_env));
	close(in[0]);
	close(out[1]);
	k->pid = pid;
	k->in_fd = in[1];
	k->out_fd = out[0];
	k->user = j->user;
	j->user = NULL;
	s->kbd = k;
	if (pid < 0) {
		kbd_finish(s, 0, "cannot run the keyboard interactive program");
		return;
	}
	set_nonblock(k->out_fd);
	/* Answers are written from the event loop: a program that stops reading its
	 * stdin must fail the login, never block the monitor. */
	set_nonblock(k->in_fd);
	k->ev = event_new(M.base, k->out_fd, EV_READ | EV_PERSIST, on_kbd_output, s);
	event_add(k->ev, NULL);
	k->timer = timer_start(KBDINT_SECS, on_kbd_timeout, s);
}

/* The client's answers go to the program, one per line. */
static void
kbd_answers(struct msess *s, struct rpc_msg *m)
{
	struct kbdprog *k = s->kbd;
	size_t lines = 1;

	for (uint32_t i = 0; i < m->slen[0]; i++)
		if (m->s[0][i] == '\n')
			lines++;
	if (m->u[0] != k->nq || lines != k->nq) {
		char why[160];
		snprintf(why, sizeof(why), "protocol violation: %u keyboard-interactive answers "
					   "(%zu lines) to %u questions",
			 (unsigned)m->u[0], lines, (unsigned)k->nq);
		session_kill(s, why);
		return;
	}
	k->awaiting = 0;
	/* One write: a short one (pipe full) fails the login instead of waiting. */
	m->s[0][m->slen[0]] = '\n';
	ssize_t w;
	do
		w = write(k->in_fd, m->s[0], (size_t)m->slen[0] + 1);
	while (w < 0 && errno == EINTR);
	m->s[0][m->slen[0]] = '\0';
	if (w != (ssize_t)m->slen[0] + 1) {
		kbd_finish(s, 0, "keyboard interactive program does not read its answers");
		return;
	}
	/* a line may already be waiting */
	on_kbd_output(k->out_fd, EV_READ, s);
}

/* ---------- workers ---------- */

/* The settings object of the worker protocol (worker/proto.h). */
static json_t *
worker_settings(const struct msess *s, const char *protocol)
{
	const struct sftpgo_user *u = s->user;
	const struct sftpd_config *sc = &M.p->cfg->sftpd;
	int root = geteuid() == 0;
	struct wp_settings ws = {0};
	char err[160];

	json_t *perms = user_perms_to_json(u);
	wp_set_str(&ws, WPK_USERNAME, u->username);
	wp_set_str(&ws, WPK_CONNECTION_ID, s->conn_id);
	wp_set_str(&ws, WPK_PROTOCOL, protocol);
	wp_set_str(&ws, WPK_CLIENT_IP, s->ip);
	wp_set_str(&ws, WPK_HOME_DIR, u->home_dir);
	wp_set_int(&ws, WPK_CHROOT, root);
	wp_set_int(&ws, WPK_UID, root ? u->uid : -1);
	wp_set_int(&ws, WPK_GID, root ? u->gid : -1);
	wp_set_str(&ws, WPK_UMASK, sc->umask ? sc->umask : "0022");
	wp_set_int(&ws, WPK_SETSTAT_MODE, sc->setstat_mode);
	wp_set_int(&ws, WPK_UPLOAD_MODE, sc->upload_mode);
	wp_set_perms(&ws, perms ? perms : json_object());
	wp_set_str(&ws, WPK_START_DIR, "/");
	wp_set_int(&ws, WPK_READ_ONLY, 0);
	/* NULL (a value the protocol refuses, err says which): the channel is refused */
	json_t *o = wp_settings_encode(&ws, err, sizeof(err));
	json_decref(ws.perms);
	return o;
}

static void worker_event(struct mworker *w, const uint8_t *body, size_t len);

/* One read of the worker's events: 1 when more may follow, 0 at the end. */
static int
worker_read(struct mworker *w)
{
	const uint8_t *body;
	size_t len;

	int rc = frame_reader_fill(&w->fr, w->fd);
	int fill_errno = errno; /* worker_event() may change errno */
	if (rc < 0 && fill_errno == EAGAIN)
		return 0;
	int nr;
	while ((nr = frame_reader_next(&w->fr, &body, &len)) == 1)
		worker_event(w, body, len);
	if (nr < 0 || (rc < 0 && fill_errno != ECONNRESET))
		log_app(LOGL_WARN, "service", "worker %ld: bad event stream", (long)w->pid);
	if (nr < 0 || rc <= 0) {
		event_del(w->ev);
		return 0;
	}
	return 1;
}

static void
on_worker(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	worker_read(arg);
}

/* The SSH commands the worker serves itself (sshcmd/): no program is ever run. */
static const char *const internal_commands[] = {
	"scp", "md5sum", "sha1sum", "sha256sum", "sha384sum", "sha512sum", "cd", "pwd", NULL};

/*
 * May this exec request start a worker? NULL when it may (*protocol set), else why
 * not. Only the command's name is judged here; the worker parses the rest.
 */
static const char *
exec_refusal(const char *command, const char **protocol)
{
	static char why[160];
	char name[32];
	size_t n = strcspn(command, " \t");
	int internal = 0;

	if (n == 0 || n >= sizeof(name))
		return "command not supported";
	memcpy(name, command, n);
	name[n] = '\0';
	for (const char *const *c = internal_commands; *c != NULL; c++)
		internal |= strcmp(*c, name) == 0;
	if (!strlist_contains(&M.p->cfg->sftpd.enabled_ssh_commands, name)) {
		snprintf(why, sizeof(why), "command not enabled: %s", name);
		return why;
	}
	if (!internal) {
		snprintf(why, sizeof(why), "command not supported: %s", name);
		return why;
	}
	*protocol = strcmp(name, "scp") == 0 ? "SCP" : "SSH";
	return NULL;
}

static void
mworker_free(struct mworker *w)
{
	if (w == NULL)
		return;
	free(w->username);
	free(w->home);
	free(w->conn_id);
	free(w->command);
	free(w->exit_msg);
	free(w);
}

static void
worker_open(struct msess *s, uint32_t channel, const char *kind, const char *command)
{
	int data[2] = {-1, -1}, ctl[2] = {-1, -1};
	char *const argv[] = {"sftpgo-worker", "--monitor-fd", "3", NULL};
	const char *why = "cannot start the worker";
	const char *protocol = "SFTP";
	int exec = strcmp(kind, "exec") == 0;
	json_t *settings = NULL;
	char *js = NULL;

	if ((!exec && strcmp(kind, "sftp") != 0) || (!exec && command[0] != '\0')) {
		why = "unsupported channel kind";
		goto refuse;
	}
	if (exec && (why = exec_refusal(command, &protocol)) != NULL)
		goto refuse;
	/* jansson refuses strings that are not UTF-8: say so rather than fail */
	json_t *cmd = exec ? json_string(command) : NULL;
	if (exec && cmd == NULL) {
		why = "the command line is not valid UTF-8";
		goto refuse;
	}
	if (s->n_workers >= MAX_WORKERS_PER_SESSION || M.shutting_down) {
		why = "too many channels";
		goto refuse;
	}
	if (geteuid() == 0 && (s->user->uid <= 0 || s->user->gid <= 0)) {
		/* SFTPGo would serve such a user as root: we never run a worker as root. */
		why = "the user maps to uid or gid 0 (root); set a non-root uid/gid";
		goto refuse;
	}
	settings = worker_settings(s, protocol);
	if (settings == NULL)
		json_decref(cmd);
	else if (cmd != NULL && json_object_set_new(settings, "command", cmd) != 0) {
		json_decref(settings); /* set_new released cmd */
		settings = NULL;
	}
	js = settings ? json_dumps(settings, JSON_COMPACT) : NULL;
	if (js == NULL ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, data) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) != 0)
		goto refuse;
	pid_t pid = spawn("sftpgo-worker", argv, data[1], ctl[1]);
	close(data[1]);
	close(ctl[1]);
	data[1] = ctl[1] = -1;
	if (pid < 0)
		goto refuse;
	struct mworker *w = calloc(1, sizeof(*w));
	if (w != NULL) {
		w->username = strdup(s->user->username);
		w->home = strdup(s->user->home_dir);
		w->conn_id = strdup(s->conn_id);
		w->command = exec ? strdup(command) : NULL;
	}
	if (w == NULL || w->username == NULL || w->home == NULL || w->conn_id == NULL ||
	    (exec && w->command == NULL) || frame_write(ctl[0], js, strlen(js)) != 0) {
		mworker_free(w);
		kill(pid, SIGKILL);
		/* reaped later as an unknown child */
		goto refuse;
	}
	w->pid = pid;
	w->fd = ctl[0];
	w->sess_id = s->id;
	w->channel = channel;
	w->protocol = protocol;
	frame_reader_init(&w->fr, WORKER_EVENT_MAX);
	set_nonblock(w->fd);
	w->ev = event_new(M.base, w->fd, EV_READ | EV_PERSIST, on_worker, w);
	event_add(w->ev, NULL);
	TAILQ_INSERT_TAIL(&M.workers, w, link);
	s->n_workers++;
	if (rpc_send(s->fd, data[0], RPC_CHANNEL_RESULT, channel, (uint32_t)1, "") != 0)
		session_kill(s, "cannot pass the worker socket");
	close(data[0]);
	if (exec)
		log_app(LOGL_DEBUG, "sftpd", "[%s] worker %ld started for user %s: %s",
			s->conn_id, (long)pid, s->user->username, command);
	else
		log_app(LOGL_DEBUG, "sftpd", "[%s] sftp worker %ld started for user %s",
			s->conn_id, (long)pid, s->user->username);
	json_decref(settings);
	free(js);
	return;
refuse:
	for (int i = 0; i < 2; i++) {
		if (data[i] >= 0)
			close(data[i]);
		if (ctl[i] >= 0)
			close(ctl[i]);
	}
	json_decref(settings);
	free(js);
	log_app(LOGL_WARN, "sftpd", "[%s] channel refused: %s", s->conn_id, why);
	if (rpc_send(s->fd, -1, RPC_CHANNEL_RESULT, channel, (uint32_t)0, why) != 0)
		session_kill(s, "cannot answer a channel request");
}

/* Worker paths are virtual; logs show the real path under the home. */
static char *
real_path(const struct mworker *w, const char *vpath)
{
	char *out = NULL;
	if (vpath[0] == '\0')
		return strdup("");
	if (asprintf(&out, "%s%s%s", w->home, vpath[0] == '/' ? "" : "/", vpath) < 0)
		return NULL;
	return out;
}

/* One event frame of the worker protocol (worker/proto.h). */
static void
worker_event(struct mworker *w, const uint8_t *body, size_t len)
{
	struct wp_event e;
	char err[256];
	int rc = wp_event_decode(&e, body, len, err, sizeof(err));

	if (rc == WP_EV_NOT_OBJECT || rc == WP_EV_UNKNOWN) {
		log_app(LOGL_WARN, "service", "worker %ld: %s", (long)w->pid, err);
	} else if (rc != WP_EV_OK) {
		log_app(LOGL_WARN, "service", "worker %ld: bad event: %s", (long)w->pid, err);
	} else if (e.kind == WPE_TRANSFER) {
		const char *sender = e.s[WPF_SENDER];
		char *fp = real_path(w, e.s[WPF_PATH]);
		if (strcmp(sender, "Upload") == 0 || strcmp(sender, "Download") == 0)
			log_transfer(sender, e.n[WPF_ELAPSED_MS], e.n[WPF_SIZE_BYTES],
				     w->username, fp ? fp : "", w->conn_id, w->protocol);
		free(fp);
	} else if (e.kind == WPE_COMMAND) {
		char *fp = real_path(w, e.s[WPF_PATH]);
		char *tp = real_path(w, e.s[WPF_TARGET_PATH]);
		int sshcmd = strcmp(e.s[WPF_SENDER], "SSHCommand") == 0;
		struct log_command c = {
			.sender = e.s[WPF_SENDER],
			.username = w->username,
			.file_path = fp ? fp : "",
			.target_path = tp ? tp : "",
			.filemode = e.s[WPF_FILEMODE],
			.uid = e.n[WPF_UID],
			.gid = e.n[WPF_GID],
			.access_time = e.s[WPF_ACCESS_TIME],
			.modification_time = e.s[WPF_MODIFICATION_TIME],
			.ssh_command = sshcmd && w->command ? w->command : "",
			.connection_id = w->conn_id,
			.protocol = w->protocol,
		};
		log_command(&c);
		free(fp);
		free(tp);
	} else if (e.kind == WPE_EXIT && w->command != NULL && w->exit_msg == NULL) {
		/* bounded: it becomes one RPC string for the client's stderr */
		const char *msg = e.s[WPF_MESSAGE];
		w->exit_msg = strndup(msg, strnlen(msg, 1024));
	} else if (e.kind == WPE_LOG) {
		/* The worker parses the client's bytes: it cannot flood the log either. */
		if (log_rate_ok(&w->lr, "worker", (long)w->pid)) {
			static const enum log_level levels[] = {LOGL_DEBUG, LOGL_INFO,
								LOGL_WARN, LOGL_ERROR};
			int l = wp_log_level(e.s[WPF_LEVEL]);
			log_app(l >= 0 ? levels[l] : LOGL_INFO, "sftpd", "[%s] %s", w->conn_id,
				e.s[WPF_MESSAGE]);
		}
	} else {
		/* an exit event when it is not an exec channel's, or a second one */
		log_app(LOGL_WARN, "service", "worker %ld: unknown event \"%s\"",
			(long)w->pid, wp_events[e.kind].name);
	}
	wp_event_free(&e);
}

static void
worker_gone(struct mworker *w, int status)
{
	/* Its last events (an exec channel's exit text among them) are all there:
	 * read to the end, the worker is gone and the stream is finite. */
	if (w->ev != NULL && event_pending(w->ev, EV_READ, NULL))
		while (worker_read(w))
			;
	if (WIFSIGNALED(status))
		log_app(LOGL_WARN, "sftpd", "[%s] sftp worker %ld killed by signal %d",
			w->conn_id, (long)w->pid, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0 && w->command != NULL)
		/* a command that failed (a missing file...): the client's business */
		log_app(LOGL_DEBUG, "sftpd", "[%s] worker %ld exited with status %d: %s",
			w->conn_id, (long)w->pid, WEXITSTATUS(status), w->command);
	else if (WEXITSTATUS(status) != 0)
		log_app(LOGL_WARN, "sftpd", "[%s] sftp worker %ld exited with status %d",
			w->conn_id, (long)w->pid, WEXITSTATUS(status));
	struct msess *s = session_by_id(w->sess_id);
	if (s != NULL && s->n_workers > 0)
		s->n_workers--;
	/* An exec channel's client learns the exit status from the session. */
	if (s != NULL && w->command != NULL) {
		uint32_t code = WIFEXITED(status) ? (uint32_t)WEXITSTATUS(status) : 255u;
		if (rpc_send(s->fd, -1, RPC_CHANNEL_EXIT, w->channel, code,
			     w->exit_msg ? w->exit_msg : "") != 0)
			session_kill(s, "cannot pass an exit status");
	}
	TAILQ_REMOVE(&M.workers, w, link);
	event_free(w->ev);
	close(w->fd);
	frame_reader_free(&w->fr);
	mworker_free(w);
}

/* ---------- signals ---------- */

static void
on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	int status;
	pid_t pid;
	(void)sig;
	(void)what;
	(void)arg;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == M.listener_pid) {
			listener_gone();
			if (!M.shutting_down) {
				log_app(LOGL_ERROR, "service", "listener exited, restarting it");
				start_listener();
			}
			continue;
		}
		struct msess *s;
		TAILQ_FOREACH(s, &M.sessions, link)
		if (s->pid == pid)
			break;
		if (s != NULL) {
			session_gone(s, status);
			continue;
		}
		struct mworker *w;
		TAILQ_FOREACH(w, &M.workers, link)
		if (w->pid == pid)
			break;
		if (w != NULL)
			worker_gone(w, status);
	}
	maybe_exit();
}

static void
kill_all(int sig)
{
	struct msess *s;
	struct mworker *w;

	if (M.listener_pid > 0)
		kill(M.listener_pid, sig);
	TAILQ_FOREACH(s, &M.sessions, link)
	kill(s->pid, sig);
	TAILQ_FOREACH(w, &M.workers, link)
	kill(w->pid, sig);
}

static void
maybe_exit(void)
{
	if (M.shutting_down && M.listener_pid == 0 && TAILQ_EMPTY(&M.sessions) &&
	    TAILQ_EMPTY(&M.workers))
		event_base_loopbreak(M.base);
}

static void
on_kill_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_app(LOGL_WARN, "service", "shutdown grace time over, killing what is left");
	kill_all(SIGKILL);
}

static void
on_sigterm(evutil_socket_t sig, short what, void *arg)
{
	struct msess *s;
	struct pconn *c;
	(void)what;
	(void)arg;

	if (M.shutting_down)
		return;
	M.shutting_down = 1;
	log_app(LOGL_INFO, "service", "received signal %d, shutting down", (int)sig);
	if (M.listener_pid > 0)
		kill(M.listener_pid, SIGTERM);
	while ((c = TAILQ_FIRST(&M.pending)) != NULL) {
		TAILQ_REMOVE(&M.pending, c, link);
		close(c->fd);
		free(c);
	}
	M.n_pending = 0;
	/* Sessions end when their channels have; workers end with their sessions. */
	TAILQ_FOREACH(s, &M.sessions, link)
	kill(s->pid, SIGTERM);
	M.kill_ev = timer_start(SHUTDOWN_GRACE_SECS, on_kill_timer, NULL);
	maybe_exit();
}

static void
on_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct sftpgo_config ncfg;
	char err[512];
	struct msess *s;
	(void)sig;
	(void)what;
	(void)arg;

	/* First, so that what follows lands in the new file after a rotation. */
	log_reopen();
	memset(&ncfg, 0, sizeof(ncfg));
	if (config_load(&ncfg, M.p->config_dir_arg, M.p->config_file_arg, err, sizeof(err)) !=
	    0) {
		log_app(LOGL_ERROR, "service", "SIGHUP: configuration not reloaded: %s", err);
		config_free(&ncfg);
		return;
	}
	/* Reloadable: what new sessions and logins use. Not: bind address/port,
	 * provider, host keys, log destination (reopened only). */
	struct sftpd_config *cur = &M.p->cfg->sftpd;
	struct sftpd_config tmp = *cur;
	cur->idle_timeout = ncfg.sftpd.idle_timeout;
	cur->max_auth_tries = ncfg.sftpd.max_auth_tries;
	cur->banner = ncfg.sftpd.banner;
	cur->login_banner_file = ncfg.sftpd.login_banner_file;
	cur->kex_algorithms = ncfg.sftpd.kex_algorithms;
	cur->ciphers = ncfg.sftpd.ciphers;
	cur->macs = ncfg.sftpd.macs;
	cur->umask = ncfg.sftpd.umask;
	cur->umask_mode = ncfg.sftpd.umask_mode;
	cur->upload_mode = ncfg.sftpd.upload_mode;
	cur->setstat_mode = ncfg.sftpd.setstat_mode;
	cur->session_pool_size = ncfg.sftpd.session_pool_size;
	/* hand the replaced values to ncfg so config_free releases them */
	ncfg.sftpd.banner = tmp.banner;
	ncfg.sftpd.login_banner_file = tmp.login_banner_file;
	ncfg.sftpd.kex_algorithms = tmp.kex_algorithms;
	ncfg.sftpd.ciphers = tmp.ciphers;
	ncfg.sftpd.macs = tmp.macs;
	ncfg.sftpd.umask = tmp.umask;
	config_free(&ncfg);
	load_session_settings();
	log_app(LOGL_INFO, "service", "SIGHUP: configuration reloaded, log reopened");
	/* Idle pool sessions carry the old settings: replace them. */
	TAILQ_FOREACH(s, &M.sessions, link)
	if (s->state == S_IDLE || s->state == S_STARTING) {
		s->dying = 1;
		kill(s->pid, SIGTERM);
	}
	schedule_refill(0);
}

int
monitor_run(struct monitor_params *p)
{
	char err[256];

	memset(&M, 0, sizeof(M));
	M.p = p;
	M.listener_fd = -1;
	TAILQ_INIT(&M.sessions);
	TAILQ_INIT(&M.workers);
	TAILQ_INIT(&M.pending);
	signal(SIGPIPE, SIG_IGN);
	M.base = event_base_new();
	if (M.base == NULL)
		return 1;
	load_session_settings();
	struct event *sig_chld = evsignal_new(M.base, SIGCHLD, on_sigchld, NULL);
	struct event *sig_term = evsignal_new(M.base, SIGTERM, on_sigterm, NULL);
	struct event *sig_int = evsignal_new(M.base, SIGINT, on_sigterm, NULL);
	struct event *sig_hup = evsignal_new(M.base, SIGHUP, on_sighup, NULL);
	event_add(sig_chld, NULL);
	event_add(sig_term, NULL);
	event_add(sig_int, NULL);
	event_add(sig_hup, NULL);
	M.refill_ev = evtimer_new(M.base, on_refill, NULL);

	if (start_listener() != 0)
		return 1;
	M.job_fd = authpool_start(p->cfg, p->cfg->data_provider.pool_size > 0
					      ? p->cfg->data_provider.pool_size
					      : 2,
				  err, sizeof(err));
	if (M.job_fd < 0) {
		log_app(LOGL_ERROR, "service", "%s", err);
		kill(M.listener_pid, SIGKILL);
		return 1;
	}
	struct event *job_ev = event_new(M.base, M.job_fd, EV_READ | EV_PERSIST, on_job, NULL);
	event_add(job_ev, NULL);
	schedule_refill(0);

	event_base_dispatch(M.base);

	authpool_stop();
	event_free(job_ev);
	close(M.job_fd);
	event_free(sig_chld);
	event_free(sig_term);
	event_free(sig_int);
	event_free(sig_hup);
	event_free(M.refill_ev);
	if (M.kill_ev)
		event_free(M.kill_ev);
	event_base_free(M.base);
	free(M.login_banner);
	free(M.version_banner);
	free(M.kex);
	free(M.ciphers);
	free(M.macs);
	log_app(LOGL_INFO, "service", "stopped");
	return 0;
}
