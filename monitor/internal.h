/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the files of the monitor share: its state (one event loop, one table of
 * children), the records of each child kind, and the functions one file calls in
 * another. Nothing outside monitor/ includes this; monitor/monitor.h is the module's
 * face.
 *
 *   loop.c          state M, event loop, settings for new sessions, small helpers,
 *                   the permission check of a received message
 *   spawn.c         posix_spawn of every child
 *   listener_link.c the listener: start, NEWCONN/LOG in, RELEASE out
 *   sessions.c      the session pool, connection hand-over, message dispatch
 *   auth.c          auth requests to the pool threads and their verdicts
 *   kbdint.c        keyboard_interactive_auth_program runs
 *   workers.c       a worker per channel, its settings and events
 *   signals.c       SIGCHLD, SIGTERM/SIGINT, SIGHUP
 *   httpd_link.c    sftpgo-httpd: start, restart, its messages, ADMIN_REPLY out
 *   admin.c         the REST API's operations (provider jobs, connections, scans)
 *
 * Session states and what each may send is declared in common/rpc_msgs.def;
 * sessions.c adds the finer guards (one request at a time, answers only when asked).
 */
#ifndef SFTPGO_MONITOR_INTERNAL_H
#define SFTPGO_MONITOR_INTERNAL_H

#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "common/rpc.h"
#include "common/spawn.h"
#include "defender/defender.h"
#include "monitor/monitor.h"

#define LOGIN_GRACE_SECS 120
#define STARTUP_GRACE_SECS 30
#define SHUTDOWN_GRACE_SECS 10
#define MAX_PENDING_CONNS 256
#define WORKER_EVENT_MAX (1024 * 1024)
#define LOGS_PER_SEC 50
#define KBDINT_SECS 60
#define KBDINT_LINE_MAX 65536

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
	int attempted;       /* any auth request seen (else: no_auth_tryed) */
	int slot_held;       /* the listener counts this connection as pre-auth */
	int dying;           /* signalled: never hand it a connection */
	struct kbdprog *kbd; /* keyboard-interactive program in progress */
	struct log_rate lr;
	char ip[64];
	unsigned port;
	char conn_id[33];
	struct sftpgo_user *user;
	int n_workers;
	struct qledger *ql; /* the user's quota ledger; NULL when not counted */
	/* Fixed for the session's life, so a SIGHUP changes only later ones: */
	int max_channels;           /* max_channels_per_connection sent in its INIT */
	long long run_uid, run_gid; /* its workers' ids (uid 0 mapped at login) */
	char *extauth_key;          /* hooks.c: the key a query had checked externally */
	int64_t connected_ms;       /* when it logged in (GET /api/v1/connection) */
	char client_version[256];   /* the client's SSH identification, printable */
};

/* keyboard_interactive_auth_program run for one login (SFTPGo's protocol). */
struct kbdprog {
	pid_t pid;
	int in_fd, out_fd; /* its stdin (we write answers), its stdout (JSON lines) */
	int err_fd;        /* sftpgo-hookexec's "cannot run" message, if any */
	struct event *ev, *timer;
	char *buf;
	size_t len;
	int awaiting; /* questions sent, answers expected */
	uint32_t nq;  /* questions in that round */
	struct sftpgo_user *user;
	uint64_t seq; /* when the user was asked for (quota.c) */
};

/* A transfer in progress (GET /api/v1/connection's active_transfers), from the
 * worker's transfer_progress events; at most XFERS_MAX per worker (a handle
 * beyond them is not listed), paths cut at XFER_PATH_MAX bytes. */
#define XFERS_MAX 16
#define XFER_PATH_MAX 4096
struct mxfer {
	uint32_t handle;
	int upload;
	char *path; /* NULL: the slot is free */
	int64_t start_ms, last_ms, size;
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
	char *cloud_prefix; /* S3 users: key_prefix, for log paths; else NULL */
	json_t *folders;    /* the user's virtual_folders, for log paths; may be NULL */
	struct qledger *ql; /* quota.c: the user's ledger, NULL if not counted */
	int64_t res_size, res_files; /* what this worker holds reserved in it */
	long long uid, gid;          /* what it runs as (file actions run so too) */
	char *last_cmd_path;         /* hooks.c: an SSH command's last file */
	struct mxfer xfers[XFERS_MAX];
};

struct pconn {
	TAILQ_ENTRY(pconn) link;
	int fd;
	char ip[64];
	unsigned port;
	char banner_sent[RPC_BANNER_MAX + 1]; /* NEWCONN's: relayed in CONN */
};

struct monitor_state {
	struct monitor_params *p;
	struct event_base *base;
	/* cppcheck-suppress syntaxError ; cppcheck cannot expand an anonymous TAILQ_HEAD
	 */
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
	pid_t httpd_pid; /* 0 when not running */
	int httpd_sock;  /* its socketpair, -1 */
	struct event *httpd_ev;
};
extern struct monitor_state M;

/* loop.c */
struct event *timer_start(int secs, event_callback_fn cb, void *arg);
void load_session_settings(void);
/* monitor/cloud.c: u's S3 or GCS storage into ws, the S3 secret decrypted into
 * secret, the GCS key file's text in *creds (the caller wipes both once ws is
 * encoded: monitor_cloud_wipe). 0, or -1 with err. */
struct wp_settings;
/* u's FS path prefix when u is a cloud user (malloc'd: "/" + key_prefix on S3,
 * key_prefix on GCS), else NULL. */
char *monitor_cloud_log_prefix(const struct sftpgo_user *u);
/* The worker program for u: sftpgo-worker-cloud for S3 and GCS users, else
 * sftpgo-worker (without libcurl and libxml2: worker/nocloud.c). */
const char *monitor_worker_program(const struct sftpgo_user *u);
int monitor_cloud_settings(struct wp_settings *ws, const struct sftpgo_user *u,
                           char *secret, size_t secretsz, char **creds, char *err,
                           size_t errlen);
void monitor_cloud_wipe(char *secret, size_t secretsz, char *creds);
/* "a,b,c" (malloc'd), NULL when out of memory. */
char *join_list(const struct strlist *l);
int max_auth_tries(void);
struct msess *session_by_id(uint64_t id);
int log_rate_ok(struct log_rate *r, const char *who, long pid);
/* May this peer, in these states (enum rpc_state bits), send m? (common/rpc_msgs.def) */
int rpc_permitted(const struct rpc_msg *m, unsigned peer, unsigned states);
/* One frame from a helper process (the listener, httpd) through its handler table
 * (one handler per message it may send, 1 when handled). */
typedef int (*peer_handler)(struct rpc_msg *);
enum peer_frame {
	PEER_AGAIN,  /* nothing complete yet */
	PEER_DONE,   /* handled */
	PEER_DENIED, /* a type this peer may not send, or its handler refused it */
	PEER_CLOSED, /* the peer closed its end */
	PEER_BROKEN  /* a broken frame: err says why */
};
enum peer_frame peer_dispatch(int fd, unsigned peer,
                              const peer_handler handlers[RPC_TYPE_MAX],
                              enum rpc_type *type, char *err, size_t errlen);

/* spawn.c */
pid_t spawn(const char *prog, char *const argv[], int io, int ctl);
/* An unprivileged libexec program (the listener, httpd): argv PROG EMPTY_DIR UID
 * GID [EXTRA...] (extra: NULL-terminated, at most SPAWN_EXTRA_MAX, or NULL), fd
 * 0/1 = io, fd 3 its end of a new SEQPACKET socketpair, whose other end
 * (non-blocking) goes to *sock. The pid, or -1 (logged). */
#define SPAWN_EXTRA_MAX 4
pid_t spawn_confined(const char *prog, const char *const *extra, int io, int *sock);
/* spawn() from another libexec dir (the CLI's quota scan has no monitor state). */
pid_t spawn_libexec(const char *dir, const char *prog, char *const argv[], int io,
                    int ctl);

/* listener_link.c */
int start_listener(void);
/* The listener's reloadable settings from the config (LISTENER_SETTINGS). */
int send_listener_settings(void);
void listener_gone(void);
void release_slot(struct msess *s);
void send_release(const char *ip);

/* httpd_link.c: sftpgo-httpd (the REST API) */
int start_httpd(void);
void httpd_gone(int status);
void httpd_stop(void);
/* SIGHUP: the pair of the new config read again and sent to httpd; a bad one (or
 * HTTPS switched on or off) is logged and the current pair kept. */
void httpd_tls_reload(const struct httpd_config *nc);
/* An answer for httpd's request req (body NULL: out of memory, 500). */
void httpd_reply(uint32_t req, int status, const char *body);

/* admin.c: the REST API's operations (ADMIN_* messages) */
void admin_request(struct rpc_msg *m);
void admin_free_all(void);
/* Connections GET /api/v1/connection lists (sftpgo_active_connections). */
unsigned admin_active_connections(void);

/* metrics.c: GET /metrics (spec section 13) */
enum metrics_method { METRICS_PASSWORD, METRICS_PUBLICKEY, METRICS_KBDINT };
void metrics_transfer(int upload, int ok, int64_t bytes);
void metrics_ssh_command(int ok);
void metrics_login(enum metrics_method m, int ok);
void metrics_http(unsigned status);
/* The exposition text (malloc'd), NULL when out of memory. */
char *metrics_text(int provider_ok, unsigned active_connections, unsigned quota_scans);

/* sessions.c */
const char *state_name(enum sess_state st);
void on_refill(evutil_socket_t fd, short what, void *arg);
void schedule_refill(int delay_s);
void try_assign(void);
void session_kill(struct msess *s, const char *why);
void session_gone(struct msess *s, int status);
int count_user_sessions(const char *username);

/* auth.c: one handler per auth request; the verdicts */
void on_auth_password(struct msess *s, struct rpc_msg *m);
void on_auth_pubkey_query(struct msess *s, struct rpc_msg *m);
void on_auth_pubkey(struct msess *s, struct rpc_msg *m);
void on_kbdint_start(struct msess *s, struct rpc_msg *m);
void auth_failed(struct msess *s, struct job *j);
void auth_succeeded(struct msess *s, struct job *j);
void on_job(evutil_socket_t fd, short what, void *arg);

/* kbdint.c */
int kbdint_enabled(void);
void kbd_start(struct msess *s, struct job *j);
void kbd_end(struct msess *s);
void on_kbdint_answers(struct msess *s, struct rpc_msg *m);

/* workers.c */
void on_channel_open(struct msess *s, struct rpc_msg *m);
void worker_gone(struct mworker *w, int status);

/* quota.c: the per-user quota ledger (doc/design-notes.md "Quota") */
struct wp_event;
struct qledger;
uint64_t quota_seq(void);
int quota_counted(const struct sftpgo_user *u);
/* The user's ledger with one more reference (NULL when the user is not counted);
 * snapshot_seq: quota_seq() when u was asked for. */
struct qledger *quota_attach(const struct sftpgo_user *u, uint64_t snapshot_seq);
/* The same for a worker of the user (workers change files: ledger.h). */
struct qledger *quota_attach_worker(const struct sftpgo_user *u);
void quota_detach(struct qledger *l);
void quota_job_done(struct job *j);
void quota_on_reserve(struct mworker *w, const struct wp_event *e);
void quota_on_update(struct mworker *w, const struct wp_event *e);
/* died: killed by a signal or failed (the ledger is rescanned: ledger.h). */
void quota_worker_gone(struct mworker *w, int died);
/* git/rsync: why the ledger refuses them at start (NULL: they may run); a
 * worker's rescan after them becomes the ledger's usage. */
const char *quota_refuses_system(const struct qledger *l);
void quota_on_rescan(struct mworker *w, const struct wp_event *e);
void quota_start(void);
void quota_stop(void);
void quota_free_all(void);

/* hooks.c: the monitor's side of hooks/ (custom actions, external auth) */
int mhooks_start(void);
void mhooks_stop(void);
int mhooks_user_changed(const char *action, const struct sftpgo_user *u);
void mhooks_transfer(const struct mworker *w, const char *sender, const char *fs_path,
                     int64_t size, int ok);
void mhooks_command(struct mworker *w, const char *sender, const char *fs_path,
                    const char *fs_target, int64_t size);
void mhooks_command_done(const struct mworker *w, int status);
/* 1 when the external auth program took j (its verdict comes later), 0 when the
 * method is not in external_auth_scope. */
int mhooks_extauth(struct msess *s, struct job *j);
/* Is data_provider.pre_login_program to run for j (a method external auth does
 * not handle)? Then the job first only reads the user (prelogin = 1), and
 * mhooks_prelogin runs the program with it. */
int mhooks_prelogin_wanted(struct msess *s, const struct job *j);
void mhooks_prelogin(struct msess *s, struct job *j);
/* argv for sftpgo-hookexec running prog as the service account (uid and gid are
 * the caller's buffers of 24 bytes); the helper's path in path. 0 or -1. */
int mhooks_auth_argv(const char *prog, char *path, size_t pathlen, char *uid, char *gid,
                     char *argv[5]);

/* defender.c: common.defender (doc/design-notes.md "Defender") */
int mdefender_start(void);
/* SIGHUP: the new section (lists re-read, bans added to the file merged); -1 with
 * err: nothing changed. */
int mdefender_reload(const struct defender_config *nc, char *err, size_t errlen);
void mdefender_stop(void);
/* Scores one event of ip; a ban is logged, saved, told to the listener. */
void mdefender_event(const char *ip, enum defender_event ev);
/* Is ip banned or block-listed (the monitor's second check of NEWCONN)? */
int mdefender_refused(const char *ip);
/* The listener's table, from scratch: block list and bans (at its start, SIGHUP). */
int mdefender_sync_listener(void);

/* signals.c */
void on_sigchld(evutil_socket_t sig, short what, void *arg);
void on_sigterm(evutil_socket_t sig, short what, void *arg);
void on_sighup(evutil_socket_t sig, short what, void *arg);
void maybe_exit(void);
/*
 * A child killed by SIGSYS broke its seccomp allow-list (sandbox/sandbox.h; the
 * call itself is in the LOG line its handler sent just before): logs the role, pid
 * and user. 1 when status was such a death (logged), else 0.
 */
int sandbox_killed(int status, const char *role, pid_t pid, const char *user,
                   const char *conn_id);

#endif
