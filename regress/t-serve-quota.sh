#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo serve: quota (issue 10 item 1). The monitor's ledger counts uploads,
# overwrites, removes and renames through OpenSSH's sftp and scp, enforces
# quota_size while writing and quota_files at open, lets exactly one of two racing
# sessions take the last bytes, counts what each upload_mode leaves of an aborted
# upload, counts nothing with track_quota 0, and `sftpgo quota scan` recounts as
# the user.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-tq-$$
make_sysuser "$U1" || skip_all "cannot create system users"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"

# quota_config UPLOAD_MODE TRACK_QUOTA
quota_config() {
	PORT=$((PORT_BASE + 47))
	cat >"$CFG/sftpgo.json" <<EOC
{"sftpd": {"bind_port": $PORT, "bind_address": "127.0.0.1", "session_pool_size": 2,
  "enable_scp": true, "upload_mode": $1},
 "data_provider": {"track_quota": $2}}
EOC
}
# used USER: "files size" as stored in the provider.
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
mkfile() { head -c "$2" /dev/urandom >"$T/$1"; }
put() { printf 'put %s %s\n' "$T/$2" "$3" | sftp_pw "$1" pw; }
home() { echo "$T/homes/$1"; }
size_of() { stat -c %s "$1"; }

mkfile f100 100
mkfile f300 300
mkfile f600 600
mkfile f900 900
mkfile f2000 2000
quota_config 0 1
start_server || { fail "server starts"; exit 1; }
ok "server starts"
add_user bob "$U1" --password pw --quota-size 1000
add_user alice "$U1" --password pw --quota-files 1 --quota-size 1000
add_user carol "$U1" --password pw --quota-size 1000
add_user dave "$U1" --password pw

# --- quota_size: counted exactly, enforced while writing -------------------
check "upload within quota" put bob f600 f1
check "used after one upload" wait_used bob "1 600"
check_not "upload that would cross quota_size fails" put bob f600 f2
cp "$T/.check.out" "$T/last.out"
check "the client saw SFTPGo's failure" grep -q "Failure" "$T/last.out"
check "nothing of the refused upload written (mode 0 leaves an empty file)" \
	test "$(size_of "$(home bob)/f2")" -eq 0
check "used counts what is on disk" wait_used bob "2 600"
check "log names the user and the limit" \
	grep -q 'denying file write due to space limit: user bob, quota_size 1000' "$LOG"
cmd() { printf '%s\n' "$2" | sftp_pw "$1" pw; }
check "remove gives back" cmd bob 'rm f2'
check "used after remove" wait_used bob "1 600"
check "overwrite with a bigger file" put bob f900 f1
check "overwrite counts the difference (bigger)" wait_used bob "1 900"
check "overwrite with a smaller file" put bob f100 f1
check "overwrite counts the difference (smaller)" wait_used bob "1 100"
check "rename" cmd bob 'rename f1 g1'
check "rename changes nothing" wait_used bob "1 100"
check "file renamed" test -f "$(home bob)/g1"
check_not "one upload bigger than the whole quota fails" put bob f2000 big
check "used unchanged but for the empty file" wait_used bob "2 100"

# --- SCP counts and is refused with SFTPGo's text ----------------------------
scp_put() {
	sshpass -p pw scp -O $SSH_OPTS -P "$PORT" -o PreferredAuthentications=password \
		-o PubkeyAuthentication=no "$T/$2" "$1@127.0.0.1:$3"
}
check "scp upload within quota" scp_put bob f300 s1
check "scp upload counted" wait_used bob "3 400"
check_not "scp upload over quota fails" scp_put bob f900 s2
cp "$T/.check.out" "$T/last.out"
check "scp client saw SFTPGo's message" \
	grep -q "denying file write due to space limit" "$T/last.out"

# --- quota_files: refused at open, nothing created ---------------------------
check "first file" put alice f100 a1
check "alice used" wait_used alice "1 100"
check_not "second file over quota_files fails" put alice f100 a2
check "refused file not created" test ! -e "$(home alice)/a2"
check "log names quota_files" \
	grep -q 'denying file write due to space limit: user alice, quota_files 1 reached' "$LOG"
check "overwrite of the one file is still allowed" put alice f300 a1
check "alice used after overwrite" wait_used alice "1 300"

# --- two sessions race for the last bytes: exactly one wins -----------------
put carol f600 r1 >/dev/null 2>&1 &
p1=$!
put carol f600 r2 >/dev/null 2>&1 &
p2=$!
wait $p1
wait $p2
full=0
for f in r1 r2; do
	[ -f "$(home carol)/$f" ] && [ "$(size_of "$(home carol)/$f")" -eq 600 ] &&
		full=$((full + 1))
done
check "exactly one of two racing uploads got the last bytes" test "$full" -eq 1
carol_files=$(ls "$(home carol)" | wc -l)
check "carol used is what is on disk" wait_used carol "$carol_files 600"

# --- an aborted SCP upload (100000 bytes announced, 50000 sent) ----------------
abort_scp() {
	(printf 'C0644 100000 %s\n' "$2"; head -c 50000 /dev/zero) |
		ssh_pw "$1" pw scp -t . >/dev/null 2>&1
	return 0
}
abort_scp dave ab0
check "mode 0: an aborted upload leaves its partial file" \
	test "$(size_of "$(home dave)/ab0")" -eq 50000
check "mode 0: the partial file is counted" wait_used dave "1 50000"
