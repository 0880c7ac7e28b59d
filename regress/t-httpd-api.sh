#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The REST API v1 through `sftpgo serve` and curl (../shared/spec/rest-api-v1.md):
# every route and its error statuses, PUT merge, dump/load round trip followed by
# SFTP logins with OpenSSH, connections listed and closed, quota scans, the
# request log, sftpgo-httpd's privileges, path tricks in the file parameters.
# covers: httpd.bind_port httpd.bind_address httpd.backups_path data_provider.manage_users
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
. "$top_srcdir/regress/httpd-lib.sh"

U1=sftpgo-h1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
UID1=$(id -u "$U1")
GID1=$(id -g "$U1")
# provider actions: the action and the username of each call, in order
mkdir -p "$T/act"
chmod 1777 "$T/act"
printf '#!/bin/sh\necho "$1 $2" >>%s/act/log\n' "$T" >"$T/action.sh"
chmod 755 "$T/action.sh"
httpd_config 100 "" '"backups_path": "'"$T/backups"'"' \
	'"data_provider": {"actions": {"execute_on": ["add", "update", "delete"], "command": "'"$T/action.sh"'"}}'
# wait_action "ACTION USER": the provider action ran for it
wait_action() {
	_i=0
	while [ $_i -lt 100 ] && ! grep -qx "$1" "$T/act/log" 2>/dev/null; do
		sleep 0.1
		_i=$((_i + 1))
	done
	grep -qx "$1" "$T/act/log"
}
start_server || { fail "server starts"; exit 1; }
wait_httpd || { fail "the REST API answers"; exit 1; }
ok "the REST API answers"

# --- the process: unprivileged, chrooted, confined --------------------------
hpid=$(pgrep -P "$SERVER_PID" -x sftpgo-httpd | head -n 1)
check "sftpgo-httpd runs" test -n "$hpid"
check "sftpgo-httpd is not root" sh -c "! awk '/^Uid:/ {print \$2,\$3,\$4,\$5}' /proc/$hpid/status | grep -qw 0"
check "sftpgo-httpd is chrooted" test "$(readlink /proc/$hpid/root)" != /
check "sftpgo-httpd cannot fork (RLIMIT_NPROC 0)" grep -Eq '^Max processes +0 +0' "/proc/$hpid/limits"
# (sanitizer builds keep file writes for their reports: common/confine.c)
if grep -q -- '-fsanitize=address' "$top_builddir/Makefile"; then
	ok "# sanitizer build: RLIMIT_FSIZE not set"
else
	check "sftpgo-httpd cannot write files (RLIMIT_FSIZE 0)" grep -Eq '^Max file size +0 +0' "/proc/$hpid/limits"
fi

# --- version, providerstatus, fallbacks --------------------------------------
api GET /api/v1/version
expect "version" 200 "list(j) == ['version','build_date','commit_hash'] and j['version'] != ''"
check "JSON content type" sh -c "curl -sI -X GET http://127.0.0.1:$HPORT/api/v1/version | grep -qi '^content-type: application/json; charset=utf-8'"
api GET /api/v1/providerstatus
expect "providerstatus" 200 "j == {'error':'','message':'Alive','status':200}"
api GET /api/v1/nothing
expect "unknown path: 404 JSON" 404 "j == {'error':'','message':'Not Found','status':404}"
api GET /api/v1/user/
expect "no trailing-slash tolerance" 404
api DELETE /api/v1/connection/
expect "empty connection id: 404" 404
api GET /web/users
expect "/web is not served (web admin not built)" 404
api POST /api/v1/connection
expect "wrong method: 405 JSON" 405 "j == {'error':'','message':'Method not allowed','status':405}"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$HPORT/api/v1/version")
check "HEAD is not served for GET routes (405)" test "$STATUS" = 405
api PUT /api/v1/user
expect "PUT on the collection: 405" 405

# --- users -------------------------------------------------------------------
mkdir -p "$T/homes/alice" "$T/homes/bob"
chown "$U1:$U1" "$T/homes/alice" "$T/homes/bob"
ALICE='{"username":"alice","password":"alicepw","home_dir":"'"$T/homes/alice"'","uid":'"$UID1"',"gid":'"$GID1"',"permissions":{"/":["*"],"/ro/../sub/":["list","download"]},"status":1,"used_quota_size":99,"id":77}'
api POST /api/v1/user "$ALICE"
expect "add: 200 with the user" 200 "j['username']=='alice' and j['id']>0 and 'password' not in j"
expect "add: id from the provider, counters ignored" 200 "j['id']!=77 and j['used_quota_size']==0"
expect "add: permission keys cleaned" 200 "j['permissions']=={'/':['*'],'/sub':['list','download']}"
expect "add: member order and empty members as SFTPGo" 200 "list(j)[:4]==['id','status','username','expiration_date'] and 'public_keys' not in j and j['filesystem']=={'provider':0,'s3config':{},'gcsconfig':{}}"
AID=$(jget "j['id']")
api POST /api/v1/user "$ALICE"
expect "add a duplicate: 500" 500 "j['error']!='' and j['message']==''"
api POST /api/v1/user '{"username":"x","home_dir":"/tmp/x","permissions":{"/":["*"]}}'
expect "add without password or key: 400 validation" 400 "j['error'].startswith('Validation error: ')"
api POST /api/v1/user '{"username":"x","password":"p","home_dir":"rel","permissions":{"/":["*"]}}'
expect "add with a relative home: 400 validation" 400 "j['error'].startswith('Validation error: ')"
api POST /api/v1/user '{"username":"x","password":"p","home_dir":"/tmp/x","permissions":{"/":["nope"]}}'
expect "add with an unknown permission: 400" 400 "'nope' in j['error']"
api POST /api/v1/user '{"username":"x","uid":"1"}'
expect "wrong type: 400" 400 "j['message']=='' and j['error']!=''"
api POST /api/v1/user ''
expect "empty body: 400 EOF" 400 "j['error']=='EOF'"
api POST /api/v1/user '{"username":'
expect "invalid JSON: 400" 400
api POST /api/v1/user '[1,2]'
expect "not an object: 400" 400
printf '{"username":"\377\376","password":"p","home_dir":"/tmp/x","permissions":{"/":["*"]}}' >"$T/badutf8"
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -X POST --data-binary @"$T/badutf8" "http://127.0.0.1:$HPORT/api/v1/user")
expect "invalid UTF-8: 400" 400
$PY -c "print('['*100000 + ']'*100000)" >"$T/deep"
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -X POST --data-binary @"$T/deep" "http://127.0.0.1:$HPORT/api/v1/user")
expect "deeply nested JSON: 400" 400
head -c 1100000 /dev/zero | tr '\0' ' ' >"$T/big"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$T/big" "http://127.0.0.1:$HPORT/api/v1/user")
check "a body over 1 MiB: 413" test "$STATUS" = 413
api POST /api/v1/user '{"username":"ok2","password":"p","home_dir":"/tmp/ok2","permissions":{"/":["*"]},"status":1} trailing garbage'
expect "trailing bytes after the first value are ignored (Go's decoder)" 200
OK2=$(jget "j['id']")
api POST /api/v1/user '{"username":"bob","password":"bobpw","home_dir":"'"$T/homes/bob"'","uid":'"$UID1"',"gid":'"$GID1"',"permissions":{"/":["list"]},"status":1,"unknown_member":1}'
expect "unknown members are ignored" 200
BID=$(jget "j['id']")

check "add fired the provider action" wait_action "add alice"
api GET "/api/v1/user/$AID"
expect "get by id" 200 "j['username']=='alice' and 'password' not in j"
api GET /api/v1/user/abc
expect "get: bad id 400" 400 "j=={'error':'Invalid userID','message':'','status':400}"
api GET /api/v1/user/999999
expect "get: no such id 404" 404 "j['error'].startswith('Not found')"
api GET "/api/v1/user/+$AID"
expect "get: +id parses as Go's ParseInt" 200

api GET /api/v1/user
expect "list: ASC by username" 200 "[u['username'] for u in j]==['alice','bob','ok2']"
api GET "/api/v1/user?order=DESC&limit=2"
expect "list: DESC, limit" 200 "[u['username'] for u in j]==['ok2','bob']"
api GET "/api/v1/user?offset=1&limit=1"
expect "list: offset" 200 "[u['username'] for u in j]==['bob']"
api GET "/api/v1/user?username=bob"
expect "list: username filter" 200 "[u['username'] for u in j]==['bob']"
api GET "/api/v1/user?username=bob&offset=1"
expect "list: username filter with offset: []" 200 "j==[]"
api GET "/api/v1/user?limit=0"
expect "list: limit 0: []" 200 "j==[]"
api GET "/api/v1/user?limit=900"
expect "list: limit over 500 is clamped" 200 "len(j)==3"
api GET "/api/v1/user?limit="
expect "list: empty limit 400" 400 "j['error']=='Invalid limit'"
api GET "/api/v1/user?limit=-1"
expect "list: negative limit 400 (spec 16 row 12)" 400 "j['error']=='Invalid limit'"
api GET "/api/v1/user?offset=x"
expect "list: bad offset 400" 400 "j['error']=='Invalid offset'"
api GET "/api/v1/user?order=asc"
expect "list: order is case-sensitive" 400 "j['error']=='Invalid order'"
api GET "/api/v1/user?limit=x&order=bad"
expect "list: limit checked first" 400 "j['error']=='Invalid limit'"

# PUT merge (spec section 5)
api PUT "/api/v1/user/$AID" '{"max_sessions":5}'
expect "put: only a member" 200 "j=={'error':'','message':'User updated','status':200}"
api GET "/api/v1/user/$AID"
expect "put: merged, the rest kept" 200 "j['max_sessions']==5 and j['permissions']['/sub']==['list','download'] and j['home_dir'].endswith('/homes/alice')"
api PUT "/api/v1/user/$AID" '{"id":12345}'
expect "put: id mismatch 400 (text in message)" 400 "j=={'error':'','message':'user ID in request body does not match user ID in path parameter','status':400}"
api PUT "/api/v1/user/$AID" '{"username":"mallory","quota_files":3,"used_quota_files":50,"last_login":7}'
expect "put: username and counters" 200
api GET "/api/v1/user/$AID"
expect "put: username kept, counters ignored (spec 16 rows 13, 14)" 200 "j['username']=='alice' and j['quota_files']==3 and j['used_quota_files']==0 and j['last_login']==0"
api PUT "/api/v1/user/$AID" '{"permissions":{}}'
expect "put: permissions {} keeps them" 200
api GET "/api/v1/user/$AID"
expect "put: ... still there" 200 "'/' in j['permissions']"
api PUT "/api/v1/user/$AID" '{"home_dir":"relative"}'
expect "put: validation 400" 400 "j['error'].startswith('Validation error: ')"
api PUT /api/v1/user/999999 '{}'
expect "put: no such id 404" 404
api PUT /api/v1/user/x '{}'
expect "put: bad id 400" 400 "j['error']=='Invalid userID'"
api PUT "/api/v1/user/$AID" '{"max_sessions":"5"}'
expect "put: wrong type 400" 400
api PUT "/api/v1/user/$AID" '{"max_sessions":0}'
printf 'ls\n' | sftp_pw alice alicepw >"$T/sftp1" 2>&1
check "the password survives PUTs without one (sftp login)" grep -q 'sftp> ls' "$T/sftp1"

api DELETE "/api/v1/user/$OK2"
expect "delete" 200 "j=={'error':'','message':'User deleted','status':200}"
api DELETE "/api/v1/user/$OK2"
expect "delete again: 404" 404
check "update fired the provider action" wait_action "update alice"
check "delete fired the provider action" wait_action "delete ok2"
# 3 adds, 4 successful PUTs, 1 delete; the refused requests fired nothing
i=0
while [ $i -lt 100 ] && [ "$(grep -c . "$T/act/log")" -lt 8 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.3
check "only successful changes fired actions (8)" test "$(grep -c . "$T/act/log")" -eq 8
api DELETE /api/v1/user/x
expect "delete: bad id 400" 400

# --- connections ---------------------------------------------------------------
api GET /api/v1/connection
expect "no connections: []" 200 "j==[]"
open_sftp alice alicepw
api_until GET /api/v1/connection "len(j)==1"
expect "an open sftp session is listed" 200 "len(j)==1 and j[0]['username']=='alice' and j[0]['protocol']=='SFTP' and j[0]['active_transfers']==[] and j[0]['remote_address'].startswith('127.0.0.1:')"
expect "connection members in SFTPGo's order" 200 "list(j[0])==['username','connection_id','client_version','remote_address','connection_time','last_activity','protocol','active_transfers','ssh_command']"
CID=$(jget "j[0]['connection_id']")
api DELETE /api/v1/connection/nosuchid
expect "close an unknown connection: 404" 404 "j=={'error':'','message':'Not Found','status':404}"
api DELETE "/api/v1/connection/$CID"
expect "close the connection" 200 "j=={'error':'','message':'Connection closed','status':200}"
api_until GET /api/v1/connection "j==[]"
expect "... it is gone" 200 "j==[]"
exec 7>&-
wait "$SFTP_PID"

# --- quota scans ---------------------------------------------------------------
dd if=/dev/zero of="$T/homes/alice/f1" bs=1000 count=3 2>/dev/null
dd if=/dev/zero of="$T/homes/alice/f2" bs=1000 count=2 2>/dev/null
chown "$U1:$U1" "$T/homes/alice/f1" "$T/homes/alice/f2"
api GET /api/v1/quota_scan
expect "no scans: []" 200 "j==[]"
api POST /api/v1/quota_scan '{"username":"nobody-here"}'
expect "scan of an unknown user: 404" 404
api POST /api/v1/quota_scan '{"username":"alice","uid":"x"}'
expect "scan: the body must decode as a user (400)" 400
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary '{"username":"alice"}' "http://127.0.0.1:$HPORT/api/v1/quota_scan")
expect "scan started (any content type)" 201 "j=={'error':'','message':'Scan started','status':201}"
api_until GET "/api/v1/user/$AID" "j['used_quota_files']==2"
expect "the scan counted the home (as the user)" 200 "j['used_quota_files']==2 and j['used_quota_size']==5000 and j['last_quota_update']>0"
api GET /api/v1/quota_scan
expect "scan list empty again" 200 "j==[]"

# --- dumpdata / loaddata -------------------------------------------------------
api GET /api/v1/dumpdata
expect "dumpdata without output_file: 400" 400 "j['error']=='Invalid or missing output_file'"
api GET "/api/v1/dumpdata?output_file=/etc/x.json"
expect "dumpdata absolute: 400" 400 "'must be a relative path' in j['error']"
api GET "/api/v1/dumpdata?output_file=../x.json"
expect "dumpdata ..: 400" 400 "j['error']=='Invalid output_file \"../x.json\"'"
api GET "/api/v1/dumpdata?output_file=a..b.json"
expect "dumpdata any '..' (SFTPGo): 400" 400
api GET "/api/v1/dumpdata?output_file=%2E%2E%2Fx.json"
expect "dumpdata encoded ..: 400" 400
mkdir -p "$T/backups" "$T/outside"
ln -s "$T/outside" "$T/backups/link"
api GET "/api/v1/dumpdata?output_file=link/x.json"
expect "dumpdata through a symlink in backups_path: refused" 500
check "... nothing written outside" test ! -e "$T/outside/x.json"
api GET "/api/v1/dumpdata?output_file=sub/dir/dump.json&indent=1"
expect "dumpdata into new subdirectories" 200 "j=={'error':'','message':'Data saved','status':200}"
check "dump file mode 0600" test "$(stat -c %a "$T/backups/sub/dir/dump.json")" = 600
check "dump subdirectory mode 0700" test "$(stat -c %a "$T/backups/sub/dir")" = 700
check "dump has the password hashes" $PY -c "
import json,sys; d=json.load(open('$T/backups/sub/dir/dump.json'))
assert [u['username'] for u in d['users']]==['alice','bob'], d
assert all(u['password'].startswith('\$argon2id\$') for u in d['users'])"
check "indent=1: pretty JSON" grep -q '^  "users"' "$T/backups/sub/dir/dump.json"

api DELETE "/api/v1/user/$AID"
api DELETE "/api/v1/user/$BID"
api GET /api/v1/loaddata
expect "loaddata without input_file: 400" 400 "'must be an absolute path' in j['error']"
api GET "/api/v1/loaddata?input_file=rel.json"
expect "loaddata relative: 400" 400
api GET "/api/v1/loaddata?input_file=$T/none.json"
expect "loaddata missing file: 400" 400
api GET "/api/v1/loaddata?input_file=$T/backups/sub/dir/dump.json&scan_quota=x"
expect "loaddata bad scan_quota: 400" 400 "j['error'].startswith('invalid scan_quota')"
api GET "/api/v1/loaddata?input_file=$T/backups/sub/dir/dump.json&mode=7"
expect "loaddata mode out of range: 400 (spec 16 row 20)" 400
echo '{"users":' >"$T/broken.json"
api GET "/api/v1/loaddata?input_file=$T/broken.json"
expect "loaddata unparsable: 400" 400 "j['message'].startswith('Unable to parse input file')"
head -c 10485761 /dev/zero >"$T/huge.json"
api GET "/api/v1/loaddata?input_file=$T/huge.json"
expect "loaddata too big: 400 (text in message)" 400 "'size too big' in j['message'] and j['error']==''"
api GET "/api/v1/loaddata?input_file=$T/backups/sub/dir/dump.json&scan_quota=1"
expect "loaddata" 200 "j=={'error':'','message':'Data restored','status':200}"
api GET /api/v1/user
expect "restored users" 200 "[u['username'] for u in j]==['alice','bob']"
# actions run asynchronously: wait for the second "add alice" line
n_add_alice() { grep -c '^add alice$' "$T/act/log"; }
i=0
while [ $i -lt 100 ] && [ "$(n_add_alice)" -lt 2 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "loaddata fired add actions" test "$(n_add_alice)" -eq 2
printf 'ls\n' | sftp_pw alice alicepw >"$T/sftp2" 2>&1
check "restored alice logs in with OpenSSH sftp" grep -q 'f1' "$T/sftp2"
printf 'ls\n' | sftp_pw bob bobpw >"$T/sftp3" 2>&1
check "restored bob logs in" grep -q 'sftp> ls' "$T/sftp3"
api GET "/api/v1/loaddata?input_file=$T/backups/sub/dir/dump.json&mode=1"
expect "loaddata mode 1 (existing users untouched)" 200

# --- the request log -----------------------------------------------------------
check "request log lines as spec section 14" $PY -c "
import json
lines=[json.loads(l) for l in open('$LOG') if '\"sender\":\"httpd\"' in l and '\"method\"' in l]
assert len(lines) > 50, len(lines)
keys=['level','time','sender','method','proto','remote_addr','request_id','uri','user_agent','resp_status','resp_size','elapsed_ms']
assert all(list(l)==keys for l in lines), lines[0]
assert any(l['resp_status']==404 and l['uri'].endswith('/api/v1/nothing') for l in lines)"
curl -s -o /dev/null -H 'X-Request-Id: my-req-1' -H 'X-Forwarded-For: 192.0.2.7, 10.0.0.1' "http://127.0.0.1:$HPORT/api/v1/version"
check "X-Request-Id and X-Forwarded-For in the log" grep -q '"remote_addr":"192.0.2.7","request_id":"my-req-1"' "$LOG"
check "operations are logged by the monitor" grep -q 'REST API: user alice added' "$LOG"
check "the server still serves SFTP" sh -c "printf 'ls\n' | sshpass -p alicepw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - alice@127.0.0.1"
stop_server

# data_provider.manage_users 0: reads work, writes refused as SFTPGo
httpd_config 100 "" '"backups_path": "'"$T/backups"'"' '"data_provider": {"manage_users": 0}'
: >"$LOG"
start_server || { fail "server starts with manage_users 0"; exit 1; }
wait_httpd
DISABLED="Method disabled error: please set manage_users to 1 in your configuration to enable this method"
api GET /api/v1/user
expect "manage_users 0: list works" 200 "len(j)==2"
AID=$(jget "j[0]['id']")
api POST /api/v1/user '{"username":"new","password":"p","home_dir":"/tmp/new","permissions":{"/":["*"]}}'
expect "manage_users 0: add 403" 403 "j['error']=='$DISABLED'"
api PUT "/api/v1/user/$AID" '{"max_sessions":9}'
expect "manage_users 0: update 403" 403 "j['error']=='$DISABLED'"
api DELETE "/api/v1/user/$AID"
expect "manage_users 0: delete 500 (spec section 1.5)" 500 "j['error']=='$DISABLED'"
api GET "/api/v1/loaddata?input_file=$T/backups/sub/dir/dump.json"
expect "manage_users 0: loaddata 403" 403
api GET "/api/v1/user/$AID"
expect "manage_users 0: nothing changed" 200 "j['max_sessions']!=9"
stop_server
done_testing
