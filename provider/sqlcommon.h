/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What every SQL driver shares: SFTPGo 0.9.6's users columns, the mapping between a
 * row (column values as text or integers) and the user JSON codec (account/user.h),
 * the users_table check, and the statements' text built from one column list, so
 * that sqlite, postgresql and mysql read and write the same row the same way.
 * Only provider/ drivers include this.
 */
#ifndef SFTPGO_PROVIDER_SQLCOMMON_H
#define SFTPGO_PROVIDER_SQLCOMMON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "account/user.h"
#include "config/conf.h"

#define SQLC_TABLE_NAME_MAX 64
/* Text columns are varchar(255) in every schema; a JSON column holds at most this. */
#define SQLC_TEXT_MAX 255
#define SQLC_JSON_MAX (256 * 1024)

enum sqlc_kind { SQLC_INT, SQLC_TEXT, SQLC_JSON };

/* The users table's columns, in the schema's order (sql/<driver>/20200307.sql). */
struct sqlc_column {
	const char *name;
	enum sqlc_kind kind;
};
extern const struct sqlc_column sqlc_columns[];
extern const size_t sqlc_n_columns;

/*
 * The columns an add or an update binds, in bind order (every column but id and
 * the usage counters, last_quota_update and last_login). An update binds all but
 * the first (username), then the id.
 */
extern const char *const sqlc_write_columns[];
#define SQLC_N_WRITE 17

#define SQLC_USER_COLS                                                                   \
	"id, username, password, public_keys, home_dir, uid, gid, max_sessions, "        \
	"quota_size, quota_files, permissions, used_quota_size, used_quota_files, "      \
	"last_quota_update, upload_bandwidth, download_bandwidth, expiration_date, "     \
	"last_login, status, filters, filesystem, virtual_folders"

/* The statements every SQL driver prepares, each in its own dialect. */
enum stmt_id {
	ST_BY_NAME,
	ST_BY_ID,
	ST_INSERT,
	ST_UPDATE,
	ST_DELETE,
	ST_LIST_ASC,
	ST_LIST_DESC,
	ST_LAST_LOGIN,
	ST_QUOTA_ADD,
	ST_QUOTA_SET,
	ST_SCHEMA_EXISTS,
	ST_DUMP,
	ST_STATUS,
	ST_COUNT
};
/* 1 for the statements that change nothing: safe to send again after a reconnect. */
int sqlc_read_only(enum stmt_id id);

/* users_table: [A-Za-z_][A-Za-z0-9_]*, at most SQLC_TABLE_NAME_MAX, not reserved. */
int sqlc_table_name_ok(const char *s);
/* data_provider.users_table or "users"; NULL after an error (err set). */
const char *sqlc_table_from_config(const char *users_table, char *err, size_t errlen);

/*
 * The checks a database server driver makes at open, before connecting: the
 * users_table name (then copied to table, and quoted with quote to qtable) and
 * sslmode 0-3. 0 ok, -1 (err set).
 */
int sqlc_server_names(const struct provider_config *pc, char quote,
                      char table[SQLC_TABLE_NAME_MAX + 1],
                      char qtable[SQLC_TABLE_NAME_MAX + 3], char *err, size_t errlen);

/* A copy of src with every tok (a quoted "users") replaced by qtable; NULL: ENOMEM. */
char *sqlc_with_table(const char *src, const char *tok, const char *qtable);

/*
 * INSERT and UPDATE statements over sqlc_write_columns, with placeholders "$1".. when
 * dollar, else "?". The insert stores 0 in the usage columns and last_login.
 */
char *sqlc_insert_sql(const char *qtable, int dollar);
char *sqlc_update_sql(const char *qtable, int dollar);

/*
 * The text a driver binds for column name of the user JSON uj: a decimal integer, a
 * string, or compact JSON; *out NULL for SQL NULL. 0 ok, -1 (err set).
 */
int sqlc_param(const json_t *uj, const char *name, char **out, char *err, size_t errlen);
/* The user as stored (password included); NULL with err set. */
json_t *sqlc_user_json(const struct sftpgo_user *u, char *err, size_t errlen);
/* All SQLC_N_WRITE values of u in bind order (vals[i] NULL = NULL); free with
 * sqlc_params_free, which wipes them (the password hash). */
int sqlc_user_params(const struct sftpgo_user *u, char *vals[SQLC_N_WRITE], char *err,
                     size_t errlen);
void sqlc_params_free(char **vals, size_t n);

/*
 * A row being read: sqlc_row_set for every non-NULL column as the server gave it
 * (text), then sqlc_row_to_user. Integer columns may also come as int64 through
 * sqlc_row_set_int. Unknown columns are ignored.
 */
int sqlc_row_set(json_t *row, const char *name, const char *text, char *err,
                 size_t errlen);
int sqlc_row_set_int(json_t *row, const char *name, int64_t v, char *err, size_t errlen);
/* Decodes row into u (initialised here); row is not consumed. */
int sqlc_row_to_user(const json_t *row, struct sftpgo_user *u, char *err, size_t errlen);

#endif
