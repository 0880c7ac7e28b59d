#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo-httpd killed with -9 in the middle of a request: the monitor starts it
# again, the REST API answers, and an SFTP session open meanwhile goes on. A port
# that cannot be bound leaves SFTP served. Slow clients and many connections do
# not stop the API.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
. "$top_srcdir/regress/httpd-lib.sh"

U1=sftpgo-h2-$$
make_sysuser "$U1" || skip_all "cannot create system users"
httpd_config 110
start_server || { fail "server starts"; exit 1; }
wait_httpd || { fail "the REST API answers"; exit 1; }
add_user alice "$U1" --password alicepw

open_sftp alice alicepw
echo "pwd" >&7
check "the SFTP session is open" wait_in_file 'Remote working directory' "$T/sftp-open.out"

# a request in progress: headers sent, the body still coming
$PY - "$HPORT" >"$T/slow.out" 2>&1 <<'EOP' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /api/v1/user HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
time.sleep(3)
EOP
BG_PIDS="$BG_PIDS $!"
sleep 0.5
check "sftpgo-httpd runs" pgrep -P "$SERVER_PID" -x sftpgo-httpd
check "sftpgo-httpd killed with -9 was started again" kill9_httpd
check "the restart is logged" grep -q 'httpd exited (status 9), restarting it' "$LOG"
wait_httpd
api GET /api/v1/version
expect "the REST API answers after the restart" 200
echo "pwd" >&7
echo "bye" >&7
exec 7>&-
wait "$SFTP_PID"
check "the SFTP session went on through the restart" test "$(grep -c 'Remote working directory' "$T/sftp-open.out")" -eq 2

# slow and many clients: header timeout, connection cap; the API keeps serving
$PY - "$HPORT" >"$T/many.out" 2>&1 <<'EOP'
import socket, sys, time, urllib.request
port = int(sys.argv[1])
held = []
for i in range(150):  # more than the connection cap, each sending half a header
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.sendall(b"GET /api/v1/version HTTP/1.1\r\nHost: x\r\n")
        held.append(s)
    except OSError:
        pass
time.sleep(0.5)
for s in held[:100]:
    s.close()
held = held[100:]
t = time.time()
r = urllib.request.urlopen("http://127.0.0.1:%d/api/v1/version" % port, timeout=20)
print("status", r.status, "after", round(time.time() - t, 2), "s")
EOP
check "with 150 half-open clients the API still answers" grep -q '^status 200' "$T/many.out"
# clients that leave before the monitor's answer comes
$PY - "$HPORT" >"$T/gone.out" 2>&1 <<'EOP'
import socket, sys, urllib.request
port = int(sys.argv[1])
for i in range(100):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /api/v1/user HTTP/1.1\r\nHost: x\r\n\r\n")
    s.close()
r = urllib.request.urlopen("http://127.0.0.1:%d/api/v1/providerstatus" % port, timeout=20)
print("status", r.status)
EOP
check "clients leaving before their answer: the API still answers" grep -q '^status 200' "$T/gone.out"
check "sftpgo-httpd was not restarted by them" test "$(pgrep -P "$SERVER_PID" -x sftpgo-httpd)" = "$HTTPD_NEW"
stop_server

# a port that cannot be bound: SFTP is served, the error is logged
$PY -c "import socket,time,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $HPORT)); s.listen(1); time.sleep(30)" &
BLOCKER=$!
BG_PIDS="$BG_PIDS $BLOCKER"
sleep 0.5
: >"$LOG"
start_server || fail "server starts with the REST API port taken"
check "the bind failure is logged" grep -q "httpd: cannot listen on 127.0.0.1 port $HPORT" "$LOG"
check "SFTP is served without the REST API" sh -c "printf 'ls\n' | sshpass -p alicepw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - alice@127.0.0.1"
stop_server
kill "$BLOCKER" 2>/dev/null
done_testing
