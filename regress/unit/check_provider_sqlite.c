/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * provider/sqlite.c through provider.c on a scratch database: schema, CRUD, quota,
 * last_login, listing, dump, status, and the driver choice.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provider/provider.h"
#include "regress/unit/check_main.h"

/* The provider stores what it is given: hashing is account/ (check_account_store). */
#define BCRYPT "$2a$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK"
#define KEY1                                                                             \
	"ssh-ed25519 "                                                                   \
	"AAAAC3NzaC1lZDI1NTE5AAAAIHfI9KZfbzIgmeEksFVeiBrCR5peIZ0zyudvHGG4bRf5 test"

static char dir[256];
static char dbpath[300];
static struct sftpgo_config cfg;
static struct provider *prov;
static char err[512];

static void
make_config(const char *table)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.config_dir = dir;
	cfg.data_provider.driver = "sqlite";
	cfg.data_provider.name = "test.db"; /* relative to config_dir */
	cfg.data_provider.users_table = (char *)table;
	cfg.data_provider.users_base_dir =
	    "/srv/base/"; /* applied by account/, not here */
}

static void
setup_empty(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/check_provider.XXXXXX",
	         tmp != NULL ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(dbpath, sizeof(dbpath), "%s/test.db", dir);
	make_config("users");
	prov = NULL;
}

static void
setup_db(void)
{
	setup_empty();
	int fd = open(dbpath, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_msg(provider_open(&cfg, &prov, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(provider_init_schema(prov, err, sizeof(err)) == 0, "%s", err);
}

static void
teardown(void)
{
	char p[400];

	provider_close(prov);
	prov = NULL;
	const char *sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", dbpath, sfx[i]);
		unlink(p);
	}
	rmdir(dir);
}

static void
new_user(struct sftpgo_user *u, const char *name)
{
	user_init(u);
	u->username = strdup(name);
	u->password = strdup(BCRYPT);
	u->uid = 1001;
	u->gid = 1001;
	char home[300];
	snprintf(home, sizeof(home), "/srv/sftp/%s", name);
	u->home_dir = strdup(home);
	u->perms = calloc(1, sizeof(*u->perms));
	u->n_perms = 1;
	u->perms[0].path = strdup("/");
	strlist_add(&u->perms[0].perms, "*");
	strlist_add(&u->public_keys, KEY1);
}

static int64_t
add(const char *name)
{
	struct sftpgo_user u;

	new_user(&u, name);
	ck_assert_msg(provider_user_add(prov, &u, err, sizeof(err)) == 0, "%s", err);
	int64_t id = u.id;
	user_free(&u);
	return id;
}

/* A text column read with a separate connection, as sqlite3(1) would see it. */
static char *
raw_text(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *out = NULL;

	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

START_TEST(missing_db_file_is_an_error)
{
	ck_assert_int_eq(provider_open(&cfg, &prov, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "initprovider"));
	ck_assert_int_ne(access(dbpath, F_OK), 0); /* nothing created */
}
END_TEST

START_TEST(bad_config_is_refused)
{
	/* SFTPGo's other drivers have no driver here yet: the same message for all,
	 * listing the built drivers (check_provider_kv has bolt and memory). */
	const char *drivers[] = {"oracle", "postgresql", "mysql"};
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		char want[200];
		cfg.data_provider.driver = (char *)drivers[i];
		ck_assert_int_eq(provider_open(&cfg, &prov, err, sizeof(err)), -1);
		snprintf(want, sizeof(want),
		         "data_provider.driver: \"%s\" is not supported by this build "
		         "(only sqlite, bolt, memory)",
		         drivers[i]);
		ck_assert_str_eq(err, want);
		ck_assert_ptr_null(prov);
	}
	make_config("users");
	const char *bad_tables[] = {"users; DROP TABLE x", "1users", "a\"b",
	                            "schema_version", "sqlite_master"};
	for (size_t i = 0; i < sizeof(bad_tables) / sizeof(bad_tables[0]); i++) {
		make_config(bad_tables[i]);
		ck_assert_int_eq(provider_open(&cfg, &prov, err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "users_table"));
	}
	make_config("users");
	cfg.data_provider.name = "";
	ck_assert_int_eq(provider_open(&cfg, &prov, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "data_provider.name"));
}
END_TEST

START_TEST(schema_created_once_with_exact_columns)
{
	static const char *cols =
	    "id,username,password,public_keys,home_dir,uid,gid,"
	    "max_sessions,quota_size,quota_files,permissions,used_quota_size,"
	    "used_quota_files,last_quota_update,upload_bandwidth,"
	    "download_bandwidth,expiration_date,last_login,status,filters,"
	    "filesystem,virtual_folders";

	ck_assert_int_eq(provider_schema_exists(prov, err, sizeof(err)), 1);
	ck_assert_msg(provider_init_schema(prov, err, sizeof(err)) == 0, "%s", err);
	char *got =
	    raw_text("SELECT group_concat(name, ',') FROM pragma_table_info('users')");
	ck_assert_str_eq(got, cols);
	free(got);
	got = raw_text("SELECT group_concat(version) FROM schema_version");
	ck_assert_str_eq(got, "4");
	free(got);
	got = raw_text("PRAGMA journal_mode");
	ck_assert_str_eq(got, "wal");
	free(got);
}
END_TEST

START_TEST(schema_absent_then_custom_table)
{
	int fd = open(dbpath, O_CREAT | O_WRONLY, 0600);
	close(fd);
	make_config("sftp_users");
	ck_assert_msg(provider_open(&cfg, &prov, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(provider_schema_exists(prov, err, sizeof(err)), 0);
	ck_assert_msg(provider_init_schema(prov, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(provider_schema_exists(prov, err, sizeof(err)), 1);
	add("alice");
	char *n = raw_text("SELECT username FROM sftp_users");
	ck_assert_str_eq(n, "alice");
	free(n);
	n = raw_text("SELECT count(*) FROM sqlite_master WHERE name = 'users'");
	ck_assert_str_eq(n, "0");
	free(n);
}
END_TEST

START_TEST(add_and_read_back)
{
	struct sftpgo_user u, r;

	new_user(&u, "alice");
	u.quota_size = 1000;
	u.expiration_date = 1893456000000LL;
	strlist_add(&u.filters.allowed_ip, "192.0.2.0/24");
	ck_assert_msg(provider_user_add(prov, &u, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_gt(u.id, 0);
	user_init(&r);
	ck_assert_int_eq(provider_user_by_name(prov, "alice", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.id, u.id);
	ck_assert_str_eq(r.home_dir, "/srv/sftp/alice");
	ck_assert_int_eq(r.quota_size, 1000);
	ck_assert_int_eq(r.expiration_date, 1893456000000LL);
	ck_assert_int_eq(r.filters.allowed_ip.n, 1);
	ck_assert_int_eq(r.public_keys.n, 1);
	ck_assert_str_eq(r.public_keys.v[0], KEY1);
	ck_assert_int_eq(r.n_perms, 1);
	ck_assert_str_eq(r.perms[0].path, "/");
	ck_assert_str_eq(r.password, BCRYPT);
	user_free(&r);
	user_init(&r);
	ck_assert_int_eq(provider_user_by_id(prov, u.id, &r, err, sizeof(err)), 0);
	ck_assert_str_eq(r.username, "alice");
	user_free(&r);
	/* Stored as SFTPGo stores it: JSON text columns. */
	char *t = raw_text("SELECT permissions FROM users WHERE username = 'alice'");
	ck_assert_str_eq(t, "{\"/\":[\"*\"]}");
	free(t);
	t = raw_text("SELECT public_keys FROM users WHERE username = 'alice'");
	ck_assert_str_eq(t, "[\"" KEY1 "\"]");
	free(t);
	user_free(&u);
}
END_TEST

/* Base dir, validation and hashing are account_prepare_for_store's, before the call. */
START_TEST(stored_as_given)
{
	struct sftpgo_user u, r;

	new_user(&u, "bob");
	free(u.password);
	u.password = strdup("given as is");
	ck_assert_msg(provider_user_add(prov, &u, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(u.password, "given as is");
	user_init(&r);
	ck_assert_int_eq(provider_user_by_name(prov, "bob", &r, err, sizeof(err)), 0);
	ck_assert_str_eq(r.password, "given as is");
	ck_assert_str_eq(r.home_dir, "/srv/sftp/bob");
	user_free(&r);
	user_free(&u);
}
END_TEST

START_TEST(duplicate_refused)
{
	struct sftpgo_user u;

	add("alice");
	new_user(&u, "alice");
	ck_assert_int_eq(provider_user_add(prov, &u, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "already exists"));
	user_free(&u);
	char *n = raw_text("SELECT count(*) FROM users");
	ck_assert_str_eq(n, "1");
	free(n);
}
END_TEST

START_TEST(unknown_user_is_not_found)
{
	struct sftpgo_user u;

	user_init(&u);
	ck_assert_int_eq(provider_user_by_name(prov, "nobody", &u, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	ck_assert_int_eq(provider_user_by_id(prov, 42, &u, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	ck_assert_int_eq(provider_user_delete(prov, 42, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	ck_assert_int_eq(provider_update_last_login(prov, "nobody", err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	ck_assert_int_eq(provider_update_quota(prov, "nobody", 1, 1, 0, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	user_free(&u);
	new_user(&u, "ghost");
	u.id = 42;
	ck_assert_int_eq(provider_user_update(prov, &u, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	user_free(&u);
}
END_TEST

START_TEST(quota_deltas_are_atomic_adds)
{
	struct sftpgo_user r;

	add("alice");
	ck_assert_int_eq(
	    provider_update_quota(prov, "alice", 10, 100, 0, err, sizeof(err)), 0);
	ck_assert_int_eq(
	    provider_update_quota(prov, "alice", -3, -50, 0, err, sizeof(err)), 0);
	/* A second handle (another server instance) adds concurrently. */
	struct provider *p2;
	ck_assert_msg(provider_open(&cfg, &p2, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(provider_update_quota(p2, "alice", 1, 1, 0, err, sizeof(err)),
	                 0);
	provider_close(p2);
	user_init(&r);
	ck_assert_int_eq(provider_user_by_name(prov, "alice", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.used_quota_files, 8);
	ck_assert_int_eq(r.used_quota_size, 51);
	ck_assert_int_gt(r.last_quota_update, 1500000000000LL);
	user_free(&r);
	ck_assert_int_eq(provider_update_quota(prov, "alice", 2, 20, 1, err, sizeof(err)),
	                 0);
	user_init(&r);
	ck_assert_int_eq(provider_user_by_name(prov, "alice", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.used_quota_files, 2);
	ck_assert_int_eq(r.used_quota_size, 20);
	user_free(&r);
}
END_TEST

START_TEST(last_login_is_set)
{
	struct sftpgo_user r;

	add("alice");
	ck_assert_int_eq(provider_update_last_login(prov, "alice", err, sizeof(err)), 0);
	user_init(&r);
	ck_assert_int_eq(provider_user_by_name(prov, "alice", &r, err, sizeof(err)), 0);
	ck_assert_int_gt(r.last_login, 1500000000000LL);
	user_free(&r);
}
END_TEST

START_TEST(update_replaces_fields_but_not_usage)
{
	struct sftpgo_user r;

	add("alice");
	ck_assert_int_eq(
	    provider_update_quota(prov, "alice", 5, 500, 0, err, sizeof(err)), 0);
	user_init(&r);
	ck_assert_int_eq(provider_user_by_name(prov, "alice", &r, err, sizeof(err)), 0);
	const char *old_hash = strdup(r.password);
	r.uid = 2002;
	r.status = 0;
	r.used_quota_files = 0; /* ignored by update */
	strlist_add(&r.perms[0].perms, "list");
	ck_assert_msg(provider_user_update(prov, &r, err, sizeof(err)) == 0, "%s", err);
	user_free(&r);
	user_init(&r);
	ck_assert_int_eq(provider_user_by_name(prov, "alice", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.uid, 2002);
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(r.used_quota_files, 5);
	ck_assert_int_eq(r.perms[0].perms.n, 2);
	ck_assert_str_eq(r.password, old_hash);
	ck_assert_str_eq(r.password, BCRYPT);
	free((void *)old_hash);
	/* a new password is stored as given (account/ hashed it before, if plain) */
	free(r.password);
	r.password = strdup("$6$rounds=5000$salt$new");
	ck_assert_int_eq(provider_user_update(prov, &r, err, sizeof(err)), 0);
	user_free(&r);
	user_init(&r);
	ck_assert_int_eq(provider_user_by_name(prov, "alice", &r, err, sizeof(err)), 0);
	ck_assert_str_eq(r.password, "$6$rounds=5000$salt$new");
	user_free(&r);
}
END_TEST

START_TEST(delete_removes)
{
	struct sftpgo_user r;
	int64_t id = add("alice");

	add("bob");
	ck_assert_int_eq(provider_user_delete(prov, id, err, sizeof(err)), 0);
	user_init(&r);
	ck_assert_int_eq(provider_user_by_name(prov, "alice", &r, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
	ck_assert_int_eq(provider_user_by_name(prov, "bob", &r, err, sizeof(err)), 0);
	user_free(&r);
	ck_assert_int_eq(provider_user_delete(prov, id, err, sizeof(err)),
	                 PROVIDER_NOT_FOUND);
}
END_TEST

struct names {
	char buf[256];
	int stop_after;
	int seen;
};

static int
collect(const struct sftpgo_user *u, void *arg)
{
	struct names *n = arg;

	strlcat(n->buf, u->username, sizeof(n->buf));
	strlcat(n->buf, ",", sizeof(n->buf));
	n->seen++;
	return n->stop_after > 0 && n->seen >= n->stop_after ? 7 : 0;
}

static const char *
list(int64_t limit, int64_t offset, int order, const char *name, struct names *n)
{
	memset(n, 0, sizeof(*n));
	ck_assert_msg(provider_users_list(prov, limit, offset, order, name, collect, n,
	                                  err, sizeof(err)) == 0,
	              "%s", err);
	return n->buf;
}

/* username:password, in the order given. */
static int
collect_with_hash(const struct sftpgo_user *u, void *arg)
{
	struct names *n = arg;

	strlcat(n->buf, u->username, sizeof(n->buf));
	strlcat(n->buf, ":", sizeof(n->buf));
	strlcat(n->buf, u->password != NULL ? u->password : "(none)", sizeof(n->buf));
	strlcat(n->buf, ",", sizeof(n->buf));
	return ++n->seen == n->stop_after ? 7 : 0;
}

START_TEST(dump_gives_every_user_with_hash_in_id_order)
{
	struct names n;
	struct sftpgo_user u;

	memset(&n, 0, sizeof(n));
	ck_assert_int_eq(provider_dump(prov, collect_with_hash, &n, err, sizeof(err)), 0);
	ck_assert_str_eq(n.buf, "");
	add("zed");
	int64_t amy = add("amy");
	add("mid");
	new_user(&u, "keyonly");
	free(u.password);
	u.password = NULL;
	ck_assert_msg(provider_user_add(prov, &u, err, sizeof(err)) == 0, "%s", err);
	user_free(&u);
	ck_assert_int_eq(provider_user_delete(prov, amy, err, sizeof(err)), 0);
	memset(&n, 0, sizeof(n));
	ck_assert_msg(provider_dump(prov, collect_with_hash, &n, err, sizeof(err)) == 0,
	              "%s", err);
	ck_assert_str_eq(n.buf, "zed:" BCRYPT ",mid:" BCRYPT ",keyonly:(none),");
	/* a callback's non-zero return stops the dump and is returned */
	memset(&n, 0, sizeof(n));
	n.stop_after = 1;
	ck_assert_int_eq(provider_dump(prov, collect_with_hash, &n, err, sizeof(err)), 7);
	ck_assert_str_eq(n.buf, "zed:" BCRYPT ",");
}
END_TEST

START_TEST(status_follows_the_database_file)
{
	char moved[400];

	ck_assert_msg(provider_status(prov, err, sizeof(err)) == 0, "%s", err);
	/* removed while open: the handle still works, status must not say so */
	snprintf(moved, sizeof(moved), "%s.moved", dbpath);
	ck_assert_int_eq(rename(dbpath, moved), 0);
	ck_assert_int_eq(provider_status(prov, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, dbpath));
	ck_assert_ptr_nonnull(strstr(err, "No such file or directory"));
	/* replaced by something that is not a database file */
	ck_assert_int_eq(mkdir(dbpath, 0700), 0);
	ck_assert_int_eq(provider_status(prov, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	ck_assert_int_eq(rmdir(dbpath), 0);
	ck_assert_int_eq(rename(moved, dbpath), 0);
	ck_assert_msg(provider_status(prov, err, sizeof(err)) == 0, "%s", err);
	/* unreadable (root reads anything: only checked when not root) */
	if (geteuid() != 0) {
		ck_assert_int_eq(chmod(dbpath, 0), 0);
		ck_assert_int_eq(provider_status(prov, err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "Permission denied"));
		ck_assert_int_eq(chmod(dbpath, 0600), 0);
	}
	/* the table dropped behind the handle's back */
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "DROP TABLE users", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(provider_status(prov, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "sqlite: "));
	/* no handle at all (closed, or never opened) */
	ck_assert_int_eq(provider_status(NULL, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "data provider: not open");
}
END_TEST

START_TEST(list_orders_pages_and_filters)
{
	struct names n;

	add("carol");
	add("alice");
	add("dave");
	add("bob");
	ck_assert_str_eq(list(0, 0, 0, NULL, &n), "alice,bob,carol,dave,");
	ck_assert_str_eq(list(0, 0, 1, NULL, &n), "dave,carol,bob,alice,");
	ck_assert_str_eq(list(2, 1, 0, NULL, &n), "bob,carol,");
	ck_assert_str_eq(list(2, 3, 0, NULL, &n), "dave,");
	ck_assert_str_eq(list(2, 10, 0, NULL, &n), "");
	ck_assert_str_eq(list(0, 0, 0, "carol", &n), "carol,");
	ck_assert_str_eq(list(0, 0, 0, "zed", &n), "");
	memset(&n, 0, sizeof(n));
	n.stop_after = 2;
	ck_assert_int_eq(
	    provider_users_list(prov, 0, 0, 0, NULL, collect, &n, err, sizeof(err)), 7);
	ck_assert_str_eq(n.buf, "alice,bob,");
	ck_assert_int_eq(
	    provider_users_list(prov, 0, -1, 0, NULL, collect, &n, err, sizeof(err)), -1);
}
END_TEST

START_TEST(writes_while_a_reader_holds_the_db)
{
	sqlite3 *db;

	add("alice");
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	/* An open read transaction (a server listing users) does not block writers in
	 * WAL. */
	ck_assert_int_eq(
	    sqlite3_exec(db, "BEGIN; SELECT count(*) FROM users;", NULL, NULL, NULL),
	    SQLITE_OK);
	add("bob");
	ck_assert_int_eq(provider_update_quota(prov, "alice", 1, 1, 0, err, sizeof(err)),
	                 0);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
}
END_TEST

START_TEST(corrupt_stored_json_reported)
{
	struct sftpgo_user r;
	sqlite3 *db;

	add("alice");
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(
	    sqlite3_exec(db, "UPDATE users SET permissions = '{bad'", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	user_init(&r);
	ck_assert_int_eq(provider_user_by_name(prov, "alice", &r, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "permissions"));
	user_free(&r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("provider_sqlite");
	TCase *t0 = tcase_create("open");
	tcase_add_checked_fixture(t0, setup_empty, teardown);
	tcase_add_test(t0, missing_db_file_is_an_error);
	tcase_add_test(t0, bad_config_is_refused);
	tcase_add_test(t0, schema_absent_then_custom_table);
	suite_add_tcase(s, t0);
	TCase *t1 = tcase_create("users");
	tcase_set_timeout(t1, 60); /* argon2id hashing under sanitizers */
	tcase_add_checked_fixture(t1, setup_db, teardown);
	tcase_add_test(t1, schema_created_once_with_exact_columns);
	tcase_add_test(t1, add_and_read_back);
	tcase_add_test(t1, stored_as_given);
	tcase_add_test(t1, duplicate_refused);
	tcase_add_test(t1, unknown_user_is_not_found);
	tcase_add_test(t1, quota_deltas_are_atomic_adds);
	tcase_add_test(t1, last_login_is_set);
	tcase_add_test(t1, update_replaces_fields_but_not_usage);
	tcase_add_test(t1, delete_removes);
	tcase_add_test(t1, list_orders_pages_and_filters);
	tcase_add_test(t1, dump_gives_every_user_with_hash_in_id_order);
	tcase_add_test(t1, status_follows_the_database_file);
	tcase_add_test(t1, writes_while_a_reader_holds_the_db);
	tcase_add_test(t1, corrupt_stored_json_reported);
	suite_add_tcase(s, t1);
	return check_run_suite(s);
}
