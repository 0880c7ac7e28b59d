#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# covers: data_provider.external_auth_program data_provider.external_auth_scope
# sftpgo serve: external authentication (issue 13 items 3 and 5, spec section 3).
# A real script gets SFTPGO_AUTHD_* (asserted byte for byte) as the service
# account and prints a user; the user is validated, saved (password hashed, the
# offered key added) without provider actions, and the login checks still apply
# (status, expiration date, IP filters).
# Keyboard-interactive runs it first (SFTPGO_AUTHD_KEYBOARD_INTERACTIVE=1), then
# the keyboard-interactive program. Bad programs: missing, not executable, exit
# status, invalid JSON or UTF-8, megabytes of output, another username, a user
# that does not validate, children that linger, a program that hangs (which does
# not delay another user's login by more than 100 ms). external_auth_scope limits
# the methods.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-tx1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
UID1=$(id -u "$U1")
GID1=$(id -g "$U1")
AUTHLOG=$T/act/auth.log
RECLOG=$AUTHLOG
. "$top_srcdir/regress/hooks-lib.sh"
mkdir -p "$T/homes"
for n in ext1 keyuser kbduser linger off other expired ipdenied; do
	mkdir -p "$T/homes/$n"
	chown "$U1:$U1" "$T/homes/$n"
done
ssh-keygen -q -t ed25519 -N '' -f "$T/key" || skip_all "ssh-keygen failed"
KEY=$(cut -d' ' -f1,2 "$T/key.pub")

cat >"$T/auth.sh" <<EOS
#!/bin/sh
{
	env | LC_ALL=C sort | sed 's/^/env=/'
	echo "uid=\$(id -u)"
	echo ---
} >>"$AUTHLOG"
user() { # NAME [extra JSON members]
	printf '{"status":1,"username":"%s","home_dir":"$T/homes/%s","uid":$UID1,"gid":$GID1,"permissions":{"/":["*"]}%s}' "\$1" "\$1" "\$2"
}
case "\$SFTPGO_AUTHD_USERNAME" in
ext1) [ "\$SFTPGO_AUTHD_PASSWORD" = goodpw ] || exit 1; user ext1 ',"max_sessions":3' ;;
keyuser) user keyuser ;;
kbduser) user kbduser ',"password":"kbdpw"' ;;
off) user off ',"status":0' ;;
expired) user expired ',"expiration_date":1000' ;;
ipdenied) user ipdenied ',"filters":{"denied_ip":["127.0.0.0/8"]}' ;;
other) user someone-else ;;
empty) user "" ;;
fail) exit 3 ;;
badjson) echo 'this is not JSON' ;;
badutf8) printf '{"username":"badutf8","home_dir":"/tmp/\377\376"}' ;;
big) head -c 3000000 /dev/zero | tr '\0' ' '; user big ;;
invalid) printf '{"status":1,"username":"invalid","home_dir":"relative/home","uid":1,"gid":1,"permissions":{"/":["*"]}}' ;;
linger) (sleep 30 &) ; sleep 30 >/dev/null 2>&1 & user linger ;;
hang) sleep 30 ;;
esac
EOS
chmod 755 "$T/auth.sh"
write_kbd_program
cat >"$T/useraction.sh" <<EOS
#!/bin/sh
echo "\$@" >>"$T/act/useractions.log"
EOS
chmod 755 "$T/useraction.sh"

write_config() { # SCOPE
	PORT=$((PORT_BASE + 140))
	cat >"$CFG/sftpgo.json" <<EOC
{"sftpd": {"bind_port": $PORT, "bind_address": "127.0.0.1", "session_pool_size": 6,
  "keyboard_interactive_auth_program": "$T/kbd.sh"},
 "data_provider": {"external_auth_program": "$T/auth.sh", "external_auth_scope": $1,
  "actions": {"execute_on": ["add", "update", "delete"], "command": "$T/useraction.sh"}}}
EOC
}
write_config 0
start_server || { fail "server starts"; exit 1; }
ok "server starts"
NOBODY=$SERVICE_UID

stored() { sqlite3 "$CFG/sftpgo.db" "SELECT $2 FROM users WHERE username='$1'"; }
expect_env() { # N USER PASSWORD KEY(with trailing \n or empty) KBD
	{
		# the key's newline: an empty line, which sort puts first
		[ -z "$4" ] || echo "env="
		echo "env=PATH=/usr/local/bin:/usr/bin:/bin"
		echo "env=PWD=/"
		echo "env=SFTPGO_AUTHD_KEYBOARD_INTERACTIVE=$5"
		echo "env=SFTPGO_AUTHD_PASSWORD=$3"
		if [ -n "$4" ]; then printf 'env=SFTPGO_AUTHD_PUBLIC_KEY=%s\n' "$4"; else
			echo "env=SFTPGO_AUTHD_PUBLIC_KEY="; fi
		echo "env=SFTPGO_AUTHD_USERNAME=$2"
		echo "uid=$NOBODY"
	} >"$T/want"
	record "$1" >"$T/got"
	diff "$T/want" "$T/got"
}

# --- password ------------------------------------------------------------------
check "password login of a user only the program knows" sh -c "echo ls | sshpass -p goodpw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - ext1@127.0.0.1"
check "the program got the four variables" expect_env 1 ext1 goodpw "" ""
check "the user was saved" test "$(stored ext1 max_sessions)" = 3
check "with the typed password hashed (argon2id)" sh -c "sqlite3 '$CFG/sftpgo.db' \"SELECT password FROM users WHERE username='ext1'\" | grep -q '^\$argon2id\\$'"
ID1=$(stored ext1 id)
check_not "a wrong password is refused (the program exits 1)" sh -c "echo ls | sshpass -p badpw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - ext1@127.0.0.1"
check "refusal logged with the exit status" wait_log '"username":"ext1","login_type":"password","error":"External auth error: exit status 1"'
check "a second login updates the same record" sh -c "echo ls | sshpass -p goodpw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - ext1@127.0.0.1"
check "same id kept" test "$(stored ext1 id)" = "$ID1"
check_not "no provider action for users written by external auth" test -e "$T/act/useractions.log"

# --- public key --------------------------------------------------------------
N=$(n_records)
check "public key login: the offered key is added" sh -c "echo ls | sftp $SSH_OPTS -P $PORT -o BatchMode=yes -o IdentitiesOnly=yes -o PreferredAuthentications=publickey -i $T/key -b - keyuser@127.0.0.1"
check "the program got the key with a trailing newline" expect_env $((N + 1)) keyuser "" "$KEY" ""
check "the key is stored" sh -c "sqlite3 '$CFG/sftpgo.db' \"SELECT public_keys FROM users WHERE username='keyuser'\" | grep -qF '$(echo "$KEY" | cut -d' ' -f2)'"

# --- keyboard-interactive chained ---------------------------------------------
N=$(n_records)
check "keyboard-interactive: the external program, then the challenge" kbd_login kbduser
check "keyboard-interactive: only SFTPGO_AUTHD_KEYBOARD_INTERACTIVE=1" expect_env $((N + 1)) kbduser "" "" 1
check "keyboard-interactive: the user was saved" test "$(stored kbduser username)" = kbduser

# --- login restrictions still apply ---------------------------------------------
check_not "a disabled user returned by the program is refused" sh -c "echo ls | sshpass -p x sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - off@127.0.0.1"
check "refused for its status, yet saved (SFTPGo's order)" test "$(stored off status)" = 0
check_not "an expired user returned by the program is refused" sh -c "echo ls | sshpass -p x sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - expired@127.0.0.1"
check "refused for its expiration date" wait_log '"username":"expired","login_type":"password","error":"user \\"expired\\" is expired'
check_not "a user whose IP filter denies the client is refused" sh -c "echo ls | sshpass -p x sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - ipdenied@127.0.0.1"
check "refused for the client's address" wait_log '"username":"ipdenied","login_type":"password","error":"Login for user \\"ipdenied\\" is not allowed from this address: 127.0.0.1'

# --- bad programs ---------------------------------------------------------------
pwlogin() { echo ls | sshpass -p x sftp $SSH_OPTS -P "$PORT" -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - "$1@127.0.0.1"; }
bad() { # USER LOG_ERROR_FRAGMENT
	check_not "$1: login refused" pwlogin "$1"
	check "$1: logged" wait_log "\"username\":\"$1\",\"login_type\":\"password\",\"error\":\"$2"
	check_not "$1: nothing saved" test -n "$(stored "$1" id)"
}
bad other 'Invalid external auth response: user \\"someone-else\\" returned for the login of \\"other\\"'
bad empty 'Invalid credentials'
bad fail 'External auth error: exit status 3'
bad badjson 'Invalid external auth response: '
bad badutf8 'Invalid external auth response: '
bad big 'External auth error: output larger than 1048576 bytes'
bad invalid 'Invalid external auth user: '
_t0=$(date +%s)
check "a program whose children linger: the login goes on when it exits" pwlogin linger
check "without waiting for them" test $(($(date +%s) - _t0)) -lt 10
mv "$T/auth.sh" "$T/auth.off"
check_not "missing program: refused" pwlogin ext1
check "missing program: logged" wait_log "External auth error: cannot run $T/auth.sh: No such file or directory"
mv "$T/auth.off" "$T/auth.sh"
chmod 644 "$T/auth.sh"
check_not "program not executable: refused" pwlogin ext1
check "program not executable: logged" wait_log "External auth error: cannot run $T/auth.sh: Permission denied"
chmod 755 "$T/auth.sh"

# --- a program that hangs delays no one else -------------------------------------
login_ms() { # a password login through the external program
	echo ls | sshpass -p goodpw sftp $SSH_OPTS -P "$PORT" -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - ext1@127.0.0.1
}
BASE=$(fastest_ms login_ms)
SPREAD=$(cat "$T/fastest.spread")
for i in 1 2 3; do
	echo ls | timeout 8 sshpass -p x sftp $SSH_OPTS -P "$PORT" -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - hang@127.0.0.1 >/dev/null 2>&1 &
done
sleep 1
check "three hung auth programs" sh -c "test \$(pgrep -u $NOBODY -f '[s]leep 30\$' | wc -l) -ge 3"
WITH=$(fastest_ms login_ms)
echo "# login with external auth: ${BASE} ms alone, ${WITH} ms beside 3 hung programs"
check "a hung program delays another user's login by < 100 ms (x TIME_FACTOR)" not_delayed "$BASE" "$SPREAD" "$WITH"
sleep 8 # the clients give up (timeout 8): their sessions end, the programs run on
check "the server still serves" login_ms

# --- scope ---------------------------------------------------------------------
stop_server
write_config 1
start_server || fail "server restarts with scope 1"
N=$(n_records)
check "scope 1: a password login runs the program" sh -c "echo ls | sshpass -p goodpw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - ext1@127.0.0.1"
check "scope 1: one run" test "$(n_records)" -eq $((N + 1))
check "scope 1: a key login uses the stored keys only" sh -c "echo ls | sftp $SSH_OPTS -P $PORT -o BatchMode=yes -o IdentitiesOnly=yes -o PreferredAuthentications=publickey -i $T/key -b - keyuser@127.0.0.1"
check "scope 1: the program did not run for it" test "$(n_records)" -eq $((N + 1))
stop_server
rm -f "$T/auth.sh"
start_server >/dev/null 2>&1
check_not "a missing program stops the start" alive "$SERVER_PID"
check "and says why" grep -q "data_provider.external_auth_program: cannot run $T/auth.sh: No such file or directory" "$LOG"
check_not "no child process crashed" grep -q "killed by signal" "$LOG"
done_testing
