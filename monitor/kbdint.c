/* SPDX-License-Identifier: BSD-2-Clause */
/* keyboard-interactive: the keyboard_interactive_auth_program of one login. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <jansson.h>

#include "account/account.h"
#include "common/io.h"
#include "common/log.h"
#include "account/user.h"
#include "monitor/internal.h"

int
kbdint_enabled(void)
{
	const char *p = M.p->cfg->sftpd.keyboard_interactive_auth_program;
	return p != NULL && p[0] != '\0';
}

void
kbd_end(struct msess *s)
{
	struct kbdprog *k = s->kbd;

	if (k == NULL)
		return;
	if (k->pid > 0) {
		kill(-k->pid, SIGKILL); /* its group: sftpgo-hookexec called setsid */
		kill(k->pid, SIGKILL);  /* reaped by on_sigchld like any child */
	}
	if (k->err_fd >= 0)
		close(k->err_fd);
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
	j.seq = s->kbd->seq;
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
		kbd_finish(s, json_integer_value(res) == 1,
		           "keyboard interactive authentication failed");
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
		struct rpc_kbdint_questions q = {.fd = -1,
		                                 .count = (uint32_t)n,
		                                 .echo_mask = mask,
		                                 .instruction = instr ? instr : "",
		                                 .questions = questions};
		if (rpc_send_kbdint_questions(s->fd, &q) != 0)
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
		char msg[256];
		ssize_t e = read(k->err_fd, msg, sizeof(msg) - 1);
		if (e > 0) { /* sftpgo-hookexec could not exec it */
			msg[e] = '\0';
			log_error("%s", msg);
			kbd_finish(s, 0, msg);
			return;
		}
		kbd_finish(s, 0, "keyboard interactive program ended without a result");
		return;
	}
	k->len += (size_t)n;
	char *nl;
	while (s->kbd == k && !k->awaiting &&
	       (nl = memchr(k->buf, '\n', k->len)) != NULL) {
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
void
kbd_start(struct msess *s, struct job *j)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
	char user_env[600], pass_env[1100], path[4096], uid[24], gid[24];
	const char *prog = M.p->cfg->sftpd.keyboard_interactive_auth_program;
	char *argv[5];
	char *const envp[] = {"PATH=/usr/bin:/bin", user_env, pass_env, NULL};
	struct kbdprog *k = calloc(1, sizeof(*k));

	snprintf(user_env, sizeof(user_env), "SFTPGO_AUTHD_USERNAME=%s",
	         j->user->username);
	snprintf(pass_env, sizeof(pass_env), "SFTPGO_AUTHD_PASSWORD=%s",
	         j->user->password ? j->user->password : "");
	/* as the service account, like the other authentication programs */
	if (k == NULL || (k->buf = malloc(KBDINT_LINE_MAX)) == NULL ||
	    mhooks_auth_argv(prog, path, sizeof(path), uid, gid, argv) != 0 ||
	    pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
	    pipe2(errp, O_CLOEXEC) != 0) {
		free(k ? k->buf : NULL);
		free(k);
		for (int i = 0; i < 2; i++) {
			if (in[i] >= 0)
				close(in[i]);
			if (out[i] >= 0)
				close(out[i]);
			if (errp[i] >= 0)
				close(errp[i]);
		}
		snprintf(j->error, sizeof(j->error),
		         "cannot run the keyboard interactive program");
		auth_failed(s, j);
		return;
	}
	const int fds[] = {in[0], out[1], -1, errp[1]};
	pid_t pid = spawn_fds(path, argv, envp, fds, 4);
	explicit_bzero(pass_env, sizeof(pass_env));
	close(in[0]);
	close(out[1]);
	close(errp[1]);
	k->pid = pid;
	k->in_fd = in[1];
	k->out_fd = out[0];
	k->err_fd = errp[0];
	io_set_nonblock(k->err_fd);
	k->user = j->user;
	k->seq = j->seq;
	j->user = NULL;
	s->kbd = k;
	if (pid < 0) {
		kbd_finish(s, 0, "cannot run the keyboard interactive program");
		return;
	}
	io_set_nonblock(k->out_fd);
	/* Answers are written from the event loop: a program that stops reading its
	 * stdin must fail the login, never block the monitor. */
	io_set_nonblock(k->in_fd);
	k->ev = event_new(M.base, k->out_fd, EV_READ | EV_PERSIST, on_kbd_output, s);
	event_add(k->ev, NULL);
	k->timer = timer_start(KBDINT_SECS, on_kbd_timeout, s);
}

/* The client's answers go to the program, one per line. */
void
on_kbdint_answers(struct msess *s, struct rpc_msg *m)
{
	const struct rpc_kbdint_answers *a = &m->kbdint_answers;
	struct kbdprog *k = s->kbd;
	size_t len = strlen(a->answers), lines = 1;

	for (size_t i = 0; i < len; i++)
		if (a->answers[i] == '\n')
			lines++;
	if (a->count != k->nq || lines != k->nq) {
		char why[160];
		snprintf(why, sizeof(why),
		         "protocol violation: %u keyboard-interactive answers "
		         "(%zu lines) to %u questions",
		         (unsigned)a->count, lines, (unsigned)k->nq);
		session_kill(s, why);
		return;
	}
	k->awaiting = 0;
	/* One write: a short one (pipe full) fails the login instead of waiting. */
	struct iovec iov[2] = {{(void *)a->answers, len}, {"\n", 1}};
	ssize_t w;
	do
		w = writev(k->in_fd, iov, 2);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)len + 1) {
		kbd_finish(s, 0,
		           "keyboard interactive program does not read its answers");
		return;
	}
	/* a line may already be waiting */
	on_kbd_output(k->out_fd, EV_READ, s);
}
