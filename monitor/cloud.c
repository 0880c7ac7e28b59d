/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A cloud user's storage in the worker settings (doc/design-notes.md "Cloud
 * storage"): the monitor is the only process that decrypts the stored $aes$
 * secret; it goes to the worker in the settings frame and nowhere else.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/cloud.h"
#include "account/user.h"
#include "common/errf.h"
#include "monitor/internal.h"
#include "worker/proto.h"

static const char *
s3_str(const json_t *s3, const char *k)
{
	const json_t *v = json_object_get(s3, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

static long long
s3_int(const json_t *s3, const char *k)
{
	const json_t *v = json_object_get(s3, k);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* The same test as monitor_cloud_settings: whoever gets cloud settings gets the
 * program that can serve them. */
const char *
monitor_worker_program(const struct sftpgo_user *u)
{
	return cloud_provider(u->filesystem) != 0 ? "sftpgo-worker-cloud"
	                                          : "sftpgo-worker";
}

char *
monitor_cloud_log_prefix(const struct sftpgo_user *u)
{
	long long p = cloud_provider(u->filesystem);
	char *out = NULL;

	if (p != 1 && p != 2)
		return NULL;
	/* SFTPGo's FS paths: "/" + key_prefix + path on S3, no "/" on GCS */
	if (asprintf(
	        &out, "%s%s", p == 1 ? "/" : "",
	        s3_str(json_object_get(u->filesystem, p == 1 ? "s3config" : "gcsconfig"),
	               "key_prefix")) < 0)
		return NULL;
	return out;
}

/*
 * GCS: the user's credentials file under credentials_path, or with automatic
 * credentials the key file named by GOOGLE_APPLICATION_CREDENTIALS in the
 * server's environment, else the metadata server (GCE_METADATA_HOST overrides
 * its address). *creds (wiped and freed by the caller) is the key's JSON.
 */
static int
gcs_settings(struct wp_settings *ws, const struct sftpgo_user *u, char **creds, char *err,
             size_t errlen)
{
	const json_t *g = json_object_get(u->filesystem, "gcsconfig");
	const char *adc = getenv("GOOGLE_APPLICATION_CREDENTIALS");
	const char *mh = getenv("GCE_METADATA_HOST");

	if (!cloud_gcs_automatic(u->filesystem)) {
		char path[4096];
		if (cloud_gcs_credentials_file(u->username, path, sizeof(path)) != 0)
			return errf(err, errlen, "GCS credentials: no credentials_path");
		if (cloud_gcs_read_credentials(path, creds, err, errlen) != 0)
			return -1;
	} else if (adc != NULL && adc[0] != '\0') {
		if (cloud_gcs_read_credentials(adc, creds, err, errlen) != 0)
			return -1;
	} else if (mh != NULL && mh[0] != '\0') {
		wp_set_str(ws, WPK_GCS_METADATA_HOST, mh);
	}
	wp_set_int(ws, WPK_FS_PROVIDER, 2);
	wp_set_str(ws, WPK_GCS_BUCKET, s3_str(g, "bucket"));
	wp_set_str(ws, WPK_GCS_STORAGE_CLASS, s3_str(g, "storage_class"));
	wp_set_str(ws, WPK_GCS_KEY_PREFIX, s3_str(g, "key_prefix"));
	wp_set_str(ws, WPK_GCS_ENDPOINT, s3_str(g, "endpoint"));
	if (*creds != NULL)
		wp_set_str(ws, WPK_GCS_CREDENTIALS, *creds);
	return 0;
}

int
monitor_cloud_settings(struct wp_settings *ws, const struct sftpgo_user *u, char *secret,
                       size_t secretsz, char **creds, char *err, size_t errlen)
{
	const json_t *s3 = json_object_get(u->filesystem, "s3config");

	secret[0] = '\0';
	*creds = NULL;
	if (cloud_provider(u->filesystem) == 0)
		return 0;
	/* what add/update refuse is refused here too (a row written elsewhere) */
	if (cloud_validate(u->filesystem, err, errlen) != 0)
		return -1;
	if (cloud_provider(u->filesystem) == 2)
		return gcs_settings(ws, u, creds, err, errlen);
	if (cloud_secret_decrypt(s3_str(s3, "access_secret"), secret, secretsz, err,
	                         errlen) != 0)
		return -1;
	wp_set_int(ws, WPK_FS_PROVIDER, 1);
	wp_set_str(ws, WPK_S3_BUCKET, s3_str(s3, "bucket"));
	wp_set_str(ws, WPK_S3_REGION, s3_str(s3, "region"));
	wp_set_str(ws, WPK_S3_ACCESS_KEY, s3_str(s3, "access_key"));
	wp_set_str(ws, WPK_S3_ACCESS_SECRET, secret);
	wp_set_str(ws, WPK_S3_ENDPOINT, s3_str(s3, "endpoint"));
	wp_set_str(ws, WPK_S3_STORAGE_CLASS, s3_str(s3, "storage_class"));
	wp_set_str(ws, WPK_S3_KEY_PREFIX, s3_str(s3, "key_prefix"));
	wp_set_int(ws, WPK_S3_UPLOAD_PART_SIZE, s3_int(s3, "upload_part_size"));
	wp_set_int(ws, WPK_S3_UPLOAD_CONCURRENCY, s3_int(s3, "upload_concurrency"));
	return 0;
}

void
monitor_cloud_wipe(char *secret, size_t secretsz, char *creds)
{
	explicit_bzero(secret, secretsz);
	if (creds != NULL) {
		explicit_bzero(creds, strlen(creds));
		free(creds);
	}
}
