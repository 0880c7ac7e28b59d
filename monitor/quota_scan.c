/* SPDX-License-Identifier: BSD-2-Clause */
/* A quota scan by a worker running as the user inside its home (monitor/monitor.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/rpc.h"
#include "monitor/internal.h"
#include "worker/proto.h"

#define SCAN_EVENT_MAX (64u * 1024u)

static char *
scan_settings(const struct sftpgo_user *u, char *err, size_t errlen)
{
	int root = geteuid() == 0;
	struct wp_settings ws = {0};

	wp_set_str(&ws, WPK_USERNAME, u->username);
	wp_set_str(&ws, WPK_PROTOCOL, "SSH");
	wp_set_str(&ws, WPK_HOME_DIR, u->home_dir);
	wp_set_int(&ws, WPK_CHROOT, root);
	wp_set_int(&ws, WPK_UID, root ? u->uid : -1);
	wp_set_int(&ws, WPK_GID, root ? u->gid : -1);
	wp_set_int(&ws, WPK_QUOTA_SCAN, 1);
	json_t *o = wp_settings_encode(&ws, err, errlen);
	char *js = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return js;
}

/* One event of the scanning worker: its result, or an error it logged. */
static void
scan_event(const char *body, size_t len, int *done, int64_t *files, int64_t *size,
           char *err, size_t errlen)
{
	struct wp_event e;
	char derr[128];

	if (wp_event_decode(&e, body, len, derr, sizeof(derr)) == WP_EV_OK) {
		if (e.kind == WPE_QUOTA_SCAN && e.n[WPF_OK]) {
			*files = e.n[WPF_FILES];
			*size = e.n[WPF_SIZE];
			*done = 1;
		} else if (e.kind == WPE_QUOTA_SCAN) {
			snprintf(err, errlen, "%s", e.s[WPF_ERROR]);
		} else if (e.kind == WPE_LOG && strcmp(e.s[WPF_LEVEL], "error") == 0) {
			snprintf(err, errlen, "%s", e.s[WPF_MESSAGE]);
		}
	}
	wp_event_free(&e);
}

int
quota_scan_user(const struct sftpgo_user *u, const char *libexec_dir, int64_t *files,
                int64_t *size, char *err, size_t errlen)
{
	char *const argv[] = {"sftpgo-worker", "--monitor-fd", "3", NULL};
	int ctl[2], status = 0, done = 0;
	char *js, *body;
	size_t len;

	snprintf(err, errlen, "the scanning worker failed");
	if (geteuid() == 0 && (u->uid <= 0 || u->gid <= 0)) {
		snprintf(err, errlen,
		         "the user maps to uid or gid 0 (root): not scanned");
		return -1;
	}
	if ((js = scan_settings(u, err, errlen)) == NULL)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) != 0) {
		free(js);
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	pid_t pid = spawn_libexec(libexec_dir, "sftpgo-worker", argv, -1, ctl[1]);
	close(ctl[1]);
	if (pid < 0) {
		snprintf(err, errlen, "cannot run %s/sftpgo-worker", libexec_dir);
	} else if (frame_write(ctl[0], js, strlen(js)) == 0) {
		while ((body = frame_read(ctl[0], SCAN_EVENT_MAX, &len)) != NULL) {
			scan_event(body, len, &done, files, size, err, errlen);
			free(body);
		}
	}
	close(ctl[0]);
	free(js);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	return done && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}
