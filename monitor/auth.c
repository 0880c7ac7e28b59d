/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Authentication requests (one handler per message, run on the pool threads of
 * authpool.c) and what the monitor answers when a verdict comes back.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "logfile/logfile.h"
#include "monitor/internal.h"

/*
 * A new auth job for the session, or NULL when the session was killed (past
 * max_auth_tries, out of memory).
 */
static struct job *
auth_job_new(struct msess *s, enum job_kind kind, const char *user)
{
	int max = max_auth_tries();

	if (max > 0 && s->auth_failures >= max) {
		session_kill(s, "authentication request beyond max_auth_tries");
		return NULL;
	}
	struct job *j = calloc(1, sizeof(*j));
	if (j == NULL || (j->username = strdup(user)) == NULL) {
		free(j);
		session_kill(s, "out of memory");
		return NULL;
	}
	j->kind = kind;
	j->sess_id = s->id;
	j->seq = quota_seq(); /* the user record read after this is fresh */
	strlcpy(j->client_ip, s->ip, sizeof(j->client_ip));
	return j;
}

/* Hands j to the pool threads: one request at a time per session. complete: its
 * strings were all copied. */
static void
auth_job_submit(struct msess *s, struct job *j, int complete)
{
	if (!complete) {
		job_free(j);
		session_kill(s, "out of memory");
		return;
	}
	s->attempted = 1;
	s->job_pending = 1;
	if (mhooks_extauth(s, j))
		return;
	if (mhooks_prelogin_wanted(s, j))
		j->prelogin = 1;
	authpool_submit(j);
}

void
on_auth_password(struct msess *s, struct rpc_msg *m)
{
	struct job *j = auth_job_new(s, JOB_PASSWORD, m->auth_password.user);

	if (j == NULL)
		return;
	j->password = strdup(m->auth_password.password);
	auth_job_submit(s, j, j->password != NULL);
}

static void
pubkey_job(struct msess *s, enum job_kind kind, const char *user, const char *key_type,
           const char *key_b64)
{
	struct job *j = auth_job_new(s, kind, user);

	if (j == NULL)
		return;
	j->key_type = strdup(key_type);
	j->key_b64 = strdup(key_b64);
	auth_job_submit(s, j, j->key_type != NULL && j->key_b64 != NULL);
}

void
on_auth_pubkey_query(struct msess *s, struct rpc_msg *m)
{
	const struct rpc_auth_pubkey_query *q = &m->auth_pubkey_query;

	pubkey_job(s, JOB_PUBKEY_QUERY, q->user, q->key_type, q->key_base64);
}

void
on_auth_pubkey(struct msess *s, struct rpc_msg *m)
{
	const struct rpc_auth_pubkey *q = &m->auth_pubkey;

	pubkey_job(s, JOB_PUBKEY, q->user, q->key_type, q->key_base64);
}

/* The provider is asked for the user first; kbd_start runs the program then. */
void
on_kbdint_start(struct msess *s, struct rpc_msg *m)
{
	struct job *j = auth_job_new(s, JOB_KBDINT, m->kbdint_start.user);

	if (j != NULL)
		auth_job_submit(s, j, 1);
}

static void
auth_reply(struct msess *s, uint32_t result, const char *msg)
{
	struct rpc_auth_result r = {.fd = -1, .result = result, .message = msg};

	if (rpc_send_auth_result(s->fd, &r) != 0)
		session_kill(s, "cannot answer an authentication request");
}

/* SFTPGo counts each method's callback: a public key when it is offered (the
 * query); the signed request that follows is not counted again. */
static void
count_login(const struct job *j, int ok)
{
	if (j->kind == JOB_PASSWORD)
		metrics_login(METRICS_PASSWORD, ok);
	else if (j->kind == JOB_KBDINT)
		metrics_login(METRICS_KBDINT, ok);
	else if (j->kind == JOB_PUBKEY_QUERY)
		metrics_login(METRICS_PUBLICKEY, ok);
}

void
auth_failed(struct msess *s, struct job *j)
{
	const char *method = job_method(j->kind);
	int max = max_auth_tries();

	s->auth_failures++;
	count_login(j, 0);
	log_connection_failed(s->ip, j->username, method, j->error);
	/* Only a client that proved its credentials learns why it was refused. */
	auth_reply(s,
	           max > 0 && s->auth_failures >= max ? RPC_AUTH_DENIED_DISCONNECT
	                                              : RPC_AUTH_DENIED,
	           j->creds_ok && j->kind != JOB_PUBKEY_QUERY ? j->error : "");
	/* Scored after the answer (a ban kills this session). Not scored: a client
	 * that proved its credentials (max_sessions, expired account...), and a
	 * provider failure. */
	if (!j->creds_ok && !j->provider_failed)
		mdefender_event(s->ip,
		                j->user_found ? DEFENDER_EV_VALID : DEFENDER_EV_INVALID);
}

void
auth_succeeded(struct msess *s, struct job *j)
{
	struct sftpgo_user *u = j->user;

	if (j->kind == JOB_PUBKEY_QUERY) {
		count_login(j, 1);
		auth_reply(s, RPC_AUTH_OK, "");
		return;
	}
	if (geteuid() == 0 && (u->uid == 0 || u->gid == 0) &&
	    M.p->uid0.unusable[0] != '\0') {
		/* the connection_failed line carries the username beside it */
		snprintf(j->error, sizeof(j->error), "%s", M.p->uid0.unusable);
		auth_failed(s, j);
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
	/* the service account as configured now: a later SIGHUP keeps these */
	uid0_map_ids(&M.p->uid0, u->uid, u->gid, &s->run_uid, &s->run_gid);
	s->ql = quota_attach(u, j->seq);
	s->state = S_AUTHED;
	s->connected_ms = epoch_ms();
	if (s->grace) {
		event_free(s->grace);
		s->grace = NULL;
	}
	release_slot(s);
	log_app(LOGL_INFO, "sftpd", "[%s] user %s logged in with %s from %s", s->conn_id,
	        u->username, job_method(j->kind), s->ip);
	if (geteuid() == 0 && (u->uid == 0 || u->gid == 0)) {
		log_app(LOGL_INFO, "sftpd",
		        "[%s] user %s maps to uid/gid 0: served as uid %lld gid %lld "
		        "(sftpd.uid0_service_account)",
		        s->conn_id, u->username, s->run_uid, s->run_gid);
	}
	count_login(j, 1);
	auth_reply(s, RPC_AUTH_OK, "");
	struct job *ll = calloc(1, sizeof(*ll));
	if (ll != NULL && (ll->username = strdup(u->username)) != NULL) {
		ll->kind = JOB_LAST_LOGIN;
		authpool_submit(ll);
	} else {
		free(ll);
	}
}

void
on_job(evutil_socket_t fd, short what, void *arg)
{
	struct job *j;
	(void)what;
	(void)arg;

	while (read(fd, &j, sizeof(j)) == (ssize_t)sizeof(j)) {
		if (j->done != NULL) {
			j->done(j);
			job_free(j);
			continue;
		}
		if (j->kind == JOB_QUOTA) {
			quota_job_done(j);
			job_free(j);
			continue;
		}
		if (j->kind == JOB_RELOAD) {
			if (!j->ok)
				log_error("SIGHUP: data provider not reloaded, the users "
				          "in use are kept: %s",
				          j->error);
			else if (j->error[0] != '\0')
				log_info("SIGHUP: %s", j->error);
			job_free(j);
			continue;
		}
		if (j->kind == JOB_LAST_LOGIN) {
			if (!j->ok)
				log_app(LOGL_WARN, "sftpd",
				        "unable to update last login for %s: %s",
				        j->username, j->error);
			job_free(j);
			continue;
		}
		struct msess *s = session_by_id(j->sess_id);
		if (s != NULL && s->state == S_PREAUTH && s->job_pending &&
		    j->prelogin == 1 && j->ok) {
			mhooks_prelogin(s, j); /* the job goes on or is answered there */
			continue;
		}
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
