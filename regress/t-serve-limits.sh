#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Per-connection limits (issue 10 item 9): sftpd.max_channels_per_connection (default
# 10, OpenSSH's MaxSessions) lets ten SFTP channels work on one connection and refuses
# the eleventh; max_startups_per_ip (default 20) lets a burst of 20 concurrent key
# logins from one address through.
# covers: sftpd.max_channels_per_connection sftpd.max_startups_per_ip
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
$PY -c "import paramiko" 2>/dev/null || skip_all "python3-paramiko not installed"

U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
serve_config 60
start_server || { fail "server starts"; exit 1; }
ok "server starts"
ssh-keygen -q -t ed25519 -N '' -f "$T/key"
add_user carol "$U1" --password carolpw --public-key-file "$T/key.pub"

# channels: open N sftp channels on one transport, write through each, keep them open
cat >"$T/chans.py" <<'EOP'
import sys, paramiko
port, n = int(sys.argv[1]), int(sys.argv[2])
t = paramiko.Transport(("127.0.0.1", port))
t.connect(username="carol", password="carolpw")
opened = []
for i in range(n):
    try:
        s = paramiko.SFTPClient.from_transport(t)
        with s.open("c%d.txt" % i, "w") as f:
            f.write("channel %d\n" % i)
        opened.append(s)
    except Exception as e:
        print("channel %d refused: %s" % (i + 1, e))
        break
print("opened %d" % len(opened))
# the open channels still work after the refusal
for i, s in enumerate(opened):
    assert s.stat("c%d.txt" % i).st_size > 0
print("still working")
t.close()
EOP
$PY "$T/chans.py" "$PORT" 10 >"$T/ch10.out" 2>&1
check "10 sftp channels on one connection work" grep -qx "opened 10" "$T/ch10.out"
check "10 channels: each wrote its file" test "$(ls "$T/homes/carol" | grep -c '^c[0-9]*\.txt$')" -eq 10
$PY "$T/chans.py" "$PORT" 11 >"$T/ch11.out" 2>&1
check "the 11th channel is refused" grep -q "channel 11 refused" "$T/ch11.out"
check "the first 10 still work after the refusal" grep -qx "still working" "$T/ch11.out"
check "the refusal is logged with the key's name" \
	wait_log "max_channels_per_connection"
stop_server

# a lower cap from the file is honoured
serve_config 60 '"max_channels_per_connection": 2'
start_server || { fail "server restarts"; exit 1; }
$PY "$T/chans.py" "$PORT" 3 >"$T/ch3.out" 2>&1
check "max_channels_per_connection 2: the 3rd channel is refused" \
	grep -q "channel 3 refused" "$T/ch3.out"
check "max_channels_per_connection 2: two channels opened" grep -qx "opened 2" "$T/ch3.out"
stop_server

# 20 concurrent key logins from 127.0.0.1 (the default max_startups_per_ip)
serve_config 60
start_server || { fail "server restarts"; exit 1; }
i=0
pids=
while [ $i -lt 20 ]; do
	(echo "ls" | sftp_key carol "$T/key" >"$T/burst.$i" 2>&1; echo $? >"$T/burst.$i.rc") &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do wait "$p"; done
okc=$(cat "$T"/burst.*.rc | grep -cx 0)
check "20 concurrent logins from one address all succeed ($okc/20)" test "$okc" -eq 20
check_not "no startup refusal logged" grep -q "too many unauthenticated" "$LOG"
stop_server
done_testing
