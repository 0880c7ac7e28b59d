/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sftp/settings.h"

int
sftp_settings_init(struct sftp_settings *st)
{
	memset(st, 0, sizeof(*st));
	st->uid = -1;
	st->gid = -1;
	st->umask = 022;
	st->max_handles = SFTP_DEFAULT_MAX_HANDLES;
	st->max_packet = SFTP_DEFAULT_MAX_PACKET;
	return perm_table_set(&st->perms, "/", PERM_ALL);
}

void
sftp_settings_free(struct sftp_settings *st)
{
	free(st->username);
	free(st->connection_id);
	free(st->protocol);
	free(st->client_ip);
	free(st->home_dir);
	free(st->start_dir);
	free(st->command);
	perm_table_free(&st->perms);
	ext_filters_free(&st->file_extensions);
	for (size_t i = 0; i < st->n_folders; i++) {
		free(st->folders[i].vpath);
		if (st->folders[i].fd >= 0)
			close(st->folders[i].fd);
	}
	free(st->folders);
	if (st->s3.access_secret != NULL)
		explicit_bzero(st->s3.access_secret, strlen(st->s3.access_secret));
	free(st->s3.bucket);
	free(st->s3.region);
	free(st->s3.access_key);
	free(st->s3.access_secret);
	free(st->s3.endpoint);
	free(st->s3.storage_class);
	free(st->s3.key_prefix);
	if (st->gcs.credentials != NULL)
		explicit_bzero(st->gcs.credentials, strlen(st->gcs.credentials));
	free(st->gcs.credentials);
	free(st->gcs.bucket);
	free(st->gcs.storage_class);
	free(st->gcs.key_prefix);
	free(st->gcs.endpoint);
	free(st->gcs.metadata_host);
	memset(st, 0, sizeof(*st));
}
