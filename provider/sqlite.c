/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SQLite data provider (driver "sqlite"), SFTPGo 0.9.6 schema. Only its driver
 * struct, provider_sqlite_driver, is visible outside this file.
 *
 * The database is opened in WAL mode with a busy timeout so that the admin CLI and
 * a running server can use it at the same time. Every value goes through a bound
 * parameter; the only text put into SQL is the users_table identifier, checked
 * against [A-Za-z_][A-Za-z0-9_]* first. Rows are converted to and from the user
 * JSON (account/user.h), so the codec is the one place that knows the fields.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/clock.h"
#include "common/errf.h"
#include "provider/provider.h"
#include "provider/sqlcommon.h"
#include "provider/schema_sqlite.h" /* generated from sql/sqlite/20200307.sql */

#define BUSY_TIMEOUT_MS 5000
#define TABLE_NAME_MAX SQLC_TABLE_NAME_MAX
#define USER_COLS SQLC_USER_COLS

/* "users" stands for the quoted users_table; everything else is a bound parameter. */
static const char *const stmt_sql[ST_COUNT] = {
    [ST_BY_NAME] = "SELECT " USER_COLS " FROM \"users\" WHERE username = :username",
    [ST_BY_ID] = "SELECT " USER_COLS " FROM \"users\" WHERE id = :id",
    [ST_INSERT] =
        "INSERT INTO \"users\" (username, password, public_keys, home_dir, uid, gid, "
        "max_sessions, quota_size, quota_files, permissions, used_quota_size, "
        "used_quota_files, last_quota_update, upload_bandwidth, download_bandwidth, "
        "expiration_date, last_login, status, filters, filesystem, virtual_folders) "
        "VALUES (:username, :password, :public_keys, :home_dir, :uid, :gid, "
        ":max_sessions, :quota_size, :quota_files, :permissions, 0, 0, 0, "
        ":upload_bandwidth, :download_bandwidth, :expiration_date, 0, :status, "
        ":filters, :filesystem, :virtual_folders)",
    /* Like SFTPGo: username, usage counters and last_login are not set by an update,
     * so an admin edit never races with the server's quota and login writes. */
    [ST_UPDATE] =
        "UPDATE \"users\" SET password = :password, public_keys = :public_keys, "
        "home_dir = :home_dir, uid = :uid, gid = :gid, max_sessions = :max_sessions, "
        "quota_size = :quota_size, quota_files = :quota_files, "
        "permissions = :permissions, upload_bandwidth = :upload_bandwidth, "
        "download_bandwidth = :download_bandwidth, "
        "expiration_date = :expiration_date, status = :status, filters = :filters, "
        "filesystem = :filesystem, virtual_folders = :virtual_folders WHERE id = :id",
    [ST_DELETE] = "DELETE FROM \"users\" WHERE id = :id",
    [ST_LIST_ASC] =
        "SELECT " USER_COLS " FROM \"users\" WHERE (:username IS NULL OR username = "
        ":username) ORDER BY username ASC LIMIT :limit OFFSET :offset",
    [ST_LIST_DESC] =
        "SELECT " USER_COLS " FROM \"users\" WHERE (:username IS NULL OR username = "
        ":username) ORDER BY username DESC LIMIT :limit OFFSET :offset",
    [ST_LAST_LOGIN] = "UPDATE \"users\" SET last_login = :now WHERE username = :username",
    /* still one atomic statement; clamped at 0 (spec section 17, row 7) */
    [ST_QUOTA_ADD] =
        "UPDATE \"users\" SET used_quota_size = MAX(used_quota_size + :size, 0), "
        "used_quota_files = MAX(used_quota_files + :files, 0), last_quota_update = :now "
        "WHERE username = :username",
    [ST_QUOTA_SET] =
        "UPDATE \"users\" SET used_quota_size = :size, used_quota_files = :files, "
        "last_quota_update = :now WHERE username = :username",
    [ST_SCHEMA_EXISTS] = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                         "name IN (:table, 'schema_version')",
    [ST_DUMP] = "SELECT " USER_COLS " FROM \"users\" ORDER BY id ASC",
    [ST_STATUS] = "SELECT count(*) FROM \"users\" WHERE id < 0",
};

struct provider_handle {
	sqlite3 *db;
	char table[TABLE_NAME_MAX + 1];
	char qtable[TABLE_NAME_MAX + 3]; /* "table" */
	char *path;                      /* the database file, for status */
	sqlite3_stmt *st[ST_COUNT];
};

static int
db_fail(struct provider_handle *p, char *err, size_t errlen, const char *what)
{
	return errf(err, errlen, "sqlite: %s: %s", what, sqlite3_errmsg(p->db));
}

/* The statements and the schema script name the table "users". */
static char *
with_table(const char *src, const char *qtable)
{
	return sqlc_with_table(src, "\"users\"", qtable);
}

/* Prepared once per handle, then reset and reused. */
static sqlite3_stmt *
stmt(struct provider_handle *p, enum stmt_id id, char *err, size_t errlen)
{
	if (p->st[id] != NULL) {
		sqlite3_reset(p->st[id]);
		sqlite3_clear_bindings(p->st[id]);
		return p->st[id];
	}
	char *sql = with_table(stmt_sql[id], p->qtable);
	if (sql == NULL) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	int rc = sqlite3_prepare_v3(p->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &p->st[id],
	                            NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		db_fail(p, err, errlen, "prepare");
		p->st[id] = NULL;
		return NULL;
	}
	return p->st[id];
}

static int
bind_int(sqlite3_stmt *s, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(s, name);

	return i == 0 ? SQLITE_OK : sqlite3_bind_int64(s, i, v);
}

static int
bind_text(sqlite3_stmt *s, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(s, name);

	if (i == 0)
		return SQLITE_OK;
	if (v == NULL)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

/* Binds every ":column" parameter the statement has from the user's JSON. */
static int
bind_user(struct provider_handle *p, sqlite3_stmt *s, const json_t *uj, char *err,
          size_t errlen)
{
	char pname[40];

	for (size_t c = 0; c < sqlc_n_columns; c++) {
		snprintf(pname, sizeof(pname), ":%s", sqlc_columns[c].name);
		int idx = sqlite3_bind_parameter_index(s, pname);
		if (idx == 0)
			continue;
		char *txt;
		if (sqlc_param(uj, sqlc_columns[c].name, &txt, err, errlen) != 0)
			return -1;
		int rc = txt == NULL ? sqlite3_bind_null(s, idx)
		                     : sqlite3_bind_text(s, idx, txt, -1, free);
		if (rc != SQLITE_OK)
			return db_fail(p, err, errlen, "bind");
	}
	return 0;
}

/* One result row -> user (initialised here), through the JSON codec. */
static int
row_to_user(sqlite3_stmt *s, struct sftpgo_user *u, char *err, size_t errlen)
{
	json_t *o = json_object();
	int rc = 0;

	user_init(u);
	if (o == NULL)
		return errf(err, errlen, "out of memory");
	for (int c = 0; rc == 0 && c < sqlite3_column_count(s); c++) {
		const char *name = sqlite3_column_name(s, c);
		int type = sqlite3_column_type(s, c);
		if (type == SQLITE_NULL)
			continue;
		if (type == SQLITE_INTEGER)
			rc = sqlc_row_set_int(o, name, sqlite3_column_int64(s, c), err,
			                      errlen);
		else
			rc =
			    sqlc_row_set(o, name, (const char *)sqlite3_column_text(s, c),
			                 err, errlen);
	}
	if (rc == 0)
		rc = sqlc_row_to_user(o, u, err, errlen);
	json_decref(o);
	return rc;
}

/* Runs a single-row SELECT that was bound already. */
static int
fetch_one(struct provider_handle *p, sqlite3_stmt *s, struct sftpgo_user *out, char *err,
          size_t errlen)
{
	int rc = sqlite3_step(s);
	int ret;

	if (rc == SQLITE_DONE)
		ret = PROVIDER_NOT_FOUND;
	else if (rc == SQLITE_ROW)
		ret = row_to_user(s, out, err, errlen);
	else
		ret = db_fail(p, err, errlen, "select");
	sqlite3_reset(s);
	return ret;
}

/* Runs an UPDATE/DELETE that was bound already; NOT_FOUND when no row changed. */
static int
exec_change(struct provider_handle *p, sqlite3_stmt *s, const char *what, char *err,
            size_t errlen)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return db_fail(p, err, errlen, what);
	return sqlite3_changes(p->db) == 0 ? PROVIDER_NOT_FOUND : 0;
}

/* data_provider.name, relative to the config dir when not absolute. */
static char *
sqlite_path(const struct sftpgo_config *cfg, char *err, size_t errlen)
{
	const char *name = cfg->data_provider.name;

	if (name == NULL || name[0] == '\0') {
		errf(err, errlen,
		     "data_provider.name: empty; give the SQLite database path");
		return NULL;
	}
	char *path = config_path(cfg, name);
	if (path == NULL)
		errf(err, errlen, "out of memory");
	return path;
}

static void sqlite_close(struct provider_handle *p);

static int
configure_db(struct provider_handle *p, char *err, size_t errlen)
{
	sqlite3_extended_result_codes(p->db, 1);
	if (sqlite3_busy_timeout(p->db, BUSY_TIMEOUT_MS) != SQLITE_OK)
		return db_fail(p, err, errlen, "busy_timeout");
	if (sqlite3_exec(p->db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;", NULL,
	                 NULL, NULL) != SQLITE_OK)
		return db_fail(p, err, errlen, "pragma");
	return 0;
}

static int
sqlite_open(const struct sftpgo_config *cfg, struct provider_handle **out, char *err,
            size_t errlen)
{
	const struct provider_config *pc = &cfg->data_provider;
	struct stat st;

	*out = NULL;
	const char *table = sqlc_table_from_config(pc->users_table, err, errlen);
	if (table == NULL)
		return -1;
	char *path = sqlite_path(cfg, err, errlen);
	if (path == NULL)
		return -1;
	/* Never create an empty database by accident: initprovider creates the file. */
	if (stat(path, &st) != 0) {
		errf(err, errlen, "sqlite: %s: %s%s", path, strerror(errno),
		     errno == ENOENT ? " (run \"sftpgo initprovider\" first)" : "");
		free(path);
		return -1;
	}
	struct provider_handle *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		free(path);
		return errf(err, errlen, "out of memory");
	}
	strlcpy(p->table, table, sizeof(p->table));
	snprintf(p->qtable, sizeof(p->qtable), "\"%s\"", table);
	p->path = path;
	int rc = sqlite3_open_v2(path, &p->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		errf(err, errlen, "sqlite: %s: %s", path,
		     p->db != NULL ? sqlite3_errmsg(p->db) : sqlite3_errstr(rc));
		sqlite_close(p);
		return -1;
	}
	if (configure_db(p, err, errlen) != 0) {
		sqlite_close(p);
		return -1;
	}
	*out = p;
	return 0;
}

static void
sqlite_close(struct provider_handle *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(p->st[i]);
	sqlite3_close(p->db);
	free(p->path);
	free(p);
}

static int
sqlite_init_schema(struct provider_handle *p, char *err, size_t errlen)
{
	char *msg = NULL;
	char *sql = with_table(schema_sqlite_sql, p->qtable);

	if (sql == NULL)
		return errf(err, errlen, "out of memory");
	int rc = sqlite3_exec(p->db, sql, NULL, NULL, &msg);
	free(sql);
	if (rc != SQLITE_OK) {
		errf(err, errlen, "sqlite: creating the schema: %s",
		     msg != NULL ? msg : "error");
		sqlite3_free(msg);
		if (!sqlite3_get_autocommit(p->db))
			sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

static int
sqlite_schema_exists(struct provider_handle *p, char *err, size_t errlen)
{
	sqlite3_stmt *s = stmt(p, ST_SCHEMA_EXISTS, err, errlen);

	if (s == NULL)
		return -1;
	if (bind_text(s, ":table", p->table) != SQLITE_OK)
		return db_fail(p, err, errlen, "bind");
	int rc = sqlite3_step(s);
	int ret = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) == 2
	                           : db_fail(p, err, errlen, "schema check");
	sqlite3_reset(s);
	return ret;
}

static int
sqlite_user_by_name(struct provider_handle *p, const char *username,
                    struct sftpgo_user *out, char *err, size_t errlen)
{
	sqlite3_stmt *s = stmt(p, ST_BY_NAME, err, errlen);

	user_init(out);
	if (s == NULL)
		return -1;
	if (bind_text(s, ":username", username) != SQLITE_OK)
		return db_fail(p, err, errlen, "bind");
	return fetch_one(p, s, out, err, errlen);
}

static int
sqlite_user_by_id(struct provider_handle *p, int64_t id, struct sftpgo_user *out,
                  char *err, size_t errlen)
{
	sqlite3_stmt *s = stmt(p, ST_BY_ID, err, errlen);

	user_init(out);
	if (s == NULL)
		return -1;
	if (bind_int(s, ":id", id) != SQLITE_OK)
		return db_fail(p, err, errlen, "bind");
	return fetch_one(p, s, out, err, errlen);
}

/* Binds u (as prepared by account_prepare_for_store) into statement id, runs it. */
static int
write_user(struct provider_handle *p, enum stmt_id id, const struct sftpgo_user *u,
           char *err, size_t errlen)
{
	sqlite3_stmt *s = stmt(p, id, err, errlen);
	if (s == NULL)
		return -1;
	json_t *uj = sqlc_user_json(u, err, errlen);
	if (uj == NULL)
		return -1;
	int rc = bind_user(p, s, uj, err, errlen);
	json_decref(uj);
	if (rc != 0) {
		sqlite3_clear_bindings(s); /* drop the bound hash */
		return -1;
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return errf(err, errlen, "username: \"%s\" already exists", u->username);
	if (rc != SQLITE_DONE)
		return db_fail(p, err, errlen, id == ST_INSERT ? "insert" : "update");
	if (id == ST_UPDATE)
		return sqlite3_changes(p->db) == 0 ? PROVIDER_NOT_FOUND : 0;
	return 0;
}

static int
sqlite_user_add(struct provider_handle *p, struct sftpgo_user *u, char *err,
                size_t errlen)
{
	int rc = write_user(p, ST_INSERT, u, err, errlen);
	if (rc != 0)
		return rc;
	u->id = sqlite3_last_insert_rowid(p->db);
	return 0;
}

static int
sqlite_user_update(struct provider_handle *p, const struct sftpgo_user *u, char *err,
                   size_t errlen)
{
	return write_user(p, ST_UPDATE, u, err, errlen);
}

static int
sqlite_user_delete(struct provider_handle *p, int64_t id, char *err, size_t errlen)
{
	sqlite3_stmt *s = stmt(p, ST_DELETE, err, errlen);

	if (s == NULL)
		return -1;
	if (bind_int(s, ":id", id) != SQLITE_OK)
		return db_fail(p, err, errlen, "bind");
	return exec_change(p, s, "delete", err, errlen);
}

/* Steps a bound SELECT, giving each row to cb; a non-zero cb return stops it. */
static int
each_user(struct provider_handle *p, sqlite3_stmt *s, const char *what,
          provider_user_cb cb, void *arg, char *err, size_t errlen)
{
	int ret = 0, rc;

	while (ret == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct sftpgo_user u;
		user_init(&u);
		ret = row_to_user(s, &u, err, errlen);
		if (ret == 0)
			ret = cb(&u, arg);
		user_free(&u);
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = db_fail(p, err, errlen, what);
	sqlite3_reset(s);
	return ret;
}

static int
sqlite_users_list(struct provider_handle *p, int64_t limit, int64_t offset, int order,
                  const char *username, provider_user_cb cb, void *arg, char *err,
                  size_t errlen)
{
	sqlite3_stmt *s = stmt(p, order ? ST_LIST_DESC : ST_LIST_ASC, err, errlen);

	if (s == NULL)
		return -1;
	if (offset < 0)
		return errf(err, errlen, "offset: must not be negative");
	if (bind_text(s, ":username", username) != SQLITE_OK ||
	    bind_int(s, ":limit", limit > 0 ? limit : -1) != SQLITE_OK ||
	    bind_int(s, ":offset", offset) != SQLITE_OK)
		return db_fail(p, err, errlen, "bind");
	return each_user(p, s, "list", cb, arg, err, errlen);
}

static int
sqlite_dump(struct provider_handle *p, provider_user_cb cb, void *arg, char *err,
            size_t errlen)
{
	sqlite3_stmt *s = stmt(p, ST_DUMP, err, errlen);

	if (s == NULL)
		return -1;
	return each_user(p, s, "dump", cb, arg, err, errlen);
}

/*
 * The open handle keeps working on a database file that was deleted or replaced
 * (the inode stays open), so the file is checked by name first, then the table is
 * queried through the handle.
 */
static int
sqlite_status(struct provider_handle *p, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(p->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return errf(err, errlen, "sqlite: %s: %s", p->path, strerror(errno));
	int rc = fstat(fd, &st);
	close(fd);
	if (rc != 0 || !S_ISREG(st.st_mode))
		return errf(err, errlen, "sqlite: %s: not a regular file", p->path);
	sqlite3_stmt *s = stmt(p, ST_STATUS, err, errlen);
	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : db_fail(p, err, errlen, "status");
}

static int
sqlite_update_last_login(struct provider_handle *p, const char *username, char *err,
                         size_t errlen)
{
	sqlite3_stmt *s = stmt(p, ST_LAST_LOGIN, err, errlen);

	if (s == NULL)
		return -1;
	if (bind_int(s, ":now", epoch_ms()) != SQLITE_OK ||
	    bind_text(s, ":username", username) != SQLITE_OK)
		return db_fail(p, err, errlen, "bind");
	return exec_change(p, s, "last_login", err, errlen);
}

static int
sqlite_update_quota(struct provider_handle *p, const char *username, int64_t files_delta,
                    int64_t size_delta, int reset, char *err, size_t errlen)
{
	sqlite3_stmt *s = stmt(p, reset ? ST_QUOTA_SET : ST_QUOTA_ADD, err, errlen);

	if (s == NULL)
		return -1;
	if (bind_int(s, ":size", size_delta) != SQLITE_OK ||
	    bind_int(s, ":files", files_delta) != SQLITE_OK ||
	    bind_int(s, ":now", epoch_ms()) != SQLITE_OK ||
	    bind_text(s, ":username", username) != SQLITE_OK)
		return db_fail(p, err, errlen, "bind");
	return exec_change(p, s, "quota", err, errlen);
}

const struct provider_driver provider_sqlite_driver = {
    .name = "sqlite",
    .open = sqlite_open,
    .close = sqlite_close,
    .init_schema = sqlite_init_schema,
    .schema_exists = sqlite_schema_exists,
    .user_by_name = sqlite_user_by_name,
    .user_by_id = sqlite_user_by_id,
    .users_list = sqlite_users_list,
    .user_add = sqlite_user_add,
    .user_update = sqlite_user_update,
    .user_delete = sqlite_user_delete,
    .update_quota = sqlite_update_quota,
    .update_last_login = sqlite_update_last_login,
    .dump = sqlite_dump,
    .status = sqlite_status,
};
