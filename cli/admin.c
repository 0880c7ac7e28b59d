/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The admin commands of the sftpgo program (syntax in sftpgo-user(8)):
 *   sftpgo initprovider [--config-dir D] [--config-file F]
 *   sftpgo user add|update|delete|list|show [flags]
 * They open the data provider directly (SQLite in WAL mode with a busy timeout), so
 * they work whether or not a server is running on the same database.
 * Exit status: 0 ok, 1 unknown user or a runtime failure, 2 bad input.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "account/cloud.h"
#include "account/account.h"
#include "account/extfilter.h"
#include "account/perm.h"
#include "account/user.h"
#include "auth/auth.h"
#include "cli/commands.h"
#include "config/conf.h"
#include "provider/provider.h"

#define EXIT_RUNTIME 1
#define EXIT_BAD_INPUT 2
#define LINE_MAX_LEN 16384

enum action {
	A_INIT = 1,
	A_ADD = 2,
	A_UPDATE = 4,
	A_DELETE = 8,
	A_LIST = 16,
	A_SHOW = 32
};
#define A_ALL (A_INIT | A_ADD | A_UPDATE | A_DELETE | A_LIST | A_SHOW)
#define A_EDIT (A_ADD | A_UPDATE)

enum opt_id {
	O_CONFIG_DIR = 256,
	O_CONFIG_FILE,
	O_USERNAME,
	O_PASSWORD,
	O_PASSWORD_FILE,
	O_PUBLIC_KEY_FILE,
	O_HOME_DIR,
	O_UID,
	O_GID,
	O_PERMISSIONS,
	O_MAX_SESSIONS,
	O_QUOTA_SIZE,
	O_QUOTA_FILES,
	O_UPLOAD_BW,
	O_DOWNLOAD_BW,
	O_STATUS,
	O_EXPIRATION,
	O_ALLOWED_IP,
	O_DENIED_IP,
	O_CREATE_HOME,
	O_JSON,
	O_HELP,
	O_ALLOWED_EXT,
	O_DENIED_EXT,
	O_VIRTUAL_FOLDER,
	O_LIBEXEC_DIR,
	/* SFTPGo's filesystem flags (portable mode's names) */
	O_FS_PROVIDER,
	O_S3_FIRST,
	O_S3_BUCKET = O_S3_FIRST,
	O_S3_REGION,
	O_S3_ACCESS_KEY,
	O_S3_ACCESS_SECRET,
	O_S3_ENDPOINT,
	O_S3_STORAGE_CLASS,
	O_S3_KEY_PREFIX,
	O_S3_PART_SIZE,
	O_S3_CONCURRENCY,
	O_S3_LAST = O_S3_CONCURRENCY,
	O_GCS_FIRST,
	O_GCS_BUCKET = O_GCS_FIRST,
	O_GCS_KEY_PREFIX,
	O_GCS_STORAGE_CLASS,
	O_GCS_ENDPOINT,
	O_GCS_CREDENTIALS_FILE,
	O_GCS_AUTOMATIC,
	O_GCS_LAST = O_GCS_AUTOMATIC,
};

/* gcsconfig member of each string --gcs-* flag, in enum order */
static const char *const gcs_members[] = {"bucket", "key_prefix", "storage_class",
                                          "endpoint"};

/* s3config member of each --s3-* flag, in enum order */
static const char *const s3_members[] = {
    "bucket",        "region",     "access_key",       "access_secret",     "endpoint",
    "storage_class", "key_prefix", "upload_part_size", "upload_concurrency"};

static const struct {
	struct option opt;
	int actions; /* where the flag is accepted */
} flags[] = {
    {{"config-dir", required_argument, NULL, O_CONFIG_DIR}, A_ALL},
    {{"config-file", required_argument, NULL, O_CONFIG_FILE}, A_ALL},
    {{"username", required_argument, NULL, O_USERNAME}, A_EDIT | A_DELETE | A_SHOW},
    {{"password", required_argument, NULL, O_PASSWORD}, A_EDIT},
    {{"password-file", required_argument, NULL, O_PASSWORD_FILE}, A_EDIT},
    {{"public-key-file", required_argument, NULL, O_PUBLIC_KEY_FILE}, A_EDIT},
    {{"home-dir", required_argument, NULL, O_HOME_DIR}, A_EDIT},
    {{"uid", required_argument, NULL, O_UID}, A_EDIT},
    {{"gid", required_argument, NULL, O_GID}, A_EDIT},
    {{"permissions", required_argument, NULL, O_PERMISSIONS}, A_EDIT},
    {{"max-sessions", required_argument, NULL, O_MAX_SESSIONS}, A_EDIT},
    {{"quota-size", required_argument, NULL, O_QUOTA_SIZE}, A_EDIT},
    {{"quota-files", required_argument, NULL, O_QUOTA_FILES}, A_EDIT},
    {{"upload-bandwidth", required_argument, NULL, O_UPLOAD_BW}, A_EDIT},
    {{"download-bandwidth", required_argument, NULL, O_DOWNLOAD_BW}, A_EDIT},
    {{"status", required_argument, NULL, O_STATUS}, A_EDIT},
    {{"expiration-date", required_argument, NULL, O_EXPIRATION}, A_EDIT},
    {{"allowed-ip", required_argument, NULL, O_ALLOWED_IP}, A_EDIT},
    {{"denied-ip", required_argument, NULL, O_DENIED_IP}, A_EDIT},
    {{"create-home", no_argument, NULL, O_CREATE_HOME}, A_EDIT},
    {{"json", no_argument, NULL, O_JSON}, A_LIST},
    {{"help", no_argument, NULL, O_HELP}, A_ALL},
    {{"allowed-extensions", required_argument, NULL, O_ALLOWED_EXT}, A_EDIT},
    {{"denied-extensions", required_argument, NULL, O_DENIED_EXT}, A_EDIT},
    {{"virtual-folder", required_argument, NULL, O_VIRTUAL_FOLDER}, A_EDIT},
    {{"libexec-dir", required_argument, NULL, O_LIBEXEC_DIR}, A_EDIT | A_DELETE},
    {{"fs-provider", required_argument, NULL, O_FS_PROVIDER}, A_EDIT},
    {{"s3-bucket", required_argument, NULL, O_S3_BUCKET}, A_EDIT},
    {{"s3-region", required_argument, NULL, O_S3_REGION}, A_EDIT},
    {{"s3-access-key", required_argument, NULL, O_S3_ACCESS_KEY}, A_EDIT},
    {{"s3-access-secret", required_argument, NULL, O_S3_ACCESS_SECRET}, A_EDIT},
    {{"s3-endpoint", required_argument, NULL, O_S3_ENDPOINT}, A_EDIT},
    {{"s3-storage-class", required_argument, NULL, O_S3_STORAGE_CLASS}, A_EDIT},
    {{"s3-key-prefix", required_argument, NULL, O_S3_KEY_PREFIX}, A_EDIT},
    {{"s3-upload-part-size", required_argument, NULL, O_S3_PART_SIZE}, A_EDIT},
    {{"s3-upload-concurrency", required_argument, NULL, O_S3_CONCURRENCY}, A_EDIT},
    {{"gcs-bucket", required_argument, NULL, O_GCS_BUCKET}, A_EDIT},
    {{"gcs-key-prefix", required_argument, NULL, O_GCS_KEY_PREFIX}, A_EDIT},
    {{"gcs-storage-class", required_argument, NULL, O_GCS_STORAGE_CLASS}, A_EDIT},
    {{"gcs-endpoint", required_argument, NULL, O_GCS_ENDPOINT}, A_EDIT},
    {{"gcs-credentials-file", required_argument, NULL, O_GCS_CREDENTIALS_FILE}, A_EDIT},
    {{"gcs-automatic-credentials", required_argument, NULL, O_GCS_AUTOMATIC}, A_EDIT},
};
#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))

/* What the command line asked for; list flags remember whether they were given. */
struct cli {
	enum action action;
	const char *name; /* "initprovider", "user add", ... */
	const char *config_dir, *config_file;
	const char *username;
	const char *password, *password_file;
	struct strlist key_files, perms, allowed_ip, denied_ip;
	int keys_given, perms_given, allowed_given, denied_given;
	const char *num[O_EXPIRATION - O_CONFIG_DIR + 1]; /* raw numeric flag values */
	const char *home_dir;
	int create_home, json;
	struct strlist ext[2]; /* --allowed-extensions, --denied-extensions */
	int ext_given;
	struct strlist folders; /* --virtual-folder "/vpath::/mapped/path" */
	int folders_given;
	const char *libexec_dir; /* where sftpgo-hookexec is (provider actions) */
	const char *fs_provider;
	const char *s3[O_S3_LAST - O_S3_FIRST + 1];    /* NULL: not given */
	const char *gcs[O_GCS_LAST - O_GCS_FIRST + 1]; /* NULL: not given */
};

static int
bad_input(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sftpgo %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_BAD_INPUT;
}

static int
runtime_error(const struct cli *c, const char *msg)
{
	fprintf(stderr, "sftpgo %s: %s\n", c->name, msg);
	return EXIT_RUNTIME;
}

static void
usage(FILE *f)
{
	fprintf(
	    f, "Usage:\n"
	       "  sftpgo initprovider [--config-dir D] [--config-file F]\n"
	       "  sftpgo user add --username U [--password P | --password-file F]\n"
	       "      [--public-key-file F]... [--home-dir D] [--uid N] [--gid N]\n"
	       "      [--permissions \"/:*\"]... [--max-sessions N] [--quota-size N]\n"
	       "      [--quota-files N] [--upload-bandwidth N] [--download-bandwidth N]\n"
	       "      [--status 0|1] [--expiration-date YYYY-MM-DD|0] [--allowed-ip "
	       "CIDR]...\n"
	       "      [--denied-ip CIDR]... [--create-home]\n"
	       "      [--allowed-extensions \"/dir::.ext1,.ext2\"]... "
	       "[--denied-extensions \"/dir::.ext\"]...\n"
	       "      [--virtual-folder /vpath::/mapped/path]...\n"
	       "      [--fs-provider 0|1|2] [--s3-bucket B] [--s3-region R] "
	       "[--s3-access-key K]\n"
	       "      [--s3-access-secret S] [--s3-endpoint URL] [--s3-storage-class C]\n"
	       "      [--s3-key-prefix P] [--s3-upload-part-size MiB] "
	       "[--s3-upload-concurrency N]\n"
	       "      [--gcs-bucket B] [--gcs-key-prefix P] [--gcs-storage-class C]\n"
	       "      [--gcs-credentials-file F] [--gcs-automatic-credentials "
	       "automatic|explicit]\n"
	       "      [--gcs-endpoint URL]\n"
	       "  sftpgo user update --username U [the same flags; only those given "
	       "change]\n"
	       "  sftpgo user delete --username U\n"
	       "  (add, update and delete also accept --libexec-dir D: where "
	       "sftpgo-hookexec is)\n"
	       "  sftpgo user list [--json]\n"
	       "  sftpgo user show --username U\n"
	       "  sftpgo user import --help (from passwd/shadow, Pure-FTPd, ProFTPD)\n"
	       "Every command accepts --config-dir D and --config-file F. See "
	       "sftpgo-user(8).\n");
}

/* A list flag: each use adds a value; an empty value clears the list. */
static int
add_list_value(struct strlist *l, int *given, const char *v)
{
	if (!*given) {
		strlist_free(l);
		*given = 1;
	}
	if (v[0] == '\0') {
		strlist_free(l);
		return 0;
	}
	return strlist_add(l, v);
}

static int
store_flag(struct cli *c, int id, const char *arg)
{
	switch (id) {
	case O_CONFIG_DIR:
		c->config_dir = arg;
		break;
	case O_CONFIG_FILE:
		c->config_file = arg;
		break;
	case O_USERNAME:
		c->username = arg;
		break;
	case O_PASSWORD:
		c->password = arg;
		break;
	case O_PASSWORD_FILE:
		c->password_file = arg;
		break;
	case O_HOME_DIR:
		c->home_dir = arg;
		break;
	case O_CREATE_HOME:
		c->create_home = 1;
		break;
	case O_JSON:
		c->json = 1;
		break;
	case O_PUBLIC_KEY_FILE:
		return add_list_value(&c->key_files, &c->keys_given, arg);
	case O_PERMISSIONS:
		return add_list_value(&c->perms, &c->perms_given, arg);
	case O_ALLOWED_IP:
		return add_list_value(&c->allowed_ip, &c->allowed_given, arg);
	case O_DENIED_IP:
		return add_list_value(&c->denied_ip, &c->denied_given, arg);
	case O_ALLOWED_EXT:
	case O_DENIED_EXT:
		c->ext_given = 1;
		return arg[0] == '\0' ? 0 : strlist_add(&c->ext[id == O_DENIED_EXT], arg);
	case O_VIRTUAL_FOLDER:
		return add_list_value(&c->folders, &c->folders_given, arg);
	case O_LIBEXEC_DIR:
		c->libexec_dir = arg;
		break;
	case O_FS_PROVIDER:
		c->fs_provider = arg;
		break;
	case O_S3_BUCKET:
	case O_S3_REGION:
	case O_S3_ACCESS_KEY:
	case O_S3_ACCESS_SECRET:
	case O_S3_ENDPOINT:
	case O_S3_STORAGE_CLASS:
	case O_S3_KEY_PREFIX:
	case O_S3_PART_SIZE:
	case O_S3_CONCURRENCY:
		c->s3[id - O_S3_FIRST] = arg;
		break;
	case O_GCS_BUCKET:
	case O_GCS_KEY_PREFIX:
	case O_GCS_STORAGE_CLASS:
	case O_GCS_ENDPOINT:
	case O_GCS_CREDENTIALS_FILE:
	case O_GCS_AUTOMATIC:
		c->gcs[id - O_GCS_FIRST] = arg;
		break;
	default:
		c->num[id - O_CONFIG_DIR] = arg;
		break;
	}
	return 0;
}

static const char *
flag_name(int id)
{
	for (size_t i = 0; i < N_FLAGS; i++)
		if (flags[i].opt.val == id)
			return flags[i].opt.name;
	return "?";
}

/* Parses argv (argv[0] is the action word); returns 0, or an exit status. */
static int
parse_flags(struct cli *c, int argc, char **argv)
{
	struct option longopts[N_FLAGS + 1];

	for (size_t i = 0; i < N_FLAGS; i++)
		longopts[i] = flags[i].opt;
	longopts[N_FLAGS] = (struct option){0};
	opterr = 0;
	optind = 0; /* full reset for GNU getopt */
	for (;;) {
		int id = getopt_long(argc, argv, "+:h", longopts, NULL);
		if (id == -1)
			break;
		if (id == 'h' || id == O_HELP) {
			usage(stdout);
			return -1;
		}
		if (id == '?')
			return bad_input(c, "unknown flag \"%s\"", argv[optind - 1]);
		if (id == ':')
			return bad_input(c, "flag \"%s\" needs a value",
			                 argv[optind - 1]);
		size_t i = 0;
		while (i < N_FLAGS && flags[i].opt.val != id)
			i++;
		if (i == N_FLAGS || !(flags[i].actions & c->action))
			return bad_input(c, "--%s is not valid here", flag_name(id));
		if (store_flag(c, id, optarg) != 0)
			return runtime_error(c, "out of memory");
	}
	if (optind < argc)
		return bad_input(c, "unexpected argument \"%s\"", argv[optind]);
	return 0;
}

/* Strict decimal integer in [min, max]. */
static int
parse_num(const struct cli *c, int id, int64_t min, int64_t max, int64_t *out)
{
	const char *s = c->num[id - O_CONFIG_DIR];
	char *end;

	if (s == NULL)
		return 0;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return bad_input(c, "--%s: \"%s\" is not an integer in [%lld, %lld]",
		                 flag_name(id), s, (long long)min, (long long)max);
	*out = v;
	return 0;
}

/* "YYYY-MM-DD" (UTC midnight) or "0" (never) -> ms since the epoch. */
static int
parse_date(const struct cli *c, int64_t *out)
{
	const char *s = c->num[O_EXPIRATION - O_CONFIG_DIR];
	int y, m, d, n = 0;

	if (s == NULL)
		return 0;
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 ||
	    n != 10 || y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return bad_input(c, "--expiration-date: \"%s\" is not YYYY-MM-DD or 0",
		                 s);
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
	time_t t = timegm(&tm);
	struct tm back;
	if (t == (time_t)-1 || gmtime_r(&t, &back) == NULL || back.tm_mday != d ||
	    back.tm_mon != m - 1)
		return bad_input(c, "--expiration-date: \"%s\" is not a real date", s);
	*out = (int64_t)t * 1000;
	return 0;
}

static int
parse_numbers(const struct cli *c, struct sftpgo_user *u)
{
	int rc;

	if ((rc = parse_num(c, O_UID, 0, 2147483647LL, &u->uid)) != 0 ||
	    (rc = parse_num(c, O_GID, 0, 2147483647LL, &u->gid)) != 0 ||
	    (rc = parse_num(c, O_MAX_SESSIONS, 0, INT32_MAX, &u->max_sessions)) != 0 ||
	    (rc = parse_num(c, O_QUOTA_SIZE, 0, INT64_MAX, &u->quota_size)) != 0 ||
	    (rc = parse_num(c, O_QUOTA_FILES, 0, INT32_MAX, &u->quota_files)) != 0 ||
	    (rc = parse_num(c, O_UPLOAD_BW, 0, INT32_MAX, &u->upload_bandwidth)) != 0 ||
	    (rc = parse_num(c, O_DOWNLOAD_BW, 0, INT32_MAX, &u->download_bandwidth)) !=
	        0 ||
	    (rc = parse_num(c, O_STATUS, 0, 1, &u->status)) != 0 ||
	    (rc = parse_date(c, &u->expiration_date)) != 0)
		return rc;
	return 0;
}

static void
chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' ||
	                 s[n - 1] == '\t'))
		s[--n] = '\0';
}

static int
set_password(const struct cli *c, struct sftpgo_user *u)
{
	char line[1100];

	if (c->password != NULL && c->password_file != NULL)
		return bad_input(c, "--password and --password-file are exclusive");
	if (c->password_file == NULL) {
		if (c->password == NULL)
			return 0;
		if (strlen(c->password) > 1024)
			return bad_input(c, "--password: longer than 1024 bytes");
		free(u->password);
		u->password = strdup(c->password);
		return u->password == NULL ? runtime_error(c, "out of memory") : 0;
	}
	FILE *f = fopen(c->password_file, "re");
	if (f == NULL)
		return bad_input(c, "--password-file: %s: %s", c->password_file,
		                 strerror(errno));
	int got = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	if (got && strchr(line, '\n') == NULL && strlen(line) > 1024)
		got = 0;
	if (got) {
		/* Only the line ending goes: spaces may be part of a password. */
		line[strcspn(line, "\r\n")] = '\0';
	}
	if (!got || line[0] == '\0') {
		explicit_bzero(line, sizeof(line));
		return bad_input(
		    c,
		    "--password-file: %s: the first line must hold the password "
		    "(1 to 1024 bytes)",
		    c->password_file);
	}
	free(u->password);
	u->password = strdup(line);
	explicit_bzero(line, sizeof(line));
	return u->password == NULL ? runtime_error(c, "out of memory") : 0;
}

/* Each non-blank line of each file that is not a # comment is one public key. */
static int
read_keys(const struct cli *c, struct strlist *keys)
{
	char *line = malloc(LINE_MAX_LEN);

	if (line == NULL)
		return runtime_error(c, "out of memory");
	for (size_t i = 0; i < c->key_files.n; i++) {
		const char *path = c->key_files.v[i];
		FILE *f = fopen(path, "re");
		int lineno = 0, found = 0;
		if (f == NULL) {
			free(line);
			return bad_input(c, "--public-key-file: %s: %s", path,
			                 strerror(errno));
		}
		while (fgets(line, LINE_MAX_LEN, f) != NULL) {
			lineno++;
			chomp(line);
			const char *k = line + strspn(line, " \t");
			if (k[0] == '\0' || k[0] == '#')
				continue;
			if (!auth_pubkey_valid(k) || strlist_add(keys, k) != 0) {
				fclose(f);
				free(line);
				return bad_input(
				    c,
				    "--public-key-file: %s: line %d is not a valid "
				    "public key",
				    path, lineno);
			}
			found++;
		}
		fclose(f);
		if (found == 0) {
			free(line);
			return bad_input(
			    c, "--public-key-file: %s: no public key in the file", path);
		}
	}
	free(line);
	return 0;
}

/* One "--permissions PATH:PERM[,PERM...]" value into map (split at the last ':'). */
static int
add_perm_entry(const struct cli *c, json_t *map, const char *v)
{
	const char *colon = strrchr(v, ':');

	if (colon == NULL || colon == v || colon[1] == '\0')
		return bad_input(c, "--permissions: \"%s\" is not PATH:PERM[,PERM...]",
		                 v);
	char *path = strndup(v, (size_t)(colon - v));
	char *list = strdup(colon + 1), *save = NULL;
	json_t *names = json_array();
	int rc = 0;
	if (path == NULL || list == NULL || names == NULL)
		rc = runtime_error(c, "out of memory");
	else if (json_object_get(map, path) != NULL)
		rc = bad_input(c, "--permissions: \"%s\" given twice", path);
	for (char *t = rc == 0 ? strtok_r(list, ",", &save) : NULL; t != NULL;
	     t = strtok_r(NULL, ",", &save))
		if (json_array_append_new(names, json_string(t)) != 0)
			rc = runtime_error(c, "out of memory");
	if (rc == 0 && json_object_set_new(map, path, names) != 0)
		rc = runtime_error(c, "out of memory");
	else if (rc != 0)
		json_decref(names);
	free(list);
	free(path);
	return rc;
}

/* The --permissions values -> the user's permission map (replaces it). */
static int
set_perms(const struct cli *c, struct sftpgo_user *u)
{
	char err[300];
	json_t *map = json_object();
	int rc = map != NULL ? 0 : runtime_error(c, "out of memory");

	for (size_t i = 0; rc == 0 && i < c->perms.n; i++)
		rc = add_perm_entry(c, map, c->perms.v[i]);
	if (rc == 0 && user_perms_from_json(map, u, err, sizeof(err)) != 0)
		rc = bad_input(c, "--%s", err);
	json_decref(map);
	return rc;
}

/* The extension flags -> filters.file_extensions (replaced; "" clears it). */
static int
set_file_extensions(const struct cli *c, struct sftpgo_user *u)
{
	static const char *const flag[2] = {"--allowed-extensions",
	                                    "--denied-extensions"};
	json_t *list = json_array();
	char err[4200];
	int rc = list != NULL ? 0 : runtime_error(c, "out of memory");

	for (int k = 0; k < 2; k++)
		for (size_t i = 0; rc == 0 && i < c->ext[k].n; i++) {
			int r = extfilter_add(list, c->ext[k].v[i], k, err, sizeof(err));
			if (r > 0)
				rc = bad_input(c, "%s: %s", flag[k], err);
			else if (r < 0)
				rc = runtime_error(c, "out of memory");
		}
	if (rc != 0) {
		json_decref(list);
		return rc;
	}
	extfilter_finish(list);
	json_decref(u->filters.file_extensions);
	u->filters.file_extensions = list;
	return 0;
}

/* The --virtual-folder values ("/vpath::/mapped/path", SFTPGo portable's form)
 * -> the user's virtual_folders (replaced; validated with the account). */
static int
set_folders(const struct cli *c, struct sftpgo_user *u)
{
	json_t *list = json_array();

	for (size_t i = 0; list != NULL && i < c->folders.n; i++) {
		const char *v = c->folders.v[i], *sep = strstr(v, "::");
		if (sep == NULL) {
			json_decref(list);
			return bad_input(c,
			                 "--virtual-folder: \"%s\" is not "
			                 "/virtual/path::/mapped/path",
			                 v);
		}
		if (json_array_append_new(list, json_pack("{s:s%,s:s}", "virtual_path", v,
		                                          (size_t)(sep - v),
		                                          "mapped_path", sep + 2)) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	if (list == NULL)
		return runtime_error(c, "out of memory");
	json_decref(u->virtual_folders);
	u->virtual_folders = list;
	return 0;
}

/* A strict decimal integer flag value in [min, max]. */
static int
flag_int(const struct cli *c, int id, const char *v, long long min, long long max,
         long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(v, &end, 10);
	if (v[0] == '\0' || *end != '\0' || errno != 0 || *out < min || *out > max)
		return bad_input(c, "--%s: \"%s\" is not an integer in [%lld, %lld]",
		                 flag_name(id), v, min, max);
	return 0;
}

/* --gcs-credentials-file: the key file's text, base64 (SFTPGo's credentials). */
static int
gcs_credentials(const struct cli *c, const char *path, json_t *gcs)
{
	char err[512];
	int r = cloud_gcs_set_key_file(gcs, path, err, sizeof(err));

	if (r > 0)
		return bad_input(c, "--gcs-credentials-file: %s", err);
	return r < 0 ? runtime_error(c, err) : 0;
}

/* --gcs-*: merged into filesystem.gcsconfig. */
static int
set_gcs(const struct cli *c, json_t *fs)
{
	json_t *gcs = json_object_get(fs, "gcsconfig");
	const char *ac = c->gcs[O_GCS_AUTOMATIC - O_GCS_FIRST];
	const char *cf = c->gcs[O_GCS_CREDENTIALS_FILE - O_GCS_FIRST];

	if (!json_is_object(gcs)) {
		gcs = json_object();
		if (json_object_set_new(fs, "gcsconfig", gcs) != 0)
			return runtime_error(c, "out of memory");
	}
	for (int id = O_GCS_FIRST; id <= O_GCS_ENDPOINT; id++) {
		const char *v = c->gcs[id - O_GCS_FIRST];
		if (v != NULL && json_object_set_new(gcs, gcs_members[id - O_GCS_FIRST],
		                                     json_string(v)) != 0)
			return runtime_error(c, "out of memory");
	}
	if (ac != NULL) {
		if (strcmp(ac, "automatic") != 0 && strcmp(ac, "explicit") != 0)
			return bad_input(c,
			                 "--gcs-automatic-credentials: \"%s\" is neither "
			                 "automatic nor explicit",
			                 ac);
		if (cf != NULL && strcmp(ac, "automatic") == 0)
			return bad_input(c, "--gcs-automatic-credentials automatic and "
			                    "--gcs-credentials-file exclude each other");
		if (json_object_set_new(gcs, "automatic_credentials",
		                        json_integer(strcmp(ac, "automatic") == 0)) != 0)
			return runtime_error(c, "out of memory");
	}
	return cf != NULL ? gcs_credentials(c, cf, gcs) : 0;
}

/* --fs-provider, --s3-* and --gcs-*: merged into filesystem (the others are kept). */
static int
set_filesystem(const struct cli *c, struct sftpgo_user *u)
{
	json_t *fs =
	    u->filesystem != NULL ? json_deep_copy(u->filesystem) : json_object();
	json_t *s3;
	long long n;
	int rc = 0;

	if (fs == NULL)
		return runtime_error(c, "out of memory");
	if (c->fs_provider != NULL &&
	    ((rc = flag_int(c, O_FS_PROVIDER, c->fs_provider, 0, 2, &n)) != 0 ||
	     json_object_set_new(fs, "provider", json_integer(n)) != 0))
		goto out;
	s3 = json_object_get(fs, "s3config");
	if (!json_is_object(s3)) {
		s3 = json_object();
		json_object_set_new(fs, "s3config", s3);
	}
	for (int id = O_S3_FIRST; id <= O_S3_LAST && rc == 0; id++) {
		const char *v = c->s3[id - O_S3_FIRST];
		json_t *val;
		if (v == NULL)
			continue;
		if (id == O_S3_PART_SIZE || id == O_S3_CONCURRENCY) {
			if ((rc = flag_int(c, id, v, 0, id == O_S3_PART_SIZE ? 5120 : 64,
			                   &n)) != 0)
				break;
			val = json_integer(n);
		} else {
			val = json_string(v);
		}
		if (val == NULL ||
		    json_object_set_new(s3, s3_members[id - O_S3_FIRST], val) != 0)
			rc = runtime_error(c, "out of memory");
	}
	if (rc == 0)
		rc = set_gcs(c, fs);
out:
	if (rc == 0) {
		json_decref(u->filesystem);
		u->filesystem = fs;
	} else {
		json_decref(fs);
	}
	return rc;
}

static int
filesystem_given(const struct cli *c)
{
	for (int i = 0; i <= O_S3_LAST - O_S3_FIRST; i++)
		if (c->s3[i] != NULL)
			return 1;
	for (int i = 0; i <= O_GCS_LAST - O_GCS_FIRST; i++)
		if (c->gcs[i] != NULL)
			return 1;
	return c->fs_provider != NULL;
}

/* Applies every flag given on the command line over u. */
static int
apply_flags(const struct cli *c, struct sftpgo_user *u)
{
	int rc;

	if ((rc = parse_numbers(c, u)) != 0 || (rc = set_password(c, u)) != 0)
		return rc;
	if (c->home_dir != NULL) {
		free(u->home_dir);
		u->home_dir = strdup(c->home_dir);
	}
	if (c->keys_given) {
		struct strlist keys = {0};
		if ((rc = read_keys(c, &keys)) != 0) {
			strlist_free(&keys);
			return rc;
		}
		strlist_free(&u->public_keys);
		u->public_keys = keys;
	}
	if (c->perms_given && (rc = set_perms(c, u)) != 0)
		return rc;
	if (c->ext_given && (rc = set_file_extensions(c, u)) != 0)
		return rc;
	if (c->folders_given && (rc = set_folders(c, u)) != 0)
		return rc;
	if (filesystem_given(c) && (rc = set_filesystem(c, u)) != 0)
		return rc;
	for (int k = 0; k < 2; k++) {
		const struct strlist *src = k == 0 ? &c->allowed_ip : &c->denied_ip;
		struct strlist *dst =
		    k == 0 ? &u->filters.allowed_ip : &u->filters.denied_ip;
		if (!(k == 0 ? c->allowed_given : c->denied_given))
			continue;
		strlist_free(dst);
		for (size_t i = 0; i < src->n; i++)
			if (strlist_add(dst, src->v[i]) != 0)
				return runtime_error(c, "out of memory");
	}
	return 0;
}

/* Which flag sets the field a validation message starts with. */
static const char *
flag_for_field(const char *msg)
{
	static const struct {
		const char *field, *flag;
	} map[] = {
	    {"username", "--username"},
	    {"home_dir", "--home-dir"},
	    {"uid", "--uid"},
	    {"gid", "--gid"},
	    {"permissions", "--permissions"},
	    {"allowed_ip", "--allowed-ip"},
	    {"denied_ip", "--denied-ip"},
	    {"password", "--password, --password-file or --public-key-file"},
	    {"public_keys", "--public-key-file"},
	    {"status", "--status"},
	    {"max_sessions", "--max-sessions"},
	    {"quota_size", "--quota-size"},
	    {"quota_files", "--quota-files"},
	    {"upload_bandwidth", "--upload-bandwidth"},
	    {"download_bandwidth", "--download-bandwidth"},
	    {"expiration_date", "--expiration-date"},
	    {"virtual_folders", "--virtual-folder"},
	    {"filesystem.provider", "--fs-provider"},
	    {"filesystem.s3config.bucket", "--s3-bucket"},
	    {"filesystem.s3config.region", "--s3-region"},
	    {"filesystem.s3config.access_key", "--s3-access-key and --s3-access-secret"},
	    {"filesystem.s3config.endpoint", "--s3-endpoint"},
	    {"filesystem.s3config.key_prefix", "--s3-key-prefix"},
	    {"filesystem.s3config.upload_part_size", "--s3-upload-part-size"},
	    {"filesystem.s3config.upload_concurrency", "--s3-upload-concurrency"},
	    {"filesystem.gcsconfig.bucket", "--gcs-bucket"},
	    {"filesystem.gcsconfig.key_prefix", "--gcs-key-prefix"},
	    {"filesystem.gcsconfig.endpoint", "--gcs-endpoint"},
	    {"filesystem.gcsconfig.automatic_credentials", "--gcs-automatic-credentials"},
	    {"filesystem.gcsconfig.credentials", "--gcs-credentials-file"},
	    {"could not validate GCS credentials", "--gcs-credentials-file"},
	    {"could not validate GCS config", "--gcs-credentials-file"},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		size_t n = strlen(map[i].field);
		if (strncmp(msg, map[i].field, n) == 0 && msg[n] == ':')
			return map[i].flag;
	}
	return NULL;
}

/* Provider errors that come from the account itself are bad input. */
static int
provider_error(const struct cli *c, const char *err)
{
	if (strncmp(err, "sqlite:", 7) == 0 || strncmp(err, "out of memory", 13) == 0)
		return runtime_error(c, err);
	const char *flag = flag_for_field(err);
	if (flag != NULL)
		return bad_input(c, "%s (%s)", err, flag);
	return bad_input(c, "%s", err);
}

static int
open_provider(const struct cli *c, struct sftpgo_config *cfg, struct provider **p)
{
	char err[1024];

	if (config_load(cfg, c->config_dir, c->config_file, err, sizeof(err)) != 0) {
		bad_input(c, "configuration: %s", err);
		return EXIT_BAD_INPUT;
	}
	cloud_set_credentials_dir(cfg->data_provider.credentials_path);
	if (p == NULL)
		return 0;
	if (provider_open(cfg, p, err, sizeof(err)) != 0)
		return runtime_error(c, err);
	int rc = provider_schema_exists(*p, err, sizeof(err));
	if (rc != 1) {
		provider_close(*p);
		*p = NULL;
		return runtime_error(c, rc == 0
		                            ? "the data provider has no users table; run "
		                              "\"sftpgo initprovider\" first"
		                            : err);
	}
	return 0;
}

static int
cmd_initprovider(const struct cli *c)
{
	struct sftpgo_config cfg;
	struct provider *p = NULL;
	char err[1024];
	int rc = open_provider(c, &cfg, NULL);

	if (rc != 0)
		return rc;
	const char *driver = cfg.data_provider.driver;
	if (driver != NULL && strcmp(driver, "sqlite") == 0) {
		/* The provider never creates a database file; this command does (0600:
		 * it holds password hashes). */
		char *path = config_path(&cfg, cfg.data_provider.name);
		int fd =
		    path != NULL
		        ? open(path, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600)
		        : -1;
		if (fd < 0) {
			snprintf(err, sizeof(err), "cannot create %s: %s",
			         path != NULL ? path : "database", strerror(errno));
			free(path);
			config_free(&cfg);
			return runtime_error(c, err);
		}
		close(fd);
		free(path);
	}
	if (provider_open(&cfg, &p, err, sizeof(err)) != 0 ||
	    provider_init_schema(p, err, sizeof(err)) != 0) {
		provider_close(p);
		config_free(&cfg);
		return runtime_error(c, err);
	}
	printf("Data provider initialized: driver %s, database %s\n", driver,
	       cfg.data_provider.name);
	provider_close(p);
	config_free(&cfg);
	return 0;
}

/*
 * mkdir -p home: missing parents are created root-owned 0755, the home itself 0700
 * owned by uid:gid. An existing home is accepted only when it is a directory
 * owned by uid; it is never chowned.
 */
static int
create_home(const struct cli *c, const struct sftpgo_user *u)
{
	struct stat st;
	char *path = strdup(u->home_dir);

	if (path == NULL)
		return runtime_error(c, "out of memory");
	if (lstat(path, &st) == 0) {
		int rc = 0;
		if (!S_ISDIR(st.st_mode))
			rc = bad_input(
			    c, "--create-home: %s exists and is not a directory", path);
		else if ((int64_t)st.st_uid != u->uid)
			rc = bad_input(
			    c,
			    "--create-home: %s exists and is owned by uid %u, not %lld",
			    path, (unsigned)st.st_uid, (long long)u->uid);
		free(path);
		return rc;
	}
	for (char *s = strchr(path + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			bad_input(c, "--create-home: mkdir %s: %s", path,
			          strerror(errno));
			free(path);
			return EXIT_RUNTIME;
		}
		*s = '/';
	}
	int fd = -1;
	if (mkdir(path, 0700) != 0 ||
	    (fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fchown(fd, (uid_t)u->uid, (gid_t)u->gid) != 0 || fchmod(fd, 0700) != 0) {
		fprintf(stderr, "sftpgo %s: --create-home: %s: %s\n", c->name, path,
		        strerror(errno));
		if (fd >= 0)
			close(fd);
		free(path);
		return EXIT_RUNTIME;
	}
	close(fd);
	free(path);
	return 0;
}

/*
 * data_provider.actions after a user change that succeeded: for add and update
 * the user as stored (read back), for delete the record loaded before. A failed
 * action is logged by hooks/ and never changes the command's result.
 */
static void
user_changed(const struct cli *c, const struct sftpgo_config *cfg, struct provider *p,
             const char *action, const struct sftpgo_user *deleted)
{
	if (deleted != NULL) {
		cli_user_changed(cfg, c->libexec_dir, action, deleted);
		return;
	}
	cli_user_stored(cfg, p, c->libexec_dir, action, c->username, c->name);
}

void
cli_user_stored(const struct sftpgo_config *cfg, struct provider *p,
                const char *libexec_dir, const char *action, const char *username,
                const char *cmd_name)
{
	struct sftpgo_user u;
	char err[1024];

	user_init(&u);
	if (provider_user_by_name(p, username, &u, err, sizeof(err)) != 0)
		fprintf(stderr,
		        "sftpgo %s: provider action %s not run: cannot read the "
		        "user back: %s\n",
		        cmd_name, action, err);
	else
		cli_user_changed(cfg, libexec_dir, action, &u);
	user_free(&u);
}

int
cli_user_add_new(struct provider *p, const char *users_base_dir, struct sftpgo_user *u,
                 char *err, size_t errlen)
{
	struct sftpgo_user existing;
	int rc;

	user_init(&existing);
	rc = provider_user_by_name(p, u->username, &existing, err, errlen);
	user_free(&existing);
	if (rc == 0) {
		snprintf(err, errlen, "username: user \"%s\" already exists",
		         u->username);
		return CLI_USER_EXISTS;
	}
	if (rc < 0 || account_prepare_for_store(u, users_base_dir, err, errlen) != 0)
		return -1;
	return provider_user_add(p, u, err, errlen) != 0 ? -1 : 0;
}

static int
cmd_add(const struct cli *c, const struct sftpgo_config *cfg, struct provider *p)
{
	const char *users_base_dir = cfg->data_provider.users_base_dir;
	struct sftpgo_user u;
	char err[1024];
	int rc;

	user_init(&u);
	if (c->username == NULL)
		return bad_input(c, "--username is required");
	u.username = strdup(c->username);
	if (!c->perms_given) { /* default: everything under "/" */
		rc = cli_user_perms_all(&u);
		if (rc != 0) {
			user_free(&u);
			return runtime_error(c, "out of memory");
		}
	}
	if ((rc = apply_flags(c, &u)) != 0) {
		user_free(&u);
		return rc;
	}
	if (c->num[O_UID - O_CONFIG_DIR] == NULL ||
	    c->num[O_GID - O_CONFIG_DIR] == NULL) {
		user_free(&u);
		return bad_input(
		    c, "--uid and --gid are required (the user's files belong to "
		       "them; 0/root is refused)");
	}
	rc = cli_user_add_new(p, users_base_dir, &u, err, sizeof(err));
	if (rc == CLI_USER_EXISTS) {
		user_free(&u);
		return bad_input(c, "--%s", err);
	}
	if (rc != 0) {
		user_free(&u);
		return provider_error(c, err);
	}
	if (c->create_home && (rc = create_home(c, &u)) != 0) {
		/* Do not leave an account whose home could not be set up. */
		provider_user_delete(p, u.id, err, sizeof(err));
		user_free(&u);
		return rc;
	}
	printf("User \"%s\" added with id %lld, home %s\n", u.username, (long long)u.id,
	       u.home_dir);
	fflush(stdout);
	user_free(&u);
	user_changed(c, cfg, p, "add", NULL);
	return 0;
}

int
cli_user_perms_all(struct sftpgo_user *u)
{
	char err[300];
	json_t *all = json_pack("{s:[s]}", "/", perm_name(PERM_ALL));
	int rc = all != NULL ? user_perms_from_json(all, u, err, sizeof(err)) : -1;

	json_decref(all);
	return rc;
}

static int
load_user(const struct cli *c, struct provider *p, struct sftpgo_user *u)
{
	char err[1024];

	if (c->username == NULL)
		return bad_input(c, "--username is required");
	int rc = provider_user_by_name(p, c->username, u, err, sizeof(err));
	if (rc == PROVIDER_NOT_FOUND) {
		fprintf(stderr, "sftpgo %s: user \"%s\" not found\n", c->name,
		        c->username);
		return EXIT_RUNTIME;
	}
	return rc != 0 ? runtime_error(c, err) : 0;
}

static int
cmd_update(const struct cli *c, const struct sftpgo_config *cfg, struct provider *p)
{
	struct sftpgo_user u;
	char err[1024];
	int rc;

	user_init(&u);
	if ((rc = load_user(c, p, &u)) != 0 || (rc = apply_flags(c, &u)) != 0) {
		user_free(&u);
		return rc;
	}
	rc = account_prepare_for_store(&u, NULL, err, sizeof(err));
	if (rc == 0)
		rc = provider_user_update(p, &u, err, sizeof(err));
	if (rc == PROVIDER_NOT_FOUND) {
		fprintf(stderr, "sftpgo %s: user \"%s\" not found\n", c->name,
		        c->username);
		rc = EXIT_RUNTIME;
	} else if (rc != 0) {
		rc = provider_error(c, err);
	} else if (c->create_home) {
		rc = create_home(c, &u);
	}
	if (rc == 0) {
		printf("User \"%s\" updated\n", u.username);
		fflush(stdout);
		user_changed(c, cfg, p, "update", NULL);
	}
	user_free(&u);
	return rc;
}

static int
cmd_delete(const struct cli *c, const struct sftpgo_config *cfg, struct provider *p)
{
	struct sftpgo_user u;
	int rc;

	user_init(&u);
	if ((rc = load_user(c, p, &u)) == 0) {
		char err[1024];
		rc = provider_user_delete(p, u.id, err, sizeof(err));
		if (rc == PROVIDER_NOT_FOUND)
			rc = runtime_error(c, "user not found");
		else if (rc != 0)
			rc = runtime_error(c, err);
		else {
			printf("User \"%s\" deleted (the home directory is kept)\n",
			       u.username);
			fflush(stdout);
			user_changed(c, cfg, p, "delete", &u);
		}
	}
	user_free(&u);
	return rc;
}

static int
print_json(json_t *j)
{
	if (j == NULL)
		return -1;
	int rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	putchar('\n');
	return rc;
}

static int
cmd_show(const struct cli *c, struct provider *p)
{
	struct sftpgo_user u;
	int rc;

	user_init(&u);
	if ((rc = load_user(c, p, &u)) == 0 && print_json(user_to_json(&u, 0)) != 0)
		rc = runtime_error(c, "cannot write the JSON");
	user_free(&u);
	return rc;
}

static int
list_row(const struct sftpgo_user *u, void *arg)
{
	json_t *arr = arg;
	char exp[16] = "never";

	if (arr != NULL)
		return json_array_append_new(arr, user_to_json(u, 0)) != 0 ? 1 : 0;
	if (u->expiration_date > 0) {
		time_t t = (time_t)(u->expiration_date / 1000);
		struct tm tm;
		if (gmtime_r(&t, &tm) != NULL)
			strftime(exp, sizeof(exp), "%Y-%m-%d", &tm);
	}
	printf("%-6lld %-20s %-32s %10lld %10lld %-8s %s\n", (long long)u->id,
	       u->username, u->home_dir, (long long)u->uid, (long long)u->gid,
	       u->status == USER_STATUS_ACTIVE ? "active" : "inactive", exp);
	return 0;
}

static int
cmd_list(const struct cli *c, struct provider *p)
{
	char err[1024] = "";
	json_t *arr = c->json ? json_array() : NULL;

	if (c->json && arr == NULL)
		return runtime_error(c, "out of memory");
	if (!c->json)
		printf("%-6s %-20s %-32s %10s %10s %-8s %s\n", "ID", "USERNAME", "HOME",
		       "UID", "GID", "STATUS", "EXPIRATION");
	int rc = provider_users_list(p, 0, 0, 0, NULL, list_row, arr, err, sizeof(err));
	if (rc != 0) {
		json_decref(arr);
		return runtime_error(c, rc < 0 ? err : "cannot build the listing");
	}
	if (c->json && print_json(arr) != 0)
		return runtime_error(c, "cannot write the JSON");
	return 0;
}

static void
cli_free(struct cli *c)
{
	strlist_free(&c->key_files);
	strlist_free(&c->perms);
	strlist_free(&c->allowed_ip);
	strlist_free(&c->denied_ip);
	strlist_free(&c->ext[0]);
	strlist_free(&c->ext[1]);
	strlist_free(&c->folders);
}

const char *
cli_provider_not_writable(const struct sftpgo_config *cfg)
{
	if (cfg->data_provider.driver == NULL ||
	    strcmp(cfg->data_provider.driver, "memory") != 0)
		return NULL;
	return "data_provider.driver is \"memory\": the users live in the memory of "
	       "the running \"sftpgo serve\", a separate process that this command "
	       "cannot change; edit the dump file named by data_provider.name and "
	       "send SIGHUP to sftpgo serve";
}

static int
run(struct cli *c)
{
	struct sftpgo_config cfg;
	struct provider *p = NULL;
	int rc;

	if (c->action == A_INIT)
		return cmd_initprovider(c);
	if ((rc = open_provider(c, &cfg, &p)) != 0) {
		if (rc == EXIT_RUNTIME)
			config_free(&cfg);
		return rc;
	}
	const char *ro = cli_provider_not_writable(&cfg);
	if (ro != NULL && (c->action & (A_ADD | A_UPDATE | A_DELETE)) != 0) {
		provider_close(p);
		config_free(&cfg);
		return runtime_error(c, ro);
	}
	switch (c->action) {
	case A_ADD:
		rc = cmd_add(c, &cfg, p);
		break;
	case A_UPDATE:
		rc = cmd_update(c, &cfg, p);
		break;
	case A_DELETE:
		rc = cmd_delete(c, &cfg, p);
		break;
	case A_SHOW:
		rc = cmd_show(c, p);
		break;
	default:
		rc = cmd_list(c, p);
		break;
	}
	provider_close(p);
	config_free(&cfg);
	return rc;
}

int
admin_main(int argc, char **argv)
{
	static const struct {
		const char *word, *name;
		enum action a;
	} actions[] = {
	    {"add", "user add", A_ADD},          {"update", "user update", A_UPDATE},
	    {"delete", "user delete", A_DELETE}, {"list", "user list", A_LIST},
	    {"show", "user show", A_SHOW},
	};
	struct cli c;

	if (strcmp(argv[0], "user") == 0 && argc > 1 && strcmp(argv[1], "import") == 0)
		return import_main(argc - 1, argv + 1);
	memset(&c, 0, sizeof(c));
	c.libexec_dir = SFTPGO_LIBEXECDIR;
	if (strcmp(argv[0], "initprovider") == 0) {
		c.action = A_INIT;
		c.name = "initprovider";
	} else {
		argc--;
		argv++;
		for (size_t i = 0; argc > 0 && i < sizeof(actions) / sizeof(actions[0]);
		     i++)
			if (strcmp(argv[0], actions[i].word) == 0) {
				c.action = actions[i].a;
				c.name = actions[i].name;
			}
		if (c.action == 0) {
			if (argc > 0 && (strcmp(argv[0], "--help") == 0 ||
			                 strcmp(argv[0], "-h") == 0)) {
				usage(stdout);
				return 0;
			}
			fprintf(stderr, "sftpgo user: %s \"%s\"\n",
			        argc > 0 ? "unknown action" : "missing action",
			        argc > 0 ? argv[0] : "add|update|delete|list|show");
			usage(stderr);
			return EXIT_BAD_INPUT;
		}
	}
	int rc = parse_flags(&c, argc, argv);
	if (rc == 0)
		rc = run(&c);
	else if (rc < 0)
		rc = 0; /* --help */
	cli_free(&c);
	return rc;
}
