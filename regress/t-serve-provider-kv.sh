#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# covers: data_provider.driver
# sftpgo serve with the key/value providers (issue 11 items 3 and 4).
# bolt (LMDB): users added with the CLI, before and while the server runs, log in
# with OpenSSH's sftp; uploads count quota; quota and last_login are in the file and
# survive a restart; a file that is not an LMDB database is refused at start.
# memory: users come from an SFTPGo dump file and log in; quota is counted; SIGHUP
# after editing the file changes who can log in; a bad file keeps the users in use;
# the file is never written; the CLI refuses to add users to it.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-kv-$$
make_sysuser "$U1" || skip_all "cannot create system users"
KUID=$(id -u "$U1")
KGID=$(id -g "$U1")

# kv_config OFFSET DRIVER NAME
kv_config() {
	PORT=$((PORT_BASE + $1))
	cat >"$CFG/sftpgo.json" <<EOC
{"sftpd": {"bind_port": $PORT, "bind_address": "127.0.0.1", "session_pool_size": 2},
 "data_provider": {"driver": "$2", "name": "$3", "track_quota": 1}}
EOC
}
mkfile() { head -c "$2" /dev/urandom >"$T/$1"; }
put() { printf 'put %s %s\n' "$T/$2" "$3" | sftp_pw "$1" pw; }
login() { echo 'pwd' | sftp_pw "$1" pw; }
# field USER KEY: a number of the user as `sftpgo user show` prints it
field() {
	"$SFTPGO" user show --config-dir "$CFG" --username "$1" |
		sed -n "s/^ *\"$2\": \\([0-9-]*\\),*\$/\\1/p"
}
# wait_field USER KEY VALUE: the provider holds it (quota is written in batches)
wait_field() {
	_i=0
	while [ "$(field "$1" "$2")" != "$3" ]; do
		[ $_i -ge 50 ] && { echo "$1 $2: $(field "$1" "$2"), want $3"; return 1; }
		sleep 0.1
		_i=$((_i + 1))
	done
}
mkfile f600 600
mkfile f300 300

# --- bolt ------------------------------------------------------------------
kv_config 150 bolt users.lmdb
check "bolt: user add through the CLI creates the file" \
	add_user alice "$U1" --password pw --quota-size 100000
check "bolt: one file, mode 0600" test "$(stat -c '%F %a' "$CFG/users.lmdb")" = "regular file 600"
check "bolt: --test-config" "$SFTPGO" serve --config-dir "$CFG" --test-config \
	--libexec-dir "$top_builddir"
start_server || { fail "bolt: server starts"; exit 1; }
ok "bolt: server starts"
check "bolt: login and upload" put alice f600 a1
check "bolt: the file is in the home" cmp "$T/f600" "$T/homes/alice/a1"
check "bolt: quota stored in the file" wait_field alice used_quota_size 600
check "bolt: quota files stored" wait_field alice used_quota_files 1
LL=$(field alice last_login)
check "bolt: last_login stored" test "${LL:-0}" -gt 1500000000000
check "bolt: a user added while the server runs" add_user bob "$U1" --password pw
check "bolt: logs in at once" login bob
check_not "bolt: wrong password refused" sh -c "echo pwd | sshpass -p nope sftp $SSH_OPTS -P $PORT -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - alice@127.0.0.1"
check "bolt: user delete while the server runs" \
	"$SFTPGO" user delete --config-dir "$CFG" --username bob
check_not "bolt: the deleted user is refused" login bob
stop_server
check "bolt: quota survives a restart" wait_field alice used_quota_size 600
check "bolt: last_login survives a restart" test "$(field alice last_login)" = "$LL"
start_server || { fail "bolt: server restarts"; exit 1; }
ok "bolt: server restarts"
check "bolt: login after the restart" put alice f300 a2
check "bolt: quota adds up after the restart" wait_field alice used_quota_size 900
check "bolt: last_login moves on" test "$(field alice last_login)" -gt "$LL"
check "bolt: no provider errors" sh -c "! grep -q 'unable to update' '$LOG'"
stop_server
printf 'not an lmdb file, just text\n' >"$CFG/junk.lmdb"
kv_config 150 bolt junk.lmdb
check_not "bolt: a file that is not LMDB is refused at start" \
	"$SFTPGO" serve --config-dir "$CFG" --libexec-dir "$top_builddir" --log-file-path "$T/junk.log"
cp "$T/.check.out" "$T/junk.out"
check "bolt: ... with a message naming data_provider.name" \
	grep -q "data_provider.name: $CFG/junk.lmdb: not an LMDB" "$T/junk.out"
check "bolt: ... and the file untouched" \
	test "$(cat "$CFG/junk.lmdb")" = "not an lmdb file, just text"

# --- memory ----------------------------------------------------------------
# dump USER...: an SFTPGo dump with these users, password "pw" (plain text is
# hashed at load, as loaddata does), quota_size 1000
dump() {
	printf '{"users":['
	_sep=
	for _u; do
		mkdir -p "$T/homes/$_u"
		chown "$U1:$U1" "$T/homes/$_u"
		printf '%s{"id":1,"status":1,"username":"%s","password":"pw","home_dir":"%s","uid":%s,"gid":%s,"quota_size":1000,"permissions":{"/":["*"]},"used_quota_size":0,"used_quota_files":0,"last_quota_update":0,"upload_bandwidth":0,"download_bandwidth":0,"last_login":0,"filters":{},"filesystem":{"provider":0,"s3config":{},"gcsconfig":{}}}' \
			"$_sep" "$_u" "$T/homes/$_u" "$KUID" "$KGID"
		_sep=,
	done
	printf ']}'
}
dump carol dave >"$CFG/users.json"
SUM=$(sha256sum <"$CFG/users.json")
kv_config 151 memory users.json
: >"$LOG"
start_server || { fail "memory: server starts"; exit 1; }
ok "memory: server starts"
check "memory: users from the dump log in and upload" put carol f600 c1
check "memory: the second user too" login dave
check_not "memory: quota counted (a second 600 bytes exceed 1000)" put carol f600 c2
check "memory: ... refused by the quota" \
	grep -q 'denying file write due to space limit: user carol' "$LOG"
check "memory: quota updates reach the provider" sh -c "! grep -q 'unable to update' '$LOG'"
check_not "memory: the CLI cannot add users to the server's memory" \
	"$SFTPGO" user add --config-dir "$CFG" --username eve --password pw \
	--home-dir "$T/homes/eve" --uid "$KUID" --gid "$KGID"
cp "$T/.check.out" "$T/cli.out"
check "memory: ... and says why" grep -q 'data_provider.driver is "memory"' "$T/cli.out"
check "memory: the dump file was not written" test "$(sha256sum <"$CFG/users.json")" = "$SUM"
dump carol erin >"$CFG/users.json.new"
mv "$CFG/users.json.new" "$CFG/users.json"
SUM=$(sha256sum <"$CFG/users.json")
kill -HUP "$SERVER_PID"
check "memory: SIGHUP reloads the file" wait_log 'SIGHUP: memory provider: 2 users loaded from'
check "memory: a user added to the file logs in" login erin
check_not "memory: a user removed from the file is refused" login dave
check "memory: a user still in the file logs in" login carol
check_not "memory: its quota is still counted after the reload" put carol f600 c3
printf '{"users":[{"username":' >"$CFG/users.json"
kill -HUP "$SERVER_PID"
check "memory: a bad file on SIGHUP is logged" \
	wait_log 'SIGHUP: data provider not reloaded, the users in use are kept: data_provider.name'
check "memory: ... and the users in use are kept" login erin
dump carol erin >"$CFG/users.json"
check "memory: nothing ever written to the file" test "$(sha256sum <"$CFG/users.json")" = "$SUM"
stop_server
check "memory: the file is unchanged after the server stopped" \
	test "$(sha256sum <"$CFG/users.json")" = "$SUM"
printf '{"users":[{"username":"x"}' >"$CFG/bad.json"
kv_config 151 memory bad.json
check_not "memory: an invalid dump is refused at start" \
	"$SFTPGO" serve --config-dir "$CFG" --libexec-dir "$top_builddir" --log-file-path "$T/bad.log"
cp "$T/.check.out" "$T/bad.out"
check "memory: ... naming data_provider.name" \
	grep -q "data_provider.name: $CFG/bad.json: invalid JSON" "$T/bad.out"
kv_config 151 memory missing.json
check_not "memory: a missing dump is refused at start" \
	"$SFTPGO" serve --config-dir "$CFG" --libexec-dir "$top_builddir" --log-file-path "$T/bad.log"
cp "$T/.check.out" "$T/missing.out"
check "memory: ... naming data_provider.name" \
	grep -q "data_provider.name: $CFG/missing.json: No such file" "$T/missing.out"
done_testing
