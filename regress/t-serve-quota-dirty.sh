#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# covers: data_provider.track_quota
# The quota ledger after a worker is killed with -9 mid-upload (issue 16 item 3):
# the changes it never reported (the temporary file of an atomic upload, the
# partial file of upload_mode 0) make the user's ledger dirty; once none of the
# user's workers runs, the monitor rescans the home as the user and the stored
# usage equals what `sftpgo quota scan` finds. A worker still running holds the
# rescan back (its changes would race the walk).
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-qd-$$
make_sysuser "$U1" || skip_all "cannot create system users"
command -v sqlite3 >/dev/null || { fail "sqlite3 not installed"; exit 1; }

# dirty_config UPLOAD_MODE
dirty_config() {
	serve_config 81 "\"upload_mode\": $1}, \"data_provider\": {\"track_quota\": 1"
}
# on_disk USER: "files size" of the home as a scan counts them (regular files).
on_disk() {
	find "$T/homes/$1" -type f -printf '%s\n' |
		awk '{ n++; s += $1 } END { printf "%d %d\n", n, s }'
}
# the_worker: the one sftpgo-worker below the server (waits for it).
the_worker() {
	_i=0
	while [ $_i -lt 300 ]; do
		for _p in $(descendants "$SERVER_PID"); do
			[ "$(cat "/proc/$_p/comm" 2>/dev/null)" = sftpgo-worker ] &&
				{ echo "$_p"; return 0; }
		done
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
# workers: how many sftpgo-worker run below the server.
workers() {
	_n=0
	for _p in $(descendants "$SERVER_PID"); do
		[ "$(cat "/proc/$_p/comm" 2>/dev/null)" = sftpgo-worker ] && _n=$((_n + 1))
	done
	echo $_n
}
# wait_growing PATTERN: until a file of the home matching PATTERN has bytes.
wait_growing() {
	_i=0
	while [ $_i -lt 600 ]; do
		[ -n "$(find "$T/homes/fred" -name "$1" -size +0c 2>/dev/null)" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
# slow_put NAME: a throttled upload of $T/big in the background (sftp -l Kbit/s).
slow_put() {
	printf 'put %s %s\n' "$T/big" "$1" |
		sshpass -p pw sftp $SSH_OPTS -P "$PORT" -l 2000 -o BatchMode=no \
			-o PreferredAuthentications=password -o PubkeyAuthentication=no \
			-b - "fred@127.0.0.1" >"$T/slow.out" 2>&1 &
	SLOW=$!
	BG_PIDS="$BG_PIDS $SLOW"
}
# kill_mid_upload PATTERN: kills the worker once PATTERN grows in the home.
kill_mid_upload() {
	check "the upload is under way" wait_growing "$1"
	_w=$(the_worker)
	check "its worker found" test -n "$_w"
	kill -9 "$_w"
	wait "$SLOW" 2>/dev/null
}

head -c $((8 * 1024 * 1024)) /dev/urandom >"$T/big"
head -c 1000 /dev/urandom >"$T/small"
BG_PIDS=

# --- atomic mode: the temporary file a killed worker leaves is counted ---------
dirty_config 1
start_server || { fail "server starts"; exit 1; }
ok "server starts"
add_user fred "$U1" --password pw --quota-size 100000000
check "a first upload" sh -c "printf 'put %s s1\n' '$T/small' | \
	sshpass -p pw sftp $SSH_OPTS -P $PORT -o BatchMode=no \
	-o PreferredAuthentications=password -o PubkeyAuthentication=no -b - fred@127.0.0.1"
check "counted" wait_used fred "1 1000"
slow_put big1
kill_mid_upload ".sftpgo-upload.*"
check "the ledger is marked dirty" wait_log 'quota of user fred is rescanned: its worker died'
check "the home rescanned once the worker is gone" \
	wait_log 'quota of user fred rescanned after a worker died: 2 files' 1 300
check_not "no partial file under the target name" test -e "$T/homes/fred/big1"
check "the stored usage is what is on disk (the temporary file too)" \
	wait_used fred "$(on_disk fred)"
check "more uploads are counted on top" sh -c "printf 'put %s s2\n' '$T/small' | \
	sshpass -p pw sftp $SSH_OPTS -P $PORT -o BatchMode=no \
	-o PreferredAuthentications=password -o PubkeyAuthentication=no -b - fred@127.0.0.1"
check "the usage follows" wait_used fred "$(on_disk fred)"
stop_server
WANT=$(used fred)
check "sftpgo quota scan" "$SFTPGO" quota scan --config-dir "$CFG" --libexec-dir \
	"$top_builddir" --username fred
check "the rescan agrees with the ledger" test "$(used fred)" = "$WANT"

# --- mode 0, another worker running: the rescan waits for it -------------------
dirty_config 0
: >"$LOG"
start_server || { fail "server restarts"; exit 1; }
rm -f "$T/hold.fifo"
mkfifo "$T/hold.fifo"
sshpass -p pw sftp $SSH_OPTS -P "$PORT" -o BatchMode=no \
	-o PreferredAuthentications=password -o PubkeyAuthentication=no \
	-b "$T/hold.fifo" fred@127.0.0.1 >/dev/null 2>&1 &
HOLD=$!
BG_PIDS="$BG_PIDS $HOLD"
exec 7>"$T/hold.fifo"
echo pwd >&7
_i=0
while [ "$(workers)" -lt 1 ] && [ $_i -lt 300 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
check "a second session with its worker is connected" test "$(workers)" -ge 1
slow_put big2
_i=0
while [ "$(workers)" -lt 2 ] && [ $_i -lt 300 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
check "the partial file grows" wait_growing big2
# the uploading worker is the newest one
W2=
for _p in $(descendants "$SERVER_PID"); do
	[ "$(cat "/proc/$_p/comm" 2>/dev/null)" = sftpgo-worker ] && W2=$_p
done
kill -9 "$W2"
wait "$SLOW" 2>/dev/null
check "dirty" wait_log 'quota of user fred is rescanned: its worker died'
check "the holding worker still runs" test "$(workers)" -ge 1
check_not "no rescan while a worker of the user runs" \
	grep -q 'quota of user fred rescanned after' "$LOG"
echo bye >&7
exec 7>&-
wait "$HOLD" 2>/dev/null
check "rescanned once the last worker ended" \
	wait_log 'quota of user fred rescanned after a worker died' 1 300
check "the stored usage is what is on disk (the partial file too)" \
	wait_used fred "$(on_disk fred)"
stop_server
WANT=$(used fred)
"$SFTPGO" quota scan --config-dir "$CFG" --libexec-dir "$top_builddir" \
	--username fred >/dev/null 2>&1
check "the rescan agrees with the ledger" test "$(used fred)" = "$WANT"
done_testing
