#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo serve: a user's upload_bandwidth/download_bandwidth (KB/s, KB = 1000 bytes,
# per transfer as SFTPGo) throttle SFTP and SCP: a throttled transfer takes at least
# 80 % of its theoretical time (a lower bound only), another user's transfer at the
# same time is not held up by it, and a negative limit is refused at user add/update.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-bw1-$$
U2=sftpgo-bw2-$$
make_sysuser "$U1" && make_sysuser "$U2" || skip_all "cannot create system users"
serve_config 40 '"enable_scp": true'
start_server || { fail "server starts"; exit 1; }
ok "server starts"
# 100 KB/s both ways: 300000 bytes take 3000 ms in theory, at least 2400 ms here.
add_user slow "$U1" --password slowpw --upload-bandwidth 100 --download-bandwidth 100
add_user fast "$U2" --password fastpw
BYTES=300000
MIN_MS=2400
head -c $BYTES /dev/urandom >"$T/data"
head -c $BYTES /dev/urandom >"$T/fastdata"
install -o "$U1" -g "$U1" "$T/data" "$T/homes/slow/down.bin"
install -o "$U2" -g "$U2" "$T/fastdata" "$T/homes/fast/down.bin"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
scp_as() {
	_u=$1
	shift
	sshpass -p "${_u}pw" scp -O $SSH_OPTS -P "$PORT" -o PreferredAuthentications=password \
		-o PubkeyAuthentication=no "$@"
}
# timed NAME CMD...: runs CMD, its elapsed ms in $T/NAME.ms
timed() {
	_name=$1
	shift
	_t0=$(now_ms)
	"$@" >"$T/$_name.out" 2>&1
	_rc=$?
	echo $(($(now_ms) - _t0)) >"$T/$_name.ms"
	return $_rc
}
at_least() { test "$(cat "$T/$1.ms")" -ge "$2"; }

# --- SFTP upload and download ------------------------------------------------
echo "put $T/data up.bin" | timed sftp_up sftp_pw slow slowpw
check "sftp upload arrives intact" cmp "$T/data" "$T/homes/slow/up.bin"
check "sftp upload at 100 KB/s took >= $MIN_MS ms ($(cat "$T/sftp_up.ms") ms)" at_least sftp_up $MIN_MS
check "the log's Upload line says >= $MIN_MS ms" $PY -c "
import json, sys
for l in open('$LOG'):
    j = json.loads(l)
    if j.get('sender') == 'Upload' and j.get('username') == 'slow' and j.get('file_path', '').endswith('/up.bin'):
        sys.exit(0 if j['elapsed_ms'] >= $MIN_MS else 1)
sys.exit(1)"
echo "get down.bin $T/down.back" | timed sftp_down sftp_pw slow slowpw
check "sftp download arrives intact" cmp "$T/homes/slow/down.bin" "$T/down.back"
check "sftp download at 100 KB/s took >= $MIN_MS ms ($(cat "$T/sftp_down.ms") ms)" at_least sftp_down $MIN_MS

# --- SCP upload and download -------------------------------------------------
timed scp_up scp_as slow "$T/data" slow@127.0.0.1:scp.bin
check "scp upload arrives intact" cmp "$T/data" "$T/homes/slow/scp.bin"
check "scp upload at 100 KB/s took >= $MIN_MS ms ($(cat "$T/scp_up.ms") ms)" at_least scp_up $MIN_MS
rm -f "$T/scp.back"
timed scp_down scp_as slow slow@127.0.0.1:down.bin "$T/scp.back"
check "scp download arrives intact" cmp "$T/homes/slow/down.bin" "$T/scp.back"
check "scp download at 100 KB/s took >= $MIN_MS ms ($(cat "$T/scp_down.ms") ms)" at_least scp_down $MIN_MS

# --- another user's transfer is not held up by a throttled one ----------------
# (no speed figure: the unthrottled transfer must end while the throttled one runs)
# side_by_side WHAT SLOW-SFTP-COMMAND FAST-SFTP-COMMAND: the slow user's transfer in
# the background, then the fast user's, which must end while the slow one runs.
side_by_side() {
	echo "$2" | sftp_pw slow slowpw >/dev/null 2>&1 &
	_slow=$!
	BG_PIDS="$BG_PIDS $_slow"
	sleep 0.3
	echo "$3" | sftp_pw fast fastpw >/dev/null 2>&1
	_rc=$?
	kill -0 $_slow 2>/dev/null
	_running=$?
	check "an unthrottled user's $1 succeeds" test $_rc -eq 0
	check "it ends while the throttled $1 still runs" test $_running -eq 0
	wait $_slow
}
rm -f "$T/homes/slow/up.bin"
side_by_side upload "put $T/data up.bin" "put $T/fastdata up.bin"
check "the unthrottled upload arrived intact" cmp "$T/fastdata" "$T/homes/fast/up.bin"
check "the throttled upload finished intact" cmp "$T/data" "$T/homes/slow/up.bin"
side_by_side download "get down.bin $T/down.back2" "get down.bin $T/fast.back"
check "the unthrottled download arrived intact" cmp "$T/fastdata" "$T/fast.back"
check "the throttled download finished intact" cmp "$T/homes/slow/down.bin" "$T/down.back2"

# --- the digests are not throttled (SFTPGo) but still work --------------------
out=$(ssh_pw slow slowpw md5sum down.bin </dev/null)
check "md5sum for a throttled user" test "$out" = "$(md5sum <"$T/homes/slow/down.bin" | cut -d' ' -f1)  /down.bin"

# --- bad input -----------------------------------------------------------------
for f in --upload-bandwidth --download-bandwidth; do
	check_not "user add $f -1 refused" add_user neg "$U1" --password x $f -1
	"$SFTPGO" user add --config-dir "$CFG" --username neg2 --password x \
		--home-dir "$T/homes/neg2" --uid "$(id -u "$U1")" --gid "$(id -g "$U1")" \
		$f -5 >/dev/null 2>"$T/neg.err"
	check "the error names $f" grep -q -- "$f" "$T/neg.err"
	check_not "user update $f -1 refused" "$SFTPGO" user update --config-dir "$CFG" \
		--username slow $f -1
done
check_not "no user stored for a refused add" "$SFTPGO" user show --config-dir "$CFG" --username neg
check "the stored limits are unchanged" sh -c "'$SFTPGO' user show --config-dir '$CFG' --username slow | grep -q '\"upload_bandwidth\": 100'"
done_testing
