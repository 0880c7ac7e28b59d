/* SPDX-License-Identifier: BSD-2-Clause */
/* The quota ops of sftpgo-worker and its scan mode (worker/quota.h). */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/rpc.h"
#include "sftp/quota.h"
#include "sftp/settings.h"
#include "worker/events.h"
#include "worker/proto.h"
#include "worker/quota.h"

#define GRANT_MAX 4096u

/* The monitor's answer to one quota_reserve: 0 granted, -1 refused or no answer. */
static int
read_grant(int fd, int64_t *granted)
{
	struct wp_event e;
	char err[128];
	size_t len;
	char *body = frame_read(fd, GRANT_MAX, &len);
	int rc = -1;

	if (body == NULL)
		return -1;
	if (wp_event_decode(&e, body, len, err, sizeof(err)) == WP_EV_OK &&
	    e.kind == WPE_QUOTA_GRANT && e.n[WPF_OK]) {
		*granted = e.n[WPF_GRANTED_SIZE];
		rc = 0;
	}
	wp_event_free(&e);
	free(body);
	return rc;
}

static int
reserve(int at_open, int need_files, int64_t need_size, int64_t want_size,
        int64_t *granted)
{
	struct wp_event e;
	int fd = wev_monitor_fd();
	char *js;

	*granted = 0;
	if (fd < 0)
		return -1;
	wp_event_init(&e, WPE_QUOTA_RESERVE);
	e.n[WPF_AT_OPEN] = at_open != 0;
	e.n[WPF_NEED_FILES] = need_files;
	e.n[WPF_NEED_SIZE] = need_size;
	e.n[WPF_WANT_SIZE] = want_size;
	if ((js = wp_event_encode(&e)) == NULL)
		return -1;
	/* the updates queued before go first: the monitor sees them in order */
	wev_flush();
	int rc = frame_write(fd, js, strlen(js)) == 0 ? read_grant(fd, granted) : -1;
	free(js);
	return rc;
}

static void
update(int64_t files_delta, int64_t size_delta, int64_t release_files,
       int64_t release_size)
{
	struct wp_event e;

	wp_event_init(&e, WPE_QUOTA_UPDATE);
	e.n[WPF_FILES_DELTA] = files_delta;
	e.n[WPF_SIZE_DELTA] = size_delta;
	e.n[WPF_RELEASE_FILES] = release_files;
	e.n[WPF_RELEASE_SIZE] = release_size;
	wev_emit(&e);
}

static const struct sftp_quota_ops worker_quota_ops = {
    .reserve = reserve,
    .update = update,
};

void
wquota_register(void)
{
	sftp_set_quota_ops(&worker_quota_ops);
}

/* nftw has no user argument: the running totals of the one scan in progress. */
static struct {
	int64_t files, size;
	int err;
	char path[256];
} scan;

static int
scan_entry(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)f;
	if (type == FTW_DNR || type == FTW_NS) {
		scan.err = type == FTW_DNR ? EACCES : errno;
		strlcpy(scan.path, path, sizeof(scan.path));
		return 1;
	}
	if (type == FTW_F && S_ISREG(st->st_mode)) {
		scan.files++;
		scan.size += (int64_t)st->st_size;
	}
	return 0;
}

int
wquota_scan(const char *dir, int64_t *files, int64_t *size, char *err, size_t errlen)
{
	memset(&scan, 0, sizeof(scan));
	int rc = nftw(dir, scan_entry, 32, FTW_PHYS);
	if (rc != 0) {
		if (rc < 0)
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		else
			snprintf(err, errlen, "%s: %s", scan.path, strerror(scan.err));
		return -1;
	}
	*files += scan.files;
	*size += scan.size;
	return 0;
}

/*
 * A folder's directory is an fd from the monitor, outside the chroot: walked from
 * it as the current directory ("."), so no path outside is ever named. Errors
 * name the virtual path. The monitor skipped (and warned about) missing ones.
 */
static int
scan_folders(const struct sftp_settings *st, int64_t *files, int64_t *size, char *err,
             size_t errlen)
{
	char ferr[400];

	for (size_t i = 0; i < st->n_folders; i++) {
		const struct sftp_folder *f = &st->folders[i];
		if (f->fd < 0)
			continue;
		if (fchdir(f->fd) != 0) {
			snprintf(err, errlen, "virtual folder %s: %s", f->vpath,
			         strerror(errno));
			return -1;
		}
		if (wquota_scan(".", files, size, ferr, sizeof(ferr)) != 0) {
			snprintf(err, errlen, "virtual folder %s: %s", f->vpath, ferr);
			return -1;
		}
	}
	return 0;
}

int
wquota_scan_report(const char *home, const struct sftp_settings *st)
{
	char err[512] = "";
	int64_t files = 0, size = 0;
	int rc = wquota_scan(home, &files, &size, err, sizeof(err));

	if (rc == 0)
		rc = scan_folders(st, &files, &size, err, sizeof(err));
	return wquota_send_scan(rc, files, size, err);
}

int
wquota_send_scan(int rc, int64_t files, int64_t size, const char *err)
{
	struct wp_event e;

	wp_event_init(&e, WPE_QUOTA_SCAN);
	e.n[WPF_OK] = rc == 0;
	e.n[WPF_FILES] = rc == 0 ? files : 0;
	e.n[WPF_SIZE] = rc == 0 ? size : 0;
	e.s[WPF_ERROR] = err;
	wev_emit(&e);
	wev_flush();
	return rc == 0 ? 0 : 1;
}
