#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# common.defender (issue 16 item 2): an address that fails to log in is scored and,
# past the threshold, banned; the listener then closes its connections right after
# accept, before the server's SSH identification line. Distinct loopback sources
# (127.0.0.2, ...) are distinct clients (OpenSSH `ssh -b`). Safe list, block list
# (both file formats), bad protocol and max_startups_per_ip scoring, the ban line
# in the log, `sftpgo defender list|unban`, the ban file across a restart, a ban
# ending in the listener, the repeat increment, the entry limits, the observation
# window, IPv6 (::1, scored as its /64), PROXY mode (the header's address is
# banned; a banned proxy peer is closed at accept). The grouping of IPv6 /64s with
# distinct addresses is unit-tested (check_defender): loopback has only ::1.
# covers: common.defender.enabled common.defender.ban_time common.defender.threshold
# covers: common.defender.ban_time_increment common.defender.score_invalid
# covers: common.defender.score_valid common.defender.score_limit_exceeded
# covers: common.defender.observation_time common.defender.entries_soft_limit
# covers: common.defender.entries_hard_limit common.defender.safelist_file
# covers: common.defender.blocklist_file
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
ip addr show lo 2>/dev/null | grep -q "127.0.0.1/8" || skip_all "loopback is not 127.0.0.0/8"

U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
RELAY=$top_srcdir/regress/proxy-relay.py
RP=$((PORT_BASE + 148)) # relay ports RP, RP+1

# defender_config N EXTRA_SFTPD DEFENDER_KEYS: port PORT_BASE+N
defender_config() {
	PORT=$((PORT_BASE + $1))
	cat >"$CFG/sftpgo.json" <<EOC
{"sftpd": {"bind_port": $PORT, "bind_address": "${BIND:-127.0.0.1}", "session_pool_size": 2${2:+, $2}},
 "common": {"defender": {"enabled": true, $3}}}
EOC
}
# try SRC USER PASSWORD: one password attempt from SRC (ls on success)
try() {
	echo ls | sshpass -p "$3" sftp $SSH_OPTS -P "$PORT" -o BatchMode=no \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no \
		-o NumberOfPasswordPrompts=1 -o BindAddress="$1" -b - "$2@${HOST:-127.0.0.1}"
}
# fails N SRC USER PASSWORD: N refused attempts, each logged before the next
fails() {
	_k=0
	while [ $_k -lt "$1" ]; do
		_before=$(grep -c '"connection_failed"' "$LOG")
		try "$2" "$3" "$4" >/dev/null 2>&1 && return 1
		wait_log '"connection_failed"' $((_before + 1)) || return 1
		_k=$((_k + 1))
	done
}
probe() { $PY "$RELAY" probe "$PORT" "$@"; }
# refused SRC: the connection is closed before any byte from the server
refused() { [ "$(probe "$1" "" 5)" = closed ]; }
# served SRC: the server's identification line comes
served() { probe "$1" "" 5 | grep -q '^banner SSH-2.0-'; }
dlist() { "$SFTPGO" defender list --config-dir "$CFG" "$@"; }
# listed PATTERN: `defender list` shows a line matching it (waits: the CLI is
# asked again until then, 10 s)
listed() {
	_i=0
	while [ $_i -lt 50 ]; do
		dlist 2>/dev/null | grep -q -- "$1" && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}
not_listed() { ! dlist | grep -q -- "$1"; }
# refuses PATTERN CMD...: CMD fails, saying PATTERN
refuses() {
	_p=$1
	shift
	! "$@" >"$T/refuses.out" 2>&1 && grep -q -- "$_p" "$T/refuses.out"
}

# --- bans, safe and block lists, the CLI ------------------------------------------
printf '# safe\n127.0.0.3  # the office\n' >"$CFG/safe.txt"
echo '{"addresses": ["127.0.0.4"], "networks": ["127.0.9.0/24"]}' >"$CFG/block.json"
DKEYS='"ban_time": 2, "ban_time_increment": 50, "threshold": 5, "score_invalid": 2,
 "score_valid": 1, "score_limit_exceeded": 3, "observation_time": 30,
 "safelist_file": "safe.txt", "blocklist_file": "block.json"'
defender_config 140 "" "$DKEYS"
check "the configuration loads" "$SFTPGO" serve --test-config --config-dir "$CFG" \
	--libexec-dir "$top_builddir"
start_server || { fail "server starts"; exit 1; }
add_user pat "$U1" --password patpw
check "the defender is on" wait_log '"defender enabled: threshold 5'
check "a login works" try 127.0.0.1 pat patpw

check "4 wrong passwords of an existing user from 127.0.0.2" fails 4 127.0.0.2 pat wrong
check "... score 4 (score_valid 1 each)" listed '^127.0.0.2 score 4$'
check "... not banned yet" not_listed '^127.0.0.2 banned'
check "a 5th reaches the threshold" fails 1 127.0.0.2 pat wrong
check "the ban is logged (fail2ban-readable: sender defender, the address, ban_time 2 min)" \
	wait_log '"sender":"defender","message":"banned host 127.0.0.2 (address group 127.0.0.2) for 120 seconds'
check "defender list shows the ban" listed '^127.0.0.2 banned until 20'
check "defender list --json: SFTPGo's shape" sh -c \
	"'$SFTPGO' defender list --json --config-dir '$CFG' | grep -q '\"ban_time\": \"20'"
check "the banned address is closed before the SSH identification line" refused 127.0.0.2
check_not "... and cannot log in with the right password" try 127.0.0.2 pat patpw
check "another address still logs in" try 127.0.0.1 pat patpw
check "the ban file holds it" grep -q '"ip":"127.0.0.2"' "$CFG/defender_bans.json"

check "unknown users from 127.0.0.5: 2 attempts" fails 2 127.0.0.5 nosuch wrong
check "... score 4 (score_invalid 2 each)" listed '^127.0.0.5 score 4$'
check "... the 3rd bans it" fails 1 127.0.0.5 nosuch wrong
check "... closed at accept" refused 127.0.0.5

check "bad protocol from 127.0.0.6 (not SSH)" sh -c \
	"$PY '$RELAY' probe $PORT 127.0.0.6 txt:GET\ /\ HTTP/1.0\\\\r\\\\n\\\\r\\\\n 5 >/dev/null"
check "... scored as score_invalid" listed '^127.0.0.6 score 2$'

check "the safe-listed 127.0.0.3: 8 unknown users" fails 8 127.0.0.3 nosuch wrong
check "... is never scored" not_listed 127.0.0.3
check "... nor banned" try 127.0.0.3 pat patpw

check "a block-listed address (JSON addresses) is closed at accept" refused 127.0.0.4
check "a block-listed network (JSON networks) is closed at accept" refused 127.0.9.9
check "defender unban refuses a block-listed address, saying why" refuses blocklist_file \
	"$SFTPGO" defender unban --ip 127.0.0.4 --config-dir "$CFG"

check "defender unban --ip 127.0.0.2" sh -c \
	"'$SFTPGO' defender unban --ip 127.0.0.2 --config-dir '$CFG' | grep -q '127.0.0.2 unbanned'"
check "... is logged" wait_log 'host 127.0.0.2 (address group 127.0.0.2) unbanned by an administrator'
check "... the address is served again (a probe: no_auth_tryed scores 2)" served 127.0.0.2
check "... and logs in" try 127.0.0.2 pat patpw
check_not "unban of an address not known" "$SFTPGO" defender unban --ip 127.0.0.77 \
	--config-dir "$CFG"
check_not "unban of a non-address" "$SFTPGO" defender unban --ip 127.0.0.x --config-dir "$CFG"
check_not "unban without --ip" "$SFTPGO" defender unban --config-dir "$CFG"
check "the admin socket is root's only (mode 0600)" sh -c \
	"[ \$(stat -c %a '$CFG/admin.sock') = 600 ]"
check_not "another user cannot use it" setpriv --reuid=nobody --regid=nogroup \
	--clear-groups "$SFTPGO" defender list --config-dir "$CFG"
# a malformed frame, a message an admin may not send (a LOG), then a good one
check "bad frames on the admin socket: that connection is closed" $PY - "$CFG/admin.sock" <<'EOP'
import socket, struct, sys
for frame in (b"\x00\x00\x00\x09\x3e\xff\xff", struct.pack("!IBII", 9, 11, 0, 0)):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    s.send(frame)
    s.settimeout(5)
    assert s.recv(100) == b"", "answered a bad frame"
    s.close()
EOP
check "... logged" wait_log 'admin socket: '
check "... and the server still answers" listed '^127.0.0.5 banned'

# score_limit_exceeded: max_startups_per_ip 1 (SIGHUP), one pre-auth connection held
sed -i 's/"session_pool_size": 2/"session_pool_size": 2, "max_startups_per_ip": 1/' "$CFG/sftpgo.json"
kill -HUP "$SERVER_PID"
check "SIGHUP reloads" wait_log 'SIGHUP: configuration reloaded'
probe 127.0.0.7 "" 20 hold >/dev/null 2>&1 &
HOLD=$!
BG_PIDS="$BG_PIDS $HOLD"
check "a pre-auth connection of 127.0.0.7 is held" wait_log 'new connection from 127.0.0.7'
probe 127.0.0.7 "" 3 >/dev/null 2>&1
check "a second one is refused for max_startups_per_ip" \
	wait_log 'refusing connection from 127.0.0.7: too many unauthenticated'
check "... scored score_limit_exceeded 3" listed '^127.0.0.7 score 3$'
probe 127.0.0.7 "" 3 >/dev/null 2>&1
check "... a second refusal bans it" wait_log 'banned host 127.0.0.7'
check "... and the held pre-auth connection is ended" \
	wait_log 'its address was banned by the defender'
kill "$HOLD" 2>/dev/null

# --- the ban file across a restart; a ban ending; the repeat increment --------------
stop_server
check "the ban file is written atomically (no temporary left)" test ! -e "$CFG/defender_bans.json.tmp"
check "the ban file is root's only" sh -c "[ \$(stat -c %a '$CFG/defender_bans.json') = 600 ]"
NOW=$(date +%s)
$PY - "$CFG/defender_bans.json" "$NOW" <<'EOP'
import json, sys
p, now = sys.argv[1], int(sys.argv[2])
d = json.load(open(p))
# 127.0.0.8: banned once before, its ban ends in 4 s
d["hosts"].append({"ip": "127.0.0.8", "ban_until": now + 4, "ban_ended": 0, "bans": 1})
json.dump(d, open(p, "w"))
EOP
start_server || { fail "server restarts"; exit 1; }
check "after a restart the ban of 127.0.0.5 holds" refused 127.0.0.5
check "the restored ban of 127.0.0.8 is enforced" refused 127.0.0.8
_i=0
while [ "$(date +%s)" -le $((NOW + 5)) ] && [ $_i -lt 100 ]; do
	sleep 0.2
	_i=$((_i + 1))
done
check "... and ends in the listener at its time (a probe: score 2)" served 127.0.0.8
check "a repeat offender (3 more failures of 127.0.0.8)" fails 3 127.0.0.8 pat wrong
check "... is banned for ban_time plus ban_time_increment (50 %): 180 s" \
	wait_log 'banned host 127.0.0.8 (address group 127.0.0.8) for 180 seconds'
check "the block list still applies after a restart" refused 127.0.0.4

# SIGHUP: a new block list entry takes effect at once, a bad file is refused whole
echo '127.0.0.10' >>"$CFG/safe.txt"
echo '{"addresses": ["127.0.0.4", "127.0.0.11"]}' >"$CFG/block.json"
kill -HUP "$SERVER_PID"
check "SIGHUP reloads the lists" wait_log 'SIGHUP: configuration reloaded' 2
check "a block-listed address added by SIGHUP is refused" refused 127.0.0.11
check "127.0.9.9 is no more block-listed" served 127.0.9.9
echo 'not-an-address' >>"$CFG/safe.txt"
kill -HUP "$SERVER_PID"
check "a bad safe list is refused at SIGHUP, naming the key and line" \
	wait_log 'configuration not reloaded: common.defender.safelist_file: .*safe.txt line 4'
check "... the previous lists stay" refused 127.0.0.11
stop_server
check "a bad safe list is refused at start, naming the key" \
	refuses common.defender.safelist_file "$SFTPGO" serve --test-config \
	--config-dir "$CFG" --libexec-dir "$top_builddir"

# --- refused settings --------------------------------------------------------------
defender_config 141 "" '"threshold": 3, "score_invalid": 3'
check "a score not below the threshold is refused, naming the key" \
	refuses 'common.defender.score_invalid: 3 must be lower than common.defender.threshold' \
	"$SFTPGO" serve --test-config --config-dir "$CFG" --libexec-dir "$top_builddir"
defender_config 141 "" '"entries_soft_limit": 10, "entries_hard_limit": 10'
check_not "entries_soft_limit not below entries_hard_limit is refused" "$SFTPGO" serve \
	--test-config --config-dir "$CFG" --libexec-dir "$top_builddir"
defender_config 141 "" '"blocklist_file": "/nonexistent/block"'
check_not "a missing block list is refused" "$SFTPGO" serve --test-config \
	--config-dir "$CFG" --libexec-dir "$top_builddir"
check_not "defender list without a running server fails" dlist

# --- entry limits: above entries_hard_limit, down to entries_soft_limit ------------
rm -f "$CFG/defender_bans.json"
defender_config 142 "" '"threshold": 10, "entries_soft_limit": 1, "entries_hard_limit": 2'
start_server || { fail "server starts (limits)"; exit 1; }
check "an unknown user from 127.0.0.12" fails 1 127.0.0.12 nosuch wrong
check "... from 127.0.0.13" fails 1 127.0.0.13 nosuch wrong
check "... from 127.0.0.14: a third entry" fails 1 127.0.0.14 nosuch wrong
check "... only the newest stays (entries_soft_limit 1)" listed '^127.0.0.14 score 2$'
check "... the oldest are dropped" sh -c "[ \$('$SFTPGO' defender list --config-dir '$CFG' | wc -l) = 1 ]"
stop_server

# --- PROXY protocol: the header's address is scored and banned ---------------------
defender_config 143 '"proxy_protocol": 1, "proxy_allowed": ["127.0.0.2"]' \
	'"threshold": 5, "score_invalid": 2'
start_server || { fail "server starts (proxy)"; exit 1; }
add_user pat "$U1" --password patpw >/dev/null 2>&1
$PY "$RELAY" relay "$RP" "$PORT" 127.0.0.2 v1 192.0.2.50 40001 >"$T/relay.0" 2>&1 &
BG_PIDS="$BG_PIDS $!"
$PY "$RELAY" relay $((RP + 1)) "$PORT" 127.0.0.2 v1 192.0.2.51 40002 >"$T/relay.1" 2>&1 &
BG_PIDS="$BG_PIDS $!"
_i=0
while ! grep -q ready "$T/relay.1" 2>/dev/null && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
# via N USER PASSWORD: one attempt through relay N
via() {
	echo ls | sshpass -p "$3" sftp $SSH_OPTS -P $((RP + $1)) -o BatchMode=no \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no \
		-o NumberOfPasswordPrompts=1 -b - "$2@127.0.0.1"
}
for _k in 1 2 3; do
	via 0 nosuch wrong >/dev/null 2>&1
done
check "3 unknown users behind the proxy ban the header's address" \
	wait_log 'banned host 192.0.2.50 (address group 192.0.2.50)'
check_not "... its next login through the proxy is closed after the header" via 0 pat patpw
check "... while another client of the same proxy logs in" via 1 pat patpw
check "... and the proxy's own address is not banned" not_listed 127.0.0.2
check "a direct client (mode 1, no header) is scored by its socket address" \
	fails 3 127.0.0.9 nosuch wrong
check "... banned" wait_log 'banned host 127.0.0.9'
check "... and closed at accept, before the header would be read" refused 127.0.0.9
stop_server

# --- IPv6: ::1 is scored and banned as ::/64 -----------------------------------------
if ip -6 addr show lo 2>/dev/null | grep -q '::1/128'; then
	BIND=::1 defender_config 144 "" '"threshold": 5, "score_invalid": 2'
	start_server || { fail "server starts (IPv6)"; exit 1; }
	for _k in 1 2 3; do
		HOST='[::1]' try ::1 nosuch wrong >/dev/null 2>&1
	done
	check "three unknown users from ::1 ban its /64" wait_log 'banned host ::1 (address group ::/64)'
	check "defender list shows the group" listed '^::/64 banned until'
	check "a connection from ::1 is closed before the SSH identification line" sh -c \
		"$PY -c \"import socket; s=socket.create_connection(('::1', $PORT), 5); s.settimeout(5); print(s.recv(64))\" | grep -q \"^b''\$\""
	check "defender unban --ip ::1 lifts the /64" sh -c \
		"'$SFTPGO' defender unban --ip ::1 --config-dir '$CFG' | grep -q '::/64 unbanned'"
	check "... ::1 is served again" sh -c \
		"$PY -c \"import socket; s=socket.create_connection(('::1', $PORT), 5); s.settimeout(5); print(s.recv(64))\" | grep -q SSH-2.0"
	stop_server
	BIND=
else
	ok "# SKIP IPv6: no ::1 on loopback"
fi

# --- observation_time (1 minute): a score leaves the window ------------------------
defender_config 145 "" '"threshold": 10, "observation_time": 1'
start_server || { fail "server starts (observation)"; exit 1; }
check "an unknown user from 127.0.0.15 scores" fails 1 127.0.0.15 nosuch wrong
check "... listed" listed '^127.0.0.15 score 2$'
_i=0
while dlist | grep -q '^127.0.0.15 ' && [ $_i -lt 450 ]; do
	sleep 0.2
	_i=$((_i + 1))
done
check "... and forgotten once observation_time (1 min) has passed" not_listed 127.0.0.15
stop_server

done_testing
