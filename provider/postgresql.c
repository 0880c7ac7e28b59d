/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * PostgreSQL data provider (driver "postgresql") through libpq, SFTPGo 0.9.6 schema
 * (sql/postgresql/20200307.sql). Only provider_postgresql_driver is visible outside.
 *
 * One handle is one connection; the monitor opens one handle per provider thread, so
 * data_provider.pool_size, which sets the number of those threads, bounds the
 * connections a server holds (doc/design-notes.md "Accounts and providers").
 * Statements are prepared once per connection (server-side, PQprepare) and every
 * value is a parameter; the only text put into SQL is the users_table identifier,
 * checked first. A connection that died (server restarted, network cut) makes the
 * call that saw it fail with "connection lost"; the next call on the handle
 * reconnects (PQreset) and prepares again.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/clock.h"
#include "common/errf.h"
#include "provider/provider.h"
#include "provider/schema_postgresql.h" /* generated from sql/postgresql/20200307.sql */
#include "provider/sqlcommon.h"

/* "users" stands for the quoted users_table; NULL: built by sqlc_*_sql. */
static const char *const stmt_sql[ST_COUNT] = {
    [ST_BY_NAME] = "SELECT " SQLC_USER_COLS " FROM \"users\" WHERE username = $1",
    [ST_BY_ID] = "SELECT " SQLC_USER_COLS " FROM \"users\" WHERE id = $1",
    [ST_DELETE] = "DELETE FROM \"users\" WHERE id = $1",
    /* LIMIT NULL is no limit */
    [ST_LIST_ASC] = "SELECT " SQLC_USER_COLS " FROM \"users\" WHERE ($1::text IS NULL "
                    "OR username = $1) ORDER BY username ASC LIMIT $2 OFFSET $3",
    [ST_LIST_DESC] = "SELECT " SQLC_USER_COLS " FROM \"users\" WHERE ($1::text IS NULL "
                     "OR username = $1) ORDER BY username DESC LIMIT $2 OFFSET $3",
    [ST_LAST_LOGIN] = "UPDATE \"users\" SET last_login = $1 WHERE username = $2",
    /* one atomic statement, clamped at 0 (spec section 17, row 7): concurrent
     * servers sharing the database add, never read-modify-write */
    [ST_QUOTA_ADD] = "UPDATE \"users\" SET used_quota_size = GREATEST(used_quota_size + "
                     "$1, 0), used_quota_files = GREATEST(used_quota_files + $2, 0), "
                     "last_quota_update = $3 WHERE username = $4",
    [ST_QUOTA_SET] = "UPDATE \"users\" SET used_quota_size = $1, used_quota_files = $2, "
                     "last_quota_update = $3 WHERE username = $4",
    [ST_SCHEMA_EXISTS] = "SELECT count(*) FROM information_schema.tables WHERE "
                         "table_schema = current_schema() AND table_name IN ($1, "
                         "'schema_version')",
    [ST_DUMP] = "SELECT " SQLC_USER_COLS " FROM \"users\" ORDER BY id ASC",
    [ST_STATUS] = "SELECT count(*) FROM \"users\" WHERE id < 0",
};

/* SFTPGo's data_provider.sslmode 0-3 for postgresql. */
static const char *const sslmodes[] = {"disable", "require", "verify-ca", "verify-full"};

struct provider_handle {
	PGconn *conn;
	char table[SQLC_TABLE_NAME_MAX + 1];
	char qtable[SQLC_TABLE_NAME_MAX + 3];
	int prepared[ST_COUNT]; /* on the current connection */
};

static int
conn_fail(struct provider_handle *p, char *err, size_t errlen, const char *what)
{
	char msg[256];

	strlcpy(msg, PQerrorMessage(p->conn), sizeof(msg));
	msg[strcspn(msg, "\n")] = '\0';
	if (PQstatus(p->conn) == CONNECTION_BAD)
		return errf(err, errlen,
		            "postgresql: %s: connection lost: %s (reconnecting on next "
		            "use)",
		            what, msg);
	return errf(err, errlen, "postgresql: %s: %s", what, msg);
}

static int
res_fail(struct provider_handle *p, PGresult *r, char *err, size_t errlen,
         const char *what)
{
	int rc;

	if (r == NULL || PQstatus(p->conn) == CONNECTION_BAD) {
		rc = conn_fail(p, err, errlen, what);
	} else {
		char msg[256];
		strlcpy(msg, PQresultErrorMessage(r), sizeof(msg));
		msg[strcspn(msg, "\n")] = '\0';
		rc = errf(err, errlen, "postgresql: %s: %s", what, msg);
	}
	PQclear(r);
	return rc;
}

/* A dead connection is reset before use; prepared statements died with it. */
static int
ensure_conn(struct provider_handle *p, char *err, size_t errlen)
{
	if (PQstatus(p->conn) == CONNECTION_OK)
		return 0;
	PQreset(p->conn);
	memset(p->prepared, 0, sizeof(p->prepared));
	if (PQstatus(p->conn) != CONNECTION_OK) {
		char msg[256];
		strlcpy(msg, PQerrorMessage(p->conn), sizeof(msg));
		msg[strcspn(msg, "\n")] = '\0';
		return errf(err, errlen, "postgresql: cannot reconnect: %s", msg);
	}
	return 0;
}

static char *
stmt_text(const struct provider_handle *p, enum stmt_id id)
{
	if (id == ST_INSERT) {
		char *ins = sqlc_insert_sql(p->qtable, 1);
		if (ins == NULL)
			return NULL;
		size_t n = strlen(ins) + sizeof(" RETURNING id");
		char *out = malloc(n);
		if (out != NULL)
			snprintf(out, n, "%s RETURNING id", ins);
		free(ins);
		return out;
	}
	if (id == ST_UPDATE)
		return sqlc_update_sql(p->qtable, 1);
	return sqlc_with_table(stmt_sql[id], "\"users\"", p->qtable);
}

/* Prepares statement id on this connection if not yet; fills its name. */
static int
prepare(struct provider_handle *p, enum stmt_id id, char name[16], char *err,
        size_t errlen)
{
	snprintf(name, 16, "sftpgo_%d", (int)id);
	if (ensure_conn(p, err, errlen) != 0)
		return -1;
	if (p->prepared[id])
		return 0;
	char *sql = stmt_text(p, id);
	if (sql == NULL)
		return errf(err, errlen, "out of memory");
	PGresult *r = PQprepare(p->conn, name, sql, 0, NULL);
	free(sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return res_fail(p, r, err, errlen, "prepare");
	PQclear(r);
	p->prepared[id] = 1;
	return 0;
}

static PGresult *
run_once(struct provider_handle *p, enum stmt_id id, int n, const char *const *vals,
         const char *what, char *err, size_t errlen)
{
	char name[16];

	if (prepare(p, id, name, err, errlen) != 0)
		return NULL;
	PGresult *r = PQexecPrepared(p->conn, name, n, vals, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		const char *state =
		    r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
		if (id == ST_INSERT && state != NULL && strcmp(state, "23505") == 0) {
			PQclear(r);
			errf(err, errlen, "username: \"%s\" already exists", vals[0]);
			return NULL;
		}
		res_fail(p, r, err, errlen, what);
		return NULL;
	}
	return r;
}

/*
 * Runs prepared statement id with text parameters; NULL (err set) on failure. A
 * read that finds the connection dead (the server restarted since the last call)
 * reconnects and runs once more, so a login after a restart just works; a write is
 * not sent twice (it may have been applied): it fails with "connection lost" and
 * the next call reconnects. The monitor sends failed quota batches again.
 */
static PGresult *
run(struct provider_handle *p, enum stmt_id id, int n, const char *const *vals,
    const char *what, char *err, size_t errlen)
{
	PGresult *r = run_once(p, id, n, vals, what, err, errlen);

	if (r == NULL && sqlc_read_only(id) && PQstatus(p->conn) == CONNECTION_BAD)
		r = run_once(p, id, n, vals, what, err, errlen);
	return r;
}

/* Rows changed by an UPDATE/DELETE result (consumed): 0 or NOT_FOUND. */
static int
changed(PGresult *r)
{
	int n = atoi(PQcmdTuples(r));

	PQclear(r);
	return n == 0 ? PROVIDER_NOT_FOUND : 0;
}

static int
row_to_user(PGresult *r, int row, struct sftpgo_user *u, char *err, size_t errlen)
{
	json_t *o = json_object();
	int rc = 0;

	user_init(u);
	if (o == NULL)
		return errf(err, errlen, "out of memory");
	for (int c = 0; rc == 0 && c < PQnfields(r); c++)
		if (!PQgetisnull(r, row, c))
			rc = sqlc_row_set(o, PQfname(r, c), PQgetvalue(r, row, c), err,
			                  errlen);
	if (rc == 0)
		rc = sqlc_row_to_user(o, u, err, errlen);
	json_decref(o);
	return rc;
}

static int
fetch_one(struct provider_handle *p, enum stmt_id id, const char *arg,
          struct sftpgo_user *out, char *err, size_t errlen)
{
	user_init(out);
	PGresult *r = run(p, id, 1, &arg, "select", err, errlen);
	if (r == NULL)
		return -1;
	int rc =
	    PQntuples(r) == 0 ? PROVIDER_NOT_FOUND : row_to_user(r, 0, out, err, errlen);
	PQclear(r);
	return rc;
}

/* Each row of r to cb (r consumed); a non-zero cb return stops and is returned. */
static int
each_user(PGresult *r, provider_user_cb cb, void *arg, char *err, size_t errlen)
{
	int ret = 0;

	for (int i = 0; ret == 0 && i < PQntuples(r); i++) {
		struct sftpgo_user u;
		ret = row_to_user(r, i, &u, err, errlen);
		if (ret == 0)
			ret = cb(&u, arg);
		user_free(&u);
	}
	PQclear(r);
	return ret;
}

static void pg_close(struct provider_handle *p);

/* The server's notices ("already exists, skipping") are not errors. */
static void
ignore_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* connection_string as is (a conninfo or a URI), else built from the keys. */
static PGconn *
connect_db(const struct provider_config *pc)
{
	char port[16];
	const char *kw[10], *val[10];
	int n = 0;

	if (pc->connection_string != NULL && pc->connection_string[0] != '\0') {
		kw[n] = "dbname";
		val[n++] = pc->connection_string;
	} else {
		snprintf(port, sizeof(port), "%d", pc->port);
		kw[n] = "host", val[n++] = pc->host;
		if (pc->port > 0)
			kw[n] = "port", val[n++] = port;
		kw[n] = "dbname", val[n++] = pc->name;
		kw[n] = "user", val[n++] = pc->username;
		kw[n] = "password", val[n++] = pc->password;
		kw[n] = "sslmode", val[n++] = sslmodes[pc->sslmode & 3];
		kw[n] = "connect_timeout", val[n++] = "10";
	}
	kw[n] = "application_name", val[n++] = "sftpgo";
	kw[n] = NULL, val[n] = NULL;
	return PQconnectdbParams(kw, val, 1);
}

static int
pg_open(const struct sftpgo_config *cfg, struct provider_handle **out, char *err,
        size_t errlen)
{
	const struct provider_config *pc = &cfg->data_provider;

	*out = NULL;
	struct provider_handle *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return errf(err, errlen, "out of memory");
	if (sqlc_server_names(pc, '"', p->table, p->qtable, err, errlen) != 0) {
		free(p);
		return -1;
	}
	p->conn = connect_db(pc);
	if (p->conn != NULL)
		PQsetNoticeProcessor(p->conn, ignore_notice, NULL);
	if (p->conn == NULL || PQstatus(p->conn) != CONNECTION_OK) {
		char msg[300];
		strlcpy(msg, p->conn != NULL ? PQerrorMessage(p->conn) : "out of memory",
		        sizeof(msg));
		msg[strcspn(msg, "\n")] = '\0';
		errf(err, errlen, "postgresql: connect: %s", msg);
		pg_close(p);
		return -1;
	}
	*out = p;
	return 0;
}

static void
pg_close(struct provider_handle *p)
{
	if (p == NULL)
		return;
	if (p->conn != NULL)
		PQfinish(p->conn);
	free(p);
}

static int
pg_init_schema(struct provider_handle *p, char *err, size_t errlen)
{
	if (ensure_conn(p, err, errlen) != 0)
		return -1;
	char *sql = sqlc_with_table(schema_postgresql_sql, "\"users\"", p->qtable);
	if (sql == NULL)
		return errf(err, errlen, "out of memory");
	PGresult *r = PQexec(p->conn, sql);
	free(sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		res_fail(p, r, err, errlen, "creating the schema");
		if (PQtransactionStatus(p->conn) == PQTRANS_INERROR)
			PQclear(PQexec(p->conn, "ROLLBACK"));
		return -1;
	}
	PQclear(r);
	return 0;
}

static int
pg_schema_exists(struct provider_handle *p, char *err, size_t errlen)
{
	const char *arg = p->table;
	PGresult *r = run(p, ST_SCHEMA_EXISTS, 1, &arg, "schema check", err, errlen);

	if (r == NULL)
		return -1;
	int ret = PQntuples(r) == 1 && atoi(PQgetvalue(r, 0, 0)) == 2;
	PQclear(r);
	return ret;
}

static int
pg_user_by_name(struct provider_handle *p, const char *username, struct sftpgo_user *out,
                char *err, size_t errlen)
{
	return fetch_one(p, ST_BY_NAME, username, out, err, errlen);
}

static int
pg_user_by_id(struct provider_handle *p, int64_t id, struct sftpgo_user *out, char *err,
              size_t errlen)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", (long long)id);
	return fetch_one(p, ST_BY_ID, num, out, err, errlen);
}

static int
pg_user_add(struct provider_handle *p, struct sftpgo_user *u, char *err, size_t errlen)
{
	char *vals[SQLC_N_WRITE];

	if (sqlc_user_params(u, vals, err, errlen) != 0)
		return -1;
	PGresult *r = run(p, ST_INSERT, SQLC_N_WRITE, (const char *const *)vals, "insert",
	                  err, errlen);
	sqlc_params_free(vals, SQLC_N_WRITE);
	if (r == NULL)
		return -1;
	u->id = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	return 0;
}

static int
pg_user_update(struct provider_handle *p, const struct sftpgo_user *u, char *err,
               size_t errlen)
{
	char *vals[SQLC_N_WRITE];
	char num[32];

	if (sqlc_user_params(u, vals, err, errlen) != 0)
		return -1;
	/* every column but username, then the id */
	free(vals[0]);
	memmove(vals, vals + 1, (SQLC_N_WRITE - 1) * sizeof(vals[0]));
	snprintf(num, sizeof(num), "%lld", (long long)u->id);
	vals[SQLC_N_WRITE - 1] = strdup(num);
	PGresult *r = vals[SQLC_N_WRITE - 1] == NULL
	                  ? NULL
	                  : run(p, ST_UPDATE, SQLC_N_WRITE, (const char *const *)vals,
	                        "update", err, errlen);
	if (vals[SQLC_N_WRITE - 1] == NULL)
		errf(err, errlen, "out of memory");
	sqlc_params_free(vals, SQLC_N_WRITE);
	return r == NULL ? -1 : changed(r);
}

static int
pg_user_delete(struct provider_handle *p, int64_t id, char *err, size_t errlen)
{
	char num[32];
	const char *arg = num;

	snprintf(num, sizeof(num), "%lld", (long long)id);
	PGresult *r = run(p, ST_DELETE, 1, &arg, "delete", err, errlen);
	return r == NULL ? -1 : changed(r);
}

static int
pg_users_list(struct provider_handle *p, int64_t limit, int64_t offset, int order,
              const char *username, provider_user_cb cb, void *arg, char *err,
              size_t errlen)
{
	char lim[32], off[32];

	if (offset < 0)
		return errf(err, errlen, "offset: must not be negative");
	snprintf(lim, sizeof(lim), "%lld", (long long)limit);
	snprintf(off, sizeof(off), "%lld", (long long)offset);
	const char *vals[3] = {username, limit > 0 ? lim : NULL, off};
	PGresult *r =
	    run(p, order ? ST_LIST_DESC : ST_LIST_ASC, 3, vals, "list", err, errlen);
	return r == NULL ? -1 : each_user(r, cb, arg, err, errlen);
}

static int
pg_dump(struct provider_handle *p, provider_user_cb cb, void *arg, char *err,
        size_t errlen)
{
	PGresult *r = run(p, ST_DUMP, 0, NULL, "dump", err, errlen);

	return r == NULL ? -1 : each_user(r, cb, arg, err, errlen);
}

static int
pg_status(struct provider_handle *p, char *err, size_t errlen)
{
	PGresult *r = run(p, ST_STATUS, 0, NULL, "status", err, errlen);

	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

static int
pg_update_last_login(struct provider_handle *p, const char *username, char *err,
                     size_t errlen)
{
	char now[32];

	snprintf(now, sizeof(now), "%lld", (long long)epoch_ms());
	const char *vals[2] = {now, username};
	PGresult *r = run(p, ST_LAST_LOGIN, 2, vals, "last_login", err, errlen);
	return r == NULL ? -1 : changed(r);
}

static int
pg_update_quota(struct provider_handle *p, const char *username, int64_t files_delta,
                int64_t size_delta, int reset, char *err, size_t errlen)
{
	char size[32], files[32], now[32];

	snprintf(size, sizeof(size), "%lld", (long long)size_delta);
	snprintf(files, sizeof(files), "%lld", (long long)files_delta);
	snprintf(now, sizeof(now), "%lld", (long long)epoch_ms());
	const char *vals[4] = {size, files, now, username};
	PGresult *r =
	    run(p, reset ? ST_QUOTA_SET : ST_QUOTA_ADD, 4, vals, "quota", err, errlen);
	return r == NULL ? -1 : changed(r);
}

const struct provider_driver provider_postgresql_driver = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .init_schema = pg_init_schema,
    .schema_exists = pg_schema_exists,
    .user_by_name = pg_user_by_name,
    .user_by_id = pg_user_by_id,
    .users_list = pg_users_list,
    .user_add = pg_user_add,
    .user_update = pg_user_update,
    .user_delete = pg_user_delete,
    .update_quota = pg_update_quota,
    .update_last_login = pg_update_last_login,
    .dump = pg_dump,
    .status = pg_status,
};
