/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpgo.json loading: defaults, then <config_dir>/<config_file>.json, then
 * SFTPGO_<SECTION>__<KEY> environment variables (see man/sftpgo.json.5).
 *
 * Every key is described once in the tables below (name, type, where it lives in
 * struct sftpgo_config, range or validator, whether it is a path). The file parser,
 * the environment overrides, the default sample file, the path resolution and
 * config_free all walk the same tables, so they cannot disagree.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/conf.h"
#include "config/formats.h"
#include "common/parse.h"
#include "common/strlist_json.h"

extern char **environ;

#define CONF_MAX_FILE_SIZE (4 * 1024 * 1024)

enum ktype { K_INT, K_BOOL, K_STR, K_LIST, K_KEYS, K_OBJ };

struct keydef;
typedef int (*str_check_fn)(const char *v, char *why, size_t whylen);

struct keydef {
	const char *name;
	enum ktype type;
	size_t off;                 /* offset of the member in struct sftpgo_config */
	long long min, max;         /* K_INT range */
	str_check_fn check;         /* K_STR / K_LIST item validator, may be NULL */
	const char *const *allowed; /* K_LIST: allowed items (NULL = any) */
	int is_path;                /* K_STR: resolved against the config dir */
	int secret;                 /* K_STR: wiped before it is freed */
	const struct keydef *sub;   /* K_OBJ: nested keys (NULL-terminated) */
	const char *alias;          /* other accepted name in the file */
	const char *env;            /* explicit env var name (log section) */
	/* Feature not built yet: a value other than the default is refused with this. */
	const char *refused;
};

struct section {
	const char *name;
	const struct keydef *keys;
	int in_file; /* 0: only environment (our "log" settings) */
};

#define OFF(m) offsetof(struct sftpgo_config, m)
#define INT(n, m, lo, hi)                                                                \
	{                                                                                \
		.name = n, .type = K_INT, .off = OFF(m), .min = lo, .max = hi            \
	}
#define BOOL(n, m)                                                                       \
	{                                                                                \
		.name = n, .type = K_BOOL, .off = OFF(m)                                 \
	}
#define STR(n, m, chk)                                                                   \
	{                                                                                \
		.name = n, .type = K_STR, .off = OFF(m), .check = chk                    \
	}
#define PATH(n, m)                                                                       \
	{                                                                                \
		.name = n, .type = K_STR, .off = OFF(m), .is_path = 1                    \
	}
#define LIST(n, m, allow)                                                                \
	{                                                                                \
		.name = n, .type = K_LIST, .off = OFF(m), .allowed = allow               \
	}

#define REFUSED(n, m, why)                                                               \
	{                                                                                \
		.name = n, .type = K_STR, .off = OFF(m), .refused = why                  \
	}
#define REFUSED_PATH(n, m, why)                                                          \
	{                                                                                \
		.name = n, .type = K_STR, .off = OFF(m), .is_path = 1, .refused = why    \
	}

static int check_umask(const char *v, char *why, size_t whylen);
static int check_cidr(const char *v, char *why, size_t whylen);
static int check_url(const char *v, char *why, size_t whylen);
static int check_abs_or_empty(const char *v, char *why, size_t whylen);
static int check_driver(const char *v, char *why, size_t whylen);
static int check_user(const char *v, char *why, size_t whylen);

static const char *const sftpd_actions_on[] = {"download", "upload",  "delete",
                                               "rename",   "ssh_cmd", NULL};
static const char *const provider_actions_on[] = {"add", "update", "delete", NULL};
/* SFTPGo 0.9.6's supported SSH commands; "*" expands to all of them. */
static const char *const ssh_commands[] = {"scp",
                                           "md5sum",
                                           "sha1sum",
                                           "sha256sum",
                                           "sha384sum",
                                           "sha512sum",
                                           "cd",
                                           "pwd",
                                           "git-receive-pack",
                                           "git-upload-pack",
                                           "git-upload-archive",
                                           "rsync",
                                           "*",
                                           NULL};
static const char *const drivers[] = {"sqlite", "mysql",  "postgresql",
                                      "bolt",   "memory", NULL};

static const struct keydef sftpd_actions[] = {
    {.name = "execute_on",
     .type = K_LIST,
     .off = OFF(sftpd.actions.execute_on),
     .allowed = sftpd_actions_on},
    {.name = "command",
     .type = K_STR,
     .off = OFF(sftpd.actions.command),
     .check = check_abs_or_empty},
    {.name = "http_notification_url",
     .type = K_STR,
     .off = OFF(sftpd.actions.http_notification_url),
     .check = check_url},
    {0},
};

static const struct keydef provider_actions[] = {
    {.name = "execute_on",
     .type = K_LIST,
     .off = OFF(data_provider.actions.execute_on),
     .allowed = provider_actions_on},
    {.name = "command",
     .type = K_STR,
     .off = OFF(data_provider.actions.command),
     .check = check_abs_or_empty},
    {.name = "http_notification_url",
     .type = K_STR,
     .off = OFF(data_provider.actions.http_notification_url),
     .check = check_url},
    {0},
};

static const struct keydef sftpd_keys[] = {
    INT("bind_port", sftpd.bind_port, 1, 65535),
    STR("bind_address", sftpd.bind_address, NULL),
    INT("idle_timeout", sftpd.idle_timeout, 0, INT_MAX),
    INT("max_auth_tries", sftpd.max_auth_tries, INT_MIN, INT_MAX),
    STR("umask", sftpd.umask, check_umask),
    STR("banner", sftpd.banner, NULL),
    INT("upload_mode", sftpd.upload_mode, 0, 2),
    {.name = "actions", .type = K_OBJ, .sub = sftpd_actions},
    {.name = "keys", .type = K_KEYS, .off = OFF(sftpd.keys)},
    BOOL("enable_scp", sftpd.enable_scp),
    LIST("kex_algorithms", sftpd.kex_algorithms, NULL),
    LIST("ciphers", sftpd.ciphers, NULL),
    LIST("macs", sftpd.macs, NULL),
    PATH("login_banner_file", sftpd.login_banner_file),
    INT("setstat_mode", sftpd.setstat_mode, 0, 1),
    LIST("enabled_ssh_commands", sftpd.enabled_ssh_commands, ssh_commands),
    STR("keyboard_interactive_auth_program", sftpd.keyboard_interactive_auth_program,
        check_abs_or_empty),
    INT("session_pool_size", sftpd.session_pool_size, 1, 1024),
    STR("unprivileged_user", sftpd.unprivileged_user, check_user),
    INT("max_startups_per_ip", sftpd.max_startups_per_ip, 1, 65535),
    /* SFTPGo 0.9.6 */
    INT("proxy_protocol", sftpd.proxy_protocol, 0, 2),
    {.name = "proxy_allowed",
     .type = K_LIST,
     .off = OFF(sftpd.proxy_allowed),
     .check = check_cidr},
    /* ours */
    INT("max_channels_per_connection", sftpd.max_channels_per_connection, 1, 256),
    STR("uid0_service_account", sftpd.uid0_service_account, check_user),
    BOOL("hooks_run_as_root", sftpd.hooks_run_as_root),
    {0},
};

static const struct keydef provider_keys[] = {
    STR("driver", data_provider.driver, check_driver),
    /* a path only for the file-based drivers: see resolve_paths() */
    STR("name", data_provider.name, NULL),
    /* the database servers' (postgresql, mysql): provider/postgresql.c, mysql.c */
    STR("host", data_provider.host, NULL),
    INT("port", data_provider.port, 0, 65535),
    STR("username", data_provider.username, NULL),
    {.name = "password", .type = K_STR, .off = OFF(data_provider.password), .secret = 1},
    INT("sslmode", data_provider.sslmode, 0, 3),
    {.name = "connection_string",
     .type = K_STR,
     .off = OFF(data_provider.connection_string),
     .alias = "connectionstring",
     .secret = 1}, /* may hold a password */
    STR("users_table", data_provider.users_table, NULL),
    {.name = "manage_users",
     .type = K_INT,
     .off = OFF(data_provider.manage_users),
     .min = 0,
     .max = 1},
    INT("track_quota", data_provider.track_quota, 0, 2),
    INT("pool_size", data_provider.pool_size, 0, INT_MAX),
    STR("users_base_dir", data_provider.users_base_dir, NULL),
    {.name = "actions", .type = K_OBJ, .sub = provider_actions},
    {.name = "external_auth_program",
     .type = K_STR,
     .off = OFF(data_provider.external_auth_program),
     .check = check_abs_or_empty},
    {.name = "external_auth_scope",
     .type = K_INT,
     .off = OFF(data_provider.external_auth_scope),
     .min = 0,
     .max = 7},
    {.name = "credentials_path",
     .type = K_STR,
     .off = OFF(data_provider.credentials_path),
     .is_path = 1},
    /* SFTPGo 0.9.6 */
    {.name = "pre_login_program",
     .type = K_STR,
     .off = OFF(data_provider.pre_login_program),
     .check = check_abs_or_empty},
    {0},
};

/*
 * The REST API and the web admin (sftpgo-httpd) honour every key: bind_port,
 * bind_address, the web admin's templates_path and static_files_path,
 * backups_path, auth_user_file and HTTPS (certificate_file, certificate_key_file).
 */
static const struct keydef httpd_keys[] = {
    INT("bind_port", httpd.bind_port, 0, 65535),
    STR("bind_address", httpd.bind_address, NULL),
    PATH("templates_path", httpd.templates_path),
    PATH("static_files_path", httpd.static_files_path),
    PATH("backups_path", httpd.backups_path),
    PATH("auth_user_file", httpd.auth_user_file),
    PATH("certificate_file", httpd.certificate_file),
    PATH("certificate_key_file", httpd.certificate_key_file),
    {0},
};

/* SFTPGo 2.x's common.defender (minutes, points; see man/sftpgo.json.5 and
 * defender/defender.h). The limits fit what the listener holds. */
static const struct keydef defender_keys[] = {
    BOOL("enabled", common.defender.enabled),
    INT("ban_time", common.defender.ban_time, 1, 525600),
    INT("ban_time_increment", common.defender.ban_time_increment, 0, 100000),
    INT("threshold", common.defender.threshold, 1, 1000000),
    INT("score_invalid", common.defender.score_invalid, 0, 1000000),
    INT("score_valid", common.defender.score_valid, 0, 1000000),
    INT("score_limit_exceeded", common.defender.score_limit_exceeded, 0, 1000000),
    INT("observation_time", common.defender.observation_time, 1, 525600),
    INT("entries_soft_limit", common.defender.entries_soft_limit, 1, 4095),
    INT("entries_hard_limit", common.defender.entries_hard_limit, 2, 4096),
    PATH("safelist_file", common.defender.safelist_file),
    PATH("blocklist_file", common.defender.blocklist_file),
    {0},
};

static const struct keydef common_keys[] = {
    {.name = "defender", .type = K_OBJ, .sub = defender_keys},
    {0},
};

/* The serve command's log flags: environment only, as SFTPGo (not in the file). */
static const struct keydef log_keys[] = {
    {.name = "file_path",
     .type = K_STR,
     .off = OFF(log.file_path),
     .is_path = 1,
     .env = "SFTPGO_LOG_FILE_PATH"},
    {.name = "max_size_mb",
     .type = K_INT,
     .off = OFF(log.max_size_mb),
     .min = 1,
     .max = 1024 * 1024,
     .env = "SFTPGO_LOG_MAX_SIZE"},
    {.name = "max_backups",
     .type = K_INT,
     .off = OFF(log.max_backups),
     .min = 0,
     .max = 1000000,
     .env = "SFTPGO_LOG_MAX_BACKUPS"},
    {.name = "max_age_days",
     .type = K_INT,
     .off = OFF(log.max_age_days),
     .min = 0,
     .max = 1000000,
     .env = "SFTPGO_LOG_MAX_AGE"},
    {.name = "compress",
     .type = K_BOOL,
     .off = OFF(log.compress),
     .env = "SFTPGO_LOG_COMPRESS"},
    {.name = "verbose",
     .type = K_BOOL,
     .off = OFF(log.verbose),
     .env = "SFTPGO_LOG_VERBOSE"},
    {0},
};

static const struct section sections[] = {
    {"sftpd", sftpd_keys, 1}, {"data_provider", provider_keys, 1},
    {"httpd", httpd_keys, 1}, {"common", common_keys, 1},
    {"log", log_keys, 0},     {NULL, NULL, 0},
};

/* ---- member access ---- */

static int *
int_at(struct sftpgo_config *c, const struct keydef *k)
{
	return (int *)(void *)((char *)c + k->off);
}

static bool *
bool_at(struct sftpgo_config *c, const struct keydef *k)
{
	return (bool *)(void *)((char *)c + k->off);
}

static char **
str_at(struct sftpgo_config *c, const struct keydef *k)
{
	return (char **)(void *)((char *)c + k->off);
}

static struct strlist *
list_at(struct sftpgo_config *c, const struct keydef *k)
{
	return (struct strlist *)(void *)((char *)c + k->off);
}

static const void *
cat(const struct sftpgo_config *c, const struct keydef *k)
{
	return (const char *)c + k->off;
}

static void errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
set_str(char **dst, const char *v)
{
	char *c = strdup(v);

	if (c == NULL)
		return -1;
	free(*dst);
	*dst = c;
	return 0;
}

/* ---- validators: return 0 or -1 with the reason in why ---- */

static int
check_umask(const char *v, char *why, size_t whylen)
{
	mode_t m;

	if (parse_umask(v, &m) < 0) {
		errf(why, whylen,
		     "must be an octal string between 0000 and 0777, got \"%s\"", v);
		return -1;
	}
	return 0;
}

static int
check_abs_or_empty(const char *v, char *why, size_t whylen)
{
	if (v[0] != '\0' && v[0] != '/') {
		errf(why, whylen, "must be an absolute path or empty, got \"%s\"", v);
		return -1;
	}
	return 0;
}

static int
in_list(const char *const *l, const char *v)
{
	for (; *l != NULL; l++)
		if (strcmp(*l, v) == 0)
			return 1;
	return 0;
}

static int
check_driver(const char *v, char *why, size_t whylen)
{
	if (!in_list(drivers, v)) {
		errf(why, whylen,
		     "unsupported driver \"%s\" (one of sqlite, mysql, postgresql, bolt, "
		     "memory)",
		     v);
		return -1;
	}
	return 0;
}

static int
check_user(const char *v, char *why, size_t whylen)
{
	if (v[0] != '\0' && getpwnam(v) == NULL) {
		errf(why, whylen, "no such system user \"%s\"", v);
		return -1;
	}
	return 0;
}

/* http(s)://host[:port][/path][?query]: a host is required, no blanks or controls. */
static int
check_url(const char *v, char *why, size_t whylen)
{
	const char *h, *end, *colon;
	size_t hostlen;

	if (v[0] == '\0')
		return 0;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p <= 0x20 || *p == 0x7f) {
			errf(why, whylen, "not a valid URL (blank or control character)");
			return -1;
		}
	}
	if (strncmp(v, "http://", 7) == 0)
		h = v + 7;
	else if (strncmp(v, "https://", 8) == 0)
		h = v + 8;
	else {
		errf(why, whylen, "not a valid http or https URL: \"%s\"", v);
		return -1;
	}
	end = h + strcspn(h, "/?#");
	if (memchr(h, '@', (size_t)(end - h)) != NULL) {
		errf(why, whylen, "URL must not carry credentials: \"%s\"", v);
		return -1;
	}
	colon = NULL;
	if (*h == '[') { /* IPv6 literal */
		const char *rb = memchr(h, ']', (size_t)(end - h));
		if (rb == NULL) {
			errf(why, whylen, "not a valid URL host: \"%s\"", v);
			return -1;
		}
		if (rb + 1 < end) {
			if (rb[1] != ':') {
				errf(why, whylen, "not a valid URL host: \"%s\"", v);
				return -1;
			}
			colon = rb + 1;
		}
		hostlen = (size_t)(rb - h) + 1;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		hostlen = (size_t)((colon ? colon : end) - h);
	}
	if (hostlen == 0 || (*h == '[' && hostlen < 3)) {
		errf(why, whylen, "URL has no host: \"%s\"", v);
		return -1;
	}
	if (colon != NULL) {
		long port = 0;
		const char *p = colon + 1;
		if (p == end) {
			errf(why, whylen, "URL has an empty port: \"%s\"", v);
			return -1;
		}
		for (; p < end; p++) {
			if (!isdigit((unsigned char)*p) ||
			    (port = port * 10 + (*p - '0')) > 65535) {
				errf(why, whylen, "URL has a bad port: \"%s\"", v);
				return -1;
			}
		}
		if (port == 0) {
			errf(why, whylen, "URL has a bad port: \"%s\"", v);
			return -1;
		}
	}
	return 0;
}

/* An IP or a CIDR range (proxy_allowed): inet_pton plus a decimal prefix. */
static int
check_cidr(const char *v, char *why, size_t whylen)
{
	char ip[INET6_ADDRSTRLEN + 1];
	unsigned char buf[16];
	const char *slash = strchr(v, '/');
	size_t n = slash != NULL ? (size_t)(slash - v) : strlen(v);
	int af, maxp;

	if (n == 0 || n >= sizeof(ip))
		goto bad;
	memcpy(ip, v, n);
	ip[n] = '\0';
	af = strchr(ip, ':') != NULL ? AF_INET6 : AF_INET;
	maxp = af == AF_INET6 ? 128 : 32;
	if (inet_pton(af, ip, buf) != 1)
		goto bad;
	if (slash != NULL) {
		long long p;
		char *end;

		errno = 0;
		p = strtoll(slash + 1, &end, 10);
		if (slash[1] == '\0' || !isdigit((unsigned char)slash[1]) ||
		    *end != '\0' || errno != 0 || p < 0 || p > maxp)
			goto bad;
	}
	return 0;
bad:
	errf(why, whylen, "not an IP address or CIDR range: \"%s\"", v);
	return -1;
}

/* ---- typed setters shared by the file and the environment ---- */

static int
store_int(struct sftpgo_config *c, const struct keydef *k, long long v, char *why,
          size_t wl)
{
	if (v < k->min || v > k->max) {
		if (k->min == INT_MIN)
			errf(why, wl, "out of range");
		else if (k->max == INT_MAX)
			errf(why, wl, "must be >= %lld, got %lld", k->min, v);
		else
			errf(why, wl, "must be between %lld and %lld, got %lld", k->min,
			     k->max, v);
		return -1;
	}
	*int_at(c, k) = (int)v;
	return 0;
}

static int
store_str(struct sftpgo_config *c, const struct keydef *k, const char *v, char *why,
          size_t wl)
{
	char **slot = str_at(c, k);

	if (k->check != NULL && k->check(v, why, wl) < 0)
		return -1;
	if (k->secret && *slot != NULL)
		explicit_bzero(*slot, strlen(*slot));
	if (set_str(slot, v) < 0) {
		errf(why, wl, "out of memory");
		return -1;
	}
	return 0;
}

static int
list_item_ok(const struct keydef *k, const char *v, char *why, size_t wl)
{
	if (k->allowed != NULL && !in_list(k->allowed, v)) {
		size_t used;

		errf(why, wl, "unknown value \"%s\" (allowed:", v);
		for (const char *const *a = k->allowed; *a != NULL; a++) {
			used = strlen(why);
			if (used < wl)
				snprintf(why + used, wl - used, " %s", *a);
		}
		used = strlen(why);
		if (used < wl)
			snprintf(why + used, wl - used, ")");
		return -1;
	}
	if (v[0] == '\0') {
		errf(why, wl, "empty list item");
		return -1;
	}
	if (k->check != NULL && k->check(v, why, wl) < 0)
		return -1;
	return 0;
}

/* Replaces the list with l (taking ownership). */
static void
store_list(struct sftpgo_config *c, const struct keydef *k, struct strlist *l)
{
	strlist_free(list_at(c, k));
	*list_at(c, k) = *l;
	l->v = NULL;
	l->n = 0;
}

/* ---- file parsing ---- */

static int set_from_json(struct sftpgo_config *c, const struct keydef *k, json_t *v,
                         const char *key, char *err, size_t errlen);

static const char *
json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "?";
}

static int
wrong_type(const char *key, const char *want, const json_t *v, char *err, size_t errlen)
{
	errf(err, errlen, "%s: must be %s, not %s", key, want, json_type_name(v));
	return -1;
}

static const struct keydef *
find_key(const struct keydef *keys, const char *name)
{
	for (const struct keydef *k = keys; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0 ||
		    (k->alias && strcmp(k->alias, name) == 0))
			return k;
	return NULL;
}

static int
set_object(struct sftpgo_config *c, const struct keydef *keys, json_t *obj,
           const char *prefix, char *err, size_t errlen)
{
	const char *name;
	json_t *v;
	char key[256];

	json_object_foreach(obj, name, v)
	{
		const struct keydef *k = find_key(keys, name);

		snprintf(key, sizeof(key), "%s.%s", prefix, name);
		if (k == NULL) {
			errf(err, errlen, "%s: unknown key", key);
			return -1;
		}
		if (k->alias != NULL && strcmp(name, k->alias) == 0 &&
		    json_object_get(obj, k->name) != NULL) {
			errf(err, errlen, "%s: both %s and its alias %s are set", key,
			     k->name, k->alias);
			return -1;
		}
		if (set_from_json(c, k, v, key, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static int
list_from_json(const struct keydef *k, json_t *v, const char *key, struct strlist *out,
               char *err, size_t errlen)
{
	size_t i;
	json_t *it;
	char why[256];

	if (!json_is_array(v))
		return wrong_type(key, "a list of strings", v, err, errlen);
	json_array_foreach(v, i, it)
	{
		if (!json_is_string(it)) {
			errf(err, errlen, "%s[%zu]: must be a string, not %s", key, i,
			     json_type_name(it));
			return -1;
		}
		if (list_item_ok(k, json_string_value(it), why, sizeof(why)) < 0) {
			errf(err, errlen, "%s[%zu]: %s", key, i, why);
			return -1;
		}
		if (strlist_add(out, json_string_value(it)) < 0) {
			errf(err, errlen, "%s: out of memory", key);
			return -1;
		}
	}
	return 0;
}

/* "keys": [{"private_key": "path"}, ...] */
static int
keys_from_json(json_t *v, const char *key, struct strlist *out, char *err, size_t errlen)
{
	size_t i;
	json_t *it;

	if (!json_is_array(v))
		return wrong_type(key, "a list of objects", v, err, errlen);
	json_array_foreach(v, i, it)
	{
		const char *name;
		json_t *pk;
		const char *path = NULL;

		if (!json_is_object(it)) {
			errf(err, errlen, "%s[%zu]: must be an object, not %s", key, i,
			     json_type_name(it));
			return -1;
		}
		json_object_foreach(it, name, pk)
		{
			if (strcmp(name, "private_key") != 0) {
				errf(err, errlen, "%s[%zu].%s: unknown key", key, i,
				     name);
				return -1;
			}
			if (!json_is_string(pk)) {
				errf(err, errlen,
				     "%s[%zu].private_key: must be a string, not %s", key,
				     i, json_type_name(pk));
				return -1;
			}
			path = json_string_value(pk);
		}
		if (path == NULL || path[0] == '\0') {
			errf(err, errlen, "%s[%zu].private_key: missing or empty", key,
			     i);
			return -1;
		}
		if (strlist_add(out, path) < 0) {
			errf(err, errlen, "%s: out of memory", key);
			return -1;
		}
	}
	return 0;
}

static int
set_from_json(struct sftpgo_config *c, const struct keydef *k, json_t *v, const char *key,
              char *err, size_t errlen)
{
	char why[256];
	struct strlist l = {0};

	switch (k->type) {
	case K_INT:
		if (!json_is_integer(v))
			return wrong_type(key, "an integer", v, err, errlen);
		if (store_int(c, k, json_integer_value(v), why, sizeof(why)) < 0)
			goto bad;
		return 0;
	case K_BOOL:
		if (!json_is_boolean(v))
			return wrong_type(key, "a boolean (true or false)", v, err,
			                  errlen);
		*bool_at(c, k) = json_is_true(v);
		return 0;
	case K_STR:
		if (!json_is_string(v))
			return wrong_type(key, "a string", v, err, errlen);
		if (store_str(c, k, json_string_value(v), why, sizeof(why)) < 0)
			goto bad;
		return 0;
	case K_LIST:
		if (list_from_json(k, v, key, &l, err, errlen) < 0) {
			strlist_free(&l);
			return -1;
		}
		store_list(c, k, &l);
		return 0;
	case K_KEYS:
		if (keys_from_json(v, key, &l, err, errlen) < 0) {
			strlist_free(&l);
			return -1;
		}
		store_list(c, k, &l);
		return 0;
	case K_OBJ:
		if (!json_is_object(v))
			return wrong_type(key, "an object", v, err, errlen);
		return set_object(c, k->sub, v, key, err, errlen);
	}
	return -1;
bad:
	errf(err, errlen, "%s: %s", key, why);
	return -1;
}

static int
apply_json(struct sftpgo_config *c, json_t *root, char *err, size_t errlen)
{
	const char *name;
	json_t *v;

	if (!json_is_object(root)) {
		errf(err, errlen, "the top level must be an object");
		return -1;
	}
	json_object_foreach(root, name, v)
	{
		const struct section *s;

		for (s = sections; s->name != NULL; s++)
			if (s->in_file && strcmp(s->name, name) == 0)
				break;
		if (s->name == NULL) {
			errf(err, errlen, "%s: unknown key", name);
			return -1;
		}
		if (!json_is_object(v))
			return wrong_type(name, "an object", v, err, errlen);
		if (set_object(c, s->keys, v, name, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* Reads a regular file of bounded size; a NUL-terminated copy in *out. */
static int
read_small_file(const char *path, char **out, size_t *outlen, char *err, size_t errlen)
{
	struct stat st;
	char *b;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > CONF_MAX_FILE_SIZE) {
		errf(err, errlen, "%s: not a regular file of at most %d bytes", path,
		     CONF_MAX_FILE_SIZE);
		close(fd);
		return -1;
	}
	b = malloc((size_t)st.st_size + 1);
	if (b == NULL) {
		close(fd);
		errf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			errf(err, errlen, "%s: read error: %s", path,
			     r < 0 ? strerror(errno) : "file shrank");
			free(b);
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	b[got] = '\0';
	*out = b;
	*outlen = got;
	return 0;
}

static int type_flat(json_t *root, char *err, size_t errlen);

/* The format of a located file, by its extension (locate_file() chose it). */
static enum conf_format
format_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot == NULL || strcmp(dot, ".json") == 0)
		return CONF_JSON;
	if (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0)
		return CONF_YAML;
	if (strcmp(dot, ".toml") == 0)
		return CONF_TOML;
	if (strcmp(dot, ".hcl") == 0)
		return CONF_HCL;
	if (strcmp(dot, ".ini") == 0)
		return CONF_INI;
	if (strcmp(dot, ".env") == 0 || strcmp(dot, ".dotenv") == 0)
		return CONF_ENV;
	return CONF_PROPERTIES;
}

/* Any format into the one JSON tree apply_json() validates. */
static json_t *
parse_any(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
	enum conf_format fmt = format_of(path);
	json_error_t je;
	char inner[384];
	json_t *root;

	if (fmt == CONF_JSON) {
		root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
		if (root == NULL)
			errf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column,
			     je.text);
		return root;
	}
	if (fmt == CONF_YAML)
		root = conf_yaml_parse(text, len, inner, sizeof(inner));
	else if (fmt == CONF_TOML)
		root = conf_toml_parse(text, len, inner, sizeof(inner));
	else if (fmt == CONF_HCL)
		root = conf_hcl_parse(text, len, inner, sizeof(inner));
	else
		root = conf_flat_parse(fmt, text, len, inner, sizeof(inner));
	/* only the flat formats lack types */
	if (root != NULL &&
	    (fmt == CONF_ENV || fmt == CONF_PROPERTIES || fmt == CONF_INI) &&
	    type_flat(root, inner, sizeof(inner)) < 0) {
		json_decref(root);
		root = NULL;
	}
	if (root == NULL)
		errf(err, errlen, "%s:%s", path, inner);
	return root;
}

static int
load_file(struct sftpgo_config *c, const char *path, char *err, size_t errlen)
{
	char *text;
	size_t len;
	json_t *root;
	char inner[512];
	int rc;

	if (read_small_file(path, &text, &len, err, errlen) < 0)
		return -1;
	root = parse_any(path, text, len, err, errlen);
	free(text);
	if (root == NULL)
		return -1;
	rc = apply_json(c, root, inner, sizeof(inner));
	json_decref(root);
	if (rc < 0)
		errf(err, errlen, "%s: %s", path, inner);
	return rc;
}

/* ---- environment overrides ---- */

static void
env_name(char *out, size_t outlen, const char *section, const char *obj, const char *key)
{
	size_t i;

	if (obj != NULL)
		snprintf(out, outlen, "SFTPGO_%s__%s__%s", section, obj, key);
	else
		snprintf(out, outlen, "SFTPGO_%s__%s", section, key);
	for (i = 0; out[i] != '\0'; i++)
		out[i] = (char)toupper((unsigned char)out[i]);
}

/* Strict: optional '-', decimal digits only, within long long. */
static int
parse_ll(const char *s, long long *out)
{
	char *end;

	if (s[0] == '\0' || isspace((unsigned char)s[0]) || s[0] == '+')
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

static int
parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*out = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

/* "a, b,c" -> [a, b, c]; "" -> []; empty items are an error. */
static int
split_list(const struct keydef *k, const char *s, struct strlist *out, char *why,
           size_t wl)
{
	char *copy, *item, *save = NULL;
	int rc = 0;

	if (s[strspn(s, " \t")] == '\0')
		return 0;
	copy = strdup(s);
	if (copy == NULL) {
		errf(why, wl, "out of memory");
		return -1;
	}
	/* strtok_r would merge ",,": find empty items first */
	for (const char *p = s;; p++) {
		const char *q = p + strspn(p, " \t");
		if (*q == ',' || *q == '\0') {
			errf(why, wl, "empty list item");
			free(copy);
			return -1;
		}
		p = strchr(p, ',');
		if (p == NULL)
			break;
	}
	for (item = strtok_r(copy, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save)) {
		size_t n;

		item += strspn(item, " \t");
		n = strlen(item);
		while (n > 0 && (item[n - 1] == ' ' || item[n - 1] == '\t'))
			item[--n] = '\0';
		if (k != NULL && list_item_ok(k, item, why, wl) < 0) {
			rc = -1;
			break;
		}
		if (strlist_add(out, item) < 0) {
			errf(why, wl, "out of memory");
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

/* A flat format's string value as the key's type (as the environment is read). */
static json_t *
typed_value(const struct keydef *k, const char *v, char *why, size_t wl)
{
	long long n;
	bool b;
	struct strlist l = {0};
	json_t *out = NULL;

	switch (k->type) {
	case K_INT:
		if (parse_ll(v, &n) < 0)
			errf(why, wl, "not an integer: \"%s\"", v);
		else
			out = json_integer(n);
		break;
	case K_BOOL:
		if (parse_bool(v, &b) < 0)
			errf(why, wl, "must be true, false, 1 or 0, got \"%s\"", v);
		else
			out = json_boolean(b);
		break;
	case K_LIST:
	case K_KEYS:
		if (split_list(k->type == K_LIST ? k : NULL, v, &l, why, wl) < 0)
			break;
		out = k->type == K_LIST ? strlist_to_json(&l) : json_array();
		for (size_t i = 0; k->type == K_KEYS && out != NULL && i < l.n; i++)
			json_array_append_new(out,
			                      json_pack("{s:s}", "private_key", l.v[i]));
		break;
	case K_STR:
	case K_OBJ:
		out = json_string(v);
		break;
	}
	strlist_free(&l);
	return out;
}

static int
type_keys(const struct keydef *keys, json_t *obj, const char *prefix, char *err,
          size_t errlen)
{
	const char *name;
	json_t *v;
	char why[256], path[128];

	json_object_foreach(obj, name, v)
	{
		const struct keydef *k = find_key(keys, name);
		snprintf(path, sizeof(path), "%s.%s", prefix, name);
		if (k == NULL) /* apply_json() names it */
			continue;
		if (k->type == K_OBJ && json_is_object(v)) {
			if (type_keys(k->sub, v, path, err, errlen) < 0)
				return -1;
			continue;
		}
		if (!json_is_string(v) || k->type == K_STR || k->type == K_OBJ)
			continue;
		json_t *t = typed_value(k, json_string_value(v), why, sizeof(why));
		if (t == NULL) {
			errf(err, errlen, "%s: %s", path, why);
			return -1;
		}
		json_object_set_new(obj, name, t);
	}
	return 0;
}

/* dotenv and properties give strings: typed by the key table before validation. */
static int
type_flat(json_t *root, char *err, size_t errlen)
{
	for (const struct section *s = sections; s->name != NULL; s++) {
		json_t *o = json_object_get(root, s->name);
		if (s->in_file && json_is_object(o) &&
		    type_keys(s->keys, o, s->name, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static int
set_from_env(struct sftpgo_config *c, const struct keydef *k, const char *v, char *why,
             size_t wl)
{
	long long n;
	struct strlist l = {0};

	switch (k->type) {
	case K_INT:
		if (parse_ll(v, &n) < 0) {
			errf(why, wl, "not an integer: \"%s\"", v);
			return -1;
		}
		return store_int(c, k, n, why, wl);
	case K_BOOL:
		if (parse_bool(v, bool_at(c, k)) < 0) {
			errf(why, wl, "must be true, false, 1 or 0, got \"%s\"", v);
			return -1;
		}
		return 0;
	case K_STR:
		return store_str(c, k, v, why, wl);
	case K_LIST:
	case K_KEYS:
		if (split_list(k->type == K_LIST ? k : NULL, v, &l, why, wl) < 0) {
			strlist_free(&l);
			return -1;
		}
		store_list(c, k, &l);
		return 0;
	case K_OBJ:
		break;
	}
	return -1;
}

static int
apply_env_keys(struct sftpgo_config *c, const char *section, const char *obj,
               const struct keydef *keys, char *err, size_t errlen)
{
	char name[192], why[256];

	for (const struct keydef *k = keys; k->name != NULL; k++) {
		const char *v;

		if (k->type == K_OBJ) {
			if (apply_env_keys(c, section, k->name, k->sub, err, errlen) < 0)
				return -1;
			continue;
		}
		if (k->env != NULL)
			snprintf(name, sizeof(name), "%s", k->env);
		else
			env_name(name, sizeof(name), section, obj, k->name);
		v = getenv(name);
		if (v == NULL)
			continue;
		if (set_from_env(c, k, v, why, sizeof(why)) < 0) {
			errf(err, errlen, "environment variable %s: %s", name, why);
			return -1;
		}
	}
	return 0;
}

static int
env_names_key(const char *var, const char *section, const char *obj,
              const struct keydef *keys)
{
	char name[192];

	for (const struct keydef *k = keys; k->name != NULL; k++) {
		if (k->type == K_OBJ) {
			if (env_names_key(var, section, k->name, k->sub))
				return 1;
			continue;
		}
		env_name(name, sizeof(name), section, obj, k->name);
		if (strcmp(name, var) == 0)
			return 1;
	}
	return 0;
}

/* SFTPGO_<SECTION>__<typo> would be ignored silently, like a typo in the file: refuse it.
 */
static int
check_unknown_env(char *err, size_t errlen)
{
	char var[192], prefix[64];

	for (char **e = environ; *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		size_t n = eq != NULL ? (size_t)(eq - *e) : strlen(*e);

		if (strncmp(*e, "SFTPGO_", 7) != 0)
			continue;
		if (n >= sizeof(var))
			n = sizeof(var) - 1; /* longer than any key's name: unknown */
		memcpy(var, *e, n);
		var[n] = '\0';
		for (const struct section *s = sections; s->name != NULL; s++) {
			if (!s->in_file)
				continue;
			env_name(prefix, sizeof(prefix), s->name, NULL, "");
			if (strncmp(var, prefix, strlen(prefix)) == 0 &&
			    !env_names_key(var, s->name, NULL, s->keys)) {
				errf(err, errlen, "environment variable %s: unknown key",
				     var);
				return -1;
			}
		}
	}
	return 0;
}

static int
apply_env(struct sftpgo_config *c, char *err, size_t errlen)
{
	if (check_unknown_env(err, errlen) < 0)
		return -1;
	for (const struct section *s = sections; s->name != NULL; s++)
		if (apply_env_keys(c, s->name, NULL, s->keys, err, errlen) < 0)
			return -1;
	return 0;
}

/* ---- defaults, paths, free ---- */

static const char *const default_ssh_commands[] = {"md5sum", "sha1sum", "cd", "pwd",
                                                   NULL};

static void
empty_strings(struct sftpgo_config *cfg, const struct keydef *keys)
{
	for (const struct keydef *k = keys; k->name != NULL; k++) {
		if (k->type == K_OBJ)
			empty_strings(cfg, k->sub);
		else if (k->type == K_STR)
			(void)set_str(str_at(cfg, k), "");
	}
}

void
config_defaults(struct sftpgo_config *cfg)
{
	struct sftpd_config *s = &cfg->sftpd;
	struct provider_config *p = &cfg->data_provider;
	struct httpd_config *h = &cfg->httpd;
	struct log_config *l = &cfg->log;

	memset(cfg, 0, sizeof(*cfg));
	/* every string member starts as "" so consumers never see NULL */
	for (const struct section *sec = sections; sec->name != NULL; sec++)
		empty_strings(cfg, sec->keys);
	s->bind_port = 2022;
	s->idle_timeout = 15;
	s->max_auth_tries = 0;
	(void)set_str(&s->umask, "0022");
	s->umask_mode = 022;
	s->upload_mode = 0;
	s->enable_scp = false;
	for (const char *const *cmd = default_ssh_commands; *cmd != NULL; cmd++)
		(void)strlist_add(&s->enabled_ssh_commands, *cmd);
	s->setstat_mode = 0;
	s->session_pool_size = 4;
	s->max_startups_per_ip = 20;
	s->max_channels_per_connection = 10;

	(void)set_str(&p->driver, "sqlite");
	(void)set_str(&p->name, "sftpgo.db");
	p->port = 5432;
	(void)set_str(&p->users_table, "users");
	p->manage_users = 1;
	p->track_quota = 2;
	(void)set_str(&p->credentials_path, "credentials");

	h->bind_port = 8080;
	(void)set_str(&h->bind_address, "127.0.0.1");
	(void)set_str(&h->templates_path, "templates");
	(void)set_str(&h->static_files_path, "static");
	(void)set_str(&h->backups_path, "backups");

	cfg->common.defender = (struct defender_config){
	    .ban_time = 30,
	    .ban_time_increment = 50,
	    .threshold = 15,
	    .score_invalid = 2,
	    .score_valid = 1,
	    .score_limit_exceeded = 3,
	    .observation_time = 30,
	    .entries_soft_limit = 100,
	    .entries_hard_limit = 150,
	    .safelist_file = cfg->common.defender.safelist_file,
	    .blocklist_file = cfg->common.defender.blocklist_file};

	(void)set_str(&l->file_path, "sftpgo.log");
	l->max_size_mb = 10;
	l->max_backups = 5;
	l->max_age_days = 28;
	l->compress = false;
	l->verbose = true;
}

static void
free_keys(struct sftpgo_config *cfg, const struct keydef *keys)
{
	for (const struct keydef *k = keys; k->name != NULL; k++) {
		switch (k->type) {
		case K_STR:
			if (k->secret && *str_at(cfg, k) != NULL)
				explicit_bzero(*str_at(cfg, k), strlen(*str_at(cfg, k)));
			free(*str_at(cfg, k));
			*str_at(cfg, k) = NULL;
			break;
		case K_LIST:
		case K_KEYS:
			strlist_free(list_at(cfg, k));
			break;
		case K_OBJ:
			free_keys(cfg, k->sub);
			break;
		case K_INT:
		case K_BOOL:
			break;
		}
	}
}

void
config_free(struct sftpgo_config *cfg)
{
	if (cfg == NULL)
		return;
	for (const struct section *s = sections; s->name != NULL; s++)
		free_keys(cfg, s->keys);
	free(cfg->config_dir);
	free(cfg->config_file_used);
	cfg->config_dir = NULL;
	cfg->config_file_used = NULL;
}

char *
config_path(const struct sftpgo_config *cfg, const char *p)
{
	char *out;

	if (p == NULL)
		return NULL;
	if (p[0] == '\0' || p[0] == '/' || cfg == NULL || cfg->config_dir == NULL)
		return strdup(p);
	if (asprintf(&out, "%s%s%s", cfg->config_dir,
	             cfg->config_dir[strlen(cfg->config_dir) - 1] == '/' ? "" : "/",
	             p) < 0)
		return NULL;
	return out;
}

static int
resolve_one(struct sftpgo_config *cfg, char **slot)
{
	char *abs = config_path(cfg, *slot);

	if (abs == NULL)
		return -1;
	free(*slot);
	*slot = abs;
	return 0;
}

static int
resolve_keys(struct sftpgo_config *cfg, const struct keydef *keys)
{
	for (const struct keydef *k = keys; k->name != NULL; k++) {
		if (k->type == K_OBJ && resolve_keys(cfg, k->sub) < 0)
			return -1;
		if (k->type == K_STR && k->is_path &&
		    resolve_one(cfg, str_at(cfg, k)) < 0)
			return -1;
		if (k->type == K_KEYS) {
			struct strlist *l = list_at(cfg, k);
			for (size_t i = 0; i < l->n; i++)
				if (resolve_one(cfg, &l->v[i]) < 0)
					return -1;
		}
	}
	return 0;
}

static int
resolve_paths(struct sftpgo_config *cfg)
{
	const char *d = cfg->data_provider.driver;

	for (const struct section *s = sections; s->name != NULL; s++)
		if (resolve_keys(cfg, s->keys) < 0)
			return -1;
	/* the database name is a file only for the file-based drivers */
	if (strcmp(d, "sqlite") == 0 || strcmp(d, "bolt") == 0 ||
	    strcmp(d, "memory") == 0)
		return resolve_one(cfg, &cfg->data_provider.name);
	return 0;
}

static int
same_list(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

/* 1 when the key holds its default value (in d). */
static int
is_default(const struct sftpgo_config *c, const struct sftpgo_config *d,
           const struct keydef *k)
{
	switch (k->type) {
	case K_INT:
		return *(const int *)cat(c, k) == *(const int *)cat(d, k);
	case K_BOOL:
		return *(const bool *)cat(c, k) == *(const bool *)cat(d, k);
	case K_STR:
		return strcmp(*(char *const *)cat(c, k), *(char *const *)cat(d, k)) == 0;
	case K_LIST:
	case K_KEYS:
		return same_list(cat(c, k), cat(d, k));
	case K_OBJ:
		break;
	}
	return 1;
}

/*
 * "Honour or refuse": a key whose feature is not built yet may only hold its default.
 */
static int
check_refused(const struct sftpgo_config *c, const struct sftpgo_config *d,
              const char *src, const char *section, const char *obj,
              const struct keydef *keys, char *err, size_t errlen)
{
	char key[192], var[192];

	for (const struct keydef *k = keys; k->name != NULL; k++) {
		if (k->type == K_OBJ) {
			if (check_refused(c, d, src, section, k->name, k->sub, err,
			                  errlen) < 0)
				return -1;
			continue;
		}
		if (k->refused == NULL || is_default(c, d, k))
			continue;
		snprintf(key, sizeof(key), "%s.%s%s%s", section, obj ? obj : "",
		         obj ? "." : "", k->name);
		if (src == NULL) {
			env_name(var, sizeof(var), section, obj, k->name);
			errf(err, errlen, "environment variable %s: %s: %s", var, key,
			     k->refused);
		} else {
			errf(err, errlen, "%s: %s: %s", src, key, k->refused);
		}
		return -1;
	}
	return 0;
}

/*
 * Called after the file (src = its path) and again after the environment (src =
 * NULL): a value that passed the first call and fails the second came from a variable.
 */
static int
refuse_not_built(const struct sftpgo_config *cfg, const char *src, char *err,
                 size_t errlen)
{
	struct sftpgo_config d;
	int rc = 0;

	config_defaults(&d);
	for (const struct section *s = sections; rc == 0 && s->name != NULL; s++)
		rc = check_refused(cfg, &d, src, s->name, NULL, s->keys, err, errlen);
	config_free(&d);
	return rc;
}

/* SFTPGo's rules for an enabled defender: each score below the threshold (one
 * event alone never bans), the soft limit below the hard one. */
static int
defender_check(const struct defender_config *d, char *err, size_t errlen)
{
	static const char *const names[] = {"score_invalid", "score_valid",
	                                    "score_limit_exceeded"};
	const int scores[] = {d->score_invalid, d->score_valid, d->score_limit_exceeded};

	if (!d->enabled)
		return 0;
	for (int i = 0; i < 3; i++)
		if (scores[i] >= d->threshold) {
			errf(err, errlen,
			     "common.defender.%s: %d must be lower than "
			     "common.defender.threshold (%d)",
			     names[i], scores[i], d->threshold);
			return -1;
		}
	if (d->entries_soft_limit >= d->entries_hard_limit) {
		errf(err, errlen,
		     "common.defender.entries_soft_limit: %d must be lower than "
		     "common.defender.entries_hard_limit (%d)",
		     d->entries_soft_limit, d->entries_hard_limit);
		return -1;
	}
	return 0;
}

/* Derived values and cross-key rules, after the file and the environment. */
static int
finish(struct sftpgo_config *cfg, char *err, size_t errlen)
{
	struct sftpd_config *s = &cfg->sftpd;

	if (parse_umask(s->umask, &s->umask_mode) < 0) {
		errf(err, errlen, "sftpd.umask: bad value");
		return -1;
	}
	/* "*" enables every supported command: expand so consumers only look up names */
	if (strlist_contains(&s->enabled_ssh_commands, "*")) {
		struct strlist all = {0};
		for (const char *const *c = ssh_commands; *c != NULL; c++)
			if (strcmp(*c, "*") != 0 && strlist_add(&all, *c) < 0) {
				strlist_free(&all);
				goto oom;
			}
		strlist_free(&s->enabled_ssh_commands);
		s->enabled_ssh_commands = all;
	}
	/* SFTPGo: the deprecated enable_scp adds scp to the enabled commands */
	if (s->enable_scp && !strlist_contains(&s->enabled_ssh_commands, "scp") &&
	    strlist_add(&s->enabled_ssh_commands, "scp") < 0)
		goto oom;
	if (defender_check(&cfg->common.defender, err, errlen) < 0)
		return -1;
	if (resolve_paths(cfg) < 0)
		goto oom;
	return 0;
oom:
	errf(err, errlen, "out of memory");
	return -1;
}

/* ---- locating the file ---- */

static char *
absolute_dir(const char *dir)
{
	char *out, cwd[PATH_MAX];
	size_t n;

	out = realpath(dir, NULL);
	if (out != NULL)
		return out;
	if (dir[0] == '/')
		out = strdup(dir);
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	else if (strcmp(dir, ".") == 0)
		out = strdup(cwd);
	else if (asprintf(&out, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, dir) < 0)
		out = NULL;
	if (out == NULL)
		return NULL;
	n = strlen(out);
	while (n > 1 && out[n - 1] == '/')
		out[--n] = '\0';
	return out;
}

static int
file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/*
 * SFTPGo's search order within the config dir (behaviour spec 16.1): the first
 * file that exists is the one read; its extension says its format.
 */
static const char *const exts[] = {"json", "toml", "yaml",   "yml", "properties", "props",
                                   "prop", "hcl",  "dotenv", "env", "ini"};

static int
locate_file(struct sftpgo_config *cfg, const char *file, char *err, size_t errlen)
{
	char p[PATH_MAX];
	size_t n = strlen(file);
	int len;

	if (n == 0 || strchr(file, '/') != NULL || strcmp(file, ".") == 0 ||
	    strcmp(file, "..") == 0) {
		errf(err, errlen,
		     "config file \"%s\": must be a file name inside the config dir, "
		     "without a path",
		     file);
		return -1;
	}
	/* accept "sftpgo.json" as well as the documented "sftpgo" */
	if (n > 5 && strcmp(file + n - 5, ".json") == 0) {
		len = snprintf(p, sizeof(p), "%s/%s", cfg->config_dir, file);
		if (len < 0 || (size_t)len >= sizeof(p) || !file_exists(p))
			return 0;
	} else {
		size_t i;
		for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
			len = snprintf(p, sizeof(p), "%s/%s.%s", cfg->config_dir, file,
			               exts[i]);
			if (len < 0 || (size_t)len >= sizeof(p)) {
				errf(err, errlen, "config file path too long");
				return -1;
			}
			if (file_exists(p))
				break;
		}
		if (i == sizeof(exts) / sizeof(exts[0]))
			return 0;
	}
	cfg->config_file_used = strdup(p);
	if (cfg->config_file_used == NULL) {
		errf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
config_load(struct sftpgo_config *cfg, const char *config_dir, const char *config_file,
            char *err, size_t errlen)
{
	const char *dir = config_dir, *file = config_file;

	config_defaults(cfg);
	if (dir == NULL)
		dir = getenv("SFTPGO_CONFIG_DIR");
	if (dir == NULL || dir[0] == '\0')
		dir = ".";
	if (file == NULL)
		file = getenv("SFTPGO_CONFIG_FILE");
	if (file == NULL || file[0] == '\0')
		file = "sftpgo";
	cfg->config_dir = absolute_dir(dir);
	if (cfg->config_dir == NULL) {
		errf(err, errlen, "config dir %s: %s", dir, strerror(errno));
		goto fail;
	}
	if (locate_file(cfg, file, err, errlen) < 0)
		goto fail;
	if (cfg->config_file_used != NULL &&
	    (load_file(cfg, cfg->config_file_used, err, errlen) < 0 ||
	     refuse_not_built(cfg, cfg->config_file_used, err, errlen) < 0))
		goto fail;
	if (apply_env(cfg, err, errlen) < 0 ||
	    refuse_not_built(cfg, NULL, err, errlen) < 0)
		goto fail;
	if (finish(cfg, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	config_free(cfg);
	return -1;
}

/* ---- the sample file ---- */

static json_t *
keys_json(const struct sftpgo_config *cfg, const struct keydef *keys)
{
	json_t *o = json_object();

	for (const struct keydef *k = keys; o != NULL && k->name != NULL; k++) {
		json_t *v = NULL;
		const struct strlist *l;

		switch (k->type) {
		case K_INT:
			v = json_integer(*(const int *)cat(cfg, k));
			break;
		case K_BOOL:
			v = json_boolean(*(const bool *)cat(cfg, k));
			break;
		case K_STR:
			v = json_string(*(char *const *)cat(cfg, k));
			break;
		case K_LIST:
			v = strlist_to_json(cat(cfg, k));
			break;
		case K_KEYS:
			l = cat(cfg, k);
			v = json_array();
			for (size_t i = 0; v != NULL && i < l->n; i++)
				json_array_append_new(
				    v, json_pack("{s:s}", "private_key", l->v[i]));
			break;
		case K_OBJ:
			v = keys_json(cfg, k->sub);
			break;
		}
		json_object_set_new(o, k->name, v);
	}
	return o;
}

char *
config_default_json(void)
{
	struct sftpgo_config cfg;

	config_defaults(&cfg);
	char *out = config_to_json(&cfg);
	config_free(&cfg);
	return out;
}

char *
config_to_json(const struct sftpgo_config *cfg)
{
	json_t *root = json_object();
	char *out, *nl;

	for (const struct section *s = sections; root != NULL && s->name != NULL; s++)
		if (s->in_file)
			json_object_set_new(root, s->name, keys_json(cfg, s->keys));
	if (root == NULL)
		return NULL;
	out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (out == NULL)
		return NULL;
	/* end with a newline, like any text file */
	nl = realloc(out, strlen(out) + 2);
	if (nl == NULL) {
		free(out);
		return NULL;
	}
	strlcat(nl, "\n", strlen(nl) + 2);
	return nl;
}
