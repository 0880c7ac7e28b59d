/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hook programs, driven from the caller's event loop: spawn, read stdout, kill at
 * the deadline, finish when the reaper reports the exit. Nothing here waits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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
	long long uid, gid;
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
};

TAILQ_HEAD(hproc_list, hproc);
static struct hproc_list running = TAILQ_HEAD_INITIALIZER(running);
static struct hproc_list queued = TAILQ_HEAD_INITIALIZER(queued);
static int n_running[HOOK_CLASSES], n_queued[HOOK_CLASSES];
static int stopped; /* classes hooks_exec_stop() ended: nothing new starts */

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
	struct hproc *h = find_running(pid);

	if (h == NULL)
		return 0;
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

/*
 * A notification runs in the background (SFTPGo does not wait for it either): at
 * nice 19 it takes the CPU the transfers leave, instead of a share per process
 * (16 of them at the server's priority would get 16 shares against the one of a
 * session and of its worker). Done as soon as posix_spawn returns, when
 * sftpgo-hookexec has just been exec'd: its loading and the program's run are
 * at the low priority, while the vfork part the monitor waits for is not.
 * Authentication programs, which a login waits for, keep the server's priority.
 */
static void
lower_priority(const struct hproc *h)
{
	if (h->pid > 0 && h->cls == HOOK_NOTIFY &&
	    setpriority(PRIO_PROCESS, (id_t)h->pid, HOOK_NOTIFY_NICE) != 0)
		log_debug("hook %s: cannot lower its priority: %s", h->argv[0],
		          strerror(errno));
}

/* fd 0 /dev/null, 1 stdout pipe or /dev/null, 2 /dev/null, 3 the exec error pipe */
static int
start(struct hproc *h)
{
	char path[4096], uid[24], gid[24];
	int out[2] = {-1, -1}, errp[2] = {-1, -1};
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	h->start_ms = monotonic_ms();
	if (snprintf(path, sizeof(path), "%s/sftpgo-hookexec", H.libexec_dir) >=
	        (int)sizeof(path) ||
	    null < 0 || (h->cap > 0 && pipe2(out, O_CLOEXEC) != 0) ||
	    pipe2(errp, O_CLOEXEC) != 0) {
		if (null >= 0)
			close(null);
		for (int i = 0; i < 2; i++) {
			if (out[i] >= 0)
				close(out[i]);
			if (errp[i] >= 0)
				close(errp[i]);
		}
		return -1;
	}
	snprintf(uid, sizeof(uid), "%lld", h->uid);
	snprintf(gid, sizeof(gid), "%lld", h->gid);
	size_t n = 0;
	while (h->argv[n] != NULL)
		n++;
	char **av = calloc(n + 4, sizeof(*av));
	if (av != NULL) {
		av[0] = "sftpgo-hookexec";
		av[1] = uid;
		av[2] = gid;
		for (size_t i = 0; i < n; i++)
			av[3 + i] = h->argv[i];
		const int fds[] = {null, out[1] >= 0 ? out[1] : null, null, errp[1]};
		h->pid = spawn_fds(path, av, h->envp, fds, 4);
		free(av);
		lower_priority(h);
	}
	close(null);
	if (out[1] >= 0)
		close(out[1]);
	close(errp[1]);
	h->out_fd = out[0];
	h->err_fd = errp[0];
	if (av == NULL || h->pid < 0)
		return -1;
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
	if ((h->out_fd >= 0 && h->ev == NULL) || h->timer == NULL) {
		kill_group(h); /* reaped as usual; finish() reports the kill */
		h->r.timed_out = 1;
	}
	return 0;
}

static void
launch(struct hproc *h)
{
	if (start(h) != 0) {
		char why[300];
		snprintf(why, sizeof(why), "cannot start %s: %s/sftpgo-hookexec: %s",
		         h->argv[0], H.libexec_dir, strerror(errno));
		run_failed(h, why);
		return;
	}
	TAILQ_INSERT_TAIL(&running, h, link);
	n_running[h->cls]++;
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
	h->cls = c;
	h->uid = uid;
	h->gid = gid;
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
