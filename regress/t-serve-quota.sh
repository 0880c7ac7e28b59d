#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# covers: data_provider.track_quota
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
check "an SCP overwrite is no new file either" scp_put alice f300 a1
check "alice used after overwrite" wait_used alice "1 300"

# --- the largest quota the CLI accepts still serves ---------------------------
add_user huge "$U1" --password pw --quota-size 9223372036854775807 \
	--quota-files 2147483647
check "a user with the largest quota uploads" put huge f100 h1
check "and is counted" wait_used huge "1 100"

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

# --- quota scan: recounted from disk by a worker running as the user ------------
scan() { "$SFTPGO" quota scan --config-dir "$CFG" --libexec-dir "$top_builddir" "$@"; }
mkdir -p "$(home dave)/sub"
head -c 1234 /dev/zero >"$(home dave)/sub/x"
ln -s /etc/passwd "$(home dave)/link"
chown -R "$U1:$U1" "$(home dave)/sub"
check "quota scan of one user" scan --username dave
check "scan counts regular files only (symlinks not followed)" wait_used dave "2 51234"
scan --username dave >"$T/scan.out" 2>&1
check "scan printed the totals" grep -qx 'user dave: 2 files, 51234 bytes' "$T/scan.out"
mkdir "$(home dave)/secret"
chmod 700 "$(home dave)/secret"
check_not "a directory only root can read fails the scan (it runs as the user)" \
	scan --username dave
cp "$T/.check.out" "$T/last.out"
check "the error names the directory" grep -q "secret: Permission denied" "$T/last.out"
check "a failed scan stores nothing" test "$(used dave)" = "2 51234"
rmdir "$(home dave)/secret"
check "quota scan --all" scan --all
check_not "quota scan of an unknown user" scan --username nobody-$$
cp "$T/.check.out" "$T/last.out"
check "unknown user named" grep -q "user not found" "$T/last.out"
"$SFTPGO" user add --config-dir "$CFG" --username erin --password pw \
	--home-dir "$T/homes/nothere" --uid "$(id -u "$U1")" --gid "$(id -g "$U1")" >/dev/null
check_not "quota scan of a home that does not exist" scan --username erin
cp "$T/.check.out" "$T/last.out"
check "the missing home is named" grep -q "nothere: No such file or directory" "$T/last.out"
check "nor was it created" test ! -e "$T/homes/nothere"
check_not "quota scan needs --username or --all" scan
check_not "not both" scan --all --username dave

# --- bad input at user add -----------------------------------------------------
check_not "negative quota_size refused" "$SFTPGO" user add --config-dir "$CFG" \
	--username neg1 --password pw --home-dir "$T/homes/neg1" --uid 1000 --gid 1000 \
	--quota-size -1
check_not "negative quota_files refused" "$SFTPGO" user add --config-dir "$CFG" \
	--username neg2 --password pw --home-dir "$T/homes/neg2" --uid 1000 --gid 1000 \
	--quota-files -1
check "no user stored for them" test "$(sqlite3 "$CFG/sftpgo.db" \
	"SELECT count(*) FROM users WHERE username LIKE 'neg%'")" -eq 0

# --- upload_mode 1 and 2: what an aborted upload leaves is what is counted ------
for mode in 1 2; do
	stop_server
	quota_config $mode 1
	start_server || { fail "server restarts with upload_mode $mode"; exit 1; }
	before=$(used dave)
	abort_scp dave ab$mode
	if [ $mode -eq 1 ]; then
		check "mode 1: an aborted upload leaves nothing" test ! -e "$(home dave)/ab1"
		check "mode 1: nothing counted" wait_used dave "$before"
	else
		check "mode 2: the partial upload is put in place" \
			test "$(size_of "$(home dave)/ab2")" -eq 50000
		check "mode 2: the partial file is counted" wait_used dave "3 53234"
	fi
	check "mode $mode: no temp file left" sh -c "! ls -a '$(home dave)' | grep -q sftpgo-upload"
	check "mode $mode: overwrite counts the difference" put dave f300 ab0
	check "mode $mode: after the overwrite" wait_used dave \
		"$([ $mode -eq 1 ] && echo "2 1534" || echo "3 51534")"
	put dave f2000 ab0 >/dev/null 2>&1
done

# --- track_quota 0: nothing counted, nothing enforced --------------------------
stop_server
quota_config 0 0
start_server || { fail "server restarts with track_quota 0"; exit 1; }
b_before=$(used bob)
check "track_quota 0: an upload over bob's quota succeeds" put bob f2000 over0
check "track_quota 0: the file is whole" test "$(size_of "$(home bob)/over0")" -eq 2000
sleep 1.5
check "track_quota 0: nothing counted" test "$(used bob)" = "$b_before"
check "track_quota 0: the log says the quota is not enforced" \
	grep -q 'quota of user bob is not enforced: data_provider.track_quota is 0' "$LOG"
check_not "track_quota 0: quota scan refused" scan --username bob
cp "$T/.check.out" "$T/last.out"
check "track_quota 0: the refusal names the key" grep -q "data_provider.track_quota is 0" "$T/last.out"

# --- track_quota 2: only users with a quota are counted, scans for everyone --
stop_server
quota_config 0 2
start_server || { fail "server restarts with track_quota 2"; exit 1; }
d_before=$(used dave)
check "track_quota 2: upload by a user without quota" put dave f600 t2
sleep 1.5
check "track_quota 2: a user without quota is not counted" test "$(used dave)" = "$d_before"
check "track_quota 2: a scan still recounts him" scan --username dave
check "track_quota 2: scan stored" sh -c "test \"\$(sqlite3 '$CFG/sftpgo.db' \
	\"SELECT used_quota_files FROM users WHERE username = 'dave'\")\" -eq 4"
rm -f "$(home alice)"/*
check "track_quota 2: alice rescanned" scan --username alice
check "track_quota 2: a user with a quota is counted" put alice f100 a3
check "track_quota 2: alice used" wait_used alice "1 100"

done_testing
