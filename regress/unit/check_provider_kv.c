/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The key/value drivers, bolt (provider/lmdb.c) and memory (provider/memory.c),
 * through provider.c. Every operation is one body taking the driver target as a
 * parameter (struct kv_target: how to configure, wipe and clean up a scratch
 * store) and runs once per target; then what only one driver has: bolt's file (not
 * an LMDB file, kill -9 of a writer), memory's dump file (load, reload, bad input).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "provider/provider.h"
#include "regress/unit/check_main.h"
#include "regress/unit/provider_fixture.h"

static char dir[256];
static struct sftpgo_config cfg;
static struct provider *prov;
static char err[1024];

/* ---- the targets ----------------------------------------------------------- */

struct kv_target {
	const char *name;
	void (*config)(struct sftpgo_config *c); /* driver and name, in dir */
	void (*wipe)(void);                      /* a fresh empty dir */
	void (*cleanup)(void);                   /* removes what the store left */
};

static void
kv_wipe(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/check_provider_kv.XXXXXX",
	         tmp != NULL ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
kv_cleanup(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
bolt_config(struct sftpgo_config *c)
{
	c->config_dir = dir;
	c->data_provider.driver = "bolt";
	c->data_provider.name = "users.lmdb"; /* relative to config_dir */
}

static void
memory_config(struct sftpgo_config *c)
{
	c->config_dir = dir;
	c->data_provider.driver = "memory";
	c->data_provider.name = ""; /* no dump file: an empty provider */
}

static const struct kv_target targets[] = {
    {"bolt", bolt_config, kv_wipe, kv_cleanup},
    {"memory", memory_config, kv_wipe, kv_cleanup},
};
#define N_TARGETS (sizeof(targets) / sizeof(targets[0]))

static void
make_config(const struct kv_target *t)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.data_provider.users_base_dir = "/srv/base/"; /* account/'s, not here */
	t->config(&cfg);
}

/* wipe, configure, open: the store every body starts from */
static void
target_open(const struct kv_target *t)
{
	t->wipe();
	make_config(t);
	prov = NULL;
	ck_assert_msg(provider_open(&cfg, &prov, err, sizeof(err)) == 0, "%s: %s",
	              t->name, err);
	ck_assert_int_eq(provider_schema_exists(prov, err, sizeof(err)), 1);
	ck_assert_int_eq(provider_init_schema(prov, err, sizeof(err)), 0);
}

static void
target_close(const struct kv_target *t)
{
	provider_close(prov);
	prov = NULL;
	t->cleanup();
}

/* Runs body on target i: each test body takes the target as its parameter. */
static void
on_target(int i, void (*body)(const struct kv_target *t))
{
	target_open(&targets[i]);
	body(&targets[i]);
	target_close(&targets[i]);
}

#define KV_TEST(name)                                                                    \
	static void body_##name(const struct kv_target *t);                              \
	START_TEST(name)                                                                 \
	{                                                                                \
		on_target(_i, body_##name);                                              \
	}                                                                                \
	END_TEST                                                                         \
	static void body_##name(const struct kv_target *t)

/* ---- helpers --------------------------------------------------------------- */

static int64_t
add(const char *name)
{
	return fixture_add(prov, name);
}

struct names {
	char buf[4096];
	int n, stop_after;
};

static int
collect(const struct sftpgo_user *u, void *arg)
{
	struct names *n = arg;

	strlcat(n->buf, u->username, sizeof(n->buf));
	strlcat(n->buf, ",", sizeof(n->buf));
	return n->stop_after > 0 && ++n->n >= n->stop_after ? 7 : 0;
}

static const char *
list(int64_t limit, int64_t offset, int order, const char *username, struct names *n)
{
	memset(n, 0, sizeof(*n));
	ck_assert_msg(provider_users_list(prov, limit, offset, order, username, collect,
	                                  n, err, sizeof(err)) == 0,
	              "%s", err);
	return n->buf;
}

/* ---- every driver ---------------------------------------------------------- */

KV_TEST(add_and_read_back)
{
	struct sftpgo_user r;

	int64_t a = add("alice"), b = add("bob");
	ck_assert_int_gt(a, 0);
	ck_assert_int_gt(b, a);
	ck_assert_int_eq(provider_user_by_name(prov, "alice", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.id, a);
	ck_assert_str_eq(r.username, "alice");
	ck_assert_str_eq(r.password, BCRYPT); /* stored as given */
	ck_assert_str_eq(r.home_dir, "/srv/sftp/alice");
	ck_assert_int_eq(r.uid, 1001);
	ck_assert_int_eq(r.public_keys.n, 1);
	ck_assert_str_eq(r.public_keys.v[0], KEY1);
	ck_assert_int_eq(r.n_perms, 1);
	ck_assert_str_eq(r.perms[0].path, "/");
	ck_assert_int_eq(r.used_quota_size, 0);
	ck_assert_int_eq(r.last_login, 0);
	user_free(&r);
	ck_assert_int_eq(provider_user_by_id(prov, b, &r, err, sizeof(err)), 0);
	ck_assert_str_eq(r.username, "bob");
	user_free(&r);
	/* an id is never given again, even after a delete */
	ck_assert_int_eq(provider_user_delete(prov, b, err, sizeof(err)), 0);
	ck_assert_int_gt(add("carol"), b);
	(void)t;
}

KV_TEST(add_ignores_usage_counters)
{
	struct sftpgo_user u, r;

	new_user(&u, "alice");
	u.used_quota_size = 5;
	u.used_quota_files = 6;
	u.last_login = 7;
	u.id = 99;
	ck_assert_int_eq(provider_user_add(prov, &u, err, sizeof(err)), 0);
	ck_assert_int_ne(u.id, 99);
	ck_assert_int_eq(provider_user_by_name(prov, "alice", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.used_quota_size, 0);
	ck_assert_int_eq(r.used_quota_files, 0);
	ck_assert_int_eq(r.last_login, 0);
	ck_assert_int_eq(r.id, u.id);
	user_free(&u);
	user_free(&r);
	(void)t;
}

KV_TEST(duplicate_refused)
{
	struct sftpgo_user u;

	add("alice");
	new_user(&u, "alice");
	ck_assert_int_eq(provider_user_add(prov, &u, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "username: \"alice\" already exists");
	user_free(&u);
	struct names n;
	ck_assert_str_eq(list(0, 0, 0, NULL, &n), "alice,");
	(void)t;
}

KV_TEST(unknown_user_is_not_found)
{
	struct sftpgo_user u;

	add("alice");
	ck_assert_int_eq(provider_user_by_name(prov, "zed", &u, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	user_free(&u);
	ck_assert_int_eq(provider_user_by_id(prov, 4242, &u, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	user_free(&u);
	ck_assert_int_eq(provider_user_delete(prov, 4242, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	ck_assert_int_eq(provider_update_quota(prov, "zed", 1, 1, 0, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	ck_assert_int_eq(provider_update_last_login(prov, "zed", err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	new_user(&u, "zed");
	u.id = 4242;
	ck_assert_int_eq(provider_user_update(prov, &u, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	user_free(&u);
	(void)t;
}

static void
get(const char *name, struct sftpgo_user *r)
{
	ck_assert_msg(provider_user_by_name(prov, name, r, err, sizeof(err)) == 0, "%s",
	              err);
}

KV_TEST(quota_adds_clamps_and_resets)
{
	struct sftpgo_user r;

	add("alice");
	ck_assert_int_eq(
	    provider_update_quota(prov, "alice", 10, 100, 0, err, sizeof(err)), 0);
	ck_assert_int_eq(
	    provider_update_quota(prov, "alice", -3, -50, 0, err, sizeof(err)), 0);
	get("alice", &r);
	ck_assert_int_eq(r.used_quota_files, 7);
	ck_assert_int_eq(r.used_quota_size, 50);
	ck_assert_int_gt(r.last_quota_update, 1500000000000LL);
	user_free(&r);
	/* clamped at 0 (spec section 17 row 7), saturating at the top */
	ck_assert_int_eq(
	    provider_update_quota(prov, "alice", -30, -500, 0, err, sizeof(err)), 0);
	get("alice", &r);
	ck_assert_int_eq(r.used_quota_files, 0);
	ck_assert_int_eq(r.used_quota_size, 0);
	user_free(&r);
	ck_assert_int_eq(
	    provider_update_quota(prov, "alice", 1, INT64_MAX, 0, err, sizeof(err)), 0);
	ck_assert_int_eq(
	    provider_update_quota(prov, "alice", 1, INT64_MAX, 0, err, sizeof(err)), 0);
	get("alice", &r);
	ck_assert_int_eq(r.used_quota_size, INT64_MAX);
	user_free(&r);
	ck_assert_int_eq(provider_update_quota(prov, "alice", 2, 20, 1, err, sizeof(err)),
	                 0);
	get("alice", &r);
	ck_assert_int_eq(r.used_quota_files, 2);
	ck_assert_int_eq(r.used_quota_size, 20);
	user_free(&r);
	(void)t;
}

KV_TEST(last_login_is_set)
{
	struct sftpgo_user r;

	add("alice");
	ck_assert_int_eq(provider_update_last_login(prov, "alice", err, sizeof(err)), 0);
	get("alice", &r);
	ck_assert_int_gt(r.last_login, 1500000000000LL);
	user_free(&r);
	(void)t;
}

KV_TEST(update_replaces_fields_but_not_usage)
{
	struct sftpgo_user u, r;

	int64_t id = add("alice");
	ck_assert_int_eq(provider_update_quota(prov, "alice", 3, 30, 0, err, sizeof(err)),
	                 0);
	ck_assert_int_eq(provider_update_last_login(prov, "alice", err, sizeof(err)), 0);
	new_user(&u, "renamed");
	u.id = id;
	u.max_sessions = 4;
	free(u.home_dir);
	u.home_dir = strdup("/srv/other");
	u.used_quota_files = 999; /* a stale copy must not rewrite usage */
	u.last_login = 1;
	strlist_free(&u.public_keys);
	ck_assert_msg(provider_user_update(prov, &u, err, sizeof(err)) == 0, "%s", err);
	user_free(&u);
	get("alice", &r); /* the name is kept, as SQL does */
	ck_assert_int_eq(r.id, id);
	ck_assert_int_eq(r.max_sessions, 4);
	ck_assert_str_eq(r.home_dir, "/srv/other");
	ck_assert_int_eq(r.public_keys.n, 0);
	ck_assert_int_eq(r.used_quota_files, 3);
	ck_assert_int_eq(r.used_quota_size, 30);
	ck_assert_int_gt(r.last_login, 1500000000000LL);
	user_free(&r);
	ck_assert_int_eq(provider_user_by_name(prov, "renamed", &r, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	user_free(&r);
	(void)t;
}

KV_TEST(delete_removes)
{
	struct sftpgo_user r;
	struct names n;

	int64_t a = add("alice");
	add("bob");
	ck_assert_int_eq(provider_user_delete(prov, a, err, sizeof(err)), 0);
	ck_assert_int_eq(provider_user_by_name(prov, "alice", &r, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	user_free(&r);
	ck_assert_int_eq(provider_user_by_id(prov, a, &r, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	user_free(&r);
	ck_assert_str_eq(list(0, 0, 0, NULL, &n), "bob,");
	add("alice"); /* the name is free again */
	ck_assert_str_eq(list(0, 0, 0, NULL, &n), "alice,bob,");
	(void)t;
}

KV_TEST(list_orders_pages_and_filters)
{
	struct names n;

	add("carol");
	add("alice");
	add("dave");
	add("bob");
	add("Zoe"); /* bytewise: upper case first, as SFTPGo's bolt and memory */
	ck_assert_str_eq(list(0, 0, 0, NULL, &n), "Zoe,alice,bob,carol,dave,");
	ck_assert_str_eq(list(0, 0, 1, NULL, &n), "dave,carol,bob,alice,Zoe,");
	ck_assert_str_eq(list(2, 2, 0, NULL, &n), "bob,carol,");
	ck_assert_str_eq(list(2, 1, 1, NULL, &n), "carol,bob,");
	ck_assert_str_eq(list(2, 4, 0, NULL, &n), "dave,");
	ck_assert_str_eq(list(2, 10, 0, NULL, &n), "");
	ck_assert_str_eq(list(0, 0, 0, "carol", &n), "carol,");
	ck_assert_str_eq(list(0, 1, 0, "carol", &n), ""); /* SFTPGo: [] with an offset */
	ck_assert_str_eq(list(0, 0, 0, "zed", &n), "");
	memset(&n, 0, sizeof(n));
	n.stop_after = 2;
	ck_assert_int_eq(
	    provider_users_list(prov, 0, 0, 0, NULL, collect, &n, err, sizeof(err)), 7);
	ck_assert_str_eq(n.buf, "Zoe,alice,");
	ck_assert_int_eq(
	    provider_users_list(prov, 0, -1, 0, NULL, collect, &n, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "offset: must not be negative");
	(void)t;
}

static int
collect_dump(const struct sftpgo_user *u, void *arg)
{
	struct names *n = arg;
	char one[300];

	snprintf(one, sizeof(one), "%lld:%s:%s,", (long long)u->id, u->username,
	         u->password != NULL && strcmp(u->password, BCRYPT) == 0 ? "hash" : "-");
	strlcat(n->buf, one, sizeof(n->buf));
	return 0;
}

KV_TEST(dump_gives_every_user_with_hash_in_id_order)
{
	struct names n;
	char want[200];

	int64_t c = add("carol"), a = add("alice"), b = add("bob");
	memset(&n, 0, sizeof(n));
	ck_assert_int_eq(provider_dump(prov, collect_dump, &n, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%lld:carol:hash,%lld:alice:hash,%lld:bob:hash,",
	         (long long)c, (long long)a, (long long)b);
	ck_assert_str_eq(n.buf, want);
	(void)t;
}

KV_TEST(status_answers)
{
	ck_assert_msg(provider_status(prov, err, sizeof(err)) == 0, "%s", err);
	add("alice");
	ck_assert_msg(provider_status(prov, err, sizeof(err)) == 0, "%s", err);
	(void)t;
}

/* Only the admin's own input can be this long (user_validate stops at 255). */
KV_TEST(names_too_long)
{
	struct sftpgo_user u, r;
	char *name = malloc(70000);

	memset(name, 'a', 69999);
	name[69999] = '\0';
	ck_assert_int_eq(provider_user_by_name(prov, name, &r, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	user_free(&r);
	ck_assert_int_eq(provider_update_quota(prov, name, 1, 1, 0, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	new_user(&u, name);
	/* refused: what the user codec could not read back is never stored */
	ck_assert_int_eq(provider_user_add(prov, &u, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "at most 255 bytes") != NULL, "%s", err);
	user_free(&u);
	name[300] = '\0'; /* longer than 255, shorter than an LMDB key */
	new_user(&u, name);
	ck_assert_int_eq(provider_user_add(prov, &u, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "at most 255 bytes") != NULL, "%s", err);
	user_free(&u);
	/* an update whose fields could not be read back is refused too */
	int64_t id = add("alice");
	new_user(&u, "alice");
	u.id = id;
	free(u.home_dir);
	u.home_dir = malloc(5000);
	memset(u.home_dir, 'h', 4999);
	u.home_dir[0] = '/';
	u.home_dir[4999] = '\0';
	ck_assert_int_eq(provider_user_update(prov, &u, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "home_dir") != NULL, "%s", err);
	user_free(&u);
	get("alice", &r);
	ck_assert_str_eq(r.home_dir, "/srv/sftp/alice");
	user_free(&r);
	free(name);
	(void)t;
}

/* Several handles (the monitor's provider threads) share one store. */
#define THREADS 4
#define ROUNDS 200

static void *
quota_thread(void *arg)
{
	struct provider *p = NULL;
	char e[512];
	(void)arg;

	if (provider_open(&cfg, &p, e, sizeof(e)) != 0)
		return (void *)1;
	for (int i = 0; i < ROUNDS; i++)
		if (provider_update_quota(p, "alice", 1, 3, 0, e, sizeof(e)) != 0) {
			provider_close(p);
			return (void *)1;
		}
	provider_close(p);
	return NULL;
}

KV_TEST(parallel_quota_updates_sum_exactly)
{
	pthread_t th[THREADS];
	struct sftpgo_user r;
	struct provider *p2;

	add("alice");
	/* a user added through one handle is seen through another at once */
	ck_assert_msg(provider_open(&cfg, &p2, err, sizeof(err)) == 0, "%s", err);
	fixture_add(p2, "bob");
	ck_assert_int_eq(provider_user_by_name(prov, "bob", &r, err, sizeof(err)), 0);
	user_free(&r);
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, quota_thread, NULL), 0);
	for (int i = 0; i < THREADS; i++) {
		void *ret;
		pthread_join(th[i], &ret);
		ck_assert_ptr_null(ret);
	}
	provider_close(p2);
	get("alice", &r);
	ck_assert_int_eq(r.used_quota_files, THREADS * ROUNDS);
	ck_assert_int_eq(r.used_quota_size, 3 * THREADS * ROUNDS);
	user_free(&r);
	(void)t;
}

/* ---- bolt only ------------------------------------------------------------- */

static char lmdb_path[400];

static void
bolt_fresh(void)
{
	kv_wipe();
	make_config(&targets[0]);
	snprintf(lmdb_path, sizeof(lmdb_path), "%s/users.lmdb", dir);
	prov = NULL;
}

static void
write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static char *
read_file(const char *path, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	char *buf = malloc((size_t)st.st_size + 1);
	ck_assert_int_eq(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return buf;
}

START_TEST(bolt_not_an_lmdb_file_refused)
{
	static const char *const bodies[] = {
	    "this is not a database\n",
	    "SQLite format 3\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
	    "{\"users\":[]}"};
	char big[8192];

	bolt_fresh();
	memset(big, 0x5a, sizeof(big)); /* a page-sized file of garbage */
	for (size_t i = 0; i <= sizeof(bodies) / sizeof(bodies[0]); i++) {
		const void *b = i < 3 ? bodies[i] : big;
		size_t len = i < 3 ? strlen(bodies[i]) + (i == 1 ? 16 : 0) : sizeof(big);
		write_file(lmdb_path, b, len);
		ck_assert_int_eq(provider_open(&cfg, &prov, err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "data_provider.name: "));
		ck_assert_ptr_nonnull(strstr(err, lmdb_path));
		ck_assert_ptr_nonnull(strstr(err, "not an LMDB"));
		size_t n;
		char *after = read_file(lmdb_path, &n);
		ck_assert_uint_eq(n, len); /* left as it was */
		ck_assert_int_eq(memcmp(after, b, len), 0);
		free(after);
	}
	char lock[420];
	snprintf(lock, sizeof(lock), "%s-lock", lmdb_path);
	ck_assert_int_ne(access(lock, F_OK), 0); /* no lock file left behind */
	kv_cleanup();
}
END_TEST

START_TEST(bolt_bad_names_refused)
{
	bolt_fresh();
	cfg.data_provider.name = "";
	ck_assert_int_eq(provider_open(&cfg, &prov, err, sizeof(err)), -1);
	ck_assert_str_eq(err,
	                 "data_provider.name: empty; give the bolt database file path");
	cfg.data_provider.name = "no/such/dir/users.lmdb";
	ck_assert_int_eq(provider_open(&cfg, &prov, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "No such file or directory"));
	cfg.data_provider.name = "."; /* a directory */
	ck_assert_int_eq(provider_open(&cfg, &prov, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "data_provider.name: "));
	kv_cleanup();
}
END_TEST

START_TEST(bolt_one_file_0600_that_persists)
{
	struct stat st;
	struct sftpgo_user r;

	bolt_fresh();
	ck_assert_msg(provider_open(&cfg, &prov, err, sizeof(err)) == 0, "%s", err);
	int64_t id = add("alice");
	ck_assert_int_eq(provider_update_quota(prov, "alice", 2, 9, 0, err, sizeof(err)),
	                 0);
	provider_close(prov);
	ck_assert_int_eq(stat(lmdb_path, &st), 0);
	ck_assert(S_ISREG(st.st_mode)); /* MDB_NOSUBDIR: a file, not a directory */
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_msg(provider_open(&cfg, &prov, err, sizeof(err)) == 0, "%s", err);
	get("alice", &r);
	ck_assert_int_eq(r.id, id);
	ck_assert_int_eq(r.used_quota_size, 9);
	user_free(&r);
	ck_assert_int_gt(add("bob"), id); /* the sequence persisted too */
	/* status notices a file that was removed or replaced behind its back */
	char moved[420];
	snprintf(moved, sizeof(moved), "%s.moved", lmdb_path);
	ck_assert_int_eq(rename(lmdb_path, moved), 0);
	ck_assert_int_eq(provider_status(prov, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, lmdb_path));
	ck_assert_int_eq(rename(moved, lmdb_path), 0);
	ck_assert_int_eq(provider_status(prov, err, sizeof(err)), 0);
	provider_close(prov);
	prov = NULL;
	kv_cleanup();
}
END_TEST

/*
 * Crash safety: a child adds users in a loop and tells the parent each id whose add
 * returned success; the parent kills it with SIGKILL in the middle, then reopens
 * the file and checks that every acknowledged user is there, that the ids and users
 * databases agree (a full walk through dump and list) and that writing goes on.
 */
#define CRASH_ROUNDS 3
#define CRASH_AFTER 150

static void
crash_writer(int wfd, int round)
{
	struct provider *p = NULL;
	char e[512], name[64];

	if (provider_open(&cfg, &p, e, sizeof(e)) != 0)
		_exit(2);
	for (int i = 0;; i++) {
		struct sftpgo_user u;
		snprintf(name, sizeof(name), "r%d-u%06d", round, i);
		new_user(&u, name);
		if (provider_user_add(p, &u, e, sizeof(e)) != 0)
			_exit(3);
		user_free(&u);
		if (write(wfd, &i, sizeof(i)) != (ssize_t)sizeof(i))
			_exit(4);
	}
}

static int
count_rows(const struct sftpgo_user *u, void *arg)
{
	(void)u;
	(*(int *)arg)++;
	return 0;
}

struct id_check {
	struct provider *p;
	int bad;
};

static int
check_by_id(const struct sftpgo_user *u, void *arg)
{
	struct id_check *c = arg;
	struct sftpgo_user r;
	char e[512];

	if (provider_user_by_id(c->p, u->id, &r, e, sizeof(e)) != 0 ||
	    strcmp(r.username, u->username) != 0)
		c->bad++;
	user_free(&r);
	return 0;
}

static int
crash_round(int round)
{
	int pfd[2], i, acked = -1;

	ck_assert_int_eq(pipe(pfd), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(pfd[0]);
		crash_writer(pfd[1], round);
	}
	close(pfd[1]);
	while (acked < CRASH_AFTER && read(pfd[0], &i, sizeof(i)) == (ssize_t)sizeof(i))
		acked = i;
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status), "writer exited %d before the kill",
	              WEXITSTATUS(status));
	/* what it acknowledged before it died */
	while (read(pfd[0], &i, sizeof(i)) == (ssize_t)sizeof(i))
		acked = i;
	close(pfd[0]);
	return acked;
}

START_TEST(bolt_kill_9_loses_nothing_committed)
{
	int before = 0; /* users in the file before the round */

	bolt_fresh();
	for (int round = 0; round < CRASH_ROUNDS; round++) {
		char name[64];
		int acked = crash_round(round);
		ck_assert_int_ge(acked, CRASH_AFTER);
		ck_assert_msg(provider_open(&cfg, &prov, err, sizeof(err)) == 0, "%s",
		              err);
		for (int i = 0; i <= acked; i++) {
			struct sftpgo_user r;
			snprintf(name, sizeof(name), "r%d-u%06d", round, i);
			ck_assert_msg(
			    provider_user_by_name(prov, name, &r, err, sizeof(err)) == 0,
			    "%s lost after kill -9", name);
			user_free(&r);
		}
		int dumped = 0, listed = 0;
		ck_assert_int_eq(
		    provider_dump(prov, count_rows, &dumped, err, sizeof(err)), 0);
		ck_assert_int_eq(provider_users_list(prov, 0, 0, 0, NULL, count_rows,
		                                     &listed, err, sizeof(err)),
		                 0);
		ck_assert_int_eq(dumped, listed);
		/* the add in flight at the kill may have committed without its ack */
		ck_assert_int_ge(dumped, before + acked + 1);
		ck_assert_int_le(dumped, before + acked + 2);
		struct id_check c = {prov, 0};
		ck_assert_int_eq(provider_dump(prov, check_by_id, &c, err, sizeof(err)),
		                 0);
		ck_assert_int_eq(c.bad, 0);
		/* the dead writer's lock does not stop the next one */
		snprintf(name, sizeof(name), "after-crash-%d", round);
		add(name);
		before = dumped + 1;
		provider_close(prov);
		prov = NULL;
	}
	kv_cleanup();
}
END_TEST

/* ---- memory only ----------------------------------------------------------- */

static char dump_path[400];

static void
memory_fresh(const char *content)
{
	kv_wipe();
	make_config(&targets[1]);
	snprintf(dump_path, sizeof(dump_path), "%s/users.json", dir);
	cfg.data_provider.name = "users.json";
	if (content != NULL)
		write_file(dump_path, content, strlen(content));
	prov = NULL;
}

#define U(name, extra)                                                                   \
	"{\"status\":1,\"username\":\"" name "\",\"home_dir\":\"/srv/sftp/" name "\","   \
	"\"uid\":1001,\"gid\":1001,\"permissions\":{\"/\":[\"*\"]}" extra "}"
#define PW(p) ",\"password\":\"" p "\""

START_TEST(memory_loads_the_dump)
{
	struct sftpgo_user r;
	struct names n;

	memory_fresh("{\"users\":[" U(
	    "carol", PW("plain-pw") ",\"id\":77,"
	                            "\"used_quota_size\":5,"
	                            "\"last_login\":9") "," U("alice", PW(BCRYPT)) "]}");
	size_t len0;
	char *before = read_file(dump_path, &len0);
	ck_assert_msg(provider_open(&cfg, &prov, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(list(0, 0, 0, NULL, &n), "alice,carol,");
	get("carol", &r);
	ck_assert_int_eq(r.id, 1); /* file order; the file's id is ignored */
	ck_assert_int_eq(r.used_quota_size, 0);
	ck_assert_int_eq(r.last_login, 0);
	ck_assert_ptr_nonnull(strstr(r.password, "$argon2id$")); /* plain: hashed */
	user_free(&r);
	get("alice", &r);
	ck_assert_int_eq(r.id, 2);
	ck_assert_str_eq(r.password, BCRYPT); /* a known hash: kept */
	user_free(&r);
	/* changes live in memory only: the file is never written */
	add("bob");
	ck_assert_int_eq(provider_update_quota(prov, "carol", 1, 1, 0, err, sizeof(err)),
	                 0);
	ck_assert_int_eq(provider_update_last_login(prov, "carol", err, sizeof(err)), 0);
	provider_close(prov);
	prov = NULL;
	size_t len1;
	char *after = read_file(dump_path, &len1);
	ck_assert_uint_eq(len0, len1);
	ck_assert_int_eq(memcmp(before, after, len0), 0);
	free(before);
	free(after);
	/* every handle closed: the next open starts from the file again */
	ck_assert_msg(provider_open(&cfg, &prov, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(list(0, 0, 0, NULL, &n), "alice,carol,");
	provider_close(prov);
	kv_cleanup();
}
END_TEST

/* A member left out is Go's zero value, as SFTPGo decodes the file. */
START_TEST(memory_user_without_status_is_disabled)
{
	struct sftpgo_user r;

	memory_fresh("{\"users\":[{\"username\":\"alice\",\"home_dir\":\"/h/a\","
	             "\"password\":\"" BCRYPT "\",\"permissions\":{\"/\":[\"*\"]}}]}");
	ck_assert_msg(provider_open(&cfg, &prov, err, sizeof(err)) == 0, "%s", err);
	get("alice", &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(r.uid, 0);
	user_free(&r);
	provider_close(prov);
	prov = NULL;
	kv_cleanup();
}
END_TEST

START_TEST(memory_empty_dumps)
{
	static const char *const empty[] = {"null", "{}", "{\"users\":null}",
	                                    "{\"users\":[]}", " {\"users\":[]}\n"};
	struct names n;

	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		memory_fresh(empty[i]);
		ck_assert_msg(provider_open(&cfg, &prov, err, sizeof(err)) == 0, "%s: %s",
		              empty[i], err);
		ck_assert_str_eq(list(0, 0, 0, NULL, &n), "");
		provider_close(prov);
		prov = NULL;
		kv_cleanup();
	}
}
END_TEST

static void
expect_refused(const char *content, size_t len, const char *why)
{
	kv_wipe();
	make_config(&targets[1]);
	snprintf(dump_path, sizeof(dump_path), "%s/users.json", dir);
	cfg.data_provider.name = "users.json";
	if (content != NULL)
		write_file(dump_path, content, len);
	prov = NULL;
	ck_assert_int_eq(provider_open(&cfg, &prov, err, sizeof(err)), -1);
	ck_assert_ptr_null(prov);
	char head[500];
	snprintf(head, sizeof(head), "data_provider.name: %s: ", dump_path);
	ck_assert_msg(strncmp(err, head, strlen(head)) == 0, "%s", err);
	ck_assert_msg(strstr(err, why) != NULL, "\"%s\" lacks \"%s\"", err, why);
	kv_cleanup();
}

#define REFUSED(s, why) expect_refused(s, strlen(s), why)

START_TEST(memory_bad_dumps_refused)
{
	expect_refused(NULL, 0, "No such file or directory");
	REFUSED("", "size 0: must be 1 to 10485760 bytes");
	REFUSED("{\"users\":", "invalid JSON");
	REFUSED("[1,2]", "not a dump");
	REFUSED("{\"users\":{}}", "users: must be an array");
	REFUSED("{\"users\":[7]}", "user 1: not a JSON object");
	REFUSED("{\"users\":[" U("alice", "") "," U("alice", PW("x")) "]}",
	        "username \"alice\" appears twice");
	REFUSED("{\"users\":[{\"home_dir\":\"/h\",\"permissions\":{\"/\":[\"*\"]},"
	        "\"password\":\"x\"}]}",
	        "user 1: username: missing");
	REFUSED("{\"users\":[" U("alice", PW("x")) ",{\"username\":\"bob\","
	                                           "\"password\":\"x\"}]}",
	        "user 2 (\"bob\"): ");
	REFUSED("{\"users\":[" U("alice", "") "]}",
	        "user 1 (\"alice\"): "); /* no pw/key */
	REFUSED("{\"users\":[" U("al/ice", PW("x")) "]}", "username");
	REFUSED("{\"users\":[" U("alice", ",\"uid\":\"x\"") "]}", "uid");
	REFUSED("{\"users\":[],\"users\":[]}", "duplicate object key");
	/* invalid UTF-8 and a NUL byte */
	REFUSED("{\"users\":[" U("al\xff", PW("x")) "]}", "invalid JSON");
	expect_refused("{\"users\":[\"a\0b\"]}", 17, "invalid JSON");
	/* deep nesting: jansson stops at 2048 levels */
	char *deep = malloc(20001);
	memset(deep, '[', 10000);
	memset(deep + 10000, ']', 10000);
	deep[20000] = '\0';
	REFUSED(deep, "maximum parsing depth");
	free(deep);
	/* too large: SFTPGo's 10485760 bytes */
	size_t big = 10485761;
	char *huge = malloc(big);
	memset(huge, ' ', big);
	huge[0] = '{';
	huge[big - 1] = '}';
	expect_refused(huge, big, "size 10485761: must be 1 to 10485760 bytes");
	free(huge);
	/* a directory is not a dump */
	kv_wipe();
	make_config(&targets[1]);
	cfg.data_provider.name = ".";
	ck_assert_int_eq(provider_open(&cfg, &prov, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	kv_cleanup();
}
END_TEST

START_TEST(memory_reload_replaces_users_keeps_counters)
{
	struct sftpgo_user r;
	struct names n;
	char msg[512];

	memory_fresh("{\"users\":[" U("alice", PW(BCRYPT)) "," U("bob", PW(BCRYPT)) "]}");
	ck_assert_msg(provider_open(&cfg, &prov, err, sizeof(err)) == 0, "%s", err);
	/* a second handle (another provider thread) sees the reload too */
	struct provider *p2;
	ck_assert_msg(provider_open(&cfg, &p2, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(provider_update_quota(prov, "alice", 2, 20, 0, err, sizeof(err)),
	                 0);
	ck_assert_int_eq(provider_update_last_login(prov, "alice", err, sizeof(err)), 0);
	get("alice", &r);
	int64_t alice_id = r.id, login = r.last_login;
	user_free(&r);
	write_file(dump_path,
	           "{\"users\":[" U("carol", PW(BCRYPT)) "," U("alice",
	                                                       PW(BCRYPT) ",\"max_"
	                                                                  "sessions\":"
	                                                                  "5") "]}",
	           strlen("{\"users\":[" U("carol", PW(BCRYPT)) "," U(
	               "alice", PW(BCRYPT) ",\"max_sessions\":5") "]}"));
	ck_assert_msg(provider_reload(p2, msg, sizeof(msg)) == 0, "%s", msg);
	ck_assert_ptr_nonnull(strstr(msg, "2 users loaded from"));
	ck_assert_str_eq(list(0, 0, 0, NULL, &n), "alice,carol,");
	get("alice", &r);
	ck_assert_int_eq(r.id, alice_id); /* kept (SFTPGo renumbered: row 42) */
	ck_assert_int_eq(r.max_sessions, 5);
	ck_assert_int_eq(r.used_quota_files, 2);
	ck_assert_int_eq(r.used_quota_size, 20);
	ck_assert_int_eq(r.last_login, login);
	user_free(&r);
	get("carol", &r);
	ck_assert_int_gt(r.id, 2); /* a new id: bob's 2 is not given again */
	ck_assert_int_eq(r.used_quota_size, 0);
	user_free(&r);
	/* a bad file keeps the users in use */
	write_file(dump_path, "{\"users\":[" U("zed", "") "]}",
	           strlen("{\"users\":[" U("zed", "") "]}"));
	ck_assert_int_eq(provider_reload(prov, msg, sizeof(msg)), -1);
	ck_assert_ptr_nonnull(strstr(msg, "data_provider.name: "));
	unlink(dump_path);
	ck_assert_int_eq(provider_reload(prov, msg, sizeof(msg)), -1);
	ck_assert_ptr_nonnull(strstr(msg, "No such file or directory"));
	ck_assert_str_eq(list(0, 0, 0, NULL, &n), "alice,carol,");
	provider_close(p2);
	provider_close(prov);
	prov = NULL;
	kv_cleanup();
}
END_TEST

START_TEST(memory_without_a_file_is_empty_and_reload_does_nothing)
{
	struct names n;
	char msg[100] = "x";

	memory_fresh(NULL);
	cfg.data_provider.name = "";
	ck_assert_msg(provider_open(&cfg, &prov, err, sizeof(err)) == 0, "%s", err);
	add("alice");
	ck_assert_int_eq(provider_reload(prov, msg, sizeof(msg)), 0);
	ck_assert_str_eq(msg, "");
	ck_assert_str_eq(list(0, 0, 0, NULL, &n), "alice,");
	provider_close(prov);
	prov = NULL;
	kv_cleanup();
}
END_TEST

/* Other drivers have nothing to reload. */
START_TEST(reload_is_a_no_op_for_bolt)
{
	char msg[100] = "x";

	bolt_fresh();
	ck_assert_msg(provider_open(&cfg, &prov, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(provider_reload(prov, msg, sizeof(msg)), 0);
	ck_assert_str_eq(msg, "");
	provider_close(prov);
	prov = NULL;
	kv_cleanup();
}
END_TEST

static Suite *
kv_suite(void)
{
	Suite *s = suite_create("provider_kv");
	TCase *all = tcase_create("every_kv_driver");

	tcase_set_timeout(all, 60);
	tcase_add_loop_test(all, add_and_read_back, 0, N_TARGETS);
	tcase_add_loop_test(all, add_ignores_usage_counters, 0, N_TARGETS);
	tcase_add_loop_test(all, duplicate_refused, 0, N_TARGETS);
	tcase_add_loop_test(all, unknown_user_is_not_found, 0, N_TARGETS);
	tcase_add_loop_test(all, quota_adds_clamps_and_resets, 0, N_TARGETS);
	tcase_add_loop_test(all, last_login_is_set, 0, N_TARGETS);
	tcase_add_loop_test(all, update_replaces_fields_but_not_usage, 0, N_TARGETS);
	tcase_add_loop_test(all, delete_removes, 0, N_TARGETS);
	tcase_add_loop_test(all, list_orders_pages_and_filters, 0, N_TARGETS);
	tcase_add_loop_test(all, dump_gives_every_user_with_hash_in_id_order, 0,
	                    N_TARGETS);
	tcase_add_loop_test(all, status_answers, 0, N_TARGETS);
	tcase_add_loop_test(all, names_too_long, 0, N_TARGETS);
	tcase_add_loop_test(all, parallel_quota_updates_sum_exactly, 0, N_TARGETS);
	suite_add_tcase(s, all);

	TCase *bolt = tcase_create("bolt");
	tcase_set_timeout(bolt, 120);
	tcase_add_test(bolt, bolt_not_an_lmdb_file_refused);
	tcase_add_test(bolt, bolt_bad_names_refused);
	tcase_add_test(bolt, bolt_one_file_0600_that_persists);
	tcase_add_test(bolt, bolt_kill_9_loses_nothing_committed);
	tcase_add_test(bolt, reload_is_a_no_op_for_bolt);
	suite_add_tcase(s, bolt);

	TCase *mem = tcase_create("memory");
	tcase_set_timeout(mem, 60);
	tcase_add_test(mem, memory_loads_the_dump);
	tcase_add_test(mem, memory_empty_dumps);
	tcase_add_test(mem, memory_user_without_status_is_disabled);
	tcase_add_test(mem, memory_bad_dumps_refused);
	tcase_add_test(mem, memory_reload_replaces_users_keeps_counters);
	tcase_add_test(mem, memory_without_a_file_is_empty_and_reload_does_nothing);
	suite_add_tcase(s, mem);
	return s;
}

int
main(void)
{
	return check_run_suite(kv_suite());
}
