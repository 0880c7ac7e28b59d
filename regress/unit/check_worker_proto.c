/* SPDX-License-Identifier: BSD-2-Clause */
/* The worker protocol (worker/proto.h): every settings key's checks on both sides,
 * round trips of settings and of every event kind, malformed events refused; and
 * the one privilege drop both the worker and confine_process() use. */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <sys/socket.h>

#include "common/confine.h"
#include "common/fdpass.h"
#include "regress/unit/check_main.h"
#include "sftp/settings.h"
#include "worker/proto.h"
#include "worker/settings.h"
#include "worker/worker.h"

/* One good and two bad JSON values for each key (NULL: no second bad one). */
static const struct {
	enum wp_key k;
	const char *good, *bad_type, *bad_range;
} key_cases[] = {
    {WPK_USERNAME, "\"al\"", "1", NULL},
    {WPK_CONNECTION_ID, "\"c1\"", "true", NULL},
    {WPK_PROTOCOL, "\"SFTP\"", "[]", NULL},
    {WPK_CLIENT_IP, "\"127.0.0.1\"", "{}", NULL},
    {WPK_HOME_DIR, "\"/home/al\"", "7", "\"home/al\""},
    {WPK_CHROOT, "true", "1", NULL},
    {WPK_UID, "1000", "\"1000\"", "-2"},
    {WPK_GID, "4294967294", "1.5", "4294967295"},
    {WPK_UMASK, "\"0027\"", "18", "\"00027\""},
    {WPK_SETSTAT_MODE, "1", "false", "2"},
    {WPK_UPLOAD_MODE, "2", "\"2\"", "3"},
    {WPK_PERMISSIONS, "{\"/\": [\"list\"], \"/in\": [\"*\"]}", "[\"*\"]",
     "{\"rel\": [\"*\"]}"},
    {WPK_START_DIR, "\"/in\"", "null", NULL},
    {WPK_READ_ONLY, "false", "0", NULL},
    {WPK_COMMAND, "\"md5sum f\"", "1", NULL},
    {WPK_MAX_HANDLES, "65536", "\"1\"", "0"},
    {WPK_MAX_PACKET, "34816", "1e5", "34815"},
    {WPK_UPLOAD_BANDWIDTH, "2147483647", "true", "2147483648"},
    {WPK_DOWNLOAD_BANDWIDTH, "0", "\"0\"", "-1"},
    {WPK_FILE_EXTENSIONS, "[{\"path\": \"/\", \"denied_extensions\": [\".exe\"]}]",
     "{\"path\": \"/\"}", "[{\"path\": \"rel\", \"denied_extensions\": [\".a\"]}]"},
    {WPK_VIRTUAL_FOLDERS, "[{\"virtual_path\": \"/v\", \"missing\": true}]",
     "{\"/v\": 1}", "[{\"virtual_path\": \"/v/../w\"}]"},
    {WPK_TRACK_QUOTA, "true", "1", NULL},
    {WPK_QUOTA_SIZE, "1000", "\"1000\"", "-1"},
    {WPK_QUOTA_FILES, "9223372036854775807", "1.5", NULL},
    {WPK_QUOTA_SCAN, "false", "null", NULL},
    {WPK_FS_PROVIDER, "2", "\"1\"", "3"},
    {WPK_S3_BUCKET, "\"b\"", "1", NULL},
    {WPK_S3_REGION, "\"us-east-1\"", "[]", NULL},
    {WPK_S3_ACCESS_KEY, "\"AK\"", "{}", NULL},
    {WPK_S3_ACCESS_SECRET, "\"sk\"", "true", NULL},
    {WPK_S3_ENDPOINT, "\"http://127.0.0.1:9000\"", "9000", NULL},
    {WPK_S3_STORAGE_CLASS, "\"STANDARD\"", "null", NULL},
    {WPK_S3_KEY_PREFIX, "\"users/al/\"", "0", NULL},
    {WPK_S3_UPLOAD_PART_SIZE, "5120", "\"5\"", "5121"},
    {WPK_S3_UPLOAD_CONCURRENCY, "64", "1.5", "65"},
    {WPK_GCS_BUCKET, "\"gb\"", "1", NULL},
    {WPK_GCS_STORAGE_CLASS, "\"NEARLINE\"", "[]", NULL},
    {WPK_GCS_KEY_PREFIX, "\"users/al/\"", "{}", NULL},
    {WPK_GCS_ENDPOINT, "\"http://127.0.0.1:9023\"", "true", NULL},
    {WPK_GCS_CREDENTIALS, "\"{\\\"type\\\":\\\"service_account\\\"}\"", "{}", NULL},
    {WPK_GCS_METADATA_HOST, "\"127.0.0.1:9024\"", "null", NULL},
};

static int
decode_one(enum wp_key k, const char *value, char *err, size_t errlen)
{
	char *json = NULL;
	struct wp_settings ws;

	ck_assert_int_gt(asprintf(&json, "{\"%s\": %s, \"unknown_key\": [1]}",
	                          wp_settings_keys[k].name, value),
	                 0);
	int rc = wp_settings_decode(&ws, json, strlen(json), err, errlen);
	free(json);
	if (rc == 0)
		ck_assert(wp_has(&ws, k));
	wp_settings_free(&ws);
	return rc;
}

/* The bad value named key refused, with the key in the message. */
static void
assert_refused(enum wp_key k, const char *value)
{
	char err[256] = "";

	ck_assert_msg(decode_one(k, value, err, sizeof(err)) != 0, "%s accepted %s",
	              wp_settings_keys[k].name, value);
	if (k != WPK_PERMISSIONS && k != WPK_FILE_EXTENSIONS)
		ck_assert_msg(strstr(err, wp_settings_keys[k].name) != NULL, "%s", err);
	else
		ck_assert_msg(strncmp(err, wp_settings_keys[k].name,
		                      strlen(wp_settings_keys[k].name)) == 0,
		              "%s", err);
}

START_TEST(every_key_decoded_and_checked)
{
	char err[256];

	ck_assert_uint_eq(sizeof(key_cases) / sizeof(key_cases[0]), WPK_COUNT);
	for (unsigned i = 0; i < WPK_COUNT; i++) {
		ck_assert_int_eq(key_cases[i].k, i);
		ck_assert_msg(
		    decode_one(key_cases[i].k, key_cases[i].good, err, sizeof(err)) == 0,
		    "%s", err);
		assert_refused(key_cases[i].k, key_cases[i].bad_type);
		if (key_cases[i].bad_range != NULL)
			assert_refused(key_cases[i].k, key_cases[i].bad_range);
	}
}
END_TEST

START_TEST(command_length_bounded)
{
	size_t n = WP_COMMAND_MAX + 3;
	char *v = malloc(n + 1), err[256];

	memset(v, 'x', n);
	v[0] = v[n - 1] = '"';
	v[n] = '\0';
	ck_assert_int_eq(decode_one(WPK_COMMAND, v, err, sizeof(err)), -1);
	v[n - 2] = '"';
	v[n - 1] = '\0';
	ck_assert_int_eq(decode_one(WPK_COMMAND, v, err, sizeof(err)), 0);
	free(v);
}
END_TEST

START_TEST(not_objects_refused)
{
	static const char *const bad[] = {"", "[]", "\"x\"", "{\"uid\": 1, \"uid\": 2}",
	                                  "{\"a\":"};
	struct wp_settings ws;
	char err[256];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(
		    wp_settings_decode(&ws, bad[i], strlen(bad[i]), err, sizeof(err)),
		    -1);
		wp_settings_free(&ws);
	}
}
END_TEST

/* The encoder applies the same checks: the monitor never sends a bad value. */
START_TEST(encoder_checks_every_key)
{
	struct wp_settings ws = {0};
	char err[256];
	json_t *o, *bad_perms = json_pack("{s:i}", "/", 1);

	wp_set_int(&ws, WPK_UID, -2);
	ck_assert_ptr_null(wp_settings_encode(&ws, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "\"uid\""));
	memset(&ws, 0, sizeof(ws));
	wp_set_str(&ws, WPK_UMASK, "0999");
	ck_assert_ptr_null(wp_settings_encode(&ws, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "\"umask\""));
	memset(&ws, 0, sizeof(ws));
	wp_set_str(&ws, WPK_HOME_DIR, "relative");
	ck_assert_ptr_null(wp_settings_encode(&ws, err, sizeof(err)));
	memset(&ws, 0, sizeof(ws));
	wp_set_str(&ws, WPK_USERNAME, "\xff\xfe"); /* not UTF-8 */
	ck_assert_ptr_null(wp_settings_encode(&ws, err, sizeof(err)));
	memset(&ws, 0, sizeof(ws));
	wp_set_perms(&ws, bad_perms);
	ck_assert_ptr_null(wp_settings_encode(&ws, err, sizeof(err)));
	memset(&ws, 0, sizeof(ws));
	for (unsigned i = 0; i < WPK_COUNT; i++) {
		const struct wp_def *d = &wp_settings_keys[i];
		memset(&ws, 0, sizeof(ws));
		if (d->type == WP_INT) {
			wp_set_int(&ws, (enum wp_key)i, d->lo - 1);
			ck_assert_ptr_null(wp_settings_encode(&ws, err, sizeof(err)));
			ck_assert_ptr_nonnull(strstr(err, d->name));
			if (d->hi < LLONG_MAX) { /* the quota keys take any size */
				ws.n[i] = d->hi + 1;
				ck_assert_ptr_null(
				    wp_settings_encode(&ws, err, sizeof(err)));
			}
			ws.n[i] = d->hi;
			o = wp_settings_encode(&ws, err, sizeof(err));
			ck_assert_ptr_nonnull(o);
			json_decref(o);
		}
	}
	json_decref(bad_perms);
}
END_TEST

START_TEST(settings_round_trip)
{
	struct wp_settings ws = {0}, back;
	json_t *perms = json_pack("{s:[s], s:[s,s]}", "/", "*", "/in", "list", "upload");
	char err[256];

	wp_set_str(&ws, WPK_USERNAME, "al");
	wp_set_str(&ws, WPK_CONNECTION_ID, "c1");
	wp_set_str(&ws, WPK_PROTOCOL, "SCP");
	wp_set_str(&ws, WPK_CLIENT_IP, "::1");
	wp_set_str(&ws, WPK_HOME_DIR, "/home/al");
	wp_set_int(&ws, WPK_CHROOT, 1);
	wp_set_int(&ws, WPK_UID, 1000);
	wp_set_int(&ws, WPK_GID, 1001);
	wp_set_str(&ws, WPK_UMASK, "027");
	wp_set_int(&ws, WPK_SETSTAT_MODE, 1);
	wp_set_int(&ws, WPK_UPLOAD_MODE, 2);
	wp_set_perms(&ws, perms);
	wp_set_str(&ws, WPK_START_DIR, "/in");
	wp_set_int(&ws, WPK_READ_ONLY, 1);
	wp_set_str(&ws, WPK_COMMAND, "sha256sum x");
	wp_set_int(&ws, WPK_MAX_HANDLES, 7);
	wp_set_int(&ws, WPK_MAX_PACKET, 65536);
	wp_set_int(&ws, WPK_UPLOAD_BANDWIDTH, 100);
	wp_set_int(&ws, WPK_DOWNLOAD_BANDWIDTH, 200);
	json_t *fe =
	    json_pack("[{s:s, s:[s]}]", "path", "/in", "allowed_extensions", ".txt");
	wp_set_file_extensions(&ws, fe);
	json_t *folders = json_pack("[{s:s,s:b},{s:s}]", "virtual_path", "/v", "missing",
	                            1, "virtual_path", "/d/w");
	wp_set_folders(&ws, folders);
	wp_set_int(&ws, WPK_TRACK_QUOTA, 1);
	wp_set_int(&ws, WPK_QUOTA_SIZE, 1000);
	wp_set_int(&ws, WPK_QUOTA_FILES, 3);
	wp_set_int(&ws, WPK_QUOTA_SCAN, 1);
	wp_set_int(&ws, WPK_FS_PROVIDER, 1);
	wp_set_str(&ws, WPK_S3_BUCKET, "b");
	wp_set_str(&ws, WPK_S3_REGION, "eu-west-1");
	wp_set_str(&ws, WPK_S3_ACCESS_KEY, "AK");
	wp_set_str(&ws, WPK_S3_ACCESS_SECRET, "SK");
	wp_set_str(&ws, WPK_S3_ENDPOINT, "http://[::1]:9000");
	wp_set_str(&ws, WPK_S3_STORAGE_CLASS, "STANDARD_IA");
	wp_set_str(&ws, WPK_S3_KEY_PREFIX, "p/");
	wp_set_int(&ws, WPK_S3_UPLOAD_PART_SIZE, 8);
	wp_set_int(&ws, WPK_S3_UPLOAD_CONCURRENCY, 4);
	wp_set_str(&ws, WPK_GCS_BUCKET, "gb");
	wp_set_str(&ws, WPK_GCS_STORAGE_CLASS, "NEARLINE");
	wp_set_str(&ws, WPK_GCS_KEY_PREFIX, "g/");
	wp_set_str(&ws, WPK_GCS_ENDPOINT, "http://127.0.0.1:9023");
	wp_set_str(&ws, WPK_GCS_CREDENTIALS, "{\"type\":\"service_account\"}");
	wp_set_str(&ws, WPK_GCS_METADATA_HOST, "127.0.0.1:9024");
	json_t *o = wp_settings_encode(&ws, err, sizeof(err));
	ck_assert_msg(o != NULL, "%s", err);
	char *s = json_dumps(o, JSON_COMPACT);
	/* the wire order is the table's */
	ck_assert_ptr_nonnull(strstr(s, "{\"username\":\"al\",\"connection_id\":\"c1\""));
	ck_assert_int_eq(wp_settings_decode(&back, s, strlen(s), err, sizeof(err)), 0);
	ck_assert_uint_eq(back.present, (1ull << WPK_COUNT) - 1);
	for (unsigned i = 0; i < WPK_COUNT; i++) {
		if (wp_settings_keys[i].type == WP_PERMS)
			ck_assert(json_equal(back.perms, perms));
		else if (wp_settings_keys[i].type == WP_EXTFILTERS)
			ck_assert(json_equal(back.file_extensions, fe));
		else if (wp_settings_keys[i].type == WP_FOLDERS)
			ck_assert(json_equal(back.folders, folders));
		else if (ws.s[i] != NULL)
			ck_assert_str_eq(back.s[i], ws.s[i]);
		else
			ck_assert_int_eq(back.n[i], ws.n[i]);
	}
	ck_assert_int_eq(back.n[WPK_UMASK], 027);
	wp_settings_free(&back);
	free(s);
	json_decref(o);
	json_decref(perms);
	json_decref(fe);
	json_decref(folders);
}
END_TEST

/* Every virtual_path clean and absolute, not "/", at most WP_FOLDERS_MAX. */
START_TEST(folders_checked)
{
	static const char *const bad[] = {
	    "[{\"virtual_path\": \"/\"}]",
	    "[{\"virtual_path\": \"v\"}]",
	    "[{\"virtual_path\": \"/v/\"}]",
	    "[{\"virtual_path\": \"//v\"}]",
	    "[{\"virtual_path\": 1}]",
	    "[{}]",
	    "[\"/v\"]",
	    "[{\"virtual_path\": \"/v\", \"missing\": 1}]",
	};
	char err[256], big[WP_FOLDERS_MAX * 40 + 8], *p = big;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(WPK_VIRTUAL_FOLDERS, bad[i]);
	for (unsigned i = 0; i <= WP_FOLDERS_MAX; i++) {
		int n = snprintf(p, sizeof(big) - (size_t)(p - big),
		                 "%s{\"virtual_path\":\"/v%u\"}", i ? "," : "[", i);
		ck_assert(n > 0 && (size_t)n < sizeof(big) - (size_t)(p - big));
		p += n;
	}
	ck_assert_uint_lt((size_t)(p - big) + 1, sizeof(big));
	memcpy(p, "]", 2);
	assert_refused(WPK_VIRTUAL_FOLDERS, big);
	p = strrchr(big, ',');
	memcpy(p, "]", 2);
	ck_assert_msg(decode_one(WPK_VIRTUAL_FOLDERS, big, err, sizeof(err)) == 0, "%s",
	              err);
}
END_TEST

/* The worker takes each present folder's fd after the settings; missing: -1. */
START_TEST(worker_receives_folder_fds)
{
	static const char json[] = "{\"virtual_folders\": [{\"virtual_path\": \"/a\"}, "
	                           "{\"virtual_path\": \"/b\", \"missing\": true}, "
	                           "{\"virtual_path\": \"/c\"}]}";
	struct sftp_settings st;
	char err[256];
	int sp[2];

	ck_assert_int_eq(sftp_settings_init(&st), 0);
	ck_assert_int_eq(worker_settings_parse(&st, json, strlen(json), err, sizeof(err)),
	                 0);
	ck_assert_uint_eq(st.n_folders, 3);
	ck_assert_int_eq(st.folders[1].fd, -1);
	/* stand-alone: nobody can pass them */
	ck_assert_int_eq(worker_receive_folders(-1, &st, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/a"));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	int d = open("/", O_PATH | O_DIRECTORY);
	ck_assert_int_eq(fdpass_send(sp[0], "F", 1, d), 0);
	ck_assert_int_eq(fdpass_send(sp[0], "F", 1, d), 0);
	ck_assert_int_eq(worker_receive_folders(sp[1], &st, err, sizeof(err)), 0);
	ck_assert_int_ge(st.folders[0].fd, 0);
	ck_assert_int_eq(st.folders[1].fd, -1);
	ck_assert_int_ge(st.folders[2].fd, 0);
	sftp_settings_free(&st);
	/* a file instead of a directory, or a wrong byte, is refused */
	ck_assert_int_eq(sftp_settings_init(&st), 0);
	ck_assert_int_eq(worker_settings_parse(&st, json, strlen(json), err, sizeof(err)),
	                 0);
	int f = open("/dev/null", O_RDONLY);
	ck_assert_int_eq(fdpass_send(sp[0], "F", 1, f), 0);
	ck_assert_int_eq(worker_receive_folders(sp[1], &st, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no directory from the monitor"));
	sftp_settings_free(&st);
	close(f);
	close(d);
	close(sp[0]);
	close(sp[1]);
}
END_TEST

/* The table's defaults are the engine's (sftp_settings_init). */
START_TEST(defaults_are_the_engines)
{
	struct sftp_settings st;

	ck_assert_int_eq(sftp_settings_init(&st), 0);
	ck_assert_int_eq(st.uid, wp_settings_keys[WPK_UID].def_n);
	ck_assert_int_eq(st.gid, wp_settings_keys[WPK_GID].def_n);
	ck_assert_int_eq(st.umask, wp_settings_keys[WPK_UMASK].def_n);
	ck_assert_int_eq(st.setstat_mode, wp_settings_keys[WPK_SETSTAT_MODE].def_n);
	ck_assert_int_eq(st.upload_mode, wp_settings_keys[WPK_UPLOAD_MODE].def_n);
	ck_assert_int_eq(st.chroot, wp_settings_keys[WPK_CHROOT].def_n);
	ck_assert_int_eq(st.read_only, wp_settings_keys[WPK_READ_ONLY].def_n);
	ck_assert_int_eq(st.max_handles, wp_settings_keys[WPK_MAX_HANDLES].def_n);
	ck_assert_int_eq(st.max_packet, wp_settings_keys[WPK_MAX_PACKET].def_n);
	ck_assert_int_eq(st.upload_bandwidth,
	                 wp_settings_keys[WPK_UPLOAD_BANDWIDTH].def_n);
	ck_assert_int_eq(st.download_bandwidth,
	                 wp_settings_keys[WPK_DOWNLOAD_BANDWIDTH].def_n);
	ck_assert_uint_eq(st.file_extensions.n, 0); /* "[] (none)" */
	ck_assert_int_eq(st.max_packet, SFTP_DEFAULT_MAX_PACKET);
	ck_assert_int_eq(SFTP_MIN_MAX_PACKET, wp_settings_keys[WPK_MAX_PACKET].lo);
	ck_assert_int_eq(SFTP_MAX_MAX_PACKET, wp_settings_keys[WPK_MAX_PACKET].hi);
	ck_assert_int_eq(SFTP_MAX_MAX_HANDLES, wp_settings_keys[WPK_MAX_HANDLES].hi);
	sftp_settings_free(&st);
}
END_TEST

START_TEST(worker_applies_settings)
{
	static const char json[] =
	    "{\"uid\": 5, \"umask\": \"0077\", \"read_only\": true, \"max_packet\": "
	    "40000,"
	    " \"permissions\": {\"/\": [\"list\", \"download\"]}, \"future\": 1}";
	struct sftp_settings st;
	char err[256];

	ck_assert_int_eq(sftp_settings_init(&st), 0);
	ck_assert_int_eq(worker_settings_parse(&st, json, strlen(json), err, sizeof(err)),
	                 0);
	ck_assert_int_eq(st.uid, 5);
	ck_assert_int_eq(st.umask, 077);
	ck_assert_int_eq(st.umask_set, 1);
	ck_assert_int_eq(st.read_only, 1);
	ck_assert_uint_eq(st.max_packet, 40000);
	sftp_settings_free(&st);
	ck_assert_int_eq(sftp_settings_init(&st), 0);
	static const char bad[] = "{\"permissions\": {\"/\": [\"fly\"]}}";
	ck_assert_int_eq(worker_settings_parse(&st, bad, strlen(bad), err, sizeof(err)),
	                 -1);
	ck_assert_str_eq(err, "permissions: bad entry for \"/\"");
	sftp_settings_free(&st);
}
END_TEST

/* ---- events ---- */

static void
fill_event(struct wp_event *e, enum wp_event_kind k)
{
	wp_event_init(e, k);
	e->s[WPF_SENDER] = k == WPE_TRANSFER ? "Upload" : "Rename";
	e->s[WPF_PATH] = "/a b";
	e->s[WPF_TARGET_PATH] = "/c";
	e->s[WPF_FILEMODE] = "0644";
	e->n[WPF_UID] = 1000;
	e->n[WPF_GID] = -1;
	e->s[WPF_ACCESS_TIME] = "2024-01-02T03:04:05";
	e->s[WPF_MODIFICATION_TIME] = "2024-01-02T03:04:06";
	e->n[WPF_SIZE_BYTES] = 123456789012LL;
	e->n[WPF_ELAPSED_MS] = 42;
	e->n[WPF_OK] = 1;
	e->s[WPF_ERROR] = "";
	e->s[WPF_LEVEL] = "warn";
	e->s[WPF_MESSAGE] = "hello";
	e->n[WPF_AT_OPEN] = 1;
	e->n[WPF_NEED_FILES] = 1;
	e->n[WPF_NEED_SIZE] = 4096;
	e->n[WPF_WANT_SIZE] = 4194304;
	e->n[WPF_FILES_DELTA] = -1;
	e->n[WPF_SIZE_DELTA] = -INT64_MAX;
	e->n[WPF_RELEASE_FILES] = 1;
	e->n[WPF_RELEASE_SIZE] = INT64_MAX;
	e->n[WPF_GRANTED_SIZE] = 1000;
	e->n[WPF_FILES] = 7;
	e->n[WPF_SIZE] = 123;
	e->n[WPF_HANDLE] = 4294967295LL;
	e->n[WPF_DONE] = 1;
}

START_TEST(every_event_round_trips)
{
	for (unsigned k = 0; k < WPE_COUNT; k++) {
		struct wp_event e, back;
		char err[256];

		fill_event(&e, (enum wp_event_kind)k);
		char *s = wp_event_encode(&e);
		ck_assert_ptr_nonnull(s);
		ck_assert_int_eq(wp_event_decode(&back, s, strlen(s), err, sizeof(err)),
		                 WP_EV_OK);
		ck_assert_int_eq(back.kind, k);
		for (unsigned i = 0; i < wp_events[k].n_fields; i++) {
			enum wp_field f = wp_events[k].fields[i];
			if (wp_event_fields[f].type == WP_STRING)
				ck_assert_str_eq(back.s[f], e.s[f]);
			else
				ck_assert_int_eq(back.n[f], e.n[f]);
		}
		wp_event_free(&back);
		free(s);
	}
}
END_TEST

/* Byte for byte what the worker sent before the protocol had a module. */
START_TEST(event_bytes_unchanged)
{
	struct wp_event e;
	char *s;

	fill_event(&e, WPE_TRANSFER);
	e.s[WPF_PATH] = "/bad\xff";
	s = wp_event_encode(&e);
	ck_assert_str_eq(s, "{\"event\":\"transfer\",\"sender\":\"Upload\",\"path\":"
	                    "\"/bad\xef\xbf\xbd\",\"size_bytes\":123456789012,"
	                    "\"elapsed_ms\":42,\"ok\":true,\"error\":\"\"}");
	free(s);
	fill_event(&e, WPE_COMMAND);
	s = wp_event_encode(&e);
	ck_assert_str_eq(s, "{\"event\":\"command\",\"sender\":\"Rename\",\"path\":\"/a "
	                    "b\",\"target_path\":\"/c\",\"filemode\":\"0644\",\"uid\":"
	                    "1000,\"gid\":-1,\"access_time\":\"2024-01-02T03:04:05\","
	                    "\"modification_time\":\"2024-01-02T03:04:06\","
	                    "\"size_bytes\":123456789012}");
	free(s);
	fill_event(&e, WPE_EXIT);
	s = wp_event_encode(&e);
	ck_assert_str_eq(s, "{\"event\":\"exit\",\"message\":\"hello\"}");
	free(s);
	fill_event(&e, WPE_LOG);
	s = wp_event_encode(&e);
	ck_assert_str_eq(s,
	                 "{\"event\":\"log\",\"level\":\"warn\",\"message\":\"hello\"}");
	free(s);
}
END_TEST

/* read by malformed_events_refused through the loop index */
static const struct {
	const char *json; /* cppcheck-suppress unusedStructMember */
	int rc;           /* cppcheck-suppress unusedStructMember */
} bad_events[] = {
    {"", WP_EV_NOT_OBJECT},
    {"[1]", WP_EV_NOT_OBJECT},
    {"{\"event\":", WP_EV_NOT_OBJECT},
    {"{}", WP_EV_UNKNOWN},
    {"{\"event\": 1}", WP_EV_UNKNOWN},
    {"{\"event\": \"reboot\"}", WP_EV_UNKNOWN},
    {"{\"event\": \"transfer\", \"size_bytes\": \"1\"}", WP_EV_BAD_FIELD},
    {"{\"event\": \"transfer\", \"size_bytes\": -1}", WP_EV_BAD_FIELD},
    {"{\"event\": \"transfer\", \"elapsed_ms\": 1.5}", WP_EV_BAD_FIELD},
    {"{\"event\": \"transfer\", \"ok\": 1}", WP_EV_BAD_FIELD},
    {"{\"event\": \"transfer\", \"path\": 7}", WP_EV_BAD_FIELD},
    {"{\"event\": \"command\", \"uid\": -2}", WP_EV_BAD_FIELD},
    {"{\"event\": \"command\", \"gid\": 4294967295}", WP_EV_BAD_FIELD},
    {"{\"event\": \"command\", \"sender\": null}", WP_EV_BAD_FIELD},
    {"{\"event\": \"exit\", \"message\": [\"x\"]}", WP_EV_BAD_FIELD},
    {"{\"event\": \"log\", \"level\": 3}", WP_EV_BAD_FIELD},
    {"{\"event\": \"log\", \"message\": \"a\\u0000b\"}", WP_EV_NOT_OBJECT},
    {"{\"event\": \"quota_reserve\", \"need_files\": 2}", WP_EV_BAD_FIELD},
    {"{\"event\": \"quota_reserve\", \"need_size\": -1}", WP_EV_BAD_FIELD},
    {"{\"event\": \"quota_update\", \"release_size\": -5}", WP_EV_BAD_FIELD},
    {"{\"event\": \"quota_update\", \"size_delta\": 1.5}", WP_EV_BAD_FIELD},
    {"{\"event\": \"quota_grant\", \"ok\": \"yes\"}", WP_EV_BAD_FIELD},
    {"{\"event\": \"quota_scan\", \"files\": -1}", WP_EV_BAD_FIELD},
};

START_TEST(malformed_events_refused)
{
	struct wp_event e;
	char err[256] = "";
	const char *j = bad_events[_i].json;

	ck_assert_int_eq(wp_event_decode(&e, j, strlen(j), err, sizeof(err)),
	                 bad_events[_i].rc);
	ck_assert_str_ne(err, "");
	wp_event_free(&e);
}
END_TEST

/* Missing fields take their defaults and unknown ones are ignored, as before. */
START_TEST(event_defaults)
{
	static const char j[] =
	    "{\"event\": \"command\", \"sender\": \"Mkdir\", \"x\": 1}";
	struct wp_event e;
	char err[256];

	ck_assert_int_eq(wp_event_decode(&e, j, strlen(j), err, sizeof(err)), WP_EV_OK);
	ck_assert_int_eq(e.kind, WPE_COMMAND);
	ck_assert_str_eq(e.s[WPF_SENDER], "Mkdir");
	ck_assert_str_eq(e.s[WPF_PATH], "");
	ck_assert_int_eq(e.n[WPF_UID], -1);
	ck_assert_int_eq(e.n[WPF_GID], -1);
	wp_event_free(&e);
	ck_assert_int_eq(wp_log_level("error"), 3);
	ck_assert_int_eq(wp_log_level("loud"), -1);
}
END_TEST

/* ---- the one privilege drop ---- */

static int
in_child(uid_t uid, gid_t gid)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		char err[256];
		_exit(drop_privileges(uid, gid, err, sizeof(err)) == 0 &&
		              getuid() == uid && getegid() == gid
		          ? 0
		          : 1);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(drop_privileges_for_good)
{
	if (geteuid() != 0)
		return; /* only root can drop */
	ck_assert_int_eq(in_child(65534, 65534), 0);
	ck_assert_int_eq(in_child(12345, 23456), 0);
}
END_TEST

START_TEST(drop_privileges_fails_unprivileged)
{
	char err[256] = "";

	if (geteuid() == 0)
		return;
	ck_assert_int_eq(drop_privileges(0, 0, err, sizeof(err)), -1);
	ck_assert_str_ne(err, "");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("worker_proto");
	TCase *ts = tcase_create("settings");
	TCase *te = tcase_create("events");
	TCase *tp = tcase_create("privileges");

	tcase_add_test(ts, every_key_decoded_and_checked);
	tcase_add_test(ts, command_length_bounded);
	tcase_add_test(ts, not_objects_refused);
	tcase_add_test(ts, encoder_checks_every_key);
	tcase_add_test(ts, settings_round_trip);
	tcase_add_test(ts, defaults_are_the_engines);
	tcase_add_test(ts, worker_applies_settings);
	tcase_add_test(ts, folders_checked);
	tcase_add_test(ts, worker_receives_folder_fds);
	tcase_add_test(te, every_event_round_trips);
	tcase_add_test(te, event_bytes_unchanged);
	tcase_add_loop_test(te, malformed_events_refused, 0,
	                    sizeof(bad_events) / sizeof(bad_events[0]));
	tcase_add_test(te, event_defaults);
	tcase_add_test(tp, drop_privileges_for_good);
	tcase_add_test(tp, drop_privileges_fails_unprivileged);
	suite_add_tcase(s, ts);
	suite_add_tcase(s, te);
	suite_add_tcase(s, tp);
	return check_run_suite(s);
}
