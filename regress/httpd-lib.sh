# SPDX-License-Identifier: BSD-2-Clause
# Helpers for regress/t-httpd-*.sh: REST calls with curl, JSON answers read with
# python3. Source after serve-lib.sh; HPORT is the REST API's port.

# httpd_config N [extra sftpd members] [extra httpd members] [more top-level
# members]: SFTP on PORT_BASE+N, the REST API on PORT_BASE+N+1.
httpd_config() {
	PORT=$((PORT_BASE + $1))
	HPORT=$((PORT_BASE + $1 + 1))
	cat >"$CFG/sftpgo.json" <<EOC
{"sftpd": {"bind_port": $PORT, "bind_address": "127.0.0.1", "session_pool_size": 2${2:+, $2}},
 "httpd": {"bind_port": $HPORT, "bind_address": "127.0.0.1"${3:+, $3}}${4:+, $4}}
EOC
}

# api METHOD PATH [BODY]: the status in $STATUS, the body in $T/body.
api() {
	if [ $# -ge 3 ]; then
		STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -X "$1" \
			--data-binary "$3" "http://127.0.0.1:$HPORT$2")
	else
		STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -X "$1" \
			"http://127.0.0.1:$HPORT$2")
	fi
}

# jget EXPR: a Python expression on the answer (j), printed.
jget() {
	$PY -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$T/body"
}

# expect DESC STATUS [PYTHON-CONDITION on j]: the last answer's status and body.
expect() {
	_d=$1
	_s=$2
	if [ "$STATUS" != "$_s" ]; then
		fail "$_d" "status $STATUS, expected $_s: $(head -c 300 "$T/body")"
		return
	fi
	if [ $# -ge 3 ] && [ "$(jget "$3" 2>&1)" != True ]; then
		fail "$_d" "body: $(head -c 300 "$T/body")"
		return
	fi
	ok "$_d"
}

# api_until METHOD PATH CONDITION: api until the Python CONDITION on the answer
# holds (10 s at most); the last answer stays in $STATUS and $T/body.
api_until() {
	_i=0
	while [ $_i -lt 100 ]; do
		api "$1" "$2"
		[ "$(jget "$3" 2>/dev/null)" = True ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# open_sftp USER PASSWORD: an OpenSSH sftp session kept open by a FIFO on its stdin
# (write commands to fd 7, close it to end); SFTP_PID, output in $T/sftp-open.out.
open_sftp() {
	mkfifo "$T/fifo"
	sshpass -p "$2" sftp $SSH_OPTS -P "$PORT" -o BatchMode=no \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no \
		"$1@127.0.0.1" <"$T/fifo" >"$T/sftp-open.out" 2>&1 &
	SFTP_PID=$!
	BG_PIDS="$BG_PIDS $SFTP_PID"
	exec 7>"$T/fifo"
}

# wait_httpd: until the REST API answers (it starts after the SFTP listener).
wait_httpd() {
	_i=0
	while [ $_i -lt 100 ]; do
		curl -s -o /dev/null "http://127.0.0.1:$HPORT/api/v1/version" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# wait_in_file PATTERN FILE: until FILE has a line matching PATTERN (15 s at most).
wait_in_file() {
	_i=0
	until grep -q -- "$1" "$2" 2>/dev/null; do
		[ $_i -ge 150 ] && return 1
		sleep 0.1
		_i=$((_i + 1))
	done
}

# kill9_httpd: kills sftpgo-httpd with -9 and waits for the monitor's new one
# (15 s at most); the new pid in $HTTPD_NEW, "" if none came.
kill9_httpd() {
	_old=$(pgrep -P "$SERVER_PID" -x sftpgo-httpd)
	[ -n "$_old" ] && kill -9 "$_old"
	_i=0
	HTTPD_NEW=
	while [ $_i -lt 150 ]; do
		HTTPD_NEW=$(pgrep -P "$SERVER_PID" -x sftpgo-httpd)
		[ -n "$HTTPD_NEW" ] && [ "$HTTPD_NEW" != "$_old" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	HTTPD_NEW=
	return 1
}
