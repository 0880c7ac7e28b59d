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
wait_records() {
	for _i in $(seq 100); do
		[ "$(n_records)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# write_recorder FILE: a hook script that records its argv, sorted environment
# and ids as one record of $RECLOG (ACTION_PRELUDE, if set, runs first)
write_recorder() {
	cat >"$1" <<EOS
#!/bin/sh
${ACTION_PRELUDE:-}
{
	echo "argc=\$#"
	for a; do echo "arg=[\$a]"; done
	env | LC_ALL=C sort | sed 's/^/env=/'
	echo "uid=\$(id -u) gid=\$(id -g)"
	echo ---
} >>"$RECLOG"
EOS
	chmod 755 "$1"
}

# start_receiver: regress/hook-receiver.py on HPORT, ready when it returns 0
start_receiver() {
	$PY "$top_srcdir/regress/hook-receiver.py" "$HPORT" "$HLOG" "$MODE" &
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
wait_http() {
	for _i in $(seq 100); do
		[ "$(n_http)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# http_field N FIELD: method, path (raw, with the query), content_type,
# user_agent or body of the Nth request
http_field() { sed -n "${1}p" "$HLOG" | $PY -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
http_path() { http_field "$1" path; }

# fastest_ms COMMAND...: the fastest of three runs, in milliseconds
fastest_ms() {
	_best=
	for _r in 1 2 3; do
		_t=$(date +%s%N)
		"$@" >/dev/null 2>&1 || return 1
		_ms=$((($(date +%s%N) - _t) / 1000000))
		[ -z "$_best" ] || [ "$_ms" -lt "$_best" ] && _best=$_ms
	done
	echo "$_best"
}

# The service account the auth programs and provider actions run as (the
# default sftpd.unprivileged_user: sftpgo if it exists, else nobody).
if id sftpgo >/dev/null 2>&1; then _svc=sftpgo; else _svc=nobody; fi
SERVICE_UID=$(id -u "$_svc")
SERVICE_GID=$(id -g "$_svc")
