/* SPDX-License-Identifier: BSD-2-Clause */
/* The worker protocol's tables and their one encoder and decoder (worker/proto.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/parse.h"
#include "common/vpath.h"
#include "worker/proto.h"

#define ID_MAX 0xfffffffeLL /* uid/gid: (uid_t)-1 is "keep", never a target */

const struct wp_def wp_settings_keys[WPK_COUNT] = {
    [WPK_USERNAME] = {"username", WP_STRING, 0, 0, 0, "\"\""},
    [WPK_CONNECTION_ID] = {"connection_id", WP_STRING, 0, 0, 0, "\"\""},
    [WPK_PROTOCOL] = {"protocol", WP_STRING, 0, 0, 0, "\"\""},
    [WPK_CLIENT_IP] = {"client_ip", WP_STRING, 0, 0, 0, "\"\""},
    [WPK_HOME_DIR] = {"home_dir", WP_PATH, 0, 0, 0, "none: \"/\", start at the cwd"},
    [WPK_CHROOT] = {"chroot", WP_BOOL, 0, 1, 0, "false"},
    [WPK_UID] = {"uid", WP_INT, -1, ID_MAX, -1, "-1 (keep)"},
    [WPK_GID] = {"gid", WP_INT, -1, ID_MAX, -1, "-1 (the uid's group)"},
    [WPK_UMASK] = {"umask", WP_UMASK, 0, 0777, 022, "\"0022\""},
    [WPK_SETSTAT_MODE] = {"setstat_mode", WP_INT, 0, 1, 0, "0"},
    [WPK_UPLOAD_MODE] = {"upload_mode", WP_INT, 0, 2, 0, "0"},
    [WPK_PERMISSIONS] = {"permissions", WP_PERMS, 0, 0, 0, "{\"/\": [\"*\"]}"},
    [WPK_START_DIR] = {"start_dir", WP_STRING, 0, 0, 0, "\"/\""},
    [WPK_READ_ONLY] = {"read_only", WP_BOOL, 0, 1, 0, "false"},
    [WPK_COMMAND] = {"command", WP_STRING, 0, WP_COMMAND_MAX, 0, "none: serve SFTP"},
    [WPK_MAX_HANDLES] = {"max_handles", WP_INT, 1, WP_MAX_MAX_HANDLES, 256, "256"},
    [WPK_MAX_PACKET] = {"max_packet", WP_INT, WP_MIN_MAX_PACKET, WP_MAX_MAX_PACKET,
                        256 * 1024, "262144"},
    [WPK_UPLOAD_BANDWIDTH] = {"upload_bandwidth", WP_INT, 0, 0x7fffffff, 0, "0"},
    [WPK_DOWNLOAD_BANDWIDTH] = {"download_bandwidth", WP_INT, 0, 0x7fffffff, 0, "0"},
    [WPK_FILE_EXTENSIONS] = {"file_extensions", WP_EXTFILTERS, 0, 0, 0, "[] (none)"},
    [WPK_VIRTUAL_FOLDERS] = {"virtual_folders", WP_FOLDERS, 0, WP_FOLDERS_MAX, 0, "[]"},
    [WPK_TRACK_QUOTA] = {"track_quota", WP_BOOL, 0, 1, 0, "false"},
    [WPK_QUOTA_SIZE] = {"quota_size", WP_INT, 0, INT64_MAX, 0, "0"},
    [WPK_QUOTA_FILES] = {"quota_files", WP_INT, 0, INT64_MAX, 0, "0"},
    [WPK_QUOTA_SCAN] = {"quota_scan", WP_BOOL, 0, 1, 0, "false"},
    [WPK_FS_PROVIDER] = {"fs_provider", WP_INT, 0, 2, 0, "0 (local)"},
    [WPK_S3_BUCKET] = {"s3_bucket", WP_STRING, 0, WP_S3_STRING_MAX, 0, "\"\""},
    [WPK_S3_REGION] = {"s3_region", WP_STRING, 0, WP_S3_STRING_MAX, 0, "\"\""},
    [WPK_S3_ACCESS_KEY] = {"s3_access_key", WP_STRING, 0, WP_S3_STRING_MAX, 0, "\"\""},
    [WPK_S3_ACCESS_SECRET] = {"s3_access_secret", WP_STRING, 0, WP_S3_STRING_MAX, 0,
                              "\"\""},
    [WPK_S3_ENDPOINT] = {"s3_endpoint", WP_STRING, 0, WP_S3_STRING_MAX, 0, "\"\""},
    [WPK_S3_STORAGE_CLASS] = {"s3_storage_class", WP_STRING, 0, WP_S3_STRING_MAX, 0,
                              "\"\""},
    [WPK_S3_KEY_PREFIX] = {"s3_key_prefix", WP_STRING, 0, WP_S3_STRING_MAX, 0, "\"\""},
    [WPK_S3_UPLOAD_PART_SIZE] = {"s3_upload_part_size", WP_INT, 0, WP_S3_PART_SIZE_MAX, 0,
                                 "0 (5 MiB)"},
    [WPK_S3_UPLOAD_CONCURRENCY] = {"s3_upload_concurrency", WP_INT, 0,
                                   WP_S3_CONCURRENCY_MAX, 0, "0 (2)"},
    [WPK_GCS_BUCKET] = {"gcs_bucket", WP_STRING, 0, WP_S3_STRING_MAX, 0, "\"\""},
    [WPK_GCS_STORAGE_CLASS] = {"gcs_storage_class", WP_STRING, 0, WP_S3_STRING_MAX, 0,
                               "\"\""},
    [WPK_GCS_KEY_PREFIX] = {"gcs_key_prefix", WP_STRING, 0, WP_S3_STRING_MAX, 0, "\"\""},
    [WPK_GCS_ENDPOINT] = {"gcs_endpoint", WP_STRING, 0, WP_S3_STRING_MAX, 0,
                          "\"\" (storage.googleapis.com)"},
    [WPK_GCS_CREDENTIALS] = {"gcs_credentials", WP_STRING, 0, WP_GCS_CREDENTIALS_MAX, 0,
                             "\"\" (the metadata server)"},
    [WPK_GCS_METADATA_HOST] = {"gcs_metadata_host", WP_STRING, 0, WP_S3_STRING_MAX, 0,
                               "\"\" (169.254.169.254)"},
};

const struct wp_def wp_event_fields[WPF_COUNT] = {
    [WPF_SENDER] = {"sender", WP_STRING, 0, 0, 0, "\"\""},
    [WPF_PATH] = {"path", WP_STRING, 0, 0, 0, "\"\""},
    [WPF_TARGET_PATH] = {"target_path", WP_STRING, 0, 0, 0, "\"\""},
    [WPF_FILEMODE] = {"filemode", WP_STRING, 0, 0, 0, "\"\""},
    [WPF_UID] = {"uid", WP_INT, -1, ID_MAX, -1, "-1"},
    [WPF_GID] = {"gid", WP_INT, -1, ID_MAX, -1, "-1"},
    [WPF_ACCESS_TIME] = {"access_time", WP_STRING, 0, 0, 0, "\"\""},
    [WPF_MODIFICATION_TIME] = {"modification_time", WP_STRING, 0, 0, 0, "\"\""},
    [WPF_SIZE_BYTES] = {"size_bytes", WP_INT, 0, INT64_MAX, 0, "0"},
    [WPF_ELAPSED_MS] = {"elapsed_ms", WP_INT, 0, INT64_MAX, 0, "0"},
    [WPF_OK] = {"ok", WP_BOOL, 0, 1, 0, "false"},
    [WPF_ERROR] = {"error", WP_STRING, 0, 0, 0, "\"\""},
    [WPF_LEVEL] = {"level", WP_STRING, 0, 0, 0, "\"info\""},
    [WPF_MESSAGE] = {"message", WP_STRING, 0, 0, 0, "\"\""},
    [WPF_AT_OPEN] = {"at_open", WP_BOOL, 0, 1, 0, "false"},
    [WPF_NEED_FILES] = {"need_files", WP_INT, 0, 1, 0, "0"},
    [WPF_NEED_SIZE] = {"need_size", WP_INT, 0, INT64_MAX, 0, "0"},
    [WPF_WANT_SIZE] = {"want_size", WP_INT, 0, INT64_MAX, 0, "0"},
    [WPF_FILES_DELTA] = {"files_delta", WP_INT, -INT64_MAX, INT64_MAX, 0, "0"},
    [WPF_SIZE_DELTA] = {"size_delta", WP_INT, -INT64_MAX, INT64_MAX, 0, "0"},
    [WPF_RELEASE_FILES] = {"release_files", WP_INT, 0, INT64_MAX, 0, "0"},
    [WPF_RELEASE_SIZE] = {"release_size", WP_INT, 0, INT64_MAX, 0, "0"},
    [WPF_GRANTED_SIZE] = {"granted_size", WP_INT, 0, INT64_MAX, 0, "0"},
    [WPF_FILES] = {"files", WP_INT, 0, INT64_MAX, 0, "0"},
    [WPF_SIZE] = {"size", WP_INT, 0, INT64_MAX, 0, "0"},
    [WPF_HANDLE] = {"handle", WP_INT, 0, UINT32_MAX, 0, "0"},
    [WPF_DONE] = {"done", WP_BOOL, 0, 1, 0, "false"},
};

const struct wp_event_def wp_events[WPE_COUNT] = {
    [WPE_TRANSFER] = {"transfer",
                      6,
                      {WPF_SENDER, WPF_PATH, WPF_SIZE_BYTES, WPF_ELAPSED_MS, WPF_OK,
                       WPF_ERROR}},
    [WPE_COMMAND] = {"command",
                     9,
                     {WPF_SENDER, WPF_PATH, WPF_TARGET_PATH, WPF_FILEMODE, WPF_UID,
                      WPF_GID, WPF_ACCESS_TIME, WPF_MODIFICATION_TIME, WPF_SIZE_BYTES}},
    [WPE_EXIT] = {"exit", 1, {WPF_MESSAGE}},
    [WPE_LOG] = {"log", 2, {WPF_LEVEL, WPF_MESSAGE}},
    [WPE_QUOTA_RESERVE] = {"quota_reserve",
                           4,
                           {WPF_AT_OPEN, WPF_NEED_FILES, WPF_NEED_SIZE, WPF_WANT_SIZE}},
    [WPE_QUOTA_UPDATE] = {"quota_update",
                          4,
                          {WPF_FILES_DELTA, WPF_SIZE_DELTA, WPF_RELEASE_FILES,
                           WPF_RELEASE_SIZE}},
    [WPE_QUOTA_GRANT] = {"quota_grant", 3, {WPF_OK, WPF_GRANTED_SIZE, WPF_MESSAGE}},
    [WPE_QUOTA_SCAN] = {"quota_scan", 4, {WPF_OK, WPF_FILES, WPF_SIZE, WPF_ERROR}},
    [WPE_TRANSFER_PROGRESS] = {"transfer_progress",
                               6,
                               {WPF_HANDLE, WPF_SENDER, WPF_PATH, WPF_SIZE_BYTES,
                                WPF_ELAPSED_MS, WPF_DONE}},
};

const char *const wp_log_levels[4] = {"debug", "info", "warn", "error"};

/* ---- values: one check for both directions ---- */

static int
perms_ok(json_t *v, char *err, size_t errlen)
{
	const char *dir;
	json_t *list, *p;
	size_t i;

	if (!json_is_object(v)) {
		snprintf(err, errlen, "permissions: must be an object");
		return -1;
	}
	json_object_foreach(v, dir, list)
	{
		int ok = dir[0] == '/' && json_is_array(list);
		json_array_foreach(list, i, p) ok = ok && json_is_string(p);
		if (!ok) {
			snprintf(err, errlen, "permissions: bad entry for \"%.200s\"",
			         dir);
			return -1;
		}
	}
	return 0;
}

static int
string_array_ok(const json_t *v)
{
	size_t i;
	json_t *p;
	int ok = v == NULL || json_is_array(v);

	json_array_foreach(v, i, p) ok =
	    ok && json_is_string(p) &&
	    memchr(json_string_value(p), '\0', json_string_length(p)) == NULL;
	return ok;
}

/* The shape only; the engine (sftp/filters.h) normalises and refuses duplicates. */
static int
extfilters_ok(json_t *v, char *err, size_t errlen)
{
	size_t i;
	json_t *f;

	if (!json_is_array(v)) {
		snprintf(err, errlen, "file_extensions: must be an array");
		return -1;
	}
	json_array_foreach(v, i, f)
	{
		const char *dir = json_string_value(json_object_get(f, "path"));
		if (!json_is_object(f) || dir == NULL || dir[0] != '/' ||
		    !string_array_ok(json_object_get(f, "allowed_extensions")) ||
		    !string_array_ok(json_object_get(f, "denied_extensions"))) {
			snprintf(err, errlen, "file_extensions: bad entry %zu", i);
			return -1;
		}
	}
	return 0;
}

/* Each virtual_path absolute and cleaned (the account layer stored it so). */
static int
folders_ok(const struct wp_def *d, json_t *v, char *err, size_t errlen)
{
	json_t *f;
	size_t i;
	int ok = json_is_array(v) && json_array_size(v) <= (size_t)d->hi;

	json_array_foreach(v, i, f)
	{
		const char *vp = json_string_value(json_object_get(f, "virtual_path"));
		json_t *missing = json_object_get(f, "missing");
		char clean[4096];
		ok = ok && json_is_object(f) && vp != NULL && vp[0] == '/' &&
		     vpath_normalize("/", vp, strlen(vp), clean, sizeof(clean)) == 0 &&
		     strcmp(clean, vp) == 0 && strcmp(vp, "/") != 0 &&
		     (missing == NULL || json_is_boolean(missing));
	}
	if (!ok)
		snprintf(err, errlen, "settings: bad value for \"%s\"", d->name);
	return ok ? 0 : -1;
}

/* 0 when v is a valid value for d; else -1 with err naming the key. */
static int
value_ok(const struct wp_def *d, json_t *v, const char *what, char *err, size_t errlen)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	mode_t m;
	int ok;

	switch (d->type) {
	case WP_PERMS:
		return perms_ok(v, err, errlen);
	case WP_EXTFILTERS:
		return extfilters_ok(v, err, errlen);
	case WP_FOLDERS:
		return folders_ok(d, v, err, errlen);
	case WP_STRING:
	case WP_PATH:
	case WP_UMASK:
		ok = s != NULL && memchr(s, '\0', n) == NULL &&
		     (d->hi == 0 || n <= (size_t)d->hi);
		if (d->type == WP_PATH)
			ok = ok && s[0] == '/';
		if (d->type == WP_UMASK)
			ok = ok && parse_umask(s, &m) == 0;
		break;
	case WP_BOOL:
		ok = json_is_boolean(v);
		break;
	case WP_INT:
	default:
		ok = json_is_integer(v) && json_integer_value(v) >= d->lo &&
		     json_integer_value(v) <= d->hi;
		break;
	}
	if (!ok)
		snprintf(err, errlen, "%s: bad value for \"%.100s\"", what, d->name);
	return ok ? 0 : -1;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A JSON string of s; bytes that are not UTF-8 become U+FFFD. */
static json_t *
utf8_string(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0, i = 0;
	struct wbuf w;
	json_t *j;

	if (s == NULL)
		return json_string("");
	if ((j = json_stringn(s, n)) != NULL)
		return j;
	if (wbuf_init(&w, n * 3 + 1, n * 3 + 1) != 0)
		return NULL;
	while (i < n) {
		size_t k = utf8_seq((const unsigned char *)s + i, n - i);
		wbuf_put_bytes(&w, k == 0 ? "\xef\xbf\xbd" : s + i, k == 0 ? 3 : k);
		i += k == 0 ? 1 : k;
	}
	j = w.failed ? NULL : json_stringn(w.p ? (const char *)w.p : "", w.len);
	wbuf_free(&w);
	return j;
}

/* The JSON value of one typed field; strings verbatim (NULL if not UTF-8) or fixed. */
static json_t *
value_json(const struct wp_def *d, const char *s, long long n, json_t *obj, int fix)
{
	switch (d->type) {
	case WP_PERMS:
	case WP_EXTFILTERS:
	case WP_FOLDERS:
		return json_incref(obj);
	case WP_BOOL:
		return json_boolean(n);
	case WP_INT:
		return json_integer((json_int_t)n);
	default:
		return fix ? utf8_string(s) : json_string(s != NULL ? s : "");
	}
}

/* Stores the (checked) value v of d into s/n/obj (perms or folders). */
static void
value_store(const struct wp_def *d, json_t *v, const char **s, long long *n, json_t **obj)
{
	mode_t m;

	switch (d->type) {
	case WP_PERMS:
	case WP_EXTFILTERS:
	case WP_FOLDERS:
		*obj = v;
		break;
	case WP_BOOL:
		*n = json_is_true(v);
		break;
	case WP_INT:
		*n = json_integer_value(v);
		break;
	case WP_UMASK:
		*s = json_string_value(v);
		*n = parse_umask(*s, &m) == 0 ? (long long)m : d->def_n;
		break;
	default:
		*s = json_string_value(v);
		break;
	}
}

/* ---- settings ---- */

void
wp_set_str(struct wp_settings *ws, enum wp_key k, const char *s)
{
	ws->s[k] = s;
	ws->present |= 1ull << k;
}

void
wp_set_int(struct wp_settings *ws, enum wp_key k, long long n)
{
	ws->n[k] = n;
	ws->present |= 1ull << k;
}

void
wp_set_perms(struct wp_settings *ws, json_t *perms)
{
	ws->perms = perms;
	ws->present |= 1ull << WPK_PERMISSIONS;
}

void
wp_set_file_extensions(struct wp_settings *ws, json_t *filters)
{
	ws->file_extensions = filters;
	ws->present |= 1ull << WPK_FILE_EXTENSIONS;
}

void
wp_set_folders(struct wp_settings *ws, json_t *folders)
{
	ws->folders = folders;
	ws->present |= 1ull << WPK_VIRTUAL_FOLDERS;
}

/* Where an object-valued key lives in ws (permissions for every other key). */
static json_t **
object_slot(struct wp_settings *ws, enum wp_key k)
{
	switch (k) {
	case WPK_VIRTUAL_FOLDERS:
		return &ws->folders;
	case WPK_FILE_EXTENSIONS:
		return &ws->file_extensions;
	default:
		return &ws->perms;
	}
}

static json_t *
object_value(const struct wp_settings *ws, enum wp_key k)
{
	return k == WPK_VIRTUAL_FOLDERS   ? ws->folders
	       : k == WPK_FILE_EXTENSIONS ? ws->file_extensions
	                                  : ws->perms;
}

int
wp_has(const struct wp_settings *ws, enum wp_key k)
{
	return (ws->present & (1ull << k)) != 0;
}

json_t *
wp_settings_encode(const struct wp_settings *ws, char *err, size_t errlen)
{
	json_t *o = json_object();

	if (o == NULL) {
		snprintf(err, errlen, "settings: out of memory");
		return NULL;
	}
	for (unsigned k = 0; k < WPK_COUNT; k++) {
		const struct wp_def *d = &wp_settings_keys[k];
		json_t *v;
		if (!wp_has(ws, (enum wp_key)k))
			continue;
		/* NULL: a string that is not UTF-8 */
		v = value_json(d, ws->s[k], ws->n[k], object_value(ws, (enum wp_key)k),
		               0);
		if (v == NULL || value_ok(d, v, "settings", err, errlen) != 0) {
			if (v == NULL)
				snprintf(err, errlen, "settings: bad value for \"%s\"",
				         d->name);
			json_decref(v);
			json_decref(o);
			return NULL;
		}
		if (json_object_set_new(o, d->name, v) != 0) { /* v released */
			snprintf(err, errlen, "settings: out of memory");
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static int
settings_key(const char *name)
{
	for (unsigned k = 0; k < WPK_COUNT; k++)
		if (strcmp(wp_settings_keys[k].name, name) == 0)
			return (int)k;
	return -1;
}

int
wp_settings_decode(struct wp_settings *ws, const char *json, size_t len, char *err,
                   size_t errlen)
{
	json_error_t jerr;
	const char *key;
	json_t *v;

	memset(ws, 0, sizeof(*ws));
	ws->root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (ws->root == NULL) {
		snprintf(err, errlen, "settings: %s (line %d)", jerr.text, jerr.line);
		return -1;
	}
	if (!json_is_object(ws->root)) {
		snprintf(err, errlen, "settings: not a JSON object");
		return -1;
	}
	json_object_foreach(ws->root, key, v)
	{
		int k = settings_key(key);
		if (k < 0)
			continue; /* a newer monitor's key */
		if (value_ok(&wp_settings_keys[k], v, "settings", err, errlen) != 0)
			return -1;
		value_store(&wp_settings_keys[k], v, &ws->s[k], &ws->n[k],
		            object_slot(ws, (enum wp_key)k));
		ws->present |= 1ull << k;
	}
	return 0;
}

void
wp_settings_free(struct wp_settings *ws)
{
	json_decref(ws->root);
	memset(ws, 0, sizeof(*ws));
}

/* ---- events ---- */

void
wp_event_init(struct wp_event *e, enum wp_event_kind kind)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	for (unsigned f = 0; f < WPF_COUNT; f++) {
		e->s[f] = "";
		e->n[f] = wp_event_fields[f].def_n;
	}
	e->s[WPF_LEVEL] = "info";
}

char *
wp_event_encode(const struct wp_event *e)
{
	const struct wp_event_def *ed = &wp_events[e->kind];
	json_t *o = json_pack("{s:s}", "event", ed->name);
	char *out;

	for (unsigned i = 0; o != NULL && i < ed->n_fields; i++) {
		enum wp_field f = ed->fields[i];
		json_t *v = value_json(&wp_event_fields[f], e->s[f], e->n[f], NULL, 1);
		if (v == NULL ||
		    json_object_set_new(o, wp_event_fields[f].name, v) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	out = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	return out;
}

int
wp_event_decode(struct wp_event *e, const void *body, size_t len, char *err,
                size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je);
	const char *kind;
	unsigned k;

	wp_event_init(e, WPE_LOG);
	e->root = root;
	if (!json_is_object(root)) {
		snprintf(err, errlen, "event is not a JSON object");
		return WP_EV_NOT_OBJECT;
	}
	kind = json_string_value(json_object_get(root, "event"));
	for (k = 0; kind != NULL && k < WPE_COUNT; k++)
		if (strcmp(kind, wp_events[k].name) == 0)
			break;
	if (kind == NULL || k == WPE_COUNT) {
		snprintf(err, errlen, "unknown event \"%.100s\"", kind ? kind : "");
		return WP_EV_UNKNOWN;
	}
	e->kind = (enum wp_event_kind)k;
	for (unsigned i = 0; i < wp_events[k].n_fields; i++) {
		enum wp_field f = wp_events[k].fields[i];
		const struct wp_def *d = &wp_event_fields[f];
		json_t *v = json_object_get(root, d->name);
		if (v == NULL)
			continue; /* the default stays */
		if (value_ok(d, v, kind, err, errlen) != 0)
			return WP_EV_BAD_FIELD;
		value_store(d, v, &e->s[f], &e->n[f], NULL);
	}
	return WP_EV_OK;
}

void
wp_event_free(struct wp_event *e)
{
	json_decref(e->root);
	e->root = NULL;
}

int
wp_log_level(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(wp_log_levels[i], name) == 0)
			return i;
	return -1;
}
