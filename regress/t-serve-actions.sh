#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# covers: sftpd.actions.execute_on sftpd.actions.command sftpd.actions.http_notification_url
# covers: sftpd.hooks_run_as_root
# sftpgo serve: custom actions on file events (issue 13 item 1, spec section 1).
# A real script records its argv, environment and uid; a real HTTP receiver
# (regress/hook-receiver.py) records the query strings. Asserted byte for byte:
# upload, download, delete, rename, ssh_cmd, SCP upload/download; nothing for
# failed or refused operations; a missing or non-executable command, an HTTP
# receiver that is down, answers 500, redirects or is slow: a log line each and
# the server keeps serving; a command stuck for 30 s does not delay another
# user's login by more than 100 ms.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-ta1-$$
U2=sftpgo-ta2-$$
make_sysuser "$U1" || skip_all "cannot create system users"
make_sysuser "$U2" || skip_all "cannot create system users"
HPORT=$((PORT_BASE + 121))
RECLOG=$T/act/actions.log
. "$top_srcdir/regress/hooks-lib.sh"
# each run notes its nice value (field 19 of its stat) in nice.log
ACTION_PRELUDE="cut -d' ' -f19 /proc/\$\$/stat >>'$T/act/nice.log'
"'case "$3" in *hang*) sleep 30 ;; *afail*) exit 3 ;; esac' write_recorder "$T/action.sh"
check "the HTTP receiver starts" start_receiver

serve_config 120 "\"enable_scp\": true, \"enabled_ssh_commands\": [\"sha256sum\", \"scp\", \"pwd\"],
 \"actions\": {\"execute_on\": [\"upload\", \"download\", \"delete\", \"rename\", \"ssh_cmd\"],
  \"command\": \"$T/action.sh\", \"http_notification_url\": \"http://127.0.0.1:$HPORT/notify?src=test\"}"
start_server || { fail "server starts"; exit 1; }
ok "server starts"
add_user bob "$U1" --password pw
add_user eve "$U2" --password pw
HOME_BOB=$T/homes/bob
ENC_HOME=$($PY -c "import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))" "$HOME_BOB")

# expect_record N ACTION PATH TARGET SSH_CMD SIZE: the Nth run, byte for byte
expect_record() {
	cat >"$T/want" <<EOW
argc=5
arg=[$2]
arg=[bob]
arg=[$3]
arg=[$4]
arg=[$5]
env=PATH=/usr/local/bin:/usr/bin:/bin
env=PWD=/
env=SFTPGO_ACTION=$2
env=SFTPGO_ACTION_FILE_SIZE=$6
env=SFTPGO_ACTION_LOCAL_FILE=true
env=SFTPGO_ACTION_PATH=$3
env=SFTPGO_ACTION_SSH_CMD=$5
env=SFTPGO_ACTION_TARGET=$4
env=SFTPGO_ACTION_USERNAME=bob
uid=$(id -u "$U1") gid=$(id -g "$U1")
fds=/dev/null /dev/null /dev/null
EOW
	record "$1" >"$T/got"
	diff "$T/want" "$T/got"
}

head -c 65535 /dev/urandom >"$T/f65535"
: >"$T/empty"
printf 'put %s /f.txt\n' "$T/f65535" | sftp_pw bob pw >/dev/null
check "upload: the command ran once" wait_records 1
check "upload: argv, environment and uid of the file's owner" \
	expect_record 1 upload "$HOME_BOB/f.txt" "" "" 65535
check "upload: one HTTP GET" wait_http 1
check "upload: query string byte for byte" test "$(http_path 1)" = \
	"/notify?action=upload&file_size=65535&local_file=true&path=$ENC_HOME%2Ff.txt&src=test&username=bob"
check "upload: GET, no body" test "$(http_field 1 method)/$(http_field 1 body)" = "GET/"
check "the command runs at nice 19 (started by the spawner thread)" \
	test "$(cat "$T/act/nice.log")" = 19

printf 'get /f.txt %s\n' "$T/back" | sftp_pw bob pw >/dev/null
check "download: the command ran" wait_records 2
check "download: argv and environment" expect_record 2 download "$HOME_BOB/f.txt" "" "" 65535
check "download: HTTP" wait_http 2
check "download: query string" test "$(http_path 2)" = \
	"/notify?action=download&file_size=65535&local_file=true&path=$ENC_HOME%2Ff.txt&src=test&username=bob"

printf 'rename /f.txt /g.txt\n' | sftp_pw bob pw >/dev/null
check "rename: the command ran" wait_records 3
check "rename: target path, no size" expect_record 3 rename "$HOME_BOB/f.txt" "$HOME_BOB/g.txt" "" ""
check "rename: HTTP" wait_http 3
check "rename: query string has target_path, no file_size" test "$(http_path 3)" = \
	"/notify?action=rename&local_file=true&path=$ENC_HOME%2Ff.txt&src=test&target_path=$ENC_HOME%2Fg.txt&username=bob"

sshpass -p pw ssh $SSH_OPTS -p "$PORT" -o PreferredAuthentications=password \
	-o PubkeyAuthentication=no bob@127.0.0.1 sha256sum /g.txt >/dev/null
check "ssh_cmd: the command ran" wait_records 4
check "ssh_cmd: the command's name and its last argument" \
	expect_record 4 ssh_cmd "$HOME_BOB/g.txt" "" sha256sum ""
check "ssh_cmd: HTTP" wait_http 4
check "ssh_cmd: query string" test "$(http_path 4)" = \
	"/notify?action=ssh_cmd&local_file=true&path=$ENC_HOME%2Fg.txt&src=test&ssh_cmd=sha256sum&username=bob"
sshpass -p pw ssh $SSH_OPTS -p "$PORT" -o PreferredAuthentications=password \
	-o PubkeyAuthentication=no bob@127.0.0.1 pwd >/dev/null
check "ssh_cmd without arguments: the command ran" wait_records 5
check "ssh_cmd without arguments: empty path" expect_record 5 ssh_cmd "" "" pwd ""
check "pwd: HTTP" wait_http 5

printf 'rm /g.txt\n' | sftp_pw bob pw >/dev/null
check "delete: the command ran" wait_records 6
check "delete: the size before removal" expect_record 6 delete "$HOME_BOB/g.txt" "" "" 65535
check "delete: HTTP" wait_http 6
check "delete: query string" test "$(http_path 6)" = \
	"/notify?action=delete&file_size=65535&local_file=true&path=$ENC_HOME%2Fg.txt&src=test&username=bob"

# SCP counts as upload/download, never as ssh_cmd; an empty file has no size
sshpass -p pw scp $SSH_OPTS -P "$PORT" -o PreferredAuthentications=password \
	-o PubkeyAuthentication=no "$T/empty" bob@127.0.0.1:/e.txt
check "scp upload: the command ran" wait_records 7
check "scp upload: upload, empty size" expect_record 7 upload "$HOME_BOB/e.txt" "" "" ""
check "scp upload: HTTP without file_size" wait_http 7
check "scp upload: query string" test "$(http_path 7)" = \
	"/notify?action=upload&local_file=true&path=$ENC_HOME%2Fe.txt&src=test&username=bob"
sshpass -p pw scp $SSH_OPTS -P "$PORT" -o PreferredAuthentications=password \
	-o PubkeyAuthentication=no bob@127.0.0.1:/e.txt "$T/e.back"
check "scp download: the command ran" wait_records 8
check "scp download: download" expect_record 8 download "$HOME_BOB/e.txt" "" "" ""

# nothing for what failed or was refused
printf 'rm /missing\nrename /missing /x\nget /missing %s\nmkdir /d\nrmdir /d\n' "$T/x" |
	sftp_pw bob pw >/dev/null 2>&1
# an upload cut in the middle: the handle is still open when the client goes away
$PY - "$PORT" <<'EOP'
import os, sys, paramiko
t = paramiko.Transport(("127.0.0.1", int(sys.argv[1])))
t.connect(username="bob", password="pw")
s = paramiko.SFTPClient.from_transport(t)
f = s.open("/partial.bin", "wb")
f.write(b"x" * 100000)
f.flush()
t.sock.close()
os._exit(0)
EOP
sleep 1
printf 'put %s /after.txt\n' "$T/empty" | sftp_pw bob pw >/dev/null
check "the next upload fires" wait_records 9
check "no action for failed, refused or partial operations" \
	expect_record 9 upload "$HOME_BOB/after.txt" "" "" ""
check "no HTTP call for them either" test "$(http_path 9)" = \
	"/notify?action=upload&local_file=true&path=$ENC_HOME%2Fafter.txt&src=test&username=bob"

# --- bad input ---------------------------------------------------------------
echo 500 >"$MODE"
printf 'put %s /a500\n' "$T/empty" | sftp_pw bob pw >/dev/null
check "HTTP 500: logged" wait_log 'HTTP notification to http://127.0.0.1:[0-9]*/notify?action=upload.*a500.*failed: status 500, unexpected status 500'
echo redirect >"$MODE"
N=$(n_http)
printf 'put %s /aredir\n' "$T/empty" | sftp_pw bob pw >/dev/null
check "HTTP redirect: logged, not followed" wait_log 'aredir.*status 302, unexpected status 302 (redirects are not followed)'
check "HTTP redirect: one request only" test "$(n_http)" -eq $((N + 1))
echo ok >"$MODE"
kill "$RECV_PID"
wait "$RECV_PID" 2>/dev/null
printf 'put %s /adown\n' "$T/empty" | sftp_pw bob pw >/dev/null
check "HTTP down: logged" wait_log 'adown.*failed: status 0, Couldn.t connect to server'
check "the receiver restarts" start_receiver
echo slow >"$MODE"
printf 'put %s /aslow\n' "$T/empty" | sftp_pw bob pw >/dev/null
check "a slow receiver does not hold the transfers" sh -c "printf 'put %s /afast\n' '$T/empty' | sshpass -p pw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - bob@127.0.0.1"
echo big >"$MODE"
printf 'put %s /abig\n' "$T/empty" | sftp_pw bob pw >/dev/null
check "an answer of 1 MiB: read no further than the cap, logged" wait_log 'abig.*failed: status 200, response body larger than 65536 bytes'
echo ok >"$MODE"
printf 'put %s /afail\n' "$T/empty" | sftp_pw bob pw >/dev/null
check "a command that exits 3: logged" wait_log "action upload: command \\\\\"$T/action.sh\\\\\" failed: exit status 3"
mv "$T/action.sh" "$T/action.off"
printf 'put %s /amissing\n' "$T/empty" | sftp_pw bob pw >/dev/null
check "missing command: logged" wait_log "action upload: command \\\\\"$T/action.sh\\\\\" failed: cannot run $T/action.sh: No such file or directory"
mv "$T/action.off" "$T/action.sh"
chmod 644 "$T/action.sh"
printf 'put %s /anoexec\n' "$T/empty" | sftp_pw bob pw >/dev/null
check "command not executable: logged" wait_log "cannot run $T/action.sh: Permission denied"
chmod 755 "$T/action.sh"
N=$(n_records)
printf 'put %s /aok\n' "$T/empty" | sftp_pw bob pw >/dev/null
check "the command runs again" wait_records $((N + 1))

# --- a command stuck for 30 s delays no one -----------------------------------
eve_login() { echo ls | sftp_pw eve pw; }
BASE=$(fastest_ms eve_login)
SPREAD=$(cat "$T/fastest.spread")
for i in 1 2 3 4; do printf 'put %s /hang%s\n' "$T/empty" "$i"; done | sftp_pw bob pw >/dev/null
n_hung() { pgrep -f '[a]ction.sh upload bob .*hang' | wc -l; }
check "four hung commands are running" wait_count n_hung 4
WITH=$(fastest_ms eve_login)
echo "# login of another user: ${BASE} ms alone, ${WITH} ms with 4 hung commands"
check "a stuck command delays another user's login by < 100 ms (x TIME_FACTOR)" not_delayed "$BASE" "$SPREAD" "$WITH"
# the slow receiver (20 s) was asked long ago: curl's 15 s timeout ends it
_i=0
until grep -q 'aslow.*failed: status 0, Timeout was reached' "$LOG" || [ $_i -ge 200 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
check "a slow receiver: timed out after 15 s, logged" grep -q 'aslow.*failed: status 0, Timeout was reached' "$LOG"
stop_server
check "the server stops although commands hang" test "$SERVER_STATUS" -eq 0
check "the hung commands were killed at shutdown" sh -c "! pgrep -f '[a]ction.sh upload bob .*hang'"

# --- a stop right after a burst: the queued actions still run ------------------
start_server || fail "server restarts"
N=$(n_records)
for i in $(seq 40); do printf 'put %s /burst%s\n' "$T/empty" "$i"; done | sftp_pw bob pw >/dev/null
stop_server
check "every action of a burst ran before the server stopped" test "$(n_records)" -eq $((N + 40))

# --- sftpd.hooks_run_as_root: the action runs as root, as SFTPGo did ------------
serve_config 120 "\"hooks_run_as_root\": true,
 \"actions\": {\"execute_on\": [\"upload\"], \"command\": \"$T/action.sh\"}"
start_server || fail "server restarts with hooks_run_as_root"
N=$(n_records)
printf 'put %s /asroot\n' "$T/empty" | sftp_pw bob pw >/dev/null
check "hooks_run_as_root: the command ran" wait_records $((N + 1))
ran_as_root() { record "$1" | grep -qx 'uid=0 gid=0'; }
check "hooks_run_as_root: as uid 0 gid 0" ran_as_root $((N + 1))
stop_server
check_not "no child process crashed" grep -q "killed by signal" "$LOG"
done_testing
