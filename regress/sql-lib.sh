# SPDX-License-Identifier: BSD-2-Clause
# Helpers for the tests that run `sftpgo serve` on a database server: a throwaway
# PostgreSQL or MariaDB (regress/dbserver.sh) per script, stopped by the EXIT trap
# whatever happens. Source after serve-lib.sh.
#   sql_start KIND PORT    KIND pg or mariadb; fails (CI=true) or skips when the
#                          server is not installed
#   sql KIND 'SQL'         one query as the server's admin, -At style output
#   wait_sql KIND 'SQL' WANT  until the query gives WANT (the server writes quota
#                          in batches), 10 s at most
#   provider_json KIND [extra members]: the data_provider object for that server
DBS=

sql_cleanup() {
	serve_cleanup
	for _k in $DBS; do sh "$top_srcdir/regress/dbserver.sh" clean "$_k" "$T/db-$_k"; done
}
trap sql_cleanup EXIT

sql_start() {
	if ! sh "$top_srcdir/regress/dbserver.sh" start "$1" "$T/db-$1" "$2" >"$T/db-$1.out" 2>&1; then
		DBS="$DBS $1"
		if [ "${CI:-}" = true ]; then
			fail "$1 server starts" "$(tail -c 400 "$T/db-$1.out" | tr '\n' ' ')"
			exit 1
		fi
		skip_all "$1 server unavailable: $(tail -n 3 "$T/db-$1.out" | tr '\n' ' ')"
	fi
	DBS="$DBS $1"
	eval "DBPORT_$1=$2"
}

sql() {
	sh "$top_srcdir/regress/dbserver.sh" sql "$1" "$T/db-$1" "$(eval echo "\$DBPORT_$1")" "$2"
}

provider_json() {
	_port=$(eval echo "\$DBPORT_$1")
	_drv=postgresql
	[ "$1" = mariadb ] && _drv=mysql
	echo "{\"driver\": \"$_drv\", \"host\": \"127.0.0.1\", \"port\": $_port, \"username\": \"sftpgo\", \"password\": \"sftpgo-pw\", \"name\": \"sftpgo\", \"track_quota\": 1${2:+, $2}}"
}

wait_sql() {
	_i=0
	while [ "$(sql "$1" "$2")" != "$3" ]; do
		[ $_i -ge 100 ] && { echo "$2: $(sql "$1" "$2"), want $3"; return 1; }
		sleep 0.1
		_i=$((_i + 1))
	done
}
