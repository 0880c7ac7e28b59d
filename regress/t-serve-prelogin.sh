#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# covers: data_provider.pre_login_program
# sftpgo serve: the pre-login program (issue 13 item 4, spec section 4). It gets
# SFTPGO_LOGIND_USER (the stored user as JSON, hash included) and
# SFTPGO_LOGIND_METHOD as the service account; empty output changes nothing, a
# partial user is merged onto the stored one (permissions kept unless named) and
# saved, and this very login is checked against the result. Bad programs: exit
# status, invalid JSON, megabytes of output, invalid UTF-8, a username change, a
# user that does not validate.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-tp1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
PLOG=$T/act/pre.log
RECLOG=$PLOG
. "$top_srcdir/regress/hooks-lib.sh"
ssh-keygen -q -t ed25519 -N '' -f "$T/key" || skip_all "ssh-keygen failed"
KEY=$(cut -d' ' -f1,2 "$T/key.pub")
cat >"$T/pre.sh" <<EOS
#!/bin/sh
{
	printf 'method=%s\n' "\$SFTPGO_LOGIND_METHOD"
	printf 'user=%s\n' "\$SFTPGO_LOGIND_USER"
	env | grep -v '^SFTPGO_LOGIND_USER=' | LC_ALL=C sort | sed 's/^/env=/'
	echo "uid=\$(id -u)"
	echo ---
} >>"$PLOG"
case "\$SFTPGO_LOGIND_USER" in
*'"username":"pl1"'*) echo '{"max_sessions":5,"permissions":{"/sub":["list"]}}' ;;
*'"username":"plempty"'*) printf '  \n' ;;
*'"username":"pldis"'*) echo '{"status":0}' ;;
*'"username":"plkey"'*) echo '{"public_keys":["$KEY"]}' ;;
*'"username":"plfail"'*) exit 2 ;;
*'"username":"plbad"'*) echo '{"status":' ;;
*'"username":"plrename"'*) echo '{"username":"someone"}' ;;
*'"username":"plinvalid"'*) echo '{"home_dir":"relative"}' ;;
*'"username":"plkbd"'*) echo '{"max_sessions":7}' ;;
*'"username":"plbig"'*) head -c 3000000 /dev/zero | tr '\\0' ' '; echo '{}' ;;
*'"username":"plutf8"'*) printf '{"home_dir":"/tmp/\\377\\376"}' ;;
esac
EOS
chmod 755 "$T/pre.sh"
write_kbd_program
PORT=$((PORT_BASE + 150))
cat >"$CFG/sftpgo.json" <<EOC
{"sftpd": {"bind_port": $PORT, "bind_address": "127.0.0.1", "session_pool_size": 4,
  "keyboard_interactive_auth_program": "$T/kbd.sh"},
 "data_provider": {"pre_login_program": "$T/pre.sh"}}
EOC
start_server || { fail "server starts"; exit 1; }
ok "server starts"
for n in pl1 plempty pldis plkey plfail plbad plrename plinvalid plkbd plbig plutf8; do
	add_user "$n" "$U1" --password pw
done
NOBODY=$SERVICE_UID
stored() { sqlite3 "$CFG/sftpgo.db" "SELECT $2 FROM users WHERE username='$1'"; }
pwlogin() { echo ls | sshpass -p "${2:-pw}" sftp $SSH_OPTS -P "$PORT" -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - "$1@127.0.0.1"; }

"$SFTPGO" user show --config-dir "$CFG" --username pl1 >"$T/pl1.json"
check "password login; the program merges a partial user" pwlogin pl1
check "the program ran once" test "$(n_records)" -eq 1
record 1 >"$T/r1"
check "SFTPGO_LOGIND_METHOD=password" grep -qx 'method=password' "$T/r1"
check "environment and identity" sh -c "grep '^env=\|^uid=' '$T/r1' | tr '\n' ' ' | grep -qx 'env=PATH=/usr/local/bin:/usr/bin:/bin env=PWD=/ env=SFTPGO_LOGIND_METHOD=password uid=$NOBODY '"
check "SFTPGO_LOGIND_USER is the stored user with its hash" $PY -c '
import json, sys
env = json.loads(open(sys.argv[1]).read().split("user=", 1)[1].split("\nenv=", 1)[0])
shown = json.load(open(sys.argv[2]))
assert env["password"] == sys.argv[3], env.get("password")
env.pop("password"); shown.pop("password", None)
assert env == shown, (env, shown)
' "$T/r1" "$T/pl1.json" "$(stored pl1 password)"
check "saved: max_sessions" test "$(stored pl1 max_sessions)" = 5
check "saved: /sub added, / kept" sh -c "sqlite3 '$CFG/sftpgo.db' \"SELECT permissions FROM users WHERE username='pl1'\" | grep -q '\"/sub\"' && sqlite3 '$CFG/sftpgo.db' \"SELECT permissions FROM users WHERE username='pl1'\" | grep -q '\"/\"'"
check "the password still works after the save" pwlogin pl1
check "empty output: no change, login works" pwlogin plempty
check_not "status 0 returned: this very login is refused" pwlogin pldis
check "and the user is saved disabled" test "$(stored pldis status)" = 0
N=$(n_records)
check "a key the program adds is accepted at once" sh -c "echo ls | sftp $SSH_OPTS -P $PORT -o BatchMode=yes -o IdentitiesOnly=yes -o PreferredAuthentications=publickey -i $T/key -b - plkey@127.0.0.1"
record_has() { record "$1" | grep -qx "$2"; }
# The runs for one user: a refused login before (pldis) may still get a second
# password attempt the client sent before it hung up, so counts are per user.
runs_of() { awk -v u="\"username\":\"$1\"" 'BEGIN{RS="---\n"} index($0,u){print}' "$RECLOG"; }
key_run_is_publickey() { runs_of plkey | grep -qx method=publickey; }
check "method publickey" key_run_is_publickey
check "one run for the key (query and signature)" test "$(runs_of plkey | grep -c '^method=')" -eq 1
N=$(n_records)
check "keyboard-interactive: the program, then the challenge" kbd_login plkbd
check "method keyboard-interactive" record_has $((N + 1)) method=keyboard-interactive
check "keyboard-interactive: saved" test "$(stored plkbd max_sessions)" = 7
N=$(n_records)
check_not "an unknown user fails before the program" pwlogin nobody-here
check "the program did not run" test "$(n_records)" -eq "$N"
bad() { # USER LOG_ERROR_FRAGMENT
	check_not "$1: login refused" pwlogin "$1"
	check "$1: logged" wait_log "\"username\":\"$1\",\"login_type\":\"password\",\"error\":\"Before login program error: $2"
}
bad plfail 'exit status 2'
bad plbad ''
bad plrename 'the username cannot be changed'
bad plinvalid ''
bad plbig 'output larger than 1048576 bytes'
bad plutf8 ''
check "plutf8: not saved" test "$(stored plutf8 home_dir)" = "$T/homes/plutf8"
check "plinvalid: not saved" test "$(stored plinvalid home_dir)" = "$T/homes/plinvalid"
check "the server still serves" pwlogin pl1
stop_server
rm "$T/pre.sh"
start_server >/dev/null 2>&1
check_not "a missing program stops the start" alive "$SERVER_PID"
check "and says why" grep -q "data_provider.pre_login_program: cannot run $T/pre.sh: No such file or directory" "$LOG"
check_not "no child process crashed" grep -q "killed by signal" "$LOG"
done_testing
