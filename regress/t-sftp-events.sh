#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Worker events (doc/design-notes.md "Worker protocol"): stand-alone, one JSON object per line
# on stderr. Transfers and commands carry the agreed fields with virtual paths.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/sftp-lib.sh"
need_ours
command -v python3 >/dev/null 2>&1 || skip_all "no python3"

R=$T/root
S=$T/settings.json
L=$LOCAL
mkdir -p "$R/dir"
write_settings "$S" "$R"
make_data "$L/up.bin" 100
make_data "$R/down.bin" 37
echo x >"$R/torm.txt"
touch -d '2003-04-05 06:07:08' "$L/up.bin"

check "a batch of transfers and commands" sftp_batch "$R" "$S" <<EOF
put up.bin
get down.bin
mkdir newdir
rename up.bin dir/renamed.bin
ln -s dir/renamed.bin link.bin
chmod 600 dir/renamed.bin
rm torm.txt
rmdir newdir
put -p up.bin timed.bin
EOF
cp "$T/err" "$T/events1"
if [ "$(id -u)" = 0 ]; then
	check "chown and chgrp" sftp_batch "$R" "$S" <<EOF
chown 1234 down.bin
chgrp 4321 down.bin
EOF
	cat "$T/err" >>"$T/events1"
fi

# expect FILE "desc" KEY=VALUE...: some event in FILE has all those members
# (VALUE compared as JSON text: strings quoted, numbers bare; "*int" = any
# integer >= 0, "*time" = YYYY-MM-DDTHH:MM:SS).
expect() {
	_file=$1
	_desc=$2
	shift 2
	if python3 - "$_file" "$@" >"$T/py.out" 2>&1 <<'PY'; then ok "event: $_desc"; else
import json, re, sys
events = []
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.strip()
    if line.startswith("{"):
        events.append(json.loads(line))
def matches(ev, key, want):
    if key not in ev:
        return False
    got = ev[key]
    if want == "*int":
        return isinstance(got, int) and not isinstance(got, bool) and got >= 0
    if want == "*time":
        return isinstance(got, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", got)
    return json.dumps(got) == want
wants = [a.split("=", 1) for a in sys.argv[2:]]
for ev in events:
    if all(matches(ev, k, v) for k, v in wants):
        sys.exit(0)
print("no event with", sys.argv[2:], "among", [e for e in events if e.get("event") != "log"])
sys.exit(1)
PY
		fail "event: $_desc" "$(tail -c 600 "$T/py.out")"
	fi
}

UP_SIZE=$(stat -c %s "$L/up.bin")
DOWN_SIZE=$(stat -c %s "$R/down.bin")
E=$T/events1
expect "$E" "upload" event='"transfer"' sender='"Upload"' path='"/up.bin"' \
	size_bytes="$UP_SIZE" elapsed_ms='*int' ok=true
expect "$E" "download" event='"transfer"' sender='"Download"' path='"/down.bin"' \
	size_bytes="$DOWN_SIZE" elapsed_ms='*int' ok=true
expect "$E" "mkdir" event='"command"' sender='"Mkdir"' path='"/newdir"'
expect "$E" "rename" event='"command"' sender='"Rename"' path='"/up.bin"' \
	target_path='"/dir/renamed.bin"'
# The link's text is the client's ("dir/renamed.bin", relative): only the link
# itself has a fixed virtual path.
expect "$E" "symlink" event='"command"' sender='"Symlink"' target_path='"/link.bin"'
expect "$E" "chmod" event='"command"' sender='"Chmod"' path='"/dir/renamed.bin"' \
	filemode='"0600"'
expect "$E" "remove" event='"command"' sender='"Remove"' path='"/torm.txt"'
expect "$E" "rmdir" event='"command"' sender='"Rmdir"' path='"/newdir"'
expect "$E" "chtimes" event='"command"' sender='"Chtimes"' path='"/timed.bin"' \
	access_time='*time' modification_time='"2003-04-05T06:07:08"'
if [ "$(id -u)" = 0 ]; then
	expect "$E" "chown" event='"command"' sender='"Chown"' path='"/down.bin"' uid=1234
	expect "$E" "chgrp" event='"command"' sender='"Chown"' path='"/down.bin"' gid=4321
fi

# Every command event carries every agreed member; every line that looks like
# JSON is JSON; no event names a host path.
check "all events well-formed" python3 - "$E" "$R" <<'PY'
import json, sys
need = {
    "transfer": ["sender", "path", "size_bytes", "elapsed_ms", "ok"],
    "command": ["sender", "path", "target_path", "filemode", "uid", "gid",
                "access_time", "modification_time"],
    "log": ["level", "message"],
}
n = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.strip()
    if not line.startswith("{"):
        continue
    ev = json.loads(line)
    n += 1
    kind = ev.get("event")
    assert kind in need, "unknown event kind: %r" % line
    missing = [k for k in need[kind] if k not in ev]
    assert not missing, "missing %s in %s" % (missing, line)
    assert sys.argv[2] not in line, "host path in %s" % line
    if kind == "transfer":
        assert isinstance(ev["ok"], bool), line
        assert ev["ok"] or ev.get("error"), "failed transfer without error: " + line
    if kind == "command":
        assert isinstance(ev["uid"], int) and isinstance(ev["gid"], int), line
assert n > 0, "no events at all"
PY

# A refused upload never reports a successful transfer.
write_settings "$S" "$R" '"permissions":{"/":["list","download"]}'
sftp_batch "$R" "$S" <<EOF
put up.bin refused.bin
EOF
cp "$T/err" "$T/events2"
sftp_batch "$R" "$S" <<EOF
-mkdir refused-dir
-rm down.bin
-rename down.bin renamed-refused.bin
EOF
cat "$T/err" >>"$T/events2"
check "refused requests: no success event, no command event" python3 - "$T/events2" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("{"):
        ev = json.loads(line)
        assert not (ev.get("event") == "transfer" and ev.get("ok")), line
        assert ev.get("event") != "command", line
PY
# --events-fd N: the events go to descriptor N instead of stderr.
write_settings "$S" "$R"
echo "put up.bin evfd.bin" >"$T/batch"
(cd "$L" && exec sftp -q -b "$T/batch" -D "$WORKER --root $R --settings $S --events-fd 5") \
	>"$T/out" 2>"$T/err" 5>"$T/events-fd"
check "--events-fd: upload event on fd 5" grep -q '"path":"/evfd.bin"' "$T/events-fd"
check_not "--events-fd: nothing on stderr" grep -q '"event"' "$T/err"

check_no_sanitizer events
done_testing
