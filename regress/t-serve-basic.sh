#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# covers: sftpd.bind_port sftpd.bind_address sftpd.session_pool_size data_provider.name
# sftpgo serve: processes and privileges, password and key logins with real uid
# mapping, homes kept apart, refused channel kinds, clean SIGTERM.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-t1-$$
U2=sftpgo-t2-$$
make_sysuser "$U1" && make_sysuser "$U2" || skip_all "cannot create system users"
serve_config 0
check "--test-config before first start" sh -c \
	"'$SFTPGO' serve --config-dir '$CFG' --libexec-dir '$top_builddir' --test-config | grep -qx 'configuration OK'"
start_server || { fail "server starts"; exit 1; }
ok "server starts"
check "first start told how to add a user" grep -q "sftpgo user add --config-dir" "$T/serve.out"
check "host keys generated with mode 0600" sh -c \
	"[ \"\$(stat -c %a '$CFG/id_rsa')\" = 600 ] && [ \"\$(stat -c %a '$CFG/id_ed25519')\" = 600 ]"

ssh-keygen -q -t ed25519 -N '' -f "$T/key1"
add_user alice "$U1" --password alicepw
add_user bob "$U2" --password bobpw --public-key-file "$T/key1.pub"
echo "alice data" >"$T/homes/alice/a.txt"
chown "$U1:$U1" "$T/homes/alice/a.txt"
echo "bob data" >"$T/homes/bob/b.txt"
chown "$U2:$U2" "$T/homes/bob/b.txt"

# --- processes: listener and sessions unprivileged and chrooted -------------
listener=$(pgrep -P "$SERVER_PID" -x sftpgo-listener | head -n 1)
sessions=$(pgrep -P "$SERVER_PID" -x sftpgo-session)
not_root_chrooted() {
	uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$1/status")
	root=$(readlink "/proc/$1/root")
	case " $uids " in *" 0 "*) return 1 ;; esac
	[ "$root" != "/" ] && [ -n "$root" ]
}
check "listener exists" test -n "$listener"
check "listener is not root and is chrooted" not_root_chrooted "$listener"
check "session pool is pre-forked (2)" test "$(echo "$sessions" | wc -l)" -eq 2
for s in $sessions; do
	check "session $s is not root and is chrooted" not_root_chrooted "$s"
	check "session $s cannot fork (RLIMIT_NPROC 0)" \
		grep -Eq '^Max processes +0 +0' "/proc/$s/limits"
done

# --- password login, own home only, files owned by the mapped uid -----------
printf 'ls -1 /\nput /etc/hostname up.txt\nmkdir newdir\n' | sftp_pw alice alicepw >"$T/out1" 2>&1
check "password login and upload" grep -q "put /etc/hostname" "$T/out1"
check "ls / shows only alice's files" sh -c \
	"grep -Eqx '/?a.txt' '$T/out1' && ! grep -q 'b.txt' '$T/out1'"
check "uploaded file owned by alice's uid/gid" test \
	"$(stat -c %U:%G "$T/homes/alice/up.txt")" = "$U1:$U1"
check "new dir owned by alice's uid" test "$(stat -c %U "$T/homes/alice/newdir")" = "$U1"
alice_get() { printf 'get %s %s\n' "$1" "$T/stolen" | sftp_pw alice alicepw; }
check_not "alice cannot reach bob's home" alice_get ../bob/b.txt
check_not "alice cannot reach bob's home by absolute path" alice_get "$T/homes/bob/b.txt"
check "nothing was stolen" test ! -e "$T/stolen"
check "transfer line logged" grep -q '"sender":"Upload".*"username":"alice".*"protocol":"SFTP"' "$LOG"
check "login logged" grep -q 'user alice logged in with password' "$LOG"

# --- a bigger transfer both ways through the relay (window handling) ---------
head -c 40000000 /dev/urandom >"$T/big"
printf 'put %s big\nget big %s\n' "$T/big" "$T/big.back" | sftp_pw alice alicepw >/dev/null 2>&1
check "40 MB upload arrives intact" cmp "$T/big" "$T/homes/alice/big"
check "40 MB download arrives intact" cmp "$T/big" "$T/big.back"
rm -f "$T/big" "$T/big.back" "$T/homes/alice/big"

# --- the client re-keys every 512 KiB mid-transfer: libssh's writes return 0
# while a key exchange runs, and the read-ahead holds bytes across it ---------
head -c 12000000 /dev/urandom >"$T/rk"
for c in aes128-gcm@openssh.com chacha20-poly1305@openssh.com; do
	rm -f "$T/rk.back" "$T/homes/alice/rk"
	printf 'put %s rk\nget rk %s\n' "$T/rk" "$T/rk.back" |
		SSH_OPTS="$SSH_OPTS -o RekeyLimit=512K -o Ciphers=$c" sftp_pw alice alicepw \
			>/dev/null 2>&1
	check "re-keying every 512 KiB ($c): upload intact" cmp "$T/rk" "$T/homes/alice/rk"
	check "re-keying every 512 KiB ($c): download intact" cmp "$T/rk" "$T/rk.back"
done
rm -f "$T/rk" "$T/rk.back" "$T/homes/alice/rk"

# --- public key login ---------------------------------------------------------
printf 'ls -1\nget b.txt %s\n' "$T/b.copy" | sftp_key bob "$T/key1" >"$T/out2" 2>&1
check "key login and download" cmp "$T/b.copy" "$T/homes/bob/b.txt"
check "bob sees only his files" sh -c "grep -Eqx '/?b.txt' '$T/out2' && ! grep -q a.txt '$T/out2'"
ssh-keygen -q -t ed25519 -N '' -f "$T/key2"
ls_key() { echo ls | sftp_key "$1" "$2"; }
check_not "an unknown key is refused" ls_key bob "$T/key2"
check "refused key logged as publickey failure" grep -q \
	'"sender":"connection_failed","client_ip":"127.0.0.1","username":"bob","login_type":"publickey"' "$LOG"

# --- wrong password: connection_failed line that fail2ban's filter matches ---
ls_pw() { echo ls | sftp_pw "$1" "$2"; }
check_not "wrong password refused" ls_pw alice wrong
check "connection_failed line for the wrong password" wait_log \
	'"sender":"connection_failed","client_ip":"127.0.0.1","username":"alice","login_type":"password"'
check_not "unknown user refused" ls_pw nosuchuser pw
check "unknown user logged with its name" wait_log '"username":"nosuchuser","login_type":"password"'
check "fail2ban filter matches the failed password lines" fail2ban_matches \
	'"login_type":"password"'

# --- refused channel kinds ----------------------------------------------------
ssh_pw alice alicepw -T >"$T/shell.out" 2>&1 </dev/null
rc=$?
check "shell refused" test "$rc" -ne 0
check "shell refusal says why" grep -q "shell access is not allowed" "$T/shell.out"
ssh_pw alice alicepw ls / >"$T/exec.out" 2>&1 </dev/null
rc=$?
check "exec refused" test "$rc" -ne 0
check "exec refusal says why" grep -q "command not enabled: ls" "$T/exec.out"
alice_ssh() { ssh_pw alice alicepw "$@" </dev/null; }
check_not "direct-tcpip (ssh -W) refused" alice_ssh -W "127.0.0.1:$PORT"
check_not "remote port forwarding refused" alice_ssh -N -o ExitOnForwardFailure=yes \
	-R "0:127.0.0.1:$PORT"
check_not "subsystem other than sftp refused" alice_ssh -s nosuch
check "server still serving" ls_pw alice alicepw

# --- connection without any auth attempt ---------------------------------------
tcp_banner >/dev/null
check "no_auth_tryed logged" wait_log \
	'"sender":"connection_failed","client_ip":"127.0.0.1","username":"","login_type":"no_auth_tryed"'
tcp_banner >"$T/version"
check "version string SSH-2.0-SFTPGo_<version>" grep -q "^SSH-2.0-SFTPGo_" "$T/version"

# --- SIGTERM: everything ends -----------------------------------------------------
kids=$(descendants "$SERVER_PID")
check "children found before SIGTERM" test -n "$kids"
stop_server
check "monitor exited 0 on SIGTERM" test "$SERVER_STATUS" -eq 0
left=
for p in $kids; do alive "$p" && left="$left $p"; done
check "no process left after SIGTERM" test -z "$left"
check "stop logged" grep -q '"message":"stopped"' "$LOG"
check_not "no child process crashed" grep -q "killed by signal" "$LOG"
done_testing
