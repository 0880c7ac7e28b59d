#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpd.umask, setstat_mode and upload_mode and data_provider.pool_size through
# `sftpgo serve` with real clients; SFTPGo 0.9.6's own sample sftpgo.json serves
# unchanged (port and address from SFTPGO_ variables); the default httpd.bind_port
# (8080) starts the REST API (or says why the port could not be bound), 0 none.
# covers: sftpd.umask sftpd.setstat_mode sftpd.upload_mode data_provider.pool_size
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
# config SFTPD_EXTRA [PROVIDER_JSON] [HTTPD_JSON]
config() {
	PORT=$((PORT_BASE + 65))
	cat >"$CFG/sftpgo.json" <<EOC
{"sftpd": {"bind_port": $PORT, "bind_address": "127.0.0.1", "session_pool_size": 2${1:+, $1}},
 "data_provider": {${2:-}}, "httpd": {${3:-}}}
EOC
}
chmod_b() { echo 'chmod 644 up.txt' | sftp_pw sam sampw; }
ls_b() { echo ls | sftp_pw sam sampw; }
echo data >"$T/src.txt"
chmod 644 "$T/src.txt"

config '"umask": "0077", "setstat_mode": 1, "upload_mode": 1'
start_server || { fail "server starts"; exit 1; }
add_user sam "$U1" --password sampw
printf 'put %s up.txt\nmkdir d\n' "$T/src.txt" | sftp_pw sam sampw >/dev/null 2>&1
check "umask 0077: a new file is 0600" test "$(stat -c %a "$T/homes/sam/up.txt")" = 600
check "umask 0077: a new directory is 0700" test "$(stat -c %a "$T/homes/sam/d")" = 700
check "setstat_mode 1: chmod succeeds for the client" chmod_b
check "setstat_mode 1: ... and changes nothing" test "$(stat -c %a "$T/homes/sam/up.txt")" = 600
# an upload cut off half-way: upload_mode 1 leaves nothing under the final name
cat >"$T/cut.py" <<'EOP'
import sys, paramiko
t = paramiko.Transport(("127.0.0.1", int(sys.argv[1])))
t.connect(username="sam", password="sampw")
s = paramiko.SFTPClient.from_transport(t)
f = s.open("cut.bin", "w")
f.write(b"x" * 200000)
f.flush()
t.sock.close()  # no CLOSE: the connection dies mid-upload
EOP
if $PY -c "import paramiko" 2>/dev/null; then
	$PY "$T/cut.py" "$PORT" >/dev/null 2>&1
	sleep 1
	check_not "upload_mode 1: a cut upload leaves no file under its name" test -e "$T/homes/sam/cut.bin"
else
	ok "# python3-paramiko missing: cut upload not checked"
fi
check "httpd.bind_port 8080 by default: the REST API or why not" grep -Eq \
	'REST API listening on 127.0.0.1:8080|cannot listen on 127.0.0.1 port 8080' "$LOG"
threads5=$(ls "/proc/$SERVER_PID/task" | wc -l)
stop_server

config '"upload_mode": 0' '"pool_size": 1' '"bind_port": 0'
: >"$LOG"
start_server || { fail "server restarts"; exit 1; }
if $PY -c "import paramiko" 2>/dev/null; then
	$PY "$T/cut.py" "$PORT" >/dev/null 2>&1
	sleep 1
	check "upload_mode 0: the cut upload is there, partial" test -s "$T/homes/sam/cut.bin"
fi
check_not "httpd.bind_port 0: no REST API" grep -q "REST API listening" "$LOG"
threads1=$(ls "/proc/$SERVER_PID/task" | wc -l)
stop_server
config '' '"pool_size": 6' '"bind_port": 0'
start_server || { fail "server restarts"; exit 1; }
threads6=$(ls "/proc/$SERVER_PID/task" | wc -l)
check "pool_size 6 runs 5 more provider threads than pool_size 1 ($threads1 -> $threads6)" \
	test $((threads6 - threads1)) -eq 5
stop_server

# SFTPGo 0.9.6's sample, unchanged, with the port and address from the environment
cp "$top_srcdir/regress/sftpgo-0.9.6.json" "$CFG/sftpgo.json"
: >"$LOG"
export SFTPGO_SFTPD__BIND_PORT=$PORT SFTPGO_SFTPD__BIND_ADDRESS=127.0.0.1 \
	SFTPGO_SFTPD__PROXY_PROTOCOL=0 SFTPGO_DATA_PROVIDER__PRE_LOGIN_PROGRAM=
start_server || { fail "the 0.9.6 sample serves"; exit 1; }
ok "SFTPGo 0.9.6's sample sftpgo.json serves unchanged"
check "a login with the 0.9.6 sample" ls_b
check "httpd.bind_port 8080 by default: the REST API or why not" grep -Eq \
	'REST API listening on 127.0.0.1:8080|cannot listen on 127.0.0.1 port 8080' "$LOG"
stop_server
unset SFTPGO_SFTPD__BIND_PORT SFTPGO_SFTPD__BIND_ADDRESS SFTPGO_SFTPD__PROXY_PROTOCOL \
	SFTPGO_DATA_PROVIDER__PRE_LOGIN_PROGRAM
done_testing
