#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# HTTPS of the REST API: the monitor reads httpd.certificate_file and
# certificate_key_file and hands the PEM to sftpgo-httpd (HTTPD_TLS). curl with a
# test CA made here, TLS 1.2 and 1.3 served, TLS 1.1 refused by the server, plain
# HTTP on the port fails cleanly; a new certificate + SIGHUP is served to new
# connections while a request begun before it finishes on the old one and an SFTP
# session goes on; a bad certificate on SIGHUP keeps the current one (also for a
# restarted httpd after kill -9 mid-request); a bad pair at start is refused
# naming the key. Authentication (auth_user_file) on too: flags 3.
# covers: httpd.certificate_file httpd.certificate_key_file
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
. "$top_srcdir/regress/httpd-lib.sh"

for c in openssl curl htpasswd; do
	command -v $c >/dev/null || {
		[ "${CI:-}" = true ] && fail "$c missing"
		skip_all "$c missing"
	}
done
U1=sftpgo-tls-$$
make_sysuser "$U1" || skip_all "cannot create system users"

# --- the test CA and three server certificates for 127.0.0.1 --------------------
P=$T/pki
mkdir -p "$P"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sftpgo test CA" \
	-keyout "$P/ca.key" -out "$P/ca.pem" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$P/ext"
for n in 1 2 3; do
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=127.0.0.1 $n" -keyout "$P/srv$n.key" -out "$P/srv$n.csr" 2>/dev/null
	openssl x509 -req -in "$P/srv$n.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" \
		-CAcreateserial -days 2 -extfile "$P/ext" -out "$P/srv$n.pem" 2>/dev/null
done
check "the test CA signed three certificates" test -s "$P/srv3.pem"
fp_file() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//'; }
FP1=$(fp_file "$P/srv1.pem")
FP2=$(fp_file "$P/srv2.pem")
# what the server presents to a new connection
fp_served() {
	openssl s_client -connect "127.0.0.1:$HPORT" -servername localhost </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//'
}

PW=$T/htpasswd
htpasswd -cbB "$PW" admin adminpw 2>/dev/null
# the configured paths: the files behind them are swapped
cp "$P/srv1.pem" "$T/cert.pem"
cp "$P/srv1.key" "$T/key.pem"
httpd_config 230 "" "\"auth_user_file\": \"$PW\", \"certificate_file\": \"$T/cert.pem\", \"certificate_key_file\": \"$T/key.pem\""
# tapi METHOD PATH: over HTTPS with the test CA, as admin
tapi() {
	STATUS=$(curl -s --cacert "$P/ca.pem" -u admin:adminpw -o "$T/body" -w '%{http_code}' \
		-X "$1" "https://127.0.0.1:$HPORT$2")
}
wait_https() {
	_i=0
	while [ $_i -lt 150 ]; do
		tapi GET /api/v1/version
		[ "$STATUS" = 200 ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
start_server || { fail "server starts"; exit 1; }
check "the start is logged as HTTPS" grep -q 'REST API listening on 127.0.0.1:[0-9]* (HTTPS)' "$LOG"
check "the REST API answers over HTTPS (curl, the test CA)" wait_https
tapi GET /api/v1/version
expect "GET /api/v1/version over HTTPS" 200 "'version' in j"
STATUS=$(curl -s --cacert "$P/ca.pem" -o "$T/body" -w '%{http_code}' "https://127.0.0.1:$HPORT/api/v1/version")
expect "authentication still asked for over HTTPS" 401
check "httpd logs the certificate it serves" grep -q "serving HTTPS with the certificate of SHA-256 fingerprint $FP1" "$LOG"
check "the request log says https" wait_log '"uri":"https://127.0.0.1:[0-9]*/api/v1/version"'
check "the certificate served is the configured one" test "$(fp_served)" = "$FP1"

# --- protocol versions ------------------------------------------------------------
openssl s_client -CAfile "$P/ca.pem" -connect "127.0.0.1:$HPORT" -tls1_2 </dev/null >"$T/tls12.out" 2>&1
check "TLS 1.2 is served" grep -q '^New, TLSv1.2, Cipher is' "$T/tls12.out"
openssl s_client -CAfile "$P/ca.pem" -connect "127.0.0.1:$HPORT" -tls1_3 </dev/null >"$T/tls13.out" 2>&1
check "TLS 1.3 is served" grep -q '^New, TLSv1.3, Cipher is' "$T/tls13.out"
# the client allows TLS 1.1 (security level 0): the server's alert refuses it
openssl s_client -CAfile "$P/ca.pem" -connect "127.0.0.1:$HPORT" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' \
	</dev/null >"$T/tls11.out" 2>&1
check "TLS 1.1 is refused by the server (protocol_version alert)" \
	grep -q 'alert protocol version\|alert number 70' "$T/tls11.out"
check "no TLS 1.1 session" grep -q '^New, (NONE), Cipher is (NONE)' "$T/tls11.out"
curl -s --cacert "$P/ca.pem" --tlsv1.0 --tls-max 1.1 -o /dev/null "https://127.0.0.1:$HPORT/api/v1/version"
check "curl limited to TLS 1.1 gets no answer" test $? -ne 0

# --- plain HTTP on the TLS port -----------------------------------------------------
HP=$(pgrep -P "$SERVER_PID" -x sftpgo-httpd)
code=$(curl -s -m 20 -o "$T/plain.body" -w '%{http_code}' "http://127.0.0.1:$HPORT/api/v1/version")
check "plain HTTP on the TLS port gets no HTTP answer" test "$code" = 000
check_not "and no API data" grep -q version "$T/plain.body"
check "httpd is still the same process" test "$(pgrep -P "$SERVER_PID" -x sftpgo-httpd)" = "$HP"
tapi GET /api/v1/version
expect "HTTPS still answers after the plain request" 200

# --- reload: a new certificate, SIGHUP ---------------------------------------------
add_user alice "$U1" --password alicepw
open_sftp alice alicepw
echo "pwd" >&7
check "an SFTP session is open" wait_in_file 'Remote working directory' "$T/sftp-open.out"
# a request begun on the old certificate: headers sent, the body not yet
$PY - "$HPORT" "$P/ca.pem" "$T/go" >"$T/mid.out" 2>&1 <<'EOP' &
import base64, hashlib, os, socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))),
                    server_hostname="127.0.0.1")
fp = hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest().upper()
print("cert", ":".join(fp[i:i + 2] for i in range(0, len(fp), 2)), flush=True)
auth = base64.b64encode(b"admin:adminpw").decode()
s.sendall(("PUT /api/v1/user/999999 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\n"
           "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{" % auth).encode())
for _ in range(600):  # until the test says the reload is done
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.1)
s.sendall(b"}")
resp = b""
while b"\r\n\r\n" not in resp:
    d = s.recv(4096)
    if not d:
        break
    resp += d
print("answer", resp.split(b"\r\n")[0].decode(), flush=True)
EOP
MID=$!
BG_PIDS="$BG_PIDS $MID"
wait_in_file '^cert' "$T/mid.out"
check "a request is in progress on the old certificate" grep -q "^cert $FP1" "$T/mid.out"
cp "$P/srv2.pem" "$T/cert.pem"
cp "$P/srv2.key" "$T/key.pem"
kill -HUP "$SERVER_PID"
check "SIGHUP: the monitor read the pair again" wait_log 'SIGHUP: httpd.certificate_file .* read again: sent to httpd' 1 150
check "httpd serves the new certificate" wait_log "serving HTTPS with the certificate of SHA-256 fingerprint $FP2" 1 150
check "a new connection gets the new certificate" test "$(fp_served)" = "$FP2"
tapi GET /api/v1/version
expect "the API answers with the new certificate (same CA)" 200
touch "$T/go"
wait "$MID"
check "the request begun before the reload finished on its connection" \
	grep -q '^answer HTTP/1.1 [0-9]' "$T/mid.out"
check "httpd was not restarted by the reload" test "$(pgrep -P "$SERVER_PID" -x sftpgo-httpd)" = "$HP"

# --- a bad pair on SIGHUP: the current one kept -------------------------------------
echo "not a certificate" >"$T/cert.pem"
kill -HUP "$SERVER_PID"
check "SIGHUP with a broken certificate: logged, naming the key" \
	wait_log 'SIGHUP: httpd.certificate_file [^ ]*: no PEM certificate in it: the REST API keeps its current certificate' 1 150
check "the current certificate is still served" test "$(fp_served)" = "$FP2"
cp "$P/srv3.pem" "$T/cert.pem" # srv2's key stays: not a pair
kill -HUP "$SERVER_PID"
check "SIGHUP with a key of another certificate: logged" \
	wait_log 'SIGHUP: httpd.certificate_key_file [^ ]*: not the key of the certificate' 1 150
check "the current certificate is still served" test "$(fp_served)" = "$FP2"
tapi GET /api/v1/version
expect "and the API answers" 200

# --- kill -9 mid-request: restarted with the last good pair ------------------------
$PY - "$HPORT" "$P/ca.pem" >"$T/slow.out" 2>&1 <<'EOP' &
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))),
                    server_hostname="127.0.0.1")
s.sendall(b"POST /api/v1/user HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
print("sent", flush=True)
time.sleep(5)
EOP
BG_PIDS="$BG_PIDS $!"
check "a request is in progress" wait_in_file '^sent' "$T/slow.out"
check "sftpgo-httpd killed with -9 was started again" kill9_httpd
check "the restart is logged" grep -q 'httpd exited (status 9), restarting it' "$LOG"
check "the restarted httpd answers over HTTPS" wait_https
check "with the last good certificate (the files are broken now)" test "$(fp_served)" = "$FP2"
echo "pwd" >&7
echo "bye" >&7
exec 7>&-
wait "$SFTP_PID"
check "the SFTP session went on through the reloads and the restart" \
	test "$(grep -c 'Remote working directory' "$T/sftp-open.out")" -eq 2
stop_server

# --- a bad pair at start: refused, naming the key ------------------------------------
# start_bad DESC KEY-PATTERN HTTPD-MEMBERS
start_bad() {
	httpd_config 230 "" "$3"
	: >"$LOG"
	"$SFTPGO" serve --config-dir "$CFG" --libexec-dir "$top_builddir" \
		--log-file-path "$LOG" >"$T/bad.out" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && grep -q "$2" "$T/bad.out"; then
		ok "$1"
	else
		fail "$1" "rc $rc: $(head -c 300 "$T/bad.out")"
	fi
}
cp "$P/srv1.pem" "$T/cert.pem"
start_bad "start: a certificate that is not PEM" 'httpd.certificate_file .*: no PEM certificate' \
	"\"certificate_file\": \"$P/ext\", \"certificate_key_file\": \"$P/srv1.key\""
start_bad "start: a missing key file" 'httpd.certificate_key_file .*/nokey.pem: No such file' \
	"\"certificate_file\": \"$P/srv1.pem\", \"certificate_key_file\": \"$T/nokey.pem\""
start_bad "start: the key of another certificate" 'httpd.certificate_key_file .*: not the key of the certificate' \
	"\"certificate_file\": \"$P/srv1.pem\", \"certificate_key_file\": \"$P/srv2.key\""
start_bad "start: a certificate without its key" 'httpd.certificate_key_file: empty while httpd.certificate_file is set' \
	"\"certificate_file\": \"$P/srv1.pem\""
start_bad "start: a key that is not PEM" 'httpd.certificate_key_file .*: no PEM private key' \
	"\"certificate_file\": \"$P/srv1.pem\", \"certificate_key_file\": \"$P/srv1.pem\""
head -c 50000 /dev/urandom >"$T/big.pem"
start_bad "start: a certificate file over the cap" 'httpd.certificate_file .*: not a regular file of at most 40000 bytes' \
	"\"certificate_file\": \"$T/big.pem\", \"certificate_key_file\": \"$P/srv1.key\""
done_testing
