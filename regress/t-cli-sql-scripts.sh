#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The schema scripts in sql/: the three drivers declare the same columns in the same
# order, and the PostgreSQL one runs (twice) on a private PostgreSQL server and
# gives exactly SFTPGo 0.9.6's users table.
. "$top_srcdir/regress/lib.sh"

want=id,username,password,public_keys,home_dir,uid,gid,max_sessions,quota_size,quota_files,permissions,used_quota_size,used_quota_files,last_quota_update,upload_bandwidth,download_bandwidth,expiration_date,last_login,status,filters,filesystem,virtual_folders

# Column names of the users table as written in a script (quoted with " or `).
script_cols() {
	grep 'CREATE TABLE IF NOT EXISTS .users.' "$1" |
		sed -e 's/^[^(]*(//' -e 's/);$//' | tr ',' '\n' |
		sed -n 's/^ *["`]\([a-z_]*\)["`] .*/\1/p' | tr '\n' ',' | sed 's/,$//'
}
for d in sqlite postgresql mysql; do
	check "$d script declares SFTPGo's columns in order" \
		test "$(script_cols "$top_srcdir/sql/$d/20200307.sql")" = "$want"
	check "$d script creates schema_version" \
		grep -q 'CREATE TABLE IF NOT EXISTS .schema_version.' "$top_srcdir/sql/$d/20200307.sql"
done

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ] || ! id postgres >/dev/null 2>&1 ||
	! command -v psql >/dev/null 2>&1; then
	echo "# PostgreSQL server not installed: only the script texts were checked"
	done_testing
	exit
fi

PGDATA=$T/pg
SOCK=$T/pgsock
PORT=$((PORT_BASE + 20))
mkdir -p "$PGDATA" "$SOCK"
chown postgres "$PGDATA" "$SOCK"
stop_pg() {
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1
}
trap stop_pg EXIT
pg() { runuser -u postgres -- "$@"; }
check "initdb" pg "$PGBIN/initdb" -D "$PGDATA" -A trust -U sftpgo
check "postgres starts" pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$SOCK/pg.log" -w -t 60 \
	-o "-p $PORT -k $SOCK -c listen_addresses=''" start
psql_() { pg psql -h "$SOCK" -p "$PORT" -U sftpgo -d postgres -v ON_ERROR_STOP=1 -q "$@"; }
check "postgresql script applies" psql_ -f "$top_srcdir/sql/postgresql/20200307.sql"
check "postgresql script applies again (idempotent)" psql_ -f "$top_srcdir/sql/postgresql/20200307.sql"
cols=$(psql_ -Atc "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'users'")
check "postgresql users columns in order" test "$cols" = "$want"
check "postgresql schema_version has one row, version 4" \
	test "$(psql_ -Atc 'SELECT count(*) || $$/$$ || max(version) FROM schema_version')" = "1/4"
check "postgresql username is unique" test "$(psql_ -Atc "SELECT count(*) FROM information_schema.table_constraints WHERE table_name = 'users' AND constraint_type = 'UNIQUE'")" = 1
check "postgresql id is serial" psql_ -Atc "INSERT INTO users (username, home_dir, uid, gid, max_sessions, quota_size, quota_files, permissions, used_quota_size, used_quota_files, last_quota_update, upload_bandwidth, download_bandwidth) VALUES ('a', '/h/a', 1, 1, 0, 0, 0, '{}', 0, 0, 0, 0, 0)"
check "postgresql defaults: status 1, dates 0" test "$(psql_ -Atc "SELECT id || ',' || status || ',' || expiration_date || ',' || last_login FROM users")" = "1,1,0,0"
check_not "postgresql duplicate username refused" psql_ -Atc "INSERT INTO users (username, home_dir, uid, gid, max_sessions, quota_size, quota_files, permissions, used_quota_size, used_quota_files, last_quota_update, upload_bandwidth, download_bandwidth) VALUES ('a', '/h/a', 1, 1, 0, 0, 0, '{}', 0, 0, 0, 0, 0)"

done_testing
