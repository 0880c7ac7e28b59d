#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The monitor enforces the session protocol: a session process that sends a message
# its state does not allow, floods auth requests, goes past max_auth_tries or sends
# malformed frames is killed and logged, and the server keeps serving.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

mkdir -p "$T/libexec"
ln -s "$top_srcdir/regress/fake-session.py" "$T/libexec/sftpgo-session"
ln -s "$top_builddir/sftpgo-worker" "$T/libexec/sftpgo-worker"
ln -s "$top_builddir/sftpgo-worker-cloud" "$T/libexec/sftpgo-worker-cloud"
ln -s "$top_builddir/sftpgo-listener" "$T/libexec/sftpgo-listener"
ln -s "$top_builddir/sftpgo-hookexec" "$T/libexec/sftpgo-hookexec"
echo none >"$T/libexec/mode"
cat >"$T/kbd.sh" <<'EOP'
#!/bin/sh
echo '{"questions":["Q1: "],"echos":[true]}'
read A
echo '{"auth_result":-1}'
EOP
chmod 755 "$T/kbd.sh"
serve_config 4 "\"max_auth_tries\": 2, \"max_startups_per_ip\": 3, \"keyboard_interactive_auth_program\": \"$T/kbd.sh\""

"$SFTPGO" serve --config-dir "$CFG" --libexec-dir "$T/libexec" --log-file-path "$LOG" \
	--log-verbose >"$T/serve.out" 2>&1 &
SERVER_PID=$!
check "server with fake sessions starts" wait_log '"SFTP server listening'
U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
add_user limituser "$U1" --password rightpw

# violation MODE EXPECTED_LOG_TEXT
violation() {
	echo "$1" >"$T/libexec/mode"
	_n=$(grep -c "killing session process" "$LOG")
	$PY -c "
import socket, time; s = socket.create_connection(('127.0.0.1', $PORT)); time.sleep(0.5)" &
	_c=$!
	wait_log "killing session process" $((_n + 1)) || return 1
	wait "$_c"
	grep "killing session process" "$LOG" | tail -n 1 | grep -q -- "$2"
}
check "CHANNEL_OPEN before auth kills the session" violation channel-before-auth \
	"CHANNEL_OPEN not allowed in state pre-auth"
check "a second auth request while one is pending kills it" violation auth-flood \
	"request pending"
check "an auth request past max_auth_tries kills it" violation auth-beyond-limit \
	"beyond max_auth_tries"
n=$(grep -c '"username":"limituser","login_type":"password"' "$LOG")
check "only max_auth_tries (2) attempts were evaluated (got $n)" test "$n" -eq 2
check "a malformed frame kills it" violation garbage "malformed frame"
check "an unknown message type kills it" violation unknown-type "unknown message type"
check "an over-long field kills it" violation oversized-field "longer than"
check "a bad log level kills it" violation bad-log-level "LOG: level 77 out of range"
# --- max_startups_per_ip 3: the listener refuses a fourth pre-auth connection --------
echo none >"$T/libexec/mode"
$PY -c "
import socket, time
held = [socket.create_connection(('127.0.0.1', $PORT)) for i in range(3)]
time.sleep(1)
s = socket.create_connection(('127.0.0.1', $PORT))
s.settimeout(5)
print('closed' if s.recv(10) == b'' else 'open')
" >"$T/startups.out" 2>&1
check "fourth unauthenticated connection from one IP closed" grep -qx closed "$T/startups.out"
check "listener logged the refusal" wait_log 'refusing connection from 127.0.0.1: too many unauthenticated'
check "slots are released when connections end" sh -c "$PY -c \"
import socket; s = socket.create_connection(('127.0.0.1', $PORT)); s.settimeout(1)
try:
    s.recv(10); print('closed')
except socket.timeout:
    print('open')
\" | grep -qx open"
check "keyboard-interactive answers not matching the questions kill it" \
	violation kbd-bad-answers "5 keyboard-interactive answers"
check "keyboard-interactive answers nobody asked for kill it" \
	violation kbd-unasked-answers "KBDINT_ANSWERS not allowed"
check "a session passing a descriptor is killed" violation pass-fd "never passes descriptors"
check "a log flood is cut short" violation log-flood "CHANNEL_OPEN not allowed"
n=$(grep -c '"message":"\[[0-9a-f]*\] flood line' "$LOG")
check "at most 50 flood lines per second were written (got $n)" test "$n" -le 100
check "the flood was reported" grep -q "too many log lines, dropping some" "$LOG"
check "monitor still running" kill -0 "$SERVER_PID"
check "the pool is still there" test "$(pgrep -P "$SERVER_PID" | wc -l)" -ge 2
done_testing
