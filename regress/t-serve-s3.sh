#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo serve with S3 accounts (issue 14), against a real S3 server started here:
# s3rver (npm; contrib/install-deps.sh installs it under /opt/sftpgo-test-s3) behind
# regress/s3-proxy.py, which checks every request's SigV4 signature (s3rver does
# not) and injects faults. Every SFTP client operation with OpenSSH's sftp, scp -O
# and sha256sum over ssh; 100 MiB through multipart, sha256 compared; a client
# killed mid-upload leaves no object; key_prefix escapes; 500s and dropped
# connections retried, then a clean SFTP error; the $aes$ secret both ways; quota.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"

S3RVER=${S3RVER:-/opt/sftpgo-test-s3/node_modules/.bin/s3rver}
if [ ! -x "$S3RVER" ] || ! command -v node >/dev/null; then
	[ "${CI:-}" = true ] && { fail "s3rver is installed (contrib/install-deps.sh)"; exit 1; }
	skip_all "s3rver not installed (contrib/install-deps.sh)"
fi
$PY -c 'import cryptography' 2>/dev/null || {
	[ "${CI:-}" = true ] && { fail "python3-cryptography is installed"; exit 1; }
	skip_all "python3-cryptography not installed"
}

U1=sftpgo-s3a-$$
make_sysuser "$U1" || skip_all "cannot create system users"
S3PORT=$((PORT_BASE + 67))
PXPORT=$((PORT_BASE + 68))
SECRET="s3-t0p-secret-$$"
BUCKET=tb

# the S3 server and the signature-checking proxy in front of it
mkdir -p "$T/s3data"
"$S3RVER" -d "$T/s3data" -a 127.0.0.1 -p "$S3PORT" --silent --configure-bucket "$BUCKET" \
	>"$T/s3rver.log" 2>&1 &
BG_PIDS="$BG_PIDS $!"
$PY "$top_srcdir/regress/s3-proxy.py" "$PXPORT" "$S3PORT" S3RVER "$SECRET" \
	>"$T/proxy.log" 2>&1 &
BG_PIDS="$BG_PIDS $!"
up() { curl -s -o /dev/null "http://127.0.0.1:$1/${2:-}"; }
_i=0
until up "$S3PORT" && up "$PXPORT" __stats; do
	[ $_i -ge 150 ] && { fail "s3rver and the proxy start"; exit 1; }
	sleep 0.1
	_i=$((_i + 1))
done
ok "s3rver and the SigV4-checking proxy start"

# direct to s3rver (it ignores V4 signatures): what the bucket really holds
s3() { curl -s --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER \
	-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@"; }
s3keys() { s3 "http://127.0.0.1:$S3PORT/$BUCKET?list-type=2&prefix=${1:-}" |
	grep -o '<Key>[^<]*</Key>' | sed 's/<Key>//; s/<\/Key>//'; }
s3put() { printf '%s' "$2" | s3 -o /dev/null -T - "http://127.0.0.1:$S3PORT/$BUCKET/$1"; }
stat_of() { curl -s "http://127.0.0.1:$PXPORT/__stats" |
	$PY -c "import json,sys; print(json.load(sys.stdin).get('$1', 0))"; }
fault() { curl -s -o /dev/null -X POST "http://127.0.0.1:$PXPORT/__fault?mode=$1&n=${2:-0}"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
mkfile() { head -c "$2" /dev/urandom >"$T/$1"; }

PORT=$((PORT_BASE + 66))
cat >"$CFG/sftpgo.json" <<EOC
{"sftpd": {"bind_port": $PORT, "bind_address": "127.0.0.1", "session_pool_size": 2,
  "enable_scp": true, "enabled_ssh_commands": ["scp", "sha256sum", "rsync"]},
 "data_provider": {"track_quota": 1}}
EOC
start_server || { fail "server starts"; exit 1; }

# add_s3_user NAME PREFIX [more flags]
add_s3_user() {
	_n=$1
	_p=$2
	shift 2
	add_user "$_n" "$U1" --password pw --fs-provider 1 --s3-bucket "$BUCKET" \
		--s3-region us-east-1 --s3-access-key S3RVER --s3-access-secret "$SECRET" \
		--s3-endpoint "http://127.0.0.1:$PXPORT" --s3-key-prefix "$_p" "$@"
}
check "user add with the S3 flags" add_s3_user alice users/alice \
	--s3-upload-part-size 5 --s3-upload-concurrency 3 --s3-storage-class STANDARD
check "a second S3 user" add_s3_user bob users/bob/ --upload-bandwidth 4000
fs_of() { sqlite3 "$CFG/sftpgo.db" "SELECT filesystem FROM users WHERE username = '$1'"; }
check "the secret is stored as \$aes\$, not in clear" sh -c \
	"fs=\$(sqlite3 '$CFG/sftpgo.db' \"SELECT filesystem FROM users WHERE username = 'alice'\");
	 echo \"\$fs\" | grep -q '\"access_secret\": *\"\$aes\\$[0-9a-f]\\{32\\}\\$[0-9a-f]*\"' &&
	 ! echo \"\$fs\" | grep -q '$SECRET'"
check "key_prefix is stored cleaned with a trailing slash" sh -c \
	"sqlite3 '$CFG/sftpgo.db' \"SELECT filesystem FROM users WHERE username = 'alice'\" |
	 grep -q '\"key_prefix\": *\"users/alice/\"'"
# SFTPGo's format, read by an independent implementation (AES-256-GCM, the 32 hex
# characters as the key, nonce||ciphertext||tag)
aes_py='
import sys, json
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
def dec(v):
    _, _, key, data = v.split("$")
    b = bytes.fromhex(data)
    return AESGCM(key.encode()).decrypt(b[:12], b[12:], None).decode()
def enc(p):
    import os
    key = os.urandom(16).hex()
    n = os.urandom(12)
    return "$aes$" + key + "$" + (n + AESGCM(key.encode()).encrypt(n, p.encode(), None)).hex()
if sys.argv[1] == "dec":
    print(dec(json.loads(sys.stdin.read())["s3config"]["access_secret"]))
else:
    print(enc(sys.argv[2]))
'
check "the stored secret decrypts as SFTPGo 0.9.6 would" \
	sh -c "[ \"\$(sqlite3 '$CFG/sftpgo.db' \"SELECT filesystem FROM users WHERE username = 'alice'\" |
	 $PY -c '$aes_py' dec)\" = '$SECRET' ]"

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
		s3keys users/alice/d/ | grep -qx 'users/alice/d/'
}
check "a non-empty directory is neither removed nor renamed" nonempty_kept
all_under_prefix() {
	! s3keys | grep -v '^users/alice/' | grep -q . && s3keys users/alice/ | grep -q 'users/alice/d/mid.bin'
}
check "every key is under the user's key_prefix" all_under_prefix
marker() { s3keys users/alice/d/ | grep -qx 'users/alice/d/'; }
check "mkdir made a directory marker" marker
gone() { ! s3keys "$1" | grep -q "$2"; }
check "rename is copy + delete, remove deletes" gone users/alice/d/ 'small.bin\|renamed.bin'
check "the empty directory was renamed and removed" gone users/alice/ empty
check "chmod is accepted and logged" wait_log '"Chmod".*renamed.bin'
check "nothing was left in the local home (the spool)" sh -c "[ -z \"\$(ls -A '$T/homes/alice')\" ]"

# ---- scp -O and the digest commands ----
mkfile scpf 200000
check "scp -O upload" sh -c "sshpass -p pw scp -O $SSH_OPTS -P $PORT '$T/scpf' alice@127.0.0.1:/d/scp.bin"
check "scp -O download" sh -c "sshpass -p pw scp -O $SSH_OPTS -P $PORT alice@127.0.0.1:/d/scp.bin '$T/scp.back'"
check "scp round trip is identical" cmp "$T/scpf" "$T/scp.back"
remote_sha() { [ "$(ssh_pw alice pw sha256sum /d/scp.bin | cut -d' ' -f1)" = "$(sha "$T/scpf")" ]; }
check "sha256sum over ssh hashes the object" remote_sha
check_not "rsync is refused on cloud storage" ssh_pw alice pw 'rsync --server -e.LsfxC . /d' 

# ---- 100 MiB through multipart ----
mkfile big 104857600
parts0=$(stat_of UploadPart)
printf 'put %s /big.bin\nget /big.bin %s\n' "$T/big" "$T/big.back" | sftp_pw alice pw >"$T/big.out" 2>&1
check "100 MiB up and down" test $? -eq 0
check "100 MiB: sha256 identical" test "$(sha "$T/big")" = "$(sha "$T/big.back")"
parts=$(($(stat_of UploadPart) - parts0))
check "it went up in 5 MiB parts ($parts)" test "$parts" -eq 20
check "every request was signed right (SigV4 checked by the proxy)" test "$(stat_of bad_signature)" -eq 0

# ---- a client killed mid-upload leaves nothing ----
mkfile half 40000000
creates0=$(stat_of CreateMultipartUpload)
puts0=$(stat_of PutObject)
heads0=$(stat_of HEAD)
printf 'put %s /half.bin\n' "$T/half" | sftp_pw bob pw >/dev/null 2>&1 &
CLIENT=$!
# bob's upload_bandwidth (4000 KB/s) holds the 40 MB for 10 s: kill the client once
# the worker has looked the target up (its OPEN), long before its CLOSE
opened() {
	_i=0
	while [ "$(stat_of HEAD)" -eq "$heads0" ]; do
		[ $_i -ge 100 ] && return 1
		sleep 0.1
		_i=$((_i + 1))
	done
}
check "bob's upload starts" opened
# the whole client tree (sshpass, sftp, ssh): the connection dies mid-transfer
for _p in $CLIENT $(descendants $CLIENT); do kill -9 "$_p" 2>/dev/null; done
wait $CLIENT 2>/dev/null
check "the aborted upload is logged, with the object path" \
	wait_log '"sender":"Upload".*"username":"bob","file_path":"/users/bob/half.bin"'
check "no object appeared for the killed upload" gone users/bob/ half.bin
check "no upload was started at S3 for it" test "$(stat_of CreateMultipartUpload)" -eq "$creates0" -a "$(stat_of PutObject)" -eq "$puts0"
check "bob's local home holds no partial file" sh -c "[ -z \"\$(ls -A '$T/homes/bob')\" ]"

# ---- key_prefix is a hard root ----
s3put users/bob/secret.txt "bob's"
s3put top.txt "bucket root"
s3put "users/alice/../evil.txt" "dot-dot key"
s3put "users/alice//double.txt" "empty component"
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
check "the listing of / shows only the user's keys" sh -c \
	"[ '$(root_listing | tr -s ' \n' ' ' | sed 's/ $//')' = '. .. big.bin d' ]"
landed() { s3keys | grep -qx 'users/alice/escape.txt' && ! s3keys | grep -qx 'escape.txt'; }
check "an upload to ../../x lands inside the prefix" landed

# ---- a faulty endpoint: retries, then a clean error ----
fault 500 2
put_one() { printf 'put %s %s\n' "$1" "$2" | sftp_pw alice pw; }
check "two 500s are retried: the upload succeeds" put_one "$T/small" /r1.bin
check "the retries are logged" wait_log 'retrying (attempt 2'
fault droppart 2
mkfile twelve 12000000
round_trip() {
	printf 'put %s /r2.bin\nget /r2.bin %s\n' "$T/twelve" "$T/twelve.back" | sftp_pw alice pw &&
		cmp "$T/twelve" "$T/twelve.back"
}
check "parts dropped mid-body are retried: 12 MB succeeds" round_trip
check "the proxy dropped two parts" test "$(stat_of faults)" -ge 4
fault downput
printf 'put %s /r3.bin\n' "$T/small" | sftp_pw alice pw >"$T/r3.out" 2>&1
check "an endpoint that keeps failing: the upload fails" test $? -ne 0
check "with a clean SFTP error (FAILURE)" grep -q 'close.*Failure' "$T/r3.out"
fault off
check "and no object" gone users/alice/ r3.bin
check "the failed upload is logged" wait_log 'r3.bin.*PutObject: HTTP 500'

# ---- quota as SFTPGo counts cloud users ----
objects() { s3keys "users/$1/" | grep -v '/$' | while read -r k; do
	s3 -I "http://127.0.0.1:$S3PORT/$BUCKET/$k" | tr -d '\r' | sed -n 's/^[Cc]ontent-[Ll]ength: //p'
done | awk '{n++; s+=$1} END {print n+0, s+0}'; }
want=$(objects alice)
"$SFTPGO" quota scan --config-dir "$CFG" --libexec-dir "$top_builddir" --username alice \
	>"$T/scan.out" 2>&1
check "sftpgo quota scan of an S3 user" test $? -eq 0
check "the scan counts the objects, not the markers ($want)" wait_used alice "$want"

# ---- a dump in SFTPGo's format, secret encrypted elsewhere ----
ext=$($PY -c "$aes_py" enc "$SECRET")
check "a user row with an \$aes\$ secret made by another implementation" sqlite3 "$CFG/sftpgo.db" \
	"UPDATE users SET filesystem = json_set(filesystem, '\$.s3config.access_secret', '$ext') WHERE username = 'alice'"
lists() { echo 'ls /d' | sftp_pw alice pw | grep -q scp.bin; }
check "logs in and lists" lists

check "the secret never reached the log" sh -c "! grep -q '$SECRET' '$LOG' '$T/serve.out'"
check "a GCS account without its bucket is refused, naming why" sh -c \
	"! '$SFTPGO' user add --config-dir '$CFG' --username g --password pw --home-dir /tmp/g \
	 --uid 1 --gid 1 --fs-provider 2 >'$T/gcs.out' 2>&1 &&
	 grep -q 'gcsconfig.bucket: required' '$T/gcs.out'"
stop_server
done_testing
