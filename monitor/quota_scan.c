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

#include "account/cloud.h"
#include "common/rpc.h"
#include "monitor/folders.h"
#include "monitor/internal.h"
#include "worker/proto.h"

#define SCAN_EVENT_MAX (64u * 1024u)

/* uid/gid: the ids to scan as, -1 = keep (not root). */
static char *
scan_settings(const struct sftpgo_user *u, long long uid, long long gid, json_t *folders,
              char *err, size_t errlen)
{
	struct wp_settings ws = {0};

	wp_set_str(&ws, WPK_USERNAME, u->username);
	wp_set_str(&ws, WPK_PROTOCOL, "SSH");
	wp_set_str(&ws, WPK_HOME_DIR, u->home_dir);
	wp_set_int(&ws, WPK_CHROOT, geteuid() == 0);
	wp_set_int(&ws, WPK_UID, uid);
	wp_set_int(&ws, WPK_GID, gid);
	if (json_array_size(folders) > 0)
		wp_set_folders(&ws, folders);
	wp_set_int(&ws, WPK_QUOTA_SCAN, 1);
	char secret[CLOUD_SECRET_MAX + 1], *creds = NULL;
	if (monitor_cloud_settings(&ws, u, secret, sizeof(secret), &creds, err, errlen) !=
	    0) {
		monitor_cloud_wipe(secret, sizeof(secret), creds);
		return NULL;
	}
	json_t *o = wp_settings_encode(&ws, err, errlen);
	monitor_cloud_wipe(secret, sizeof(secret), creds);
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

/* The ids the scan runs as: u's own, or the service account for a 0. */
static int
scan_ids(const struct sftpgo_user *u, const struct uid0_map *uid0, long long *uid,
         long long *gid, char *err, size_t errlen)
{
	*uid = *gid = -1;
	if (geteuid() != 0)
		return 0;
	uid0_map_ids(uid0, u->uid, u->gid, uid, gid);
	if (*uid <= 0 || *gid <= 0) {
		snprintf(err, errlen, "the user maps to uid or gid 0 and %s; not scanned",
		         uid0->unusable[0] != '\0' ? uid0->unusable
		                                   : "no service account is set");
		return -1;
	}
	return 0;
}

/* Starts the worker, sends its settings and the folders' fds, reads its events. */
static int
scan_run(const char *libexec_dir, const char *prog, const char *js,
         const struct mfolders *mf, int64_t *files, int64_t *size, char *err,
         size_t errlen)
{
	char *const argv[] = {(char *)prog, "--monitor-fd", "3", NULL};
	int ctl[2], status = 0, done = 0;
	char *body;
	size_t len;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) != 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	pid_t pid = spawn_libexec(libexec_dir, prog, argv, -1, ctl[1]);
	close(ctl[1]);
	if (pid < 0) {
		snprintf(err, errlen, "cannot run %s/%s", libexec_dir, prog);
	} else if (frame_write(ctl[0], js, strlen(js)) == 0 &&
	           mfolders_send(ctl[0], mf) == 0) {
		while ((body = frame_read(ctl[0], SCAN_EVENT_MAX, &len)) != NULL) {
			scan_event(body, len, &done, files, size, err, errlen);
			free(body);
		}
	}
	close(ctl[0]);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	return done && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int
quota_scan_user(const struct sftpgo_user *u, const char *libexec_dir,
                const struct uid0_map *uid0, int64_t *files, int64_t *size, char *err,
                size_t errlen)
{
	struct mfolders mf;
	long long uid, gid;
	char *js;
	int rc;

	snprintf(err, errlen, "the scanning worker failed");
	if (scan_ids(u, uid0, &uid, &gid, err, errlen) != 0)
		return -1;
	/* Opened as root, as for a channel's worker: missing ones are warned, skipped. */
	if (mfolders_open(u, "quota scan", "not counted by the quota scan", &mf) != 0) {
		snprintf(err, errlen, "cannot open the virtual folders");
		return -1;
	}
	if ((js = scan_settings(u, uid, gid, mf.settings, err, errlen)) == NULL) {
		mfolders_close(&mf);
		return -1;
	}
	rc = scan_run(libexec_dir, monitor_worker_program(u), js, &mf, files, size, err,
	              errlen);
	mfolders_close(&mf);
	free(js);
	return rc;
}
