#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# `sftpgo user import` (issue 15 item 4): accounts from crafted passwd + shadow,
# ProFTPD and Pure-FTPd files into SQLite through the `user add` path, hashes
# kept byte for byte ($6$ $5$ $y$ $2b$ $1$ $2a$), --dry-run writing nothing,
# every hostile line refused with its reason while the good ones are imported,
# provider actions fired per added user, then real SFTP logins through
# `sftpgo serve` with the imported password of each hash kind.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

command -v mkpasswd >/dev/null || skip_all "mkpasswd (whois package) not installed"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"

make_sysuser sgimport || fail "useradd"
UID1=$(id -u sgimport)
GID1=$(id -g sgimport)
serve_config 0
mkdir -p "$T/act" "$T/in" "$T/homes"
chmod 1777 "$T/act"
cat >"$T/action.sh" <<EOS
#!/bin/sh
echo "\$1 \$2" >>"$T/act/log"
EOS
chmod 755 "$T/action.sh"
cat >"$CFG/sftpgo.json" <<EOC
{"sftpd": {"bind_port": $PORT, "bind_address": "127.0.0.1", "session_pool_size": 2},
 "data_provider": {"actions": {"execute_on": ["add"], "command": "$T/action.sh"}}}
EOC
imp() { "$SFTPGO" user import --config-dir "$CFG" --libexec-dir "$top_builddir" "$@"; }
db() { sqlite3 "$CFG/sftpgo.db" "$@"; }
check "initprovider" "$SFTPGO" initprovider --config-dir "$CFG"

# expect STATUS "description" "message substring" command...
expect() {
	_st=$1 _d=$2 _m=$3
	shift 3
	"$@" >"$T/.out" 2>"$T/.err"
	_rc=$?
	if [ "$_rc" -ne "$_st" ]; then
		fail "$_d" "exit $_rc, want $_st: $(cat "$T/.out" "$T/.err" | tr '\n' ' ')"
	elif ! grep -qF -- "$_m" "$T/.out" "$T/.err"; then
		fail "$_d" "output lacks '$_m': $(cat "$T/.out" "$T/.err" | tr '\n' ' ')"
	else
		ok "$_d"
	fi
}
# refused_line FILE-LABEL N REASON: the last run refused that line for that reason.
refused_line() {
	if grep -qF -- "$1 line $2: refused: " "$T/.err" &&
		grep -F -- "$1 line $2: refused: " "$T/.err" | grep -qF -- "$3"; then
		ok "$1 line $2 refused: $3"
	else
		fail "$1 line $2 refused: $3" "$(tr '\n' ' ' <"$T/.err")"
	fi
}

H6=$(printf pw-six | mkpasswd -s -m sha512crypt)
H5=$(printf pw-five | mkpasswd -s -m sha256crypt)
HY=$(printf pw-yes | mkpasswd -s -m yescrypt)
HB=$(printf pw-blow | mkpasswd -s -m bcrypt)
H1=$(printf pw-md5 | mkpasswd -s -m md5crypt)
HA=$(printf pw-pure | mkpasswd -s -m bcrypt-a)
for n in u6 u5 uy ub old pro1 pro6 pure; do
	mkdir -p "$T/homes/$n"
	chown "$UID1:$GID1" "$T/homes/$n"
done
LONG=$(printf '%0300d' 0 | tr 0 n)
TODAY=$(($(date +%s) / 86400))

# --- passwd + shadow ----------------------------------------------------------
{
	echo "root:x:0:0:root:/root:/bin/bash"
	echo "u6:x:$UID1:$GID1:six:$T/homes/u6:/bin/sh"
	echo "u5:x:$UID1:$GID1::$T/homes/u5/:/bin/sh"
	echo "uy:x:$UID1:$GID1::$T/homes/uy:/bin/sh"
	echo "ub:$HB:$UID1:$GID1::$T/homes/ub:/bin/sh"
	echo "rel:x:$UID1:$GID1::homes/rel:/bin/sh"
	echo "dup:x:$UID1:$GID1::/srv/dup:/bin/sh"
	echo "dup:x:$UID1:$GID1::/srv/dup2:/bin/sh"
	echo "locked:x:$UID1:$GID1::/srv/locked:/bin/sh"
	echo "des:abJnggxhB/yWI:$UID1:$GID1::/srv/des:/bin/sh"
	echo "baduid:x:12ab:$GID1::/srv/b:/bin/sh"
	echo "$LONG:x:$UID1:$GID1::/srv/long:/bin/sh"
	printf 'caf\351:x:%s:%s::/srv/cafe:/bin/sh\n' "$UID1" "$GID1"
	echo "noshadow:x:$UID1:$GID1::/srv/ns:/bin/sh"
	echo "old:x:$UID1:$GID1::$T/homes/old:/bin/sh"
	echo "scrypt:\$7\$CU..../....abc\$def:$UID1:$GID1::/srv/s:/bin/sh"
	echo "short:x:$UID1:$GID1::/srv/s"
	echo "bad name:x:$UID1:$GID1::/srv/bn:/bin/sh"
	echo "dots:x:$UID1:$GID1::/srv/../etc:/bin/sh"
	echo "low:x:50:50::/srv/low:/bin/sh"
} >"$T/in/passwd"
{
	echo "root:\$6\$abc\$def:19000:0:99999:7:::"
	echo "u6:$H6:19000:0:99999:7:::"
	echo "u5:$H5:19000:0:99999:7:::"
	echo "uy:$HY:19000:0:99999:7:::"
	echo "locked:!$H6:19000:0:99999:7:::"
	# password expired 40 days ago with 30 days of grace: inactive; expires later
	echo "old:$H6:$((TODAY - 100)):0:60:7:30:$((TODAY + 1000)):"
	echo "broken:$H6:day:0:99999:7:::"
	echo "bad name:$H6:19000:0:99999:7:::"
	echo "dots:$H6:19000:0:99999:7:::"
} >"$T/in/shadow"

expect 2 "dry run: refusals make the status 2" "5 would be added, 2 skipped, 14 refused" \
	imp --passwd-file "$T/in/passwd" --shadow-file "$T/in/shadow" --min-uid 100 --dry-run
check "dry run: says what it would add, without the hash" grep -qF "would add \"u6\": uid $UID1, gid $GID1, home $T/homes/u6, hash \$6\$" "$T/.out"
check_not "dry run: never prints a hash" grep -qF "$H6" "$T/.out" "$T/.err"
check "dry run: nothing written" test "$(db 'SELECT count(*) FROM users')" = 0
check_not "dry run: no provider action" test -e "$T/act/log"

expect 2 "import passwd + shadow" "5 added, 2 skipped, 14 refused" \
	imp --passwd-file "$T/in/passwd" --shadow-file "$T/in/shadow" --min-uid 100
cp "$T/.out" "$T/unix.out"
cp "$T/.err" "$T/unix.err"
check "root skipped below --min-uid" grep -qF 'line 1: skipped "root": uid 0 below --min-uid 100' "$T/unix.out"
check "uid 50 skipped below --min-uid" grep -qF 'skipped "low": uid 50 below --min-uid 100' "$T/unix.out"
refused_line passwd 6 'home "homes/rel" is not an absolute path'
refused_line passwd 7 'dup: the name is on 2 lines'
refused_line passwd 8 'dup: the name is on 2 lines'
refused_line passwd 9 'locked: password locked or disabled'
refused_line passwd 10 'traditional DES crypt'
refused_line passwd 11 'uid "12ab" is not a decimal'
refused_line passwd 12 'user name longer than 255 bytes'
refused_line passwd 13 'not valid UTF-8 at byte 4'
refused_line passwd 14 'noshadow: no entry in the shadow file'
refused_line passwd 16 'scrypt: unsupported hash scheme'
refused_line passwd 17 '6 fields, a passwd line has 7'
refused_line passwd 18 'username: "bad name" may only contain'
refused_line passwd 19 'home_dir: '
check "shadow line refused with its reason" grep -qF 'shadow line 7: refused: broken: field 3 "day" is not a day count' "$T/unix.err"
for n in u6 u5 uy ub old; do
	check "$n stored" test "$(db "SELECT count(*) FROM users WHERE username='$n'")" = 1
done
check "\$6\$ hash stored byte for byte" test "$(db "SELECT password FROM users WHERE username='u6'")" = "$H6"
check "\$5\$ hash stored byte for byte" test "$(db "SELECT password FROM users WHERE username='u5'")" = "$H5"
check "\$y\$ hash stored byte for byte" test "$(db "SELECT password FROM users WHERE username='uy'")" = "$HY"
check "\$2b\$ hash (passwd field) stored byte for byte" test "$(db "SELECT password FROM users WHERE username='ub'")" = "$HB"
check "trailing slash of a home dropped" test "$(db "SELECT home_dir FROM users WHERE username='u5'")" = "$T/homes/u5"
check "SFTPGo's default permissions" test "$(db "SELECT permissions FROM users WHERE username='u6'")" = '{"/":["*"]}'
check "shadow: expired password past its grace days -> inactive" test "$(db "SELECT status FROM users WHERE username='old'")" = 0
check "shadow: expire day -> expiration_date in ms" test "$(db "SELECT expiration_date FROM users WHERE username='old'")" = "$(((TODAY + 1000) * 86400000))"
check "nothing of a refused line stored" test "$(db "SELECT count(*) FROM users WHERE username IN ('rel','dup','locked','des','noshadow','scrypt','dots')")" = 0
check "a provider action per added user" test "$(grep -c '^add ' "$T/act/log")" = 5
check "the action names the user" grep -qx 'add uy' "$T/act/log"

expect 2 "a second import refuses existing users" 'refused: username: user "u6" already exists' \
	imp --passwd-file "$T/in/passwd" --shadow-file "$T/in/shadow" --min-uid 100 --usernames u6,u5
check "--usernames skips the others" grep -qF 'skipped "uy": not in --usernames' "$T/.out"
check "still 5 users" test "$(db 'SELECT count(*) FROM users')" = 5

# --- ProFTPD ------------------------------------------------------------------
H6P=$(printf pw-pro6 | mkpasswd -s -m sha512crypt)
{
	echo "pro1:$H1:9999:9999:ftp:$T/homes/pro1:/bin/false"
	echo "pro6:$H6P:9999:9999::$T/homes/pro6:/bin/false"
	echo "proplain:secret:9999:9999::/srv/pp:/bin/false"
	echo "proempty::9999:9999::/srv/pe:/bin/false"
	printf 'pronul:%s:9999:9999::/srv/pn:/bin/false\r\n' "$H1"
} >"$T/in/proftpd.passwd"
expect 2 "ProFTPD import with --force-uid/--force-gid" "2 added, 0 skipped, 3 refused" \
	imp --format proftpd --input-file "$T/in/proftpd.passwd" --force-uid "$UID1" --force-gid "$GID1"
refused_line "$T/in/proftpd.passwd" 3 'plain text are refused'
refused_line "$T/in/proftpd.passwd" 4 'proempty: no password'
refused_line "$T/in/proftpd.passwd" 5 'control character 0x0d'
check "--force-uid applied" test "$(db "SELECT uid || ':' || gid FROM users WHERE username='pro1'")" = "$UID1:$GID1"
check "\$1\$ hash stored byte for byte" test "$(db "SELECT password FROM users WHERE username='pro1'")" = "$H1"

# --- Pure-FTPd ----------------------------------------------------------------
{
	echo "pure:$HA:$UID1:$GID1:Pure:$T/homes/pure/./:102400:204800:::3:50:1048576:::127.0.0.1,10.0.0.0/8:198.51.100.7:"
	echo "ratio:$HA:$UID1:$GID1::/srv/r/./:::2:1::::::::"
	echo "timed:$HA:$UID1:$GID1::/srv/t/./::::::::::::0900-1800"
	echo "badip:$HA:$UID1:$GID1::/srv/b/./::::::::::not-an-ip::"
	echo "fewfields:$HA:$UID1:$GID1::/srv/f"
} >"$T/in/pureftpd.passwd"
expect 2 "Pure-FTPd import" "1 added, 0 skipped, 4 refused" \
	imp --format pure-ftpd --input-file "$T/in/pureftpd.passwd"
refused_line "$T/in/pureftpd.passwd" 2 'upload ratio "2" has no equivalent'
refused_line "$T/in/pureftpd.passwd" 3 'time restrictions "0900-1800" has no equivalent'
refused_line "$T/in/pureftpd.passwd" 4 'allowed_ip'
refused_line "$T/in/pureftpd.passwd" 5 '6 fields, Pure-FTPd has 17 or 18'
row=$(db "SELECT home_dir, upload_bandwidth, download_bandwidth, max_sessions, quota_files, quota_size FROM users WHERE username='pure'")
check "Pure-FTPd: chroot home, KB/s bandwidths, sessions, quotas" test "$row" = "$T/homes/pure|100|200|3|50|1048576"
check "Pure-FTPd: IP filters as CIDR" test "$(db "SELECT json_extract(filters, '\$.allowed_ip') || json_extract(filters, '\$.denied_ip') FROM users WHERE username='pure'")" = '["127.0.0.1/32","10.0.0.0/8"]["198.51.100.7/32"]'

# --- bad flags and files --------------------------------------------------------
expect 2 "--input-file is not for unix-passwd" "--input-file is for pure-ftpd and proftpd" imp --input-file "$T/in/passwd"
expect 2 "proftpd needs --input-file" "--input-file is required for proftpd" imp --format proftpd
expect 2 "unknown --format" '"ldap" is not unix-passwd' imp --format ldap
expect 2 "--shadow-file is for unix-passwd" "--passwd-file and --shadow-file are for unix-passwd" imp --format pure-ftpd --shadow-file /x --input-file /y
expect 2 "bad --min-uid" '--min-uid: "-3" is not an integer' imp --min-uid -3
expect 2 "--min-uid above --max-uid" "--min-uid is above --max-uid" imp --min-uid 10 --max-uid 5
expect 2 "missing file" "No such file or directory" imp --format proftpd --input-file "$T/in/none"
expect 2 "a device is not a user file" "not a regular file" imp --format proftpd --input-file /dev/zero
expect 2 "a directory is not a user file" "not a regular file" imp --passwd-file "$T/in" --shadow-file "$T/in/shadow"
check "still 8 users" test "$(db 'SELECT count(*) FROM users')" = 8
check "a provider action per imported user, of every format" test "$(grep -c '^add ' "$T/act/log")" = 8

# --- logins through sftpgo serve ------------------------------------------------
check "server starts" start_server
login() { # USER PASSWORD
	echo "put $T/in/passwd up.txt" | sftp_pw "$1" "$2" >/dev/null 2>&1 &&
		test -f "$T/homes/$1/up.txt" && test "$(stat -c %u "$T/homes/$1/up.txt")" = "$UID1"
}
check "SFTP login with the imported \$6\$ password" login u6 pw-six
check "SFTP login with the imported \$5\$ password" login u5 pw-five
check "SFTP login with the imported \$y\$ (yescrypt) password" login uy pw-yes
check "SFTP login with the imported \$2b\$ password" login ub pw-blow
check "SFTP login with the imported ProFTPD \$1\$ password" login pro1 pw-md5
check "SFTP login with the imported ProFTPD \$6\$ password" login pro6 pw-pro6
check "SFTP login with the imported Pure-FTPd \$2a\$ password" login pure pw-pure
check_not "a wrong password is refused" login u6 pw-five
check_not "the shadow-inactive account cannot log in" login old pw-six
stop_server
done_testing
