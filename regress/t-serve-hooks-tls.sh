#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo serve: HTTPS notifications verify the receiver (issue 13: "TLS
# verification on"). A test CA made here with openssl signs the certificate of
# a local HTTPS receiver (regress/hook-receiver.py). The server trusts that CA
# through SSL_CERT_FILE in its environment, as SFTPGo 0.9.6 did (Go's
# crypto/x509 reads it on Linux), never through the machine's store: the upload
# action's GET and a provider action's POST (from `sftpgo user add`, which gets
# the variable too) reach it. Refused, logged and dropped, the server serving
# on: a receiver whose certificate the CA did not sign, one signed for another
# name, and the test CA's receiver when the server runs without the variable
# (the system store does not hold it).
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

command -v openssl >/dev/null || skip_all "openssl not installed"
U1=sftpgo-tt1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
HPORT=$((PORT_BASE + 171))
RECLOG=$T/act/unused.log
. "$top_srcdir/regress/hooks-lib.sh"

# --- the test PKI ----------------------------------------------------------------
K=$T/tls
mkdir -p "$K"
# mkcert NAME SAN [CA]: NAME.key and NAME.pem for SAN, signed by CA (else self-signed)
mkcert() {
	if [ -z "${3:-}" ]; then
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
			-addext "subjectAltName=$2" -keyout "$K/$1.key" -out "$K/$1.pem"
	else
		openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$K/$1.key" \
			-out "$K/$1.csr" &&
			printf 'subjectAltName=%s\n' "$2" >"$K/$1.ext" &&
			openssl x509 -req -days 2 -in "$K/$1.csr" -CA "$K/$3.pem" \
				-CAkey "$K/$3.key" -CAcreateserial -extfile "$K/$1.ext" -out "$K/$1.pem"
	fi
}
check "a test CA" mkcert testca "DNS:sftpgo-test-ca" >/dev/null 2>&1
check "the receiver's certificate, signed by it for 127.0.0.1" mkcert good "IP:127.0.0.1" testca >/dev/null 2>&1
check "a self-signed certificate for 127.0.0.1" mkcert rogue "IP:127.0.0.1" >/dev/null 2>&1
check "a certificate signed by the CA for another name" mkcert othername "DNS:elsewhere.example" testca >/dev/null 2>&1

# tls_receiver NAME: the HTTPS receiver on HPORT with NAME.pem (stops the previous one)
tls_receiver() {
	if [ -n "${RECV_PID:-}" ]; then
		kill "$RECV_PID" 2>/dev/null
		wait "$RECV_PID" 2>/dev/null
	fi
	start_receiver "$K/$1.pem" "$K/$1.key"
}
check "the HTTPS receiver starts" tls_receiver good
check "curl trusts it with the test CA only" curl -sf --cacert "$K/testca.pem" -o /dev/null "https://127.0.0.1:$HPORT/probe"
: >"$HLOG"

serve_config 170 "\"actions\": {\"execute_on\": [\"upload\"],
  \"http_notification_url\": \"https://127.0.0.1:$HPORT/notify\"}},
 \"data_provider\": {\"actions\": {\"execute_on\": [\"add\"],
  \"http_notification_url\": \"https://127.0.0.1:$HPORT/users\"}"
export SSL_CERT_FILE="$K/testca.pem"
start_server || { fail "server starts with SSL_CERT_FILE"; exit 1; }
ok "server starts with SSL_CERT_FILE"
add_user bob "$U1" --password pw
check "provider action: the POST went through TLS" wait_http 1
check "provider action: it is the user add" test "$(http_field 1 path)" = "/users?action=add"
unset SSL_CERT_FILE
HOME_BOB=$T/homes/bob
ENC_HOME=$($PY -c "import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))" "$HOME_BOB")
: >"$T/empty"
upload() { printf 'put %s /%s\n' "$T/empty" "$1" | sftp_pw bob pw >/dev/null; }

check "upload with a trusted receiver" upload trusted
check "upload action: the GET went through TLS" wait_http 2
check "upload action: its query string" test "$(http_path 2)" = \
	"/notify?action=upload&local_file=true&path=$ENC_HOME%2Ftrusted&username=bob"

# a receiver the test CA did not sign
check "a receiver with a self-signed certificate" tls_receiver rogue
check "the upload itself succeeds" upload rogue
check "untrusted certificate: logged" wait_log 'action upload: HTTP notification to https://127.0.0.1:[0-9]*/notify?action=upload.*%2Frogue.*failed: status 0, SSL peer certificate or SSH remote key was not OK'
check "untrusted certificate: nothing reached the receiver" test "$(n_http)" -eq 2

# signed by the trusted CA, for another name
check "a receiver whose certificate names another host" tls_receiver othername
check "the upload succeeds" upload othername
check "name mismatch: logged" wait_log 'action upload: HTTP notification to https://127.0.0.1:[0-9]*/notify?action=upload.*%2Fothername.*failed: status 0, SSL peer certificate or SSH remote key was not OK'
check "name mismatch: nothing reached the receiver" test "$(n_http)" -eq 2

# without SSL_CERT_FILE: the system store, which does not hold the test CA
stop_server
check "the trusted receiver again" tls_receiver good
start_server || fail "server restarts without SSL_CERT_FILE"
check "upload with the system store" upload system
check "the test CA is not trusted by default: logged" wait_log 'action upload: HTTP notification to https://127.0.0.1:[0-9]*/notify?action=upload.*%2Fsystem.*failed: status 0, SSL peer certificate or SSH remote key was not OK'
check "nothing reached the receiver" test "$(n_http)" -eq 2
check "the server still serves" upload after
check_not "no child process crashed" grep -q "killed by signal" "$LOG"
done_testing
