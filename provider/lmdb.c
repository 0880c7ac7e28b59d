/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The "bolt" driver: SFTPGo's embedded key/value store, here LMDB, in one file at
 * data_provider.name (MDB_NOSUBDIR; LMDB keeps its reader table in NAME-lock).
 * Only provider_lmdb_driver is visible outside this file.
 *
 * Layout, three named databases in the one file:
 *   users  username -> the user's JSON (user_to_json(u, 1)), so listings come out
 *          in bytewise username order, as SFTPGo's bolt;
 *   ids    8-byte big-endian id -> username (lookups by id, dumps in id order);
 *   meta   "next_id" -> 8-byte big-endian: ids are never reused (bucket sequence).
 * Every change is one LMDB write transaction, committed with a sync: what a call
 * reported as done survives kill -9 and a power cut; LMDB has one writer at a time
 * (across processes too), so quota updates are atomic read-modify-writes.
 *
 * LMDB allows one MDB_env per file per process (closing a second descriptor of the
 * file would drop the first one's locks). The monitor opens one handle per provider
 * thread, so handles share a reference-counted environment, opened with MDB_NOTLS
 * so that read transactions belong to the handle, not to the thread. A handle is
 * used by one thread at a time; each call runs its own transaction.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "common/clock.h"
#include "common/errf.h"
#include "provider/kv.h"
#include "provider/provider.h"

#define DRV "bolt"
/*
 * Address space reserved for the file, not disk: the file grows with its data. 1 GiB
 * holds several hundred thousand users; a full map is reported as such
 * (sftpgo.json(5), "bolt").
 */
#define MAP_SIZE ((size_t)1 << 30)

struct kv_env {
	struct kv_env *next;
	pid_t pid; /* an environment is never used across fork() */
	dev_t dev;
	ino_t ino;
	int refs;
	MDB_env *env;
	MDB_dbi users, ids, meta;
};

static pthread_mutex_t envs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct kv_env *envs;

struct provider_handle {
	struct kv_env *e;
	char *path;
};

static int
mdb_fail(char *err, size_t errlen, const char *what, int rc)
{
	if (rc == MDB_MAP_FULL)
		return errf(err, errlen,
		            DRV ": %s: the database file is full (%zu MiB mapped); "
		                "see \"bolt\" in sftpgo.json(5)",
		            what, MAP_SIZE >> 20);
	return errf(err, errlen, DRV ": %s: %s", what, mdb_strerror(rc));
}

static void
id_key(int64_t id, unsigned char k[8])
{
	uint64_t v = (uint64_t)id;

	for (int i = 7; i >= 0; i--, v >>= 8)
		k[i] = (unsigned char)(v & 0xff);
}

static int64_t
id_from_key(const unsigned char k[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | k[i];
	return (int64_t)v;
}

/* Creates the three databases if missing (a new file) and opens their handles. */
static int
open_dbs(struct kv_env *e, char *err, size_t errlen)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(e->env, NULL, 0, &txn);

	if (rc != 0)
		return mdb_fail(err, errlen, "begin", rc);
	if ((rc = mdb_dbi_open(txn, "users", MDB_CREATE, &e->users)) != 0 ||
	    (rc = mdb_dbi_open(txn, "ids", MDB_CREATE, &e->ids)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &e->meta)) != 0) {
		mdb_txn_abort(txn);
		return mdb_fail(err, errlen, "opening the databases", rc);
	}
	rc = mdb_txn_commit(txn);
	return rc != 0 ? mdb_fail(err, errlen, "creating the databases", rc) : 0;
}

/* The lock file LMDB created beside a file that turned out not to be ours. */
static void
drop_new_lock_file(const char *path, int had_lock)
{
	char lock[4200];

	if (!had_lock &&
	    snprintf(lock, sizeof(lock), "%s-lock", path) < (int)sizeof(lock))
		unlink(lock);
}

static int
env_create(const char *path, struct kv_env **out, char *err, size_t errlen)
{
	struct kv_env *e = calloc(1, sizeof(*e));
	char lock[4200];
	struct stat st;

	if (e == NULL)
		return errf(err, errlen, "out of memory");
	snprintf(lock, sizeof(lock), "%s-lock", path);
	int had_lock = stat(lock, &st) == 0;
	int rc = mdb_env_create(&e->env);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(e->env, 4);
	if (rc == 0)
		rc = mdb_env_set_mapsize(e->env, MAP_SIZE);
	if (rc == 0)
		rc = mdb_env_open(e->env, path, MDB_NOSUBDIR | MDB_NOTLS, 0600);
	if (rc != 0) {
		if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
			errf(err, errlen,
			     "data_provider.name: %s: not an LMDB (bolt driver) database "
			     "file (%s)",
			     path, mdb_strerror(rc));
		else
			errf(err, errlen, "data_provider.name: %s: %s", path,
			     mdb_strerror(rc));
		if (e->env != NULL)
			mdb_env_close(e->env);
		drop_new_lock_file(path, had_lock);
		free(e);
		return -1;
	}
	if (open_dbs(e, err, errlen) != 0 || stat(path, &st) != 0) {
		if (stat(path, &st) != 0)
			errf(err, errlen, "data_provider.name: %s: %s", path,
			     strerror(errno));
		mdb_env_close(e->env);
		free(e);
		return -1;
	}
	/* reader slots of killed processes would keep old pages from being reused */
	int dead = 0;
	mdb_reader_check(e->env, &dead);
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	e->pid = getpid();
	*out = e;
	return 0;
}

/* The process's environment for path, opened on first use. */
static int
env_get(const char *path, struct kv_env **out, char *err, size_t errlen)
{
	struct stat st;
	int rc = 0;

	pthread_mutex_lock(&envs_mu);
	struct kv_env *e = NULL;
	if (stat(path, &st) == 0) {
		for (e = envs; e != NULL; e = e->next)
			if (e->pid == getpid() && e->dev == st.st_dev &&
			    e->ino == st.st_ino)
				break;
	}
	if (e == NULL && (rc = env_create(path, &e, err, errlen)) == 0) {
		e->next = envs;
		envs = e;
	}
	if (rc == 0)
		e->refs++;
	pthread_mutex_unlock(&envs_mu);
	*out = e;
	return rc;
}

static void
env_put(struct kv_env *e)
{
	pthread_mutex_lock(&envs_mu);
	if (--e->refs == 0) {
		struct kv_env **pp = &envs;
		while (*pp != e)
			pp = &(*pp)->next;
		*pp = e->next;
		if (e->pid == getpid())
			mdb_env_close(e->env);
		free(e);
	}
	pthread_mutex_unlock(&envs_mu);
}

static int
lmdb_open(const struct sftpgo_config *cfg, struct provider_handle **out, char *err,
          size_t errlen)
{
	const char *name = cfg->data_provider.name;

	*out = NULL;
	if (name == NULL || name[0] == '\0')
		return errf(
		    err, errlen,
		    "data_provider.name: empty; give the bolt database file path");
	struct provider_handle *h = calloc(1, sizeof(*h));
	if (h == NULL || (h->path = config_path(cfg, name)) == NULL) {
		free(h);
		return errf(err, errlen, "out of memory");
	}
	if (strlen(h->path) > 4000) {
		free(h->path);
		free(h);
		return errf(err, errlen, "data_provider.name: path too long");
	}
	if (env_get(h->path, &h->e, err, errlen) != 0) {
		free(h->path);
		free(h);
		return -1;
	}
	*out = h;
	return 0;
}

static void
lmdb_close(struct provider_handle *h)
{
	if (h == NULL)
		return;
	env_put(h->e);
	free(h->path);
	free(h);
}

static int
begin(struct provider_handle *h, unsigned flags, MDB_txn **txn, char *err, size_t errlen)
{
	int rc = mdb_txn_begin(h->e->env, NULL, flags, txn);

	return rc != 0 ? mdb_fail(err, errlen, "begin", rc) : 0;
}

static int
commit(MDB_txn *txn, const char *what, char *err, size_t errlen)
{
	int rc = mdb_txn_commit(txn);

	return rc != 0 ? mdb_fail(err, errlen, what, rc) : 0;
}

/* The opened file has the three databases (open creates them). */
static int
lmdb_schema_exists(struct provider_handle *h, char *err, size_t errlen)
{
	MDB_txn *txn;
	MDB_stat st;

	if (begin(h, MDB_RDONLY, &txn, err, errlen) != 0)
		return -1;
	int rc = mdb_stat(txn, h->e->users, &st);
	if (rc == 0)
		rc = mdb_stat(txn, h->e->ids, &st);
	mdb_txn_abort(txn);
	return rc != 0 ? mdb_fail(err, errlen, "schema check", rc) : 1;
}

/* Nothing to create beyond what open did (SFTPGo: bolt needs no initialisation). */
static int
lmdb_init_schema(struct provider_handle *h, char *err, size_t errlen)
{
	return lmdb_schema_exists(h, err, errlen) == 1 ? 0 : -1;
}

static int
name_key(const char *username, MDB_val *k, MDB_env *env, char *err, size_t errlen)
{
	size_t n = username != NULL ? strlen(username) : 0;

	if (n == 0)
		return errf(err, errlen, "username: must not be empty");
	if (n > (size_t)mdb_env_get_maxkeysize(env))
		return errf(err, errlen, "username: longer than %d bytes",
		            mdb_env_get_maxkeysize(env));
	k->mv_data = (void *)username;
	k->mv_size = n;
	return 0;
}

static json_t *
val_json(const MDB_val *v, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j = json_loadb(v->mv_data, v->mv_size, 0, &je);

	if (j == NULL)
		errf(err, errlen, DRV ": stored user: bad JSON: %s", je.text);
	return j;
}

/* Reads users[key] in txn as JSON: 0, PROVIDER_NOT_FOUND or -1. */
static int
get_json(struct provider_handle *h, MDB_txn *txn, MDB_val *key, json_t **out, char *err,
         size_t errlen)
{
	MDB_val v;
	int rc = mdb_get(txn, h->e->users, key, &v);

	*out = NULL;
	if (rc == MDB_NOTFOUND)
		return PROVIDER_NOT_FOUND;
	if (rc != 0)
		return mdb_fail(err, errlen, "get", rc);
	*out = val_json(&v, err, errlen);
	return *out != NULL ? 0 : -1;
}

static int
put_json(struct provider_handle *h, MDB_txn *txn, MDB_val *key, const json_t *j,
         unsigned flags, char *err, size_t errlen)
{
	char *txt = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	MDB_val v;

	if (txt == NULL)
		return errf(err, errlen, "out of memory");
	v.mv_data = txt;
	v.mv_size = strlen(txt);
	int rc = mdb_put(txn, h->e->users, key, &v, flags);
	explicit_bzero(txt, v.mv_size);
	free(txt);
	if (rc == MDB_KEYEXIST)
		return errf(err, errlen, "username: \"%.*s\" already exists",
		            (int)key->mv_size, (const char *)key->mv_data);
	return rc != 0 ? mdb_fail(err, errlen, "put", rc) : 0;
}

/* A username as a key, in memory of our own: data that LMDB returned is only valid
 * until the next write of the transaction. */
struct name_buf {
	char s[512];
	MDB_val v;
};

/* The username stored for id, copied into nb. */
static int
name_of_id(struct provider_handle *h, MDB_txn *txn, int64_t id, struct name_buf *nb,
           char *err, size_t errlen)
{
	unsigned char kb[8];
	MDB_val k = {.mv_size = 8, .mv_data = kb}, v;

	id_key(id, kb);
	int rc = mdb_get(txn, h->e->ids, &k, &v);
	if (rc == MDB_NOTFOUND)
		return PROVIDER_NOT_FOUND;
	if (rc != 0)
		return mdb_fail(err, errlen, "get id", rc);
	if (v.mv_size == 0 || v.mv_size >= sizeof(nb->s))
		return errf(err, errlen, DRV ": id %lld: corrupt username",
		            (long long)id);
	memcpy(nb->s, v.mv_data, v.mv_size);
	nb->s[v.mv_size] = '\0';
	nb->v.mv_data = nb->s;
	nb->v.mv_size = v.mv_size;
	return 0;
}

static int
lookup(struct provider_handle *h, const char *username, int64_t id,
       struct sftpgo_user *out, char *err, size_t errlen)
{
	MDB_txn *txn;
	struct name_buf nb;
	json_t *j = NULL;
	int rc;

	user_init(out);
	if (username != NULL && name_key(username, &nb.v, h->e->env, err, errlen) != 0)
		return PROVIDER_NOT_FOUND; /* no such key can be stored */
	if (begin(h, MDB_RDONLY, &txn, err, errlen) != 0)
		return -1;
	rc = username != NULL ? 0 : name_of_id(h, txn, id, &nb, err, errlen);
	if (rc == 0)
		rc = get_json(h, txn, &nb.v, &j, err, errlen);
	mdb_txn_abort(txn);
	if (rc == 0)
		rc = kv_user_from_json(j, DRV, out, err, errlen);
	json_decref(j);
	return rc;
}

static int
lmdb_user_by_name(struct provider_handle *h, const char *username,
                  struct sftpgo_user *out, char *err, size_t errlen)
{
	return lookup(h, username != NULL ? username : "", 0, out, err, errlen);
}

static int
lmdb_user_by_id(struct provider_handle *h, int64_t id, struct sftpgo_user *out, char *err,
                size_t errlen)
{
	return lookup(h, NULL, id, out, err, errlen);
}

static int
next_id(struct provider_handle *h, MDB_txn *txn, int64_t *id, char *err, size_t errlen)
{
	MDB_val k = {.mv_size = 7, .mv_data = "next_id"}, v;
	unsigned char vb[8];
	int rc = mdb_get(txn, h->e->meta, &k, &v);

	if (rc == MDB_NOTFOUND)
		*id = 1;
	else if (rc != 0)
		return mdb_fail(err, errlen, "sequence", rc);
	else if (v.mv_size != 8)
		return errf(err, errlen, DRV ": sequence: corrupt");
	else
		*id = id_from_key(v.mv_data);
	if (*id < 1 || *id == INT64_MAX)
		return errf(err, errlen, DRV ": sequence: out of ids");
	id_key(*id + 1, vb);
	v.mv_size = 8;
	v.mv_data = vb;
	rc = mdb_put(txn, h->e->meta, &k, &v, 0);
	return rc != 0 ? mdb_fail(err, errlen, "sequence", rc) : 0;
}

static int
add_in_txn(struct provider_handle *h, MDB_txn *txn, const struct sftpgo_user *u,
           MDB_val *name, int64_t *id, char *err, size_t errlen)
{
	unsigned char kb[8];
	MDB_val k = {.mv_size = 8, .mv_data = kb};

	if (next_id(h, txn, id, err, errlen) != 0)
		return -1;
	json_t *j = kv_json_for_add(u, *id);
	if (j == NULL)
		return errf(err, errlen, "out of memory");
	if (kv_json_readable(j, err, errlen) != 0) {
		json_decref(j);
		return -1;
	}
	int rc = put_json(h, txn, name, j, MDB_NOOVERWRITE, err, errlen);
	json_decref(j);
	if (rc != 0)
		return rc;
	id_key(*id, kb);
	rc = mdb_put(txn, h->e->ids, &k, name, MDB_NOOVERWRITE);
	return rc != 0 ? mdb_fail(err, errlen, "put id", rc) : 0;
}

static int
lmdb_user_add(struct provider_handle *h, struct sftpgo_user *u, char *err, size_t errlen)
{
	MDB_txn *txn;
	MDB_val name;
	int64_t id = 0;

	if (name_key(u->username, &name, h->e->env, err, errlen) != 0 ||
	    begin(h, 0, &txn, err, errlen) != 0)
		return -1;
	if (add_in_txn(h, txn, u, &name, &id, err, errlen) != 0) {
		mdb_txn_abort(txn);
		return -1;
	}
	if (commit(txn, "add", err, errlen) != 0)
		return -1;
	u->id = id;
	return 0;
}

/* Runs change(j) on users[name] in one write transaction. */
static int
modify(struct provider_handle *h, MDB_txn *txn, MDB_val *name,
       json_t *(*change)(json_t *old, const void *arg), const void *arg, char *err,
       size_t errlen)
{
	json_t *old = NULL;
	int rc = get_json(h, txn, name, &old, err, errlen);

	if (rc != 0)
		return rc;
	json_t *nj = change(old, arg);
	json_decref(old);
	if (nj == NULL)
		return errf(err, errlen, "out of memory");
	if (kv_json_readable(nj, err, errlen) != 0) {
		json_decref(nj);
		return -1;
	}
	rc = put_json(h, txn, name, nj, 0, err, errlen);
	json_decref(nj);
	return rc;
}

static int
finish(MDB_txn *txn, int rc, const char *what, char *err, size_t errlen)
{
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return commit(txn, what, err, errlen);
}

static json_t *
change_profile(json_t *old, const void *arg)
{
	return kv_json_for_update(arg, old);
}

static int
lmdb_user_update(struct provider_handle *h, const struct sftpgo_user *u, char *err,
                 size_t errlen)
{
	MDB_txn *txn;
	struct name_buf nb;

	if (begin(h, 0, &txn, err, errlen) != 0)
		return -1;
	int rc = name_of_id(h, txn, u->id, &nb, err, errlen);
	if (rc == 0)
		rc = modify(h, txn, &nb.v, change_profile, u, err, errlen);
	return finish(txn, rc, "update", err, errlen);
}

static int
lmdb_user_delete(struct provider_handle *h, int64_t id, char *err, size_t errlen)
{
	MDB_txn *txn;
	struct name_buf nb;
	unsigned char kb[8];
	MDB_val k = {.mv_size = 8, .mv_data = kb};

	if (begin(h, 0, &txn, err, errlen) != 0)
		return -1;
	int rc = name_of_id(h, txn, id, &nb, err, errlen);
	if (rc == 0) {
		id_key(id, kb);
		rc = mdb_del(txn, h->e->users, &nb.v, NULL);
		if (rc == 0 || rc == MDB_NOTFOUND)
			rc = mdb_del(txn, h->e->ids, &k, NULL);
		if (rc != 0)
			rc = mdb_fail(err, errlen, "delete", rc);
	}
	return finish(txn, rc, "delete", err, errlen);
}

struct quota_change {
	int64_t files, size, now;
	int reset;
};

static json_t *
change_quota(json_t *old, const void *arg)
{
	const struct quota_change *q = arg;
	json_t *j = json_incref(old);

	if (kv_json_apply_quota(j, q->files, q->size, q->reset, q->now) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static json_t *
change_last_login(json_t *old, const void *arg)
{
	json_t *j = json_incref(old);

	if (kv_json_set_last_login(j, *(const int64_t *)arg) != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int
modify_by_name(struct provider_handle *h, const char *username,
               json_t *(*change)(json_t *old, const void *arg), const void *arg,
               const char *what, char *err, size_t errlen)
{
	MDB_txn *txn;
	MDB_val name;

	if (name_key(username, &name, h->e->env, err, errlen) != 0)
		return PROVIDER_NOT_FOUND;
	if (begin(h, 0, &txn, err, errlen) != 0)
		return -1;
	int rc = modify(h, txn, &name, change, arg, err, errlen);
	return finish(txn, rc, what, err, errlen);
}

static int
lmdb_update_quota(struct provider_handle *h, const char *username, int64_t files_delta,
                  int64_t size_delta, int reset, char *err, size_t errlen)
{
	struct quota_change q = {files_delta, size_delta, epoch_ms(), reset};

	return modify_by_name(h, username, change_quota, &q, "quota", err, errlen);
}

static int
lmdb_update_last_login(struct provider_handle *h, const char *username, char *err,
                       size_t errlen)
{
	int64_t now = epoch_ms();

	return modify_by_name(h, username, change_last_login, &now, "last_login", err,
	                      errlen);
}

/*
 * The stored texts a listing selected, copied out of the read transaction, so the
 * callbacks run with no transaction open (they may call the provider again).
 */
struct rows {
	char **txt;
	size_t *len;
	size_t n, cap;
};

static int
rows_add(struct rows *r, const MDB_val *v)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		char **t = reallocarray(r->txt, cap, sizeof(*t));
		if (t == NULL)
			return -1;
		r->txt = t;
		size_t *l = reallocarray(r->len, cap, sizeof(*l));
		if (l == NULL)
			return -1;
		r->len = l;
		r->cap = cap;
	}
	char *c = malloc(v->mv_size ? v->mv_size : 1);
	if (c == NULL)
		return -1;
	memcpy(c, v->mv_data, v->mv_size);
	r->txt[r->n] = c;
	r->len[r->n++] = v->mv_size;
	return 0;
}

static void
rows_free(struct rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		explicit_bzero(r->txt[i], r->len[i]);
		free(r->txt[i]);
	}
	free(r->txt);
	free(r->len);
}

/* Decodes each row and hands it to cb; a non-zero cb return stops and is returned. */
static int
rows_deliver(struct rows *r, provider_user_cb cb, void *arg, char *err, size_t errlen)
{
	int ret = 0;

	for (size_t i = 0; ret == 0 && i < r->n; i++) {
		MDB_val v = {.mv_size = r->len[i], .mv_data = r->txt[i]};
		json_t *j = val_json(&v, err, errlen);
		struct sftpgo_user u;
		if (j == NULL)
			return -1;
		ret = kv_user_from_json(j, DRV, &u, err, errlen);
		json_decref(j);
		if (ret == 0)
			ret = cb(&u, arg);
		user_free(&u);
	}
	return ret;
}

static int
select_rows(struct provider_handle *h, MDB_txn *txn, int64_t limit, int64_t offset,
            int order, struct rows *r, char *err, size_t errlen)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, h->e->users, &cur);

	if (rc != 0)
		return mdb_fail(err, errlen, "cursor", rc);
	MDB_cursor_op first = order ? MDB_LAST : MDB_FIRST;
	MDB_cursor_op step = order ? MDB_PREV : MDB_NEXT;
	for (rc = mdb_cursor_get(cur, &k, &v, first); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, step)) {
		if (offset > 0) {
			offset--;
			continue;
		}
		if (limit > 0 && (int64_t)r->n >= limit)
			break;
		if (rows_add(r, &v) != 0) {
			mdb_cursor_close(cur);
			return errf(err, errlen, "out of memory");
		}
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : mdb_fail(err, errlen, "list", rc);
}

static int
select_one(struct provider_handle *h, MDB_txn *txn, const char *username, int64_t offset,
           struct rows *r, char *err, size_t errlen)
{
	MDB_val k, v;

	if (offset > 0 || name_key(username, &k, h->e->env, err, errlen) != 0)
		return 0; /* SFTPGo: [] with an offset; a name that cannot be stored */
	int rc = mdb_get(txn, h->e->users, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return mdb_fail(err, errlen, "get", rc);
	return rows_add(r, &v) != 0 ? errf(err, errlen, "out of memory") : 0;
}

static int
select_by_id(struct provider_handle *h, MDB_txn *txn, struct rows *r, char *err,
             size_t errlen)
{
	MDB_cursor *cur;
	MDB_val k, name, v;
	int rc = mdb_cursor_open(txn, h->e->ids, &cur);

	if (rc != 0)
		return mdb_fail(err, errlen, "cursor", rc);
	for (rc = mdb_cursor_get(cur, &k, &name, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &name, MDB_NEXT)) {
		int grc = mdb_get(txn, h->e->users, &name, &v);
		if (grc != 0) {
			mdb_cursor_close(cur);
			return grc == MDB_NOTFOUND
			           ? errf(err, errlen,
			                  DRV ": id %lld: its user is missing",
			                  (long long)(k.mv_size == 8
			                                  ? id_from_key(k.mv_data)
			                                  : -1))
			           : mdb_fail(err, errlen, "dump", grc);
		}
		if (rows_add(r, &v) != 0) {
			mdb_cursor_close(cur);
			return errf(err, errlen, "out of memory");
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : mdb_fail(err, errlen, "dump", rc);
}

/* What a listing or a dump selects. */
struct query {
	int64_t limit, offset;
	int order;
	const char *username;
	int by_id; /* the dump: every user in id order */
};

/* Selects in one read transaction, then hands the copies to cb outside it. */
static int
run_query(struct provider_handle *h, const struct query *q, provider_user_cb cb,
          void *arg, char *err, size_t errlen)
{
	struct rows r = {0};
	MDB_txn *txn;
	int rc;

	if (begin(h, MDB_RDONLY, &txn, err, errlen) != 0)
		return -1;
	if (q->by_id)
		rc = select_by_id(h, txn, &r, err, errlen);
	else if (q->username != NULL)
		rc = select_one(h, txn, q->username, q->offset, &r, err, errlen);
	else
		rc = select_rows(h, txn, q->limit, q->offset, q->order, &r, err, errlen);
	mdb_txn_abort(txn);
	if (rc == 0)
		rc = rows_deliver(&r, cb, arg, err, errlen);
	rows_free(&r);
	return rc;
}

static int
lmdb_users_list(struct provider_handle *h, int64_t limit, int64_t offset, int order,
                const char *username, provider_user_cb cb, void *arg, char *err,
                size_t errlen)
{
	const struct query q = {limit, offset, order, username, 0};

	if (offset < 0)
		return errf(err, errlen, "offset: must not be negative");
	return run_query(h, &q, cb, arg, err, errlen);
}

/* In id order, like the SQL drivers (SFTPGo's bolt dumped by username). */
static int
lmdb_dump(struct provider_handle *h, provider_user_cb cb, void *arg, char *err,
          size_t errlen)
{
	const struct query q = {0, 0, 0, NULL, 1};

	return run_query(h, &q, cb, arg, err, errlen);
}

/*
 * The file by name (stat only: opening and closing another descriptor of an LMDB
 * file would drop the process's locks), then a read of the first user, as SFTPGo.
 */
static int
lmdb_status(struct provider_handle *h, char *err, size_t errlen)
{
	struct stat st;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;

	if (stat(h->path, &st) != 0)
		return errf(err, errlen, DRV ": %s: %s", h->path, strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_dev != h->e->dev || st.st_ino != h->e->ino)
		return errf(err, errlen,
		            DRV ": %s: not the database file that was opened", h->path);
	if (begin(h, MDB_RDONLY, &txn, err, errlen) != 0)
		return -1;
	int rc = mdb_cursor_open(txn, h->e->users, &cur);
	if (rc == 0) {
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		mdb_cursor_close(cur);
	}
	mdb_txn_abort(txn);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : mdb_fail(err, errlen, "status", rc);
}

const struct provider_driver provider_lmdb_driver = {
    .name = "bolt",
    .open = lmdb_open,
    .close = lmdb_close,
    .init_schema = lmdb_init_schema,
    .schema_exists = lmdb_schema_exists,
    .user_by_name = lmdb_user_by_name,
    .user_by_id = lmdb_user_by_id,
    .users_list = lmdb_users_list,
    .user_add = lmdb_user_add,
    .user_update = lmdb_user_update,
    .user_delete = lmdb_user_delete,
    .update_quota = lmdb_update_quota,
    .update_last_login = lmdb_update_last_login,
    .dump = lmdb_dump,
    .status = lmdb_status,
};
