#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo serve: every role's seccomp filter is in place (Seccomp: 2 in
# /proc/PID/status of the listener, an idle session, a worker and sftpgo-httpd,
# while a normal login, a transfer and REST calls work and nothing is reported),
# and a call outside a role's
# list kills the process with SIGSYS and is logged by the monitor with the role,
# the pid, the user and the call. SFTPGO_SANDBOX_SELFTEST=ROLE makes that role's
# process call syslog(2) once its filter is in place (the listener at its first
# accept, the session once authenticated, the worker at start, httpd at its first
# request, the jail's program before its execve). An S3 user's worker runs under
# the cloud worker's filter (the worker's list and TCP sockets to its endpoint, an
# s3rver started here): transfers work, nothing is reported, and its self-test
# kills it the same way. httpd runs under its filter for the REST API and the web
# admin (its static files opened with openat2).
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
. "$top_srcdir/regress/httpd-lib.sh"

U1=sftpgo-sb1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
httpd_config 91 '"enabled_ssh_commands": ["*"]'
ssh-keygen -q -t ed25519 -N '' -f "$T/key"

# the S3 server of the cloud worker's cases
S3RVER=${S3RVER:-/opt/sftpgo-test-s3/node_modules/.bin/s3rver}
S3PORT=$((PORT_BASE + 93)) # 92: the REST API (httpd_config)
HAVE_S3=
if [ -x "$S3RVER" ] && command -v node >/dev/null; then
	mkdir -p "$T/s3data"
	"$S3RVER" -d "$T/s3data" -a 127.0.0.1 -p "$S3PORT" --silent --configure-bucket tb \
		>"$T/s3rver.log" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	_i=0
	until curl -s -o /dev/null "http://127.0.0.1:$S3PORT/"; do
		[ $_i -ge 150 ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	[ $_i -lt 150 ] && HAVE_S3=1
fi
if [ -z "$HAVE_S3" ] && [ "${CI:-}" = true ]; then
	fail "s3rver is installed and starts (contrib/install-deps.sh)"
fi

seccomp_mode() { awk '/^Seccomp:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
# run_selftest ROLE: a fresh server whose ROLE processes break their list.
run_selftest() {
	stop_server
	[ -f "$LOG" ] && cp "$LOG" "$T/log.before-$1"
	: >"$LOG"
	SFTPGO_SANDBOX_SELFTEST=$1
	export SFTPGO_SANDBOX_SELFTEST
	start_server || fail "server starts ($1 self-test)"
	unset SFTPGO_SANDBOX_SELFTEST
}
# reported ROLE USER: the handler's line (the call) and the monitor's (the user),
# for the same pid.
reported() {
	wait_log "seccomp: $1 process [0-9]* (user $2) killed by its filter (SIGSYS)" &&
		wait_log "seccomp: $1 process [0-9]* made system call syslog ([0-9]*), not in its allow-list: killed" || return 1
	_p1=$(grep -o "seccomp: $1 process [0-9]* made system call" "$LOG" | head -n 1 | awk '{print $4}')
	_p2=$(grep -o "seccomp: $1 process [0-9]* (user" "$LOG" | head -n 1 | awk '{print $4}')
	[ -n "$_p1" ] && [ "$_p1" = "$_p2" ]
}

# --- filters in place, quiet on normal use ----------------------------------------
start_server || { fail "server starts"; exit 1; }
ok "server starts"
add_user carol "$U1" --password carolpw --public-key-file "$T/key.pub" --permissions "/:*"
lpid=$(pgrep -P "$SERVER_PID" -x sftpgo-listener | head -n 1)
spid=$(pgrep -P "$SERVER_PID" -x sftpgo-session | head -n 1)
check "the listener runs under its filter" test "$(seccomp_mode "$lpid")" = 2
check "an idle session runs under its filter" test "$(seccomp_mode "$spid")" = 2
head -c 300000 /dev/urandom >"$T/up.bin"
printf 'put %s up.bin\nget up.bin %s\nls -l\nrename up.bin b.bin\nrm b.bin\nmkdir d\nrmdir d\n' \
	"$T/up.bin" "$T/down.bin" | sftp_pw carol carolpw >"$T/sftp.out" 2>&1
check "a login, an upload and a download work under the filters" cmp "$T/up.bin" "$T/down.bin"
sleep 60 | ssh $SSH_OPTS -p "$PORT" -o BatchMode=yes -o IdentitiesOnly=yes \
	-i "$T/key" -s carol@127.0.0.1 sftp >/dev/null 2>&1 &
BG_PIDS="$BG_PIDS $!"
check "a held channel's worker starts" wait_log 'sftp worker [0-9]* started for user carol' 2
wpid=$(grep -o 'sftp worker [0-9]* started' "$LOG" | tail -n 1 | awk '{print $3}')
worker_filtered() {
	_i=0
	until [ "$(seccomp_mode "$wpid")" = 2 ]; do
		[ $_i -ge 100 ] && return 1
		sleep 0.1
		_i=$((_i + 1))
	done
}
check "the worker runs under its filter" worker_filtered
# worker_program PROG CURL: wpid runs PROG and maps libcurl (CURL yes) or not.
worker_program() {
	[ "$(basename "$(readlink "/proc/$wpid/exe")")" = "$1" ] || return 1
	if [ "$2" = yes ]; then grep -q 'libcurl' "/proc/$wpid/maps"; else ! grep -q 'libcurl\|libxml2' "/proc/$wpid/maps"; fi
}
check "a local user's worker is sftpgo-worker, without libcurl or libxml2" \
	worker_program sftpgo-worker no
if [ -n "$HAVE_S3" ]; then
	add_user dave "$U1" --password davepw --permissions "/:*" --fs-provider 1 \
		--s3-bucket tb --s3-region us-east-1 --s3-access-key S3RVER \
		--s3-access-secret S3RVER --s3-endpoint "http://127.0.0.1:$S3PORT" \
		--s3-key-prefix dave
	head -c 6000000 /dev/urandom >"$T/s3up.bin"
	printf 'put %s up.bin\nget up.bin %s\nls -l\nrename up.bin b.bin\nmkdir d\nrmdir d\nrm b.bin\n' \
		"$T/s3up.bin" "$T/s3down.bin" | sftp_pw dave davepw >"$T/sftp-s3.out" 2>&1
	check "an S3 user's upload (multipart) and download work under the cloud worker's filter" \
		cmp "$T/s3up.bin" "$T/s3down.bin"
	curl -s --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER \
		-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
		"http://127.0.0.1:$S3PORT/tb?list-type=2&prefix=dave/" >"$T/s3list.xml"
	check "the object is gone after rename and rm" \
		sh -c "grep -q '<ListBucketResult' '$T/s3list.xml' && ! grep -q '<Key>' '$T/s3list.xml'"
	sleep 60 | sshpass -p davepw ssh $SSH_OPTS -p "$PORT" -o PubkeyAuthentication=no \
		-s dave@127.0.0.1 sftp >/dev/null 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	check "a held S3 channel's worker starts" wait_log 'sftp worker [0-9]* started for user dave' 2
	wpid=$(grep -o 'sftp worker [0-9]* started for user dave' "$LOG" | tail -n 1 | awk '{print $3}')
	check "the S3 user's worker runs under its filter" worker_filtered
	check "the S3 user's worker is sftpgo-worker-cloud, with libcurl" \
		worker_program sftpgo-worker-cloud yes
fi
check "the REST API answers" wait_httpd
api GET /api/v1/user
expect "a REST call works under httpd's filter" 200 "any(u['username'] == 'carol' for u in j)"
api POST /api/v1/user '{"username": "x"'
expect "a bad body is answered under httpd's filter" 400
hpid=$(pgrep -P "$SERVER_PID" -x sftpgo-httpd | head -n 1)
check "httpd runs under its filter" test "$(seccomp_mode "$hpid")" = 2
check "no violation was reported" sh -c "! grep -q 'seccomp: ' '$LOG'"

# --- each role's filter kills, and the monitor says who and what -------------------
run_selftest listener
tcp_banner >/dev/null 2>&1
check "listener: the forbidden call is logged with its pid and the call" reported listener -
check "listener: restarted after its death" wait_log 'listener exited, restarting it'

run_selftest session
echo ls | sftp_pw carol carolpw >/dev/null 2>&1
check "session: killed after authentication, logged with the user and the call" \
	reported session carol

run_selftest worker
echo ls | sftp_pw carol carolpw >/dev/null 2>&1
check "worker: killed at start, logged with the user and the call" reported worker carol
check "worker: the line carries the connection id" \
	grep -q '\[[0-9a-f]*\] seccomp: worker process [0-9]* (user carol) killed' "$LOG"
if [ -n "$HAVE_S3" ]; then
	run_selftest cloud-worker
	echo ls | sftp_pw carol carolpw >"$T/ls-local.out" 2>&1
	check "cloud-worker self-test: a local user's worker is not concerned" \
		sh -c "! grep -q 'seccomp: ' '$LOG'"
	echo ls | sftp_pw dave davepw >/dev/null 2>&1
	check "cloud-worker: an S3 user's worker is killed, logged with the user and the call" \
		wait_log "seccomp: cloud-worker process [0-9]* made system call syslog ([0-9]*), not in its allow-list: killed"
	check "cloud-worker: the monitor names the user" \
		wait_log "seccomp: worker process [0-9]* (user dave) killed by its filter (SIGSYS)"
fi

run_selftest httpd
wait_in_file 'REST API listening' "$LOG"
curl -s -m 20 -o /dev/null "http://127.0.0.1:$HPORT/api/v1/version"
check "httpd: killed at its first request, logged with its pid and the call" reported httpd -
check "httpd: restarted after its death" wait_log 'httpd exited (status [0-9]*), restarting it'

if command -v git >/dev/null && command -v rsync >/dev/null; then
	run_selftest jail
	ssh $SSH_OPTS -p "$PORT" -o BatchMode=yes -o IdentitiesOnly=yes -i "$T/key" \
		carol@127.0.0.1 "rsync --server --sender -e.LsfxC . /" >/dev/null 2>&1 </dev/null
	check "jail: the program is killed by SIGSYS and the worker logs it" \
		wait_log 'confined exec for \\"carol\\": rsync (pid [0-9]*) killed by the jail.s seccomp filter (SIGSYS'
else
	[ -n "${CI:-}" ] && fail "git and rsync installed"
fi

stop_server
done_testing
