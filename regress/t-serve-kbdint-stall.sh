#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# A keyboard_interactive_auth_program that stops reading its stdin fails the login
# (the answers pipe fills up) instead of blocking the monitor's event loop.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

mkdir -p "$T/libexec"
ln -s "$top_srcdir/regress/fake-session.py" "$T/libexec/sftpgo-session"
ln -s "$top_builddir/sftpgo-worker" "$T/libexec/sftpgo-worker"
ln -s "$top_builddir/sftpgo-worker-cloud" "$T/libexec/sftpgo-worker-cloud"
ln -s "$top_builddir/sftpgo-listener" "$T/libexec/sftpgo-listener"
ln -s "$top_builddir/sftpgo-hookexec" "$T/libexec/sftpgo-hookexec"
echo kbd-stall >"$T/libexec/mode"
cat >"$T/kbd.sh" <<'EOP'
#!/bin/sh
# asks for ever, never reads an answer
while :; do
	echo '{"questions":["Q: "],"echos":[true]}'
	sleep 0.05
done
EOP
chmod 755 "$T/kbd.sh"
serve_config 9 "\"keyboard_interactive_auth_program\": \"$T/kbd.sh\""
"$SFTPGO" serve --config-dir "$CFG" --libexec-dir "$T/libexec" --log-file-path "$LOG" \
	--log-verbose >"$T/serve.out" 2>&1 &
SERVER_PID=$!
check "server with fake sessions starts" wait_log '"SFTP server listening'
U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
add_user limituser "$U1" --password rightpw

$PY -c "
import socket, time; s = socket.create_connection(('127.0.0.1', $PORT)); time.sleep(5)" &
BG_PIDS="$BG_PIDS $!"
check "the login fails when the program does not read its answers" \
	wait_log 'keyboard interactive program does not read its answers'
_i=0
while [ ! -s "$T/libexec/kbd-stall.out" ] && [ $_i -lt 50 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
check "the session got its AUTH_RESULT" grep -qx "result 8" "$T/libexec/kbd-stall.out"
check "monitor still running" kill -0 "$SERVER_PID"
done_testing
