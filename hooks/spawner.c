/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The spawner: one thread at the notification programs' nice value that runs
 * posix_spawn for them. posix_spawn's vfork child runs at its caller's priority
 * until its exec is done, and its caller waits for it meanwhile: called from the
 * event loop, that was 1.5-3 ms of CPU at the server's priority per action (a
 * third of an action's cost on this VM), and the loop stood still for it. From
 * this thread the loop goes on, and the exec is at nice 19 like the program.
 * Jobs come in on a list under a mutex; each one goes back to the loop through a
 * pipe, where its done() runs. Nothing else here touches the caller's state.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "hooks/internal.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct hooks_lowjob *head, *tail;
static int started, stopping;
static pthread_t thread;
static struct hooks_results res = HOOKS_RESULTS_INIT;

static void *
spawner_thread(void *arg)
{
	(void)arg;
	/* per thread on Linux: its vfork children and their programs inherit it */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), HOOK_NOTIFY_NICE) != 0)
		log_debug("hooks: spawner: cannot lower its priority: %s",
		          strerror(errno));
	for (;;) {
		pthread_mutex_lock(&mu);
		while (head == NULL && !stopping)
			pthread_cond_wait(&cv, &mu);
		struct hooks_lowjob *j = head;
		if (j == NULL) {
			pthread_mutex_unlock(&mu);
			return NULL;
		}
		head = j->next;
		if (head == NULL)
			tail = NULL;
		pthread_mutex_unlock(&mu);
		j->run(j);
		hooks_results_post(&res, j, "a spawn");
	}
}

static void
on_result(evutil_socket_t fd, short what, void *arg)
{
	struct hooks_lowjob *j;
	(void)what;
	(void)arg;

	while (read(fd, &j, sizeof(j)) == (ssize_t)sizeof(j))
		j->done(j);
}

static int
start_thread(void)
{
	if (hooks_results_open(&res, on_result) != 0)
		return -1;
	if (pthread_create(&thread, NULL, spawner_thread, NULL) != 0) {
		hooks_results_close(&res, NULL);
		return -1;
	}
	started = 1;
	return 0;
}

int
hooks_spawner_submit(struct hooks_lowjob *j)
{
	if (!started && (stopping || start_thread() != 0))
		return -1;
	j->next = NULL;
	pthread_mutex_lock(&mu);
	if (tail != NULL)
		tail->next = j;
	else
		head = j;
	tail = j;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	return 0;
}

void
hooks_spawner_shutdown(void)
{
	pthread_mutex_lock(&mu);
	stopping = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	if (started)
		pthread_join(thread, NULL); /* it empties the list first */
	started = 0;
	hooks_results_close(&res, on_result);
	stopping = 0; /* a later hooks_init starts it again */
}
