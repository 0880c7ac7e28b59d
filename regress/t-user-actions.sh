#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# covers: data_provider.actions.execute_on data_provider.actions.command
# covers: data_provider.actions.http_notification_url
# Provider actions on user add, update and delete from the admin CLI (issue 13
# item 2, spec section 2): the command's 8 arguments and 15 SFTPGO_USER_*
# variables as the unprivileged service account, the HTTP POST of the stored
# user without its password, ?action=add|update|delete; nothing for a failed
# change or an action not in execute_on; a missing command or a receiver that
# answers 500 is reported and the change stays done.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

HPORT=$((PORT_BASE + 131))
RECLOG=$T/act/actions.log
. "$top_srcdir/regress/hooks-lib.sh"
mkdir -p "$T/homes"
write_recorder "$T/action.sh"
check "the HTTP receiver starts" start_receiver

write_config() { # EXECUTE_ON (JSON list)
	cat >"$CFG/sftpgo.json" <<EOC
{"sftpd": {"bind_port": $((PORT_BASE + 130)), "bind_address": "127.0.0.1"},
 "data_provider": {"actions": {"execute_on": $1, "command": "$T/action.sh",
   "http_notification_url": "http://127.0.0.1:$HPORT/users?x=1"}}}
EOC
}
write_config '["add", "update", "delete"]'
u() { "$SFTPGO" user "$@" --config-dir "$CFG" --libexec-dir "$top_builddir"; }
check "initprovider" "$SFTPGO" initprovider --config-dir "$CFG"
NOBODY=$SERVICE_UID

check "user add" u add --username ann --password secret1 --home-dir "$T/homes/ann" \
	--uid 1234 --gid 2345 --quota-size 1000 --quota-files 10 --max-sessions 2 \
	--upload-bandwidth 11 --download-bandwidth 22 --expiration-date 2030-01-02
HASH=$(sqlite3 "$CFG/sftpgo.db" "SELECT password FROM users WHERE username='ann'")
ID=$(sqlite3 "$CFG/sftpgo.db" "SELECT id FROM users WHERE username='ann'")
EXP=$(sqlite3 "$CFG/sftpgo.db" "SELECT expiration_date FROM users WHERE username='ann'")
# expect ACTION STATUS: the Nth record byte for byte
expect_record() {
	cat >"$T/want" <<EOW
argc=8
arg=[$2]
arg=[ann]
arg=[$ID]
arg=[$3]
arg=[$EXP]
arg=[$T/homes/ann]
arg=[1234]
arg=[2345]
env=PATH=/usr/local/bin:/usr/bin:/bin
env=PWD=/
env=SFTPGO_USER_ACTION=$2
env=SFTPGO_USER_DOWNLOAD_BANDWIDTH=22
env=SFTPGO_USER_EXPIRATION_DATE=$EXP
env=SFTPGO_USER_FS_PROVIDER=0
env=SFTPGO_USER_GID=2345
env=SFTPGO_USER_HOME_DIR=$T/homes/ann
env=SFTPGO_USER_ID=$ID
env=SFTPGO_USER_MAX_SESSIONS=2
env=SFTPGO_USER_PASSWORD=$HASH
env=SFTPGO_USER_QUOTA_FILES=10
env=SFTPGO_USER_QUOTA_SIZE=1000
env=SFTPGO_USER_STATUS=$3
env=SFTPGO_USER_UID=1234
env=SFTPGO_USER_UPLOAD_BANDWIDTH=11
env=SFTPGO_USER_USERNAME=ann
uid=$SERVICE_UID gid=$SERVICE_GID
fds=/dev/null /dev/null /dev/null
EOW
	record "$1" >"$T/got"
	diff "$T/want" "$T/got"
}
# expect_post N ACTION: the request, and its body = the stored user without password
expect_post() {
	"$SFTPGO" user show --config-dir "$CFG" --username ann >"$T/stored.json" || return 1
	sed -n "${1}p" "$HLOG" | $PY -c '
import json, sys
rec = json.load(sys.stdin)
stored = json.load(open(sys.argv[1]), object_pairs_hook=dict)
assert rec["method"] == "POST", rec
assert rec["path"] == "/users?action=" + sys.argv[2] + "&x=1", rec["path"]
assert rec["content_type"] == "application/json", rec
body = json.loads(rec["body"])
assert "password" not in body, body
stored.pop("password", None)
assert body == stored, (body, stored)
order = ["id", "status", "username", "expiration_date", "home_dir", "uid", "gid",
         "max_sessions", "quota_size", "quota_files", "permissions",
         "used_quota_size", "used_quota_files", "last_quota_update",
         "upload_bandwidth", "download_bandwidth", "last_login", "filters",
         "filesystem"]
keys = [k for k in body if k in order]
assert keys == order, keys
assert rec["body"] == json.dumps(body, separators=(",", ":"), ensure_ascii=False), rec["body"]
' "$T/stored.json" "$2"
}
check "add: the command ran as the service account" expect_record 1 add 1
check "add: one POST" test "$(n_http)" -eq 1
check "add: POST body is the stored user without its password" expect_post 1 add

check "user update" u update --username ann --status 0
check "update: the command" expect_record 2 update 0
check "update: the POST" expect_post 2 update

check_not "a failed update (bad value)" u update --username ann --uid -5
check_not "an update of an unknown user" u update --username nobody-here --status 1
check "no action for failed changes" test "$(n_records)/$(n_http)" = "2/2"

check "user delete" u delete --username ann
check "delete: the record as loaded before" expect_record 3 delete 0
check "delete: POST" sh -c "sed -n 3p '$HLOG' | grep -q '\"path\": \"/users?action=delete&x=1\"'"

# only what execute_on lists
write_config '["delete"]'
check "add with execute_on [delete]" u add --username bo --password pw \
	--home-dir "$T/homes/bo" --uid 1234 --gid 2345
check "no action for add" test "$(n_records)/$(n_http)" = "3/3"

# bad input: the change is done, the failure is said
write_config '["add", "update", "delete"]'
echo 500 >"$MODE"
chmod 644 "$T/action.sh"
u update --username bo --status 0 >"$T/out" 2>&1
check "update done despite failing hooks" sqlite3 "$CFG/sftpgo.db" \
	"SELECT 1 FROM users WHERE username='bo' AND status=0" 
check "a command that cannot run is reported" grep -q "action user update: command \"$T/action.sh\" failed: cannot run $T/action.sh: Permission denied" "$T/out"
check "an HTTP 500 is reported" grep -q "HTTP notification to http://127.0.0.1:$HPORT/users?action=update&x=1 failed: status 500" "$T/out"
echo ok >"$MODE"
chmod 755 "$T/action.sh"
cat >"$T/action.sh" <<'EOS'
#!/bin/sh
sleep 60
EOS
_t0=$(date +%s)
u delete --username bo >"$T/out2" 2>&1
check "delete with a command that hangs" grep -q 'User "bo" deleted' "$T/out2"
check "the CLI waits 15 s at most for it" test $(($(date +%s) - _t0)) -lt 25
check "and says it was killed" grep -q "timed out after 15 s" "$T/out2"
done_testing
