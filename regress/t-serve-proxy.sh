#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpd.proxy_protocol / proxy_allowed (issue 10 item 7): real PROXY v1 and v2 headers
# written by a relay (regress/proxy-relay.py, a stand-in load balancer) before a real
# sftp login through the same TCP connection. The header's address is what the login
# line, the user's IP filters, the connection_failed (fail2ban) line and
# max_startups_per_ip see; headers from peers outside proxy_allowed are ignored
# (mode 1) or refused (mode 2); malformed and slow headers are dropped by the
# listener without holding up other connections. The server's SSH identification
# line comes first, before the header is read (SFTPGo 0.9.6 section 17 row 15), so a
# proxy or client that waits for it does not stall; libssh's own copy of the line
# is not sent twice (a real login through a relay that waits for it works).
# covers: sftpd.proxy_protocol sftpd.proxy_allowed
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
ip addr show lo 2>/dev/null | grep -q "127.0.0.1/8" || skip_all "loopback is not 127.0.0.0/8"

U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
RELAY=$top_srcdir/regress/proxy-relay.py
RP=$((PORT_BASE + 64)) # relay ports: RP, RP+1, ...

# relay N BIND KIND SRC SPORT [wait]: a relay on RP+N (stopped at exit)
relay() {
	$PY "$RELAY" relay $((RP + $1)) "$PORT" "$2" "$3" "$4" "$5" ${6:-} >"$T/relay.$1" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	_i=0
	while ! grep -q ready "$T/relay.$1" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
# via N USER PASSWORD: an sftp upload through relay N
via() {
	echo "put /etc/hostname up-$1.txt" | sshpass -p "$3" sftp $SSH_OPTS -P $((RP + $1)) \
		-o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no \
		-b - "$2@127.0.0.1"
}
probe() { $PY "$RELAY" probe "$PORT" "$@"; }
hdr() { $PY "$RELAY" header "$@"; }
direct() {
	echo ls | sshpass -p "$2" sftp $SSH_OPTS -P "$PORT" -o BatchMode=no \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no -b - "$1@127.0.0.1"
}

# --- mode 1 (optional), proxy_allowed = 127.0.0.2 ------------------------------
serve_config 63 '"proxy_protocol": 1, "proxy_allowed": ["127.0.0.2"]'
start_server || { fail "server starts"; exit 1; }
add_user pat "$U1" --password patpw
add_user flt "$U1" --password fltpw --allowed-ip 192.0.2.0/24
relay 0 127.0.0.2 v1 192.0.2.10 40001
relay 1 127.0.0.2 v2 198.51.100.7 40002
relay 2 127.0.0.2 v2 2001:db8::5 40003
relay 3 127.0.0.3 v1 192.0.2.99 40004
relay 4 127.0.0.2 v1 203.0.113.9 40005
relay 5 127.0.0.2 v1unknown 0 0
relay 6 127.0.0.2 v2local 0 0
check "v1 header from an allowed proxy: login and upload" via 0 pat patpw
check "the file is on disk" test -s "$T/homes/pat/up-0.txt"
check "the login is logged with the header's address (v1)" \
	wait_log "user pat logged in with password from 192.0.2.10"
check "v2 header (IPv4, with a TLV): login" via 1 pat patpw
check "logged with the v2 header's address" wait_log "user pat logged in with password from 198.51.100.7"
check "v2 header (IPv6): login" via 2 pat patpw
check "logged with the IPv6 header's address" wait_log "user pat logged in with password from 2001:db8::5"
check "allowed_ip 192.0.2.0/24 applies to the header's address: allowed" via 0 flt fltpw
check_not "allowed_ip applies to the header's address: 203.0.113.9 refused" via 4 flt fltpw
check "the refusal names the real address" \
	wait_log '"connection_failed","client_ip":"203.0.113.9","username":"flt"'
check "the fail2ban filter extracts the real address" sh -c \
	"grep '\"client_ip\":\"203.0.113.9\"' '$LOG' | grep -q 'not allowed from this address'"
check "a header from a peer outside proxy_allowed is ignored: login works" via 3 pat patpw
check "... and the socket's address is logged" wait_log "user pat logged in with password from 127.0.0.3"
check_not "... so the filtered user is refused (127.0.0.3 is not 192.0.2.0/24)" via 3 flt fltpw
check "PROXY UNKNOWN (health check): accepted, socket address" via 5 pat patpw
check "v2 LOCAL: accepted, socket address" via 6 pat patpw
check "UNKNOWN and LOCAL logged with the proxy's address" wait_log "user pat logged in with password from 127.0.0.2" 2
check "mode 1: a direct client without a header is served" direct pat patpw
# banner first: a relay that writes its header only after the server's banner
relay 7 127.0.0.2 v1 192.0.2.77 40007 wait
check "mode 1: a proxy waiting for the banner before its header: login" via 7 pat patpw
check "the banner came before the header was sent" \
	grep -q "banner before header: SSH-2.0-SFTPGo_" "$T/relay.7"
check "... and the header's address is used" \
	wait_log "user pat logged in with password from 192.0.2.77"
$PY "$RELAY" probe "$PORT" 127.0.0.2 "txt:SSH-2.0-probe\r\n" 3 wait >"$T/wait1" 2>&1
check "mode 1: a client sending nothing before the banner gets it at once" \
	grep -q "^banner SSH-2.0-SFTPGo_" "$T/wait1"
check "... and its connection goes on (no header needed)" grep -qx open "$T/wait1"
# malformed headers: the listener closes the connection and says why
for bad in 'txt:PROXY TCP4 10.0.0.1 127.0.0.1 12 34x\r\n|bad port' \
	'txt:PROXY TCP4 10.0.0.1 1.1.1 12 34\r\n|bad address' \
	'txt:PROXY TCP6 10.0.0.1 127.0.0.1 12 34\r\n|bad address' \
	'txt:PROXY TCP4 10.0.0.1 127.0.0.1 123456 2\r\n|bad port' \
	'txt:PROXY UDP4 1.1.1.1 1.1.1.1 1 2\r\n|unknown protocol' \
	'txt:PROXY TCP4 1.1.1.1 1.1.1.1 1 2 3\r\n|expected PROXY TCP4' \
	'txt:PROXY TCP4 1.1.1.1 1.1.1.1 1 2\n|must end with CRLF' \
	'txt:PROXYZ|not a PROXY header' \
	'0d0a0d0a000d0a515549540a3111000c|unsupported version' \
	'0d0a0d0a000d0a515549540a2311000c|unknown command' \
	'0d0a0d0a000d0a515549540a2111ffff|longer than' \
	'0d0a0d0a000d0a515549540a21110004c0000201|address block too short' \
	'0d0a0d0a000d0a515549540a21510004c0000201|unknown address family' \
	'0d0a0d0a000d0a515549550a|not a PROXY v2 signature'; do
	h=${bad%%|*}
	w=${bad#*|}
	check "malformed header ($w): connection closed" sh -c \
		"$PY '$RELAY' probe $PORT 127.0.0.2 '$h' | grep -qx closed"
	check "malformed header ($w): logged" wait_log "PROXY protocol: connection from 127.0.0.2:[0-9]* closed: .*$w"
done
check "a 107-byte v1 line without CRLF is refused" sh -c \
	"$PY '$RELAY' probe $PORT 127.0.0.2 'txt:PROXY TCP4 $(printf '%0101d' 0)' | grep -qx closed"
check "... and logged" wait_log "closed: PROXY v1: no CRLF within 107 bytes"
# slow header: dropped after the header timeout, other logins meanwhile unaffected
$PY "$RELAY" probe "$PORT" 127.0.0.2 50524f5859 30 >"$T/slow.out" 2>&1 &
slow=$!
BG_PIDS="$BG_PIDS $slow"
sleep 0.5
check "a login while a header is stalled" via 1 pat patpw
wait "$slow"
check "the stalled header is dropped" grep -qx closed "$T/slow.out"
check "the timeout is logged" wait_log "closed: PROXY header timeout"
stop_server

# --- mode 2 (required) with proxy_allowed --------------------------------------
serve_config 63 '"proxy_protocol": 2, "proxy_allowed": ["127.0.0.2/32", "10.0.0.0/8"]'
start_server || { fail "server restarts"; exit 1; }
check "mode 2: header from an allowed proxy works" via 0 pat patpw
relay 8 127.0.0.2 v2 198.51.100.8 40008 wait
check "mode 2: a proxy waiting for the banner before its header: login" via 8 pat patpw
check "mode 2: the banner came before the header" \
	grep -q "banner before header: SSH-2.0-SFTPGo_" "$T/relay.8"
check "mode 2: the header's address is used" \
	wait_log "user pat logged in with password from 198.51.100.8"
check_not "mode 2: a direct client (not a listed proxy) is refused" direct pat patpw
$PY "$RELAY" probe "$PORT" 127.0.0.1 "txt:SSH-2.0-probe\r\n" 3 wait >"$T/wait2" 2>&1
check "mode 2: an unlisted peer is closed without a banner" grep -qx closed "$T/wait2"
check_not "... (no banner line at all)" grep -q "^banner" "$T/wait2"
check "mode 2: the unlisted direct peer is logged" wait_log "127.0.0.1:[0-9]* closed: not in sftpd.proxy_allowed"
check_not "mode 2: a header from a peer outside proxy_allowed is refused" via 3 pat patpw
check "mode 2: the unlisted peer is logged" wait_log "127.0.0.3:[0-9]* closed: not in sftpd.proxy_allowed"
stop_server

# --- mode 2 with an empty list: the header's address is used (SFTPGo dropped it) --
serve_config 63 '"proxy_protocol": 2, "max_startups_per_ip": 1'
start_server || { fail "server restarts"; exit 1; }
check_not "mode 2, no list: a direct client without a header is refused" direct pat patpw
check "mode 2: the missing header is logged" wait_log "closed: no PROXY header (required)"
check "mode 2, no list: login through a header" via 1 pat patpw
check "mode 2, no list: the header's address is logged" \
	wait_log "user pat logged in with password from 198.51.100.7" 2
# max_startups_per_ip counts the real address: two held pre-auth connections from
# 192.0.2.50 through the same proxy, the second refused; another real address is not
$PY "$RELAY" probe "$PORT" 127.0.0.5 "$(hdr v1 192.0.2.50 1)" 8 hold >"$T/hold1" &
BG_PIDS="$BG_PIDS $!"
_i=0
while ! grep -q banner "$T/hold1" && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
# (the banner comes before the header, so a refused connection is closed after it)
check "max_startups_per_ip 1: a 2nd pre-auth connection from the same real address is refused" sh -c \
	"$PY '$RELAY' probe $PORT 127.0.0.5 $(hdr v1 192.0.2.50 2) 5 | grep -qx closed"
check "the refusal names the real address" wait_log "refusing connection from 192.0.2.50: too many unauthenticated"
$PY "$RELAY" probe "$PORT" 127.0.0.5 "$(hdr v1 192.0.2.51 3)" 3 >"$T/other" 2>&1
check "another real address through the same proxy is served" sh -c \
	"grep -q '^banner SSH-2.0-' '$T/other' && grep -qx open '$T/other'"
stop_server
serve_config 63 '"proxy_protocol": 1'
start_server || { fail "server restarts"; exit 1; }
check "the spoofing warning is logged" wait_log "proxy_protocol 1 with an empty sftpd.proxy_allowed"
stop_server
done_testing
