#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Upload modes (settings "upload_mode"): a large upload is killed mid-transfer
# (kill -9 of the sftp client) and the disk is inspected:
#   0 (direct)            the target holds the partial data
#   1 (atomic)            the original target is untouched and no temp file is left
#   2 (atomic + resume)   the target holds the partial data; reput completes it
# While an upload runs in modes 1 and 2, a reader of the target only ever sees
# the original file, never a partial one.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/sftp-lib.sh"
need_ours

R=$T/root
S=$T/settings.json
L=$LOCAL
mkdir -p "$R"
make_data "$L/big.bin" 65536
BIG_HASH=$(hash_of "$L/big.bin")
BIG_SIZE=$(stat -c %s "$L/big.bin")
ORIG="original content $$"

SFTP_PID=
WORKER_PID=
cleanup() {
	[ -n "$SFTP_PID" ] && kill -9 "$SFTP_PID" 2>/dev/null
	[ -n "$WORKER_PID" ] && kill -9 "$WORKER_PID" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP # so that the EXIT trap runs on a signal too

# wait_until SECONDS COMMAND...: polls COMMAND (no timing assertion: the bound
# only keeps a broken worker from hanging the suite).
wait_until() {
	_n=$(($1 * 20))
	shift
	while [ $_n -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		_n=$((_n - 1))
	done
	return 1
}

# Largest regular file in R other than the target: the upload's temp file.
other_file_size() {
	find "$R" -type f ! -name target.bin -printf '%s\n' | sort -n | tail -n1
}
target_size() { stat -c %s "$R/target.bin" 2>/dev/null || echo 0; }
grown() { # MODE: the upload has moved at least 1 MiB
	if [ "$1" = 0 ]; then _s=$(target_size); else _s=$(other_file_size); fi
	[ "${_s:-0}" -ge 1048576 ]
}
worker_gone() { ! kill -0 "$WORKER_PID" 2>/dev/null; }

# is_prefix FILE: FILE is a non-empty proper prefix of big.bin.
is_prefix() {
	_n=$(stat -c %s "$1")
	[ "$_n" -gt 0 ] && [ "$_n" -lt "$BIG_SIZE" ] &&
		[ "$(head -c "$_n" "$L/big.bin" | sha256sum | cut -c1-64)" = "$(hash_of "$1")" ]
}

# start_upload MODE: a throttled put of big.bin over an existing target.bin.
start_upload() {
	write_settings "$S" "$R" "\"upload_mode\":$1"
	rm -rf "$R" && mkdir -p "$R"
	echo "$ORIG" >"$R/target.bin"
	echo "put big.bin target.bin" >"$T/batch"
	(cd "$L" && exec sftp -q -l 16384 -b "$T/batch" -D "$(worker_cmd "$R" "$S")") \
		>"$T/out" 2>"$T/err" &
	SFTP_PID=$!
	wait_until 10 pgrep -P "$SFTP_PID" >/dev/null
	WORKER_PID=$(pgrep -P "$SFTP_PID" | head -n1)
}

# kill_client: kill -9 of sftp; the worker sees EOF and must end the upload.
kill_client() {
	kill -9 "$SFTP_PID" 2>/dev/null
	wait "$SFTP_PID" 2>/dev/null
	SFTP_PID=
	if wait_until 30 worker_gone; then ok "mode $1: worker exits after the client died"; else
		fail "mode $1: worker exits after the client died" "pid $WORKER_PID still runs"
	fi
	WORKER_PID=
}

# reader_sees_original MODE: while the upload runs, target.bin is the original.
# Only samples taken while the client is still uploading count.
reader_check() {
	_bad=0
	_seen=0
	_i=0
	while [ $_i -lt 20 ] && kill -0 "$SFTP_PID" 2>/dev/null; do
		_c=$(head -c 200 "$R/target.bin" 2>/dev/null)
		kill -0 "$SFTP_PID" 2>/dev/null && _seen=$((_seen + 1))
		[ "$_c" = "$ORIG" ] || _bad=1
		_i=$((_i + 1))
		sleep 0.05
	done
	if [ $_seen -eq 0 ]; then
		fail "mode $1: a reader only sees the original during the upload" \
			"the upload was over before the reader could look"
	elif [ $_bad = 0 ]; then
		ok "mode $1: a reader only sees the original during the upload ($_seen looks)"
	else
		fail "mode $1: a reader only sees the original during the upload" \
			"target.bin had $(target_size) bytes"
	fi
}

# ---- mode 0 -------------------------------------------------------------------
start_upload 0
if wait_until 20 grown 0; then ok "mode 0: upload under way"; else fail "mode 0: upload under way"; fi
kill_client 0
if is_prefix "$R/target.bin"; then ok "mode 0: target holds the partial data"; else
	fail "mode 0: target holds the partial data" "size $(target_size)"
fi
check_eq "mode 0: no other file left" "$(find "$R" -type f | wc -l)" 1

write_settings "$S" "$R" '"upload_mode":0'
check "mode 0: reput completes the partial file" sftp_batch "$R" "$S" <<EOF
reput big.bin target.bin
EOF
check_eq "mode 0: reput gives the whole file" "$(hash_of "$R/target.bin")" "$BIG_HASH"

# ---- mode 1 -------------------------------------------------------------------
start_upload 1
if wait_until 20 grown 1; then ok "mode 1: upload under way in a temp file"; else
	fail "mode 1: upload under way in a temp file" "$(ls -la "$R" | tr '\n' ' ')"
fi
reader_check 1
kill_client 1
check_eq "mode 1: original target untouched" "$(cat "$R/target.bin")" "$ORIG"
# The interrupted upload is reported as a failed transfer.
check "mode 1: a failed transfer event for the killed upload" python3 -c '
import json, sys
for line in open(sys.argv[1], errors="replace"):
    if line.startswith("{"):
        ev = json.loads(line)
        if (ev.get("event") == "transfer" and ev.get("sender") == "Upload"
                and ev.get("path") == "/target.bin" and ev.get("ok") is False
                and ev.get("error")):
            sys.exit(0)
sys.exit("no failed Upload event for /target.bin")' "$T/err"
check_eq "mode 1: no temp file left" "$(find "$R" -mindepth 1 | wc -l)" 1
# A complete upload replaces the target and leaves nothing else.
write_settings "$S" "$R" '"upload_mode":1'
check "mode 1: a complete upload" sftp_batch "$R" "$S" <<EOF
put big.bin target.bin
EOF
check_eq "mode 1: complete upload content" "$(hash_of "$R/target.bin")" "$BIG_HASH"
check_eq "mode 1: no temp file after a complete upload" "$(find "$R" -mindepth 1 | wc -l)" 1
# reput in mode 1: the fresh temp file must start from the existing data, or the
# resumed target would lose its head.
head -c 1000000 "$L/big.bin" >"$R/target.bin"
check "mode 1: reput" sftp_batch "$R" "$S" <<EOF
reput big.bin target.bin
EOF
check_eq "mode 1: reput gives the whole file" "$(hash_of "$R/target.bin")" "$BIG_HASH"
check_eq "mode 1: no temp file after reput" "$(find "$R" -mindepth 1 | wc -l)" 1

# Two sessions upload different files to the same target at once: the result is
# one of them whole, never a mix, and no temp file is left.
make_data "$L/one.bin" 8192
make_data "$L/two.bin" 8192
echo "put one.bin race.bin" >"$T/b1"
echo "put two.bin race.bin" >"$T/b2"
(cd "$L" && exec sftp -q -b "$T/b1" -D "$(worker_cmd "$R" "$S")") >"$T/o1" 2>"$T/e1" &
p1=$!
(cd "$L" && exec sftp -q -b "$T/b2" -D "$(worker_cmd "$R" "$S")") >"$T/o2" 2>"$T/e2" &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
check_eq "mode 1: both concurrent uploads succeed" "$r1 $r2" "0 0"
h=$(hash_of "$R/race.bin")
if [ "$h" = "$(hash_of "$L/one.bin")" ] || [ "$h" = "$(hash_of "$L/two.bin")" ]; then
	ok "mode 1: concurrent uploads: the target is one of them, whole"
else
	fail "mode 1: concurrent uploads: the target is one of them, whole" "size $(stat -c %s "$R/race.bin")"
fi
check_eq "mode 1: no temp file after concurrent uploads" "$(find "$R" -mindepth 1 | wc -l)" 2
rm -f "$R/race.bin"

# ---- mode 2 -------------------------------------------------------------------
start_upload 2
if wait_until 20 grown 2; then ok "mode 2: upload under way in a temp file"; else
	fail "mode 2: upload under way in a temp file" "$(ls -la "$R" | tr '\n' ' ')"
fi
reader_check 2
kill_client 2
if is_prefix "$R/target.bin"; then ok "mode 2: target holds the partial data"; else
	fail "mode 2: target holds the partial data" "size $(target_size)"
fi
check_eq "mode 2: no temp file left" "$(find "$R" -mindepth 1 | wc -l)" 1
write_settings "$S" "$R" '"upload_mode":2'
check "mode 2: reput resumes" sftp_batch "$R" "$S" <<EOF
reput big.bin target.bin
EOF
check_eq "mode 2: reput completed the file" "$(hash_of "$R/target.bin")" "$BIG_HASH"
check_eq "mode 2: no temp file after reput" "$(find "$R" -mindepth 1 | wc -l)" 1

check_no_sanitizer upload-mode
trap - EXIT INT TERM HUP
cleanup
done_testing
