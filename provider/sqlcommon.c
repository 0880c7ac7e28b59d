/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Row <-> user mapping and statement text shared by the SQL drivers
 * (provider/sqlcommon.h). Values go through the user JSON codec, so the codec stays
 * the one place that knows the fields and their stored form.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errf.h"
#include "provider/sqlcommon.h"

const struct sqlc_column sqlc_columns[] = {
    {"id", SQLC_INT},
    {"username", SQLC_TEXT},
    {"password", SQLC_TEXT},
    {"public_keys", SQLC_JSON},
    {"home_dir", SQLC_TEXT},
    {"uid", SQLC_INT},
    {"gid", SQLC_INT},
    {"max_sessions", SQLC_INT},
    {"quota_size", SQLC_INT},
    {"quota_files", SQLC_INT},
    {"permissions", SQLC_JSON},
    {"used_quota_size", SQLC_INT},
    {"used_quota_files", SQLC_INT},
    {"last_quota_update", SQLC_INT},
    {"upload_bandwidth", SQLC_INT},
    {"download_bandwidth", SQLC_INT},
    {"expiration_date", SQLC_INT},
    {"last_login", SQLC_INT},
    {"status", SQLC_INT},
    {"filters", SQLC_JSON},
    {"filesystem", SQLC_JSON},
    {"virtual_folders", SQLC_JSON},
};
const size_t sqlc_n_columns = sizeof(sqlc_columns) / sizeof(sqlc_columns[0]);

const char *const sqlc_write_columns[SQLC_N_WRITE] = {
    "username",
    "password",
    "public_keys",
    "home_dir",
    "uid",
    "gid",
    "max_sessions",
    "quota_size",
    "quota_files",
    "permissions",
    "upload_bandwidth",
    "download_bandwidth",
    "expiration_date",
    "status",
    "filters",
    "filesystem",
    "virtual_folders",
};

int
sqlc_read_only(enum stmt_id id)
{
	return id == ST_BY_NAME || id == ST_BY_ID || id == ST_LIST_ASC ||
	       id == ST_LIST_DESC || id == ST_SCHEMA_EXISTS || id == ST_DUMP ||
	       id == ST_STATUS;
}

static const struct sqlc_column *
column(const char *name)
{
	for (size_t c = 0; c < sqlc_n_columns; c++)
		if (strcmp(sqlc_columns[c].name, name) == 0)
			return &sqlc_columns[c];
	return NULL;
}

int
sqlc_table_name_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > SQLC_TABLE_NAME_MAX || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	if (strspn(s,
	           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
	    n)
		return 0;
	return strcmp(s, "schema_version") != 0 && strncmp(s, "sqlite_", 7) != 0;
}

const char *
sqlc_table_from_config(const char *users_table, char *err, size_t errlen)
{
	const char *t =
	    users_table != NULL && users_table[0] != '\0' ? users_table : "users";

	if (!sqlc_table_name_ok(t)) {
		errf(err, errlen,
		     "data_provider.users_table: \"%s\" is not a valid table name "
		     "([A-Za-z_][A-Za-z0-9_]*, at most %d)",
		     t, SQLC_TABLE_NAME_MAX);
		return NULL;
	}
	return t;
}

int
sqlc_server_names(const struct provider_config *pc, char quote,
                  char table[SQLC_TABLE_NAME_MAX + 1],
                  char qtable[SQLC_TABLE_NAME_MAX + 3], char *err, size_t errlen)
{
	const char *t = sqlc_table_from_config(pc->users_table, err, errlen);

	if (t == NULL)
		return -1;
	if (pc->sslmode < 0 || pc->sslmode > 3)
		return errf(err, errlen, "data_provider.sslmode: %d is not 0-3",
		            pc->sslmode);
	strlcpy(table, t, SQLC_TABLE_NAME_MAX + 1);
	snprintf(qtable, SQLC_TABLE_NAME_MAX + 3, "%c%s%c", quote, t, quote);
	return 0;
}

char *
sqlc_with_table(const char *src, const char *tok, const char *qtable)
{
	const size_t toklen = strlen(tok), qlen = strlen(qtable);
	size_t n = 0, o = 0;

	for (const char *s = strstr(src, tok); s != NULL; s = strstr(s + toklen, tok))
		n++;
	size_t len = strlen(src) + n * qlen + 1;
	char *out = malloc(len);
	if (out == NULL)
		return NULL;
	for (const char *s = strstr(src, tok); s != NULL; s = strstr(src, tok)) {
		memcpy(out + o, src, (size_t)(s - src));
		o += (size_t)(s - src);
		memcpy(out + o, qtable, qlen);
		o += qlen;
		src = s + toklen;
	}
	memcpy(out + o, src, strlen(src) + 1);
	return out;
}

/* Appends the n-th placeholder ($n or ?). */
static void
placeholder(char *buf, size_t len, int dollar, int n)
{
	char ph[16];

	if (dollar)
		snprintf(ph, sizeof(ph), "$%d", n);
	else
		snprintf(ph, sizeof(ph), "?");
	strlcat(buf, ph, len);
}

#define SQL_MAX 2048

char *
sqlc_insert_sql(const char *qtable, int dollar)
{
	char *b = calloc(1, SQL_MAX);

	if (b == NULL)
		return NULL;
	snprintf(b, SQL_MAX, "INSERT INTO %s (", qtable);
	for (int i = 0; i < SQLC_N_WRITE; i++) {
		strlcat(b, sqlc_write_columns[i], SQL_MAX);
		strlcat(b, ", ", SQL_MAX);
	}
	strlcat(b,
	        "used_quota_size, used_quota_files, last_quota_update, last_login) "
	        "VALUES (",
	        SQL_MAX);
	for (int i = 0; i < SQLC_N_WRITE; i++) {
		placeholder(b, SQL_MAX, dollar, i + 1);
		strlcat(b, ", ", SQL_MAX);
	}
	strlcat(b, "0, 0, 0, 0)", SQL_MAX);
	return b;
}

/* Like SFTPGo: username, usage counters and last_login are not set by an update, so
 * an admin edit never races with the server's quota and login writes. */
char *
sqlc_update_sql(const char *qtable, int dollar)
{
	char *b = calloc(1, SQL_MAX);

	if (b == NULL)
		return NULL;
	snprintf(b, SQL_MAX, "UPDATE %s SET ", qtable);
	for (int i = 1; i < SQLC_N_WRITE; i++) {
		strlcat(b, sqlc_write_columns[i], SQL_MAX);
		strlcat(b, " = ", SQL_MAX);
		placeholder(b, SQL_MAX, dollar, i);
		strlcat(b, i + 1 < SQLC_N_WRITE ? ", " : " WHERE id = ", SQL_MAX);
	}
	placeholder(b, SQL_MAX, dollar, SQLC_N_WRITE);
	return b;
}

/* Same limits for every driver, whatever its column types would let through. */
static int
check_length(const struct sqlc_column *c, const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (c->kind == SQLC_TEXT && n > SQLC_TEXT_MAX)
		return errf(err, errlen, "%s: longer than %d bytes", c->name,
		            SQLC_TEXT_MAX);
	if (c->kind == SQLC_JSON && n > SQLC_JSON_MAX)
		return errf(err, errlen, "%s: stored JSON longer than %d bytes", c->name,
		            SQLC_JSON_MAX);
	return 0;
}

int
sqlc_param(const json_t *uj, const char *name, char **out, char *err, size_t errlen)
{
	const struct sqlc_column *c = column(name);
	const json_t *v = json_object_get(uj, name);

	*out = NULL;
	if (c == NULL)
		return errf(err, errlen, "%s: not a users column", name);
	if (v == NULL || json_is_null(v))
		return 0;
	if (c->kind == SQLC_INT) {
		char num[32];
		snprintf(num, sizeof(num), "%" PRId64, (int64_t)json_integer_value(v));
		*out = strdup(num);
	} else if (c->kind == SQLC_TEXT) {
		*out = strdup(json_string_value(v) != NULL ? json_string_value(v) : "");
	} else {
		*out = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	}
	if (*out == NULL)
		return errf(err, errlen, "%s: cannot encode", name);
	if (check_length(c, *out, err, errlen) != 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

json_t *
sqlc_user_json(const struct sftpgo_user *u, char *err, size_t errlen)
{
	json_t *uj = user_to_json(u, 1);

	if (uj == NULL)
		errf(err, errlen,
		     "user: cannot encode (a string that is not valid UTF-8, "
		     "or out of memory)");
	return uj;
}

int
sqlc_user_params(const struct sftpgo_user *u, char *vals[SQLC_N_WRITE], char *err,
                 size_t errlen)
{
	memset(vals, 0, SQLC_N_WRITE * sizeof(vals[0]));
	json_t *uj = sqlc_user_json(u, err, errlen);
	int rc = 0;

	if (uj == NULL)
		return -1;
	for (int i = 0; rc == 0 && i < SQLC_N_WRITE; i++)
		rc = sqlc_param(uj, sqlc_write_columns[i], &vals[i], err, errlen);
	json_decref(uj);
	if (rc != 0)
		sqlc_params_free(vals, SQLC_N_WRITE);
	return rc;
}

void
sqlc_params_free(char **vals, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (vals[i] != NULL) {
			explicit_bzero(vals[i], strlen(vals[i]));
			free(vals[i]);
		}
		vals[i] = NULL;
	}
}

int
sqlc_row_set_int(json_t *row, const char *name, int64_t v, char *err, size_t errlen)
{
	if (column(name) == NULL)
		return 0;
	if (json_object_set_new(row, name, json_integer(v)) != 0)
		return errf(err, errlen, "stored user: %s: cannot decode", name);
	return 0;
}

int
sqlc_row_set(json_t *row, const char *name, const char *text, char *err, size_t errlen)
{
	const struct sqlc_column *c = column(name);
	json_t *v = NULL;

	if (c == NULL || text == NULL)
		return 0;
	if (c->kind == SQLC_INT) {
		char *end;
		errno = 0;
		long long n = strtoll(text, &end, 10);
		if (errno != 0 || end == text || *end != '\0')
			return errf(err, errlen, "stored user: %s: not an integer", name);
		v = json_integer((json_int_t)n);
	} else if (c->kind == SQLC_TEXT) {
		v = json_string(text);
	} else {
		json_error_t je;
		v = json_loads(text, JSON_DECODE_ANY, &je);
		if (v == NULL)
			return errf(err, errlen, "stored user: %s: bad JSON: %s", name,
			            je.text);
	}
	if (v == NULL || json_object_set_new(row, name, v) != 0)
		return errf(err, errlen, "stored user: %s: cannot decode", name);
	return 0;
}

int
sqlc_row_to_user(const json_t *row, struct sftpgo_user *u, char *err, size_t errlen)
{
	char cerr[200];

	user_init(u);
	if (user_from_json(row, u, cerr, sizeof(cerr)) != 0)
		return errf(err, errlen, "stored user: %s", cerr);
	return 0;
}
