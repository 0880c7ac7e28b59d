/* SPDX-License-Identifier: BSD-2-Clause */
/* Settings object -> engine configuration (worker/settings.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/proto.h"
#include "worker/settings.h"

static int
set_string(char **dst, const char *s)
{
	char *copy = strdup(s);

	if (copy == NULL)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

/* The protocol checked the shape; the names are the engine's (sftp/perms.h). */
static int
apply_permissions(struct sftp_settings *st, json_t *obj, char *err, size_t errlen)
{
	const char *dir;
	json_t *list, *p;
	struct perm_table t = {0};
	size_t i;

	json_object_foreach(obj, dir, list)
	{
		unsigned mask = 0, bit = 1;
		json_array_foreach(list, i, p)
		{
			if ((bit = perm_from_name(json_string_value(p))) == 0)
				break;
			mask |= bit;
		}
		if (bit == 0 || perm_table_set(&t, dir, mask) != 0) {
			snprintf(err, errlen, "permissions: bad entry for \"%.200s\"",
			         dir);
			perm_table_free(&t);
			return -1;
		}
	}
	perm_table_free(&st->perms);
	st->perms = t;
	return 0;
}

static int
get_strings(json_t *arr, struct strlist *out)
{
	size_t i;
	json_t *p;

	json_array_foreach(arr, i, p)
	{
		if (strlist_add(out, json_string_value(p)) != 0)
			return -1;
	}
	return 0;
}

/* The protocol checked the shape; the engine table refuses a directory given twice. */
static int
apply_file_extensions(struct sftp_settings *st, json_t *arr, char *err, size_t errlen)
{
	struct ext_filters t = {0};
	size_t i;
	json_t *f;

	json_array_foreach(arr, i, f)
	{
		struct strlist allowed = {0}, denied = {0};
		const char *dir = json_string_value(json_object_get(f, "path"));
		int rc = get_strings(json_object_get(f, "allowed_extensions"), &allowed) |
		         get_strings(json_object_get(f, "denied_extensions"), &denied);
		if (rc == 0)
			rc = ext_filters_add(&t, dir, &allowed, &denied);
		strlist_free(&allowed);
		strlist_free(&denied);
		if (rc != 0) {
			snprintf(err, errlen, "file_extensions: bad entry for \"%.200s\"",
			         dir);
			ext_filters_free(&t);
			return -1;
		}
	}
	ext_filters_free(&st->file_extensions);
	st->file_extensions = t;
	return 0;
}

/* Folders wait for their fds (SFTP_FOLDER_FD_PENDING) unless the monitor found
 * mapped_path missing (-1: nothing is served there). */
static int
apply_folders(struct sftp_settings *st, json_t *list, char *err, size_t errlen)
{
	size_t i, n = json_array_size(list);
	json_t *f;

	if (n == 0)
		return 0;
	if ((st->folders = calloc(n, sizeof(*st->folders))) == NULL) {
		snprintf(err, errlen, "settings: out of memory");
		return -1;
	}
	json_array_foreach(list, i, f)
	{
		struct sftp_folder *sf = &st->folders[st->n_folders];
		sf->fd = json_is_true(json_object_get(f, "missing"))
		             ? -1
		             : SFTP_FOLDER_FD_PENDING;
		sf->vpath = strdup(json_string_value(json_object_get(f, "virtual_path")));
		if (sf->vpath == NULL) {
			snprintf(err, errlen, "settings: out of memory");
			return -1;
		}
		st->n_folders++;
	}
	return 0;
}

static char **
string_field(struct sftp_settings *st, enum wp_key k)
{
	switch (k) {
	case WPK_USERNAME:
		return &st->username;
	case WPK_CONNECTION_ID:
		return &st->connection_id;
	case WPK_PROTOCOL:
		return &st->protocol;
	case WPK_CLIENT_IP:
		return &st->client_ip;
	case WPK_HOME_DIR:
		return &st->home_dir;
	case WPK_START_DIR:
		return &st->start_dir;
	case WPK_COMMAND:
		return &st->command;
	case WPK_S3_BUCKET:
		return &st->s3.bucket;
	case WPK_S3_REGION:
		return &st->s3.region;
	case WPK_S3_ACCESS_KEY:
		return &st->s3.access_key;
	case WPK_S3_ACCESS_SECRET:
		return &st->s3.access_secret;
	case WPK_S3_ENDPOINT:
		return &st->s3.endpoint;
	case WPK_S3_STORAGE_CLASS:
		return &st->s3.storage_class;
	case WPK_S3_KEY_PREFIX:
		return &st->s3.key_prefix;
	case WPK_GCS_BUCKET:
		return &st->gcs.bucket;
	case WPK_GCS_STORAGE_CLASS:
		return &st->gcs.storage_class;
	case WPK_GCS_KEY_PREFIX:
		return &st->gcs.key_prefix;
	case WPK_GCS_ENDPOINT:
		return &st->gcs.endpoint;
	case WPK_GCS_CREDENTIALS:
		return &st->gcs.credentials;
	case WPK_GCS_METADATA_HOST:
		return &st->gcs.metadata_host;
	default:
		return NULL;
	}
}

static void
apply_number(struct sftp_settings *st, enum wp_key k, long long n)
{
	switch (k) {
	case WPK_CHROOT:
		st->chroot = (int)n;
		break;
	case WPK_READ_ONLY:
		st->read_only = (int)n;
		break;
	case WPK_UID:
		st->uid = n;
		break;
	case WPK_GID:
		st->gid = n;
		break;
	case WPK_UMASK:
		st->umask = (mode_t)n;
		st->umask_set = 1;
		break;
	case WPK_SETSTAT_MODE:
		st->setstat_mode = (int)n;
		break;
	case WPK_UPLOAD_MODE:
		st->upload_mode = (int)n;
		break;
	case WPK_MAX_HANDLES:
		st->max_handles = (uint32_t)n;
		break;
	case WPK_MAX_PACKET:
		st->max_packet = (uint32_t)n;
		break;
	case WPK_UPLOAD_BANDWIDTH:
		st->upload_bandwidth = (uint32_t)n;
		break;
	case WPK_DOWNLOAD_BANDWIDTH:
		st->download_bandwidth = (uint32_t)n;
		break;
	case WPK_TRACK_QUOTA:
		st->track_quota = (int)n;
		break;
	case WPK_QUOTA_SIZE:
		st->quota_size = n;
		break;
	case WPK_QUOTA_FILES:
		st->quota_files = n;
		break;
	case WPK_QUOTA_SCAN:
		st->quota_scan = (int)n;
		break;
	case WPK_FS_PROVIDER:
		st->fs_provider = (int)n;
		break;
	case WPK_S3_UPLOAD_PART_SIZE:
		st->s3.part_size_mb = (int)n;
		break;
	case WPK_S3_UPLOAD_CONCURRENCY:
		st->s3.concurrency = (int)n;
		break;
	default:
		break;
	}
}

int
worker_settings_parse(struct sftp_settings *st, const char *json, size_t len, char *err,
                      size_t errlen)
{
	struct wp_settings ws;
	int rc = wp_settings_decode(&ws, json, len, err, errlen);

	for (unsigned k = 0; rc == 0 && k < WPK_COUNT; k++) {
		char **dst = string_field(st, (enum wp_key)k);
		if (!wp_has(&ws, (enum wp_key)k))
			continue;
		if (k == WPK_PERMISSIONS)
			rc = apply_permissions(st, ws.perms, err, errlen);
		else if (k == WPK_FILE_EXTENSIONS)
			rc = apply_file_extensions(st, ws.file_extensions, err, errlen);
		else if (k == WPK_VIRTUAL_FOLDERS)
			rc = apply_folders(st, ws.folders, err, errlen);
		else if (dst != NULL && set_string(dst, ws.s[k]) != 0) {
			snprintf(err, errlen, "settings: out of memory");
			rc = -1;
		} else if (dst == NULL)
			apply_number(st, (enum wp_key)k, ws.n[k]);
	}
	wp_settings_free(&ws);
	return rc;
}
