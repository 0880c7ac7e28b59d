#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The worker as the monitor starts it (doc/design-notes.md "Worker protocol"): `sftpgo-worker --monitor-fd 3`
# reads one settings frame (u32 big-endian length + JSON) from fd 3, then serves
# SFTP on fds 0/1 and sends its events back on fd 3 as frames. Here python plays
# the monitor: it holds the other end of a socketpair that sftp -D passes down to
# the worker. Bad frames are refused before a single file is touched.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/sftp-lib.sh"
# The worker runs under its seccomp filter as under the monitor, which starts it
# with detect_leaks=0: LeakSanitizer's exit check needs clone and ptrace.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
need_ours
command -v python3 >/dev/null 2>&1 || skip_all "no python3"

R=$T/root
mkdir -p "$R/in"
echo hello >"$R/hello.txt"
make_data "$LOCAL/up.bin" 10

# monitor FRAME-KIND SETTINGS-JSON: runs the batch on stdin under a fake monitor;
# the events it got back go to $T/frames (one JSON per line); sftp's status is
# the status.
cat >"$T/monitor.py" <<'PY'
import json, os, socket, struct, subprocess, sys
kind, settings, worker, batch, local, out_events = sys.argv[1:7]
# Hold the lowest free descriptor (3) so the socketpair lands above it.
placeholder = os.open("/dev/null", os.O_RDONLY)
mon, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
payload = settings.encode()
if kind == "good":
    frame = struct.pack(">I", len(payload)) + payload
elif kind == "huge":      # announces more than the 1 MiB limit
    frame = struct.pack(">I", 2 * 1024 * 1024) + payload
elif kind == "short":     # length larger than what is sent, then EOF
    frame = struct.pack(">I", len(payload) + 100) + payload
else:                     # "none": nothing at all, then EOF
    frame = b""
mon.sendall(frame)
if kind in ("short", "none"):
    mon.shutdown(socket.SHUT_WR)
os.dup2(child.fileno(), 3)
os.set_inheritable(3, True)
with open(batch) as b, open(os.path.join(local, "..", "sftp.out"), "w") as o, \
        open(os.path.join(local, "..", "sftp.err"), "w") as e:
    p = subprocess.Popen(["sftp", "-q", "-b", "-", "-D", worker + " --monitor-fd 3"],
                         stdin=b, stdout=o, stderr=e, cwd=local, pass_fds=(3,))
    os.close(3)
    child.close()
    rc = p.wait(timeout=120)
mon.settimeout(10)
data = b""
while True:
    try:
        chunk = mon.recv(65536)
    except (socket.timeout, ConnectionResetError):
        break
    if not chunk:
        break
    data += chunk
with open(out_events, "w") as f:
    off = 0
    while off + 4 <= len(data):
        (n,) = struct.unpack(">I", data[off:off + 4])
        body = data[off + 4:off + 4 + n]
        if len(body) != n:
            sys.exit("truncated event frame")
        json.loads(body)  # every frame is one JSON object
        f.write(body.decode() + "\n")
        off += 4 + n
    if off != len(data):
        sys.exit("trailing bytes after the last frame")
sys.exit(rc)
PY

monitor() {
	cat >"$T/batch"
	python3 "$T/monitor.py" "$1" "$2" "$WORKER" "$T/batch" "$LOCAL" "$T/frames"
}
SETTINGS="{\"username\":\"mon\",\"connection_id\":\"abc123\",\"protocol\":\"SFTP\",
\"home_dir\":\"$R\",\"chroot\":true,\"uid\":-1,\"gid\":-1,
\"permissions\":{\"/\":[\"list\",\"download\"],\"/in\":[\"*\"]}}"

check "a session under a monitor" monitor good "$SETTINGS" <<EOF
pwd
get hello.txt
put up.bin in/up.bin
-put up.bin refused.bin
EOF
check "chrooted in the home: pwd is /" grep -q '^Remote working directory: /$' "$T/sftp.out"
check_eq "upload landed in the home" "$(hash_of "$R/in/up.bin")" "$(hash_of "$LOCAL/up.bin")"
check_eq "download content" "$(cat "$LOCAL/hello.txt")" hello
check_not "permissions from the frame applied" test -e "$R/refused.bin"
check "events came back as frames" python3 - "$T/frames" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
def has(**kw):
    return any(all(e.get(k) == v for k, v in kw.items()) for e in evs)
assert has(event="transfer", sender="Upload", path="/in/up.bin", size_bytes=10240, ok=True), evs
assert has(event="transfer", sender="Download", path="/hello.txt", ok=True), evs
PY
check_not "no event went to stderr" grep -q '^{"event"' "$T/sftp.err"

# A home that does not exist yet is created at login (SFTPGo does the same).
NEWHOME=$T/newhome/alice
check "missing home: session works" monitor good \
	"{\"username\":\"alice\",\"home_dir\":\"$NEWHOME\",\"chroot\":true}" <<EOF
put up.bin
EOF
check "missing home: created" test -d "$NEWHOME"
check_eq "missing home: upload landed in it" "$(hash_of "$NEWHOME/up.bin")" "$(hash_of "$LOCAL/up.bin")"

# Bad frames: the worker must refuse to serve and touch nothing.
for kind in huge short none; do
	rm -f "$R/in/up.bin"
	check_not "settings frame '$kind' refused" monitor $kind "$SETTINGS" <<EOF
put up.bin in/up.bin
EOF
	check_not "settings frame '$kind': nothing written" test -e "$R/in/up.bin"
done
check_not "settings frame with invalid JSON refused" monitor good '{"home_dir": ' <<EOF
put up.bin in/up.bin
EOF
check_not "invalid JSON: nothing written" test -e "$R/in/up.bin"
check_not "settings frame with a wrong type refused" monitor good '{"home_dir": 42}' <<EOF
ls
EOF
check_not "settings frame with a relative home refused" monitor good '{"home_dir": "relative/dir"}' <<EOF
ls
EOF

check_no_sanitizer monitor
done_testing
