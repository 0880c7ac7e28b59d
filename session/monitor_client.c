/* SPDX-License-Identifier: BSD-2-Clause */
/* The session's typed requests to the monitor (see monitor_client.h). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/io.h"
#include "common/rpc.h"
#include "session/monitor_client.h"

static mm_exit_handler exit_handler;

void
mm_set_exit_handler(mm_exit_handler h)
{
	exit_handler = h;
}

void
mm_log_to_monitor(void)
{
	static struct rpc_log_sink sink = {.sock = MM_FD, .exit_on_failure = 1};

	log_set_sink(rpc_log_sink, NULL, &sink);
}

void
mm_client_version(const char *version)
{
	char v[256];
	/* longer than RFC 4253 allows: cut, not refused (it is only shown) */
	size_t n = strnlen(version, sizeof(v) - 1);

	memcpy(v, version, n);
	v[n] = '\0';
	struct rpc_client_version m = {.fd = -1, .version = v};
	if (rpc_send_client_version(MM_FD, &m) != 0)
		_exit(0); /* the monitor is gone */
}

static void
exit_arrived(struct rpc_msg *m)
{
	if (exit_handler != NULL)
		exit_handler(m->channel_exit.channel, m->channel_exit.exit_status,
		             m->channel_exit.message);
	rpc_msg_free(m);
}

/*
 * Waits for a frame of type a or b; an exec channel's exit status may come first (it
 * goes to the handler), anything else ends the process.
 */
static void
await2(int a, int b, struct rpc_msg *m)
{
	char err[256];
	int rc;

	while ((rc = rpc_recv(MM_FD, m, err, sizeof(err))) > 0 &&
	       m->type == RPC_CHANNEL_EXIT && a != RPC_CHANNEL_EXIT)
		exit_arrived(m);
	if (rc == 0)
		_exit(0);
	if (rc < 0 || (m->type != a && m->type != b)) {
		if (rc > 0)
			snprintf(err, sizeof(err), "unexpected %s",
			         rpc_type_name(m->type));
		fprintf(stderr, "sftpgo-session: monitor: %s\n", err);
		_exit(1);
	}
}

static void
await(int type, struct rpc_msg *m)
{
	await2(type, type, m);
}

int
mm_startup_next(struct rpc_msg *m)
{
	char err[256];

	return rpc_recv(MM_FD, m, err, sizeof(err)) == 1 ? 0 : -1;
}

int
mm_ready(void)
{
	return rpc_send_ready(MM_FD, &(struct rpc_ready){.fd = -1});
}

int
mm_wait_conn(char *banner_sent, size_t len)
{
	struct rpc_msg m;

	await(RPC_CONN, &m);
	snprintf(banner_sent, len, "%s", m.conn.banner_sent);
	int fd = m.conn.fd;
	m.conn.fd = -1;
	rpc_msg_free(&m);
	return fd;
}

/* An AUTH_RESULT (consumed) into r. */
static void
take_auth_result(struct rpc_msg *m, struct mm_auth_result *r)
{
	r->result = m->auth_result.result;
	snprintf(r->msg, sizeof(r->msg), "%s", m->auth_result.message);
	rpc_msg_free(m);
}

static int
auth_answer(int sent, struct mm_auth_result *r)
{
	struct rpc_msg m;

	if (sent != 0)
		return -1;
	await(RPC_AUTH_RESULT, &m);
	take_auth_result(&m, r);
	return 0;
}

int
mm_auth_password(const char *user, const char *password, struct mm_auth_result *r)
{
	struct rpc_auth_password q = {.fd = -1, .user = user, .password = password};

	return auth_answer(rpc_send_auth_password(MM_FD, &q), r);
}

int
mm_auth_pubkey(const char *user, const char *key_type, const char *key_b64, int query,
               struct mm_auth_result *r)
{
	int sent;

	if (query) {
		struct rpc_auth_pubkey_query q = {
		    .fd = -1, .user = user, .key_type = key_type, .key_base64 = key_b64};
		sent = rpc_send_auth_pubkey_query(MM_FD, &q);
	} else {
		struct rpc_auth_pubkey q = {
		    .fd = -1, .user = user, .key_type = key_type, .key_base64 = key_b64};
		sent = rpc_send_auth_pubkey(MM_FD, &q);
	}
	return auth_answer(sent, r);
}

static int
kbdint_reply(int sent, struct mm_kbdint_reply *r)
{
	struct rpc_msg m;

	if (sent != 0)
		return -1;
	memset(r, 0, sizeof(*r));
	await2(RPC_KBDINT_QUESTIONS, RPC_AUTH_RESULT, &m);
	r->is_questions = m.type == RPC_KBDINT_QUESTIONS;
	if (r->is_questions)
		r->q = m;
	else
		take_auth_result(&m, &r->result);
	return 0;
}

int
mm_kbdint_start(const char *user, struct mm_kbdint_reply *r)
{
	struct rpc_kbdint_start q = {.fd = -1, .user = user};

	return kbdint_reply(rpc_send_kbdint_start(MM_FD, &q), r);
}

int
mm_kbdint_answers(uint32_t count, const char *answers, struct mm_kbdint_reply *r)
{
	struct rpc_kbdint_answers q = {.fd = -1, .count = count, .answers = answers};

	return kbdint_reply(rpc_send_kbdint_answers(MM_FD, &q), r);
}

int
mm_channel_open(uint32_t channel, const char *kind, const char *command, int *fd,
                char *msg, size_t msglen)
{
	struct rpc_channel_open q = {
	    .fd = -1, .channel = channel, .kind = kind, .command = command};
	struct rpc_msg m;

	if (rpc_send_channel_open(MM_FD, &q) != 0)
		return -1;
	await(RPC_CHANNEL_RESULT, &m);
	const struct rpc_channel_result *a = &m.channel_result;
	if (a->channel != channel || !a->ok || a->fd < 0) {
		if (a->ok) /* a success without a socket: the monitor is confused */
			_exit(1);
		snprintf(msg, msglen, "%s", a->message);
		rpc_msg_free(&m);
		return 0;
	}
	*fd = m.channel_result.fd;
	m.channel_result.fd = -1;
	rpc_msg_free(&m);
	return 1;
}

int
mm_poll_exit(void)
{
	struct rpc_msg m;
	char err[256];

	/* an awaited answer may have taken the frame poll saw: never block here */
	if (io_wait(MM_FD, POLLIN, 0, NULL) <= 0)
		return 0;
	int rc = rpc_recv(MM_FD, &m, err, sizeof(err));
	if (rc == 0)
		return -1;
	if (rc < 0)
		return errno != EAGAIN && errno != EINTR ? -1 : 0;
	if (m.type != RPC_CHANNEL_EXIT)
		_exit(1);
	exit_arrived(&m);
	return 0;
}
