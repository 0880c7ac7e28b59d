/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * HTTP notifications: a few threads with libcurl's easy interface (blocking, with
 * timeouts) beside the loop; each result goes back to the loop as a pointer
 * written to a pipe, where its done callback runs. Redirects are not followed,
 * TLS peers are verified, only http and https are spoken, a response body beyond
 * HOOK_HTTP_BODY_MAX ends the transfer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/clock.h"
#include "common/io.h"
#include "common/log.h"
#include "hooks/internal.h"

#define HTTP_THREADS 4

struct hreq {
	struct hreq *next;
	enum hook_class cls;
	char *url, *body;
	int timeout_s;
	hook_done_fn done;
	void *arg;
	size_t got;
	struct hook_result r;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct hreq *head, *tail;
static int n_queued[HOOK_CLASSES], in_flight, stopping;
/* At shutdown what is queued still goes out until then (monotonic ms), no later. */
static int64_t drain_until;
#define DRAIN_MS 5000

static int
past_drain(void)
{
	return __atomic_load_n(&stopping, __ATOMIC_RELAXED) &&
	       monotonic_ms() > __atomic_load_n(&drain_until, __ATOMIC_RELAXED);
}
static const int queue_max[HOOK_CLASSES] = {HOOK_NOTIFY_QUEUE_MAX, 64};
static pthread_t threads[HTTP_THREADS];
static int nthreads;
static struct hooks_results res = HOOKS_RESULTS_INIT;
/* SSL_CERT_FILE and SSL_CERT_DIR of the server's environment, read at start: as
 * in SFTPGo (Go's crypto/x509 on Linux), each replaces its part of the system
 * store (libcurl's bundle file, its certificate directory). NULL: the system's. */
static char *ca_file, *ca_dir;

static char *
env_path(const char *name)
{
	const char *v = getenv(name);
	return v != NULL && v[0] != '\0' ? strdup(v) : NULL;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct hreq *q = arg;
	(void)data;

	q->got += size * n;
	return q->got > HOOK_HTTP_BODY_MAX ? 0 : size * n; /* 0 ends the transfer */
}

/* A transfer in flight ends when the server stops (else shutdown waits for it). */
static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)arg;
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return past_drain();
}

static void
perform(struct hreq *q)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = NULL;
	int64_t t0 = monotonic_ms();

	q->r.started = 1;
	if (c == NULL) {
		snprintf(q->r.err, sizeof(q->r.err), "cannot start an HTTP client");
		return;
	}
	curl_easy_setopt(c, CURLOPT_URL, q->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)q->timeout_s);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)q->timeout_s);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
	if (ca_dir != NULL)
		curl_easy_setopt(c, CURLOPT_CAPATH, ca_dir);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "Go-http-client/1.1");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	if (q->body != NULL) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(q->body));
	}
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &q->r.http_code);
	if (rc == CURLE_WRITE_ERROR && q->got > HOOK_HTTP_BODY_MAX)
		snprintf(q->r.err, sizeof(q->r.err), "response body larger than %d bytes",
		         HOOK_HTTP_BODY_MAX);
	else if (rc != CURLE_OK)
		snprintf(q->r.err, sizeof(q->r.err), "%s", curl_easy_strerror(rc));
	else if (q->r.http_code < 200 || q->r.http_code > 299)
		snprintf(q->r.err, sizeof(q->r.err), "unexpected status %ld%s",
		         q->r.http_code,
		         q->r.http_code >= 300 && q->r.http_code < 400
		             ? " (redirects are not followed)"
		             : "");
	q->r.elapsed_ms = monotonic_ms() - t0;
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
}

static void *
http_thread(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&mu);
		while (head == NULL && !stopping)
			pthread_cond_wait(&cv, &mu);
		if (head == NULL) {
			pthread_mutex_unlock(&mu);
			return NULL;
		}
		struct hreq *q = head;
		head = q->next;
		if (head == NULL)
			tail = NULL;
		n_queued[q->cls]--;
		in_flight++;
		pthread_mutex_unlock(&mu);
		if (!past_drain())
			perform(q);
		else
			snprintf(q->r.err, sizeof(q->r.err), "server shutting down");
		hooks_results_post(&res, q, "an HTTP");
	}
}

static void
hreq_free(struct hreq *q)
{
	free(q->url);
	free(q->body);
	free(q);
}

static void
deliver(struct hreq *q)
{
	pthread_mutex_lock(&mu);
	in_flight--;
	pthread_mutex_unlock(&mu);
	q->done(&q->r, q->arg);
	hreq_free(q);
}

static void
on_result(evutil_socket_t fd, short what, void *arg)
{
	struct hreq *q;
	(void)what;
	(void)arg;

	while (read(fd, &q, sizeof(q)) == (ssize_t)sizeof(q))
		deliver(q);
}

int
hooks_http_start(char *err, size_t errlen)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return -1;
	}
	if (hooks_results_open(&res, on_result) != 0) {
		snprintf(err, errlen, "cannot watch the HTTP results: %s",
		         strerror(errno));
		return -1;
	}
	free(ca_file);
	free(ca_dir);
	ca_file = env_path("SSL_CERT_FILE");
	ca_dir = env_path("SSL_CERT_DIR");
	stopping = 0;
	for (int i = 0; i < HTTP_THREADS; i++) {
		if (pthread_create(&threads[i], NULL, http_thread, NULL) != 0) {
			snprintf(err, errlen, "cannot start the HTTP threads");
			return -1;
		}
		nthreads++;
	}
	return 0;
}

int
hooks_http(enum hook_class c, const char *url, const char *body, int timeout_s,
           hook_done_fn done, void *arg)
{
	struct hreq *q = calloc(1, sizeof(*q));

	if (q == NULL || (q->url = strdup(url)) == NULL ||
	    (body != NULL && (q->body = strdup(body)) == NULL)) {
		if (q != NULL)
			hreq_free(q);
		return -1;
	}
	q->cls = c;
	q->timeout_s = timeout_s;
	q->done = done;
	q->arg = arg;
	pthread_mutex_lock(&mu);
	if (nthreads == 0 || n_queued[c] >= queue_max[c]) {
		int queued = n_queued[c];
		pthread_mutex_unlock(&mu);
		if (c == HOOK_NOTIFY)
			log_warn("HTTP notification to %s dropped: %d queued already",
			         url, queued);
		hreq_free(q);
		return -1;
	}
	if (tail)
		tail->next = q;
	else
		head = q;
	tail = q;
	n_queued[c]++;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	return 0;
}

int
hooks_http_idle(void)
{
	pthread_mutex_lock(&mu);
	int idle = head == NULL && in_flight == 0;
	pthread_mutex_unlock(&mu);
	return idle;
}

/* Lets the threads send what is queued for DRAIN_MS more, then drops the rest and
 * ends the transfers in flight. */
void
hooks_http_shutdown(void)
{
	pthread_mutex_lock(&mu);
	__atomic_store_n(&drain_until, monotonic_ms() + DRAIN_MS, __ATOMIC_RELAXED);
	__atomic_store_n(&stopping, 1, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	nthreads = 0;
	hooks_results_close(&res, on_result);
	free(ca_file);
	free(ca_dir);
	ca_file = ca_dir = NULL;
	curl_global_cleanup();
}
