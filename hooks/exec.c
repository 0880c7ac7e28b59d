/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hook programs, driven from the caller's event loop: spawn, read stdout, kill at
 * the deadline, finish when the reaper reports the exit. Nothing here waits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/io.h"
#include "common/log.h"
#include "common/spawn.h"
#include "hooks/internal.h"

struct hproc {
	TAILQ_ENTRY(hproc) link;
	enum hook_class cls;
	char **argv, **envp; /* deep copies (envp wiped: it may hold a password) */
	long long uid_v, gid_v;
	int timeout_s;
	size_t cap;
	hook_done_fn done;
	void *arg;
	pid_t pid;
	int out_fd, err_fd;
	struct event *ev, *timer;
	int64_t start_ms;
	struct hook_result r;
	size_t out_alloc;
	/* the spawn, prepared on the loop, run on the spawner thread (or inline) */
	struct hooks_lowjob job;
	char *spawn_path, **spawn_av, uid[24], gid[24]; /* the last two: argv */
	int spawn_fds[4], child_fds[3]; /* child_fds: the loop closes them after */
	pid_t spawned_pid;              /* written by the spawner, read in done() */
	int spawn_errno, starting;
};

TAILQ_HEAD(hproc_list, hproc);
/* running: started or being started (pid 0 until the spawner is done) */
static struct hproc_list running = TAILQ_HEAD_INITIALIZER(running);
static struct hproc_list queued = TAILQ_HEAD_INITIALIZER(queued);
static int n_running[HOOK_CLASSES], n_queued[HOOK_CLASSES];
static int stopped; /* classes hooks_exec_stop() ended: nothing new starts */
/* Exits reaped while spawns were pending: a program can end before the loop
 * learns its pid from the spawner. Only kept while n_starting > 0, so a pid
 * recorded here is not a reused one. */
#define EARLY_MAX 64
static struct {
	pid_t pid;
	int status;
} early[EARLY_MAX];
static int n_early, n_starting;

/* Per class: how many programs run at once, how many wait. A put -r of a few
 * hundred small files reaches the monitor as one burst of events: the
 * notification queue holds thousands (an entry is its argv and environment). */
static const int run_max[HOOK_CLASSES] = {16, 32};
static const int queue_max[HOOK_CLASSES] = {HOOK_NOTIFY_QUEUE_MAX, 64};

static char **
vec_dup(char *const v[])
{
	size_t n = 0;
	while (v[n] != NULL)
		n++;
	char **c = calloc(n + 1, sizeof(*c));
	for (size_t i = 0; c != NULL && i < n; i++)
		if ((c[i] = strdup(v[i])) == NULL) {
			hooks_vec_free(c, 1);
			return NULL;
		}
	return c;
}

void
hooks_vec_free(char **v, int wipe)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
		if (wipe)
			explicit_bzero(v[i], strlen(v[i]));
		free(v[i]);
	}
	free(v);
}

static void
hproc_free(struct hproc *h)
{
	if (h->ev)
		event_free(h->ev);
	if (h->timer)
		event_free(h->timer);
	if (h->out_fd >= 0)
		close(h->out_fd);
	if (h->err_fd >= 0)
		close(h->err_fd);
	free(h->spawn_path);
	free(h->spawn_av);
	hooks_vec_free(h->argv, 0);
	hooks_vec_free(h->envp, 1);
	if (h->r.out != NULL) {
		explicit_bzero(h->r.out, h->out_alloc);
		free(h->r.out);
	}
	free(h);
}

static void
kill_group(struct hproc *h)
{
	if (h->pid <= 0)
		return;
	kill(-h->pid, SIGKILL); /* sftpgo-hookexec made it a session leader */
	kill(h->pid, SIGKILL);  /* in case it had not got there yet */
}

/* Reads what stdout has now; 0 at EOF or when the cap was hit. */
static int
read_out(struct hproc *h)
{
	for (;;) {
		if (h->r.out_len >= h->cap) {
			char c;
			if (read(h->out_fd, &c, 1) == 1) {
				h->r.too_much = 1;
				kill_group(h);
				return 0;
			}
			return 1;
		}
		ssize_t n =
		    read(h->out_fd, h->r.out + h->r.out_len, h->cap - h->r.out_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		if (n == 0)
			return 0;
		h->r.out_len += (size_t)n;
	}
}

static void
on_out(evutil_socket_t fd, short what, void *arg)
{
	struct hproc *h = arg;
	(void)fd;
	(void)what;

	if (!read_out(h))
		event_del(h->ev);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct hproc *h = arg;
	(void)fd;
	(void)what;

	h->r.timed_out = 1;
	kill_group(h);
}

static void start_queued(void);

static void
finish(struct hproc *h)
{
	if (h->r.out != NULL)
		h->r.out[h->r.out_len] = '\0';
	h->r.elapsed_ms = monotonic_ms() - h->start_ms;
	h->done(&h->r, h->arg);
	hproc_free(h);
}

/* What sftpgo-hookexec wrote on fd 3 when it could not exec the program. */
static void
read_exec_error(struct hproc *h)
{
	char msg[200];
	ssize_t n = read(h->err_fd, msg, sizeof(msg) - 1);

	if (n > 0) {
		msg[n] = '\0';
		h->r.started = 0;
		strlcpy(h->r.err, msg, sizeof(h->r.err));
	}
}

static struct hproc *
find_running(pid_t pid)
{
	struct hproc *h;

	TAILQ_FOREACH(h, &running, link)
	if (h->pid == pid)
		return h;
	return NULL;
}

int
hooks_child_exited(pid_t pid, int status)
{
	struct hproc *h = pid > 0 ? find_running(pid) : NULL;

	if (h == NULL) {
		if (n_starting > 0 && n_early < EARLY_MAX) {
			early[n_early].pid = pid;
			early[n_early++].status = status;
		}
		return 0;
	}
	TAILQ_REMOVE(&running, h, link);
	n_running[h->cls]--;
	h->r.status = status;
	h->r.started = 1;
	/* what it wrote before exiting is in the pipe; children it left behind
	 * are not waited for */
	if (h->out_fd >= 0 && !h->r.too_much)
		read_out(h);
	read_exec_error(h);
	if (h->r.started && h->r.too_much)
		snprintf(h->r.err, sizeof(h->r.err), "output larger than %zu bytes",
		         h->cap);
	else if (h->r.started && h->r.timed_out && h->r.err[0] == '\0')
		snprintf(h->r.err, sizeof(h->r.err), "timed out after %d s",
		         h->timeout_s);
	else if (h->r.started && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		strlcpy(h->r.err, hooks_outcome(&h->r), sizeof(h->r.err));
	finish(h);
	start_queued();
	return 1;
}

static void
run_failed(struct hproc *h, const char *why)
{
	h->r.started = 0;
	strlcpy(h->r.err, why, sizeof(h->r.err));
	finish(h);
}

/* A pid the reaper saw exit before the spawner's result came: its status. */
static int
take_early(pid_t pid, int *status)
{
	for (int i = 0; i < n_early; i++)
		if (early[i].pid == pid) {
			*status = early[i].status;
			early[i] = early[--n_early];
			return 1;
		}
	return 0;
}

static void
close_child_fds(struct hproc *h)
{
	for (int i = 0; i < 3; i++)
		if (h->child_fds[i] >= 0) {
			close(h->child_fds[i]);
			h->child_fds[i] = -1;
		}
}

/*
 * fd 0 /dev/null, 1 stdout pipe or /dev/null, 2 /dev/null, 3 the exec error pipe;
 * argv: sftpgo-hookexec UID GID PROGRAM ARGS. 0, or -1 with errno.
 */
static int
prepare(struct hproc *h)
{
	char path[4096];
	int out[2] = {-1, -1}, errp[2] = {-1, -1}, null;
	size_t n = 0;

	h->start_ms = monotonic_ms();
	if (snprintf(path, sizeof(path), "%s/sftpgo-hookexec", H.libexec_dir) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	while (h->argv[n] != NULL)
		n++;
	if ((h->spawn_path = strdup(path)) == NULL ||
	    (h->spawn_av = calloc(n + 4, sizeof(*h->spawn_av))) == NULL)
		return -1;
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		return -1;
	h->child_fds[0] = null;
	if (h->cap > 0 && pipe2(out, O_CLOEXEC) != 0)
		return -1;
	h->out_fd = out[0];
	h->child_fds[1] = out[1];
	if (pipe2(errp, O_CLOEXEC) != 0)
		return -1;
	h->err_fd = errp[0];
	h->child_fds[2] = errp[1];
	snprintf(h->uid, sizeof(h->uid), "%lld", h->uid_v);
	snprintf(h->gid, sizeof(h->gid), "%lld", h->gid_v);
	h->spawn_av[0] = "sftpgo-hookexec";
	h->spawn_av[1] = h->uid;
	h->spawn_av[2] = h->gid;
	for (size_t i = 0; i < n; i++)
		h->spawn_av[3 + i] = h->argv[i];
	h->spawn_fds[0] = null;
	h->spawn_fds[1] = out[1] >= 0 ? out[1] : null;
	h->spawn_fds[2] = null;
	h->spawn_fds[3] = errp[1];
	return 0;
}

/* On the spawner thread (or inline): only the spawn fields. */
static void
spawn_run(struct hooks_lowjob *j)
{
	struct hproc *h = (struct hproc *)((char *)j - offsetof(struct hproc, job));

	h->spawned_pid = spawn_fds(h->spawn_path, h->spawn_av, h->envp, h->spawn_fds, 4);
	h->spawn_errno = h->spawned_pid < 0 ? errno : 0;
}

/* It could not be started: out of the running list, its caller told why. */
static void
spawn_failed(struct hproc *h, int err)
{
	char why[300];

	close_child_fds(h);
	TAILQ_REMOVE(&running, h, link);
	n_running[h->cls]--;
	snprintf(why, sizeof(why), "cannot start %s: %s/sftpgo-hookexec: %s", h->argv[0],
	         H.libexec_dir, strerror(err));
	run_failed(h, why);
}

/* Back on the loop with the pid: what is read, the deadline, an early exit. */
static int
spawned(struct hproc *h)
{
	int status;

	close_child_fds(h);
	if (h->spawned_pid < 0) {
		spawn_failed(h, h->spawn_errno);
		return -1;
	}
	h->pid = h->spawned_pid;
	io_set_nonblock(h->err_fd);
	if (h->out_fd >= 0) {
		io_set_nonblock(h->out_fd);
		h->ev = event_new(H.base, h->out_fd, EV_READ | EV_PERSIST, on_out, h);
		if (h->ev != NULL)
			event_add(h->ev, NULL);
	}
	struct timeval tv = {.tv_sec = h->timeout_s};
	h->timer = evtimer_new(H.base, on_deadline, h);
	if (h->timer != NULL)
		evtimer_add(h->timer, &tv);
	if ((h->out_fd >= 0 && h->ev == NULL) || h->timer == NULL)
		h->r.timed_out = 1;
	if (h->r.timed_out)    /* no watch on it, or stopped while it was starting */
		kill_group(h); /* reaped as usual; finish() reports the kill */
	if (take_early(h->pid, &status))
		hooks_child_exited(h->pid, status);
	return 0;
}

static void
spawn_done(struct hooks_lowjob *j)
{
	struct hproc *h = (struct hproc *)((char *)j - offsetof(struct hproc, job));

	h->starting = 0;
	n_starting--;
	int failed = spawned(h) != 0; /* takes its early exit, if any, first */
	if (n_starting == 0)
		n_early = 0;
	if (failed)
		start_queued(); /* its slot is free again */
}

/*
 * Notification programs are started by the spawner thread at their low priority
 * (hooks/spawner.c); authentication programs, which a login waits for, inline at
 * the server's.
 */
static void
launch(struct hproc *h)
{
	TAILQ_INSERT_TAIL(&running, h, link);
	n_running[h->cls]++;
	if (prepare(h) != 0) {
		spawn_failed(h, errno);
		return;
	}
	h->job.run = spawn_run;
	h->job.done = spawn_done;
	if (h->cls == HOOK_NOTIFY) {
		h->starting = 1;
		n_starting++;
		if (hooks_spawner_submit(&h->job) == 0)
			return;
		h->starting = 0;
		n_starting--;
	}
	spawn_run(&h->job);
	spawned(h);
}

static void
start_queued(void)
{
	struct hproc *h, *next;

	for (h = TAILQ_FIRST(&queued); h != NULL; h = next) {
		next = TAILQ_NEXT(h, link);
		if (n_running[h->cls] >= run_max[h->cls])
			continue;
		TAILQ_REMOVE(&queued, h, link);
		n_queued[h->cls]--;
		launch(h);
	}
}

int
hooks_exec(enum hook_class c, char *const argv[], char *const envp[], long long uid,
           long long gid, int timeout_s, size_t out_cap, hook_done_fn done, void *arg)
{
	if (stopped & (1 << c)) {
		if (c == HOOK_NOTIFY)
			log_warn("hook %s dropped: the server is shutting down", argv[0]);
		return -1;
	}
	if (n_running[c] >= run_max[c] && n_queued[c] >= queue_max[c]) {
		if (c == HOOK_NOTIFY)
			log_warn("hook %s dropped: %d running and %d queued already",
			         argv[0], n_running[c], n_queued[c]);
		return -1;
	}
	struct hproc *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return -1;
	h->out_fd = h->err_fd = -1;
	h->child_fds[0] = h->child_fds[1] = h->child_fds[2] = -1;
	h->cls = c;
	h->uid_v = uid;
	h->gid_v = gid;
	h->timeout_s = timeout_s;
	h->cap = out_cap;
	h->done = done;
	h->arg = arg;
	h->argv = vec_dup(argv);
	h->envp = vec_dup(envp);
	if (out_cap > 0 && (h->r.out = malloc(out_cap + 1)) != NULL)
		h->out_alloc = out_cap + 1;
	if (h->argv == NULL || h->envp == NULL || (out_cap > 0 && h->r.out == NULL)) {
		hproc_free(h);
		return -1;
	}
	if (n_running[c] < run_max[c]) {
		launch(h);
	} else {
		TAILQ_INSERT_TAIL(&queued, h, link);
		n_queued[c]++;
	}
	return 0;
}

int
hooks_exec_idle(void)
{
	return TAILQ_EMPTY(&running) && TAILQ_EMPTY(&queued);
}

void
hooks_exec_stop(int classes)
{
	struct hproc *h, *next;

	stopped |= classes;
	for (h = TAILQ_FIRST(&queued); h != NULL; h = next) {
		next = TAILQ_NEXT(h, link);
		if (!(classes & (1 << h->cls)))
			continue;
		TAILQ_REMOVE(&queued, h, link);
		n_queued[h->cls]--;
		run_failed(h, "server shutting down");
	}
	TAILQ_FOREACH(h, &running, link)
	if (classes & (1 << h->cls)) {
		kill_group(h);
		h->r.timed_out = 1;
		snprintf(h->r.err, sizeof(h->r.err), "killed: server shutting down");
	}
}

int
hooks_programs_idle(void)
{
	return hooks_exec_idle();
}

void
hooks_exec_shutdown(void)
{
	struct hproc *h;

	while ((h = TAILQ_FIRST(&queued)) != NULL) {
		TAILQ_REMOVE(&queued, h, link);
		n_queued[h->cls]--;
		run_failed(h, "server shutting down");
	}
	/* the spawns in flight end first: every program left has its pid */
	hooks_spawner_shutdown();
	/* after the loop: nothing else reaps them now, and SIGKILL is quick */
	while ((h = TAILQ_FIRST(&running)) != NULL) {
		int status = 0;
		kill_group(h);
		while (waitpid(h->pid, &status, 0) < 0 && errno == EINTR)
			;
		h->r.timed_out = 1;
		snprintf(h->r.err, sizeof(h->r.err), "killed: server shutting down");
		hooks_child_exited(h->pid, status);
	}
}

void
hooks_reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		hooks_child_exited(pid, status);
}

const char *
hooks_outcome(const struct hook_result *r)
{
	static char s[300];

	if (!r->started)
		return r->err;
	if (r->too_much || r->timed_out)
		return r->err;
	if (WIFEXITED(r->status))
		snprintf(s, sizeof(s), "exit status %d", WEXITSTATUS(r->status));
	else if (WIFSIGNALED(r->status))
		snprintf(s, sizeof(s), "signal: %s", strsignal(WTERMSIG(r->status)));
	else
		snprintf(s, sizeof(s), "status %d", r->status);
	return s;
}
