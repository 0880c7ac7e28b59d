#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# `sftpgo quota scan` (issue 10 item 1, gaps): as SFTPGo 0.9.6's scan, the home and
# then every virtual folder's mapped_path are counted (the monitor's code opens the
# folders and passes their fds to the scanning worker, as for a channel's worker);
# a missing or non-directory mapped_path is warned about and skipped, an unreadable
# directory inside a folder fails the scan. uid/gid 0 accounts are scanned as
# sftpd.uid0_service_account (default: the unprivileged user), as they are served.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-qs-$$
UNP=sftpgo-qu-$$
SVC=sftpgo-qv-$$
make_sysuser "$U1" && make_sysuser "$UNP" && make_sysuser "$SVC" ||
	skip_all "cannot create system users"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"

scan() { "$SFTPGO" quota scan --config-dir "$CFG" --libexec-dir "$top_builddir" "$@"; }
# scan_out NAME ARGS: stdout and stderr of a scan in $T/NAME.out, its status kept.
scan_out() {
	_o=$1
	shift
	scan "$@" >"$T/$_o.out" 2>&1
}

M=$T/mapped
mkdir -p "$M/v1/sub" "$M/v2"
head -c 1000 /dev/zero >"$M/v1/a"
head -c 2000 /dev/zero >"$M/v1/sub/b"
ln -s /etc/passwd "$M/v1/link"
head -c 3000 /dev/zero >"$M/v2/c"
echo plain >"$M/afile"
chown -R "$U1:$U1" "$M/v1" "$M/v2"
serve_config 77 "\"unprivileged_user\": \"$UNP\""
start_server || { fail "server starts"; exit 1; }
ok "server starts"
add_user fred "$U1" --password pw --quota-size 1000000 --virtual-folder "/vdir::$M/v1" \
	--virtual-folder "/deep/v2::$M/v2" --virtual-folder "/gone::$M/missing" \
	--virtual-folder "/afile::$M/afile"
H=$T/homes/fred

# --- uploads through sftp into the home and a folder, then a scan: the same sum ---
head -c 100 /dev/zero >"$T/f100"
head -c 200 /dev/zero >"$T/f200"
printf 'put %s h1\nput %s /vdir/up\n' "$T/f100" "$T/f200" | sftp_pw fred pw >/dev/null 2>&1
check "uploads into the home and a virtual folder" test -f "$H/h1" -a -f "$M/v1/up"
check "the ledger counted both (the folder's files existed before)" wait_used fred "2 300"
stop_server
rmdir "$H/deep" # made by the login (SFTPGo's folder parents); a scan makes nothing
check "scan of a user with virtual folders" scan_out s1 --username fred
# home: h1 (100); /vdir: a, sub/b, up (3200); /deep/v2: c (3000); symlink ignored
check "home and folders counted" wait_used fred "5 6300"
check "the totals printed are the sum" grep -qx 'user fred: 5 files, 6300 bytes' "$T/s1.out"
check "a missing mapped_path is warned about" grep -q \
	'"level":"warn".*virtual folder \\"/gone\\".*does not exist; not counted by the quota scan' \
	"$T/s1.out"
check "a mapped_path that is a file is warned about" grep -q \
	'virtual folder \\"/afile\\".*is not a directory; not counted by the quota scan' \
	"$T/s1.out"
check "the home was not given the folders' parents (a scan creates nothing)" \
	test ! -e "$H/deep"

# SFTPGo also counts a real directory in the home named like a folder.
mkdir "$H/vdir"
head -c 50 /dev/zero >"$H/vdir/shadow"
chown -R "$U1:$U1" "$H/vdir"
check "scan with a shadowed folder path" scan --username fred
check "the shadowed copy in the home is counted too" wait_used fred "6 6350"

# An unreadable directory inside a folder fails the scan (it runs as the user).
mkdir "$M/v2/secret"
chmod 700 "$M/v2/secret"
check_not "an unreadable directory in a folder fails the scan" scan_out s2 --username fred
check "the error names the folder and the directory" \
	grep -q 'virtual folder /deep/v2: ./secret: Permission denied' "$T/s2.out"
check "a failed scan stores nothing" test "$(used fred)" = "6 6350"
rmdir "$M/v2/secret"

# --- uid/gid 0 accounts: scanned as the service account, never refused ----------
"$SFTPGO" user add --config-dir "$CFG" --username zed --home-dir "$T/homes/zed" \
	--uid 0 --gid 0 --password pw >/dev/null
mkdir -p "$T/homes/zed/d"
head -c 700 /dev/zero >"$T/homes/zed/d/z"
head -c 70 /dev/zero >"$T/homes/zed/y"
chown -R "$UNP:$UNP" "$T/homes/zed"
chmod 700 "$T/homes/zed" "$T/homes/zed/d"
check "uid 0 account: scanned (default service account: the unprivileged user)" \
	scan_out s3 --username zed
check "uid 0 account: its usage" wait_used zed "2 770"
check "uid 0 account: totals printed" grep -qx 'user zed: 2 files, 770 bytes' "$T/s3.out"
check_not "no 'not scanned' refusal any more" grep -q "not scanned" "$T/s3.out"

# A configured service account: the home readable only by it proves who scanned.
serve_config 77 "\"unprivileged_user\": \"$UNP\", \"uid0_service_account\": \"$SVC\""
check_not "uid0_service_account set, home only readable by another user: fails" \
	scan_out s4 --username zed
check "so the scan did not run as the unprivileged user" \
	grep -q "Permission denied" "$T/s4.out"
chown -R "$SVC:$SVC" "$T/homes/zed"
head -c 30 /dev/zero >"$T/homes/zed/x"
check "uid0_service_account: the home of that account is scanned" scan --username zed
check "uid0_service_account: usage" wait_used zed "3 800"

# An unusable service account: the uid 0 account is not scanned, with the reason;
# --all still scans the others and exits 1.
serve_config 77 "\"unprivileged_user\": \"$UNP\", \"uid0_service_account\": \"root\""
check_not "uid0_service_account root: the uid 0 account is not scanned" \
	scan_out s5 --username zed
check "the refusal names the key" \
	grep -q 'zed: the user maps to uid or gid 0 and sftpd.uid0_service_account "root" is not usable.*not scanned' \
	"$T/s5.out"
check_not "--all reports the failure" scan_out s6 --all
check "--all still scans the other users" grep -qx 'user fred: 6 files, 6350 bytes' "$T/s6.out"

done_testing
