#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# OpenSSH's own sftp/scp regression tests (Debian's openssh-tests, installed in
# /usr/lib/openssh/regress) with the worker as the sftp server, both for
# `sftp -D` and as sshd's "Subsystem sftp". One ok/not ok per LTEST.
# SFTPGO_TEST_WORKER=/usr/lib/openssh/sftp-server shows the baseline: every LTEST
# passes there, so a failure here is the worker's.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/sftp-lib.sh"

RUN_TESTS=/usr/lib/openssh/regress/run-tests
[ -x "$RUN_TESTS" ] || skip_all "openssh-tests not installed ($RUN_TESTS)"
command -v sshd >/dev/null 2>&1 || skip_all "no sshd"
# sshd refuses to start as root without its privilege separation directory.
if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then
	mkdir -p /run/sshd && chmod 755 /run/sshd
fi

LTESTS=${SFTPGO_OSSH_LTESTS:-"sftp sftp-cmds sftp-badcmds sftp-batch sftp-glob sftp-perm scp"}

# run-tests stops at the first failing LTEST, so each runs on its own.
for lt in $LTESTS; do
	dir=$T/ossh-$lt
	mkdir -p "$dir"
	log=$T/$lt.log
	# Its sshd listens on TEST_SSH_PORT (4242 by default): use our own range.
	TEST_SSH_PORT=$((PORT_BASE + 1)) timeout 600 "$RUN_TESTS" "$dir" t-exec LTESTS="$lt" \
		TEST_SSH_SFTPSERVER="$WORKER" SUDO= </dev/null >"$log" 2>&1
	rc=$?
	# The LTEST's own verdict line is "ok <description>" after "run test <lt>.sh".
	verdict=$(sed -n "/^run test $lt\\.sh/,\$p" "$log" | grep -m1 -E '^(ok |FAIL|failed )')
	case "$rc:$verdict" in
	0:ok\ *) ok "openssh regress $lt (${verdict#ok })" ;;
	124:*) fail "openssh regress $lt" "timed out; log $log" ;;
	*)
		why=$(grep -m3 -E 'FAIL|failed|fatal|differ' "$log" | tr '\n' ' ' | cut -c1-300)
		fail "openssh regress $lt" "exit $rc: $why; log $log"
		;;
	esac
done
# The copied test trees are large; keep only the logs.
for lt in $LTESTS; do
	rm -rf "$T/ossh-$lt/regress/copy"* "$T/ossh-$lt/regress/data" 2>/dev/null
done
done_testing
