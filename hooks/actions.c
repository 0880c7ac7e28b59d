/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SFTPGo 0.9.6's custom actions (spec sections 1 and 2): what the command gets
 * (argv, SFTPGO_ACTION_* / SFTPGO_USER_* environment) and what the HTTP
 * notification sends (query string, user JSON). Every result is a log line.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/parse.h"
#include "hooks/internal.h"

#define ENV_PATH "PATH=/usr/local/bin:/usr/bin:/bin"

/* ---- the query string (Go's url.Values.Encode) ---- */

struct kv {
	char *k, *v;
};

/* Form unescaping of s[0..n): '+' is a space; a bad %XX is kept as it is. */
static char *
unescape(const char *s, size_t n)
{
	char *o = malloc(n + 1);
	size_t j = 0;

	for (size_t i = 0; o != NULL && i < n; i++) {
		if (s[i] == '+') {
			o[j++] = ' ';
		} else if (s[i] == '%' && i + 2 < n && parse_hex_digit(s[i + 1]) >= 0 &&
		           parse_hex_digit(s[i + 2]) >= 0) {
			o[j++] = (char)(parse_hex_digit(s[i + 1]) * 16 +
			                parse_hex_digit(s[i + 2]));
			i += 2;
		} else {
			o[j++] = s[i];
		}
	}
	if (o != NULL)
		o[j] = '\0';
	return o;
}

/* Go's QueryEscape: unreserved bytes kept, space '+', the rest %XX. */
static int
escape_into(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' ||
		    *p == '~')
			fputc(*p, f);
		else if (*p == ' ')
			fputc('+', f);
		else
			fprintf(f, "%%%02X", *p);
	}
	return ferror(f) ? -1 : 0;
}

static int
kv_cmp(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;
	return strcmp(x->k, y->k);
}

/* Splits query into pairs appended to kvs (capacity checked by the caller). */
static size_t
parse_query(const char *q, struct kv *kvs, size_t at, size_t cap)
{
	while (*q != '\0' && at < cap) {
		size_t n = strcspn(q, "&;");
		if (n > 0) {
			const char *eq = memchr(q, '=', n);
			size_t kn = eq ? (size_t)(eq - q) : n;
			kvs[at].k = unescape(q, kn);
			kvs[at].v = eq ? unescape(eq + 1, n - kn - 1) : strdup("");
			at++;
		}
		q += n;
		if (*q != '\0')
			q++;
	}
	return at;
}

char *
hooks_url_with_query(const char *url, const char *const *params)
{
	enum { KV_MAX = 128 };
	struct kv kvs[KV_MAX];
	size_t n = 0;
	const char *scheme = strstr(url, "://");

	if (scheme == NULL || scheme == url || scheme[3] == '\0' || scheme[3] == '/')
		return NULL;
	size_t base_len = strcspn(url, "?#");
	const char *frag = strchr(url, '#');
	const char *query = url[base_len] == '?' ? url + base_len + 1 : "";
	char *q = strndup(query, frag && frag > query ? (size_t)(frag - query)
	                                              : strcspn(query, "#"));
	if (q == NULL)
		return NULL;
	n = parse_query(q, kvs, 0, KV_MAX);
	free(q);
	for (const char *const *p = params; p[0] != NULL && n < KV_MAX; p += 2)
		if (p[1] != NULL) {
			kvs[n].k = strdup(p[0]);
			kvs[n].v = strdup(p[1]);
			n++;
		}
	/* Go sorts the keys only: equal keys keep their order (a stable sort) */
	struct kv *sorted = calloc(n ? n : 1, sizeof(*sorted));
	int ok = sorted != NULL;
	for (size_t i = 0; ok && i < n; i++) {
		ok = kvs[i].k != NULL && kvs[i].v != NULL;
		sorted[i] = kvs[i];
	}
	for (size_t i = 1; ok && i < n; i++) /* insertion sort: stable, n is small */
		for (size_t j = i; j > 0 && kv_cmp(&sorted[j - 1], &sorted[j]) > 0; j--) {
			struct kv t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = ok ? open_memstream(&out, &outlen) : NULL;
	if (f != NULL) {
		fwrite(url, 1, base_len, f);
		for (size_t i = 0; i < n; i++) {
			fputc(i == 0 ? '?' : '&', f);
			escape_into(f, sorted[i].k);
			fputc('=', f);
			escape_into(f, sorted[i].v);
		}
		if (frag != NULL)
			fputs(frag, f);
		if (fclose(f) != 0) {
			free(out);
			out = NULL;
		}
	}
	for (size_t i = 0; i < n; i++) {
		free(kvs[i].k);
		free(kvs[i].v);
	}
	free(sorted);
	return out;
}

/* ---- results ---- */

struct action_ctx {
	char what[64];    /* "upload", "user add" */
	char target[512]; /* the command or URL, for the log line */
};

static struct action_ctx *
ctx_new(const char *what, const char *target)
{
	struct action_ctx *c = calloc(1, sizeof(*c));
	if (c != NULL) {
		snprintf(c->what, sizeof(c->what), "%s", what);
		snprintf(c->target, sizeof(c->target), "%s", target);
	}
	return c;
}

static void
command_done(struct hook_result *r, void *arg)
{
	struct action_ctx *c = arg;

	if (r->started && r->err[0] == '\0')
		log_debug("action %s: executed command \"%s\", elapsed: %" PRId64
		          " ms, error: <nil>",
		          c->what, c->target, r->elapsed_ms);
	else
		log_warn("action %s: command \"%s\" failed: %s (elapsed: %" PRId64 " ms)",
		         c->what, c->target, hooks_outcome(r), r->elapsed_ms);
	free(c);
}

static void
http_done(struct hook_result *r, void *arg)
{
	struct action_ctx *c = arg;

	if (r->err[0] == '\0')
		log_debug("action %s: notified %s, status %ld, elapsed: %" PRId64
		          " ms, error: <nil>",
		          c->what, c->target, r->http_code, r->elapsed_ms);
	else
		log_warn("action %s: HTTP notification to %s failed: status %ld, %s "
		         "(elapsed: %" PRId64 " ms)",
		         c->what, c->target, r->http_code, r->err, r->elapsed_ms);
	free(c);
}

static void
run_command(const char *what, char *const argv[], char *const envp[], long long uid,
            long long gid, int timeout_s)
{
	struct action_ctx *c = ctx_new(what, argv[0]);

	if (c == NULL || hooks_exec(HOOK_NOTIFY, argv, envp, uid, gid, timeout_s, 0,
	                            command_done, c) != 0) {
		log_warn("action %s: command \"%s\" not run (queue full or out of "
		         "memory)",
		         what, argv[0]);
		free(c);
	}
}

static void
run_http(const char *what, const char *url, const char *body)
{
	struct action_ctx *c = ctx_new(what, url);

	if (c == NULL ||
	    hooks_http(HOOK_NOTIFY, url, body, HOOK_PROVIDER_SECS, http_done, c) != 0) {
		log_warn("action %s: HTTP notification to %s not sent (queue full or "
		         "out of memory)",
		         what, url);
		free(c);
	}
}

static int
configured(const struct actions_config *ac, const char *action)
{
	int cmd = ac->command != NULL && ac->command[0] == '/';
	int url = ac->http_notification_url != NULL && ac->http_notification_url[0];
	return (cmd || url) && strlist_contains(&ac->execute_on, action);
}

/* "NAME=value" (malloc'd) */
static char *
env_var(const char *name, const char *value)
{
	char *s = NULL;
	if (asprintf(&s, "%s=%s", name, value ? value : "") < 0)
		return NULL;
	return s;
}

/*
 * Runs argv with PATH and the n variables names[i]=vals[i], nothing else of the
 * server's environment. The strings are wiped (one may be a password hash).
 */
static int
run_with_env(const char *what, char *const argv[], const char *const *names,
             const char *const *vals, int n, long long uid, long long gid, int timeout_s)
{
	enum { ENV_MAX = 16 };
	char *envp[ENV_MAX + 2] = {ENV_PATH};
	int ok = n <= ENV_MAX;

	for (int i = 0; ok && i < n; i++)
		ok &= (envp[i + 1] = env_var(names[i], vals[i])) != NULL;
	if (ok)
		run_command(what, argv, envp, uid, gid, timeout_s);
	for (int i = 1; i <= n && i <= ENV_MAX; i++) {
		if (envp[i] != NULL)
			explicit_bzero(envp[i], strlen(envp[i]));
		free(envp[i]);
	}
	return ok ? 0 : -1;
}

/* ---- file actions (spec section 1) ---- */

void
hooks_file_action(const struct actions_config *ac, const struct hook_file_event *e)
{
	static const char *const names[] = {
	    "SFTPGO_ACTION",           "SFTPGO_ACTION_USERNAME",
	    "SFTPGO_ACTION_PATH",      "SFTPGO_ACTION_TARGET",
	    "SFTPGO_ACTION_SSH_CMD",   "SFTPGO_ACTION_FILE_SIZE",
	    "SFTPGO_ACTION_LOCAL_FILE"};
	char size[24] = "";

	if (!configured(ac, e->action))
		return;
	if (e->file_size > 0)
		snprintf(size, sizeof(size), "%" PRId64, e->file_size);
	if (ac->command != NULL && ac->command[0] == '/') {
		char *const argv[] = {ac->command,
		                      (char *)e->action,
		                      (char *)e->username,
		                      (char *)e->path,
		                      (char *)e->target_path,
		                      (char *)e->ssh_cmd,
		                      NULL};
		const char *vals[] = {e->action,  e->username, e->path, e->target_path,
		                      e->ssh_cmd, size,        "true"};
		run_with_env(e->action, argv, names, vals, 7, e->uid, e->gid,
		             HOOK_ACTION_SECS);
	}
	if (ac->http_notification_url != NULL && ac->http_notification_url[0]) {
		const char *params[] = {
		    "action",      e->action,
		    "username",    e->username,
		    "path",        e->path,
		    "target_path", e->target_path[0] ? e->target_path : NULL,
		    "ssh_cmd",     e->ssh_cmd[0] ? e->ssh_cmd : NULL,
		    "file_size",   size[0] ? size : NULL,
		    "local_file",  "true",
		    NULL};
		char *url = hooks_url_with_query(ac->http_notification_url, params);
		if (url == NULL)
			log_warn(
			    "action %s: invalid http_notification_url \"%s\": nothing "
			    "sent",
			    e->action, ac->http_notification_url);
		else
			run_http(e->action, url, NULL);
		free(url);
	}
}

/* ---- provider actions (spec section 2) ---- */

static int64_t
fs_provider(const struct sftpgo_user *u)
{
	json_t *p = u->filesystem ? json_object_get(u->filesystem, "provider") : NULL;
	return json_is_integer(p) ? json_integer_value(p) : 0;
}

/* The HTTP body: the stored user without its secrets. */
static char *
user_body(const struct sftpgo_user *u)
{
	json_t *j = user_to_json(u, 0);
	json_t *fs = json_object_get(j, "filesystem");
	json_t *gcs = json_object_get(fs, "gcsconfig");

	json_object_del(j, "password");
	if (json_is_object(gcs))
		json_object_del(gcs, "credentials");
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	return s;
}

/* The command: 8 arguments, 15 SFTPGO_USER_* variables (spec section 2). */
static int
user_command(const struct actions_config *ac, const struct hooks_ids *ids,
             const char *what, const char *action, const struct sftpgo_user *u)
{
	enum { ID, STATUS, EXPIRATION, UID, GID, QFILES, QSIZE, UBW, DBW, MAXS, FSP, NN };
	const int64_t nums[NN] = {u->id,
	                          u->status,
	                          u->expiration_date,
	                          u->uid,
	                          u->gid,
	                          u->quota_files,
	                          u->quota_size,
	                          u->upload_bandwidth,
	                          u->download_bandwidth,
	                          u->max_sessions,
	                          fs_provider(u)};
	char n[NN][24];
	for (int i = 0; i < NN; i++)
		snprintf(n[i], sizeof(n[i]), "%" PRId64, nums[i]);
	char *const argv[] = {
	    ac->command,   (char *)action, u->username, n[ID],  n[STATUS],
	    n[EXPIRATION], u->home_dir,    n[UID],      n[GID], NULL};
	static const char *const names[] = {"SFTPGO_USER_ACTION",
	                                    "SFTPGO_USER_USERNAME",
	                                    "SFTPGO_USER_PASSWORD",
	                                    "SFTPGO_USER_ID",
	                                    "SFTPGO_USER_STATUS",
	                                    "SFTPGO_USER_EXPIRATION_DATE",
	                                    "SFTPGO_USER_HOME_DIR",
	                                    "SFTPGO_USER_UID",
	                                    "SFTPGO_USER_GID",
	                                    "SFTPGO_USER_QUOTA_FILES",
	                                    "SFTPGO_USER_QUOTA_SIZE",
	                                    "SFTPGO_USER_UPLOAD_BANDWIDTH",
	                                    "SFTPGO_USER_DOWNLOAD_BANDWIDTH",
	                                    "SFTPGO_USER_MAX_SESSIONS",
	                                    "SFTPGO_USER_FS_PROVIDER"};
	const char *vals[] = {action,      u->username, u->password ? u->password : "",
	                      n[ID],       n[STATUS],   n[EXPIRATION],
	                      u->home_dir, n[UID],      n[GID],
	                      n[QFILES],   n[QSIZE],    n[UBW],
	                      n[DBW],      n[MAXS],     n[FSP]};

	return run_with_env(what, argv, names, vals, 15, ids->service_uid,
	                    ids->service_gid, HOOK_PROVIDER_SECS);
}

int
hooks_user_changed(const struct provider_config *pc, const struct hooks_ids *ids,
                   const char *action, const struct sftpgo_user *u)
{
	const struct actions_config *ac = &pc->actions;
	char what[64];
	int rc = 0;

	if (!configured(ac, action))
		return 0;
	snprintf(what, sizeof(what), "user %s", action);
	if (ac->command != NULL && ac->command[0] == '/')
		rc = user_command(ac, ids, what, action, u);
	if (ac->http_notification_url != NULL && ac->http_notification_url[0]) {
		const char *params[] = {"action", action, NULL};
		char *url = hooks_url_with_query(ac->http_notification_url, params);
		char *body = user_body(u);
		if (url == NULL || body == NULL) {
			log_warn(
			    "action %s: invalid http_notification_url \"%s\" or out of "
			    "memory: nothing sent",
			    what, ac->http_notification_url);
			rc = -1;
		} else {
			run_http(what, url, body);
		}
		free(url);
		free(body);
	}
	return rc;
}
