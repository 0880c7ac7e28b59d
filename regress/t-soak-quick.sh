#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The load-and-fault soak of issue 16 item 3 in its CI size (bench/soak --quick:
# 60 s, 50 held SFTP sessions, 4 transfer clients checking every byte, kill -9 of
# workers, sessions and uploading workers, SIGHUP every 5 s, the SQLite provider
# locked every 15 s, a 16 MiB tmpfs home filled to ENOSPC; SFTPGO_QUICK_TESTS=1:
# 30 s, 20 held). Each invariant of the soak's report is one result here: bytes
# corrupted 0, partial files visible in atomic mode 0, the quota ledger equal to
# `sftpgo quota scan` at the end, the monitor's fds and RSS flat (RSS within
# 8 MiB of the start; under ASan with a 1 MiB quarantine), the monitor's exit
# status 0 on SIGTERM (under ASan, LeakSanitizer's verdict on it).
. "$top_srcdir/regress/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	[ "${CI:-}" = true ] && fail "the soak runs as root (useradd, tmpfs mount)"
	skip_all "not root"
fi
command -v python3 >/dev/null || { fail "python3 installed"; exit 1; }
command -v sftp >/dev/null || { fail "OpenSSH's sftp installed"; exit 1; }

J=$T/soak.json
top_builddir=$top_builddir python3 "$top_srcdir/bench/soak" --quick \
	--port $((PORT_BASE + 95)) --json "$J" >"$T/soak.out" 2>&1
RC=$?
sed 's/^/# /' "$T/soak.out"
check "the soak ran to its report" test -s "$J"
# field NAME: a number (or JSON text) of the report.
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$J" "$1"; }
verdict() { python3 -c "import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))['checks'][sys.argv[2]] else 1)" "$J" "$1"; }
positive() { [ "$(field "$1")" -gt 0 ]; }
check "transfers completed" positive transfers_ok
check "faults injected: workers killed" positive kill_worker
check "faults injected: sessions killed" positive kill_session
check "faults injected: uploading workers killed" positive kill_upload
check "faults injected: SIGHUP" positive sighup
check "faults injected: provider locked" positive db_locks
check "faults injected: ENOSPC reached" positive enospc_seen
check "bytes corrupted == 0" verdict "bytes corrupted == 0"
check "partial files visible (atomic mode, ENOSPC too) == 0" \
	verdict "partial files visible == 0"
check "quota ledger == sftpgo quota scan" verdict "quota ledger == rescan"
check "a dirty ledger was rescanned by the monitor" \
	verdict "dirty ledgers rescanned by the monitor"
check "monitor fds flat" verdict "monitor fds flat"
check "monitor RSS flat (+8 MiB at most)" verdict "monitor memory flat (+8 MiB at most)"
check "monitor exits 0 on SIGTERM (no LeakSanitizer report under ASan)" \
	verdict "monitor exits 0 on SIGTERM (no leak report under ASan)"
check "the soak's verdict is PASS" test "$RC" -eq 0
done_testing
