/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Avahi client for portable mode. The client runs on an AvahiThreadedPoll, so the
 * monitor's event loop in the main thread knows nothing of it; the thread is
 * started with every signal blocked so that SIGTERM and SIGCHLD keep reaching the
 * monitor. Registration is confirmed (or refused) before mdns_advertise returns,
 * so the console can say whether the service is visible.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/error.h>
#include <avahi-common/strlst.h>
#include <avahi-common/thread-watch.h>

#include "cli/mdns.h"

#define SERVICE_TYPE "_sftp-ssh._tcp"

struct mdns {
	AvahiThreadedPoll *poll;
	AvahiClient *client;
	AvahiEntryGroup *group;
	AvahiStringList *txt;
	char name[64];
	int port;
	int state; /* 0 pending, 1 established, -1 failed */
	int error;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void
settle(struct mdns *m, int state, int error)
{
	pthread_mutex_lock(&m->mu);
	if (m->state == 0) {
		m->state = state;
		m->error = error;
		pthread_cond_broadcast(&m->cv);
	}
	pthread_mutex_unlock(&m->mu);
}

static void
group_cb(AvahiEntryGroup *g, AvahiEntryGroupState state, void *arg)
{
	struct mdns *m = arg;

	if (state == AVAHI_ENTRY_GROUP_ESTABLISHED)
		settle(m, 1, 0);
	else if (state == AVAHI_ENTRY_GROUP_COLLISION ||
	         state == AVAHI_ENTRY_GROUP_FAILURE)
		settle(m, -1, avahi_client_errno(avahi_entry_group_get_client(g)));
}

static void
publish(struct mdns *m, AvahiClient *c)
{
	int rc;

	if (m->group == NULL &&
	    (m->group = avahi_entry_group_new(c, group_cb, m)) == NULL) {
		settle(m, -1, avahi_client_errno(c));
		return;
	}
	rc = avahi_entry_group_add_service_strlst(
	    m->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0, m->name, SERVICE_TYPE, NULL,
	    NULL, (uint16_t)m->port, m->txt);
	if (rc >= 0)
		rc = avahi_entry_group_commit(m->group);
	if (rc < 0)
		settle(m, -1, rc);
}

static void
client_cb(AvahiClient *c, AvahiClientState state, void *arg)
{
	struct mdns *m = arg;

	if (state == AVAHI_CLIENT_S_RUNNING)
		publish(m, c);
	else if (state == AVAHI_CLIENT_FAILURE)
		settle(m, -1, avahi_client_errno(c));
}

static void
free_mdns(struct mdns *m)
{
	if (m->poll != NULL)
		avahi_threaded_poll_stop(m->poll);
	if (m->client != NULL)
		avahi_client_free(m->client); /* frees the group too */
	if (m->poll != NULL)
		avahi_threaded_poll_free(m->poll);
	avahi_string_list_free(m->txt);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

/* Waits at most 5 s for the daemon to confirm or refuse the service. */
static int
wait_settled(struct mdns *m)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&m->mu);
	while (m->state == 0)
		if (pthread_cond_timedwait(&m->cv, &m->mu, &until) != 0)
			break;
	int state = m->state;
	pthread_mutex_unlock(&m->mu);
	return state;
}

struct mdns *
mdns_advertise(int port, const char *version, const char *user, const char *password,
               char *err, size_t errlen)
{
	struct mdns *m = calloc(1, sizeof(*m));
	sigset_t all, old;
	int error = 0;

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	m->port = port;
	snprintf(m->name, sizeof(m->name), "SFTPGo portable %d", port);
	m->txt = avahi_string_list_add_pair(NULL, "version", version);
	if (user != NULL)
		m->txt = avahi_string_list_add_pair(m->txt, "user", user);
	if (user != NULL && password != NULL)
		m->txt = avahi_string_list_add_pair(m->txt, "password", password);
	if ((m->poll = avahi_threaded_poll_new()) == NULL) {
		snprintf(err, errlen, "cannot create the Avahi poll");
		free_mdns(m);
		return NULL;
	}
	/* No-fail flag unset: without a daemon the client fails at once. */
	m->client =
	    avahi_client_new(avahi_threaded_poll_get(m->poll), 0, client_cb, m, &error);
	if (m->client == NULL) {
		snprintf(err, errlen, "no Avahi daemon to talk to (%s)",
		         avahi_strerror(error));
		free_mdns(m);
		return NULL;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = avahi_threaded_poll_start(m->poll);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start the Avahi thread");
		free_mdns(m);
		return NULL;
	}
	int state = wait_settled(m);
	if (state != 1) {
		snprintf(err, errlen,
		         "the Avahi daemon did not register the service (%s)",
		         state == 0 ? "no answer in 5 s" : avahi_strerror(m->error));
		free_mdns(m);
		return NULL;
	}
	return m;
}

void
mdns_stop(struct mdns *m)
{
	if (m != NULL)
		free_mdns(m);
}
