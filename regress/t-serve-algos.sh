#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpd.kex_algorithms, ciphers and macs are checked against the linked libssh at load
# (issue 10 item 8): an unsupported name (SFTPGo's hmac-sha1-96, arcfour) fails
# --test-config, serve and a SIGHUP reload, naming the key and the value; supported
# names are honoured in a real login (a client offering only other algorithms fails).
# covers: sftpd.kex_algorithms sftpd.ciphers sftpd.macs
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
test_config() {
	"$SFTPGO" serve --config-dir "$CFG" --libexec-dir "$top_builddir" --test-config \
		>"$T/tc.out" 2>&1
}
for kv in 'macs:hmac-sha1-96' 'ciphers:arcfour256' 'ciphers:arcfour' \
	'kex_algorithms:no-such-kex' 'macs:hmac-sha2-256,hmac-sha1'; do
	key=${kv%%:*}
	val=${kv#*:}
	serve_config 61 "\"$key\": [\"hmac-sha2-256\", \"$val\"]"
	[ "$key" = macs ] || serve_config 61 "\"$key\": [\"$val\"]"
	check_not "--test-config refuses $key $val" test_config
	check "the error names sftpd.$key and \"$val\"" \
		grep -q "sftpd.$key: \"$val\" is not supported by the linked libssh" "$T/tc.out"
done
serve_config 61 '"macs": ["hmac-sha1-96"]'
check_not "serve refuses macs hmac-sha1-96 at start" timeout 30 "$SFTPGO" serve \
	--config-dir "$CFG" --libexec-dir "$top_builddir" --log-file-path "$LOG"
check "the start failure is logged with key and value" \
	grep -q 'sftpd.macs: \\"hmac-sha1-96\\" is not supported' "$LOG"

# supported names: honoured in a real login
serve_config 61 '"kex_algorithms": ["ecdh-sha2-nistp256"], "ciphers": ["aes256-ctr"], "macs": ["hmac-sha1"]'
check "--test-config accepts supported names" test_config
start_server || { fail "server starts"; exit 1; }
add_user dora "$U1" --password dorapw
echo ls >"$T/batch"
check "a client offering the configured algorithms logs in" sh -c \
	"sftp_pw() { sshpass -p dorapw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o KexAlgorithms=ecdh-sha2-nistp256 -o Ciphers=aes256-ctr -o MACs=hmac-sha1 -b - dora@127.0.0.1; }; sftp_pw <'$T/batch'"
check_not "a client offering only another MAC is refused" sh -c \
	"sshpass -p dorapw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o MACs=hmac-sha2-512 -b - dora@127.0.0.1 <'$T/batch'"
check_not "a client offering only another cipher is refused" sh -c \
	"sshpass -p dorapw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o Ciphers=aes128-ctr -b - dora@127.0.0.1 <'$T/batch'"
# a reload with an unsupported name is refused and the server keeps serving
serve_config 61 '"macs": ["hmac-sha1-96"]'
kill -HUP "$SERVER_PID"
check "the SIGHUP reload is refused, naming the key and value" \
	wait_log 'configuration not reloaded: sftpd.macs: \\"hmac-sha1-96\\"'
check "still serving with the old algorithms" sh -c \
	"sshpass -p dorapw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o MACs=hmac-sha1 -b - dora@127.0.0.1 <'$T/batch'"
stop_server
done_testing
