/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The worker protocol, written down once (doc/design-notes.md "Worker protocol"):
 * the settings object the monitor sends a worker (one frame on --monitor-fd, or the
 * file of --settings) and the event objects the worker sends back (one frame each).
 * Both are JSON objects inside the stream frames of common/rpc.h. Both sides use
 * this module: the worker decodes settings and encodes events, the monitor encodes
 * settings and decodes events, with the same tables and the same checks.
 */
#ifndef SFTPGO_WORKER_PROTO_H
#define SFTPGO_WORKER_PROTO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Value types of settings keys and event fields. */
enum wp_type {
	WP_STRING, /* a string without NUL; hi > 0: at most hi bytes */
	WP_PATH,   /* a string that starts with "/" */
	WP_BOOL,
	WP_INT,   /* an integer in [lo, hi] */
	WP_UMASK, /* "0022": 1 to 4 octal digits, at most 0777 (common/parse.h) */
	WP_PERMS, /* {"/dir": ["perm", ...], ...}: keys absolute, values string arrays */
	/* [{"path": "/dir", "allowed_extensions": [..], "denied_extensions": [..]}] */
	WP_EXTFILTERS,
	WP_FOLDERS, /* [{"virtual_path": "/v", "missing": false}, ...], at most hi */
};

struct wp_def {
	const char *name;
	enum wp_type type;
	long long lo, hi;
	long long def_n;   /* integer and boolean default */
	const char *def_s; /* the default as the design notes write it */
};

/* ---- settings: monitor -> worker ---- */

/* In wire order (the order the monitor sends them in). */
enum wp_key {
	WPK_USERNAME,
	WPK_CONNECTION_ID,
	WPK_PROTOCOL,
	WPK_CLIENT_IP,
	WPK_HOME_DIR,
	WPK_CHROOT,
	WPK_UID,
	WPK_GID,
	WPK_UMASK,
	WPK_SETSTAT_MODE,
	WPK_UPLOAD_MODE,
	WPK_PERMISSIONS,
	WPK_START_DIR,
	WPK_READ_ONLY,
	WPK_COMMAND,
	WPK_MAX_HANDLES,
	WPK_MAX_PACKET,
	WPK_UPLOAD_BANDWIDTH,
	WPK_DOWNLOAD_BANDWIDTH,
	WPK_FILE_EXTENSIONS,
	WPK_VIRTUAL_FOLDERS,
	/* quota (doc/design-notes.md "Quota") */
	WPK_TRACK_QUOTA,
	WPK_QUOTA_SIZE,
	WPK_QUOTA_FILES,
	WPK_QUOTA_SCAN,
	/* cloud storage (doc/design-notes.md "Cloud storage") */
	WPK_FS_PROVIDER,
	WPK_S3_BUCKET,
	WPK_S3_REGION,
	WPK_S3_ACCESS_KEY,
	WPK_S3_ACCESS_SECRET,
	WPK_S3_ENDPOINT,
	WPK_S3_STORAGE_CLASS,
	WPK_S3_KEY_PREFIX,
	WPK_S3_UPLOAD_PART_SIZE,
	WPK_S3_UPLOAD_CONCURRENCY,
	WPK_GCS_BUCKET,
	WPK_GCS_STORAGE_CLASS,
	WPK_GCS_KEY_PREFIX,
	WPK_GCS_ENDPOINT,
	WPK_GCS_CREDENTIALS,
	WPK_GCS_METADATA_HOST,
	WPK_COUNT
};

#define WP_COMMAND_MAX 8192u /* as RPC_COMMAND_MAX */
#define WP_MIN_MAX_PACKET (34u * 1024u)
#define WP_MAX_MAX_PACKET (4u * 1024u * 1024u)
#define WP_MAX_MAX_HANDLES 65536u
/* Virtual folders: each one not missing costs the worker a descriptor passed
 * after the settings frame (one byte "F" with SCM_RIGHTS, in list order). */
#define WP_FOLDERS_MAX 64u
#define WP_FOLDER_FD_BYTE 'F'
/* S3: part size in MiB (SFTPGo's upload_part_size) and parts in flight */
#define WP_S3_PART_SIZE_MAX 5120
#define WP_S3_CONCURRENCY_MAX 64
#define WP_S3_STRING_MAX 1024
/* GCS: a service-account key file's JSON (a few KiB) */
#define WP_GCS_CREDENTIALS_MAX 65536

extern const struct wp_def wp_settings_keys[WPK_COUNT];
_Static_assert(WPK_COUNT <= 64, "struct wp_settings.present has 64 bits");

/*
 * One settings object. Only the keys in `present` are sent or were received.
 * Strings and perms are borrowed: from the caller when encoding, from the decoded
 * document (kept in root until wp_settings_free) when decoding. Booleans and
 * integers are in n; a umask is its string in s and its value in n.
 */
struct wp_settings {
	uint64_t present; /* 1ull << WPK_x */
	const char *s[WPK_COUNT];
	long long n[WPK_COUNT];
	json_t *perms;
	json_t *file_extensions; /* WPK_FILE_EXTENSIONS */
	json_t *folders;         /* WPK_VIRTUAL_FOLDERS */
	json_t *root;
};

void wp_set_str(struct wp_settings *ws, enum wp_key k, const char *s);
void wp_set_int(struct wp_settings *ws, enum wp_key k, long long n);
void wp_set_perms(struct wp_settings *ws, json_t *perms);
void wp_set_file_extensions(struct wp_settings *ws, json_t *filters);
void wp_set_folders(struct wp_settings *ws, json_t *folders);
int wp_has(const struct wp_settings *ws, enum wp_key k);

/* The object to send (new reference), or NULL with err naming the bad key. */
json_t *wp_settings_encode(const struct wp_settings *ws, char *err, size_t errlen);
/*
 * Parses a settings object into ws (zeroed first). Unknown keys are ignored
 * (forward compatible); known keys with a wrong type or range are refused, naming
 * the key. 0 or -1 with err.
 */
int wp_settings_decode(struct wp_settings *ws, const char *json, size_t len, char *err,
                       size_t errlen);
void wp_settings_free(struct wp_settings *ws);

/* ---- events: worker -> monitor ---- */

enum wp_event_kind {
	WPE_TRANSFER,
	WPE_COMMAND,
	WPE_EXIT,
	WPE_LOG,
	/* quota: reserve and update go to the monitor, grant is its reply to a
	 * reserve (the only frame the monitor sends after the settings) */
	WPE_QUOTA_RESERVE,
	WPE_QUOTA_UPDATE,
	WPE_QUOTA_GRANT,
	WPE_QUOTA_SCAN,
	/* a transfer in progress (GET /api/v1/connection), at most once a second per
	 * handle; only to the monitor */
	WPE_TRANSFER_PROGRESS,
	WPE_COUNT
};

enum wp_field {
	WPF_SENDER,
	WPF_PATH,
	WPF_TARGET_PATH,
	WPF_FILEMODE,
	WPF_UID,
	WPF_GID,
	WPF_ACCESS_TIME,
	WPF_MODIFICATION_TIME,
	WPF_SIZE_BYTES,
	WPF_ELAPSED_MS,
	WPF_OK,
	WPF_ERROR,
	WPF_LEVEL,
	WPF_MESSAGE,
	/* quota */
	WPF_AT_OPEN,
	WPF_NEED_FILES,
	WPF_NEED_SIZE,
	WPF_WANT_SIZE,
	WPF_FILES_DELTA,
	WPF_SIZE_DELTA,
	WPF_RELEASE_FILES,
	WPF_RELEASE_SIZE,
	WPF_GRANTED_SIZE,
	WPF_FILES,
	WPF_SIZE,
	/* transfer_progress */
	WPF_HANDLE,
	WPF_DONE,
	WPF_COUNT
};

#define WP_EVENT_FIELDS_MAX 9

struct wp_event_def {
	const char *name; /* the "event" member */
	unsigned n_fields;
	enum wp_field fields[WP_EVENT_FIELDS_MAX]; /* in wire order, after "event" */
};

extern const struct wp_def wp_event_fields[WPF_COUNT];
extern const struct wp_event_def wp_events[WPE_COUNT];
/* A log event's level names, by severity: debug, info, warn, error. */
extern const char *const wp_log_levels[4];

/* Strings borrowed as in struct wp_settings; a missing field holds its default. */
struct wp_event {
	enum wp_event_kind kind;
	const char *s[WPF_COUNT];
	long long n[WPF_COUNT];
	json_t *root;
};

/* Starts an event of kind: every field at its default. */
void wp_event_init(struct wp_event *e, enum wp_event_kind kind);
/*
 * Compact JSON of e (new string) with the kind's fields in wire order. Strings that
 * are not UTF-8 (client paths may hold any bytes) get U+FFFD for each bad byte.
 */
char *wp_event_encode(const struct wp_event *e);

enum {
	WP_EV_OK = 0,
	WP_EV_NOT_OBJECT = -1, /* not JSON, or not an object */
	WP_EV_UNKNOWN = -2,    /* "event" missing or not a kind above */
	WP_EV_BAD_FIELD = -3,  /* a field of the wrong type or out of range */
};
/* Decodes one event; err says what was wrong. Free with wp_event_free either way. */
int wp_event_decode(struct wp_event *e, const void *body, size_t len, char *err,
                    size_t errlen);
void wp_event_free(struct wp_event *e);
/* Index in wp_log_levels, -1 when unknown. */
int wp_log_level(const char *name);

#endif
