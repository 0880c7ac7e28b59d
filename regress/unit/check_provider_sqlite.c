/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What only the sqlite driver does (the file, WAL, status by file name) and the driver
 * choice. The operations every driver shares are check_provider_conformance.c's.
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
#include "regress/unit/provider_fixture.h"

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

static int64_t
add(const char *name)
{
	return fixture_add(prov, name);
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
	/* SFTPGo's other drivers: the message lists the built drivers. */
	const char *drivers[] = {"oracle", "cockroachdb"};
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		char want[200];
		cfg.data_provider.driver = (char *)drivers[i];
		ck_assert_int_eq(provider_open(&cfg, &prov, err, sizeof(err)), -1);
		snprintf(want, sizeof(want),
		         "data_provider.driver: \"%s\" is not supported by this build "
		         "(only sqlite, bolt, memory, postgresql, mysql)",
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
	tcase_add_test(t1, status_follows_the_database_file);
	tcase_add_test(t1, writes_while_a_reader_holds_the_db);
	suite_add_tcase(s, t1);
	return check_run_suite(s);
}
