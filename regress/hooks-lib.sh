# SPDX-License-Identifier: BSD-2-Clause
# Helpers for the hooks tests (regress/t-serve-actions.sh, t-user-actions.sh,
# t-serve-extauth.sh, t-serve-prelogin.sh). Source after serve-lib.sh.
#   RECLOG   a log of "---"-terminated records written by the test's hook scripts
#   HLOG, MODE, HPORT   regress/hook-receiver.py's output, answer mode and port
mkdir -p "$T/act"
chmod 1777 "$T/act" # the hooks run as the service account or the user
HLOG=$T/http.log
MODE=$T/http.mode
echo ok >"$MODE"

# record N: the Nth record (from 1); n_records; wait_records N
record() { awk -v n="$1" 'BEGIN{r=1} /^---$/{r++; next} r==n' "$RECLOG"; }
n_records() { grep -c '^---$' "$RECLOG" 2>/dev/null || echo 0; }
# wait_count COUNTER N: until the function COUNTER prints N or more (10 s)
wait_count() {
	for _i in $(seq 100); do
		[ "$($1)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
wait_records() { wait_count n_records "$1"; }

# write_recorder FILE: a hook script that records its argv, sorted environment,
# ids and standard fds (the program's own, before the record's redirection) as
# one record of $RECLOG (ACTION_PRELUDE, if set, runs first)
write_recorder() {
	cat >"$1" <<EOS
#!/bin/sh
${ACTION_PRELUDE:-}
_fds="\$(readlink /proc/\$\$/fd/0) \$(readlink /proc/\$\$/fd/1) \$(readlink /proc/\$\$/fd/2)"
{
	echo "argc=\$#"
	for a; do echo "arg=[\$a]"; done
	env | LC_ALL=C sort | sed 's/^/env=/'
	echo "uid=\$(id -u) gid=\$(id -g)"
	echo "fds=\$_fds"
	echo ---
} >>"$RECLOG"
EOS
	chmod 755 "$1"
}

# start_receiver [CERT KEY]: regress/hook-receiver.py on HPORT (HTTPS with
# CERT), ready when it returns 0
start_receiver() {
	$PY "$top_srcdir/regress/hook-receiver.py" "$HPORT" "$HLOG" "$MODE" "$@" &
	RECV_PID=$!
	BG_PIDS="$BG_PIDS $RECV_PID"
	for _i in $(seq 50); do
		$PY -c "import socket; socket.create_connection(('127.0.0.1', $HPORT))" \
			2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
n_http() { wc -l <"$HLOG" 2>/dev/null || echo 0; }
wait_http() { wait_count n_http "$1"; }
# http_field N FIELD: method, path (raw, with the query), content_type,
# user_agent or body of the Nth request
http_field() { sed -n "${1}p" "$HLOG" | $PY -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
http_path() { http_field "$1" path; }

# TIME_FACTOR: the timing bounds of these tests are multiplied by it (the
# issue's 100 ms becomes 100 * TIME_FACTOR): SFTPGO_TEST_TIME_FACTOR, else 4 for
# a sanitizer build (every process runs several times slower), else 1.
if [ -n "${SFTPGO_TEST_TIME_FACTOR:-}" ]; then
	TIME_FACTOR=$SFTPGO_TEST_TIME_FACTOR
elif grep -q __asan_init "$SFTPGO" 2>/dev/null; then
	TIME_FACTOR=4
else
	TIME_FACTOR=1
fi
MAX_DELAY_MS=$((100 * TIME_FACTOR))

# fastest_ms COMMAND...: the fastest of three runs, in milliseconds; the spread
# of the three (slowest - fastest) goes to $T/fastest.spread, the noise of this
# machine at this moment.
fastest_ms() {
	_best=
	_worst=0
	for _r in 1 2 3; do
		_t=$(date +%s%N)
		"$@" >/dev/null 2>&1 || return 1
		_ms=$((($(date +%s%N) - _t) / 1000000))
		[ -z "$_best" ] || [ "$_ms" -lt "$_best" ] && _best=$_ms
		[ "$_ms" -gt "$_worst" ] && _worst=$_ms
	done
	echo $((_worst - _best)) >"$T/fastest.spread"
	echo "$_best"
}
# not_delayed BASE SPREAD WITH: WITH (fastest_ms beside the stuck hooks) is not
# slower than BASE (fastest_ms idle, earlier in the same run) by 100 ms x
# TIME_FACTOR, plus the spread measured with BASE (on a quiet machine a few ms;
# on a loaded one the noise, not the hooks, would decide)
not_delayed() {
	echo "# ${1} ms idle (spread ${2} ms), ${3} ms beside the stuck hooks; bound $(($1 + MAX_DELAY_MS + $2)) ms"
	test -n "$3" && test "$3" -lt $(($1 + MAX_DELAY_MS + $2))
}

# The service account the auth programs and provider actions run as (the
# default sftpd.unprivileged_user: sftpgo if it exists, else nobody).
if id sftpgo >/dev/null 2>&1; then _svc=sftpgo; else _svc=nobody; fi
SERVICE_UID=$(id -u "$_svc")
SERVICE_GID=$(id -g "$_svc")

# write_kbd_program: $T/kbd.sh asks one question ("Code: ") and accepts 1234;
# $T/askpass answers it for OpenSSH's client (kbd_login USER logs in with them)
write_kbd_program() {
	cat >"$T/kbd.sh" <<'EOS'
#!/bin/sh
echo '{"questions":["Code: "],"instruction":"","echos":[false]}'
read A
if [ "$A" = 1234 ]; then echo '{"auth_result":1}'; else echo '{"auth_result":-1}'; fi
EOS
	printf '#!/bin/sh\necho 1234\n' >"$T/askpass"
	chmod 755 "$T/kbd.sh" "$T/askpass"
}
kbd_login() {
	echo ls | SSH_ASKPASS=$T/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 setsid \
		sftp $SSH_OPTS -P "$PORT" -o BatchMode=no \
		-o PreferredAuthentications=keyboard-interactive \
		-o NumberOfPasswordPrompts=1 -b - "$1@127.0.0.1"
}
