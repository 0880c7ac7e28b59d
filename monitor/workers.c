/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Workers: one per sftp/exec channel, its settings frame out, its events in (stream
 * frames, JSON), an exec channel's exit status to the session.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "common/clock.h"
#include "common/io.h"
#include "logfile/logfile.h"
#include "common/strlist.h"
#include "account/cloud.h"
#include "account/user.h"
#include "monitor/folders.h"
#include "monitor/internal.h"
#include "worker/proto.h"

/* The settings object of the worker protocol (worker/proto.h). */
/* What jansson will take as a string. */
static int
utf8_valid(const char *str)
{
	json_t *j = json_string(str);

	json_decref(j);
	return j != NULL;
}

static json_t *
worker_settings(const struct msess *s, const char *protocol, const char *command,
                json_t *folders)
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
	wp_set_int(&ws, WPK_UID, root ? s->run_uid : -1);
	wp_set_int(&ws, WPK_GID, root ? s->run_gid : -1);
	wp_set_str(&ws, WPK_UMASK, sc->umask ? sc->umask : "0022");
	wp_set_int(&ws, WPK_SETSTAT_MODE, sc->setstat_mode);
	wp_set_int(&ws, WPK_UPLOAD_MODE, sc->upload_mode);
	wp_set_perms(&ws, perms ? perms : json_object());
	wp_set_str(&ws, WPK_START_DIR, "/");
	wp_set_int(&ws, WPK_READ_ONLY, 0);
	if (command != NULL)
		wp_set_str(&ws, WPK_COMMAND, command);
	wp_set_int(&ws, WPK_UPLOAD_BANDWIDTH, u->upload_bandwidth);
	wp_set_int(&ws, WPK_DOWNLOAD_BANDWIDTH, u->download_bandwidth);
	if (json_array_size(u->filters.file_extensions) > 0)
		wp_set_file_extensions(&ws, u->filters.file_extensions);
	if (json_array_size(folders) > 0)
		wp_set_folders(&ws, folders);
	/* quota: counted only with a ledger (monitor/quota.c) */
	wp_set_int(&ws, WPK_TRACK_QUOTA, s->ql != NULL);
	wp_set_int(&ws, WPK_QUOTA_SIZE, s->ql != NULL ? u->quota_size : 0);
	wp_set_int(&ws, WPK_QUOTA_FILES, s->ql != NULL ? u->quota_files : 0);
	char secret[CLOUD_SECRET_MAX + 1], *creds = NULL;
	if (monitor_cloud_settings(&ws, u, secret, sizeof(secret), &creds, err,
	                           sizeof(err)) != 0) {
		monitor_cloud_wipe(secret, sizeof(secret), creds);
		log_warn("[%s] cloud storage of %s: %s", s->conn_id, u->username, err);
		json_decref(ws.perms);
		return NULL;
	}
	/* NULL (a value the protocol refuses): the channel is refused */
	json_t *o = wp_settings_encode(&ws, err, sizeof(err));
	monitor_cloud_wipe(secret, sizeof(secret), creds);
	if (o == NULL)
		log_error("[%s] worker settings for %s refused: %s", s->conn_id,
		          u->username, err);
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
		log_warn("worker %ld: bad event stream", (long)w->pid);
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

/* The programs a worker runs confined (sshcmd/syscmd.h, jail/jail.h). */
static const char *const system_commands[] = {"git-receive-pack", "git-upload-pack",
                                              "git-upload-archive", "rsync", NULL};

/*
 * May this exec request start a worker? NULL when it may (*protocol set), else why
 * not. Only the command's name is judged here; the worker parses the rest.
 */
static const char *
exec_refusal(const char *command, const char **protocol, int *system)
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
	for (const char *const *c = system_commands; *c != NULL; c++)
		*system |= strcmp(*c, name) == 0;
	if (!strlist_contains(&M.p->cfg->sftpd.enabled_ssh_commands, name)) {
		snprintf(why, sizeof(why), "command not enabled: %s", name);
		return why;
	}
	if (!internal && !*system) {
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
	free(w->cloud_prefix);
	free(w->conn_id);
	free(w->command);
	free(w->exit_msg);
	free(w->last_cmd_path);
	for (int i = 0; i < XFERS_MAX; i++)
		free(w->xfers[i].path);
	json_decref(w->folders);
	free(w);
}

static void
worker_open(struct msess *s, uint32_t channel, const char *kind, const char *command)
{
	int data[2] = {-1, -1}, ctl[2] = {-1, -1};
	const char *prog = monitor_worker_program(s->user);
	char *const argv[] = {(char *)prog, "--monitor-fd", "3", NULL};
	const char *why = "cannot start the worker";
	const char *protocol = "SFTP";
	int exec = strcmp(kind, "exec") == 0, system = 0;
	json_t *settings = NULL;
	char *js = NULL;
	struct mfolders mf = {0};

	if ((!exec && strcmp(kind, "sftp") != 0) || (!exec && command[0] != '\0')) {
		why = "unsupported channel kind";
		goto refuse;
	}
	if (exec && (why = exec_refusal(command, &protocol, &system)) != NULL)
		goto refuse;
	/* SFTPGo checks git and rsync against the quota before they start */
	if (system && (why = quota_refuses_system(s->ql)) != NULL)
		goto refuse;
	/* jansson refuses strings that are not UTF-8: say so rather than fail */
	if (exec && !utf8_valid(command)) {
		why = "the command line is not valid UTF-8";
		goto refuse;
	}
	if (s->n_workers >= s->max_channels || M.shutting_down) {
		why = "too many channels (sftpd.max_channels_per_connection)";
		goto refuse;
	}
	if (geteuid() == 0 && (s->run_uid <= 0 || s->run_gid <= 0)) {
		/* never a root worker (auth_succeeded refused this login already) */
		why =
		    "the user maps to uid or gid 0 and sftpd.uid0_service_account is not "
		    "usable";
		goto refuse;
	}
	/* Opened as root now: the worker drops privileges before it could. */
	if (mfolders_open(s->user, s->conn_id, "nothing is served there", &mf) != 0) {
		why = "cannot open the virtual folders";
		goto refuse;
	}
	settings = worker_settings(s, protocol, exec ? command : NULL, mf.settings);
	js = settings ? json_dumps(settings, JSON_COMPACT) : NULL;
	if (js == NULL || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, data) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) != 0)
		goto refuse;
	pid_t pid = spawn(prog, argv, data[1], ctl[1]);
	close(data[1]);
	close(ctl[1]);
	data[1] = ctl[1] = -1;
	if (pid < 0)
		goto refuse;
	struct mworker *w = calloc(1, sizeof(*w));
	if (w != NULL) {
		w->username = strdup(s->user->username);
		w->home = strdup(s->user->home_dir);
		w->cloud_prefix = monitor_cloud_log_prefix(s->user);
		w->conn_id = strdup(s->conn_id);
		w->command = exec ? strdup(command) : NULL;
		w->folders = json_incref(s->user->virtual_folders);
	}
	if (w == NULL || w->username == NULL || w->home == NULL || w->conn_id == NULL ||
	    (exec && w->command == NULL) || frame_write(ctl[0], js, strlen(js)) != 0 ||
	    mfolders_send(ctl[0], &mf) != 0) {
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
	w->uid = s->run_uid;
	w->gid = s->run_gid;
	w->ql = s->ql != NULL ? quota_attach_worker(s->user) : NULL;
	frame_reader_init(&w->fr, WORKER_EVENT_MAX);
	io_set_nonblock(w->fd);
	w->ev = event_new(M.base, w->fd, EV_READ | EV_PERSIST, on_worker, w);
	event_add(w->ev, NULL);
	TAILQ_INSERT_TAIL(&M.workers, w, link);
	s->n_workers++;
	struct rpc_channel_result ok = {
	    .fd = data[0], .channel = channel, .ok = 1, .message = ""};
	if (rpc_send_channel_result(s->fd, &ok) != 0)
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
	mfolders_close(&mf);
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
	mfolders_close(&mf);
	log_app(LOGL_WARN, "sftpd", "[%s] channel refused: %s", s->conn_id, why);
	struct rpc_channel_result no = {
	    .fd = -1, .channel = channel, .ok = 0, .message = why};
	if (rpc_send_channel_result(s->fd, &no) != 0)
		session_kill(s, "cannot answer a channel request");
}

void
on_channel_open(struct msess *s, struct rpc_msg *m)
{
	const struct rpc_channel_open *o = &m->channel_open;

	worker_open(s, o->channel, o->kind, o->command);
}

/* Worker paths are virtual; logs show the real path: under the home, or under a
 * virtual folder's mapped_path (SFTPGo logs file system paths). */
static char *
real_path(const struct mworker *w, const char *vpath)
{
	char *p = NULL;

	if (vpath[0] == '\0')
		return strdup("");
	/* S3: "/" + key_prefix + the path, as SFTPGo's S3 file system names it */
	if (w->cloud_prefix != NULL)
		return asprintf(&p, "%s%s", w->cloud_prefix, vpath + 1) < 0 ? NULL : p;
	return mfolders_host_path(w->folders, w->home, vpath);
}

/* A transfer_progress event: the worker's live transfer table, kept here. */
static void
transfer_progress(struct mworker *w, const struct wp_event *e)
{
	struct mxfer *x = NULL, *free_slot = NULL;
	uint32_t handle = (uint32_t)e->n[WPF_HANDLE];
	int64_t now = epoch_ms();

	for (int i = 0; i < XFERS_MAX && x == NULL; i++) {
		if (w->xfers[i].path != NULL && w->xfers[i].handle == handle)
			x = &w->xfers[i];
		else if (w->xfers[i].path == NULL && free_slot == NULL)
			free_slot = &w->xfers[i];
	}
	if (e->n[WPF_DONE]) {
		if (x != NULL) {
			free(x->path);
			memset(x, 0, sizeof(*x));
		}
		return;
	}
	if (x == NULL) { /* new; none when the table is full */
		const char *p = e->s[WPF_PATH];
		if (free_slot == NULL ||
		    (free_slot->path = strndup(p, strnlen(p, XFER_PATH_MAX))) == NULL)
			return;
		x = free_slot;
		x->handle = handle;
		x->upload = strcmp(e->s[WPF_SENDER], "Upload") == 0;
		x->start_ms = now - e->n[WPF_ELAPSED_MS];
	}
	x->size = e->n[WPF_SIZE_BYTES];
	x->last_ms = now;
}

/* One event frame of the worker protocol (worker/proto.h). */
static void
worker_event(struct mworker *w, const uint8_t *body, size_t len)
{
	struct wp_event e;
	char err[256];
	int rc = wp_event_decode(&e, body, len, err, sizeof(err));

	if (rc == WP_EV_NOT_OBJECT || rc == WP_EV_UNKNOWN) {
		log_warn("worker %ld: %s", (long)w->pid, err);
	} else if (rc != WP_EV_OK) {
		log_warn("worker %ld: bad event: %s", (long)w->pid, err);
	} else if (e.kind == WPE_TRANSFER) {
		const char *sender = e.s[WPF_SENDER];
		char *fp = real_path(w, e.s[WPF_PATH]);
		if (strcmp(sender, "Upload") == 0 || strcmp(sender, "Download") == 0) {
			metrics_transfer(sender[0] == 'U', (int)e.n[WPF_OK],
			                 e.n[WPF_SIZE_BYTES]);
			log_transfer(sender, e.n[WPF_ELAPSED_MS], e.n[WPF_SIZE_BYTES],
			             w->username, fp ? fp : "", w->conn_id, w->protocol);
		}
		if (fp != NULL)
			mhooks_transfer(w, sender, fp, e.n[WPF_SIZE_BYTES], e.n[WPF_OK]);
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
		if (fp != NULL && tp != NULL)
			mhooks_command(w, e.s[WPF_SENDER], fp, tp, e.n[WPF_SIZE_BYTES]);
		free(fp);
		free(tp);
	} else if (e.kind == WPE_TRANSFER_PROGRESS) {
		transfer_progress(w, &e);
	} else if (e.kind == WPE_QUOTA_RESERVE) {
		quota_on_reserve(w, &e);
	} else if (e.kind == WPE_QUOTA_UPDATE) {
		quota_on_update(w, &e);
	} else if (e.kind == WPE_QUOTA_SCAN && w->command != NULL) {
		quota_on_rescan(w, &e); /* git or rsync ended: the usage on disk */
	} else if (e.kind == WPE_EXIT && w->command != NULL && w->exit_msg == NULL) {
		/* bounded: it becomes one RPC string for the client's stderr */
		const char *msg = e.s[WPF_MESSAGE];
		w->exit_msg = strndup(msg, strnlen(msg, 1024));
	} else if (e.kind == WPE_LOG) {
		/* The worker parses the client's bytes: it cannot flood the log either.
		 */
		if (log_rate_ok(&w->lr, "worker", (long)w->pid)) {
			static const enum log_level levels[] = {LOGL_DEBUG, LOGL_INFO,
			                                        LOGL_WARN, LOGL_ERROR};
			int l = wp_log_level(e.s[WPF_LEVEL]);
			log_app(l >= 0 ? levels[l] : LOGL_INFO, "sftpd", "[%s] %s",
			        w->conn_id, e.s[WPF_MESSAGE]);
		}
	} else {
		/* an exit event when it is not an exec channel's, or a second one */
		log_warn("worker %ld: unknown event \"%s\"", (long)w->pid,
		         wp_events[e.kind].name);
	}
	wp_event_free(&e);
}

void
worker_gone(struct mworker *w, int status)
{
	/* Its last events (an exec channel's exit text among them) are all there:
	 * read to the end, the worker is gone and the stream is finite. */
	if (w->ev != NULL && event_pending(w->ev, EV_READ, NULL))
		while (worker_read(w))
			;
	if (sandbox_killed(status, "worker", w->pid, w->username ? w->username : "",
	                   w->conn_id ? w->conn_id : "")) {
		/* logged with the user */
	} else if (WIFSIGNALED(status))
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
		struct rpc_channel_exit e = {.fd = -1,
		                             .channel = w->channel,
		                             .exit_status = code,
		                             .message = w->exit_msg ? w->exit_msg : ""};
		if (rpc_send_channel_exit(s->fd, &e) != 0)
			session_kill(s, "cannot pass an exit status");
	}
	if (w->command != NULL) {
		metrics_ssh_command(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		mhooks_command_done(w, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	/* an SFTP worker exits 0 after its last report, whatever the client did; an
	 * exec channel's status is its command's */
	quota_worker_gone(w, WIFSIGNALED(status) ||
	                         (WEXITSTATUS(status) != 0 && w->command == NULL));
	TAILQ_REMOVE(&M.workers, w, link);
	event_free(w->ev);
	close(w->fd);
	frame_reader_free(&w->fr);
	mworker_free(w);
}
