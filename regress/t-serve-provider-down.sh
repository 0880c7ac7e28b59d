#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo serve when its PostgreSQL goes away and comes back (issue 11 item 7): a
# transfer already running finishes, new logins are refused with a log line that
# says the data provider is why, and once the server is back logins work again
# without restarting sftpgo; the quota of the transfer that ended while the database
# was down reaches it when it is back. A database down when sftpgo starts stops the
# start, as in SFTPGo, with the driver's reason.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
. "$top_srcdir/regress/sql-lib.sh"

U1=sftpgo-pdown-$$
make_sysuser "$U1" || skip_all "cannot create system users"
sql_start pg $((PORT_BASE + 854))
PORT=$((PORT_BASE + 72))
cat >"$CFG/sftpgo.json" <<EOC
{"sftpd": {"bind_port": $PORT, "bind_address": "127.0.0.1", "session_pool_size": 2},
 "data_provider": $(provider_json pg '"pool_size": 2')}
EOC
check "initprovider" "$SFTPGO" initprovider --config-dir "$CFG"
add_user alice "$U1" --password pw --upload-bandwidth 200
add_user bob "$U1" --password pw
head -c 1200000 /dev/urandom >"$T/big"
login() { printf 'ls\n' | sftp_pw "$1" pw; }
db_down() { sh "$top_srcdir/regress/dbserver.sh" stop pg "$T/db-pg"; }
db_up() { sh "$top_srcdir/regress/dbserver.sh" resume pg "$T/db-pg" "$DBPORT_pg"; }

start_server || { fail "server starts"; exit 1; }
ok "server starts"
check "login while the database is up" login bob
# a 1.2 MB upload at 200 KB/s: about 6 s, the database stops in the middle
printf 'put %s big\n' "$T/big" | sftp_pw alice pw >"$T/put.out" 2>&1 &
PUT=$!
BG_PIDS="$BG_PIDS $PUT"
_i=0
while [ ! -s "$T/homes/alice/big" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
check "the upload is running" test -s "$T/homes/alice/big"
check "PostgreSQL stops" db_down
check "... while the upload is still running" kill -0 "$PUT"
check_not "a new login is refused while the database is down" login bob
check "the log says the data provider is why" grep -q 'login of \\"bob\\" refused: .*postgresql: ' "$LOG"
check "the running upload finishes" wait "$PUT"
check "... complete" cmp "$T/big" "$T/homes/alice/big"
check "PostgreSQL is back" db_up
check "a login works again, sftpgo not restarted" login bob
check "the same server process" kill -0 "$SERVER_PID"
check "the upload's quota reached the database once it was back" wait_sql pg \
	"SELECT used_quota_files || ' ' || used_quota_size FROM users WHERE username = 'alice'" "1 1200000"
stop_server

# down when sftpgo starts: it does not start, as SFTPGo, and says why
check "PostgreSQL stops again" db_down
"$SFTPGO" serve --config-dir "$CFG" --libexec-dir "$top_builddir" --log-file-path "$T/log2" >"$T/serve2.out" 2>&1
check "serve without its database exits non-zero" test $? -ne 0
check "... naming the driver and the server's answer" grep -q "postgresql: connect: .*Connection refused" "$T/serve2.out"
done_testing
