/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The "memory" driver: users held in the process's memory, loaded from the SFTPGo
 * dump file named by data_provider.name (account/dump.h) when the provider opens,
 * read again on provider_reload (SIGHUP), never written back: adds, updates,
 * deletes, quota and last_login live in memory only, as SFTPGo documents. An empty
 * name is an empty provider. Only provider_memory_driver is visible outside.
 *
 * The monitor opens one handle per provider thread: all of a process's handles on
 * the same file share one store (reference counted, one mutex), or every thread
 * would see other users and other quota counters.
 *
 * Loading: the file must be 1..10485760 bytes of {"users":[...]}; each user is
 * decoded, checked and its plain-text password hashed (account_prepare_for_store,
 * as the REST API stores a user); counters and last_login start at 0. Any error
 * refuses the whole file, naming data_provider.name: at open the provider does not
 * open, on reload the users in use are kept. SFTPGo 0.9.6 renumbered ids and reset
 * usage on every reload and kept a half-loaded file on a bad user (spec section 17
 * row 42); here a user still in the file keeps its id, usage and last_login, a new
 * one gets an id never used before in this process.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account/account.h"
#include "account/dump.h"
#include "common/clock.h"
#include "common/errf.h"
#include "provider/kv.h"
#include "provider/provider.h"

#define DRV "memory"

struct mem_user {
	char *username;
	int64_t id;
	json_t *j; /* the stored object (kv.h); changed only under the store's mutex */
};

struct mem_store {
	struct mem_store *next;
	pid_t pid;
	char *path; /* "" = no file */
	char *users_base_dir;
	int refs;
	pthread_mutex_t mu;
	struct mem_user *v; /* sorted by username (bytewise) */
	size_t n, cap;
	int64_t next_id;
};

static pthread_mutex_t stores_mu = PTHREAD_MUTEX_INITIALIZER;
static struct mem_store *stores;

struct provider_handle {
	struct mem_store *s;
};

static void
users_free(struct mem_user *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].username);
		json_decref(v[i].j);
	}
	free(v);
}

static int
cmp_user(const void *a, const void *b)
{
	return strcmp(((const struct mem_user *)a)->username,
	              ((const struct mem_user *)b)->username);
}

static struct mem_user *
find_name(struct mem_user *v, size_t n, const char *username)
{
	struct mem_user key = {.username = (char *)username};

	if (username == NULL || n == 0)
		return NULL;
	return bsearch(&key, v, n, sizeof(*v), cmp_user);
}

static struct mem_user *
find_id(struct mem_store *s, int64_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].id == id)
			return &s->v[i];
	return NULL;
}

/* One decoded user of the file, checked and hashed, as the stored object. */
static int
prepare_user(struct sftpgo_user *u, const char *base_dir, struct mem_user *out, char *err,
             size_t errlen)
{
	u->id = 0;
	u->used_quota_size = u->used_quota_files = u->last_quota_update = 0;
	u->last_login = 0;
	if (account_prepare_for_store(u, base_dir, err, errlen) != 0)
		return -1;
	out->j = kv_json_for_add(u, 0);
	out->username = strdup(u->username);
	if (out->j == NULL || out->username == NULL)
		return errf(err, errlen, "out of memory");
	return 0;
}

/* The users of path in file order (ids not assigned yet); "" = none. */
static int
load_file(const char *path, const char *base_dir, struct mem_user **out, size_t *n,
          char *err, size_t errlen)
{
	struct account_dump d;
	char e[600];

	*out = NULL;
	*n = 0;
	if (path[0] == '\0')
		return 0;
	if (account_dump_load_file(path, &d, e, sizeof(e)) != 0)
		return errf(err, errlen, "data_provider.name: %s: %s", path, e);
	struct mem_user *v = calloc(d.n ? d.n : 1, sizeof(*v));
	if (v == NULL) {
		account_dump_free(&d);
		return errf(err, errlen, "out of memory");
	}
	int rc = 0;
	size_t i;
	for (i = 0; rc == 0 && i < d.n; i++)
		rc = prepare_user(&d.users[i], base_dir, &v[i], e, sizeof(e));
	if (rc != 0) {
		errf(err, errlen, "data_provider.name: %s: user %zu (\"%s\"): %s", path,
		     i, d.users[i - 1].username ? d.users[i - 1].username : "", e);
		users_free(v, d.n);
		account_dump_free(&d);
		return -1;
	}
	*n = d.n;
	account_dump_free(&d);
	*out = v;
	return 0;
}

static void
carry(json_t *to, const json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);

	if (v != NULL)
		json_object_set(to, key, v);
}

/*
 * Installs loaded users (file order) in s, under its mutex: a name already there
 * keeps its id, usage and last_login; a new one takes the next id.
 */
static void
install(struct mem_store *s, struct mem_user *v, size_t n)
{
	static const char *const kept[] = {"used_quota_size", "used_quota_files",
	                                   "last_quota_update", "last_login"};

	for (size_t i = 0; i < n; i++) {
		const struct mem_user *old = find_name(s->v, s->n, v[i].username);
		v[i].id = old != NULL ? old->id : s->next_id++;
		json_object_set_new(v[i].j, "id", json_integer(v[i].id));
		for (size_t k = 0; old != NULL && k < sizeof(kept) / sizeof(kept[0]); k++)
			carry(v[i].j, old->j, kept[k]);
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_user);
	users_free(s->v, s->n);
	s->v = v;
	s->n = s->cap = n;
}

static void
store_free(struct mem_store *s)
{
	users_free(s->v, s->n);
	pthread_mutex_destroy(&s->mu);
	free(s->path);
	free(s->users_base_dir);
	free(s);
}

static int
store_create(const char *path, const char *base_dir, struct mem_store **out, char *err,
             size_t errlen)
{
	struct mem_store *s = calloc(1, sizeof(*s));
	struct mem_user *v;
	size_t n;

	if (s == NULL || (s->path = strdup(path)) == NULL ||
	    (s->users_base_dir = strdup(base_dir != NULL ? base_dir : "")) == NULL) {
		if (s != NULL)
			free(s->path);
		free(s);
		return errf(err, errlen, "out of memory");
	}
	pthread_mutex_init(&s->mu, NULL);
	s->pid = getpid();
	s->next_id = 1;
	if (load_file(path, s->users_base_dir, &v, &n, err, errlen) != 0) {
		store_free(s);
		return -1;
	}
	install(s, v, n);
	*out = s;
	return 0;
}

static int
mem_open(const struct sftpgo_config *cfg, struct provider_handle **out, char *err,
         size_t errlen)
{
	const char *name = cfg->data_provider.name;
	char *path =
	    name != NULL && name[0] != '\0' ? config_path(cfg, name) : strdup("");
	struct provider_handle *h = calloc(1, sizeof(*h));
	int rc = 0;

	*out = NULL;
	if (path == NULL || h == NULL) {
		free(path);
		free(h);
		return errf(err, errlen, "out of memory");
	}
	pthread_mutex_lock(&stores_mu);
	struct mem_store *s = stores;
	while (s != NULL && (s->pid != getpid() || strcmp(s->path, path) != 0))
		s = s->next;
	if (s == NULL && (rc = store_create(path, cfg->data_provider.users_base_dir, &s,
	                                    err, errlen)) == 0) {
		s->next = stores;
		stores = s;
	}
	if (rc == 0)
		s->refs++;
	pthread_mutex_unlock(&stores_mu);
	free(path);
	if (rc != 0) {
		free(h);
		return -1;
	}
	h->s = s;
	*out = h;
	return 0;
}

static void
mem_close(struct provider_handle *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&stores_mu);
	struct mem_store *s = h->s;
	if (--s->refs == 0) {
		struct mem_store **pp = &stores;
		while (*pp != s)
			pp = &(*pp)->next;
		*pp = s->next;
		store_free(s);
	}
	pthread_mutex_unlock(&stores_mu);
	free(h);
}

/* Nothing to create: SFTPGo's memory provider needs no initialisation. */
static int
mem_init_schema(struct provider_handle *h, char *err, size_t errlen)
{
	(void)h;
	(void)err;
	(void)errlen;
	return 0;
}

static int
mem_schema_exists(struct provider_handle *h, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	return h->s != NULL ? 1 : 0;
}

static int
decode_locked(const struct mem_user *e, struct sftpgo_user *out, char *err, size_t errlen)
{
	if (e == NULL)
		return PROVIDER_NOT_FOUND;
	return kv_user_from_json(e->j, DRV, out, err, errlen);
}

static int
mem_user_by_name(struct provider_handle *h, const char *username, struct sftpgo_user *out,
                 char *err, size_t errlen)
{
	struct mem_store *s = h->s;

	user_init(out);
	pthread_mutex_lock(&s->mu);
	int rc = decode_locked(find_name(s->v, s->n, username), out, err, errlen);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int
mem_user_by_id(struct provider_handle *h, int64_t id, struct sftpgo_user *out, char *err,
               size_t errlen)
{
	struct mem_store *s = h->s;

	user_init(out);
	pthread_mutex_lock(&s->mu);
	int rc = decode_locked(find_id(s, id), out, err, errlen);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* Inserts e at its sorted place; the caller checked that the name is new. */
static int
insert_locked(struct mem_store *s, struct mem_user e)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct mem_user *v = reallocarray(s->v, cap, sizeof(*v));
		if (v == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	size_t i = 0;
	while (i < s->n && strcmp(s->v[i].username, e.username) < 0)
		i++;
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->v[i] = e;
	s->n++;
	return 0;
}

static int
mem_user_add(struct provider_handle *h, struct sftpgo_user *u, char *err, size_t errlen)
{
	struct mem_store *s = h->s;
	int rc = 0;

	if (u->username == NULL || u->username[0] == '\0')
		return errf(err, errlen, "username: must not be empty");
	pthread_mutex_lock(&s->mu);
	if (find_name(s->v, s->n, u->username) != NULL) {
		rc = errf(err, errlen, "username: \"%s\" already exists", u->username);
	} else {
		struct mem_user e = {.username = strdup(u->username),
		                     .id = s->next_id,
		                     .j = kv_json_for_add(u, s->next_id)};
		if (e.j != NULL && kv_json_readable(e.j, err, errlen) != 0) {
			free(e.username);
			json_decref(e.j);
			rc = -1;
		} else if (e.username == NULL || e.j == NULL ||
		           insert_locked(s, e) != 0) {
			free(e.username);
			json_decref(e.j);
			rc = errf(err, errlen, "out of memory");
		} else {
			u->id = s->next_id++;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int
mem_user_update(struct provider_handle *h, const struct sftpgo_user *u, char *err,
                size_t errlen)
{
	struct mem_store *s = h->s;
	int rc = 0;

	pthread_mutex_lock(&s->mu);
	struct mem_user *e = find_id(s, u->id);
	json_t *nj = e != NULL ? kv_json_for_update(u, e->j) : NULL;
	if (e == NULL) {
		rc = PROVIDER_NOT_FOUND;
	} else if (nj == NULL) {
		rc = errf(err, errlen, "out of memory");
	} else if (kv_json_readable(nj, err, errlen) != 0) {
		json_decref(nj);
		rc = -1;
	} else {
		json_decref(e->j);
		e->j = nj;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int
mem_user_delete(struct provider_handle *h, int64_t id, char *err, size_t errlen)
{
	struct mem_store *s = h->s;
	(void)err;
	(void)errlen;

	pthread_mutex_lock(&s->mu);
	struct mem_user *e = find_id(s, id);
	if (e != NULL) {
		size_t i = (size_t)(e - s->v);
		free(e->username);
		json_decref(e->j);
		memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
		s->n--;
	}
	pthread_mutex_unlock(&s->mu);
	return e != NULL ? 0 : PROVIDER_NOT_FOUND;
}

static int
mem_update_quota(struct provider_handle *h, const char *username, int64_t files_delta,
                 int64_t size_delta, int reset, char *err, size_t errlen)
{
	struct mem_store *s = h->s;
	int rc = PROVIDER_NOT_FOUND;

	pthread_mutex_lock(&s->mu);
	struct mem_user *e = find_name(s->v, s->n, username);
	if (e != NULL)
		rc = kv_json_apply_quota(e->j, files_delta, size_delta, reset,
		                         epoch_ms()) == 0
		         ? 0
		         : errf(err, errlen, "out of memory");
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int
mem_update_last_login(struct provider_handle *h, const char *username, char *err,
                      size_t errlen)
{
	struct mem_store *s = h->s;
	int rc = PROVIDER_NOT_FOUND;

	pthread_mutex_lock(&s->mu);
	struct mem_user *e = find_name(s->v, s->n, username);
	if (e != NULL)
		rc = kv_json_set_last_login(e->j, epoch_ms()) == 0
		         ? 0
		         : errf(err, errlen, "out of memory");
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* Copies taken under the mutex, handed to the callback after it is released. */
struct picks {
	json_t **j;
	size_t n;
};

static int
pick(struct picks *p, const struct mem_user *e)
{
	json_t *c = json_deep_copy(e->j);

	if (c == NULL)
		return -1;
	p->j[p->n++] = c;
	return 0;
}

static void
picks_free(struct picks *p)
{
	for (size_t i = 0; i < p->n; i++)
		json_decref(p->j[i]);
	free(p->j);
}

static int
deliver(struct picks *p, provider_user_cb cb, void *arg, char *err, size_t errlen)
{
	int ret = 0;

	for (size_t i = 0; ret == 0 && i < p->n; i++) {
		struct sftpgo_user u;
		ret = kv_user_from_json(p->j[i], DRV, &u, err, errlen);
		if (ret == 0)
			ret = cb(&u, arg);
		user_free(&u);
	}
	picks_free(p);
	return ret;
}

static int
pick_list_locked(struct mem_store *s, int64_t limit, int64_t offset, int order,
                 const char *username, struct picks *p)
{
	if (username != NULL) {
		const struct mem_user *e = find_name(s->v, s->n, username);
		return e != NULL && offset == 0 ? pick(p, e) : 0;
	}
	for (size_t k = (size_t)offset; k < s->n; k++) {
		if (limit > 0 && (int64_t)p->n >= limit)
			break;
		if (pick(p, &s->v[order ? s->n - 1 - k : k]) != 0)
			return -1;
	}
	return 0;
}

static int
mem_users_list(struct provider_handle *h, int64_t limit, int64_t offset, int order,
               const char *username, provider_user_cb cb, void *arg, char *err,
               size_t errlen)
{
	struct mem_store *s = h->s;
	struct picks p = {0};
	int rc = 0;

	if (offset < 0)
		return errf(err, errlen, "offset: must not be negative");
	pthread_mutex_lock(&s->mu);
	p.j = calloc(s->n ? s->n : 1, sizeof(*p.j));
	if (p.j == NULL || pick_list_locked(s, limit, offset, order, username, &p) != 0)
		rc = errf(err, errlen, "out of memory");
	pthread_mutex_unlock(&s->mu);
	if (rc != 0) {
		picks_free(&p);
		return rc;
	}
	return deliver(&p, cb, arg, err, errlen);
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = json_integer_value(json_object_get(*(json_t *const *)a, "id"));
	int64_t y = json_integer_value(json_object_get(*(json_t *const *)b, "id"));

	return x < y ? -1 : x > y;
}

/* Every user in id order (the order the file gave them, then the order of adds). */
static int
mem_dump(struct provider_handle *h, provider_user_cb cb, void *arg, char *err,
         size_t errlen)
{
	struct mem_store *s = h->s;
	struct picks p = {0};
	int rc = 0;

	pthread_mutex_lock(&s->mu);
	p.j = calloc(s->n ? s->n : 1, sizeof(*p.j));
	for (size_t i = 0; p.j != NULL && rc == 0 && i < s->n; i++)
		rc = pick(&p, &s->v[i]);
	if (p.j == NULL || rc != 0)
		rc = errf(err, errlen, "out of memory");
	pthread_mutex_unlock(&s->mu);
	if (rc != 0) {
		picks_free(&p);
		return rc;
	}
	qsort(p.j, p.n, sizeof(*p.j), cmp_id);
	return deliver(&p, cb, arg, err, errlen);
}

/* The store lives as long as a handle does (SFTPGo: fails only once closed). */
static int
mem_status(struct provider_handle *h, char *err, size_t errlen)
{
	return h->s != NULL ? 0 : errf(err, errlen, DRV ": closed");
}

/* The file is read and checked before the mutex is taken; then one swap. */
static int
mem_reload(struct provider_handle *h, char *msg, size_t msglen)
{
	struct mem_store *s = h->s;
	struct mem_user *v;
	size_t n;

	if (s->path[0] == '\0') {
		if (msglen > 0)
			msg[0] = '\0'; /* no file: nothing to reload */
		return 0;
	}
	if (load_file(s->path, s->users_base_dir, &v, &n, msg, msglen) != 0)
		return -1;
	pthread_mutex_lock(&s->mu);
	install(s, v, n);
	pthread_mutex_unlock(&s->mu);
	errf(msg, msglen, "memory provider: %zu users loaded from %s", n, s->path);
	return 0;
}

const struct provider_driver provider_memory_driver = {
    .name = "memory",
    .open = mem_open,
    .close = mem_close,
    .init_schema = mem_init_schema,
    .schema_exists = mem_schema_exists,
    .user_by_name = mem_user_by_name,
    .user_by_id = mem_user_by_id,
    .users_list = mem_users_list,
    .user_add = mem_user_add,
    .user_update = mem_user_update,
    .user_delete = mem_user_delete,
    .update_quota = mem_update_quota,
    .update_last_login = mem_update_last_login,
    .dump = mem_dump,
    .status = mem_status,
    .reload = mem_reload,
};
