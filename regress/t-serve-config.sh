#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# covers: sftpd.keys sftpd.banner sftpd.login_banner_file sftpd.max_auth_tries
# sftpgo serve: configuration errors name the key, --test-config, version and
# login banners, algorithms from the config, SIGHUP reload.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

# serve_fails NAME EXPECTED_TEXT: serve exits non-zero and stderr has the text.
serve_fails() {
	"$SFTPGO" serve --config-dir "$CFG" --libexec-dir "$top_builddir" "$@" \
		>"$T/bad.out" 2>&1 </dev/null
	_rc=$?
	[ "$_rc" -ne 0 ] || return 1
}
bad_config() { # json expected-text
	printf '%s\n' "$1" >"$CFG/sftpgo.json"
	serve_fails || return 1
	grep -q -- "$2" "$T/bad.out"
}
check "unknown key: error names it" bad_config '{"sftpd": {"bind_prot": 1}}' bind_prot
check "bad value: error names the key" bad_config '{"sftpd": {"max_auth_tries": "x"}}' max_auth_tries
check "bad JSON: error names the file" bad_config '{"sftpd": ' sftpgo.json
check "--test-config fails too on a bad key" sh -c \
	"! '$SFTPGO' serve --config-dir '$CFG' --libexec-dir '$top_builddir' --test-config 2>&1 | grep -q 'configuration OK'"
serve_config 3 "\"keys\": [{\"private_key\": \"$T/nokey\"}]"
check "missing host key: error names the file" sh -c \
	"! '$SFTPGO' serve --config-dir '$CFG' --libexec-dir '$top_builddir' --test-config >'$T/tc.out' 2>&1 && grep -q '$T/nokey' '$T/tc.out'"
echo "not a key" >"$T/garbage"
serve_config 3 "\"keys\": [{\"private_key\": \"$T/garbage\"}]"
check "unreadable host key: error names the file" sh -c \
	"! '$SFTPGO' serve --config-dir '$CFG' --libexec-dir '$top_builddir' --test-config >'$T/tc.out' 2>&1 && grep -q '$T/garbage' '$T/tc.out'"
serve_config 3
check "unknown serve flag refused" serve_fails --no-such-flag
check "bad --log-max-size refused" serve_fails --log-max-size abc
check "--test-config names a missing libexec program" sh -c \
	"! '$SFTPGO' serve --config-dir '$CFG' --libexec-dir '$T/nowhere' --test-config >'$T/tc.out' 2>&1 && grep -q '$T/nowhere/sftpgo-listener' '$T/tc.out'"
check "--test-config on a good config" sh -c \
	"'$SFTPGO' serve --config-dir '$CFG' --libexec-dir '$top_builddir' --test-config | grep -qx 'configuration OK'"

# --- banners and algorithms ------------------------------------------------------
U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
echo "Welcome to the first banner" >"$T/banner.txt"
serve_config 3 "\"banner\": \"TestBanner_1\", \"login_banner_file\": \"$T/banner.txt\", \"ciphers\": [\"aes128-ctr\"], \"macs\": [\"hmac-sha2-256\"], \"kex_algorithms\": [\"curve25519-sha256\"]"
start_server || { fail "server starts"; exit 1; }
ok "server starts"
add_user dave "$U1" --password davepw
tcp_banner >"$T/v1"
check "version string is SSH-2.0-TestBanner_1" grep -qx "SSH-2.0-TestBanner_1" "$T/v1"
banner_shown() { # text
	sshpass -p davepw ssh -F /dev/null -o UserKnownHostsFile=/dev/null \
		-o StrictHostKeyChecking=no -o LogLevel=INFO -p "$PORT" \
		-o PreferredAuthentications=password dave@127.0.0.1 -s sftp \
		</dev/null >"$T/banner.out" 2>&1
	grep -q "$1" "$T/banner.out"
}
check "login banner shown before auth" banner_shown "Welcome to the first banner"
cipher_ok() {
	echo ls | sshpass -p davepw sftp $SSH_OPTS -P "$PORT" -o BatchMode=no \
		-o PreferredAuthentications=password -c "$1" -b - dave@127.0.0.1
}
check "configured cipher accepted" cipher_ok aes128-ctr
check_not "cipher outside sftpd.ciphers refused" cipher_ok aes256-gcm@openssh.com
algo_ok() { # ssh option
	echo ls | sshpass -p davepw sftp $SSH_OPTS -P "$PORT" -o BatchMode=no \
		-o PreferredAuthentications=password -o "$1" -b - dave@127.0.0.1
}
check "configured MAC accepted" algo_ok MACs=hmac-sha2-256
check_not "MAC outside sftpd.macs refused" algo_ok MACs=hmac-sha2-512
check "configured key exchange accepted" algo_ok KexAlgorithms=curve25519-sha256
check_not "key exchange outside sftpd.kex_algorithms refused" \
	algo_ok KexAlgorithms=diffie-hellman-group14-sha256

# --- SIGHUP: new banners and algorithms for new sessions ------------------------------
echo "Welcome to the second banner" >"$T/banner2.txt"
serve_config 3 "\"banner\": \"TestBanner_2\", \"login_banner_file\": \"$T/banner2.txt\""
kill -HUP "$SERVER_PID"
check "reload logged" wait_log 'SIGHUP: configuration reloaded'
new_banner() {
	for _i in $(seq 30); do
		tcp_banner | grep -qx "SSH-2.0-TestBanner_2" && return 0
		sleep 0.2
	done
	return 1
}
check "after SIGHUP new connections get the new version string" new_banner
check "after SIGHUP the new login banner is shown" banner_shown "Welcome to the second banner"
check "after SIGHUP the old cipher list is gone" cipher_ok aes256-gcm@openssh.com
printf '{"sftpd": {"bind_port": "x"}}\n' >"$CFG/sftpgo.json"
kill -HUP "$SERVER_PID"
check "a bad config on SIGHUP is reported and ignored" wait_log 'configuration not reloaded'
check "server still serving after a bad SIGHUP" cipher_ok aes128-ctr
mv "$LOG" "$LOG.1"
kill -HUP "$SERVER_PID"
check "SIGHUP reopens a log that was moved away" wait_log 'configuration not reloaded'
check "the moved log is left alone" grep -q 'SIGHUP: configuration reloaded' "$LOG.1"
done_testing
