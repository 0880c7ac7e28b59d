#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Malformed and hostile SFTP packets sent straight to the worker over pipes by
# regress/sftp-raw: each gets an error status or a clean close, never a crash, a
# sanitizer report or a hang, and the worker still serves a valid request after.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/sftp-lib.sh"

RAW=$top_builddir/regress/sftp-raw
[ -x "$RAW" ] || skip_all "regress/sftp-raw not built"
R=$T/root
mkdir -p "$R"
if [ "$STOCK" = 1 ]; then
	# OpenSSH's sftp-server waits for more bytes after a zero length and never
	# answers an unknown packet type: known to it, required of ours.
	SFTP_RAW_XFAIL="length_zero unknown_packet_type" SFTP_RAW_TIMEOUT_MS=3000 \
		"$RAW" "$R" "$WORKER"
	rc=$?
else
	S=$T/settings.json
	write_settings "$S" "$R" '"max_handles":64'
	SFTP_RAW_OURS=1 "$RAW" "$R" "$WORKER" --root "$R" --settings "$S"
	rc=$?
	# The same cases with only the sftp-server flags (root "/", start at cwd).
	(cd "$R" && SFTP_RAW_OURS=1 "$RAW" "$R" "$WORKER") >"$T/plain.out"
	rc2=$?
	sed 's/sftp-raw:/sftp-raw (no settings):/' "$T/plain.out"
	[ "$rc" -eq 0 ] && rc=$rc2
	# Requests that could shrink or rewrite a file without "overwrite".
	write_settings "$S" "$R" \
		'"permissions":{"/":["list","download","upload","chmod","chtimes","rename"]}'
	# posix-rename onto an existing file replaces it like an upload would, so it
	# needs "overwrite" at the target as well (SFTPGo 0.9 only tied "overwrite" to
	# uploads, which let upload-then-rename bypass it).
	SFTP_RAW_OURS=1 SFTP_RAW_NO_OVERWRITE=1 "$RAW" "$R" "$WORKER" --root "$R" --settings "$S"
	rc3=$?
	[ "$rc" -eq 0 ] && rc=$rc3
	# stdin/stdout as the session hands them over: one socketpair end, blocking
	# and non-blocking.
	write_settings "$S" "$R"
	for mode in 1 nonblock; do
		SFTP_RAW_SOCKET=$mode SFTP_RAW_OURS=1 "$RAW" "$R" "$WORKER" --root "$R" \
			--settings "$S" >"$T/sock.out"
		rc4=$?
		sed "s/sftp-raw:/sftp-raw (socketpair $mode):/" "$T/sock.out"
		[ "$rc" -eq 0 ] && rc=$rc4
	done
fi
[ "$rc" -eq 0 ] || fail "sftp-raw exit status" "$rc"
done_testing
