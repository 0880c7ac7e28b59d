#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# covers: sftpd.max_auth_tries
# sftpgo serve: account checks decided by the monitor (status, expiration, IP
# filters), max_auth_tries counted by the monitor, max_sessions per user.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
serve_config 1 '"max_auth_tries": 2'
start_server || { fail "server starts"; exit 1; }
ok "server starts"

ssh-keygen -q -t ed25519 -N '' -f "$T/key"
add_user good "$U1" --password goodpw --public-key-file "$T/key.pub" --max-sessions 1
add_user inactive "$U1" --password pw1 --status 0
add_user expired "$U1" --password pw2 --expiration-date 2020-01-01
add_user denied "$U1" --password pw3 --denied-ip 127.0.0.0/8
add_user notallowed "$U1" --password pw4 --allowed-ip 192.0.2.0/24
add_user tries "$U1" --password rightpw

ls_pw() { echo ls | sftp_pw "$1" "$2"; }
failed_line() { # user
	wait_log "\"sender\":\"connection_failed\",\"client_ip\":\"127.0.0.1\",\"username\":\"$1\",\"login_type\":\"password\",\"error\":\"[^\"]"
}
for u in inactive:pw1 expired:pw2 denied:pw3 notallowed:pw4; do
	name=${u%%:*}
	check_not "$name user refused with the right password" ls_pw "$name" "${u#*:}"
	check "$name: connection_failed line with user, type and reason" failed_line "$name"
done
sshpass -p wrong ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
	-o LogLevel=INFO -p "$PORT" -o PreferredAuthentications=password \
	-o NumberOfPasswordPrompts=1 expired@127.0.0.1 -s sftp </dev/null >"$T/wrong.out" 2>&1
check_not "a wrong password is not told the account state" grep -q "sftpgo:" "$T/wrong.out"
check "fail2ban filter matches the refusals" fail2ban_matches '"username":"\(inactive\|expired\|denied\)"'
check "the good user logs in" ls_pw good goodpw

# --- max_auth_tries 2: the third password of one connection is never evaluated --
cat >"$T/askpass" <<EOA
#!/bin/sh
echo x >>"$T/askpass.count"
echo wrongpw
EOA
chmod 755 "$T/askpass"
: >"$T/askpass.count"
SSH_ASKPASS=$T/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
	setsid ssh $SSH_OPTS -p "$PORT" -o PreferredAuthentications=password \
	-o PubkeyAuthentication=no -o NumberOfPasswordPrompts=3 tries@127.0.0.1 true \
	</dev/null >"$T/tries.out" 2>&1
rc=$?
check "login with wrong passwords fails" test "$rc" -ne 0
sleep 0.5
n=$(grep -c '"username":"tries","login_type":"password"' "$LOG")
check "exactly 2 attempts evaluated and logged (got $n)" test "$n" -eq 2
check "client was asked only twice" test "$(wc -l <"$T/askpass.count")" -eq 2
check "the right password still works on a new connection" ls_pw tries rightpw

# --- max_sessions 1 -----------------------------------------------------------------
ssh $SSH_OPTS -p "$PORT" -o BatchMode=yes -o IdentitiesOnly=yes -i "$T/key" -N \
	good@127.0.0.1 </dev/null >"$T/hold.out" 2>&1 &
hold=$!
BG_PIDS="$BG_PIDS $hold"
logins_before=$(grep -c 'user good logged in' "$LOG")
check "first session of good is up" wait_log 'user good logged in' $((logins_before + 1))
check_not "second concurrent session of good refused" ls_pw good goodpw
sshpass -p goodpw ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
	-o LogLevel=INFO -p "$PORT" -o PreferredAuthentications=password good@127.0.0.1 \
	-s sftp </dev/null >"$T/second.out" 2>&1
check "the refused client is told why" grep -q "sftpgo: too many open sessions" "$T/second.out"
check "refusal logged as too many open sessions" wait_log \
	'"username":"good","login_type":"password","error":"too many open sessions'
kill "$hold"
wait "$hold" 2>/dev/null
retry_login() {
	for _i in 1 2 3 4 5 6 7 8 9 10; do
		ls_pw good goodpw && return 0
		sleep 0.3
	done
	return 1
}
check "after the first session ends, good logs in again" retry_login
check "last_login was recorded" sh -c \
	"'$SFTPGO' user show --config-dir '$CFG' --username good | grep -Eq '\"last_login\": *[1-9]'"
check_not "no child process crashed" grep -q "killed by signal" "$LOG"
done_testing
