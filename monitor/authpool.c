/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Provider lookups and password hashing run here, beside the event loop, so a slow
 * database or an argon2id verification never stalls other connections and logins
 * scale across cores. Each thread owns one provider handle. Results go back to the
 * loop as job pointers written to a pipe.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "account/account.h"
#include "auth/auth.h"
#include "common/io.h"
#include "common/log.h"
#include "monitor/monitor.h"
#include "provider/provider.h"

#define MAX_THREADS 8

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
/* Two queues: logins, quota batches and reloads first; the REST API's jobs
 * (a page of 100 users is about 2.5 ms of JSON) after them, never on every
 * thread at once and at a lower CPU priority, so that an API client hammering
 * the server does not queue or starve SFTP logins. */
static struct job *queue_head, *queue_tail;
static struct job *admin_head, *admin_tail;
static int admin_running, admin_max = 1;
#define ADMIN_NICE 10
static int stopping;
static int result_w = -1;
static pthread_t threads[MAX_THREADS];
static int nthreads;
static const struct sftpgo_config *pool_cfg;

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	if (j->password != NULL) {
		explicit_bzero(j->password, strlen(j->password));
		free(j->password);
	}
	free(j->username);
	if (j->ext_out != NULL) {
		explicit_bzero(j->ext_out, j->ext_out_len);
		free(j->ext_out);
	}
	if (j->pre_user != NULL) {
		explicit_bzero(j->pre_user, strlen(j->pre_user));
		free(j->pre_user);
	}
	if (j->pre_out != NULL) {
		explicit_bzero(j->pre_out, j->pre_out_len);
		free(j->pre_out);
	}
	free(j->key_type);
	free(j->key_b64);
	if (j->user != NULL) {
		user_free(j->user);
		free(j->user);
	}
	free(j);
}

const char *
job_method(enum job_kind k)
{
	return k == JOB_PASSWORD ? "password"
	       : k == JOB_KBDINT ? "keyboard-interactive"
	                         : "publickey";
}

/* The session sends "type base64": parse it like an authorized_keys line. */
static int
pubkey_allowed(const struct sftpgo_user *u, const struct job *j)
{
	char line[17000], type[64];
	unsigned char *blob = NULL;
	size_t bloblen = 0;

	if (snprintf(line, sizeof(line), "%s %s", j->key_type, j->key_b64) >=
	    (int)sizeof(line))
		return 0;
	if (auth_pubkey_parse(line, type, sizeof(type), &blob, &bloblen) != 0)
		return 0;
	int ok = strcmp(type, j->key_type) == 0 &&
	         auth_pubkey_allowed(&u->public_keys, type, blob, bloblen) == 1;
	free(blob);
	return ok;
}

/* Credentials first, then the account checks (status, expiry, IP, methods). */
static void
run_auth(struct provider *p, struct job *j)
{
	struct sftpgo_user *u = calloc(1, sizeof(*u));
	char err[256] = "";

	if (u == NULL) {
		snprintf(j->error, sizeof(j->error), "out of memory");
		return;
	}
	user_init(u);
	if (j->ext_out != NULL && extauth_apply(p, pool_cfg, j) != 0)
		goto fail;
	if (j->prelogin == 2 && prelogin_apply(p, j) != 0)
		goto fail;
	int rc = provider_user_by_name(p, j->username, u, err, sizeof(err));
	if (rc != 0) {
		if (j->kind == JOB_PASSWORD)
			auth_password_dummy_verify(j->password);
		if (rc == PROVIDER_NOT_FOUND)
			snprintf(j->error, sizeof(j->error), "user not found");
		else {
			j->provider_failed = 1;
			snprintf(j->error, sizeof(j->error), "provider error: %s", err);
			/* the login is refused; the operator must see why */
			log_error("login of \"%s\" refused: data provider error: %s",
			          j->username, err);
		}
		goto fail;
	}
	j->user_found = 1;
	if (j->prelogin == 1) {
		/* the lookup only: the pre-login program runs next (monitor/hooks.c) */
		json_t *o = user_to_json(u, 1);
		j->pre_user =
		    o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(o);
		if (j->pre_user == NULL) {
			snprintf(j->error, sizeof(j->error), "out of memory");
			goto fail;
		}
		j->ok = 1;
		goto fail; /* frees u: the program gets the JSON */
	}
	if (j->kind == JOB_KBDINT) {
		/* the lookup only: the external program asks the questions next */
		j->ok = 1;
		j->user = u;
		return;
	}
	if (j->kind == JOB_PASSWORD) {
		if (u->password == NULL || u->password[0] == '\0' ||
		    auth_password_verify(u->password, j->password) != 1) {
			snprintf(j->error, sizeof(j->error), "invalid credentials");
			goto fail;
		}
	} else if (!pubkey_allowed(u, j)) {
		snprintf(j->error, sizeof(j->error), "the public key is not allowed");
		goto fail;
	}
	j->creds_ok = 1;
	if (j->kind != JOB_PUBKEY_QUERY &&
	    account_can_login(u, j->client_ip, job_method(j->kind), epoch_ms(), err,
	                      sizeof(err)) != 0) {
		snprintf(j->error, sizeof(j->error), "%s", err);
		goto fail;
	}
	j->ok = 1;
	j->user = u;
	return;
fail:
	user_free(u);
	free(u);
}

/*
 * A thread whose provider could not be opened (a database server down when the
 * server started) tries again at each job, so logins work once it is back. A handle
 * that is open reconnects by itself (provider/postgresql.c, mysql.c).
 */
static struct provider *
reopen(struct provider **pp, char *why, size_t whylen)
{
	if (*pp == NULL && provider_open(pool_cfg, pp, why, whylen) != 0)
		*pp = NULL;
	return *pp;
}

static void
run_job(struct provider **pp, struct job *j)
{
	char why[200];
	struct provider *p = reopen(pp, why, sizeof(why));

	if (j->run != NULL) {
		if (p == NULL)
			snprintf(j->error, sizeof(j->error),
			         "data provider unavailable: %s", why);
		j->run(p, j);
		return;
	}
	if (p == NULL) {
		snprintf(j->error, sizeof(j->error), "data provider unavailable: %s",
		         why);
		j->provider_failed = 1;
		if (j->kind != JOB_QUOTA && j->kind != JOB_LAST_LOGIN)
			log_error("login of \"%s\" refused: %s", j->username, j->error);
		return;
	}
	if (j->kind == JOB_LAST_LOGIN) {
		char err[256];
		if (provider_update_last_login(p, j->username, err, sizeof(err)) != 0)
			snprintf(j->error, sizeof(j->error), "%s", err);
		else
			j->ok = 1;
		return;
	}
	if (j->kind == JOB_RELOAD) {
		j->ok = provider_reload(p, j->error, sizeof(j->error)) == 0;
		return;
	}
	if (j->kind == JOB_QUOTA) {
		char err[256];
		if (provider_update_quota(p, j->username, j->q_files, j->q_size, 0, err,
		                          sizeof(err)) != 0)
			snprintf(j->error, sizeof(j->error), "%s", err);
		else
			j->ok = 1;
		return;
	}
	run_auth(p, j);
}

/* With mu held. */
static int
admin_ready(void)
{
	return admin_head != NULL && admin_running < admin_max;
}

/* With mu held and a job ready: the first login-side job, else an API job. */
static struct job *
take_job(void)
{
	struct job *j;

	if (queue_head != NULL) {
		j = queue_head;
		queue_head = j->next;
		if (queue_head == NULL)
			queue_tail = NULL;
		return j;
	}
	j = admin_head;
	admin_head = j->next;
	if (admin_head == NULL)
		admin_tail = NULL;
	admin_running++;
	return j;
}

/* An API job at ADMIN_NICE (Linux: per thread; the monitor is root, so the
 * thread's priority comes back after). */
static void
run_admin_job(struct provider **p, struct job *j)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	int lowered = setpriority(PRIO_PROCESS, (id_t)tid, ADMIN_NICE) == 0;

	run_job(p, j);
	if (lowered && setpriority(PRIO_PROCESS, (id_t)tid, 0) != 0)
		log_warn("provider thread: cannot restore its priority: %s",
		         strerror(errno));
	pthread_mutex_lock(&mu);
	admin_running--;
	if (admin_ready())
		pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}

static void *
worker_thread(void *arg)
{
	struct provider *p = arg; /* the start-up handle (thread 0), or opened here */
	char err[256];

	if (p == NULL && provider_open(pool_cfg, &p, err, sizeof(err)) != 0) {
		log_error("provider thread: %s", err);
		p = NULL;
	}
	for (;;) {
		pthread_mutex_lock(&mu);
		while (queue_head == NULL && !admin_ready() && !stopping)
			pthread_cond_wait(&cv, &mu);
		/* at exit the queue is drained: quota batches must reach the provider */
		if (stopping && queue_head == NULL && !admin_ready()) {
			pthread_mutex_unlock(&mu);
			break;
		}
		struct job *j = take_job();
		pthread_mutex_unlock(&mu);

		if (j->admin != NULL)
			run_admin_job(&p, j);
		else
			run_job(&p, j);
		/* a pre-login run comes back for the verification: keep it till then */
		if (j->password != NULL && j->prelogin != 1) {
			explicit_bzero(j->password, strlen(j->password));
			free(j->password);
			j->password = NULL;
		}
		ssize_t w;
		do
			w = write(result_w, &j, sizeof(j));
		while (w < 0 && errno == EINTR);
		if (w != (ssize_t)sizeof(j))
			job_free(j);
	}
	if (p != NULL)
		provider_close(p);
	return NULL;
}

int
authpool_start(const struct sftpgo_config *cfg, int n, struct provider **first, char *err,
               size_t errlen)
{
	int pfd[2];

	if (n < 1)
		n = 1;
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	io_set_nonblock(pfd[0]);
	result_w = pfd[1];
	pool_cfg = cfg;
	admin_max = n > 1 ? n - 1 : 1; /* a thread always left for logins */
	for (int i = 0; i < n; i++) {
		void *arg = i == 0 && first != NULL ? *first : NULL;
		if (pthread_create(&threads[i], NULL, worker_thread, arg) != 0) {
			snprintf(err, errlen, "cannot start provider threads");
			authpool_stop();
			close(pfd[0]);
			return -1;
		}
		nthreads++;
		if (arg != NULL)
			*first = NULL; /* the thread owns it now */
	}
	return pfd[0];
}

void
authpool_submit(struct job *j)
{
	struct job **head = j->admin != NULL ? &admin_head : &queue_head;
	struct job **tail = j->admin != NULL ? &admin_tail : &queue_tail;

	j->next = NULL;
	pthread_mutex_lock(&mu);
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}

void
authpool_stop(void)
{
	pthread_mutex_lock(&mu);
	stopping = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	nthreads = 0;
	while (queue_head != NULL) {
		struct job *j = queue_head;
		queue_head = j->next;
		job_free(j);
	}
	queue_tail = NULL;
	while (admin_head != NULL) {
		struct job *j = admin_head;
		admin_head = j->next;
		job_free(j);
	}
	admin_tail = NULL;
	admin_running = 0;
	if (result_w >= 0)
		close(result_w);
	result_w = -1;
}
