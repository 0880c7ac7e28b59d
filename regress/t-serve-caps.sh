#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The hardened systemd unit's privileges are enough, and each one is needed
# (issue 15 item 5): `sftpgo serve` started under setpriv with exactly the
# unit's CapabilityBoundingSet and its NoNewPrivileges serves an SFTP login into
# a 0700 home, creates a missing home at login, runs a git push through the jail,
# and stops cleanly; then without CAP_SYS_CHROOT a login fails, without
# CAP_SYS_ADMIN git fails while SFTP still works, without CAP_CHOWN a missing home
# cannot be made, and without CAP_DAC_READ_SEARCH a 0700 home is out of reach.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

UNIT=$top_srcdir/contrib/sftpgo.service.in
command -v setpriv >/dev/null || { [ -n "${CI:-}" ] && fail "setpriv installed"; skip_all "setpriv (util-linux) not installed"; }
command -v git >/dev/null || { [ -n "${CI:-}" ] && fail "git installed"; skip_all "git not installed"; }

CAPS=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
NNP=$(sed -n 's/^NoNewPrivileges=//p' "$UNIT")
check "the unit names a capability bounding set" test -n "$CAPS"
check "the unit sets NoNewPrivileges" test "$NNP" = yes
for c in $CAPS; do
	check "$c is a capability this kernel knows" capsh --supports="$(echo "$c" | tr 'A-Z' 'a-z')"
done
# setpriv syntax: -all,+setuid,+setgid,...
bounding() { # CAPS...
	_b=-all
	for _c in "$@"; do _b="$_b,+$(echo "${_c#CAP_}" | tr 'A-Z' 'a-z')"; done
	echo "$_b"
}
REAL=$SFTPGO
# start_under "CAPS": the server through a wrapper that execs setpriv (same pid).
start_under() {
	cat >"$T/sftpgo-wrapped" <<EOW
#!/bin/sh
exec setpriv --bounding-set $(bounding $1) --inh-caps -all --no-new-privs "$REAL" "\$@"
EOW
	chmod 755 "$T/sftpgo-wrapped"
	SFTPGO=$T/sftpgo-wrapped
	start_server
	_r=$?
	SFTPGO=$REAL
	return $_r
}
without() { # CAP: the unit's set without it
	for _c in $CAPS; do [ "$_c" = "$1" ] || printf '%s ' "$_c"; done
}

U1=sftpgo-cap1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
serve_config 90 '"enabled_ssh_commands": ["git-receive-pack", "git-upload-pack"]'
"$SFTPGO" initprovider --config-dir "$CFG" >/dev/null || fail "initprovider"
ssh-keygen -q -t ed25519 -N '' -f "$T/key"
add_user cap "$U1" --password cappw --public-key-file "$T/key.pub"
chmod 700 "$T/homes/cap"
"$SFTPGO" user add --config-dir "$CFG" --username fresh --password freshpw \
	--home-dir "$T/homes/fresh/inner" --uid "$(id -u "$U1")" --gid "$(id -g "$U1")" >/dev/null
git init -q --bare "$T/homes/cap/repo.git" && chown -R "$U1:$U1" "$T/homes/cap"
export GIT_SSH_COMMAND="ssh $SSH_OPTS -p $PORT -o BatchMode=yes -o IdentitiesOnly=yes -i $T/key"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t \
	GIT_COMMITTER_EMAIL=t@example.org
git init -q "$T/w" && (cd "$T/w" && echo one >f.txt && git add f.txt && git commit -qm one)
URL="ssh://cap@127.0.0.1:$PORT/repo.git"
sftp_up() { echo "put $T/key.pub k.pub" | sftp_pw "$1" "$2" >/dev/null 2>&1; }
git_push() { (cd "$T/w" && git push -q "$URL" HEAD:refs/heads/main) >"$T/push.out" 2>&1; }
bound_of() { awk '/^CapBnd:/ {print $2}' "/proc/$1/status"; }

# --- the unit's set -----------------------------------------------------------------
check "server starts with only the unit's capabilities and no_new_privs" start_under "$CAPS"
check "the monitor runs with no_new_privs" test "$(awk '/^NoNewPrivs:/ {print $2}' "/proc/$SERVER_PID/status")" = 1
want=$(setpriv --bounding-set "$(bounding $CAPS)" sh -c 'awk "/^CapBnd:/ {print \$2}" /proc/self/status')
check "the monitor's bounding set is the unit's" test "$(bound_of "$SERVER_PID")" = "$want"
check "SFTP login and upload into a 0700 home" sftp_up cap cappw
check "... the file belongs to the user" test "$(stat -c %U "$T/homes/cap/k.pub")" = "$U1"
check "a missing home is created at login and given to the user" sftp_up fresh freshpw
check "... owned by the user" test "$(stat -c %U "$T/homes/fresh/inner")" = "$U1"
check "git push through the jail" git_push
check "... the commit is in the repository" sh -c "git --git-dir='$T/homes/cap/repo.git' log --oneline main | grep -q one"
stop_server
check "the server stops cleanly (status 0)" test "${SERVER_STATUS:-1}" -eq 0

# --- each capability is needed ------------------------------------------------------
rm -rf "$T/homes/fresh"
check "without CAP_SYS_CHROOT: the server starts" start_under "$(without CAP_SYS_CHROOT)"
check_not "... but no login works" sftp_up cap cappw
stop_server
check "without CAP_SYS_ADMIN: the server starts" start_under "$(without CAP_SYS_ADMIN)"
check "... SFTP still works" sftp_up cap cappw
(cd "$T/w" && echo two >>f.txt && git commit -qam two)
check_not "... git (the jail) does not" git_push
stop_server
check "without CAP_CHOWN: the server starts" start_under "$(without CAP_CHOWN)"
check_not "... a missing home cannot be given to its user" sftp_up fresh freshpw
check "... an existing home still works" sftp_up cap cappw
stop_server
check "without CAP_DAC_READ_SEARCH: the server starts" start_under "$(without CAP_DAC_READ_SEARCH)"
check_not "... a 0700 home of another uid is out of reach" sftp_up cap cappw
stop_server

# --- the sysvinit script, for real (start-stop-daemon + setpriv) --------------------
if command -v start-stop-daemon >/dev/null; then
	sed -e "s|@bindir@|$top_builddir|g" -e "s|@sysconfdir@|$T/etc|g" \
		"$top_srcdir/contrib/sftpgo.init.in" >"$T/sftpgo.init"
	cat >"$T/defaults" <<EOD
SFTPGO_CONFIG_DIR=$CFG
SFTPGO_OPTS="--libexec-dir $top_builddir --log-file-path $T/init.log --log-verbose"
PIDFILE=$T/sftpgo.pid
EOD
	init() { SFTPGO_DEFAULTS=$T/defaults sh "$T/sftpgo.init" "$@"; }
	check "init script: start" init start
	wait_init() {
		_i=0
		while [ $_i -lt 100 ]; do
			grep -q '"SFTP server listening' "$T/init.log" 2>/dev/null && return 0
			sleep 0.1
			_i=$((_i + 1))
		done
		return 1
	}
	check "init script: the server listens" wait_init
	IPID=$(cat "$T/sftpgo.pid" 2>/dev/null)
	check "init script: the pid file holds the server (setpriv exec'd it)" \
		test "$(readlink "/proc/$IPID/exe")" = "$(readlink -f "$top_builddir/sftpgo")"
	check "init script: the server runs with the unit's bounding set" test "$(bound_of "$IPID")" = "$want"
	check "init script: status says running" init status
	check "init script: a login works" sftp_up cap cappw
	check "init script: reload (SIGHUP)" init reload
	wait_reload() {
		_i=0
		while [ $_i -lt 100 ]; do
			grep -q 'SIGHUP: configuration reloaded' "$T/init.log" && return 0
			sleep 0.1
			_i=$((_i + 1))
		done
		return 1
	}
	check "init script: ... the server reloaded" wait_reload
	check "init script: stop" init stop
	check_not "init script: ... the server is gone" alive "$IPID"
	check_not "init script: status says stopped" init status
	printf '{"sftpd": {"bind_port": "x"}}' >"$CFG/sftpgo.json.bad"
	cp "$CFG/sftpgo.json" "$CFG/sftpgo.json.good"
	cp "$CFG/sftpgo.json.bad" "$CFG/sftpgo.json"
	check_not "init script: a bad configuration is not started" init start
	cp "$CFG/sftpgo.json.good" "$CFG/sftpgo.json"
elif [ -n "${CI:-}" ]; then
	fail "start-stop-daemon installed"
fi
check "the OpenRC script is sh syntax" sh -n "$top_srcdir/contrib/sftpgo.openrc.in"
done_testing
