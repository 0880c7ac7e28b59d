/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The REST API's operations (issue 12), asked by sftpgo-httpd as typed ADMIN_*
 * messages (monitor/httpd_link.c). Provider work runs on the provider threads
 * (monitor/authpool.c: a job with run/done callbacks), with the code the admin
 * CLI uses (account_prepare_for_store, provider_*); the answer, the log line and
 * the provider actions (mhooks_user_changed: the hooks queue belongs to the loop)
 * come in done, on the event loop. Connections and quota scans are the loop's own
 * tables. Statuses and texts: ../shared/spec/rest-api-v1.md.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account/account.h"
#include "account/cloud.h"
#include "account/dump.h"
#include "common/clock.h"
#include "httpd/api.h"
#include "logfile/logfile.h"
#include "monitor/internal.h"
#include "provider/provider.h"

/* A user added, updated or deleted: its provider action fires in done. */
struct changed {
	const char *action;
	struct sftpgo_user u;
};

struct admin_op {
	uint32_t req;
	int type; /* RPC_ADMIN_* */
	int64_t id;
	char *json, *name, *file;
	uint32_t limit, offset, order, flag, mode;
	/* results */
	int status;
	char *body;
	struct changed *changed;
	size_t n_changed;
	struct strlist scans; /* loaddata: users to scan */
};

/* Quota scans running (GET /api/v1/quota_scan), the loop's. */
struct scan {
	struct scan *next;
	char *username;
	int64_t start_ms;
};
static struct scan *scans;

static void
set_answer(struct admin_op *op, int status, const char *message, const char *error)
{
	free(op->body);
	op->status = status;
	op->body = api_response(status, message, error);
}

static void
set_json(struct admin_op *op, json_t *j)
{
	free(op->body);
	op->status = 200;
	op->body = j ? api_json_text(j) : NULL;
	json_decref(j);
}

/* account_prepare_for_store's failure: 400 "Validation error: ..." unless the
 * hashing or memory failed (500), as SFTPGo's getRespStatus. */
static void
set_prepare_error(struct admin_op *op, const char *err)
{
	char msg[600];

	if (strncmp(err, "password: hashing", 17) == 0 ||
	    strcmp(err, "out of memory") == 0) {
		set_answer(op, 500, "", err);
		return;
	}
	snprintf(msg, sizeof(msg), "Validation error: %s", err);
	set_answer(op, 400, "", msg);
}

static int
add_changed(struct admin_op *op, const char *action, const struct sftpgo_user *u)
{
	struct changed *c =
	    reallocarray(op->changed, op->n_changed + 1, sizeof(*op->changed));
	json_t *j = user_to_json(u, 1);

	if (c == NULL || j == NULL) {
		json_decref(j);
		if (c != NULL)
			op->changed = c;
		return -1;
	}
	op->changed = c;
	struct changed *n = &c[op->n_changed];
	n->action = action;
	user_init(&n->u);
	char err[256];
	int rc = user_from_json(j, &n->u, err, sizeof(err));
	n->u.id = u->id;
	json_decref(j);
	if (rc == 0)
		op->n_changed++;
	else
		user_free(&n->u);
	return rc;
}

#define METHOD_DISABLED                                                                  \
	"Method disabled error: please set manage_users to 1 in your configuration to "  \
	"enable this method"

/* data_provider.manage_users 0: user writes are refused with SFTPGo's text, as
 * status (403, or 500 for DELETE: spec section 1.5). 1 when refused (answered). */
static int
writes_disabled(struct admin_op *op, int status)
{
	if (M.p->cfg->data_provider.manage_users != 0)
		return 0;
	set_answer(op, status, "", METHOD_DISABLED);
	return 1;
}

static const char *
base_dir(void)
{
	return M.p->cfg->data_provider.users_base_dir;
}

/* ---- on the provider threads ---- */

static int
list_cb(const struct sftpgo_user *u, void *arg)
{
	json_t *o = api_user_shape(user_to_json(u, 0));
	return o == NULL || json_array_append_new(arg, o) != 0 ? -1 : 0;
}

static void
run_user_list(struct provider *p, struct admin_op *op)
{
	json_t *a = json_array();
	char err[256];
	const char *name = op->name[0] ? op->name : NULL;

	if (a == NULL) {
		set_answer(op, 500, "", "out of memory");
		return;
	}
	if (name != NULL && op->offset > 0) { /* one user at most, skipped */
		set_json(op, a);
		return;
	}
	if (provider_users_list(p, op->limit, op->offset, (int)op->order, name, list_cb,
	                        a, err, sizeof(err)) != 0) {
		json_decref(a);
		set_answer(op, 500, "", err);
		return;
	}
	set_json(op, a);
}

/* The stored user by {userID}: 0, or an answer set (404 / 500) and -1. */
static int
load_by_id(struct provider *p, struct admin_op *op, struct sftpgo_user *u)
{
	char err[256];
	int rc = provider_user_by_id(p, op->id, u, err, sizeof(err));

	if (rc == 0)
		return 0;
	if (rc == PROVIDER_NOT_FOUND)
		set_answer(op, 404, "", "Not found: sql: no rows in result set");
	else
		set_answer(op, 500, "", err);
	return -1;
}

static void
run_user_get(struct provider *p, struct admin_op *op)
{
	struct sftpgo_user u;

	if (load_by_id(p, op, &u) != 0)
		return;
	set_json(op, api_user_shape(user_to_json(&u, 0)));
	user_free(&u);
}

/*
 * What a PUT cannot clear (spec section 5): permissions {} or null and an empty
 * or null filters.file_extensions keep the stored value.
 */
static void
keep_stored(json_t *j)
{
	json_t *perm = json_object_get(j, "permissions");
	json_t *filters = json_object_get(j, "filters");
	json_t *ext = json_object_get(filters, "file_extensions");

	if (json_is_null(perm) || (json_is_object(perm) && json_object_size(perm) == 0))
		json_object_del(j, "permissions");
	if (json_is_null(ext) || (json_is_array(ext) && json_array_size(ext) == 0))
		json_object_del(filters, "file_extensions");
}

/* A body httpd already decoded once: decode onto u (400 with the decoder's text);
 * merge: onto a stored user (PUT). */
static int
decode_body(struct admin_op *op, struct sftpgo_user *u, int merge)
{
	char err[512];
	json_t *j = json_loads(op->json, 0, NULL);

	if (merge && json_is_object(j))
		keep_stored(j);
	int rc = json_is_object(j) ? user_from_json(j, u, err, sizeof(err)) : -1;

	if (!json_is_object(j))
		snprintf(err, sizeof(err), "not a JSON object");
	json_decref(j);
	if (rc != 0)
		set_answer(op, 400, "", err);
	return rc;
}

static void
wipe_password(struct sftpgo_user *u)
{
	if (u->password != NULL)
		explicit_bzero(u->password, strlen(u->password));
}

/* What the server owns is never taken from a body (spec section 16 row 14). */
static void
reset_owned(struct sftpgo_user *u, const struct sftpgo_user *stored)
{
	u->used_quota_size = stored ? stored->used_quota_size : 0;
	u->used_quota_files = stored ? stored->used_quota_files : 0;
	u->last_quota_update = stored ? stored->last_quota_update : 0;
	u->last_login = stored ? stored->last_login : 0;
}

static void
run_user_add(struct provider *p, struct admin_op *op)
{
	struct sftpgo_user u, back;
	char err[512];

	user_init(&u);
	if (decode_body(op, &u, 0) != 0)
		goto out;
	u.id = 0;
	if (writes_disabled(op, 403))
		goto out;
	reset_owned(&u, NULL);
	if (account_prepare_for_store(&u, base_dir(), err, sizeof(err)) != 0) {
		set_prepare_error(op, err);
	} else if (provider_user_add(p, &u, err, sizeof(err)) != 0) {
		set_answer(op, 500, "", err);
	} else if (provider_user_by_name(p, u.username, &back, err, sizeof(err)) != 0) {
		set_answer(op, 500, "", err);
	} else {
		set_json(op, api_user_shape(user_to_json(&back, 0)));
		add_changed(op, "add", &back);
		user_free(&back);
	}
out:
	wipe_password(&u);
	user_free(&u);
}

static void
run_user_update(struct provider *p, struct admin_op *op)
{
	struct sftpgo_user u;
	char err[512];

	if (load_by_id(p, op, &u) != 0)
		return;
	char *stored_name = strdup(u.username ? u.username : "");
	struct sftpgo_user stored = u; /* the owned counters only */
	if (stored_name == NULL || decode_body(op, &u, 1) != 0)
		goto out;
	if (u.id != op->id) {
		set_answer(
		    op, 400,
		    "user ID in request body does not match user ID in path parameter",
		    "");
		goto out;
	}
	reset_owned(&u, &stored);
	/* a changed username is validated but not stored (spec section 16 row 13) */
	if (u.username != NULL && u.username[0] != '\0') {
		free(u.username);
		u.username = strdup(stored_name);
	}
	if (account_prepare_for_store(&u, NULL, err, sizeof(err)) != 0)
		set_prepare_error(op, err);
	else if (writes_disabled(op, 403))
		; /* answered */
	else if (provider_user_update(p, &u, err, sizeof(err)) != 0)
		set_answer(op, 500, "", err);
	else {
		set_answer(op, 200, "User updated", "");
		add_changed(op, "update", &u);
	}
out:
	free(stored_name);
	wipe_password(&u);
	user_free(&u);
}

static void
run_user_delete(struct provider *p, struct admin_op *op)
{
	struct sftpgo_user u;
	char err[256];

	if (load_by_id(p, op, &u) != 0)
		return;
	if (writes_disabled(op, 500)) {
		user_free(&u);
		return;
	}
	if (provider_user_delete(p, op->id, err, sizeof(err)) != 0) {
		set_answer(op, 500, "", err);
	} else {
		set_answer(op, 200, "User deleted", "");
		add_changed(op, "delete", &u);
	}
	user_free(&u);
}

static void
run_provider_status(struct provider *p, struct admin_op *op)
{
	char err[256];

	if (provider_status(p, err, sizeof(err)) != 0)
		set_answer(op, 500, "", err);
	else
		set_answer(op, 200, "Alive", "");
}

/* GET /metrics: the provider is checked now (SFTPGo: every 30 s), on its thread. */
static void
run_metrics(struct provider *p, struct admin_op *op)
{
	char err[256];

	op->flag = provider_status(p, err, sizeof(err)) == 0;
	op->status = 200;
}

static unsigned scan_count(void);

static void
metrics_done(struct admin_op *op)
{
	free(op->body);
	op->body = metrics_text((int)op->flag, admin_active_connections(), scan_count());
	op->status = 200;
}

static void
run_scan_lookup(struct provider *p, struct admin_op *op)
{
	struct sftpgo_user u;
	char err[256], msg[300];
	int rc = provider_user_by_name(p, op->name, &u, err, sizeof(err));

	if (rc != 0) { /* any lookup failure is 404 (spec section 8.2) */
		snprintf(msg, sizeof(msg), "Not found: %s",
		         rc == PROVIDER_NOT_FOUND ? "sql: no rows in result set" : err);
		set_answer(op, 404, "", msg);
		return;
	}
	op->status = 201; /* done registers the scan, or answers 409 */
	add_changed(op, NULL, &u);
	user_free(&u);
}

/*
 * Opens dir/rel for writing under the directory fd base, creating missing parent
 * directories (0700); every component is opened with O_NOFOLLOW, so no symlink
 * inside backups_path leads out of it. rel has no ".." (api_check_output_file).
 */
static int
open_under(int base, const char *rel, char *err, size_t errlen)
{
	int dir = dup(base);
	const char *comp = rel;

	snprintf(err, errlen, "invalid output_file");
	while (dir >= 0) {
		const char *slash = strchr(comp, '/');
		char name[RPC_PATH_MAX + 1];
		size_t n = slash ? (size_t)(slash - comp) : strlen(comp);
		snprintf(name, sizeof(name), "%.*s", (int)n, comp);
		if (slash == NULL) {
			int fd = name[0] == '\0' ? -1
			                         : openat(dir, name,
			                                  O_WRONLY | O_CREAT | O_TRUNC |
			                                      O_NOFOLLOW | O_CLOEXEC,
			                                  0600);
			if (fd < 0 && name[0] != '\0')
				snprintf(err, errlen, "open %s: %s", rel,
				         strerror(errno));
			close(dir);
			return fd;
		}
		comp = slash + 1;
		if (n == 0 || strcmp(name, ".") == 0)
			continue;
		if (mkdirat(dir, name, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "mkdir %.300s: %s", name, strerror(errno));
			close(dir);
			return -1;
		}
		int sub =
		    openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			snprintf(err, errlen, "open %.300s: %s", name, strerror(errno));
		close(dir);
		dir = sub;
	}
	return -1;
}

struct dump_ctx {
	json_t *users;
	int status; /* 0, or the answer's status when a user cannot be dumped */
	char err[600];
};

/* A user as SFTPGo dumps it (spec rest-api 9.3): the password hash, the full S3
 * secret and, for GCS with automatic_credentials 0, the credentials file in
 * base64; a missing file fails the dump (400), as SFTPGo's does. */
static int
dump_cb(const struct sftpgo_user *u, void *arg)
{
	struct dump_ctx *c = arg;
	json_t *o = api_user_shape(user_to_json(u, 1));
	int rc = o != NULL
	             ? cloud_gcs_embed_credentials(json_object_get(o, "filesystem"),
	                                           u->username, c->err, sizeof(c->err))
	             : -1;

	if (o == NULL)
		snprintf(c->err, sizeof(c->err), "out of memory");
	if (o != NULL && rc != 0)
		log_warn("REST API: dumpdata: %s", c->err);
	if (rc != 0 || json_array_append_new(c->users, o) != 0) {
		if (o != NULL && rc == 0)
			snprintf(c->err, sizeof(c->err), "out of memory");
		c->status = rc == 1 ? 400 : 500;
		return -1;
	}
	return 0;
}

static void
dump_wipe(json_t *users)
{
	for (size_t i = 0; i < json_array_size(users); i++)
		cloud_gcs_wipe_credentials(
		    json_object_get(json_array_get(users, i), "filesystem"));
}

static int
write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
run_dumpdata(struct provider *p, struct admin_op *op)
{
	const char *bp = M.p->cfg->httpd.backups_path;
	char err[512];
	struct dump_ctx c = {.users = json_array()};

	if (c.users == NULL || provider_dump(p, dump_cb, &c, err, sizeof(err)) != 0) {
		dump_wipe(c.users);
		json_decref(c.users);
		set_answer(op, c.status ? c.status : 500, "",
		           c.status  ? c.err
		           : c.users ? err
		                     : "out of memory");
		return;
	}
	json_t *o = json_pack("{s:O}", "users", c.users);
	char *text = o ? json_dumps(o, JSON_PRESERVE_ORDER |
	                                   (op->flag ? JSON_INDENT(2) : JSON_COMPACT))
	               : NULL;
	json_decref(o);
	dump_wipe(c.users);
	json_decref(c.users);
	if (text == NULL) {
		set_answer(op, 500, "", "out of memory");
		return;
	}
	if (mkdir(bp, 0700) != 0 && errno != EEXIST)
		snprintf(err, sizeof(err), "mkdir %s: %s", bp, strerror(errno));
	int base = open(bp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = base >= 0 ? open_under(base, op->file, err, sizeof(err)) : -1;
	if (base < 0)
		snprintf(err, sizeof(err), "open %s: %s", bp, strerror(errno));
	if (fd >= 0 && write_all(fd, text, strlen(text)) != 0)
		snprintf(err, sizeof(err), "write %s: %s", op->file, strerror(errno));
	else if (fd >= 0) {
		set_answer(op, 200, "Data saved", "");
		log_info("REST API: dumping data to: %s/%s", bp, op->file);
	}
	if (op->status != 200)
		set_answer(op, 500, "", err);
	if (fd >= 0)
		close(fd);
	if (base >= 0)
		close(base);
	explicit_bzero(text, strlen(text));
	free(text);
}

/* One user of a backup, in file order (spec section 9.2 step 7). 0 or -1 (answered). */
static int
restore_user(struct provider *p, struct admin_op *op, struct sftpgo_user *u)
{
	struct sftpgo_user stored;
	char err[512];
	int rc = provider_user_by_name(p, u->username ? u->username : "", &stored, err,
	                               sizeof(err));

	if (rc != 0 && rc != PROVIDER_NOT_FOUND) {
		set_answer(op, 500, "", err);
		return -1;
	}
	if (rc == 0 && op->mode == 1) {
		user_free(&stored);
		return 0;
	}
	u->id = rc == 0 ? stored.id : 0;
	reset_owned(u, rc == 0 ? &stored : NULL);
	if (rc == 0)
		user_free(&stored);
	const char *action = rc == 0 ? "update" : "add";
	if (account_prepare_for_store(u, rc == 0 ? NULL : base_dir(), err, sizeof(err)) !=
	    0) {
		set_prepare_error(op, err);
		return -1;
	}
	if (writes_disabled(op, 403))
		return -1;
	int w = rc == 0 ? provider_user_update(p, u, err, sizeof(err))
	                : provider_user_add(p, u, err, sizeof(err));
	if (w != 0) {
		set_answer(op, 500, "", err);
		return -1;
	}
	add_changed(op, action, u);
	if (op->flag == 1 || (op->flag == 2 && (u->quota_size > 0 || u->quota_files > 0)))
		strlist_add(&op->scans, u->username);
	return 0;
}

static void
run_loaddata(struct provider *p, struct admin_op *op)
{
	struct stat st;
	struct account_dump d;
	char err[600], q[RPC_PATH_MAX + 8], msg[RPC_PATH_MAX + 100];

	api_quote(op->file, q, sizeof(q));
	if (stat(op->file, &st) != 0) {
		snprintf(err, sizeof(err), "stat %s: %s", op->file, strerror(errno));
		set_answer(op, errno == ENOENT ? 400 : 500, "", err);
		return;
	}
	if (st.st_size > ACCOUNT_DUMP_MAX_SIZE) {
		snprintf(msg, sizeof(msg),
		         "Unable to restore input file: %s size too big: %lld/%d bytes",
		         q, (long long)st.st_size, ACCOUNT_DUMP_MAX_SIZE);
		set_answer(op, 400, msg, "");
		return;
	}
	if (account_dump_load_file(op->file, &d, err, sizeof(err)) != 0) {
		snprintf(msg, sizeof(msg), "Unable to parse input file: %s", q);
		set_answer(op, 400, msg, err);
		return;
	}
	log_info("REST API: restoring data from: %s, scan quota: %u, mode: %u", op->file,
	         op->flag, op->mode);
	size_t i = 0;
	while (i < d.n && restore_user(p, op, &d.users[i]) == 0)
		i++;
	if (i == d.n)
		set_answer(op, 200, "Data restored", "");
	account_dump_free(&d);
}

static void
admin_run(struct provider *p, struct job *j)
{
	struct admin_op *op = j->admin;

	switch (op->type) {
	case RPC_ADMIN_USER_LIST:
		run_user_list(p, op);
		break;
	case RPC_ADMIN_USER_GET:
		run_user_get(p, op);
		break;
	case RPC_ADMIN_USER_ADD:
		run_user_add(p, op);
		break;
	case RPC_ADMIN_USER_UPDATE:
		run_user_update(p, op);
		break;
	case RPC_ADMIN_USER_DELETE:
		run_user_delete(p, op);
		break;
	case RPC_ADMIN_PROVIDER_STATUS:
		run_provider_status(p, op);
		break;
	case RPC_ADMIN_METRICS:
		run_metrics(p, op);
		break;
	case RPC_ADMIN_SCAN_START:
		run_scan_lookup(p, op);
		break;
	case RPC_ADMIN_DUMPDATA:
		run_dumpdata(p, op);
		break;
	case RPC_ADMIN_LOADDATA:
		run_loaddata(p, op);
		break;
	}
}

/* ---- quota scans ---- */

static unsigned
scan_count(void)
{
	unsigned n = 0;

	for (const struct scan *s = scans; s != NULL; s = s->next)
		n++;
	return n;
}

static struct scan *
scan_find(const char *username)
{
	for (struct scan *s = scans; s != NULL; s = s->next)
		if (strcmp(s->username, username) == 0)
			return s;
	return NULL;
}

struct scan_run {
	struct sftpgo_user u;
	int64_t files, size;
	int ok;
	char err[256];
	const char *libexec_dir;
	const struct uid0_map *uid0;
};

/* On a provider thread: the scan's result becomes the stored usage (a reset). */
static void
scan_store(struct provider *p, struct job *j)
{
	struct scan_run *r = j->admin;
	char err[256];

	if (r->ok && (M.p->cfg->data_provider.manage_users == 0 ||
	              M.p->cfg->data_provider.track_quota == 0)) {
		snprintf(r->err, sizeof(r->err),
		         "the usage is not stored (manage_users or track_quota is 0)");
		r->ok = 0;
	}
	if (r->ok && provider_update_quota(p, r->u.username, r->files, r->size, 1, err,
	                                   sizeof(err)) != 0) {
		snprintf(r->err, sizeof(r->err), "%s", err);
		r->ok = 0;
	}
}

static void
scan_done(struct job *j)
{
	struct scan_run *r = j->admin;

	for (struct scan **pp = &scans; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->username, r->u.username) == 0) {
			struct scan *s = *pp;
			*pp = s->next;
			free(s->username);
			free(s);
			break;
		}
	if (r->ok)
		log_info("REST API: quota scan of user %s done: %lld files, %lld bytes",
		         r->u.username, (long long)r->files, (long long)r->size);
	else
		log_warn("REST API: quota scan of user %s failed: %s", r->u.username,
		         r->err);
	user_free(&r->u);
	free(r);
	j->admin = NULL;
}

/*
 * The scan itself runs on a thread of its own (quota_scan_user waits for the
 * scanning worker, which may take long): as the user, chrooted to the home, like
 * `sftpgo quota scan`. The loop's SIGCHLD handler may reap that worker first; the
 * worker's final event, not its exit status, then decides (monitor/quota_scan.c).
 */
static void *
scan_thread(void *arg)
{
	struct job *j = arg;
	struct scan_run *r = j->admin;

	r->ok = quota_scan_user(&r->u, r->libexec_dir, r->uid0, &r->files, &r->size,
	                        r->err, sizeof(r->err)) == 0;
	authpool_submit(j); /* scan_store, then scan_done on the loop */
	return NULL;
}

/* 0 started (registered), 1 already running, -1 could not start. */
static int
scan_start(const struct sftpgo_user *u)
{
	if (scan_find(u->username) != NULL)
		return 1;
	struct scan *s = calloc(1, sizeof(*s));
	struct scan_run *r = calloc(1, sizeof(*r));
	struct job *j = calloc(1, sizeof(*j));
	json_t *uj = user_to_json(u, 1);
	char err[256];
	pthread_t t;
	pthread_attr_t at;

	if (s == NULL || r == NULL || j == NULL || uj == NULL ||
	    (s->username = strdup(u->username)) == NULL)
		goto fail;
	user_init(&r->u);
	if (user_from_json(uj, &r->u, err, sizeof(err)) != 0)
		goto fail;
	r->u.id = u->id;
	r->libexec_dir = M.p->libexec_dir;
	r->uid0 = &M.p->uid0;
	j->run = scan_store;
	j->done = scan_done;
	j->admin = r;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	int rc = pthread_create(&t, &at, scan_thread, j);
	pthread_attr_destroy(&at);
	if (rc != 0)
		goto fail;
	s->start_ms = epoch_ms();
	s->next = scans;
	scans = s;
	json_decref(uj);
	log_info("REST API: quota scan of user %s started", u->username);
	return 0;
fail:
	json_decref(uj);
	if (r != NULL)
		user_free(&r->u);
	free(r);
	free(j);
	if (s != NULL)
		free(s->username);
	free(s);
	return -1;
}

static char *
scan_list_text(void)
{
	json_t *a = json_array();

	for (struct scan *s = scans; a != NULL && s != NULL; s = s->next)
		json_array_append_new(a,
		                      json_pack("{s:s, s:I}", "username", s->username,
		                                "start_time", (json_int_t)s->start_ms));
	char *t = a ? api_json_text(a) : NULL;
	json_decref(a);
	return t;
}

/* ---- on the loop ---- */

static void
op_free(struct admin_op *op)
{
	if (op->json != NULL)
		explicit_bzero(op->json, strlen(op->json));
	free(op->json);
	free(op->name);
	free(op->file);
	free(op->body);
	for (size_t i = 0; i < op->n_changed; i++) {
		wipe_password(&op->changed[i].u);
		user_free(&op->changed[i].u);
	}
	free(op->changed);
	strlist_free(&op->scans);
	free(op);
}

static void
admin_done(struct job *j)
{
	struct admin_op *op = j->admin;

	if (op->type == RPC_ADMIN_SCAN_START && op->status == 201) {
		int rc = op->n_changed == 1 ? scan_start(&op->changed[0].u) : -1;
		if (rc == 1)
			set_answer(op, 409, "Another scan is already in progress", "");
		else if (rc != 0)
			set_answer(op, 500, "", "cannot start the quota scan");
		else
			set_answer(op, 201, "Scan started", "");
	} else if (op->type == RPC_ADMIN_METRICS) {
		metrics_done(op);
	} else {
		for (size_t i = 0; i < op->n_changed; i++) {
			log_info("REST API: user %s %s", op->changed[i].u.username,
			         strcmp(op->changed[i].action, "add") == 0 ? "added"
			         : strcmp(op->changed[i].action, "update") == 0
			             ? "updated"
			             : "deleted");
			mhooks_user_changed(op->changed[i].action, &op->changed[i].u);
		}
		for (size_t i = 0; i < op->scans.n; i++) {
			struct sftpgo_user *u = NULL;
			for (size_t k = 0; k < op->n_changed && u == NULL; k++)
				if (strcmp(op->changed[k].u.username, op->scans.v[i]) ==
				    0)
					u = &op->changed[k].u;
			if (u != NULL)
				scan_start(u); /* silently skipped when one runs */
		}
	}
	if (op->body == NULL && j->error[0] != '\0')
		set_answer(op, 500, "", j->error);
	httpd_reply(op->req, op->body ? op->status : 500, op->body);
	op_free(op);
	j->admin = NULL;
}

static void
submit(struct admin_op *op)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		httpd_reply(op->req, 500, NULL);
		op_free(op);
		return;
	}
	j->run = admin_run;
	j->done = admin_done;
	j->admin = op;
	authpool_submit(j);
}

static struct admin_op *
op_new(int type, uint32_t req)
{
	struct admin_op *op = calloc(1, sizeof(*op));

	if (op == NULL) {
		httpd_reply(req, 500, NULL);
		return NULL;
	}
	op->type = type;
	op->req = req;
	return op;
}

/* Strings of a message, copied; 0 or -1 (answered 500, op freed). */
static int
op_strings(struct admin_op *op, const char *json, const char *name, const char *file)
{
	if ((json && (op->json = strdup(json)) == NULL) ||
	    (name && (op->name = strdup(name)) == NULL) ||
	    (file && (op->file = strdup(file)) == NULL)) {
		httpd_reply(op->req, 500, NULL);
		op_free(op);
		return -1;
	}
	return 0;
}

/* An id httpd parsed already; 400 again when it does not parse. */
static int
op_id(struct admin_op *op, const char *id)
{
	if (api_parse_id(id, &op->id) != 0) {
		char *b = api_response(400, "", "Invalid userID");
		httpd_reply(op->req, 400, b);
		free(b);
		op_free(op);
		return -1;
	}
	return 0;
}

/* The first worker of an authenticated session, NULL when it runs no channel
 * (such a connection is not listed, spec section 7.1). */
static struct mworker *
listed_worker(const struct msess *s)
{
	struct mworker *w;

	if (s->state != S_AUTHED || s->user == NULL)
		return NULL;
	TAILQ_FOREACH(w, &M.workers, link)
	if (w->sess_id == s->id)
		return w;
	return NULL;
}

unsigned
admin_active_connections(void)
{
	unsigned n = 0;
	struct msess *s;

	TAILQ_FOREACH(s, &M.sessions, link)
	n += listed_worker(s) != NULL;
	return n;
}

/* The live transfers of every channel of s (spec section 7.1). */
static json_t *
active_transfers(const struct msess *s)
{
	json_t *a = json_array();
	const struct mworker *w;

	TAILQ_FOREACH(w, &M.workers, link)
	{
		if (w->sess_id != s->id)
			continue;
		for (int i = 0; i < XFERS_MAX && a != NULL; i++) {
			const struct mxfer *x = &w->xfers[i];
			if (x->path == NULL)
				continue;
			json_array_append_new(
			    a, json_pack("{s:s, s:I, s:I, s:I, s:s}", "operation_type",
			                 x->upload ? "upload" : "download", "start_time",
			                 (json_int_t)x->start_ms, "size",
			                 (json_int_t)x->size, "last_activity",
			                 (json_int_t)x->last_ms, "path", x->path));
		}
	}
	return a;
}

static void
conn_list(uint32_t req)
{
	json_t *a = json_array();
	struct msess *s;

	TAILQ_FOREACH(s, &M.sessions, link)
	{
		struct mworker *first = listed_worker(s);
		if (a == NULL || first == NULL)
			continue;
		char addr[96];
		snprintf(addr, sizeof(addr), strchr(s->ip, ':') ? "[%s]:%u" : "%s:%u",
		         s->ip, s->port);
		json_t *xfers = active_transfers(s);
		json_array_append_new(
		    a,
		    json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:o, s:s}", "username",
		              s->user->username, "connection_id", s->conn_id,
		              "client_version", s->client_version, "remote_address", addr,
		              "connection_time", (json_int_t)s->connected_ms,
		              "last_activity", (json_int_t)epoch_ms(), "protocol",
		              first->protocol, "active_transfers", xfers, "ssh_command",
		              first->command ? first->command : ""));
	}
	char *t = a ? api_json_text(a) : NULL;
	json_decref(a);
	httpd_reply(req, t ? 200 : 500, t);
	free(t);
}

static void
conn_close(uint32_t req, const char *id)
{
	struct msess *s;
	char *b;

	TAILQ_FOREACH(s, &M.sessions, link)
	if (s->state == S_AUTHED && strcmp(s->conn_id, id) == 0)
		break;
	if (s == NULL) {
		b = api_response(404, "Not Found", "");
		httpd_reply(req, 404, b);
	} else {
		log_info("REST API: closing connection %s of user %s", s->conn_id,
		         s->user ? s->user->username : "");
		session_kill(s, "connection closed through the REST API");
		b = api_response(200, "Connection closed", "");
		httpd_reply(req, 200, b);
	}
	free(b);
}

void
admin_request(struct rpc_msg *m)
{
	struct admin_op *op;

	switch (m->type) {
	case RPC_ADMIN_CONN_LIST:
		conn_list(m->admin_conn_list.req);
		return;
	case RPC_ADMIN_CONN_CLOSE:
		conn_close(m->admin_conn_close.req, m->admin_conn_close.connection_id);
		return;
	case RPC_ADMIN_SCAN_LIST: {
		char *t = scan_list_text();
		httpd_reply(m->admin_scan_list.req, t ? 200 : 500, t);
		free(t);
		return;
	}
	case RPC_ADMIN_USER_LIST: {
		const struct rpc_admin_user_list *r = &m->admin_user_list;
		if ((op = op_new(m->type, r->req)) == NULL ||
		    op_strings(op, NULL, r->username, NULL) != 0)
			return;
		op->limit = r->limit;
		op->offset = r->offset;
		op->order = r->order;
		break;
	}
	case RPC_ADMIN_USER_GET:
		if ((op = op_new(m->type, m->admin_user_get.req)) == NULL ||
		    op_id(op, m->admin_user_get.id) != 0)
			return;
		break;
	case RPC_ADMIN_USER_DELETE:
		if ((op = op_new(m->type, m->admin_user_delete.req)) == NULL ||
		    op_id(op, m->admin_user_delete.id) != 0)
			return;
		break;
	case RPC_ADMIN_USER_ADD:
		if ((op = op_new(m->type, m->admin_user_add.req)) == NULL ||
		    op_strings(op, m->admin_user_add.json, NULL, NULL) != 0)
			return;
		break;
	case RPC_ADMIN_USER_UPDATE:
		if ((op = op_new(m->type, m->admin_user_update.req)) == NULL ||
		    op_id(op, m->admin_user_update.id) != 0 ||
		    op_strings(op, m->admin_user_update.json, NULL, NULL) != 0)
			return;
		break;
	case RPC_ADMIN_PROVIDER_STATUS:
		if ((op = op_new(m->type, m->admin_provider_status.req)) == NULL)
			return;
		break;
	case RPC_ADMIN_METRICS:
		if ((op = op_new(m->type, m->admin_metrics.req)) == NULL)
			return;
		break;
	case RPC_ADMIN_SCAN_START:
		if ((op = op_new(m->type, m->admin_scan_start.req)) == NULL ||
		    op_strings(op, NULL, m->admin_scan_start.username, NULL) != 0)
			return;
		break;
	case RPC_ADMIN_DUMPDATA: {
		char file[RPC_PATH_MAX + 1], err[RPC_PATH_MAX + 100];
		if ((op = op_new(m->type, m->admin_dumpdata.req)) == NULL)
			return;
		/* checked again here: the monitor does the file I/O */
		if (api_check_output_file(m->admin_dumpdata.output_file, file,
		                          sizeof(file), err, sizeof(err)) != 0) {
			set_answer(op, 400, "", err);
			httpd_reply(op->req, 400, op->body);
			op_free(op);
			return;
		}
		if (op_strings(op, NULL, NULL, file) != 0)
			return;
		op->flag = m->admin_dumpdata.indent;
		break;
	}
	case RPC_ADMIN_LOADDATA: {
		char file[RPC_PATH_MAX + 1], err[RPC_PATH_MAX + 100];
		if ((op = op_new(m->type, m->admin_loaddata.req)) == NULL)
			return;
		if (api_check_input_file(m->admin_loaddata.input_file, file, sizeof(file),
		                         err, sizeof(err)) != 0) {
			set_answer(op, 400, "", err);
			httpd_reply(op->req, 400, op->body);
			op_free(op);
			return;
		}
		if (op_strings(op, NULL, NULL, file) != 0)
			return;
		op->flag = m->admin_loaddata.scan_quota;
		op->mode = m->admin_loaddata.mode;
		break;
	}
	default:
		return;
	}
	submit(op);
}

void
admin_free_all(void)
{
	while (scans != NULL) {
		struct scan *s = scans;
		scans = s->next;
		free(s->username);
		free(s);
	}
}
