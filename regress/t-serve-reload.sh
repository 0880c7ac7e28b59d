#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# SIGHUP reloads the per-connection keys (issue 10 gaps, item 4): the listener gets
# max_startups_per_ip, proxy_protocol, proxy_allowed and the banner over its monitor
# link and applies them to connections it accepts from then on; sessions started
# after the reload get the new max_channels_per_connection (a connection already
# open keeps its cap); logins after the reload are served as the new
# uid0_service_account. A banner too long for the SSH identification line is
# refused at load and on SIGHUP, naming the key.
# covers: sftpd.banner
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
$PY -c "import paramiko" 2>/dev/null || skip_all "python3-paramiko not installed"
ip addr show lo 2>/dev/null | grep -q "127.0.0.1/8" || skip_all "loopback is not 127.0.0.0/8"

U1=sftpgo-r1-$$
UNP=sftpgo-ru-$$
SVC1=sftpgo-ra-$$
SVC2=sftpgo-rb-$$
make_sysuser "$U1" && make_sysuser "$UNP" && make_sysuser "$SVC1" && make_sysuser "$SVC2" ||
	skip_all "cannot create system users"
RELAY=$top_srcdir/regress/proxy-relay.py
RP=$((PORT_BASE + 79))

# conf EXTRA: the config file (rewritten before each SIGHUP)
conf() {
	serve_config 78 "\"unprivileged_user\": \"$UNP\", \"uid0_service_account\": \"$SVC1\"${1:+, $1}"
}
RELOADS=0
# hup: SIGHUP, then until the monitor logged one more reload.
hup() {
	kill -HUP "$SERVER_PID"
	RELOADS=$((RELOADS + 1))
	wait_log 'SIGHUP: configuration reloaded' "$RELOADS"
}
put_as() { echo "put /etc/hostname $3" | sftp_pw "$1" "$2"; }

conf '"max_startups_per_ip": 1, "max_channels_per_connection": 1'
start_server || { fail "server starts"; exit 1; }
ok "server starts"
add_user carol "$U1" --password carolpw
"$SFTPGO" user add --config-dir "$CFG" --username zed --home-dir "$T/homes/zed" \
	--uid 0 --gid 0 --password zedpw >/dev/null
mkdir -p "$T/homes/zed"
chown "$SVC1:$SVC1" "$T/homes/zed"
chmod 777 "$T/homes/zed"

# --- max_startups_per_ip 1 -> 3 --------------------------------------------------
$PY "$RELAY" probe "$PORT" 127.0.0.1 "" 20 hold >"$T/hold" 2>&1 &
BG_PIDS="$BG_PIDS $!"
_i=0
while ! grep -q banner "$T/hold" && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
check "max_startups_per_ip 1: a second pre-auth connection is refused" sh -c \
	"$PY '$RELAY' probe $PORT 127.0.0.1 '' 3 | grep -qx closed"
check "... by the listener, naming the key" wait_log "max_startups_per_ip 1)"
conf '"max_startups_per_ip": 3, "max_channels_per_connection": 1'
check "SIGHUP" hup
check "the listener says it took the new settings" \
	wait_log "settings reloaded: max_startups_per_ip 3, proxy_protocol 0"
$PY "$RELAY" probe "$PORT" 127.0.0.1 "" 2 >"$T/second" 2>&1
check "after SIGHUP (max 3): a second pre-auth connection is served" \
	sh -c "grep -q '^banner SSH-2.0-' '$T/second' && grep -qx open '$T/second'"

# --- max_channels_per_connection 1 -> 3 --------------------------------------------
# One connection opened before the reload keeps its cap; one opened after has 3.
cat >"$T/chans.py" <<'EOP'
import os, sys, time, paramiko
port, flag = int(sys.argv[1]), sys.argv[2]
def transport():
    t = paramiko.Transport(("127.0.0.1", port))
    t.connect(username="carol", password="carolpw")
    return t
def channels(t, n, tag):
    ok = 0
    for i in range(n):
        try:
            s = paramiko.SFTPClient.from_transport(t)
            with s.open("%s%d.txt" % (tag, i), "w") as f:
                f.write("x\n")
            ok += 1
        except Exception as e:
            print("%s: channel %d refused" % (tag, i + 1), flush=True)
            break
    print("%s: opened %d" % (tag, ok), flush=True)
old = transport()
channels(old, 2, "before")
print("waiting", flush=True)
while not os.path.exists(flag):
    time.sleep(0.1)
channels(old, 2, "old")
channels(transport(), 3, "new")
EOP
$PY "$T/chans.py" "$PORT" "$T/reloaded" >"$T/chans.out" 2>&1 &
CH=$!
BG_PIDS="$BG_PIDS $CH"
_i=0
while ! grep -q waiting "$T/chans.out" && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
check "max_channels_per_connection 1: the 2nd channel is refused" \
	grep -qx "before: opened 1" "$T/chans.out"
conf '"max_startups_per_ip": 3, "max_channels_per_connection": 3'
check "SIGHUP" hup
touch "$T/reloaded"
wait "$CH"
check "a connection opened before the reload keeps its cap (1)" \
	grep -qx "old: opened 0" "$T/chans.out"
check "a connection opened after the reload gets the new cap (3)" \
	grep -qx "new: opened 3" "$T/chans.out"

# --- uid0_service_account SVC1 -> SVC2 ---------------------------------------------
check "uid 0 account: upload before the reload" put_as zed zedpw z1
check "... served as the configured service account" \
	test "$(stat -c %U "$T/homes/zed/z1")" = "$SVC1"
conf "\"max_startups_per_ip\": 3, \"max_channels_per_connection\": 3"
sed -i "s/\"uid0_service_account\": \"$SVC1\"/\"uid0_service_account\": \"$SVC2\"/" "$CFG/sftpgo.json"
check "SIGHUP" hup
check "uid 0 account: upload after the reload" put_as zed zedpw z2
check "... served as the new service account" \
	test "$(stat -c %U "$T/homes/zed/z2")" = "$SVC2"
check "the login line names the new ids" \
	wait_log "user zed maps to uid/gid 0: served as uid $(id -u "$SVC2")"

# --- proxy_protocol 0 -> 1 -> 2, proxy_allowed ---------------------------------------
$PY "$RELAY" relay "$RP" "$PORT" 127.0.0.2 v1 192.0.2.33 40033 >"$T/relay" 2>&1 &
BG_PIDS="$BG_PIDS $!"
_i=0
while ! grep -q ready "$T/relay" && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
via() {
	echo "put /etc/hostname $1" | sshpass -p carolpw sftp $SSH_OPTS -P "$RP" \
		-o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no \
		-b - carol@127.0.0.1
}
check_not "proxy_protocol 0: a PROXY header breaks the handshake" via p0
conf '"max_startups_per_ip": 3, "proxy_protocol": 1, "proxy_allowed": ["127.0.0.2"]'
check "SIGHUP" hup
check "proxy_protocol 1 after the reload: login through the proxy" via p1
check "... logged with the header's address" \
	wait_log "user carol logged in with password from 192.0.2.33"
conf '"max_startups_per_ip": 3, "proxy_protocol": 1, "proxy_allowed": ["127.0.0.3"]'
check "SIGHUP" hup
check "proxy_allowed changed: the proxy's header is now ignored (mode 1)" via p2
check "... and the proxy's own address is logged" \
	wait_log "user carol logged in with password from 127.0.0.2"
conf '"max_startups_per_ip": 3, "proxy_protocol": 2, "proxy_allowed": ["127.0.0.2"]'
check "SIGHUP" hup
check_not "proxy_protocol 2 after the reload: a direct client is refused" put_as carol carolpw p3
check "... by the listener" wait_log "closed: not in sftpd.proxy_allowed"
check "proxy_protocol 2: the proxy still works" via p4

# --- a banner too long for the SSH identification line -------------------------------
long=$(printf '%0246d' 0)
conf "\"proxy_protocol\": 2, \"proxy_allowed\": [\"127.0.0.2\"], \"banner\": \"$long\""
kill -HUP "$SERVER_PID"
check "a too long banner: the reload is refused, naming the key" \
	wait_log 'configuration not reloaded: sftpd.banner: longer than 245 bytes'
check "the server still serves through the proxy" via p5
check_not "--test-config refuses it too" "$SFTPGO" serve --config-dir "$CFG" \
	--libexec-dir "$top_builddir" --test-config
cp "$T/.check.out" "$T/tc.out"
check "... naming the key" grep -q "sftpd.banner: longer than 245" "$T/tc.out"
stop_server
done_testing
