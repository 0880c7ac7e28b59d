#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo serve: the hooks' bounded queues (issue 13: "a bounded pool with a
# queue, overflow logged and dropped for notifications, refused for
# authentication"; no hook stalls the server).
# Notifications: an action command that holds its slot (sleep 30) and an HTTP
# receiver that answers after 20 s; one `put -r` of 4096 + 16 + 40 files fills
# the 16 running commands and the 4096 queued ones, and the 4 HTTP threads and
# their 4096 queued calls: the rest are dropped, each with a warn line, the
# uploads all succeed. Meanwhile another user's login and upload is not slower
# than the idle baseline taken in the same run by more than 100 ms (x
# TIME_FACTOR, regress/hooks-lib.sh).
# Authentication: an external auth program that hangs; 32 run, 64 wait, the
# logins beyond are refused at once ("too many authentication programs
# running"); a user whose method is out of the program's scope logs in as fast
# as before. Programs that never exit are killed at their deadline (30 s for
# an action, 60 s for authentication: the login refused), logged. The server
# still stops on SIGTERM.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-tq1-$$
U2=sftpgo-tq2-$$
make_sysuser "$U1" || skip_all "cannot create system users"
make_sysuser "$U2" || skip_all "cannot create system users"
HPORT=$((PORT_BASE + 181))
RECLOG=$T/act/actions.log
. "$top_srcdir/regress/hooks-lib.sh"
ACTION_PRELUDE='case "$3" in */q/*) sleep 30; exit 0 ;; esac' write_recorder "$T/action.sh"
cat >"$T/auth.sh" <<'EOS'
#!/bin/sh
case "$SFTPGO_AUTHD_USERNAME" in hang*) sleep 60.17 ;; esac
exit 1
EOS
chmod 755 "$T/auth.sh"
ssh-keygen -q -t ed25519 -N '' -f "$T/key" || skip_all "ssh-keygen failed"
check "the HTTP receiver starts" start_receiver

NQ=4096     # HOOK_NOTIFY_QUEUE_MAX
NFILES=4152 # 16 running + 4096 queued + 40 dropped
serve_config 180 "\"max_startups_per_ip\": 400,
 \"actions\": {\"execute_on\": [\"upload\"], \"command\": \"$T/action.sh\",
  \"http_notification_url\": \"http://127.0.0.1:$HPORT/notify\"}},
 \"data_provider\": {\"external_auth_program\": \"$T/auth.sh\", \"external_auth_scope\": 1"
start_server || { fail "server starts"; exit 1; }
ok "server starts"
add_user bob "$U1" --public-key-file "$T/key.pub"
add_user eve "$U2" --public-key-file "$T/key.pub"
: >"$T/empty"
key_sftp() { # USER: batch on stdin, public key (out of the auth program's scope)
	sftp $SSH_OPTS -P "$PORT" -o BatchMode=yes -o IdentitiesOnly=yes \
		-o PreferredAuthentications=publickey -i "$T/key" -b - "$1@127.0.0.1"
}
N_UP=0
eve_upload() {
	N_UP=$((N_UP + 1))
	printf 'put %s /e%s\n' "$T/empty" "$N_UP" | key_sftp eve
}
check "eve logs in and uploads" eve_upload
BASE=$(fastest_ms eve_upload)
SPREAD=$(cat "$T/fastest.spread")

# --- notifications --------------------------------------------------------------
mkdir "$T/q"
(cd "$T/q" && seq "$NFILES" | sed 's/^/f/' | xargs touch)
echo slow >"$MODE"
check "bob uploads $NFILES files in one session" sh -c "printf 'put -r %s /q\n' '$T/q' | sftp $SSH_OPTS -P $PORT -o BatchMode=yes -o IdentitiesOnly=yes -o PreferredAuthentications=publickey -i '$T/key' -b - bob@127.0.0.1 >/dev/null"
check "every file arrived" test "$(find "$T/homes/bob/q" -type f | wc -l)" -eq "$NFILES"
n_held() { pgrep -u "$U1" -x sleep | wc -l; }
check "16 action commands hold their slots" wait_count n_held 16
check "a full command queue: logged" wait_log "hook $T/action.sh dropped: 16 running and $NQ queued already"
check "and the action named" wait_log "action upload: command .*$T/action.sh.* not run (queue full or out of memory)"
check "a full HTTP queue: logged" wait_log "HTTP notification to http://127.0.0.1:$HPORT/notify?action=upload.* dropped: $NQ queued already"
check "and the action named" wait_log "action upload: HTTP notification to http://127.0.0.1:$HPORT/notify?action=upload.* not sent (queue full or out of memory)"
DROPPED=$(grep -c "hook $T/action.sh dropped" "$LOG")
echo "# $DROPPED commands dropped (40 when none of the first 16 ended yet)"
check "no more than the overflow was dropped" test "$DROPPED" -le 40
WITH=$(fastest_ms eve_upload)
echo "# eve's login and upload: ${BASE} ms idle, ${WITH} ms beside full queues"
check "full notification queues delay another user by < 100 ms (x $TIME_FACTOR)" \
	not_delayed "$BASE" "$SPREAD" "$WITH"

# --- authentication ---------------------------------------------------------------
# 96 + 8 password logins through the hanging program, from one client process
$PY - "$PORT" 104 >"$T/auth.out" 2>&1 <<'EOP' &
import socket, sys, threading, time, paramiko
port, n = int(sys.argv[1]), int(sys.argv[2])
lock = threading.Lock()
refused = []
def login(i):
    try:
        t = paramiko.Transport(socket.create_connection(("127.0.0.1", port), 30))
        t.start_client(timeout=60)
        t0 = time.monotonic()
        t.auth_password("hang%d" % i, "x", fallback=False)
    except paramiko.AuthenticationException:
        with lock:
            refused.append(time.monotonic() - t0)
    except Exception as e:
        print("error", i, type(e).__name__, e, flush=True)
for i in range(n):
    threading.Thread(target=login, args=(i,), daemon=True).start()
time.sleep(300)
EOP
AUTH_PID=$!
BG_PIDS="$BG_PIDS $AUTH_PID"
n_auth() { pgrep -u "$SERVICE_UID" -f '^sleep 60[.]17$' | wc -l; }
check "32 authentication programs run" wait_count n_auth 32
n_refused() { grep -c '"error":"External auth error: not started: too many authentication programs running"' "$LOG"; }
_i=0
until [ "$(n_refused)" -ge 8 ] || [ $_i -ge 600 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
check "the 8 logins beyond 32 running and 64 queued are refused" test "$(n_refused)" -eq 8
check "refused with the reason" grep -q '"username":"hang[0-9]*","login_type":"password","error":"External auth error: not started: too many' "$LOG"
check "never more than 32 at once" test "$(n_auth)" -eq 32
WITH=$(fastest_ms eve_upload)
echo "# eve's login and upload: ${BASE} ms idle, ${WITH} ms beside 96 hung auth programs"
check "a full authentication queue delays a login out of its scope by < 100 ms (x $TIME_FACTOR)" \
	not_delayed "$BASE" "$SPREAD" "$WITH"
check_not "the client saw no transport error" grep -q '^error' "$T/auth.out"
# programs that never exit: killed at their deadline, a log line each
wait_long() { # PATTERN SECONDS
	_i=0
	until grep -q -- "$1" "$LOG" || [ $_i -ge $(($2 * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	grep -q -- "$1" "$LOG"
}
check "an action command that never exits: killed after 30 s, logged" \
	wait_long "action upload: command .*$T/action.sh.* failed: timed out after 30 s" 60
check "an auth program that never exits: killed after 60 s, the login refused" \
	wait_long '"username":"hang[0-9]*","login_type":"password","error":"External auth error: timed out after 60 s"' 90
kill "$AUTH_PID" 2>/dev/null
wait "$AUTH_PID" 2>/dev/null
stop_server
check "the server stops although hooks hang" test "$SERVER_STATUS" -eq 0
check "no authentication program is left" test "$(n_auth)" -eq 0
check_not "no child process crashed" grep -q "killed by signal" "$LOG"
done_testing
