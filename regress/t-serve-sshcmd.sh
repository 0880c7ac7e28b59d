#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# covers: sftpd.enable_scp sftpd.enabled_ssh_commands
# sftpgo serve: SSH commands on exec channels (md5sum, sha1sum, cd, pwd by default,
# as SFTPGo's enabled_ssh_commands) and SCP (enable_scp), through the real server
# with OpenSSH's ssh and scp -O: exit statuses, stderr, the user's root and
# permissions, uid mapping, logs.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-c1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
ssh_run() { ssh_pw carol carolpw "$@" </dev/null; }
# scp_pw ARGS...: OpenSSH's scp in the legacy SCP protocol, password auth.
scp_pw() {
	sshpass -p carolpw scp -O $SSH_OPTS -P "$PORT" -o PreferredAuthentications=password \
		-o PubkeyAuthentication=no "$@"
}

# --- the default command set ---------------------------------------------------
serve_config 30
start_server || { fail "server starts"; exit 1; }
ok "server starts"
ssh-keygen -q -t ed25519 -N '' -f "$T/key"
add_user carol "$U1" --password carolpw --public-key-file "$T/key.pub" \
	--permissions "/:*" --permissions "/ro:list"
H=$T/homes/carol
mkdir -p "$H/ro"
printf 'hello world\n' >"$H/a.txt"
printf 'secret\n' >"$H/ro/s.txt"
chown -R "$U1:$U1" "$H"

ssh_run md5sum a.txt >"$T/md5.out" 2>"$T/md5.err"
check "md5sum exits 0" test $? -eq 0
check "md5sum prints the digest and the virtual path" test \
	"$(cat "$T/md5.out")" = "$(md5sum <"$H/a.txt" | cut -d' ' -f1)  /a.txt"
ssh_run sha1sum /a.txt >"$T/sha1.out" 2>&1
check "sha1sum of an absolute path" test \
	"$(cat "$T/sha1.out")" = "$(sha1sum <"$H/a.txt" | cut -d' ' -f1)  /a.txt"
out=$(printf abc | ssh_pw carol carolpw md5sum)
check "md5sum of stdin" test "$out" = "900150983cd24fb0d6963f7d28e17f72  -"
ssh_run md5sum a.txt -- -x.txt >"$T/two.out" 2>&1
check "every operand before and after -- is digested" sh -c \
	"grep -q ' /a.txt\$' '$T/two.out' && grep -q 'md5sum: -x.txt' '$T/two.out'"
check "pwd prints /" test "$(ssh_run pwd)" = "/"
check "cd succeeds" ssh_run cd /ro

ssh_run md5sum nothere.txt >"$T/miss.out" 2>&1
check "md5sum of a missing file exits 1" test $? -eq 1
check "... and says which file" grep -q "md5sum: nothere.txt" "$T/miss.out"
ssh_run md5sum ../../../etc/passwd >"$T/esc.out" 2>&1
check "a path cannot leave the home (.. stops at /)" test $? -eq 1
check_not "... nothing of the host's /etc/passwd is shown" grep -q "passwd$" "$T/esc.out"
ssh_run md5sum ro/s.txt >"$T/perm.out" 2>&1
check "md5sum needs the download permission" test $? -eq 1
check "... and says permission denied" grep -qi "permission denied" "$T/perm.out"
ssh_run md5sum -c a.txt >"$T/opt.out" 2>&1
check "an option is refused, not half understood" test $? -eq 1
check "... with a reason" grep -q "option not supported" "$T/opt.out"

ssh_run sha256sum a.txt >"$T/dis.out" 2>&1
check "a command that is not enabled exits 1" test $? -eq 1
check "... and says so" grep -q "command not enabled: sha256sum" "$T/dis.out"
ssh_run 'md5sum a.txt; id' >"$T/sh.out" 2>&1
check "shell syntax is refused" test $? -eq 1
check "... and says so" grep -q "shell syntax is not supported" "$T/sh.out"
ssh_run "md5sum $(printf 'caf\351')" >"$T/l1.out" 2>&1
check "a command line that is not UTF-8 is refused with a reason" grep -q "not valid UTF-8" "$T/l1.out"
ssh_run 'rsync --server -e.Lsfx . /x' >"$T/rs.out" 2>&1
check "rsync is refused (not enabled)" test $? -ne 0

# --- one connection, many channels (ControlMaster): exit statuses reach the
# right channel while other channels open and close around them ----------------
rm -f "$T/ctl"
# a key, not sshpass: the master must outlive the terminal sshpass gives it
ssh $SSH_OPTS -p "$PORT" -o BatchMode=yes -o IdentitiesOnly=yes -i "$T/key" \
	-o ControlMaster=yes -o ControlPath="$T/ctl" -fN carol@127.0.0.1
# BatchMode: without the master a channel fails instead of asking for a password
mux() {
	timeout 30 ssh $SSH_OPTS -p "$PORT" -o BatchMode=yes -o ControlPath="$T/ctl" \
		carol@127.0.0.1 "$@"
}
check "the control master is up" mux -O check
want=$(md5sum <"$H/a.txt" | cut -d' ' -f1)
for round in 1 2 3 4 5; do
	mux md5sum a.txt >"$T/mx.ok.$round" 2>&1 </dev/null &
	p1=$!
	mux md5sum missing-$round >"$T/mx.bad.$round" 2>&1 </dev/null &
	p2=$!
	printf 'ls\n' | timeout 30 sftp $SSH_OPTS -o BatchMode=yes -o ControlPath="$T/ctl" \
		-b - carol@127.0.0.1 \
		>"$T/mx.sftp.$round" 2>&1 &
	p3=$!
	mux pwd >"$T/mx.pwd.$round" 2>&1 </dev/null &
	wait $p1 $p2 $p3 $! # not a bare wait: the server is a background job too
done
mx_ok() {
	for r in 1 2 3 4 5; do
		[ "$(cat "$T/mx.ok.$r")" = "$want  /a.txt" ] || return 1
		grep -q "md5sum: missing-$r" "$T/mx.bad.$r" || return 1
		grep -q "a.txt" "$T/mx.sftp.$r" || return 1
		[ "$(cat "$T/mx.pwd.$r")" = "/" ] || return 1
	done
}
check "multiplexed channels each get their own output and status" mx_ok
mux md5sum missing-x >/dev/null 2>&1 </dev/null
check "a failing command over the master exits 1" test $? -eq 1
mux -O exit >/dev/null 2>&1

scp_pw "$H/a.txt" carol@127.0.0.1:copy.txt >"$T/scpoff.out" 2>&1
check "scp is off by default" test $? -ne 0
check "... and the client is told" grep -q "command not enabled: scp" "$T/scpoff.out"
check "SSHCommand logged with the command and protocol SSH" grep -q \
	'"sender":"SSHCommand".*"username":"carol".*"ssh_command":"md5sum a.txt".*"protocol":"SSH"' "$LOG"
stop_server

# --- SCP ------------------------------------------------------------------------
serve_config 31 '"enable_scp": true'
start_server || { fail "server starts with enable_scp"; exit 1; }
head -c 20000000 /dev/urandom >"$T/big"
scp_pw "$T/big" carol@127.0.0.1:big.bin >"$T/scp1.out" 2>&1
check "scp upload exits 0" test $? -eq 0
check "scp upload arrives intact" cmp "$T/big" "$H/big.bin"
check "scp upload owned by the mapped uid" test "$(stat -c %U "$H/big.bin")" = "$U1"
scp_pw carol@127.0.0.1:big.bin "$T/big.back" >"$T/scp2.out" 2>&1
check "scp download exits 0" test $? -eq 0
check "scp download arrives intact" cmp "$T/big" "$T/big.back"
check "SCP upload logged" grep -q '"sender":"Upload".*"username":"carol".*"protocol":"SCP"' "$LOG"
check "SCP download logged" grep -q '"sender":"Download".*"username":"carol".*"protocol":"SCP"' "$LOG"

mkdir -p "$T/tree/sub/deeper"
printf one >"$T/tree/1.txt"
printf two >"$T/tree/sub/2 with space.txt"
printf three >"$T/tree/sub/deeper/3.txt"
touch -d '2001-02-03 04:05:06' "$T/tree/1.txt"
scp_pw -r -p "$T/tree" carol@127.0.0.1:tree >"$T/scp3.out" 2>&1
check "scp -r -p upload exits 0" test $? -eq 0
check "scp -r upload copies the tree" diff -r "$T/tree" "$H/tree"
check "scp -p keeps the modification time" test \
	"$(stat -c %Y "$H/tree/1.txt")" = "$(stat -c %Y "$T/tree/1.txt")"
check "scp -r creates directories as the mapped uid" test \
	"$(stat -c %U "$H/tree/sub/deeper")" = "$U1"
scp_pw -r carol@127.0.0.1:tree "$T/tree.back" >"$T/scp4.out" 2>&1
check "scp -r download exits 0" test $? -eq 0
check "scp -r download copies the tree" diff -r "$T/tree" "$T/tree.back"
# a symlink back up the tree: reported once, not followed until the path is too
# long (OpenSSH's scp would send the tree again at every level)
ln -s ../.. "$H/tree/sub/deeper/loop"
scp_pw -r carol@127.0.0.1:tree "$T/tree.loop" >"$T/scp5.out" 2>&1
check "scp -r of a tree with a loop exits 1" test $? -eq 1
check "scp -r names the loop" grep -q "tree/sub/deeper/loop: directory loop: it is /tree" \
	"$T/scp5.out"
check "scp -r of a tree with a loop copies the tree once" diff -r "$T/tree" "$T/tree.loop"
rm "$H/tree/sub/deeper/loop"
# scp -O sends the remote path as written: the user quotes it for the far side
scp_pw "$T/tree/1.txt" "carol@127.0.0.1:tree/sub/new\ name.txt" >/dev/null 2>&1
check "scp to an escaped path with a space" cmp "$T/tree/1.txt" "$H/tree/sub/new name.txt"
scp_pw "carol@127.0.0.1:tree/sub/new\ name.txt" "$T/quoted.back" >/dev/null 2>&1
check "scp from an escaped path with a space" cmp "$T/tree/1.txt" "$T/quoted.back"
printf '\000\000\000' | ssh_pw carol carolpw "scp -f 'tree/sub/new name.txt'" \
	>"$T/sq.out" 2>/dev/null
check "a single-quoted path is one word" grep -q "C0644 3 new name.txt" "$T/sq.out"
scp_pw "$T/tree/1.txt" "carol@127.0.0.1:tree/sub/two words" >"$T/scp9.out" 2>&1
check "an unquoted space makes two targets, refused as by OpenSSH" test $? -ne 0

# the home itself has no name OpenSSH's scp accepts ("." is refused since the
# CVE-2019-6111 fixes): the client is told why
scp_pw -r carol@127.0.0.1: "$T/home.back" >"$T/scph.out" 2>&1
check "scp -r of the home itself fails with a reason" grep -q "has no name" "$T/scph.out"
scp_pw "$T/tree/1.txt" carol@127.0.0.1:ro/x.txt >"$T/scp5.out" 2>&1
check "scp upload without the upload permission fails" test $? -ne 0
check "... with the reason" grep -qi "permission denied" "$T/scp5.out"
check "... and writes nothing" test ! -e "$H/ro/x.txt"
scp_pw carol@127.0.0.1:nothere "$T/nothere" >"$T/scp6.out" 2>&1
check "scp download of a missing file fails" test $? -ne 0
check "... and writes nothing" test ! -e "$T/nothere"
scp_pw carol@127.0.0.1:../../../etc/hostname "$T/hn" >/dev/null 2>&1
check "scp cannot read outside the home" test ! -e "$T/hn"
scp_pw "$T/tree/1.txt" "carol@127.0.0.1:../../../tmp/sftpgo-scp-escape-$$" >/dev/null 2>&1
check "scp cannot write outside the home" test ! -e "/tmp/sftpgo-scp-escape-$$"
scp_pw carol@127.0.0.1:tree "$T/notrec" >"$T/scp7.out" 2>&1
check "scp of a directory without -r fails" test $? -ne 0
check "... saying it is not a regular file" grep -q "not a regular file" "$T/scp7.out"
ssh_run scp -z -t x >"$T/scp8.out" 2>&1
check "an unknown scp option exits 1" test $? -eq 1
stop_server
rm -f "$T/big" "$T/big.back"
done_testing
