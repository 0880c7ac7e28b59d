#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# "Honour or refuse" (issue 10), checked key by key. Every key of the sample file
# (itself checked against the built-in defaults by check_conf) is documented in
# sftpgo.json(5), and either
#  - honoured: some regress test says it proves the key's effect through a line
#    "# covers: section.key ..." (regress/t-*.sh), or
#  - refused: listed in the page's "NOT SUPPORTED YET" section (none is now: the
#    section is gone until a key of an unbuilt feature needs it), and `sftpgo serve
#    --test-config` refuses a non-default value of it naming the key and saying
#    "not supported yet" (this script sets each one), while its default loads.
# The page renders without groff warnings.
. "$top_srcdir/regress/lib.sh"
page=$top_srcdir/man/sftpgo.json.5
sample=$top_srcdir/contrib/sftpgo.json
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

# every key of the sample, dotted ("sftpd.actions.execute_on")
$PY - "$sample" >"$T/keys" <<'EOP'
import json, sys
def walk(o, p):
    for k, v in o.items():
        if isinstance(v, dict):
            walk(v, p + k + ".")
        else:
            print(p + k)
walk(json.load(open(sys.argv[1])), "")
EOP
[ -s "$T/keys" ] || fail "no keys found in $sample"
# the refused keys: ".B section.key" lines between .SH "NOT SUPPORTED YET" and the next .SH
sed -n '/^\.SH "NOT SUPPORTED YET"/,/^\.SH [^"]/p' "$page" |
	sed -n 's/^\.B \([a-z_]*\.[a-z_.]*\)$/\1/p' | sort -u >"$T/refused"
# every key honoured: no such section (the loop below then needs a # covers: each)
cat "$top_srcdir"/regress/t-*.sh | sed -n 's/^# covers: //p' | tr ' ' '\n' | sort -u >"$T/covered"

mkdir -p "$T/cfg"
# set_key KEY: a config file where KEY (dotted) has a non-default value
set_key() {
	$PY - "$sample" "$1" >"$T/cfg/sftpgo.json" <<'EOP'
import json, sys
cfg = json.load(open(sys.argv[1]))
path = sys.argv[2].split(".")
o = cfg
for p in path[:-1]:
    o = o[p]
k, v = path[-1], o[path[-1]]
if isinstance(v, bool):
    o[k] = not v
elif isinstance(v, int):
    o[k] = v - 1 if v > 0 else v + 1
elif isinstance(v, list):
    o[k] = ["upload"] if path[0] == "sftpd" else ["add"]
elif k.endswith("url"):
    o[k] = "http://127.0.0.1:8000/hook"
else:
    o[k] = "/nonexistent/" + k
print(json.dumps(cfg))
EOP
}
test_config() {
	"$top_builddir/sftpgo" serve --config-dir "$T/cfg" --libexec-dir "$top_builddir" \
		--test-config >"$T/tc.out" 2>&1
}

while read -r key; do
	short=${key##*.}
	if grep -qx "$key" "$T/refused"; then
		set_key "$key"
		if test_config; then
			fail "$key is marked refused but a non-default value loads"
		elif grep -q "$key: not supported yet" "$T/tc.out"; then
			ok "$key: a non-default value is refused ($(sed 's/.*not supported yet: //' "$T/tc.out" | head -c 80))"
		else
			fail "$key: refused without naming the key and \"not supported yet\"" "$(cat "$T/tc.out")"
		fi
	elif grep -qx "$key" "$T/covered"; then
		if grep -q "^\.\(BR*\|SH\) \(.* \)*$short\b" "$page"; then
			ok "$key: documented and covered by a test"
		else
			fail "man page does not document $key"
		fi
	else
		fail "$key is neither covered by a test (# covers:) nor refused in the man page"
	fi
done <"$T/keys"
# every refused key in the page is a real key
while read -r key; do
	grep -qx "$key" "$T/keys" || fail "NOT SUPPORTED YET lists $key, which is not a key"
done <"$T/refused"

# defaults load silently: the sample, and SFTPGo 0.9.6's own sample, unchanged
cp "$sample" "$T/cfg/sftpgo.json"
check "the sample (every key at its default) passes --test-config" test_config
cp "$top_srcdir/regress/sftpgo-0.9.6.json" "$T/cfg/sftpgo.json"
check "SFTPGo 0.9.6's sample passes --test-config unchanged" test_config
check "... silently" grep -qx "configuration OK" "$T/tc.out"

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
