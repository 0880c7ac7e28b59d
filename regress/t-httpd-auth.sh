#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# HTTP basic authentication of the REST API from httpd.auth_user_file: htpasswd
# bcrypt ($2y$), apr1 and md5crypt ($1$) accepted, other forms never; the file
# re-read when it changes (a broken one refuses everything until fixed); an
# unreadable file at start stops the server; failed logins logged in a line the
# shipped fail2ban filter matches (fail2ban-regex); no file on a non-loopback
# address warns at start.
# covers: httpd.auth_user_file
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
. "$top_srcdir/regress/httpd-lib.sh"

command -v htpasswd >/dev/null || { [ "${CI:-}" = true ] && fail "htpasswd (apache2-utils) missing"; skip_all "htpasswd missing"; }
command -v fail2ban-regex >/dev/null || { [ "${CI:-}" = true ] && fail "fail2ban-regex missing"; skip_all "fail2ban missing"; }
PW=$T/htpasswd
htpasswd -cbB "$PW" alice alicepw 2>/dev/null
htpasswd -bm "$PW" bob bobpw 2>/dev/null
echo "carol:$(openssl passwd -1 carolpw)" >>"$PW"
echo "dave:\$argon2id\$v=19\$m=65536,t=3,p=2\$c2FsdHNhbHRzYWx0c2E\$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U" >>"$PW"
echo "# a comment" >>"$PW"
check "the file has the three hash forms" sh -c "grep -q '^alice:.2y.' '$PW' && grep -q '^bob:.apr1.' '$PW' && grep -q '^carol:.1.' '$PW'"
httpd_config 120 "" '"auth_user_file": "'"$PW"'"'
start_server || { fail "server starts"; exit 1; }
wait_httpd || { fail "the REST API answers"; exit 1; }

# as USER:PASS
as() {
	STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -u "$1" "http://127.0.0.1:$HPORT/api/v1/version")
}
# as_until STATUS USER:PASS: until the answer has that status (10 s at most)
as_until() {
	_i=0
	while [ $_i -lt 50 ]; do
		as "$2"
		[ "$STATUS" = "$1" ] && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
}
api GET /api/v1/version
expect "no credentials: 401 JSON" 401 "j=={'error':'Unauthorized','message':'','status':401}"
check "401 asks for Basic" sh -c "curl -s -D - -o /dev/null http://127.0.0.1:$HPORT/api/v1/user | grep -qi '^www-authenticate: Basic realm=\"SFTPGo Web\"'"
as alice:alicepw
expect "bcrypt \$2y\$ (htpasswd -B)" 200
# /metrics: the same users; its 401 is Go's plain-text http.Error (spec 11.1)
STATUS=$(curl -s -D "$T/mhdr" -o "$T/body" -w '%{http_code}' "http://127.0.0.1:$HPORT/metrics")
check "/metrics without credentials: 401 text/plain" sh -c "[ '$STATUS' = 401 ] && [ \"\$(cat '$T/body')\" = Unauthorized ] && grep -qi '^content-type: text/plain; charset=utf-8' '$T/mhdr' && grep -qi '^x-content-type-options: nosniff' '$T/mhdr' && grep -qi '^www-authenticate: Basic' '$T/mhdr'"
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -u alice:alicepw "http://127.0.0.1:$HPORT/metrics")
check "/metrics with credentials: 200" sh -c "[ '$STATUS' = 200 ] && grep -q '^sftpgo_login_ok_total ' '$T/body'"
as bob:bobpw
expect "apr1 (htpasswd -m)" 200
as carol:carolpw
expect "md5crypt \$1\$" 200
as alice:wrong
expect "wrong password: 401" 401
as nobody:x
expect "unknown user: 401" 401
as dave:x
expect "another hash form never matches" 401
as 'bob:bobpw:extra'
expect "the password ends the header (may hold ':')" 401
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Authorization: Basic !!!' "http://127.0.0.1:$HPORT/api/v1/version")
expect "malformed header: 401" 401
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: bAsIc $(printf 'alice:alicepw' | base64)" "http://127.0.0.1:$HPORT/api/v1/version")
expect "the scheme is matched case-insensitively" 200
api GET /api/v1/nothing
expect "404 without authentication" 404
api POST /api/v1/version
expect "405 without authentication" 405

# re-read when the file changes
htpasswd -cbB "$T/new" erin erinpw 2>/dev/null
cp "$T/new" "$PW.tmp" && mv "$PW.tmp" "$PW"
as_until 200 erin:erinpw
expect "a changed file is read again" 200
as alice:alicepw
expect "... users no longer in it are refused" 401
check "the re-read is logged" grep -q 'auth_user_file .* changed: users read again' "$LOG"
printf 'erin:%s\nbroken line without colon\n' "$(cut -d: -f2 "$T/new")" >"$PW.tmp" && mv "$PW.tmp" "$PW"
as_until 401 erin:erinpw
expect "an unparsable file refuses everyone" 401
cp "$T/new" "$PW.tmp" && mv "$PW.tmp" "$PW"
as_until 200 erin:erinpw
expect "... until it is fixed" 200

# fail2ban: the failures above, through the shipped filter
fails=$(grep -c 'authentication failed for user' "$LOG")
check "failed logins are logged ($fails)" test "$fails" -ge 6
check "the line names the peer" grep -q '"sender":"httpd",.*"message":"authentication failed for user \\"alice\\" from 127.0.0.1"}' "$LOG"
fail2ban-regex -v "$LOG" "$top_srcdir/contrib/fail2ban/sftpgo-httpd.conf" >"$T/f2b.out" 2>&1
matched=$(sed -n 's/^Failregex: \([0-9]*\) total.*/\1/p' "$T/f2b.out")
check "fail2ban-regex matches every failed login ($matched of $fails)" test "${matched:-0}" -eq "$fails"
check "... with the client address" grep -Eq '^\|  +127\.0\.0\.1 ' "$T/f2b.out"
curl -s -o /dev/null -u 'x" from 192.0.2.99"}:y' -H 'X-Forwarded-For: 192.0.2.98' "http://127.0.0.1:$HPORT/api/v1/version"
fail2ban-regex -v "$LOG" "$top_srcdir/contrib/fail2ban/sftpgo-httpd.conf" >"$T/f2b2.out" 2>&1
check "the crafted attempt is matched too" test "$(grep -Ec '^\|  +127\.0\.0\.1 ' "$T/f2b2.out")" -eq $((fails + 1))
check_not "a crafted username or X-Forwarded-For cannot frame another address" grep -Eq '^\|  +192\.0\.2\.9[89] ' "$T/f2b2.out"
stop_server

# an unreadable file stops the start; no file on a non-loopback address warns
httpd_config 120 "" '"auth_user_file": "'"$T/missing"'"'
check_not "a missing auth_user_file stops the server" "$SFTPGO" serve --config-dir "$CFG" --libexec-dir "$top_builddir" --log-file-path "$T/start.log"
check "... naming the key" grep -q 'httpd.auth_user_file' "$T/start.log"
httpd_config 120 "" ''
sed -i 's/"bind_address": "127.0.0.1"}/"bind_address": ""}/' "$CFG/sftpgo.json"
: >"$LOG"
start_server || fail "server starts on every address"
check "no auth file off loopback: a start-up warning" grep -q 'no httpd.auth_user_file' "$LOG"
stop_server
httpd_config 120
: >"$LOG"
start_server || fail "server starts"
check_not "no auth file on loopback: no warning" grep -q 'no httpd.auth_user_file' "$LOG"
stop_server
done_testing
