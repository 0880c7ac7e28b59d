#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo serve: a worker, a session or the listener killed with SIGKILL never
# takes the server down; the pool is refilled and the next client is served.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
serve_config 2
start_server || { fail "server starts"; exit 1; }
ok "server starts"
ssh-keygen -q -t ed25519 -N '' -f "$T/key"
add_user carol "$U1" --password carolpw --public-key-file "$T/key.pub"

ls_pw() { echo ls | sftp_pw carol carolpw; }
# hold: an sftp channel that stays open (the client sends nothing) until killed.
hold() {
	sleep 60 | ssh $SSH_OPTS -p "$PORT" -o BatchMode=yes -o IdentitiesOnly=yes \
		-i "$T/key" -s carol@127.0.0.1 sftp >/dev/null 2>&1 &
	HOLD=$!
	BG_PIDS="$BG_PIDS $HOLD"
}
gone_within() { # pid seconds
	_i=0
	while kill -0 "$1" 2>/dev/null; do
		[ $_i -ge $(($2 * 10)) ] && return 1
		sleep 0.1
		_i=$((_i + 1))
	done
}

# --- worker -----------------------------------------------------------------------
hold
check "sftp worker started" wait_log 'sftp worker [0-9]* started for user carol'
wpid=$(grep -o 'sftp worker [0-9]* started' "$LOG" | tail -n 1 | awk '{print $3}')
# "started" is logged at fork: give the worker time to read its settings, chroot
# and drop privileges (slow under ASan) before looking at it.
worker_dropped() {
	_i=0
	until [ "$(awk '/^Uid:/ {print $2}' "/proc/$wpid/status")" = "$(id -u "$U1")" ]; do
		[ $_i -ge 100 ] && return 1
		sleep 0.1
		_i=$((_i + 1))
	done
}
check "worker $wpid runs as carol's uid" worker_dropped
check "worker is chrooted to the home" test "$(readlink "/proc/$wpid/root")" = "$T/homes/carol"
kill -9 "$wpid"
check "the client of the killed worker is disconnected" gone_within "$HOLD" 10
check "worker death logged" wait_log "sftp worker $wpid killed by signal 9"
check "next client served after a worker crash" ls_pw

# --- session ------------------------------------------------------------------------
hold
n=$(grep -c 'user carol logged in' "$LOG")
check "held connection logged in" wait_log 'user carol logged in' $((n + 1))
spid=$(grep -o 'session pid [0-9]*' "$LOG" | tail -n 1 | awk '{print $3}')
check "session $spid exists" kill -0 "$spid"
kill -9 "$spid"
check "the client of the killed session is disconnected" gone_within "$HOLD" 10
check "session death logged" wait_log "session process $spid (authenticated) killed by signal 9"
check "next client served after a session crash" ls_pw
check "its orphaned worker went away too" sh -c \
	"! pgrep -P $SERVER_PID -x sftpgo-worker >/dev/null"

# --- idle pool session and listener ---------------------------------------------------
idle=$(pgrep -P "$SERVER_PID" -x sftpgo-session | head -n 1)
kill -9 "$idle"
refilled() {
	for _i in $(seq 50); do
		[ "$(pgrep -P "$SERVER_PID" -x sftpgo-session | wc -l)" -ge 2 ] &&
			! kill -0 "$idle" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
check "the pool is refilled after an idle session is killed" refilled
listener=$(pgrep -P "$SERVER_PID" -x sftpgo-listener | head -n 1)
kill -9 "$listener"
check "listener restart logged" wait_log 'listener exited, restarting it'
check "next client served after a listener crash" ls_pw
check "monitor still running" kill -0 "$SERVER_PID"
kids=$(descendants "$SERVER_PID")
stop_server
left=
for p in $kids; do alive "$p" && left="$left $p"; done
check "no process left after SIGTERM" test -z "$left"
done_testing
