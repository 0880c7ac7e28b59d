#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo.json(5) documents every key of the sample file (itself checked against the
# built-in defaults by check_conf), and renders without groff warnings.
. "$top_srcdir/regress/lib.sh"
page=$top_srcdir/man/sftpgo.json.5
sample=$top_srcdir/contrib/sftpgo.json

keys=$(grep -o '"[a-z_]*":' "$sample" | tr -d '":' | sort -u)
[ -n "$keys" ] || fail "no keys found in $sample"
for k in $keys; do
	if grep -q "^\.\(BR*\|SH\) \(.* \)*$k\b" "$page"; then
		ok "man page documents $k"
	else
		fail "man page does not document $k"
	fi
done
# the environment-only log settings too
for v in SFTPGO_LOG_FILE_PATH SFTPGO_LOG_MAX_SIZE SFTPGO_LOG_MAX_BACKUPS \
	SFTPGO_LOG_MAX_AGE SFTPGO_LOG_COMPRESS SFTPGO_LOG_VERBOSE; do
	if grep -q "$v" "$page"; then ok "man page documents $v"; else fail "no $v in man page"; fi
done

if command -v groff >/dev/null 2>&1; then
	groff -man -ww -z "$page" >"$T/groff.out" 2>&1
	if [ -s "$T/groff.out" ]; then fail "groff warnings" "$(head -5 "$T/groff.out")"; else
		ok "groff renders without warnings"
	fi
else
	ok "groff not installed: rendering not checked"
fi
done_testing
