#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# covers: data_provider.driver data_provider.name data_provider.users_table data_provider.users_base_dir
# The admin CLI (sftpgo initprovider / sftpgo user ...) on a real SQLite database:
# schema, add/show/update/list/delete, password hashing, keys from files, every bad
# input (non-zero exit and a message), --create-home ownership, and use while
# another process holds the database.
. "$top_srcdir/regress/lib.sh"

command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 not installed"
[ -x "$SFTPGO" ] || skip_all "sftpgo not built"

CFG=$T/cfg
DB=$CFG/sftpgo.db
mkdir -p "$CFG"
HOLDER_PID=
cleanup() {
	[ -n "$HOLDER_PID" ] && kill "$HOLDER_PID" 2>/dev/null
	exec 8>&- 2>/dev/null
	rm -rf "$T/homes"
}
trap cleanup EXIT

sg() { "$SFTPGO" "$@" --config-dir "$CFG"; }
# json FILE PATH: a value from a JSON file, through SQLite's JSON functions.
json() { sqlite3 :memory: "SELECT json_extract(readfile('$1'), '$2')"; }
jtype() { sqlite3 :memory: "SELECT json_type(readfile('$1'), '$2')"; }
db() { sqlite3 "$DB" "$@"; }

# expect STATUS "description" "message substring" command...: the command must exit
# with STATUS and say something containing the substring.
expect() {
	_st=$1 _d=$2 _m=$3
	shift 3
	"$@" >"$T/.out" 2>"$T/.err"
	_rc=$?
	if [ "$_rc" -ne "$_st" ]; then
		fail "$_d" "exit $_rc, want $_st: $(tr '\n' ' ' <"$T/.err")"
	elif ! grep -qF -- "$_m" "$T/.err"; then
		fail "$_d" "message lacks '$_m': $(tr '\n' ' ' <"$T/.err")"
	else
		ok "$_d"
	fi
}

# --- initprovider -------------------------------------------------------------
expect 1 "user list before initprovider says to run it" "initprovider" sg user list
check_not "no database created by a plain command" test -e "$DB"
check "initprovider" sg initprovider
check "initprovider is idempotent" sg initprovider
cols=$(db "SELECT group_concat(name, ',') FROM pragma_table_info('users')")
want=id,username,password,public_keys,home_dir,uid,gid,max_sessions,quota_size,quota_files,permissions,used_quota_size,used_quota_files,last_quota_update,upload_bandwidth,download_bandwidth,expiration_date,last_login,status,filters,filesystem,virtual_folders
check "users columns in SFTPGo's order" test "$cols" = "$want"
check "id is the integer primary key" test "$(db "SELECT type || pk FROM pragma_table_info('users') WHERE name = 'id'")" = "INTEGER1"
check "schema_version has one row" test "$(db 'SELECT count(*) || "/" || max(version) FROM schema_version')" = "1/4"
check "database is WAL" test "$(db 'PRAGMA journal_mode')" = wal
check "database is private (0600)" test "$(stat -c %a "$DB")" = 600
# the shipped script builds the very same table
sqlite3 "$T/script.db" <"$top_srcdir/sql/sqlite/20200307.sql"
check "sql/sqlite script gives the same columns" test "$(sqlite3 "$T/script.db" "SELECT group_concat(name, ',') FROM pragma_table_info('users')")" = "$want"

# --- add / show ---------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C k1 -f "$T/k1" || fail "ssh-keygen"
ssh-keygen -q -t ecdsa -N '' -C k2 -f "$T/k2" || fail "ssh-keygen"
{
	echo "# alice's keys"
	cat "$T/k1.pub"
	echo
	echo "   "
	cat "$T/k2.pub"
} >"$T/keys"
check "add alice (password, keys from file, perms, filters)" sg user add --username alice \
	--password 'pass word' --public-key-file "$T/keys" --home-dir /srv/sftp/alice \
	--uid 2001 --gid 2002 --permissions "/:list,download" --permissions "/in/:upload,list" \
	--max-sessions 3 --quota-size 1048576 --quota-files 10 --upload-bandwidth 100 \
	--download-bandwidth 200 --expiration-date 2030-01-02 --allowed-ip 192.0.2.0/24 \
	--allowed-ip 2001:db8::/32 --denied-ip 192.0.2.7
sg user show --username alice >"$T/alice.json"
check "show: username" test "$(json "$T/alice.json" '$.username')" = alice
check "show: never the password" test -z "$(jtype "$T/alice.json" '$.password')"
check_not "show: no hash text" grep -q argon2 "$T/alice.json"
check "show: two keys (comments and blank lines skipped)" test "$(sqlite3 :memory: "SELECT json_array_length(readfile('$T/alice.json'), '\$.public_keys')")" = 2
check "show: first key is the file's" test "$(json "$T/alice.json" '$.public_keys[0]')" = "$(cat "$T/k1.pub")"
check "show: uid/gid" test "$(json "$T/alice.json" '$.uid')/$(json "$T/alice.json" '$.gid')" = 2001/2002
check "show: permissions normalised" test "$(json "$T/alice.json" '$.permissions')" = '{"/":["list","download"],"/in":["upload","list"]}'
check "show: expiration at UTC midnight in ms" test "$(json "$T/alice.json" '$.expiration_date')" = 1893542400000
check "show: limits" test "$(json "$T/alice.json" '$.max_sessions'),$(json "$T/alice.json" '$.quota_size'),$(json "$T/alice.json" '$.quota_files'),$(json "$T/alice.json" '$.upload_bandwidth'),$(json "$T/alice.json" '$.download_bandwidth')" = "3,1048576,10,100,200"
check "show: IP filters" test "$(json "$T/alice.json" '$.filters')" = '{"allowed_ip":["192.0.2.0/24","2001:db8::/32"],"denied_ip":["192.0.2.7"]}'
check "stored password is argon2id" test "$(db "SELECT substr(password, 1, 10) FROM users WHERE username = 'alice'")" = '$argon2id$'
check "stored permissions are SFTPGo JSON" test "$(db "SELECT permissions FROM users WHERE username = 'alice'")" = '{"/":["list","download"],"/in":["upload","list"]}'

BCRYPT='$2a$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK'
check "add bob with a bcrypt hash" sg user add --username bob --password "$BCRYPT" \
	--home-dir /srv/sftp/bob --uid 2003 --gid 2003
check "pre-hashed password stored as is" test "$(db "SELECT password FROM users WHERE username = 'bob'")" = "$BCRYPT"
check "bob got the default permissions" test "$(db "SELECT permissions FROM users WHERE username = 'bob'")" = '{"/":["*"]}'
SHA512='$6$rounds=5000$saltsalt$MUZ7yh.WG6vjvfmVB5ZqMxvVt.0CtDS8b9XcOfm.EdNkbfECuYaYq2ZNoh1f7bQQvD4ALzjYFrvNK.pOhnfFc0'
check "add carol with a sha512crypt hash" sg user add --username carol --password "$SHA512" \
	--home-dir /srv/sftp/carol --uid 2004 --gid 2004
check "sha512crypt stored as is" test "$(db "SELECT password FROM users WHERE username = 'carol'")" = "$SHA512"
printf 'from file\nsecond line ignored\n' >"$T/pw"
check "add dave with --password-file" sg user add --username dave --password-file "$T/pw" \
	--home-dir /srv/sftp/dave --uid 2005 --gid 2005 --status 0
check "password file hashed" test "$(db "SELECT substr(password, 1, 10) FROM users WHERE username = 'dave'")" = '$argon2id$'

# --- update merges ------------------------------------------------------------
check "update alice uid only" sg user update --username alice --uid 3001
sg user show --username alice >"$T/alice2.json"
check "update changed uid" test "$(json "$T/alice2.json" '$.uid')" = 3001
check "update kept gid, home, keys, perms, filters" test \
	"$(json "$T/alice2.json" '$.gid') $(json "$T/alice2.json" '$.home_dir') $(json "$T/alice2.json" '$.public_keys[1]') $(json "$T/alice2.json" '$.permissions') $(json "$T/alice2.json" '$.filters')" = \
	"2002 /srv/sftp/alice $(cat "$T/k2.pub") {\"/\":[\"list\",\"download\"],\"/in\":[\"upload\",\"list\"]} {\"allowed_ip\":[\"192.0.2.0/24\",\"2001:db8::/32\"],\"denied_ip\":[\"192.0.2.7\"]}"
hash_before=$(db "SELECT password FROM users WHERE username = 'alice'")
check "update did not re-hash the password" test "$(db "SELECT password FROM users WHERE username = 'alice'")" = "$hash_before"
check "update permissions replaces the map" sg user update --username alice --permissions "/:*"
check "new permissions" test "$(db "SELECT permissions FROM users WHERE username = 'alice'")" = '{"/":["*"]}'
check "update with an empty --allowed-ip clears the list" sg user update --username alice --allowed-ip ""
check "allowed_ip cleared" test "$(db "SELECT json_extract(filters, '\$.allowed_ip') IS NULL FROM users WHERE username = 'alice'")" = 1
check "update --expiration-date 0" sg user update --username alice --expiration-date 0
check "expiration cleared" test "$(db "SELECT expiration_date FROM users WHERE username = 'alice'")" = 0
check "update password" sg user update --username bob --password newpass
check "new password hashed" test "$(db "SELECT substr(password, 1, 10) FROM users WHERE username = 'bob'")" = '$argon2id$'
db "UPDATE users SET used_quota_files = 5, last_login = 7 WHERE username = 'carol'"
check "update status" sg user update --username carol --status 0
check "update leaves usage and last_login alone" test "$(db "SELECT used_quota_files || ',' || last_login || ',' || status FROM users WHERE username = 'carol'")" = "5,7,0"

# --- list ---------------------------------------------------------------------
sg user list >"$T/list" 2>&1
check "list: header" grep -q '^ID *USERNAME *HOME *UID *GID *STATUS *EXPIRATION' "$T/list"
check "list: alice row" grep -Eq '^1 +alice +/srv/sftp/alice +3001 +2002 +active +never$' "$T/list"
check "list: dave inactive" grep -Eq ' dave .* inactive ' "$T/list"
check "list: sorted by username" test "$(sed 1d "$T/list" | awk '{print $2}' | tr '\n' ,)" = "alice,bob,carol,dave,"
sg user list --json >"$T/list.json"
check "list --json: array of 4" test "$(sqlite3 :memory: "SELECT json_array_length(readfile('$T/list.json'))")" = 4
check_not "list --json: no password" grep -q '"password"' "$T/list.json"

# --- delete -------------------------------------------------------------------
check "delete dave" sg user delete --username dave
expect 1 "show deleted user" 'not found' sg user show --username dave
check "deleted from the table" test "$(db "SELECT count(*) FROM users WHERE username = 'dave'")" = 0

# --- bad input ----------------------------------------------------------------
add() { sg user add --password x --uid 4000 --gid 4000 "$@"; }
expect 2 "bad CIDR" "allowed_ip" add --username e1 --home-dir /srv/e1 --allowed-ip 192.0.2.0/33
expect 2 "bad denied CIDR names the flag" "--denied-ip" add --username e1 --home-dir /srv/e1 --denied-ip nonsense
expect 2 "relative home" "home_dir" add --username e1 --home-dir srv/e1
expect 2 "home with .." "home_dir" add --username e1 --home-dir /srv/../etc
expect 2 "unknown permission" 'unknown permission "fly"' add --username e1 --home-dir /srv/e1 --permissions "/:list,fly"
expect 2 "missing / permission" '"/" is required' add --username e1 --home-dir /srv/e1 --permissions "/in:list"
expect 2 "permission without a list" "--permissions" add --username e1 --home-dir /srv/e1 --permissions "/in"
expect 2 "permission path given twice" "given twice" add --username e1 --home-dir /srv/e1 --permissions "/:list" --permissions "/:upload"
expect 2 "permission path twice after cleaning" "given twice" add --username e1 --home-dir /srv/e1 --permissions "/:*" --permissions "/a:list" --permissions "/a/:upload"
expect 2 "relative permission path" "absolute" add --username e1 --home-dir /srv/e1 --permissions "in:list"
echo "ssh-ed25519 this-is-not-base64" >"$T/badkey"
expect 2 "bad key file" "line 1 is not a valid public key" add --username e1 --home-dir /srv/e1 --public-key-file "$T/badkey"
echo "# only a comment" >"$T/nokey"
expect 2 "key file without keys" "no public key" add --username e1 --home-dir /srv/e1 --public-key-file "$T/nokey"
expect 2 "missing key file" "--public-key-file" add --username e1 --home-dir /srv/e1 --public-key-file "$T/missing"
: >"$T/emptypw"
expect 2 "empty password file" "--password-file" sg user add --username e1 --home-dir /srv/e1 --uid 4000 --gid 4000 --password-file "$T/emptypw"
expect 2 "password and password file" "exclusive" add --username e1 --home-dir /srv/e1 --password-file "$T/pw"
expect 2 "no credentials" "password" sg user add --username e1 --home-dir /srv/e1 --uid 4000 --gid 4000
expect 2 "uid required" "--uid" sg user add --username e1 --password x --home-dir /srv/e1
expect 2 "uid not a number" "--uid" add --username e1 --home-dir /srv/e1 --uid 12x
expect 2 "uid too large" "--uid" add --username e1 --home-dir /srv/e1 --uid 2147483648
expect 2 "negative quota" "--quota-size" add --username e1 --home-dir /srv/e1 --quota-size -1
expect 2 "bad status" "--status" add --username e1 --home-dir /srv/e1 --status 2
expect 2 "bad date" "--expiration-date" add --username e1 --home-dir /srv/e1 --expiration-date 2030-02-30
expect 2 "bad date format" "--expiration-date" add --username e1 --home-dir /srv/e1 --expiration-date 1/2/2030
expect 2 "bad username" "username" add --username "e 1" --home-dir /srv/e1
expect 2 "missing username" "--username" sg user add --password x --uid 4000 --gid 4000
expect 2 "duplicate user" 'already exists' add --username alice --home-dir /srv/e1
expect 2 "unknown flag" 'unknown flag "--colour"' sg user list --colour
expect 2 "flag of another action" "--json is not valid here" add --username e1 --home-dir /srv/e1 --json
expect 2 "unexpected argument" "unexpected argument" sg user show --username alice extra
expect 2 "unknown action" "unknown action" sg user frobnicate
expect 1 "update unknown user" 'user "ghost" not found' sg user update --username ghost --uid 5000
expect 1 "delete unknown user" 'user "ghost" not found' sg user delete --username ghost
expect 1 "show unknown user" 'user "ghost" not found' sg user show --username ghost
expect 2 "bad update input leaves the user" "home_dir" sg user update --username alice --home-dir relative
check "alice unchanged after a refused update" test "$(db "SELECT home_dir FROM users WHERE username = 'alice'")" = /srv/sftp/alice
check "no refused user was stored" test "$(db "SELECT count(*) FROM users WHERE username LIKE 'e%'")" = 0
echo '{"data_provider": {"driver": "nosuchdb"}}' >"$T/badcfg.json"
expect 2 "bad config file" "driver" "$SFTPGO" user list --config-dir "$T" --config-file badcfg

# no server there: the driver's connect error, exit 1
echo "{\"data_provider\": {\"driver\": \"postgresql\", \"host\": \"127.0.0.1\", \"port\": $((PORT_BASE + 899)), \"name\": \"x\"}}" >"$T/pgcfg.json"
expect 1 "initprovider for postgresql without a server says why" "postgresql: connect:" \
	"$SFTPGO" initprovider --config-dir "$T" --config-file pgcfg
echo "{\"data_provider\": {\"driver\": \"mysql\", \"host\": \"127.0.0.1\", \"port\": $((PORT_BASE + 899)), \"name\": \"x\"}}" >"$T/mycfg.json"
expect 1 "initprovider for mysql without a server says why" "mysql: connect:" \
	"$SFTPGO" initprovider --config-dir "$T" --config-file mycfg

# --- --create-home ------------------------------------------------------------
H=$T/homes
check "create-home: add" sg user add --username homer --password x --uid 12345 --gid 12346 \
	--home-dir "$H/deep/homer" --create-home
check "create-home: home owned by uid:gid, 0700" test "$(stat -c '%u:%g %a' "$H/deep/homer")" = "12345:12346 700"
check "create-home: parents stay root's" test "$(stat -c '%u' "$H/deep")" = "$(id -u)"
mkdir -p "$H/taken"
expect 2 "create-home: existing dir of someone else refused" "owned by uid" sg user add \
	--username marge --password x --uid 12347 --gid 12347 --home-dir "$H/taken" --create-home
check "create-home: refused user not stored" test "$(db "SELECT count(*) FROM users WHERE username = 'marge'")" = 0
check "create-home: ownership untouched" test "$(stat -c '%u' "$H/taken")" = "$(id -u)"
mkdir -p "$H/mine" && chown 12348:12348 "$H/mine" && chmod 750 "$H/mine"
check "create-home: existing dir of the same uid accepted" sg user add --username lisa \
	--password x --uid 12348 --gid 12348 --home-dir "$H/mine" --create-home
check "create-home: existing dir left as is" test "$(stat -c '%a' "$H/mine")" = 750

# --- config file: users_table, users_base_dir, relative db name ----------------
C2=$T/cfg2
mkdir -p "$C2"
cat >"$C2/other.json" <<EOF
{"data_provider": {"name": "data/users.db", "users_table": "sftp_users", "users_base_dir": "/srv/base"}}
EOF
mkdir -p "$C2/data"
check "initprovider with --config-file" "$SFTPGO" initprovider --config-dir "$C2" --config-file other
check "custom table created" test "$(sqlite3 "$C2/data/users.db" "SELECT count(*) FROM pragma_table_info('sftp_users')")" = 22
check "add under users_base_dir" "$SFTPGO" user add --config-dir "$C2" --config-file other \
	--username bart --password x --uid 5000 --gid 5000
check "home from users_base_dir" test "$(sqlite3 "$C2/data/users.db" "SELECT home_dir FROM sftp_users")" = /srv/base/bart

# --- use while another process holds the database ------------------------------
mkfifo "$T/fifo"
sqlite3 "$DB" <"$T/fifo" >"$T/holder.out" 2>&1 &
HOLDER_PID=$!
exec 8>"$T/fifo"
# A long-lived reader with an open transaction, like a server in the middle of a query.
printf 'BEGIN;\nSELECT count(*) FROM users;\n.shell touch %s/reading\n' "$T" >&8
i=0
while [ ! -e "$T/reading" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "holder has the database open" test -e "$T/reading"
check "add while a reader holds the db" sg user add --username ned --password x --uid 6000 \
	--gid 6000 --home-dir /srv/ned
check "update while a reader holds the db" sg user update --username ned --quota-files 9
check "list while a reader holds the db" sg user list
printf 'COMMIT;\n' >&8
# A writer that holds the write lock for a moment: the CLI waits (busy timeout).
printf 'BEGIN IMMEDIATE;\nUPDATE users SET status = status;\n.shell touch %s/writing\n.shell sleep 1\nCOMMIT;\n' "$T" >&8
i=0
while [ ! -e "$T/writing" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "add waits for a writer's lock" sg user add --username maude --password x --uid 6001 \
	--gid 6001 --home-dir /srv/maude
exec 8>&-
wait "$HOLDER_PID"
HOLDER_PID=
check "both users stored" test "$(db "SELECT count(*) FROM users WHERE username IN ('ned', 'maude')")" = 2
check "holder saw no error" test ! -s "$T/holder.out" -o "$(grep -c -i error "$T/holder.out")" = 0

done_testing
