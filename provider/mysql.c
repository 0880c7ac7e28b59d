/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * MySQL / MariaDB data provider (driver "mysql", as SFTPGo) through Debian's
 * libmariadb (the MySQL C API), SFTPGo 0.9.6 schema (sql/mysql/20200307.sql). Only
 * provider_mysql_driver is visible outside this file.
 *
 * As the postgresql driver: one handle is one connection (pool_size bounds the
 * monitor's handles), statements are server-side prepared (mysql_stmt_*) once per
 * connection with every value a parameter, and a connection found dead makes that
 * call fail with "connection lost" and the next one reconnect. CLIENT_FOUND_ROWS
 * makes an UPDATE that changes nothing still count its row, so "not found" means
 * not found.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include "common/clock.h"
#include "common/errf.h"
#include "provider/provider.h"
#include "provider/schema_mysql.h" /* generated from sql/mysql/20200307.sql */
#include "provider/sqlcommon.h"

#define MAX_PARAMS SQLC_N_WRITE

/* `users` stands for the quoted users_table; NULL: built by sqlc_*_sql. */
static const char *const stmt_sql[ST_COUNT] = {
    [ST_BY_NAME] = "SELECT " SQLC_USER_COLS " FROM `users` WHERE username = ?",
    [ST_BY_ID] = "SELECT " SQLC_USER_COLS " FROM `users` WHERE id = ?",
    [ST_DELETE] = "DELETE FROM `users` WHERE id = ?",
    [ST_LIST_ASC] = "SELECT " SQLC_USER_COLS " FROM `users` WHERE (? IS NULL OR "
                    "username = ?) ORDER BY username ASC LIMIT ? OFFSET ?",
    [ST_LIST_DESC] = "SELECT " SQLC_USER_COLS " FROM `users` WHERE (? IS NULL OR "
                     "username = ?) ORDER BY username DESC LIMIT ? OFFSET ?",
    [ST_LAST_LOGIN] = "UPDATE `users` SET last_login = ? WHERE username = ?",
    /* one atomic statement, clamped at 0 (spec section 17, row 7) */
    [ST_QUOTA_ADD] = "UPDATE `users` SET used_quota_size = GREATEST(used_quota_size + "
                     "?, 0), used_quota_files = GREATEST(used_quota_files + ?, 0), "
                     "last_quota_update = ? WHERE username = ?",
    [ST_QUOTA_SET] = "UPDATE `users` SET used_quota_size = ?, used_quota_files = ?, "
                     "last_quota_update = ? WHERE username = ?",
    [ST_SCHEMA_EXISTS] = "SELECT count(*) FROM information_schema.tables WHERE "
                         "table_schema = DATABASE() AND table_name IN (?, "
                         "'schema_version')",
    [ST_DUMP] = "SELECT " SQLC_USER_COLS " FROM `users` ORDER BY id ASC",
    [ST_STATUS] = "SELECT count(*) FROM `users` WHERE id < 0",
};

/* Where to connect: from the keys, or parsed from connection_string. */
struct target {
	char *host, *user, *password, *db, *socket;
	unsigned port;
	int sslmode;
};

struct provider_handle {
	MYSQL *conn;
	int dead; /* the connection was lost: reconnect before the next statement */
	struct target t;
	char table[SQLC_TABLE_NAME_MAX + 1];
	char qtable[SQLC_TABLE_NAME_MAX + 3];
	MYSQL_STMT *st[ST_COUNT];
};

/* One statement parameter: text, an integer, or NULL (s == NULL, !is_int). */
struct param {
	const char *s;
	int is_int;
	long long i;
};

static int
lost(unsigned e)
{
	return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST ||
	       e == CR_CONNECTION_ERROR || e == CR_CONN_HOST_ERROR ||
	       e == ER_CONNECTION_KILLED || e == CR_COMMANDS_OUT_OF_SYNC;
}

static int
fail(struct provider_handle *p, unsigned e, const char *msg, char *err, size_t errlen,
     const char *what)
{
	if (lost(e)) {
		p->dead = 1;
		return errf(err, errlen,
		            "mysql: %s: connection lost: %s (reconnecting on next use)",
		            what, msg);
	}
	return errf(err, errlen, "mysql: %s: %s", what, msg);
}

static int
conn_fail(struct provider_handle *p, char *err, size_t errlen, const char *what)
{
	return fail(p, mysql_errno(p->conn), mysql_error(p->conn), err, errlen, what);
}

static int
stmt_fail(struct provider_handle *p, MYSQL_STMT *s, char *err, size_t errlen,
          const char *what)
{
	return fail(p, mysql_stmt_errno(s), mysql_stmt_error(s), err, errlen, what);
}

static void
close_stmts(struct provider_handle *p)
{
	for (int i = 0; i < ST_COUNT; i++) {
		if (p->st[i] != NULL)
			mysql_stmt_close(p->st[i]);
		p->st[i] = NULL;
	}
}

/*
 * SFTPGo's sslmode for mysql: 0 no TLS, 1 TLS verified, 2 TLS unverified
 * (skip-verify), 3 TLS when the server offers it (preferred). libmariadb asks for
 * TLS with MYSQL_OPT_SSL_ENFORCE but, without verification, falls back to plain
 * text on a server that has none: that is 3; connect_db refuses it for 2.
 */
static void
set_tls(MYSQL *m, int sslmode)
{
	my_bool yes = 1, no = 0;

	if (sslmode == 0)
		return;
	mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &yes);
	mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, sslmode == 1 ? &yes : &no);
}

/* mysql_init() initialises the library on first use, which is not thread-safe:
 * the monitor's provider threads open their handles at the same time. */
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void
lib_init(void)
{
	mysql_library_init(0, NULL, NULL);
}

static int
connect_db(struct provider_handle *p, char *err, size_t errlen)
{
	unsigned timeout = 10;

	pthread_once(&lib_once, lib_init);
	p->conn = mysql_init(NULL);
	if (p->conn == NULL)
		return errf(err, errlen, "out of memory");
	mysql_optionsv(p->conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(p->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	set_tls(p->conn, p->t.sslmode);
	if (mysql_real_connect(p->conn, p->t.socket != NULL ? "localhost" : p->t.host,
	                       p->t.user, p->t.password, p->t.db, p->t.port, p->t.socket,
	                       CLIENT_FOUND_ROWS) == NULL)
		return errf(err, errlen, "mysql: connect: %s", mysql_error(p->conn));
	/* the fallback to plain text (set_tls) is for sslmode 3 only */
	if ((p->t.sslmode == 1 || p->t.sslmode == 2) &&
	    mysql_get_ssl_cipher(p->conn) == NULL)
		return errf(
		    err, errlen,
		    "mysql: connect: data_provider.sslmode %d requires TLS, but the "
		    "server does not support it",
		    p->t.sslmode);
	p->dead = 0;
	return 0;
}

static int
ensure_conn(struct provider_handle *p, char *err, size_t errlen)
{
	if (!p->dead && p->conn != NULL)
		return 0;
	close_stmts(p);
	if (p->conn != NULL)
		mysql_close(p->conn);
	p->conn = NULL;
	if (connect_db(p, err, errlen) != 0) {
		p->dead = 1;
		return errf(err, errlen, "mysql: cannot reconnect: %s",
		            p->conn != NULL ? mysql_error(p->conn) : "out of memory");
	}
	return 0;
}

static char *
stmt_text(const struct provider_handle *p, enum stmt_id id)
{
	if (id == ST_INSERT)
		return sqlc_insert_sql(p->qtable, 0);
	if (id == ST_UPDATE)
		return sqlc_update_sql(p->qtable, 0);
	return sqlc_with_table(stmt_sql[id], "`users`", p->qtable);
}

static MYSQL_STMT *
prepare(struct provider_handle *p, enum stmt_id id, char *err, size_t errlen)
{
	if (ensure_conn(p, err, errlen) != 0)
		return NULL;
	if (p->st[id] != NULL)
		return p->st[id];
	char *sql = stmt_text(p, id);
	MYSQL_STMT *s = sql != NULL ? mysql_stmt_init(p->conn) : NULL;
	if (s == NULL) {
		free(sql);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	int rc = mysql_stmt_prepare(s, sql, strlen(sql));
	free(sql);
	if (rc != 0) {
		stmt_fail(p, s, err, errlen, "prepare");
		mysql_stmt_close(s);
		return NULL;
	}
	p->st[id] = s;
	return s;
}

static MYSQL_STMT *
run_once(struct provider_handle *p, enum stmt_id id, int n, struct param *pv,
         const char *what, char *err, size_t errlen)
{
	MYSQL_BIND b[MAX_PARAMS];
	unsigned long len[MAX_PARAMS];
	MYSQL_STMT *s = prepare(p, id, err, errlen);

	if (s == NULL)
		return NULL;
	memset(b, 0, sizeof(b));
	for (int i = 0; i < n; i++) {
		if (pv[i].is_int) {
			b[i].buffer_type = MYSQL_TYPE_LONGLONG;
			b[i].buffer = &pv[i].i;
		} else if (pv[i].s == NULL) {
			b[i].buffer_type = MYSQL_TYPE_NULL;
		} else {
			len[i] = strlen(pv[i].s);
			b[i].buffer_type = MYSQL_TYPE_STRING;
			b[i].buffer = (void *)pv[i].s;
			b[i].buffer_length = len[i];
			b[i].length = &len[i];
		}
	}
	if ((n > 0 && mysql_stmt_bind_param(s, b) != 0) || mysql_stmt_execute(s) != 0) {
		if (id == ST_INSERT && mysql_stmt_errno(s) == ER_DUP_ENTRY)
			errf(err, errlen, "username: \"%s\" already exists", pv[0].s);
		else
			stmt_fail(p, s, err, errlen, what);
		mysql_stmt_reset(s);
		return NULL;
	}
	return s;
}

/*
 * Binds and executes statement id; NULL (err set) on failure. As in the postgresql
 * driver, a read that finds the connection dead reconnects and runs once more; a
 * write fails with "connection lost" and the next call reconnects.
 */
static MYSQL_STMT *
run(struct provider_handle *p, enum stmt_id id, int n, struct param *pv, const char *what,
    char *err, size_t errlen)
{
	MYSQL_STMT *s = run_once(p, id, n, pv, what, err, errlen);

	if (s == NULL && sqlc_read_only(id) && p->dead)
		s = run_once(p, id, n, pv, what, err, errlen);
	return s;
}

/* Rows an UPDATE/DELETE matched: 0 or NOT_FOUND. */
static int
changed(MYSQL_STMT *s)
{
	return mysql_stmt_affected_rows(s) == 0 ? PROVIDER_NOT_FOUND : 0;
}

struct rows {
	MYSQL_RES *meta;
	unsigned n;
	MYSQL_BIND *b;
	unsigned long *len;
	my_bool *isnull;
};

static void
rows_free(struct rows *r)
{
	if (r->b != NULL)
		for (unsigned i = 0; i < r->n; i++)
			free(r->b[i].buffer);
	free(r->b);
	free(r->len);
	free(r->isnull);
	if (r->meta != NULL)
		mysql_free_result(r->meta);
	memset(r, 0, sizeof(*r));
}

/* Buffers every row client-side, then binds each column as text of its longest. */
static int
rows_bind(struct provider_handle *p, MYSQL_STMT *s, struct rows *r, char *err,
          size_t errlen)
{
	my_bool one = 1;

	memset(r, 0, sizeof(*r));
	mysql_stmt_attr_set(s, STMT_ATTR_UPDATE_MAX_LENGTH, &one);
	if (mysql_stmt_store_result(s) != 0)
		return stmt_fail(p, s, err, errlen, "fetch");
	r->meta = mysql_stmt_result_metadata(s);
	if (r->meta == NULL)
		return stmt_fail(p, s, err, errlen, "fetch");
	r->n = mysql_num_fields(r->meta);
	MYSQL_FIELD *f = mysql_fetch_fields(r->meta);
	r->b = calloc(r->n, sizeof(*r->b));
	r->len = calloc(r->n, sizeof(*r->len));
	r->isnull = calloc(r->n, sizeof(*r->isnull));
	if (r->b == NULL || r->len == NULL || r->isnull == NULL)
		return errf(err, errlen, "out of memory");
	for (unsigned i = 0; i < r->n; i++) {
		r->b[i].buffer_type = MYSQL_TYPE_STRING;
		r->b[i].buffer_length = f[i].max_length + 1;
		r->b[i].buffer = calloc(1, f[i].max_length + 1);
		r->b[i].length = &r->len[i];
		r->b[i].is_null = &r->isnull[i];
		if (r->b[i].buffer == NULL)
			return errf(err, errlen, "out of memory");
	}
	if (mysql_stmt_bind_result(s, r->b) != 0)
		return stmt_fail(p, s, err, errlen, "fetch");
	return 0;
}

static int
row_to_user(const struct rows *r, struct sftpgo_user *u, char *err, size_t errlen)
{
	json_t *o = json_object();
	MYSQL_FIELD *f = mysql_fetch_fields(r->meta);
	int rc = 0;

	user_init(u);
	if (o == NULL)
		return errf(err, errlen, "out of memory");
	for (unsigned c = 0; rc == 0 && c < r->n; c++) {
		if (r->isnull[c])
			continue;
		((char *)r->b[c].buffer)[r->len[c]] = '\0';
		rc = sqlc_row_set(o, f[c].name, r->b[c].buffer, err, errlen);
	}
	if (rc == 0)
		rc = sqlc_row_to_user(o, u, err, errlen);
	json_decref(o);
	return rc;
}

/*
 * Each row of an executed SELECT to cb, or the first into one (cb NULL): 0,
 * PROVIDER_NOT_FOUND (one, no row), cb's non-zero return, or -1.
 */
static int
each_row(struct provider_handle *p, MYSQL_STMT *s, provider_user_cb cb, void *arg,
         struct sftpgo_user *one, char *err, size_t errlen)
{
	struct rows r;
	int ret = rows_bind(p, s, &r, err, errlen), got = 0;

	while (ret == 0) {
		int f = mysql_stmt_fetch(s);
		if (f == MYSQL_NO_DATA)
			break;
		if (f != 0 && f != MYSQL_DATA_TRUNCATED) {
			ret = stmt_fail(p, s, err, errlen, "fetch");
			break;
		}
		got++;
		if (one != NULL) {
			ret = row_to_user(&r, one, err, errlen);
			break;
		}
		struct sftpgo_user u;
		ret = row_to_user(&r, &u, err, errlen);
		if (ret == 0)
			ret = cb(&u, arg);
		user_free(&u);
	}
	rows_free(&r);
	mysql_stmt_free_result(s);
	mysql_stmt_reset(s);
	return ret == 0 && one != NULL && got == 0 ? PROVIDER_NOT_FOUND : ret;
}

/* ---- connection_string: SFTPGo's (go-sql-driver) DSN --------------------- */

static char *
dup_n(const char *s, size_t n)
{
	char *o = malloc(n + 1);

	if (o != NULL) {
		memcpy(o, s, n);
		o[n] = '\0';
	}
	return o;
}

/*
 * [user[:password]@][tcp(host[:port])|unix(/path)]/dbname, as SFTPGo's
 * connection_string for mysql. DSN parameters after '?' are refused.
 */
static int
parse_dsn(const char *dsn, struct target *t, char *err, size_t errlen)
{
	const char *at = strrchr(dsn, '@'), *slash, *s = dsn;

	if (strchr(dsn, '?') != NULL)
		return errf(err, errlen,
		            "data_provider.connection_string: DSN parameters (after '?') "
		            "are not supported yet");
	if (at != NULL) {
		const char *colon = memchr(dsn, ':', (size_t)(at - dsn));
		t->user = dup_n(dsn, (size_t)((colon != NULL ? colon : at) - dsn));
		if (colon != NULL)
			t->password = dup_n(colon + 1, (size_t)(at - colon - 1));
		s = at + 1;
	}
	slash = strrchr(s, '/');
	if (slash == NULL)
		return errf(err, errlen,
		            "data_provider.connection_string: expected "
		            "user:password@tcp(host:port)/dbname");
	t->db = strdup(slash + 1);
	if (strncmp(s, "unix(", 5) == 0 && slash > s + 5 && slash[-1] == ')') {
		t->socket = dup_n(s + 5, (size_t)(slash - s - 6));
	} else if (strncmp(s, "tcp(", 4) == 0 && slash > s + 4 && slash[-1] == ')') {
		char *hp = dup_n(s + 4, (size_t)(slash - s - 5));
		char *c = hp != NULL ? strrchr(hp, ':') : NULL;
		if (c != NULL) {
			*c = '\0';
			t->port = (unsigned)strtoul(c + 1, NULL, 10);
		}
		t->host = hp;
	} else if (slash != s) {
		return errf(err, errlen,
		            "data_provider.connection_string: the address must be "
		            "tcp(host:port) or unix(/path)");
	}
	return t->db != NULL ? 0 : errf(err, errlen, "out of memory");
}

static void
target_free(struct target *t)
{
	if (t->password != NULL)
		explicit_bzero(t->password, strlen(t->password));
	free(t->host);
	free(t->user);
	free(t->password);
	free(t->db);
	free(t->socket);
	memset(t, 0, sizeof(*t));
}

/* A host starting with '/' is the server's unix socket. */
static int
target_from_config(const struct provider_config *pc, struct target *t, char *err,
                   size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->sslmode = pc->sslmode;
	if (pc->connection_string != NULL && pc->connection_string[0] != '\0')
		return parse_dsn(pc->connection_string, t, err, errlen);
	if (pc->host != NULL && pc->host[0] == '/')
		t->socket = strdup(pc->host);
	else if (pc->host != NULL && pc->host[0] != '\0')
		t->host = strdup(pc->host);
	t->user = strdup(pc->username != NULL ? pc->username : "");
	t->password = strdup(pc->password != NULL ? pc->password : "");
	t->db = strdup(pc->name != NULL ? pc->name : "");
	t->port = pc->port > 0 ? (unsigned)pc->port : 0;
	return t->user != NULL && t->password != NULL && t->db != NULL
	           ? 0
	           : errf(err, errlen, "out of memory");
}

static void my_close(struct provider_handle *p);

static int
my_open(const struct sftpgo_config *cfg, struct provider_handle **out, char *err,
        size_t errlen)
{
	const struct provider_config *pc = &cfg->data_provider;

	*out = NULL;
	struct provider_handle *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return errf(err, errlen, "out of memory");
	if (sqlc_server_names(pc, '`', p->table, p->qtable, err, errlen) != 0) {
		free(p);
		return -1;
	}
	if (target_from_config(pc, &p->t, err, errlen) != 0 ||
	    connect_db(p, err, errlen) != 0) {
		my_close(p);
		return -1;
	}
	*out = p;
	return 0;
}

static void
my_close(struct provider_handle *p)
{
	if (p == NULL)
		return;
	close_stmts(p);
	if (p->conn != NULL)
		mysql_close(p->conn);
	target_free(&p->t);
	free(p);
}

/* The script has one statement a line; lines starting with "--" are comments. */
static int
my_init_schema(struct provider_handle *p, char *err, size_t errlen)
{
	if (ensure_conn(p, err, errlen) != 0)
		return -1;
	char *sql = sqlc_with_table(schema_mysql_sql, "`users`", p->qtable);
	int rc = 0;

	if (sql == NULL)
		return errf(err, errlen, "out of memory");
	for (char *save = NULL, *line = strtok_r(sql, "\n", &save);
	     rc == 0 && line != NULL; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);
		if (n == 0 || strncmp(line, "--", 2) == 0)
			continue;
		if (line[n - 1] == ';')
			line[--n] = '\0';
		if (mysql_real_query(p->conn, line, n) != 0)
			rc = conn_fail(p, err, errlen, "creating the schema");
	}
	free(sql);
	if (rc != 0 && !p->dead)
		mysql_query(p->conn, "ROLLBACK");
	return rc;
}

static int
my_schema_exists(struct provider_handle *p, char *err, size_t errlen)
{
	struct param pv[1] = {{.s = p->table}};
	MYSQL_STMT *s = run(p, ST_SCHEMA_EXISTS, 1, pv, "schema check", err, errlen);
	long long n = 0;
	MYSQL_BIND b;

	if (s == NULL)
		return -1;
	memset(&b, 0, sizeof(b));
	b.buffer_type = MYSQL_TYPE_LONGLONG;
	b.buffer = &n;
	int ok = mysql_stmt_bind_result(s, &b) == 0 && mysql_stmt_fetch(s) == 0;
	int rc = ok ? n == 2 : stmt_fail(p, s, err, errlen, "schema check");
	mysql_stmt_free_result(s);
	mysql_stmt_reset(s);
	return rc;
}

static int
fetch_one(struct provider_handle *p, enum stmt_id id, struct param *pv,
          struct sftpgo_user *out, char *err, size_t errlen)
{
	user_init(out);
	MYSQL_STMT *s = run(p, id, 1, pv, "select", err, errlen);
	if (s == NULL)
		return -1;
	return each_row(p, s, NULL, NULL, out, err, errlen);
}

static int
my_user_by_name(struct provider_handle *p, const char *username, struct sftpgo_user *out,
                char *err, size_t errlen)
{
	struct param pv[1] = {{.s = username}};

	return fetch_one(p, ST_BY_NAME, pv, out, err, errlen);
}

static int
my_user_by_id(struct provider_handle *p, int64_t id, struct sftpgo_user *out, char *err,
              size_t errlen)
{
	struct param pv[1] = {{.is_int = 1, .i = id}};

	return fetch_one(p, ST_BY_ID, pv, out, err, errlen);
}

/* u's columns as parameters (text; the driver converts), then the id for update. */
static int
write_user(struct provider_handle *p, enum stmt_id id, const struct sftpgo_user *u,
           int64_t *new_id, char *err, size_t errlen)
{
	char *vals[SQLC_N_WRITE];
	struct param pv[SQLC_N_WRITE];
	int n = 0;

	if (sqlc_user_params(u, vals, err, errlen) != 0)
		return -1;
	memset(pv, 0, sizeof(pv));
	for (int i = id == ST_UPDATE ? 1 : 0; i < SQLC_N_WRITE; i++)
		pv[n++].s = vals[i];
	if (id == ST_UPDATE) {
		pv[n].is_int = 1;
		pv[n++].i = u->id;
	}
	MYSQL_STMT *s =
	    run(p, id, n, pv, id == ST_INSERT ? "insert" : "update", err, errlen);
	sqlc_params_free(vals, SQLC_N_WRITE);
	if (s == NULL)
		return -1;
	int rc = id == ST_UPDATE ? changed(s) : 0;
	if (new_id != NULL) /* before the reset */
		*new_id = (int64_t)mysql_stmt_insert_id(s);
	mysql_stmt_reset(s);
	return rc;
}

static int
my_user_add(struct provider_handle *p, struct sftpgo_user *u, char *err, size_t errlen)
{
	return write_user(p, ST_INSERT, u, &u->id, err, errlen);
}

static int
my_user_update(struct provider_handle *p, const struct sftpgo_user *u, char *err,
               size_t errlen)
{
	return write_user(p, ST_UPDATE, u, NULL, err, errlen);
}

static int
exec_change(struct provider_handle *p, enum stmt_id id, int n, struct param *pv,
            const char *what, char *err, size_t errlen)
{
	MYSQL_STMT *s = run(p, id, n, pv, what, err, errlen);

	if (s == NULL)
		return -1;
	int rc = changed(s);
	mysql_stmt_reset(s);
	return rc;
}

static int
my_user_delete(struct provider_handle *p, int64_t id, char *err, size_t errlen)
{
	struct param pv[1] = {{.is_int = 1, .i = id}};

	return exec_change(p, ST_DELETE, 1, pv, "delete", err, errlen);
}

static int
my_users_list(struct provider_handle *p, int64_t limit, int64_t offset, int order,
              const char *username, provider_user_cb cb, void *arg, char *err,
              size_t errlen)
{
	if (offset < 0)
		return errf(err, errlen, "offset: must not be negative");
	struct param pv[4] = {{.s = username},
	                      {.s = username},
	                      {.is_int = 1, .i = limit > 0 ? limit : INT64_MAX},
	                      {.is_int = 1, .i = offset}};
	MYSQL_STMT *s =
	    run(p, order ? ST_LIST_DESC : ST_LIST_ASC, 4, pv, "list", err, errlen);
	return s == NULL ? -1 : each_row(p, s, cb, arg, NULL, err, errlen);
}

static int
my_dump(struct provider_handle *p, provider_user_cb cb, void *arg, char *err,
        size_t errlen)
{
	MYSQL_STMT *s = run(p, ST_DUMP, 0, NULL, "dump", err, errlen);

	return s == NULL ? -1 : each_row(p, s, cb, arg, NULL, err, errlen);
}

static int
my_status(struct provider_handle *p, char *err, size_t errlen)
{
	MYSQL_STMT *s = run(p, ST_STATUS, 0, NULL, "status", err, errlen);

	if (s == NULL)
		return -1;
	int rc =
	    mysql_stmt_store_result(s) == 0 ? 0 : stmt_fail(p, s, err, errlen, "status");
	mysql_stmt_free_result(s);
	mysql_stmt_reset(s);
	return rc;
}

static int
my_update_last_login(struct provider_handle *p, const char *username, char *err,
                     size_t errlen)
{
	struct param pv[2] = {{.is_int = 1, .i = epoch_ms()}, {.s = username}};

	return exec_change(p, ST_LAST_LOGIN, 2, pv, "last_login", err, errlen);
}

static int
my_update_quota(struct provider_handle *p, const char *username, int64_t files_delta,
                int64_t size_delta, int reset, char *err, size_t errlen)
{
	struct param pv[4] = {{.is_int = 1, .i = size_delta},
	                      {.is_int = 1, .i = files_delta},
	                      {.is_int = 1, .i = epoch_ms()},
	                      {.s = username}};

	return exec_change(p, reset ? ST_QUOTA_SET : ST_QUOTA_ADD, 4, pv, "quota", err,
	                   errlen);
}

const struct provider_driver provider_mysql_driver = {
    .name = "mysql",
    .open = my_open,
    .close = my_close,
    .init_schema = my_init_schema,
    .schema_exists = my_schema_exists,
    .user_by_name = my_user_by_name,
    .user_by_id = my_user_by_id,
    .users_list = my_users_list,
    .user_add = my_user_add,
    .user_update = my_user_update,
    .user_delete = my_user_delete,
    .update_quota = my_update_quota,
    .update_last_login = my_update_last_login,
    .dump = my_dump,
    .status = my_status,
};
