#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# covers: data_provider.host data_provider.port data_provider.username data_provider.password
# covers: data_provider.sslmode data_provider.connection_string data_provider.pool_size
# sftpgo serve on a real PostgreSQL 15 and a real MariaDB (regress/dbserver.sh, issue
# 11 items 1-4, 7): initprovider creates SFTPGo 0.9.6's schema (twice: idempotent),
# a user added with the CLI logs in through OpenSSH's sftp and uploads, quota and
# last_login land in the database (read back with psql / mariadb), a row written as
# SFTPGo 0.9.6 writes it logs in as is, pool_size is the number of connections the
# server holds, and host as a unix socket, connection_string and sslmode are
# honoured (each mode against a server with a self-signed certificate, through an
# account the server accepts over TLS only).
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
. "$top_srcdir/regress/sql-lib.sh"

U1=sftpgo-psql-$$
make_sysuser "$U1" || skip_all "cannot create system users"
mkfile() { head -c "$2" /dev/urandom >"$T/$1"; }
mkfile f1234 1234

# sql_config KIND SFTP_OFFSET [extra data_provider members]
sql_config() {
	PORT=$((PORT_BASE + $2))
	cat >"$CFG/sftpgo.json" <<EOC
{"sftpd": {"bind_port": $PORT, "bind_address": "127.0.0.1", "session_pool_size": 2},
 "data_provider": $(provider_json "$1" "${3:-}")}
EOC
}
# alt_config KIND JSON-MEMBERS: a second config file (alt.json) for CLI checks.
alt_config() {
	echo "{\"data_provider\": {$2}}" >"$CFG/alt.json"
}
cli_alt() { "$SFTPGO" user list --config-dir "$CFG" --config-file alt; }
# A row as SFTPGo 0.9.6 writes it (its JSON shapes, a sha512crypt hash).
HASH=$(openssl passwd -6 -salt 096salt pw096)
row096() {
	echo "INSERT INTO users (username, password, public_keys, home_dir, uid, gid, max_sessions, quota_size, quota_files, permissions, used_quota_size, used_quota_files, last_quota_update, upload_bandwidth, download_bandwidth, expiration_date, last_login, status, filters, filesystem, virtual_folders) VALUES ('old096', '$HASH', '[]', '$T/homes/old096', $(id -u "$U1"), $(id -g "$U1"), 0, 0, 0, '{\"/\":[\"*\"]}', 0, 0, 0, 0, 0, 0, 0, 1, '{\"allowed_ip\":[],\"denied_ip\":[],\"denied_login_methods\":[]}', '{\"provider\":0,\"s3config\":{},\"gcsconfig\":{}}', NULL)"
}

run_kind() { # KIND SFTP_OFFSET DB_OFFSET
	K=$1
	rm -rf "$T/homes"
	sql_start "$K" $((PORT_BASE + $3))
	sql_config "$K" "$2" '"pool_size": 3'
	check "$K: initprovider" "$SFTPGO" initprovider --config-dir "$CFG"
	check "$K: initprovider again (idempotent)" "$SFTPGO" initprovider --config-dir "$CFG"
	check "$K: schema_version 4, one row" test "$(sql "$K" "SELECT count(*), max(version) FROM schema_version" | tr -s '|\t' ' ')" = "1 4"
	check "$K: user add through the CLI" add_user alice "$U1" --password pw
	check "$K: stored in the database" test "$(sql "$K" "SELECT home_dir FROM users WHERE username = 'alice'")" = "$T/homes/alice"
	start_server || { fail "$K: server starts"; return 1; }
	ok "$K: server starts"
	check "$K: sftp login and upload" sh -c "printf 'put $T/f1234 up\n' | sshpass -p pw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - alice@127.0.0.1"
	check "$K: uploaded file" cmp "$T/f1234" "$T/homes/alice/up"
	check "$K: quota updated in the database" wait_sql "$K" \
		"SELECT concat(used_quota_files, ' ', used_quota_size) FROM users WHERE username = 'alice'" "1 1234"
	check "$K: last_login updated in the database" test "$(sql "$K" "SELECT last_login > 1500000000000 FROM users WHERE username = 'alice'")" = "$([ "$K" = pg ] && echo t || echo 1)"
	if [ "$K" = pg ]; then
		n=$(sql pg "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sftpgo' AND usename = 'sftpgo'")
	else
		n=$(sql mariadb "SELECT count(*) FROM information_schema.processlist WHERE user = 'sftpgo'")
	fi
	check "$K: pool_size 3 = the server's 3 connections (got $n)" test "$n" = 3
	# written by SFTPGo 0.9.6 behind the server's back: logs in at once, as is
	mkdir -p "$T/homes/old096" && chown "$U1:$U1" "$T/homes/old096"
	check "$K: a row as SFTPGo 0.9.6 writes it" sql "$K" "$(row096)"
	check "$K: that user logs in and lists" sh -c "printf 'ls\n' | sshpass -p pw096 sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - old096@127.0.0.1"
	check "$K: ... and its JSON columns are left as 0.9.6 wrote them" test "$(sql "$K" "SELECT filesystem FROM users WHERE username = 'old096'")" = '{"provider":0,"s3config":{},"gcsconfig":{}}'
	check_not "$K: a wrong password is refused" sh -c "printf 'ls\n' | sshpass -p nope sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - alice@127.0.0.1"
	stop_server
	check "$K: the server's connections are closed at stop" wait_sql "$K" \
		"$([ "$K" = pg ] && echo "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sftpgo'" || echo "SELECT count(*) FROM information_schema.processlist WHERE user = 'sftpgo'")" 0
}

# the keys, checked through `sftpgo user list` on a second config
keys_pg() {
	P=$DBPORT_pg
	alt_config pg "\"driver\": \"postgresql\", \"host\": \"$T/db-pg/sock\", \"port\": $P, \"username\": \"sftpgo\", \"password\": \"sftpgo-pw\", \"name\": \"sftpgo\""
	check "pg: host as a unix socket directory" sh -c "$(command -v cli_alt >/dev/null; echo "'$SFTPGO' user list --config-dir '$CFG' --config-file alt | grep -q alice")"
	alt_config pg "\"driver\": \"postgresql\", \"host\": \"127.0.0.1\", \"port\": $P, \"username\": \"sftpgo\", \"password\": \"wrong\", \"name\": \"sftpgo\""
	cli_alt >"$T/out" 2>&1
	check "pg: a wrong password is the server's refusal" grep -q "password authentication failed" "$T/out"
	# sslmode through sftpgo_tls, the account the server accepts over TLS only
	# (regress/dbserver.sh); the server's certificate is self-signed
	for m in 0 1 2 3; do
		alt_config pg "\"driver\": \"postgresql\", \"host\": \"127.0.0.1\", \"port\": $P, \"username\": \"sftpgo_tls\", \"password\": \"sftpgo-pw\", \"name\": \"sftpgo\", \"sslmode\": $m"
		cli_alt >"$T/out.$m" 2>&1
	done
	check "pg: sslmode 0 (disable) connects without TLS" grep -q "pg_hba.conf rejects connection .*no encryption" "$T/out.0"
	check "pg: sslmode 1 (require) connects with TLS" grep -q alice "$T/out.1"
	check "pg: sslmode 2 (verify-ca) verifies the certificate" grep -q "root certificate file" "$T/out.2"
	check "pg: sslmode 3 (verify-full) verifies the certificate" grep -q "root certificate file" "$T/out.3"
	alt_config pg "\"driver\": \"postgresql\", \"connection_string\": \"postgresql://sftpgo:sftpgo-pw@127.0.0.1:$P/sftpgo\", \"host\": \"nowhere.invalid\""
	check "pg: connection_string is used instead of the keys" sh -c "'$SFTPGO' user list --config-dir '$CFG' --config-file alt | grep -q alice"
	alt_config pg "\"driver\": \"postgresql\", \"connectionstring\": \"host=127.0.0.1 port=$P user=sftpgo password=sftpgo-pw dbname=sftpgo sslmode=disable\""
	check "pg: connectionstring (SFTPGo's spelling) as key=value" sh -c "'$SFTPGO' user list --config-dir '$CFG' --config-file alt | grep -q alice"
}

keys_mariadb() {
	P=$DBPORT_mariadb
	alt_config mariadb "\"driver\": \"mysql\", \"host\": \"$T/db-mariadb/sock/mysqld.sock\", \"username\": \"sftpgo\", \"password\": \"sftpgo-pw\", \"name\": \"sftpgo\""
	check "mariadb: host as the unix socket path" sh -c "'$SFTPGO' user list --config-dir '$CFG' --config-file alt | grep -q alice"
	alt_config mariadb "\"driver\": \"mysql\", \"host\": \"127.0.0.1\", \"port\": $P, \"username\": \"sftpgo\", \"password\": \"wrong\", \"name\": \"sftpgo\""
	cli_alt >"$T/out" 2>&1
	check "mariadb: a wrong password is the server's refusal" grep -q "Access denied" "$T/out"
	for m in 0 1 2 3; do
		alt_config mariadb "\"driver\": \"mysql\", \"host\": \"127.0.0.1\", \"port\": $P, \"username\": \"sftpgo_tls\", \"password\": \"sftpgo-pw\", \"name\": \"sftpgo\", \"sslmode\": $m"
		cli_alt >"$T/out.$m" 2>&1
	done
	check "mariadb: sslmode 0 connects without TLS" grep -q "Access denied for user 'sftpgo_tls'" "$T/out.0"
	check "mariadb: sslmode 1 (TLS, verified) verifies the certificate" grep -q "TLS/SSL error: self-signed certificate" "$T/out.1"
	check "mariadb: sslmode 2 (skip-verify) connects with TLS" grep -q alice "$T/out.2"
	check "mariadb: sslmode 3 (preferred) connects with TLS when offered" grep -q alice "$T/out.3"
	alt_config mariadb "\"driver\": \"mysql\", \"connection_string\": \"sftpgo:sftpgo-pw@tcp(127.0.0.1:$P)/sftpgo\", \"host\": \"nowhere.invalid\""
	check "mariadb: connection_string (a Go DSN) is used instead of the keys" sh -c "'$SFTPGO' user list --config-dir '$CFG' --config-file alt | grep -q alice"
	alt_config mariadb "\"driver\": \"mysql\", \"connection_string\": \"sftpgo:sftpgo-pw@unix($T/db-mariadb/sock/mysqld.sock)/sftpgo\""
	check "mariadb: connection_string with unix(path)" sh -c "'$SFTPGO' user list --config-dir '$CFG' --config-file alt | grep -q alice"
	alt_config mariadb "\"driver\": \"mysql\", \"connection_string\": \"sftpgo:sftpgo-pw@tcp(127.0.0.1:$P)/sftpgo?tls=true\""
	cli_alt >"$T/out" 2>&1
	check "mariadb: DSN parameters are refused, named" grep -q "connection_string: DSN parameters (after '?') are not supported yet" "$T/out"
}

run_kind pg 70 852
keys_pg
run_kind mariadb 71 853
keys_mariadb
done_testing
