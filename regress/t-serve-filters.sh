#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo serve: a user's filters.file_extensions (SFTPGo semantics: the filter of the
# nearest configured directory applies, denied before allowed, case-insensitive)
# enforced on SFTP upload, overwrite, download and rename (both names), on SCP and
# on the digest commands, with SFTPGo's error (permission denied) and a log line
# saying why; listings are not filtered. Bad filters are refused at user add/update.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-fx1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
serve_config 41 '"enable_scp": true, "enabled_ssh_commands": ["md5sum", "sha256sum", "cd", "pwd"]'
start_server || { fail "server starts"; exit 1; }
ok "server starts"
# "/" denies .exe and .PDF (an upper-case entry); "/sub" allows only .exe and .txt
check "user with extension filters added" add_user dana "$U1" --password danapw \
	--denied-extensions "/::.exe,.PDF" --allowed-extensions "/sub/::.exe,.txt"
H=$T/homes/dana
mkdir -p "$H/sub"
printf 'payload\n' >"$H/pre.exe"
printf 'text\n' >"$H/ok.txt"
chown -R "$U1:$U1" "$H"
printf 'x\n' >"$T/evil.exe"
cp "$T/evil.exe" "$T/EVIL.EXE"
cp "$T/evil.exe" "$T/doc.pdf"
cp "$T/evil.exe" "$T/a.bin"
cp "$T/evil.exe" "$T/good.txt"
sftp1() { echo "$1" | sftp_pw dana danapw; }
denied() { # denied DESCRIPTION SFTP-COMMAND [file that must not exist]
	sftp1 "$2" >"$T/out" 2>&1
	_rc=$?
	check "$1: refused" test $_rc -ne 0
	check "$1: the client got permission denied" grep -qi "permission denied" "$T/out"
	[ -z "${3:-}" ] || check "$1: nothing on disk" test ! -e "$3"
}

# --- SFTP -----------------------------------------------------------------------
denied "put evil.exe" "put $T/evil.exe evil.exe" "$H/evil.exe"
check "the log says the filter refused it" grep -q 'open \\"/evil.exe\\": denied by the file_extensions filter' "$LOG"
denied "put EVIL.EXE (case-insensitive)" "put $T/EVIL.EXE EVIL.EXE" "$H/EVIL.EXE"
denied "put doc.pdf (upper-case entry .PDF)" "put $T/doc.pdf doc.pdf" "$H/doc.pdf"
check "put good.txt allowed where only .exe is denied" sftp1 "put $T/good.txt good.txt"
check "good.txt on disk" cmp "$T/good.txt" "$H/good.txt"
check "put sub/tool.exe allowed by /sub's own filter" sftp1 "put $T/evil.exe sub/tool.exe"
check "sub/tool.exe on disk" test -f "$H/sub/tool.exe"
denied "put sub/a.bin (not in /sub's allowed list)" "put $T/a.bin sub/a.bin" "$H/sub/a.bin"
deeper_put() { printf 'mkdir sub/deeper\nput %s sub/deeper/x.txt\n' "$T/good.txt" | sftp_pw dana danapw; }
check "put sub/deeper/x.txt inherits /sub's filter" deeper_put
denied "put sub/deeper/x.bin inherits /sub's filter" "put $T/a.bin sub/deeper/x.bin" "$H/sub/deeper/x.bin"
before=$(md5sum <"$H/pre.exe")
denied "overwrite pre.exe" "put $T/evil.exe pre.exe"
check "pre.exe unchanged" test "$(md5sum <"$H/pre.exe")" = "$before"
denied "get pre.exe" "get pre.exe $T/pre.back" "$T/pre.back"
denied "rename ok.txt to ok.exe" "rename ok.txt ok.exe" "$H/ok.exe"
check "ok.txt still there" test -f "$H/ok.txt"
denied "rename pre.exe to pre.txt (the source)" "rename pre.exe pre.txt" "$H/pre.txt"
check "pre.exe still there" test -f "$H/pre.exe"
denied "remove pre.exe" "rm pre.exe"
check "pre.exe not removed" test -f "$H/pre.exe"
sftp1 "ls -1" >"$T/ls.out" 2>&1
check "listings are not filtered" grep -q "pre.exe" "$T/ls.out"
ln -s pre.exe "$H/alias.txt"
denied "get alias.txt (a symlink to pre.exe)" "get alias.txt $T/alias.back" "$T/alias.back"

# --- SCP ------------------------------------------------------------------------
scp_d() {
	sshpass -p danapw scp -O $SSH_OPTS -P "$PORT" -o PreferredAuthentications=password \
		-o PubkeyAuthentication=no "$@"
}
scp_d "$T/evil.exe" dana@127.0.0.1:evil.exe >"$T/scp.out" 2>&1
check "scp -O upload of evil.exe refused" test $? -ne 0
check "scp upload: permission denied" grep -qi "permission denied" "$T/scp.out"
check "scp upload: nothing on disk" test ! -e "$H/evil.exe"
scp_d dana@127.0.0.1:pre.exe "$T/scp.back" >"$T/scp2.out" 2>&1
check "scp -O download of pre.exe refused" test $? -ne 0
check "scp download: nothing written" test ! -e "$T/scp.back"
check "scp -O upload of good2.txt allowed" scp_d "$T/good.txt" dana@127.0.0.1:good2.txt
check "good2.txt on disk" cmp "$T/good.txt" "$H/good2.txt"

# --- digests --------------------------------------------------------------------
ssh_pw dana danapw sha256sum pre.exe </dev/null >"$T/sha.out" 2>"$T/sha.err"
check "sha256sum pre.exe exits 1" test $? -eq 1
check "sha256sum pre.exe: permission denied on stderr" grep -qi "permission denied" "$T/sha.err"
check "sha256sum pre.exe: no digest printed" test ! -s "$T/sha.out"
out=$(ssh_pw dana danapw sha256sum ok.txt </dev/null)
check "sha256sum ok.txt allowed" test "$out" = "$(sha256sum <"$H/ok.txt" | cut -d' ' -f1)  /ok.txt"

# --- bad filters refused at user add/update (SFTPGo's messages) ----------------
bad_add() { # bad_add EXPECTED-MESSAGE FLAGS...
	_msg=$1
	shift
	"$SFTPGO" user add --config-dir "$CFG" --username bad --password x \
		--home-dir "$T/homes/bad" --uid "$(id -u "$U1")" --gid "$(id -g "$U1")" "$@" \
		>/dev/null 2>"$T/bad.err"
	_rc=$?
	check "refused: $*" test $_rc -ne 0
	check "message: $_msg" grep -qF -- "$_msg" "$T/bad.err"
}
bad_add 'invalid path "sub" for file extensions filter' --denied-extensions "sub::.exe"
bad_add 'is not /dir::.ext1,.ext2' --denied-extensions "/sub"
bad_add 'is not /dir::.ext1,.ext2' --allowed-extensions "/sub::"
bad_add 'names no extension' --allowed-extensions "/sub::,,"
check_not "no user stored for a refused add" "$SFTPGO" user show --config-dir "$CFG" --username bad
check_not "update with a relative filter path refused" "$SFTPGO" user update \
	--config-dir "$CFG" --username dana --denied-extensions "x::.a"
check "dana's stored filters unchanged" sh -c "'$SFTPGO' user show --config-dir '$CFG' --username dana | grep -q '\"/sub\"'"
done_testing
