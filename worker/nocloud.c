/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpgo-worker has no cloud storage: libcurl, libxml2 and what they load
 * (about 30 libraries, 430 page faults and 20 ms of CPU per exec on the bench
 * VM) would be mapped into every local user's worker for nothing. The monitor
 * starts sftpgo-worker-cloud (worker/cloud.c) for S3 and GCS users; a settings
 * file naming a bucket given to this program is refused here.
 */
#include "config.h"

#include <stdio.h>

#include "worker/cloud.h"

struct wcloud *
wcloud_new(struct sftp_settings *st, char *err, size_t errlen)
{
	(void)st;
	snprintf(err, errlen,
	         "the settings name cloud storage (fs_provider); this program serves "
	         "local directories only: run sftpgo-worker-cloud");
	return NULL;
}

const struct sftp_objstore *
wcloud_store(struct wcloud *w)
{
	(void)w;
	return NULL;
}

int
wcloud_scan(struct wcloud *w, int64_t *files, int64_t *size, char *err, size_t errlen)
{
	(void)w;
	*files = *size = 0;
	snprintf(err, errlen, "no cloud storage in this program");
	return -1;
}

void
wcloud_free(struct wcloud *w)
{
	(void)w;
}
