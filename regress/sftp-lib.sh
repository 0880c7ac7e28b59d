# SPDX-License-Identifier: BSD-2-Clause
# Helpers for the SFTP worker tests (regress/t-sftp-*.sh). Source after lib.sh:
#   . "$top_srcdir/regress/lib.sh"; . "$top_srcdir/regress/sftp-lib.sh"
# The worker under test is $WORKER (SFTPGO_TEST_WORKER overrides it, e.g.
# /usr/lib/openssh/sftp-server to check a script's generic parts against the
# reference server). Scripts that need our features call need_ours.
WORKER=${SFTPGO_TEST_WORKER:-$top_builddir/sftpgo-worker}
case "$WORKER" in
*sftp-server) STOCK=1 ;;
*) STOCK=0 ;;
esac
# Sanitizer reports from the worker must fail the test, not pass unnoticed.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

[ -x "$WORKER" ] || skip_all "no worker at $WORKER"
command -v sftp >/dev/null 2>&1 || skip_all "no OpenSSH sftp client"

# Scripts that test our own features (settings, --root) cannot run on the stock
# server; SFTPGO_TEST_FORCE=1 runs them anyway (to see that they can fail).
need_ours() {
	[ "$STOCK" = 0 ] || [ "${SFTPGO_TEST_FORCE:-0}" = 1 ] ||
		skip_all "needs sftpgo-worker (running against $WORKER)"
}

LOCAL=$T/local
mkdir -p "$LOCAL"

# write_settings FILE ROOT [extra JSON members]: a stand-alone settings file.
write_settings() {
	_f=$1
	_r=$2
	shift 2
	printf '{"username":"tester","connection_id":"c0ffee","protocol":"SFTP",
"client_ip":"127.0.0.1","home_dir":"%s","chroot":false%s%s}\n' \
		"$_r" "${1:+,}" "${1:-}" >"$_f"
}

# worker_cmd ROOT [SETTINGS]: the command line sftp -D starts.
worker_cmd() {
	if [ "$STOCK" = 1 ]; then
		echo "$WORKER -d $1"
	else
		echo "$WORKER --root $1${2:+ --settings $2}"
	fi
}

# sftp_batch ROOT [SETTINGS]: runs the batch read from stdin with the local side
# in $LOCAL; stdout in $T/out, stderr (the worker's events too) in $T/err.
# Returns sftp's exit status.
sftp_batch() {
	cat >"$T/batch"
	(cd "$LOCAL" && exec sftp -q -b "$T/batch" -D "$(worker_cmd "$1" "${2:-}")") \
		>"$T/out" 2>"$T/err"
}

# sftp_one ROOT SETTINGS COMMAND: one command in batch mode (status = its result).
sftp_one() {
	printf '%s\n' "$3" | sftp_batch "$1" "$2"
}

hash_of() { sha256sum <"$1" | cut -c1-64; }
mode_of() { stat -c %a "$1"; }
owner_of() { stat -c %u:%g "$1"; }
# Nanosecond mtime and ctime: any change to an outside file shows here.
stamp_of() { stat -c '%y %z %s %a %u:%g' "$1"; }

# make_data FILE KIB: reproducible pseudo-random content.
make_data() {
	head -c $(($2 * 1024)) /dev/urandom >"$1"
}

# check_same "desc" FILE STAMP HASH: FILE still has that stat stamp and content.
check_same() {
	if [ "$(stamp_of "$2")" = "$3" ] && [ "$(hash_of "$2")" = "$4" ]; then
		ok "$1"
	else
		fail "$1" "changed: $(stamp_of "$2")"
	fi
}

# check_eq "desc" GOT WANT (the values are shown printable, cut short)
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		fail "$1" "got '$(printable "$2")', want '$(printable "$3")'"
	fi
}
printable() { printf '%s' "$1" | tr -c '[:print:]' '.' | cut -c1-300; }

# check_no_sanitizer: the worker's stderr of the last run holds no sanitizer report.
check_no_sanitizer() {
	if grep -q -e 'Sanitizer' -e 'runtime error:' "$T/err" 2>/dev/null; then
		fail "no sanitizer report ($1)" "$(grep -m1 -e Sanitizer -e 'runtime error' "$T/err")"
	fi
}
