#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo serve with Google Cloud Storage accounts (issue 14), against a real GCS
# JSON API started here: the Cloud Storage emulator of npm's firebase-tools
# (contrib/install-deps.sh installs it under /opt/sftpgo-test-gcs), launched by
# regress/gcs-emulator.js with an OAuth token endpoint that verifies the service
# account's RS256 JWT, a metadata server token, bearer tokens required on every
# storage request, and fault injection. Every SFTP client operation with OpenSSH's
# sftp, scp -O and sha256sum over ssh; 100 MiB up and down, sha256 compared;
# the credentials file under credentials_path; a client killed mid-upload leaves
# no object; key_prefix escapes; 500s and dropped connections retried, then a
# clean SFTP error; automatic credentials; quota scan; users added through the
# REST API; dumpdata/loaddata carrying the key file as base64 (SFTPGo 0.9.6's
# shape), in both loaddata modes, with bad credentials refused by field name.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
. "$top_srcdir/regress/gcs-lib.sh"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"

if ! gcs_have; then
	[ "${CI:-}" = true ] && { fail "the firebase-tools storage emulator is installed (contrib/install-deps.sh)"; exit 1; }
	skip_all "firebase-tools not installed (contrib/install-deps.sh)"
fi

U1=sftpgo-gcsa-$$
make_sysuser "$U1" || skip_all "cannot create system users"
GPORT=$((PORT_BASE + 77))
BUCKET=tb
EMAIL=sftpgo-test@demo-sftpgo.iam.gserviceaccount.com

# the service account ($T/sa.json) and the emulator
gcs_start "$GPORT" "$EMAIL" || { fail "the GCS emulator starts"; exit 1; }
ok "the GCS emulator starts"

# direct access to the emulator: what the bucket really holds
TOK=$(curl -s -H 'Metadata-Flavor: Google' \
	"http://127.0.0.1:$GPORT/computeMetadata/v1/instance/service-accounts/default/token" |
	$PY -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
g() { curl -s -H "Authorization: Bearer $TOK" "$@"; }
GAPI=http://127.0.0.1:$GPORT/storage/v1/b/$BUCKET/o
enc() { $PY -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
gkeys() { g "$GAPI?prefix=$(enc "${1:-}")" |
	$PY -c 'import json,sys; [print(i["name"]) for i in json.load(sys.stdin).get("items", [])]'; }
gmeta() { g "$GAPI/$(enc "$1")" | $PY -c "import json,sys; print(json.load(sys.stdin).get('$2', ''))"; }
gput() { printf '%s' "$2" | g -o /dev/null -X POST --data-binary @- \
	"http://127.0.0.1:$GPORT/upload/storage/v1/b/$BUCKET/o?uploadType=media&name=$(enc "$1")"; }
stat_of() { curl -s "http://127.0.0.1:$GPORT/__stats" |
	$PY -c "import json,sys; print(json.load(sys.stdin).get('$1', 0))"; }
fault() { curl -s -o /dev/null -X POST "http://127.0.0.1:$GPORT/__fault?mode=$1&n=${2:-0}"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
mkfile() { head -c "$2" /dev/urandom >"$T/$1"; }

PORT=$((PORT_BASE + 76))
cat >"$CFG/sftpgo.json" <<EOC
{"sftpd": {"bind_port": $PORT, "bind_address": "127.0.0.1", "session_pool_size": 2,
  "enable_scp": true, "enabled_ssh_commands": ["scp", "sha256sum", "rsync"]},
 "httpd": {"bind_port": $((PORT_BASE + 78)), "bind_address": "127.0.0.1"},
 "data_provider": {"track_quota": 1, "credentials_path": "gcs-creds"}}
EOC
start_server || { fail "server starts"; exit 1; }

# add_gcs_user NAME PREFIX [more flags]
add_gcs_user() {
	_n=$1
	_p=$2
	shift 2
	add_user "$_n" "$U1" --password pw --fs-provider 2 --gcs-bucket "$BUCKET" \
		--gcs-endpoint "http://127.0.0.1:$GPORT" --gcs-key-prefix "$_p" "$@"
}
# covers: data_provider.credentials_path
check "user add with the GCS flags and a key file" add_gcs_user alice users/alice \
	--gcs-credentials-file "$T/sa.json" --gcs-storage-class NEARLINE
CREDS="$CFG/gcs-creds/alice_gcs_credentials.json"
check "the key file is saved under credentials_path as <user>_gcs_credentials.json" \
	cmp "$T/sa.json" "$CREDS"
check "mode 0600 in a 0700 directory" sh -c \
	"[ \"\$(stat -c %a '$CREDS')\" = 600 ] && [ \"\$(stat -c %a '$CFG/gcs-creds')\" = 700 ]"
fs_of() { sqlite3 "$CFG/sftpgo.db" "SELECT filesystem FROM users WHERE username = '$1'"; }
check "the database keeps no credentials" sh -c \
	"! sqlite3 '$CFG/sftpgo.db' 'SELECT filesystem FROM users' | grep -q '\"credentials\"\\|PRIVATE KEY'"
check "key_prefix is stored cleaned with a trailing slash" sh -c \
	"sqlite3 '$CFG/sftpgo.db' \"SELECT filesystem FROM users WHERE username = 'alice'\" |
	 grep -q '\"key_prefix\": *\"users/alice/\"'"
check "a second GCS user, reusing the stored key file" add_gcs_user bob users/bob/ \
	--gcs-credentials-file "$T/sa.json" --upload-bandwidth 4000
check_not "a user with explicit credentials and no file is refused" \
	add_gcs_user carol users/carol --gcs-automatic-credentials explicit
check_not "credentials that are not a key file are refused" sh -c \
	"echo 'not json' >'$T/bad.json'; add_gcs_user dave users/dave --gcs-credentials-file '$T/bad.json'"
check_not "a GCS user without a bucket is refused" sh -c \
	"'$SFTPGO' user add --config-dir '$CFG' --username eve --password pw --home-dir /tmp/eve \
	 --uid 1 --gid 1 --fs-provider 2 --gcs-automatic-credentials automatic"
check_not "a key_prefix with .. is refused" \
	add_gcs_user frank ../x --gcs-automatic-credentials automatic

# ---- every SFTP operation ----
mkfile small 1000
mkfile mid 3000000
cat >"$T/b1" <<EOB
mkdir d
mkdir d
put $T/small d/small.bin
put $T/mid d/mid.bin
ls -l d
get d/small.bin $T/small.back
get d/mid.bin $T/mid.back
rename d/small.bin d/renamed.bin
chmod 600 d/renamed.bin
-symlink d/renamed.bin link
-ln d/renamed.bin hard
-df
-rmdir d
-rename d e
mkdir empty
rename empty empty2
rmdir empty2
rm d/renamed.bin
ls -l d
EOB
sftp_pw alice pw <"$T/b1" >"$T/b1.out" 2>&1
check "the batch of SFTP operations runs" test $? -eq 0
check "uploads come back identical" sh -c "cmp '$T/small' '$T/small.back' && cmp '$T/mid' '$T/mid.back'"
check "ls -l shows the files with their sizes" sh -c \
	"grep -q ' 1000 .*d/small.bin' '$T/b1.out' && grep -q ' 3000000 .*d/mid.bin' '$T/b1.out'"
check "symlinks are refused (permission denied)" grep -q 'symlink.*Permission denied' "$T/b1.out"
check "hard links are refused" grep -qi 'link.*\(unsupported\|failure\|not supported\)' "$T/b1.out"
nonempty_kept() {
	grep -q 'rmdir.*Failure' "$T/b1.out" && grep -q 'rename.*Failure' "$T/b1.out" &&
		gkeys users/alice/d/ | grep -qx 'users/alice/d/'
}
check "a non-empty directory is neither removed nor renamed" nonempty_kept
all_under_prefix() {
	! gkeys | grep -v '^users/alice/' | grep -q . && gkeys users/alice/ | grep -q 'users/alice/d/mid.bin'
}
check "every object is under the user's key_prefix" all_under_prefix
marker() { gkeys users/alice/d/ | grep -qx 'users/alice/d/'; }
check "mkdir made a directory marker object" marker
gone() { ! gkeys "$1" | grep -q "$2"; }
check "rename is rewrite + delete, remove deletes" gone users/alice/d/ 'small.bin\|renamed.bin'
check "the empty directory was renamed and removed" gone users/alice/ empty
# the emulator stores every object as STANDARD: its launcher counts what the
# upload sessions and rewrites asked for
check "uploads and renames ask for the storage class" sh -c \
	"[ $(stat_of 'class NEARLINE') -ge 4 ] && [ $(stat_of 'class none') -eq 0 ]"
check "chmod is accepted and logged" wait_log '"Chmod".*renamed.bin'
check "the log names GCS paths (key_prefix + path, no leading /)" \
	wait_log '"sender":"Upload".*"file_path":"users/alice/d/mid.bin"'
check "nothing was left in the local home (the spool)" sh -c "[ -z \"\$(ls -A '$T/homes/alice')\" ]"
check "every storage request carried a valid token" test "$(stat_of bad_token)" -eq 0
check "the tokens came from the JWT bearer grant, verified" sh -c \
	"[ $(stat_of tokens) -ge 1 ] && [ $(stat_of bad_jwt) -eq 0 ]"

# ---- scp -O and the digest commands ----
mkfile scpf 200000
check "scp -O upload" sh -c "sshpass -p pw scp -O $SSH_OPTS -P $PORT '$T/scpf' alice@127.0.0.1:/d/scp.bin"
check "scp -O download" sh -c "sshpass -p pw scp -O $SSH_OPTS -P $PORT alice@127.0.0.1:/d/scp.bin '$T/scp.back'"
check "scp round trip is identical" cmp "$T/scpf" "$T/scp.back"
remote_sha() { [ "$(ssh_pw alice pw sha256sum /d/scp.bin | cut -d' ' -f1)" = "$(sha "$T/scpf")" ]; }
check "sha256sum over ssh hashes the object" remote_sha
check_not "rsync is refused on cloud storage" ssh_pw alice pw 'rsync --server -e.LsfxC . /d'

# ---- 100 MiB: one resumable session in 16 MiB chunks ----
mkfile big 104857600
chunks0=$(stat_of chunk)
sessions0=$(stat_of "POST upload")
printf 'put %s /big.bin\nget /big.bin %s\n' "$T/big" "$T/big.back" | sftp_pw alice pw >"$T/big.out" 2>&1
check "100 MiB up and down" test $? -eq 0
check "100 MiB: sha256 identical" test "$(sha "$T/big")" = "$(sha "$T/big.back")"
check "the emulator holds 104857600 bytes" test "$(gmeta users/alice/big.bin size)" = 104857600
check "uploaded in one session: 6 chunks of 16 MiB with a Content-Range, then the last" sh -c \
	"[ $(stat_of chunk) -eq $((chunks0 + 6)) ] && [ $(stat_of 'POST upload') -eq $((sessions0 + 1)) ]"

# ---- a client killed mid-upload leaves nothing ----
mkfile half 40000000
sessions0=$(stat_of "POST upload")
gets0=$(stat_of GET)
printf 'put %s /half.bin\n' "$T/half" | sftp_pw bob pw >/dev/null 2>&1 &
CLIENT=$!
# bob's upload_bandwidth (4000 KB/s) holds the 40 MB for 10 s: kill the client once
# the worker has looked the target up (its OPEN), long before its CLOSE
opened() {
	_i=0
	while [ "$(stat_of GET)" -eq "$gets0" ]; do
		[ $_i -ge 100 ] && return 1
		sleep 0.1
		_i=$((_i + 1))
	done
}
check "bob's upload starts" opened
# the GCS worker runs under the cloud worker's seccomp role, like S3's (t-sandbox)
wpid=$(grep -o 'sftp worker [0-9]* started for user bob' "$LOG" | tail -n 1 | awk '{print $3}')
check "a GCS user's worker runs under its seccomp filter" sh -c \
	"[ -n '$wpid' ] && grep -q '^Seccomp:[[:space:]]*2' /proc/$wpid/status"
for _p in $CLIENT $(descendants $CLIENT); do kill -9 "$_p" 2>/dev/null; done
wait $CLIENT 2>/dev/null
check "the aborted upload is logged, with the object path" \
	wait_log '"sender":"Upload".*"username":"bob","file_path":"users/bob/half.bin"'
check "no object appeared for the killed upload" gone users/bob/ half.bin
check "no upload session was started for it" test "$(stat_of "POST upload")" -eq "$sessions0"
check "bob's local home holds no partial file" sh -c "[ -z \"\$(ls -A '$T/homes/bob')\" ]"

# ---- key_prefix is a hard root ----
gput users/bob/secret.txt "bob's"
gput top.txt "bucket root"
gput "users/alice/../evil.txt" "dot-dot key"
gput "users/alice//double.txt" "empty component"
cat >"$T/b2" <<EOB
-get ../bob/secret.txt $T/esc1
-get /../top.txt $T/esc2
-get ../../top.txt $T/esc3
-get ..%2Fbob%2Fsecret.txt $T/esc4
-get /users/bob/secret.txt $T/esc5
-get ../evil.txt $T/esc6
cd /..
ls -a
put $T/small ../../escape.txt
EOB
sftp_pw alice pw <"$T/b2" >"$T/b2.out" 2>&1
check "no escape attempt fetched anything" sh -c "! ls '$T'/esc? 2>/dev/null | grep -q ."
root_listing() { sed -n '/^sftp> ls -a/,/^sftp> put/p' "$T/b2.out" | sed '1d;$d'; }
check "the listing of / shows only the user's objects" sh -c \
	"[ '$(root_listing | tr -s ' \n' ' ' | sed 's/ $//')' = '. .. big.bin d' ]"
landed() { gkeys | grep -qx 'users/alice/escape.txt' && ! gkeys | grep -qx 'escape.txt'; }
check "an upload to ../../x lands inside the prefix" landed

# ---- a faulty endpoint: retries, then a clean error ----
fault 500 2
put_one() { printf 'put %s %s\n' "$1" "$2" | sftp_pw alice pw; }
check "two 500s are retried: the upload succeeds" put_one "$T/small" /r1.bin
check "the retries are logged" wait_log 'gcs: .*retrying (attempt 2'
mkfile twelve 12000000
fault drop 2
round_trip() {
	printf 'put %s /r2.bin\nget /r2.bin %s\n' "$T/twelve" "$T/twelve.back" | sftp_pw alice pw &&
		cmp "$T/twelve" "$T/twelve.back"
}
check "dropped connections are retried: 12 MB succeeds" round_trip
check "the emulator dropped them" test "$(stat_of faults)" -ge 4
# a chunk's connection dropped: the session says what it holds, the upload goes on
mkfile forty 40000000
sessions0=$(stat_of "POST upload")
queries0=$(stat_of "chunk query")
fault dropchunk 1
resumed() {
	printf 'put %s /r4.bin\nget /r4.bin %s\n' "$T/forty" "$T/forty.back" | sftp_pw alice pw &&
		cmp "$T/forty" "$T/forty.back"
}
check "a chunk dropped mid-upload (40 MB, 3 chunks): resumed, identical" resumed
check "... in the same session, after a status query" sh -c \
	"[ $(stat_of 'POST upload') -eq $((sessions0 + 1)) ] && [ $(stat_of 'chunk query') -gt $queries0 ]"
check "the resume is logged" wait_log 'asking the session what it holds'
fault down
printf 'put %s /r3.bin\n' "$T/small" | sftp_pw alice pw >"$T/r3.out" 2>&1
check "an endpoint that keeps failing: the upload fails" test $? -ne 0
check "with a clean SFTP error" grep -q 'Failure\|failure\|Permission denied\|No such file' "$T/r3.out"
fault off
check "and no object" gone users/alice/ r3.bin
check "the failed upload is logged" wait_log 'r3.bin.*HTTP 500'

# ---- a revoked token is replaced ----
curl -s -o /dev/null -X POST "http://127.0.0.1:$GPORT/__revoke"
TOK=$(curl -s -H 'Metadata-Flavor: Google' \
	"http://127.0.0.1:$GPORT/computeMetadata/v1/instance/service-accounts/default/token" |
	$PY -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
lists() { echo 'ls /d' | sftp_pw alice pw | grep -q scp.bin; }
check "a new session gets a new token and lists" lists

# ---- quota as SFTPGo counts cloud users ----
objects() { g "$GAPI?prefix=$(enc "users/$1/")" | $PY -c '
import json, sys
items = [i for i in json.load(sys.stdin).get("items", []) if not i["name"].endswith("/")]
print(len(items), sum(int(i["size"]) for i in items))'; }
want=$(objects alice)
"$SFTPGO" quota scan --config-dir "$CFG" --libexec-dir "$top_builddir" --username alice \
	>"$T/scan.out" 2>&1
check "sftpgo quota scan of a GCS user" test $? -eq 0
check "the scan counts the objects, not the markers ($want)" wait_used alice "$want"

# ---- automatic credentials: the metadata server (GCE_METADATA_HOST) ----
stop_server
check "a user with automatic credentials" add_gcs_user gina users/gina \
	--gcs-automatic-credentials automatic
meta0=$(stat_of metadata_tokens)
GCE_METADATA_HOST=127.0.0.1:$GPORT start_server || fail "server restarts"
gina_put() { printf 'put %s /a.bin\nls -l /\n' "$T/small" | sftp_pw gina pw | grep -q ' 1000 .*a.bin'; }
check "gina uploads and lists" gina_put
check "with a token from the metadata server" test "$(stat_of metadata_tokens)" -gt "$meta0"
check "gina's object is in the bucket" sh -c \
	"curl -s -H 'Authorization: Bearer $TOK' '$GAPI?prefix=users%2Fgina%2F' | grep -q 'users/gina/a.bin'"
stop_server
# ---- automatic credentials: GOOGLE_APPLICATION_CREDENTIALS ----
tok0=$(stat_of tokens)
GOOGLE_APPLICATION_CREDENTIALS=$T/sa.json start_server || fail "server restarts"
gina_ls() { echo 'ls -l /' | sftp_pw gina pw | grep -q ' 1000 .*a.bin'; }
check "with GOOGLE_APPLICATION_CREDENTIALS the key file's account is used" gina_ls
check "through the JWT bearer grant" test "$(stat_of tokens)" -gt "$tok0"

# ---- the REST API shares the validation and the credentials file ----
. "$top_srcdir/regress/httpd-lib.sh"
HPORT=$((PORT_BASE + 78))
mkdir -p "$T/homes/rita"
chown "$U1:$U1" "$T/homes/rita"
B64=$(base64 -w0 "$T/sa.json")
api POST /api/v1/user "{\"username\":\"rita\",\"password\":\"pw\",\"home_dir\":\"$T/homes/rita\",
 \"uid\":$(id -u "$U1"),\"gid\":$(id -g "$U1"),\"permissions\":{\"/\":[\"*\"]},\"status\":1,
 \"filesystem\":{\"provider\":2,\"gcsconfig\":{\"bucket\":\"$BUCKET\",\"key_prefix\":\"users/rita\",
 \"endpoint\":\"http://127.0.0.1:$GPORT\",\"credentials\":\"$B64\"}}}"
expect "POST /api/v1/user with gcsconfig.credentials" 200 \
	"'credentials' not in j['filesystem']['gcsconfig'] and j['filesystem']['gcsconfig']['key_prefix'] == 'users/rita/'"
check "the REST API saved rita's key file" cmp "$T/sa.json" "$CFG/gcs-creds/rita_gcs_credentials.json"
rita_put() { printf 'put %s /r.bin\n' "$T/small" | sftp_pw rita pw >/dev/null &&
	gkeys users/rita/ | grep -qx 'users/rita/r.bin'; }
check "rita uploads to her prefix" rita_put
api POST /api/v1/user "{\"username\":\"rob\",\"password\":\"pw\",\"home_dir\":\"$T/homes/rob\",
 \"uid\":1,\"gid\":1,\"permissions\":{\"/\":[\"*\"]},\"status\":1,
 \"filesystem\":{\"provider\":2,\"gcsconfig\":{\"bucket\":\"$BUCKET\",\"credentials\":\"%%%%\"}}}"
expect "POST /api/v1/user with credentials that are not base64: 400" 400
api POST /api/v1/user "{\"username\":\"rob\",\"password\":\"pw\",\"home_dir\":\"$T/homes/rob\",
 \"uid\":1,\"gid\":1,\"permissions\":{\"/\":[\"*\"]},\"status\":1,
 \"filesystem\":{\"provider\":2,\"gcsconfig\":{\"bucket\":\"$BUCKET\",\"project\":\"x\"}}}"
expect "POST /api/v1/user with an unknown gcsconfig member: 400, named" 400 \
	"'gcsconfig.project' in j.get('error', '') + j.get('message', '')"

# ---- dumpdata / loaddata carry the key file (SFTPGo: dumps re-embed it) ----
CREDS_DIR=$CFG/gcs-creds
DUMP=$CFG/backups/gcs-dump.json
api GET "/api/v1/dumpdata?output_file=gcs-dump.json&indent=1"
expect "dumpdata of GCS users: 200" 200 "j['message'] == 'Data saved'"
# dumped CREDS-DIR FILE: each explicit-credentials user's gcsconfig.credentials is
# the standard, padded base64 of its file; automatic users carry none
dumped() {
	$PY - "$1" "$2" <<'EOP'
import base64, json, os, sys
users = {u["username"]: u for u in json.load(open(sys.argv[2]))["users"]}
for name in ("alice", "bob", "rita"):
    c = users[name]["filesystem"]["gcsconfig"]["credentials"]
    raw = open(os.path.join(sys.argv[1], name + "_gcs_credentials.json"), "rb").read()
    assert base64.b64decode(c, validate=True) == raw, name
    assert base64.standard_b64encode(raw).decode() == c, name
assert "credentials" not in users["gina"]["filesystem"]["gcsconfig"]
EOP
}
check "the dump embeds each key file as base64; automatic users none" dumped "$CREDS_DIR" "$DUMP"
check "the dump file is 0600" test "$(stat -c %a "$DUMP")" = 600
api GET /api/v1/user
expect "GET /api/v1/user never returns credentials" 200 \
	"len(j) >= 4 and all('credentials' not in u['filesystem']['gcsconfig'] for u in j)"
api GET "/api/v1/user?username=rita"
RITA_ID=$(jget "j[0]['id']")
api GET "/api/v1/user/$RITA_ID"
expect "GET /api/v1/user/ID never returns credentials" 200 \
	"'credentials' not in j['filesystem']['gcsconfig'] and 'PRIVATE' not in json.dumps(j)"

# rita and her key file gone; alice's key file gone too
api DELETE "/api/v1/user/$RITA_ID"
expect "rita deleted" 200
rm -f "$CREDS_DIR/rita_gcs_credentials.json" "$CREDS_DIR/alice_gcs_credentials.json"
api GET "/api/v1/loaddata?input_file=$DUMP&mode=1"
expect "loaddata mode 1: 200" 200 "j['message'] == 'Data restored'"
check "mode 1 re-added rita with her key file, identical" \
	cmp "$T/sa.json" "$CREDS_DIR/rita_gcs_credentials.json"
check "... mode 0600" test "$(stat -c %a "$CREDS_DIR/rita_gcs_credentials.json")" = 600
check_not "mode 1 left alice (existing) untouched: no key file written" \
	test -e "$CREDS_DIR/alice_gcs_credentials.json"
check "the database keeps no credentials after loaddata" sh -c \
	"! sqlite3 '$CFG/sftpgo.db' 'SELECT filesystem FROM users' | grep -q '\"credentials\"\\|PRIVATE KEY'"
rita_round() {
	printf 'put %s /back.bin\nget /back.bin %s\n' "$T/mid" "$T/rita.back" | sftp_pw rita pw >/dev/null &&
		cmp "$T/mid" "$T/rita.back" && gkeys users/rita/ | grep -qx 'users/rita/back.bin'
}
check "the restored rita uploads and downloads through the emulator" rita_round
# a missing key file fails the whole dump, as SFTPGo's does (a not-found error: 400)
api GET "/api/v1/dumpdata?output_file=gcs-dump2.json"
expect "dumpdata with alice's key file missing: 400, naming her" 400 \
	"'alice' in j['error'] and 'No such file' in j['error']"
check "... logged" wait_log 'dumpdata: GCS credentials of user .*alice'
check_not "... and no dump written" test -e "$CFG/backups/gcs-dump2.json"
api GET "/api/v1/loaddata?input_file=$DUMP&mode=0"
expect "loaddata mode 0: 200" 200
check "mode 0 rewrote alice's key file, identical, 0600" sh -c \
	"cmp '$T/sa.json' '$CREDS_DIR/alice_gcs_credentials.json' &&
	 [ \"\$(stat -c %a '$CREDS_DIR/alice_gcs_credentials.json')\" = 600 ]"
alice_ls() { echo 'ls -l /d' | sftp_pw alice pw | grep -q 'scp.bin'; }
check "alice still lists after the restore" alice_ls
# a key file that is a symlink is not followed
mv "$CREDS_DIR/bob_gcs_credentials.json" "$T/bob.json"
ln -s "$T/bob.json" "$CREDS_DIR/bob_gcs_credentials.json"
api GET "/api/v1/dumpdata?output_file=gcs-dump3.json"
expect "dumpdata with bob's key file a symlink: refused (500), naming him" 500 \
	"'bob' in j['error']"
rm -f "$CREDS_DIR/bob_gcs_credentials.json"
mv "$T/bob.json" "$CREDS_DIR/bob_gcs_credentials.json"
api GET "/api/v1/dumpdata?output_file=gcs-dump3.json"
expect "dumpdata once bob's file is back: 200" 200

# a dump in SFTPGo 0.9.6's own shape (hand-written) loads, its key file saved
B64=$(base64 -w0 "$T/sa.json")
mkdir -p "$T/homes/vera"
cat >"$T/sftpgo096.json" <<EOD
{"users":[{"id":7,"status":1,"username":"vera","expiration_date":0,
 "password":"pw",
 "home_dir":"$T/homes/vera","uid":$(id -u "$U1"),"gid":$(id -g "$U1"),"max_sessions":0,
 "quota_size":0,"quota_files":0,"permissions":{"/":["*"]},"used_quota_size":0,
 "used_quota_files":0,"last_quota_update":0,"upload_bandwidth":0,"download_bandwidth":0,
 "last_login":0,"filters":{},"filesystem":{"provider":2,"s3config":{},
 "gcsconfig":{"bucket":"$BUCKET","credentials":"$B64","automatic_credentials":0,
 "storage_class":"","key_prefix":"users/vera/"}}}]}
EOD
api GET "/api/v1/loaddata?input_file=$T/sftpgo096.json"
expect "loaddata of an SFTPGo 0.9.6 dump with gcsconfig.credentials: 200" 200
check "vera's key file is saved, identical" cmp "$T/sa.json" "$CREDS_DIR/vera_gcs_credentials.json"
api GET "/api/v1/user?username=vera"
expect "vera is stored as a GCS user, without the credentials" 200 \
	"j[0]['filesystem']['provider'] == 2 and 'credentials' not in j[0]['filesystem']['gcsconfig']"

# bad credentials in a dump: 400, naming the field; nothing written
# load_one FILE USERNAME CREDENTIALS: a one-user dump, loaded
load_one() {
	cat >"$T/$1.json" <<EOD
{"users":[{"status":1,"username":"$2","password":"pw","home_dir":"$T/homes/$1",
 "uid":1,"gid":1,"permissions":{"/":["*"]},
 "filesystem":{"provider":2,"gcsconfig":{"bucket":"$BUCKET","credentials":"$3"}}}]}
EOD
	api GET "/api/v1/loaddata?input_file=$T/$1.json"
}
load_one nb64 nb64 '%%%%'
expect "loaddata: credentials that are not base64: 400, naming the field" 400 \
	"'filesystem.gcsconfig.credentials' in j['error'] and 'base64' in j['error']"
load_one njson njson "$(printf 'not json' | base64 -w0)"
expect "loaddata: credentials that are not JSON once decoded: 400, naming the field" 400 \
	"'filesystem.gcsconfig.credentials' in j['error'] and 'JSON' in j['error']"
load_one big big "$($PY -c 'import base64; print(base64.b64encode(b"{\"k\":\"" + b"x" * 70000 + b"\"}").decode())')"
expect "loaddata: credentials over 64 KiB: 400, naming the field" 400 \
	"'filesystem.gcsconfig.credentials' in j['error'] and 'too large' in j['error']"
check_not "no key file was written for a refused user" sh -c \
	"ls '$CREDS_DIR' | grep -q 'nb64\|njson\|big'"
api GET "/api/v1/user?username=nb64"
expect "nor the user" 200 "j == []"
# a username that is a path is refused before any file is written (and the
# file name is escaped anyway: check_cloud)
load_one dots ../../dots "$B64"
expect "loaddata: a username with ../ is refused, named" 400 "'username' in j['error']"
check_not "... and nothing was written outside credentials_path" sh -c \
	"find '$(dirname "$T")' -maxdepth 5 -name '*dots_gcs_credentials.json' | grep -q ."

check "the private key never reached the log" sh -c \
	"! grep -q 'PRIVATE KEY\\|$(sed -n 2p "$T/sa.pem" | cut -c1-40)' '$LOG' '$T/serve.out'"
check "no access token reached the log" sh -c "! grep -q 'ya29\\.' '$LOG' '$T/serve.out'"
check "no seccomp violation in any GCS worker (tokens, retries, uploads, scans)" \
	sh -c "! grep -q 'seccomp: ' '$LOG'"
stop_server
done_testing
