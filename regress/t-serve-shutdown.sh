#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo serve on SIGTERM: stops accepting at once, lets an open sftp session go on
# working during the grace time, then exits 0 with no process left.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
serve_config 7
start_server || { fail "server starts"; exit 1; }
ok "server starts"
ssh-keygen -q -t ed25519 -N '' -f "$T/key"
add_user gina "$U1" --public-key-file "$T/key.pub"

mkfifo "$T/cmds"
sftp_key gina "$T/key" <"$T/cmds" >"$T/sftp.out" 2>&1 &
client=$!
BG_PIDS="$BG_PIDS $client"
exec 7>"$T/cmds"
echo "ls" >&7
check "session open" wait_log 'session opened for \\"gina\\"'
kids=$(descendants "$SERVER_PID")
kill -TERM "$SERVER_PID"
check "shutdown logged" wait_log 'shutting down'
listener_gone() {
	for _i in $(seq 50); do
		pgrep -P "$SERVER_PID" -x sftpgo-listener >/dev/null || return 0
		sleep 0.1
	done
	return 1
}
check "listener stopped at once" listener_gone
echo "put /etc/hostname during-shutdown.txt" >&7
echo "bye" >&7
exec 7>&-
wait "$client"
check "the open session finished its work during the grace time" \
	test -f "$T/homes/gina/during-shutdown.txt"
i=0
while alive "$SERVER_PID" && [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "monitor exited once the session ended" sh -c "! kill -0 $SERVER_PID 2>/dev/null || ps -o stat= -p $SERVER_PID | grep -q Z"
wait "$SERVER_PID"
check "exit status 0" test $? -eq 0
SERVER_PID=
left=
for p in $kids; do alive "$p" && left="$left $p"; done
check "no process left" test -z "$left"
done_testing
