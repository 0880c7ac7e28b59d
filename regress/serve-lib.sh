# SPDX-License-Identifier: BSD-2-Clause
# Helpers for regress/t-serve-*.sh: a private `sftpgo serve` on 127.0.0.1 with its
# own config dir in $T, throwaway system users, and OpenSSH clients. Source after
# lib.sh. Everything started here is stopped by the EXIT trap.
SSH_OPTS="-F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR -o ConnectTimeout=15"
CFG=$T/cfg
LOG=$T/sftpgo.log
SERVER_PID=
SYSUSERS=
BG_PIDS=
mkdir -p "$CFG"
# The distribution's interpreter starts in a fraction of a pyenv shim's time.
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

[ "$(id -u)" -eq 0 ] || skip_all "needs root (uid mapping and chroot are real)"
command -v sshpass >/dev/null || skip_all "sshpass not installed"

# serve_config N [extra sftpd keys as JSON members]: port PORT_BASE+N.
serve_config() {
	PORT=$((PORT_BASE + $1))
	cat >"$CFG/sftpgo.json" <<EOC
{"sftpd": {"bind_port": $PORT, "bind_address": "127.0.0.1", "session_pool_size": 2${2:+, $2}}}
EOC
}

# make_sysuser NAME: a throwaway system account (removed on exit).
make_sysuser() {
	userdel "$1" >/dev/null 2>&1
	useradd -r -M -s /usr/sbin/nologin "$1" || return 1
	SYSUSERS="$SYSUSERS $1"
}

# add_user NAME SYSUSER [more `sftpgo user add` flags]: home $T/homes/NAME.
add_user() {
	_n=$1
	_s=$2
	shift 2
	mkdir -p "$T/homes/$_n"
	chown "$_s:$_s" "$T/homes/$_n"
	"$SFTPGO" user add --config-dir "$CFG" --username "$_n" --home-dir "$T/homes/$_n" \
		--uid "$(id -u "$_s")" --gid "$(id -g "$_s")" "$@" >/dev/null
}

# start_server: in-tree helper programs unless INSTALLED=1 (then the compiled-in
# pkglibexecdir of $SFTPGO is used, as an installed server does).
start_server() {
	if [ -n "${INSTALLED:-}" ]; then
		set -- --config-dir "$CFG"
	else
		set -- --config-dir "$CFG" --libexec-dir "$top_builddir"
	fi
	"$SFTPGO" serve "$@" --log-file-path "$LOG" --log-verbose >"$T/serve.out" 2>&1 &
	SERVER_PID=$!
	_i=0
	while [ $_i -lt 100 ]; do
		if grep -q '"SFTP server listening' "$LOG" 2>/dev/null &&
			[ "$(pgrep -P "$SERVER_PID" -x sftpgo-session | wc -l)" -ge 1 ]; then
			return 0
		fi
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.2
		_i=$((_i + 1))
	done
	echo "# server did not start:"
	sed 's/^/#   /' "$T/serve.out"
	return 1
}

# descendants PID: every process below PID.
descendants() {
	for _c in $(pgrep -P "$1"); do
		echo "$_c"
		descendants "$_c"
	done
}

# alive PID: running and not a zombie.
alive() {
	_st=$(ps -o stat= -p "$1" 2>/dev/null)
	[ -n "$_st" ] && [ "${_st#Z}" = "$_st" ]
}

stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null
	_i=0
	while alive "$SERVER_PID" && [ $_i -lt 150 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	wait "$SERVER_PID" 2>/dev/null
	SERVER_STATUS=$?
	SERVER_PID=
}

serve_cleanup() {
	for _p in $BG_PIDS; do kill -9 "$_p" 2>/dev/null; done
	if [ -n "$SERVER_PID" ]; then
		_kids=$(descendants "$SERVER_PID")
		stop_server
		for _p in $_kids; do kill -9 "$_p" 2>/dev/null; done
	fi
	for _u in $SYSUSERS; do userdel "$_u" >/dev/null 2>&1; done
}
trap serve_cleanup EXIT

# sftp_pw USER PASSWORD: batch commands on stdin, password auth through sshpass.
sftp_pw() {
	sshpass -p "$2" sftp $SSH_OPTS -P "$PORT" -o BatchMode=no \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no -b - "$1@127.0.0.1"
}

# sftp_key USER KEYFILE: batch commands on stdin, public key auth.
sftp_key() {
	sftp $SSH_OPTS -P "$PORT" -o BatchMode=yes -o IdentitiesOnly=yes \
		-o PreferredAuthentications=publickey -i "$2" -b - "$1@127.0.0.1"
}

# ssh_pw USER PASSWORD [ssh args...]
ssh_pw() {
	_u=$1
	_p=$2
	shift 2
	sshpass -p "$_p" ssh $SSH_OPTS -p "$PORT" -o PreferredAuthentications=password \
		-o PubkeyAuthentication=no "$_u@127.0.0.1" "$@"
}

# wait_log PATTERN [N [TENTHS]]: until the log has N lines (default 1) matching
# PATTERN, for at most TENTHS tenths of a second (default 100).
wait_log() {
	_i=0
	while :; do
		_c=$(grep -c -- "$1" "$LOG" 2>/dev/null)
		[ "${_c:-0}" -ge "${2:-1}" ] && return 0
		[ $_i -ge "${3:-100}" ] && return 1
		sleep 0.1
		_i=$((_i + 1))
	done
}

# fail2ban_matches LINE_PATTERN: the shipped filter's failregex matches the
# connection_failed lines selected by LINE_PATTERN and extracts 127.0.0.1.
fail2ban_matches() {
	grep -- "$1" "$LOG" >"$T/f2b.lines" || return 1
	$PY - "$top_srcdir/contrib/fail2ban/sftpgo.conf" "$T/f2b.lines" <<'EOP'
import re, sys
conf = open(sys.argv[1]).read()
m = re.search(r'^failregex\s*=\s*(.+)$', conf, re.M)
rx = m.group(1).strip().replace('<HOST>', r'(?:::f{4,6}:)?(?P<host>[\w\-.^_]*\w)')
lines = [l.rstrip('\n') for l in open(sys.argv[2])]
ok = lines and all((mm := re.search(rx, l)) and mm.group('host') == '127.0.0.1' for l in lines)
sys.exit(0 if ok else 1)
EOP
}

# tcp_banner: the first line the server sends (its version string).
tcp_banner() {
	$PY -c "
import socket; s = socket.create_connection(('127.0.0.1', $PORT))
print(s.recv(200).decode(errors='replace').strip()); s.close()"
}

# used USER: "files size" as stored in the (SQLite) provider.
used() {
	sqlite3 "$CFG/sftpgo.db" \
		"SELECT used_quota_files || ' ' || used_quota_size FROM users WHERE username = '$1'"
}
# wait_used USER "FILES SIZE": until the provider holds it (written in batches).
wait_used() {
	_i=0
	while [ "$(used "$1")" != "$2" ]; do
		[ $_i -ge 50 ] && { echo "used $1: $(used "$1"), want $2"; return 1; }
		sleep 0.1
		_i=$((_i + 1))
	done
}
