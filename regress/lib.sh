# SPDX-License-Identifier: BSD-2-Clause
# Shared helpers for regress/t-*.sh scripts. Source it first:
#   . "$top_srcdir/regress/lib.sh"
# Report with ok/fail/check; every script gets its own scratch dir in $T and a
# private range of loopback ports from $PORT_BASE (override with
# SFTPGO_TEST_PORT_BASE so parallel runs do not collide).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
TEST_NAME=$(basename "$0" .sh)
T=$top_builddir/regress/tmp/$TEST_NAME
rm -rf "$T"
mkdir -p "$T"
chmod 755 "$T" "$top_builddir/regress/tmp" 2>/dev/null
# Below Linux's ephemeral range (32768-60999 by default): a client connection's
# source port can never be holding the port a test server is about to listen on.
PORT_BASE=${SFTPGO_TEST_PORT_BASE:-24000}
WORKER=$top_builddir/sftpgo-worker
SFTPGO=$top_builddir/sftpgo
SESSION=$top_builddir/sftpgo-session
_n_fail=0

ok() { echo "ok - $TEST_NAME: $*"; }
fail() {
	echo "not ok - $TEST_NAME: $1${2:+ ($2)}"
	_n_fail=$((_n_fail + 1))
}
# check "description" command args...: ok when the command exits 0.
check() {
	_d=$1
	shift
	if "$@" >"$T/.check.out" 2>&1; then ok "$_d"; else
		fail "$_d" "exit $?: $(tail -c 400 "$T/.check.out" | tr '\n' ' ')"
	fi
}
# check_not "description" command args...: ok when the command fails.
check_not() {
	_d=$1
	shift
	if "$@" >"$T/.check.out" 2>&1; then
		fail "$_d" "unexpected success: $(tail -c 400 "$T/.check.out" | tr '\n' ' ')"
	else ok "$_d"; fi
}
# skip_all "reason": nothing can run here (printed, counted as neither).
skip_all() {
	echo "# SKIP $TEST_NAME: $*"
	exit 0
}
done_testing() {
	[ "$_n_fail" -eq 0 ]
}
