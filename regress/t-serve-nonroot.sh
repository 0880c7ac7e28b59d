#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo serve started by a plain user: no chroot and no uid change anywhere (same
# processes), the home still confines the client (the worker resolves paths under
# it), files belong to that user.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
command -v setpriv >/dev/null || skip_all "setpriv not installed"

U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
uid=$(id -u "$U1")
as_user() { setpriv --reuid="$uid" --regid="$(id -g "$U1")" --clear-groups "$@"; }
serve_config 6
LOG=$CFG/sftpgo.log
chown -R "$U1" "$CFG"
mkdir -p "$T/homes/fay" "$T/homes/other"
echo secret >"$T/homes/other/s.txt"
chown -R "$U1" "$T/homes"
setpriv --reuid="$uid" --regid="$(id -g "$U1")" --clear-groups "$SFTPGO" serve \
	--config-dir "$CFG" --libexec-dir "$top_builddir" --log-file-path "$LOG" --log-verbose \
	>"$T/serve.out" 2>&1 &
SERVER_PID=$!
check "server started by a plain user" wait_log '"SFTP server listening'
sleep 0.5
check "user added while the server runs" as_user "$SFTPGO" user add --config-dir "$CFG" \
	--username fay --password faypw --home-dir "$T/homes/fay" --uid 4242 --gid 4242
for p in $(descendants "$SERVER_PID"); do
	check "child $p runs as the plain user, not chrooted" sh -c \
		"awk '/^Uid:/ {exit !(\$2 == $uid)}' /proc/$p/status && [ \"\$(readlink /proc/$p/root)\" = / ]"
done
printf 'put /etc/hostname up.txt\nls -1\n' | sftp_pw fay faypw >"$T/out" 2>&1
check "upload works" test -f "$T/homes/fay/up.txt"
check "files belong to the server's user" test "$(stat -c %u "$T/homes/fay/up.txt")" = "$uid"
get_other() { printf 'get ../other/s.txt %s\n' "$T/stolen" | sftp_pw fay faypw; }
check_not "the home still confines the client" get_other
check "nothing stolen" test ! -e "$T/stolen"
kids=$(descendants "$SERVER_PID")
stop_server
check "clean exit on SIGTERM" test "$SERVER_STATUS" -eq 0
left=
for p in $kids; do alive "$p" && left="$left $p"; done
check "no process left" test -z "$left"
done_testing
