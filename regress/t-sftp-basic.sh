#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Smoke test of sftpgo-worker under OpenSSH's own client, no SSH: `sftp -D`.
. "$top_srcdir/regress/lib.sh"

command -v sftp >/dev/null 2>&1 || skip_all "no sftp client"
[ -x "$WORKER" ] || skip_all "no $WORKER"

mkdir -p "$T/root" "$T/local"
head -c 300000 /dev/urandom >"$T/local/data"
echo outside >"$T/secret"
ln -s /etc "$T/root/etc-link"

cat >"$T/batch" <<EOB
put $T/local/data up
get up $T/local/back
mkdir dir
rename up dir/up2
ls -l dir
get ../secret $T/local/secret
EOB
# The last command must fail: the client sees only the root.
check_not "batch ends with a refused escape" \
	sh -c "sftp -b '$T/batch' -D '$WORKER --root $T/root' 2>'$T/events'"
check "uploaded file arrived" cmp "$T/local/data" "$T/root/dir/up2"
check "downloaded file is identical" cmp "$T/local/data" "$T/local/back"
check_not "nothing outside the root was read" test -e "$T/local/secret"
check "transfer events on stderr" grep -q '"event":"transfer","sender":"Upload","path":"/up","size_bytes":300000' "$T/events"
check "command events on stderr" grep -q '"sender":"Rename","path":"/up","target_path":"/dir/up2"' "$T/events"

# Plain sftp-server mode: root "/", start dir = cwd.
check "pwd is the start dir in plain mode" sh -c "cd '$T/root' && echo pwd | sftp -b - -D '$WORKER' | grep -q 'Remote working directory: $T/root'"
check "-Q requests lists sftp-server's names" sh -c "'$WORKER' -Q requests | grep -qx posix-rename"
check_not "-Q with an unknown feature fails" "$WORKER" -Q nothing

done_testing
