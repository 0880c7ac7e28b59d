/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Cloud storage for sftpgo-worker (doc/design-notes.md "Cloud storage"): the
 * settings' S3 fields become an S3 client (s3/s3.h) behind the engine's object
 * store interface (sftp/objstore.h). key_prefix is the store's root: every key
 * is key_prefix + a clean virtual path, so no request names a key outside it.
 */
#ifndef SFTPGO_WORKER_CLOUD_H
#define SFTPGO_WORKER_CLOUD_H

#include <stddef.h>
#include <stdint.h>

struct sftp_settings;
struct sftp_objstore;
struct wcloud;

/*
 * Before the chroot (the endpoint's address and the CA bundle are read here).
 * The secret is wiped from st. NULL with err when the settings or the endpoint
 * are unusable.
 */
struct wcloud *wcloud_new(struct sftp_settings *st, char *err, size_t errlen);
const struct sftp_objstore *wcloud_store(struct wcloud *w);
/* SFTPGo's cloud scan: every object under key_prefix ("dir/" markers skipped). */
int wcloud_scan(struct wcloud *w, int64_t *files, int64_t *size, char *err,
                size_t errlen);
void wcloud_free(struct wcloud *w);

#endif
