#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# covers: sftpd.idle_timeout
# sftpgo serve: idle_timeout (1 minute) and the 2-minute login grace time. Slow
# (about 2.5 minutes); SFTPGO_QUICK_TESTS=1 skips it.
. "$top_srcdir/regress/lib.sh"
[ -z "${SFTPGO_QUICK_TESTS:-}" ] || skip_all "slow; unset SFTPGO_QUICK_TESTS to run it"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
serve_config 5 '"idle_timeout": 1'
start_server || { fail "server starts"; exit 1; }
ok "server starts"
ssh-keygen -q -t ed25519 -N '' -f "$T/key"
add_user erin "$U1" --public-key-file "$T/key.pub"

# An sftp channel on which nothing happens, and a connection that never logs in.
sleep 200 | ssh $SSH_OPTS -p "$PORT" -o BatchMode=yes -o IdentitiesOnly=yes -i "$T/key" \
	-s erin@127.0.0.1 sftp >/dev/null 2>&1 &
idle=$!
BG_PIDS="$BG_PIDS $idle"
$PY -c "
import socket, time
s = socket.create_connection(('127.0.0.1', $PORT))
s.recv(100)
time.sleep(200)" &
silent=$!
BG_PIDS="$BG_PIDS $silent"
gone_within() { # pid seconds
	_i=0
	while kill -0 "$1" 2>/dev/null; do
		[ $_i -ge "$2" ] && return 1
		sleep 1
		_i=$((_i + 1))
	done
}
check "idle sftp session disconnected after idle_timeout" gone_within "$idle" 100
check "idle timeout logged" wait_log 'idle timeout: no activity for 60 seconds'
sleep 70
check "login grace time ends a connection that never authenticates" wait_log \
	'killing session process [0-9]* (pre-auth, 127.0.0.1): login grace time exceeded'
check "no_auth_tryed logged for it" wait_log '"login_type":"no_auth_tryed"'
done_testing
