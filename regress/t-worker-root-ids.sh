#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo-worker under a monitor (--monitor-fd), started as root, refuses settings
# that map the user to uid 0 or gid 0, before it touches the home or reads fd 0.
. "$top_srcdir/regress/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root"

mkdir -p "$T/home"
# run_worker UID GID: exit status of the worker given these ids.
# The worker chroots, where LeakSanitizer cannot read /proc: no leak check in it
# (the monitor does the same for its children in sanitizer builds).
run_worker() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" python3 - "$top_builddir/sftpgo-worker" "$T/home/new-$1-$2" "$1" "$2" <<'PY'
import json, os, socket, struct, subprocess, sys
worker, home, uid, gid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data, data_peer = socket.socketpair()
mon, mon_peer = socket.socketpair()
settings = json.dumps({"username": "r", "home_dir": home, "chroot": True,
                       "uid": uid, "gid": gid}).encode()
mon.sendall(struct.pack(">I", len(settings)) + settings)
if mon_peer.fileno() != 3:
    os.dup2(mon_peer.fileno(), 3)  # fd 3 in the worker, as the monitor does
p = subprocess.Popen([worker, "--monitor-fd", "3"], stdin=data_peer.fileno(),
                     stdout=data_peer.fileno(), pass_fds=[3])
data_peer.close()
mon_peer.close()
data.close()  # a served session would end at EOF with status 0
try:
    sys.exit(p.wait(timeout=20))
except subprocess.TimeoutExpired:
    p.kill()
    sys.exit(99)
PY
}
check_not "uid 0 refused" run_worker 0 1000
check_not "the refused worker made no home" test -e "$T/home/new-0-1000"
check_not "gid 0 refused" run_worker 1000 0
check_not "the refused worker made no home" test -e "$T/home/new-1000-0"
check "an ordinary uid/gid is served" run_worker 1000 1000
check "its home was made" test -d "$T/home/new-1000-1000"
done_testing
