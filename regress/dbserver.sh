#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Throwaway database servers for the tests, from Debian's packages, run as their
# unprivileged system users (postgres, mysql), in a private directory, on a unix
# socket in that directory and on 127.0.0.1:PORT.
#   regress/dbserver.sh start pg|mariadb DIR PORT
#   regress/dbserver.sh stop pg|mariadb DIR
#   regress/dbserver.sh resume pg|mariadb DIR PORT   (start again after a stop)
#   regress/dbserver.sh clean pg|mariadb DIR   (stop, delete the data, keep the log)
#   regress/dbserver.sh sql pg|mariadb DIR PORT 'SQL'   (as the admin, -At output)
# start creates database "sftpgo" owned by user "sftpgo", password "sftpgo-pw"
# (password authentication over TCP), and exits non-zero when the server binaries
# are missing or the server does not come up. stop is idempotent.
# Both servers offer TLS with a self-signed certificate (DIR/tls/crt.pem, CN
# 127.0.0.1), and have a second account "sftpgo_tls" (same password, same rights)
# that may only log in over TLS: a login with it proves the connection was
# encrypted.
set -u
cmd=${1:?usage: dbserver.sh start|stop|resume|clean|sql pg|mariadb DIR [PORT]}
kind=${2:?kind}
dir=${3:?dir}
port=${4:-0}
mkdir -p "$(dirname "$dir")"
dir=$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir") # the servers chdir
# The data lives in /tmp (DIR is a symbolic link to it): the server users must
# reach it whatever the mode of the build tree's parents, and the unix socket
# path stays short.
link=$dir
[ -L "$link" ] && dir=$(readlink -f "$link")

# fresh_dir: an empty private directory for a new server, DIR pointing at it
fresh_dir() {
	[ -L "$link" ] && rm -rf "$(readlink -f "$link")"
	rm -rf "$link"
	dir=$(mktemp -d /tmp/sftpgo-dbserver.XXXXXX) || return 1
	chmod 755 "$dir"
	ln -s "$dir" "$link"
}
# clean_dir: the data deleted, DIR a plain directory with the server's log
clean_dir() {
	[ -L "$link" ] || return 0
	rm -f "$link"
	mkdir -p "$link"
	cp "$dir"/*.log "$link"/ 2>/dev/null
	case "$dir" in /tmp/sftpgo-dbserver.*) rm -rf "$dir" ;; esac
}
DBPASS=sftpgo-pw
PGBIN=$(ls -d /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin 2>/dev/null | head -n 1)

as() { # user cmd...: run as the server's unprivileged user
	_u=$1
	shift
	runuser -u "$_u" -- "$@"
}

pg_start() {
	[ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] || {
		echo "dbserver: PostgreSQL server not installed (postgresql-15)" >&2
		return 1
	}
	id postgres >/dev/null 2>&1 || {
		echo "dbserver: no postgres system user" >&2
		return 1
	}
	pg_stop # one left by a run that was killed
	fresh_dir || return 1
	mkdir -p "$dir/data" "$dir/sock"
	chown postgres "$dir" "$dir/data" "$dir/sock"
	chmod 700 "$dir/data"
	as postgres "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust \
		--auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		return 1
	}
	make_cert postgres || return 1
	# sftpgo_tls over TCP without TLS: refused before its password is asked
	{
		echo "hostnossl all sftpgo_tls 127.0.0.1/32 reject"
		cat "$dir/data/pg_hba.conf"
	} >"$dir/hba" && mv "$dir/hba" "$dir/data/pg_hba.conf" &&
		chown postgres "$dir/data/pg_hba.conf"
	pg_run || return 1
	pg_sql "CREATE ROLE sftpgo LOGIN PASSWORD '$DBPASS'" >/dev/null &&
		pg_sql "CREATE DATABASE sftpgo OWNER sftpgo" >/dev/null &&
		pg_sql "CREATE ROLE sftpgo_tls LOGIN PASSWORD '$DBPASS' IN ROLE sftpgo" >/dev/null
}

# make_cert USER: a self-signed certificate and key in DIR/tls, readable by USER
make_cert() {
	mkdir -p "$dir/tls" &&
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
			-keyout "$dir/tls/key.pem" -out "$dir/tls/crt.pem" >"$dir/tls.log" 2>&1 &&
		chown -R "$1" "$dir/tls" && chmod 600 "$dir/tls/key.pem" || {
		cat "$dir/tls.log" >&2
		return 1
	}
}

# pg_run: starts the server on the data directory as it is (start, resume)
pg_run() {
	as postgres "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c max_connections=60 -c fsync=off -c ssl=on -c ssl_cert_file=$dir/tls/crt.pem -c ssl_key_file=$dir/tls/key.pem" \
		start >/dev/null || {
		cat "$dir/server.log" >&2
		return 1
	}
}

pg_sql() {
	as postgres psql -h "$dir/sock" -p "$port" -U postgres -d "${PGDB:-postgres}" \
		-v ON_ERROR_STOP=1 -q -At -c "$1"
}

pg_stop() {
	[ -n "$PGBIN" ] && [ -f "$dir/data/postmaster.pid" ] || return 0
	as postgres "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
		as postgres "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
	return 0
}

my_start() {
	command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || {
		echo "dbserver: MariaDB server not installed (mariadb-server)" >&2
		return 1
	}
	id mysql >/dev/null 2>&1 || {
		echo "dbserver: no mysql system user" >&2
		return 1
	}
	my_stop # one left by a run that was killed
	fresh_dir || return 1
	mkdir -p "$dir/data" "$dir/sock"
	chown mysql "$dir" "$dir/data" "$dir/sock"
	mariadb-install-db --no-defaults --datadir="$dir/data" --user=mysql \
		--auth-root-authentication-method=socket --skip-test-db \
		>"$dir/install.log" 2>&1 || {
		cat "$dir/install.log" >&2
		return 1
	}
	make_cert mysql || return 1
	my_run || return 1
	my_sql "CREATE DATABASE sftpgo CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
		CREATE USER 'sftpgo'@'127.0.0.1' IDENTIFIED BY '$DBPASS';
		CREATE USER 'sftpgo'@'localhost' IDENTIFIED BY '$DBPASS';
		CREATE USER 'sftpgo_tls'@'127.0.0.1' IDENTIFIED BY '$DBPASS' REQUIRE SSL;
		GRANT ALL ON sftpgo.* TO 'sftpgo'@'127.0.0.1';
		GRANT ALL ON sftpgo.* TO 'sftpgo'@'localhost';
		GRANT ALL ON sftpgo.* TO 'sftpgo_tls'@'127.0.0.1';" || {
		cat "$dir/server.log" >&2
		return 1
	}
}

# my_run: starts the server on the data directory as it is (start, resume)
my_run() {
	/usr/sbin/mariadbd --no-defaults --datadir="$dir/data" --user=mysql \
		--socket="$dir/sock/mysqld.sock" --port="$port" --bind-address=127.0.0.1 \
		--pid-file="$dir/mysqld.pid" --log-error="$dir/server.log" \
		--ssl-cert="$dir/tls/crt.pem" --ssl-key="$dir/tls/key.pem" \
		--innodb-buffer-pool-size=16M --innodb-log-file-size=8M \
		--skip-name-resolve --max-connections=60 --innodb-flush-log-at-trx-commit=2 \
		>/dev/null 2>&1 &
	_i=0
	while [ $_i -lt 300 ]; do
		my_sql "SELECT 1" >/dev/null 2>&1 && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	cat "$dir/server.log" >&2
	return 1
}

my_sql() {
	mariadb --no-defaults -S "$dir/sock/mysqld.sock" -u root -N -B -e "$1" ${MYDB:-}
}

my_stop() {
	[ -f "$dir/mysqld.pid" ] || return 0
	_pid=$(cat "$dir/mysqld.pid")
	kill "$_pid" 2>/dev/null
	_i=0
	while kill -0 "$_pid" 2>/dev/null && [ $_i -lt 150 ]; do
		sleep 0.2
		_i=$((_i + 1))
	done
	kill -9 "$_pid" 2>/dev/null
	rm -f "$dir/mysqld.pid"
	return 0
}

case "$cmd:$kind" in
start:pg) pg_start ;;
stop:pg) pg_stop ;;
sql:pg) PGDB=sftpgo pg_sql "${5:?sql}" ;;
resume:pg) pg_run ;;
clean:pg) pg_stop && clean_dir ;;
start:mariadb) my_start ;;
clean:mariadb) my_stop && clean_dir ;;
resume:mariadb) my_run ;;
stop:mariadb) my_stop ;;
sql:mariadb) MYDB=sftpgo my_sql "${5:?sql}" ;;
*)
	echo "usage: dbserver.sh start|stop|resume|clean|sql pg|mariadb DIR [PORT] [SQL]" >&2
	exit 2
	;;
esac
