/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpgo-session: one SSH connection, exec'd fresh by the monitor (pre-forked pool).
 *
 * fd 3 is a SOCK_SEQPACKET socketpair to the monitor. Start-up: HOSTKEY frames and
 * INIT; load the host keys into libssh, confine (empty chroot, unprivileged ids,
 * rlimits), say READY; then wait for CONN (the client socket). From there on every
 * authentication decision and every worker is asked of the monitor; this process
 * only runs the SSH protocol and relays channel bytes to the workers' sockets.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "common/confine.h"
#include "sandbox/sandbox.h"
#include "common/io.h"
#include "common/log.h"
#include "common/rpc.h"
#include "common/sshident.h"
#include "session/monitor_client.h"
#include "session/readahead.h"

/* the channel id's low byte is the slot: at most 256 (the INIT range) */
#define MAX_CHANNELS 256
/* libssh 0.10 only tops the window up to 1.28 MB unless a read asks for more. */
#define CHAN_WINDOW (2u * 1024 * 1024)
#define OUT_BUF (256u * 1024)
#define EXIT_WAIT_S 3 /* for an exec channel's status once its output ended */

/*
 * One channel. Client bytes reach the worker straight from libssh's data callback;
 * what the worker does not take stays in libssh's channel buffer (in_blocked), which
 * also stops the window from growing: that is the backpressure. Worker bytes are read
 * only when poll said so (w_readable) and only into an empty buffer.
 */
struct chan {
	ssh_channel ch;
	struct ssh_channel_callbacks_struct cb;
	int wfd;          /* worker socket, -1 = none */
	short registered; /* events registered with ssh_event for wfd */
	int w_readable, w_writable;
	int in_blocked;  /* client bytes wait in c->in or in libssh's buffer */
	int in_dead;     /* the worker takes no more input: drop it */
	size_t consumed; /* client bytes taken since the last window top-up */
	uint8_t *in;     /* client -> worker, only while blocked (CHAN_WINDOW bytes) */
	size_t in_len, in_off;
	uint8_t *out; /* worker -> client */
	size_t out_len, out_off;
	int worker_eof, wr_shut, finished;
	const char *refuse; /* shell/exec: message to send before closing */
	char refuse_buf[RPC_TEXT_MAX + 16]; /* "sftpgo: " reason "\n" */
	uint32_t id;    /* slot | generation << 8: what the monitor knows it by */
	int exec;       /* an exec channel: its exit status comes from the monitor */
	int exit_known; /* CHANNEL_EXIT arrived */
	uint32_t exit_status;
	char *exit_msg; /* for the client's stderr, or NULL */
	time_t eof_at;  /* when the worker's output ended */
};

static struct {
	ssh_session s;
	ssh_event ev;
	int authed;
	int hangup; /* the monitor said the auth limit is reached */
	int in_conn;
	int kbdint;       /* keyboard_interactive_auth_program is configured */
	int max_channels; /* sftpd.max_channels_per_connection, <= MAX_CHANNELS */
	char *login_banner;
	uint32_t chan_gen; /* unique channel ids: a late exit never hits a reused slot */
	unsigned idle_timeout_s;
	time_t last_activity;
	struct chan chans[MAX_CHANNELS];
} S;

static volatile sig_atomic_t term_requested;

static void
on_term(int sig)
{
	(void)sig;
	if (!S.in_conn)
		_exit(0);
	term_requested = 1;
}

static void
bind_opt(ssh_bind b, enum ssh_bind_options_e o, const void *v, const char *what)
{
	if (ssh_bind_options_set(b, o, v) != SSH_OK)
		fatal("session: cannot set %s: %s", what, ssh_get_error(b));
}

/* HOSTKEY* then INIT: builds the ssh_bind while we can still read everything. */
static ssh_bind
setup(void)
{
	ssh_bind b = ssh_bind_new();
	struct rpc_msg m;
	char err[256];
	int nkeys = 0;
	int process_config = 0;
	int verbosity = SSH_LOG_NOLOG;

	if (b == NULL)
		_exit(1);
	bind_opt(b, SSH_BIND_OPTIONS_PROCESS_CONFIG, &process_config, "process_config");
	bind_opt(b, SSH_BIND_OPTIONS_LOG_VERBOSITY, &verbosity, "log verbosity");
	for (;;) {
		if (mm_startup_next(&m) != 0)
			_exit(1);
		if (m.type != RPC_HOSTKEY)
			break;
		ssh_key key = NULL;
		if (ssh_pki_import_privkey_base64(m.hostkey.pem, NULL, NULL, NULL,
		                                  &key) != SSH_OK)
			fatal("session: cannot parse a host key");
		bind_opt(b, SSH_BIND_OPTIONS_IMPORT_KEY, key, "host key");
		nkeys++;
		rpc_msg_free(&m);
	}
	if (m.type != RPC_INIT || nkeys == 0)
		fatal("session: bad start-up sequence");
	const struct rpc_init *in = &m.init;
	uid_t uid = in->uid == RPC_UID_KEEP ? (uid_t)-1 : (uid_t)in->uid;
	gid_t gid = in->gid == RPC_UID_KEEP ? (gid_t)-1 : (gid_t)in->gid;
	S.idle_timeout_s = in->idle_timeout_s;
	S.kbdint = in->kbdint != 0;
	S.max_channels = (int)in->max_channels;
	bind_opt(b, SSH_BIND_OPTIONS_BANNER, in->version_banner, "banner");
	if (in->login_banner[0] != '\0')
		S.login_banner = strdup(in->login_banner);
	if (in->kex[0] != '\0')
		bind_opt(b, SSH_BIND_OPTIONS_KEY_EXCHANGE, in->kex, "kex_algorithms");
	if (in->ciphers[0] != '\0') {
		bind_opt(b, SSH_BIND_OPTIONS_CIPHERS_C_S, in->ciphers, "ciphers");
		bind_opt(b, SSH_BIND_OPTIONS_CIPHERS_S_C, in->ciphers, "ciphers");
	}
	if (in->macs[0] != '\0') {
		bind_opt(b, SSH_BIND_OPTIONS_HMAC_C_S, in->macs, "macs");
		bind_opt(b, SSH_BIND_OPTIONS_HMAC_S_C, in->macs, "macs");
	}
	if (confine_process(in->chroot_dir, uid, gid, 32, err, sizeof(err)) != 0)
		fatal("session: %s", err);
	/* Host keys loaded, confined: from here on only the session's list. */
	struct sandbox_report rep;
	if (sandbox_report_rpc(&rep, MM_FD) != 0 ||
	    sandbox_install(SANDBOX_SESSION, &rep, err, sizeof(err)) != 0)
		fatal("session: %s", err);
	rpc_msg_free(&m);
	return b;
}

/* Maps the monitor's verdict to libssh's answer. */
static int
auth_result(const struct mm_auth_result *r)
{
	if (r->result != RPC_AUTH_OK && r->msg[0] != '\0') {
		/* why good credentials were refused (shown by clients) */
		char msg[RPC_TEXT_MAX + 16];
		snprintf(msg, sizeof(msg), "sftpgo: %s\n", r->msg);
		ssh_string b = ssh_string_from_char(msg);
		if (b != NULL) {
			ssh_send_issue_banner(S.s, b);
			ssh_string_free(b);
		}
	}
	if (r->result == RPC_AUTH_OK) {
		S.authed = 1;
		return SSH_AUTH_SUCCESS;
	}
	if (r->result == RPC_AUTH_DENIED_DISCONNECT) {
		/* Hang up now, as sshd does, so the client does not even try again. */
		S.hangup = 1;
		ssh_session_set_disconnect_message(S.s,
		                                   "Too many authentication failures");
		ssh_disconnect(S.s);
	}
	return SSH_AUTH_DENIED;
}

/* login_banner_file, once, before the first authentication answer. */
static void
send_login_banner(ssh_session s)
{
	if (S.login_banner != NULL) {
		ssh_string b = ssh_string_from_char(S.login_banner);
		if (b != NULL) {
			ssh_send_issue_banner(s, b);
			ssh_string_free(b);
		}
		free(S.login_banner);
		S.login_banner = NULL;
	}
}

static int
cb_auth_none(ssh_session s, const char *user, void *ud)
{
	(void)user;
	(void)ud;
	send_login_banner(s);
	return SSH_AUTH_DENIED;
}

static int
cb_auth_password(ssh_session s, const char *user, const char *password, void *ud)
{
	(void)ud;
	if (S.hangup || S.authed)
		return SSH_AUTH_DENIED;
	send_login_banner(s);
	struct mm_auth_result r;
	if (mm_auth_password(user, password, &r) != 0) {
		log_warn("password request refused locally: username or password too "
		         "long");
		return SSH_AUTH_DENIED;
	}
	return auth_result(&r);
}

static int
cb_auth_pubkey(ssh_session s, const char *user, struct ssh_key_struct *key,
               char signature_state, void *ud)
{
	char *b64 = NULL;
	(void)ud;

	if (S.hangup || S.authed)
		return SSH_AUTH_DENIED;
	send_login_banner(s);
	if (signature_state != SSH_PUBLICKEY_STATE_NONE &&
	    signature_state != SSH_PUBLICKEY_STATE_VALID)
		return SSH_AUTH_DENIED;
	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		return SSH_AUTH_DENIED;
	const char *type = ssh_key_type_to_char(ssh_key_type(key));
	int query = signature_state == SSH_PUBLICKEY_STATE_NONE;
	struct mm_auth_result r;
	int rc = mm_auth_pubkey(user, type ? type : "", b64, query, &r);
	ssh_string_free_char(b64);
	if (rc != 0)
		return SSH_AUTH_DENIED;
	int verdict = auth_result(&r);
	if (query)
		S.authed = 0; /* a key being acceptable is not a login */
	return verdict;
}

static struct chan *
chan_of(ssh_channel ch)
{
	for (int i = 0; i < MAX_CHANNELS; i++)
		if (S.chans[i].ch == ch)
			return &S.chans[i];
	return NULL;
}

/*
 * Asks the monitor for a worker serving this channel: 0 with c->wfd set, 1 when
 * refused (the monitor's reason in c->refuse_buf).
 */
static int
open_worker(struct chan *c, const char *kind, const char *command)
{
	char why[RPC_TEXT_MAX + 1];

	int rc = mm_channel_open(c->id, kind, command, &c->wfd, why, sizeof(why));
	if (rc < 0)
		return 1;
	if (rc == 0) {
		log_info("%s refused: %s", kind, why);
		snprintf(c->refuse_buf, sizeof(c->refuse_buf), "sftpgo: %s\n", why);
		return 1;
	}
	io_set_nonblock(c->wfd);
	c->w_writable = 1;
	c->consumed = CHAN_WINDOW; /* the first service grows the window */
	c->out = malloc(OUT_BUF);
	if (c->out == NULL)
		_exit(1);
	return 0;
}

static int
cb_subsystem(ssh_session s, ssh_channel ch, const char *subsystem, void *ud)
{
	struct chan *c = chan_of(ch);
	(void)s;
	(void)ud;

	if (c == NULL || c->wfd >= 0 || c->refuse != NULL ||
	    strcmp(subsystem, "sftp") != 0)
		return 1;
	return open_worker(c, "sftp", "");
}

static int
cb_shell(ssh_session s, ssh_channel ch, void *ud)
{
	struct chan *c = chan_of(ch);
	(void)s;
	(void)ud;
	if (c == NULL || c->wfd >= 0)
		return 1;
	c->refuse = "sftpgo: shell access is not allowed\n";
	return 0;
}

/*
 * An exec request starts a worker when the monitor allows the command; otherwise
 * the client gets the reason on stderr and exit status 1 (as a shell would say
 * "command not found"), not a bare channel failure.
 */
static int
cb_exec(ssh_session s, ssh_channel ch, const char *command, void *ud)
{
	struct chan *c = chan_of(ch);
	(void)s;
	(void)ud;
	if (c == NULL || c->wfd >= 0 || c->refuse != NULL)
		return 1;
	if (strlen(command) > RPC_COMMAND_MAX) {
		c->refuse = "sftpgo: command line too long\n";
		return 0;
	}
	if (open_worker(c, "exec", command) != 0) {
		c->refuse = c->refuse_buf;
		return 0;
	}
	c->exec = 1;
	return 0;
}

/* An exec channel's worker has ended: its status and stderr text, kept until the
 * channel's output is all sent. Late or unknown channels are ignored. */
static void
chan_exit(uint32_t channel, uint32_t exit_status, const char *message)
{
	if ((channel & 0xff) >= MAX_CHANNELS)
		return;
	struct chan *c = &S.chans[channel & 0xff];
	if (c->ch == NULL || c->id != channel || !c->exec || c->exit_known)
		return;
	c->exit_known = 1;
	c->exit_status = exit_status;
	if (message[0] != '\0')
		c->exit_msg = strdup(message);
}

/* The monitor's socket after authentication: exit statuses, or its end. */
static int
mon_ready(socket_t fd, int revents, void *ud)
{
	(void)fd;
	(void)revents;
	(void)ud;

	if (mm_poll_exit() != 0)
		S.hangup = 1;
	return 0;
}

/* Client -> worker, called by libssh for every data packet: returns what was taken. */
static int
cb_data(ssh_session s, ssh_channel ch, void *data, uint32_t len, int is_stderr, void *ud)
{
	struct chan *c = ud;
	size_t done = 0;
	(void)s;
	(void)ch;

	if (len > INT32_MAX)
		len = INT32_MAX;
	if (is_stderr || c->wfd < 0 || c->in_dead)
		return (int)len; /* nobody to hand it to */
	if (c->in_blocked)
		return 0; /* older bytes go first */
	while (done < len) {
		ssize_t w = write(c->wfd, (uint8_t *)data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			c->in_blocked = 1;
			c->w_writable = 0;
			break;
		}
		if (w <= 0) { /* the worker is gone: drop what the client sends */
			c->in_dead = 1;
			return (int)len;
		}
		done += (size_t)w;
	}
	if (done > 0)
		S.last_activity = time(NULL);
	c->consumed += done;
	return (int)done;
}

static ssh_channel
cb_channel_open(ssh_session s, void *ud)
{
	(void)ud;
	if (!S.authed || term_requested)
		return NULL;
	for (int i = 0; i < S.max_channels && i < MAX_CHANNELS; i++) {
		struct chan *c = &S.chans[i];
		if (c->ch != NULL)
			continue;
		memset(c, 0, sizeof(*c));
		c->wfd = -1;
		c->id = (uint32_t)i | (++S.chan_gen & 0xffffffu) << 8;
		c->ch = ssh_channel_new(s);
		if (c->ch == NULL)
			return NULL;
		c->cb.userdata = c;
		c->cb.channel_data_function = cb_data;
		c->cb.channel_subsystem_request_function = cb_subsystem;
		c->cb.channel_shell_request_function = cb_shell;
		c->cb.channel_exec_request_function = cb_exec;
		ssh_callbacks_init(&c->cb);
		ssh_set_channel_callbacks(c->ch, &c->cb);
		return c->ch;
	}
	log_warn("channel refused: %d channels already open on this connection "
	         "(sftpd.max_channels_per_connection)",
	         S.max_channels);
	return NULL;
}

/* poll() said so: the I/O itself happens after ssh_event_dopoll returns. */
static int
fd_ready(socket_t fd, int revents, void *ud)
{
	struct chan *c = ud;
	(void)fd;

	if (revents & (POLLIN | POLLHUP | POLLERR))
		c->w_readable = 1;
	if (revents & (POLLOUT | POLLHUP | POLLERR))
		c->w_writable = 1;
	return 0;
}

static void
chan_release(struct chan *c)
{
	if (c->wfd >= 0) {
		if (c->registered)
			ssh_event_remove_fd(S.ev, c->wfd);
		close(c->wfd);
	}
	if (c->ch != NULL) {
		if (!ssh_channel_is_closed(c->ch))
			ssh_channel_close(c->ch);
		ssh_channel_free(c->ch);
	}
	free(c->in);
	free(c->out);
	free(c->exit_msg);
	memset(c, 0, sizeof(*c));
	c->wfd = -1;
}

/* The client -> worker buffer, allocated the first time it is needed. */
static uint8_t *
in_buf(struct chan *c)
{
	if (c->in == NULL && (c->in = malloc(CHAN_WINDOW)) == NULL)
		_exit(1);
	return c->in;
}

/* Client bytes libssh kept back while the worker was full, now that it takes more. */
static void
drain_in(struct chan *c)
{
	while (c->in_blocked && c->w_writable && !c->in_dead) {
		if (c->in_off == c->in_len) {
			int n = ssh_channel_read_nonblocking(c->ch, in_buf(c),
			                                     CHAN_WINDOW, 0);
			if (n <= 0) { /* all handed over: back to the data callback */
				c->in_blocked = 0;
				break;
			}
			c->in_off = 0;
			c->in_len = (size_t)n;
		}
		ssize_t w = write(c->wfd, c->in + c->in_off, c->in_len - c->in_off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			c->w_writable = 0;
			break;
		}
		if (w <= 0) {
			c->in_dead = 1;
			break;
		}
		c->in_off += (size_t)w;
		c->consumed += (size_t)w;
		S.last_activity = time(NULL);
	}
	if (c->in_dead)
		c->in_blocked = 0;
}

/*
 * Keeps the client's window at CHAN_WINDOW: a read asking for that much makes
 * libssh 0.10 send the WINDOW_ADJUST (design.md). Done once half of it has been
 * taken, never while bytes wait (backpressure). What the read returns is data.
 */
static void
top_up_window(struct chan *c)
{
	if (c->consumed < CHAN_WINDOW / 2 || c->in_blocked || c->in_dead)
		return;
	int n = ssh_channel_read_timeout(c->ch, in_buf(c), CHAN_WINDOW, 0, 0);
	c->consumed = 0;
	if (n > 0) {
		c->in_off = 0;
		c->in_len = (size_t)n;
		c->in_blocked = 1;
	}
}

/* Sends what the buffer holds, as far as the client's window allows; 1 when empty. */
static int
send_out(struct chan *c)
{
	while (c->out_off < c->out_len) {
		uint32_t win = ssh_channel_window_size(c->ch);
		size_t n = c->out_len - c->out_off;
		if (win == 0)
			return 0; /* wait for the client's WINDOW_ADJUST */
		if (n > win)
			n = win;
		int w = ssh_channel_write(c->ch, c->out + c->out_off, (uint32_t)n);
		if (w == SSH_ERROR) { /* the connection is going: drop the rest */
			c->worker_eof = 1;
			break;
		}
		if (w == 0)
			return 0;
		c->out_off += (size_t)w;
		S.last_activity = time(NULL);
	}
	c->out_off = c->out_len = 0;
	return 1;
}

/*
 * All the worker's output is sent: the exit status, then EOF and close. An exec
 * channel waits for its status from the monitor, at most EXIT_WAIT_S seconds.
 */
static void
finish_channel(struct chan *c)
{
	if (c->eof_at == 0)
		c->eof_at = time(NULL);
	if (c->exec && !c->exit_known && time(NULL) - c->eof_at < EXIT_WAIT_S)
		return;
	if (c->exit_msg != NULL)
		ssh_channel_write_stderr(c->ch, c->exit_msg,
		                         (uint32_t)strlen(c->exit_msg));
	if (!c->exec || c->exit_known)
		ssh_channel_request_send_exit_status(c->ch, (int)c->exit_status);
	ssh_channel_send_eof(c->ch);
	ssh_channel_close(c->ch);
	c->finished = 1;
}

/* Worker -> client: read only when poll() said there is something. */
static void
pump_out(struct chan *c)
{
	while (send_out(c) && c->w_readable && !c->worker_eof) {
		ssize_t r = read(c->wfd, c->out, OUT_BUF);
		if (r > 0) {
			c->out_len = (size_t)r;
			if ((size_t)r < OUT_BUF)
				c->w_readable = 0; /* a short read drained the socket */
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else if (r < 0 && errno == EAGAIN) {
			c->w_readable = 0;
		} else {
			c->worker_eof = 1;
		}
	}
	if (c->worker_eof && c->out_off == c->out_len && !c->finished)
		finish_channel(c);
}

/* The client's EOF reaches the worker once every byte before it has. */
static void
pass_eof(struct chan *c)
{
	if (c->wr_shut || c->in_blocked)
		return;
	if (c->in_dead || ssh_channel_is_eof(c->ch)) {
		shutdown(c->wfd, SHUT_WR);
		c->wr_shut = 1;
	}
}

static void
chan_register(struct chan *c)
{
	short want = 0;

	if (!c->worker_eof && c->out_off == c->out_len)
		want |= POLLIN;
	if (c->in_blocked && !c->w_writable)
		want |= POLLOUT;
	if (want == c->registered)
		return;
	if (c->registered)
		ssh_event_remove_fd(S.ev, c->wfd);
	if (want)
		ssh_event_add_fd(S.ev, c->wfd, want, fd_ready, c);
	c->registered = want;
}

static void
refuse_channel(struct chan *c)
{
	ssh_channel_write_stderr(c->ch, c->refuse, (uint32_t)strlen(c->refuse));
	ssh_channel_request_send_exit_status(c->ch, 1);
	ssh_channel_send_eof(c->ch);
	ssh_channel_close(c->ch);
	c->finished = 1;
	c->worker_eof = 1;
}

/* Moves what poll() found on every channel; returns the open channel count. */
static int
pump_all(void)
{
	int open = 0;

	for (int i = 0; i < MAX_CHANNELS; i++) {
		struct chan *c = &S.chans[i];
		if (c->ch == NULL)
			continue;
		if (c->refuse != NULL && !c->finished)
			refuse_channel(c);
		if (c->wfd >= 0) {
			drain_in(c);
			top_up_window(c);
			pass_eof(c);
			pump_out(c);
			chan_register(c);
		}
		if (ssh_channel_is_closed(c->ch) || (c->finished && c->worker_eof)) {
			if (!ssh_channel_is_closed(c->ch))
				ssh_channel_close(c->ch);
			chan_release(c);
			continue;
		}
		open++;
	}
	return open;
}

/* Sends the monitor's questions as an info request; 0 ok, -1 malformed. */
static int
kbdint_ask(ssh_message msg, struct rpc_msg *m)
{
	const struct rpc_kbdint_questions *q = &m->kbdint_questions;
	const char *prompts[RPC_KBDINT_MAX];
	char echos[RPC_KBDINT_MAX];
	uint32_t n = q->count;
	char *save = NULL, *p = (char *)q->questions; /* ours: decoded for us */

	if (n == 0 || n > RPC_KBDINT_MAX)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		char *t = strtok_r(i == 0 ? p : NULL, "\n", &save);
		prompts[i] = t ? t : "";
		echos[i] = (char)((q->echo_mask >> i) & 1);
	}
	ssh_message_auth_interactive_request(msg, "", q->instruction, n, prompts, echos);
	return 0;
}

/* The answers of one round, joined by '\n' (an answer holding one is cut there). */
static int
kbdint_send_answers(ssh_session s, struct mm_kbdint_reply *r)
{
	char joined[16384];
	int n = ssh_userauth_kbdint_getnanswers(s);
	size_t off = 0;

	if (n < 0 || n > RPC_KBDINT_MAX)
		return -1;
	joined[0] = '\0';
	for (int i = 0; i < n; i++) {
		const char *a = ssh_userauth_kbdint_getanswer(s, (unsigned)i);
		size_t l = a ? strcspn(a, "\n") : 0;
		if (off + l + 2 > sizeof(joined))
			return -1;
		if (i > 0)
			joined[off++] = '\n';
		memcpy(joined + off, a ? a : "", l);
		off += l;
		joined[off] = '\0';
	}
	int rc = mm_kbdint_answers((uint32_t)n, joined, r);
	explicit_bzero(joined, sizeof(joined));
	return rc;
}

/* keyboard-interactive has no server callback in libssh 0.10: the message API. */
static int
cb_message(ssh_session s, ssh_message msg, void *ud)
{
	struct mm_kbdint_reply r;
	(void)ud;

	if (ssh_message_type(msg) != SSH_REQUEST_AUTH ||
	    ssh_message_subtype(msg) != SSH_AUTH_METHOD_INTERACTIVE || !S.kbdint ||
	    S.hangup || S.authed)
		return 1; /* libssh's default answer */
	send_login_banner(s);
	int rc = ssh_message_auth_kbdint_is_response(msg)
	             ? kbdint_send_answers(s, &r)
	             : mm_kbdint_start(ssh_message_auth_user(msg), &r);
	if (rc != 0)
		return 1;
	if (r.is_questions) {
		rc = kbdint_ask(msg, &r.q);
		rpc_msg_free(&r.q);
		return rc == 0 ? 0 : 1;
	}
	if (auth_result(&r.result) == SSH_AUTH_SUCCESS) {
		ssh_message_auth_reply_success(msg, 0);
		return 0;
	}
	return 1;
}

/*
 * The listener wrote the identification line for banner_sent (before a PROXY
 * header): libssh must send exactly that line (it is part of the key exchange
 * hash), and its copy is not sent again.
 */
static int
banner_already_sent(ssh_bind b, const char *banner_sent)
{
	char line[SSH_IDENT_MAX + 1];
	size_t n;

	if (banner_sent[0] == '\0')
		return 0;
	if ((n = ssh_ident_line(banner_sent, line, sizeof(line))) == 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_BANNER, banner_sent) != SSH_OK ||
	    readahead_drop_sent(line, n) != 0) {
		log_error("cannot take over the banner the listener sent");
		return -1;
	}
	return 0;
}

static void
serve_connection(ssh_bind b, int fd, const char *banner_sent)
{
	struct ssh_server_callbacks_struct cb = {
	    .auth_none_function = cb_auth_none,
	    .auth_password_function = cb_auth_password,
	    .auth_pubkey_function = cb_auth_pubkey,
	    .channel_open_request_session_function = cb_channel_open,
	};

	S.s = ssh_new();
	if (S.s == NULL || readahead_attach(fd) != 0 ||
	    banner_already_sent(b, banner_sent) != 0 ||
	    ssh_bind_accept_fd(b, S.s, fd) != SSH_OK) {
		log_warn("accept: %s", S.s ? ssh_get_error(b) : "out of memory");
		return;
	}
	ssh_callbacks_init(&cb);
	ssh_set_server_callbacks(S.s, &cb);
	readahead_quickack(1);
	if (ssh_handle_key_exchange(S.s) != SSH_OK) {
		if (readahead_drop_failed())
			log_error("libssh's SSH identification line is not the one the "
			          "listener sent: connection closed");
		log_debug("key exchange failed: %s", ssh_get_error(S.s));
		return;
	}
	const char *cv = ssh_get_clientbanner(S.s);
	mm_client_version(cv != NULL ? cv : "");
	ssh_set_message_callback(S.s, cb_message, NULL);
	ssh_set_auth_methods(S.s, SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_PUBLICKEY |
	                              (S.kbdint ? SSH_AUTH_METHOD_INTERACTIVE : 0));
	S.ev = ssh_event_new();
	if (S.ev == NULL || ssh_event_add_session(S.ev, S.s) != SSH_OK)
		return;
	S.last_activity = time(NULL);
	int nonblocking = 0;
	for (;;) {
		/* SIGTERM interrupts poll(): not an error, the loop decides below. */
		if (ssh_event_dopoll(S.ev, 1000) == SSH_ERROR && errno != EINTR)
			break;
		if (S.hangup || !ssh_is_connected(S.s))
			break;
		if (S.authed && !nonblocking) {
			sandbox_selftest(SANDBOX_SESSION);
			readahead_quickack(0);
			ssh_set_blocking(S.s, 0);
			nonblocking = 1;
			if (ssh_event_add_fd(S.ev, MM_FD, POLLIN, mon_ready, NULL) !=
			    SSH_OK)
				break;
		}
		int open = pump_all();
		if (term_requested && open == 0)
			break;
		if (S.authed && S.idle_timeout_s > 0 &&
		    time(NULL) - S.last_activity > (time_t)S.idle_timeout_s) {
			log_info("idle timeout: no activity for %u seconds",
			         S.idle_timeout_s);
			break;
		}
	}
	for (int i = 0; i < MAX_CHANNELS; i++)
		if (S.chans[i].ch != NULL)
			chan_release(&S.chans[i]);
	ssh_disconnect(S.s);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	(void)argc;
	(void)argv;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	mm_log_to_monitor();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	for (int i = 0; i < MAX_CHANNELS; i++)
		S.chans[i].wfd = -1;

	mm_set_exit_handler(chan_exit);
	ssh_bind b = setup();
	if (mm_ready() != 0)
		return 1;
	char banner_sent[RPC_BANNER_MAX + 1];
	int fd = mm_wait_conn(banner_sent, sizeof(banner_sent));
	if (fd < 0)
		return 1;
	S.in_conn = 1;
	if (term_requested)
		return 0;
	serve_connection(b, fd, banner_sent);
	return 0;
}
