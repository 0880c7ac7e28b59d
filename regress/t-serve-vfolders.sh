#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo serve: virtual folders (user.virtual_folders) with OpenSSH's sftp, scp and
# ssh. Files land in mapped_path (asserted on disk) with the user's uid; the folder
# is listed in its parent; links, "..", renames and hard links never cross a
# folder boundary; missing, file and symlink mapped paths serve nothing; bad
# folders are refused at `user add` with SFTPGo's texts.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-v1-$$
U2=sftpgo-v2-$$
make_sysuser "$U1" && make_sysuser "$U2" || skip_all "cannot create system users"
serve_config 44 '"enable_scp": true'
start_server || { fail "server starts"; exit 1; }
ok "server starts"

H=$T/homes/alice
M=$T/mapped/alice
M2=$T/mapped/two
mkdir -p "$M" "$M2" "$T/mapped/elsewhere"
echo "parent secret" >"$T/mapped/parent-secret.txt"
echo "elsewhere secret" >"$T/mapped/elsewhere/e.txt"
echo "a file" >"$T/mapped/afile"
ln -s "$M2" "$T/mapped/alink"
chown "$U1:$U1" "$M" "$M2"

# --- validation at user add: SFTPGo's texts, exit status 2 ----------------------
bad_add() { # EXPECTED-TEXT FOLDER...
	_want=$1
	shift
	_args=
	for _f; do _args="$_args --virtual-folder $_f"; done
	mkdir -p "$T/homes/bad"
	# shellcheck disable=SC2086
	"$SFTPGO" user add --config-dir "$CFG" --username bad --home-dir "$T/homes/bad" \
		--uid "$(id -u "$U1")" --gid "$(id -g "$U1")" --password x $_args \
		>"$T/bad.out" 2>&1
	[ $? -eq 2 ] && grep -qF -- "$_want" "$T/bad.out"
}
check "virtual path / refused" bad_add 'invalid virtual folder "/"' "/::$M"
check "relative virtual path refused" bad_add 'invalid virtual folder "vdir"' "vdir::$M"
check "relative mapped path refused" bad_add 'invalid mapped folder "rel/dir"' "/v::rel/dir"
check "mapped path = home refused" bad_add \
	"invalid mapped folder \"$T/homes/bad\" cannot be inside or contain the user home dir" \
	"/v::$T/homes/bad/"
check "mapped path inside the home refused" bad_add \
	"invalid mapped folder \"$T/homes/bad/sub\" cannot be inside or contain" \
	"/v::$T/homes/bad/sub"
check "mapped path containing the home refused" bad_add \
	"invalid mapped folder \"$T/homes\" cannot be inside or contain" "/v::$T/homes"
check "overlapping mapped paths refused" bad_add \
	"invalid mapped folder \"$M/sub\" overlaps with mapped folder \"$M\"" \
	"/v1::$M" "/v2::$M/sub"
check "nested virtual paths refused" bad_add \
	'invalid virtual folder "/v1/in" overlaps with virtual folder "/v1"' \
	"/v1::$M" "/v1/in::$M2"
check "the flag is named" grep -q -- "--virtual-folder" "$T/bad.out"
check "malformed flag value refused" bad_add 'is not /virtual/path::/mapped/path' "/nosep"
check_not "no bad user was stored" sh -c "'$SFTPGO' user show --config-dir '$CFG' --username bad >/dev/null 2>&1"

add_user alice "$U1" --password alicepw --virtual-folder "/vdir::$M/./" \
	--virtual-folder "/deep/v2::$M2" --virtual-folder "/gone::$T/mapped/missing" \
	--virtual-folder "/afile::$T/mapped/afile" --virtual-folder "/alink::$T/mapped/alink"
check "stored with cleaned paths" sh -c \
	"'$SFTPGO' user show --config-dir '$CFG' --username alice | grep -qF '\"mapped_path\": \"$M\"'"
echo "home secret" >"$H/home.txt"
chown "$U1:$U1" "$H/home.txt"
asftp() { sftp_pw alice alicepw; }
sftp_cmd() { printf '%s\n' "$1" | sftp_pw alice alicepw >"$T/cmd.out" 2>&1; }

# --- put/get/ls/mkdir/rm in the folder land in mapped_path ---------------------
echo "payload $$" >"$T/up.txt"
printf 'put %s /vdir/up.txt\nmkdir /vdir/d\nput %s /vdir/d/in.txt\nget /vdir/up.txt %s\nls -1 /vdir\nput %s /deep/v2/two.txt\nls -1 /\n' \
	"$T/up.txt" "$T/up.txt" "$T/back.txt" "$T/up.txt" | asftp >"$T/o1" 2>&1
check "upload into the folder lands in mapped_path" cmp "$T/up.txt" "$M/up.txt"
check "uploaded file owned by the user's uid/gid" test "$(stat -c %U:%G "$M/up.txt")" = "$U1:$U1"
check "mkdir in the folder creates it in mapped_path" test -d "$M/d" -a -f "$M/d/in.txt"
check "new dir owned by the user" test "$(stat -c %U "$M/d")" = "$U1"
check "download from the folder" cmp "$T/up.txt" "$T/back.txt"
check "ls of the folder lists mapped_path" grep -Eq '^(/vdir/)?up.txt$' "$T/o1"
check "nested folder: upload lands in its mapped_path" cmp "$T/up.txt" "$M2/two.txt"
check "nothing landed in the home under the virtual path" test ! -e "$H/vdir"
check "the missing parent of /deep/v2 was created in the home" test -d "$H/deep"
check "but not the virtual directory itself" test ! -e "$H/deep/v2"
check "ls / shows the folder" grep -Eq '^/?vdir$' "$T/o1"
check "ls / shows the parent of the nested folder" grep -Eq '^/?deep$' "$T/o1"
check "ls / shows a missing folder too (as SFTPGo)" grep -Eq '^/?gone$' "$T/o1"
printf 'ls -l /\n' | asftp >"$T/o2" 2>&1
check "the folder's entry is a directory" grep -Eq '^d.* /?vdir$' "$T/o2"
check "the transfer is logged with the mapped path" \
	grep -q "\"sender\":\"Upload\".*\"file_path\":\"$M/up.txt\"" "$LOG"
printf 'rm /vdir/d/in.txt\nrmdir /vdir/d\n' | asftp >/dev/null 2>&1
check "rm and rmdir in the folder act in mapped_path" test ! -e "$M/d"
check "the rmdir is logged with the mapped path" \
	grep -q "\"sender\":\"Rmdir\".*\"file_path\":\"$M/d\"" "$LOG"

# a real directory of the folder's name in the home is hidden by the folder
mkdir -p "$H/deep/v2"
echo "shadowed" >"$H/deep/v2/shadow.txt"
chown -R "$U1:$U1" "$H/deep"
printf 'ls -1 /deep\nls -1 /deep/v2\n' | asftp >"$T/o4" 2>&1
check "a nested folder is listed in its parent" grep -Eq '^(/deep/)?v2$' "$T/o4"
check "once, replacing the real entry" test "$(grep -Ec '^(/deep/)?v2$' "$T/o4")" -eq 1
check "its listing is mapped_path's" grep -q 'two.txt' "$T/o4"
check_not "not the home's directory of that name" grep -q 'shadow.txt' "$T/o4"

# --- missing, file and symlink mapped paths: nothing served, warned ----------
check_not "a missing mapped_path: ls fails" sftp_cmd "ls /gone"
check "with no such file" grep -Eqi "no such file|not found" "$T/cmd.out"
check_not "a missing mapped_path: put fails" sftp_cmd "put $T/up.txt /gone/x"
check "and nothing is written in the home" test ! -e "$H/gone"
check "warned: does not exist" grep -q "virtual folder \\\\\"/gone\\\\\".*does not exist" "$LOG"
check_not "a file mapped_path: ls fails" sftp_cmd "ls /afile"
check "warned: not a directory" grep -q "virtual folder \\\\\"/afile\\\\\".*is not a directory" "$LOG"
check_not "a symlink mapped_path is never followed" sftp_cmd "ls /alink"
check "warned: symlink" grep -q "virtual folder \\\\\"/alink\\\\\".*symlink" "$LOG"

# --- escapes: links planted in mapped_path, "..", the home through the folder ---
ln -s /etc "$M/etc_link"
ln -s ../../.. "$M/up_link"
ln -s "$H" "$M/home_link"
ln -s ../parent-secret.txt "$M/parent_link"
chown -h "$U2:$U2" "$M/etc_link" "$M/up_link" # planted by another user
getf() { printf 'get %s %s\n' "$1" "$T/stolen" | sftp_pw alice alicepw; }
check_not "a symlink to /etc stays in the folder" getf /vdir/etc_link/hostname
check_not "a relative symlink upwards stays in the folder" getf /vdir/up_link/mapped/parent-secret.txt
check_not "a symlink to the home's host path stays in the folder" getf /vdir/home_link/home.txt
check_not "a symlink to the folder's parent stays in the folder" getf /vdir/parent_link
check_not "\"..\" from the folder is the home, not mapped_path's parent" getf /vdir/../parent-secret.txt
check_not "nor ../elsewhere" getf /vdir/../elsewhere/e.txt
check "nothing was stolen" test ! -e "$T/stolen"
printf 'get /vdir/../home.txt %s\n' "$T/h.txt" | asftp >/dev/null 2>&1
check "\"..\" from the folder reaches the home's own files" grep -q "home secret" "$T/h.txt"
printf 'ls -la /vdir\n' | asftp >"$T/o3" 2>&1
check_not "no host path in the folder's listing" grep -q "$T/mapped" "$T/o3"

# --- renames, hard links and symlinks never cross the boundary -------------------
cp "$T/up.txt" "$M/r.txt"
chown "$U1:$U1" "$M/r.txt"
check_not "rename folder -> home refused" sftp_cmd "rename /vdir/r.txt /r.txt"
check "with a permission error" grep -q "Permission denied" "$T/cmd.out"
check "the file stayed" test -f "$M/r.txt" -a ! -e "$H/r.txt"
check_not "rename home -> folder refused" sftp_cmd "rename /home.txt /vdir/home.txt"
check "the home file stayed" test -f "$H/home.txt" -a ! -e "$M/home.txt"
check_not "rename folder -> other folder refused" sftp_cmd "rename /vdir/r.txt /deep/v2/r.txt"
check "the crossing is logged" grep -q "crosses a virtual folder boundary" "$LOG"
check_not "hard link folder -> home refused" sftp_cmd "ln /vdir/r.txt /hl.txt"
check "no link made" test ! -e "$H/hl.txt" -a "$(stat -c %h "$M/r.txt")" -eq 1
check_not "hard link home -> folder refused" sftp_cmd "ln /home.txt /vdir/hl.txt"
check_not "symlink in the home to the folder refused" sftp_cmd "ln -s /vdir/r.txt /sl"
check_not "symlink in the folder leading out of it refused" sftp_cmd "ln -s ../home.txt /vdir/sl"
check "no symlink made" test ! -L "$H/sl" -a ! -L "$M/sl"
check "rename inside the folder works" sftp_cmd "rename /vdir/r.txt /vdir/r2.txt"
check "renamed in mapped_path" test -f "$M/r2.txt"
check "symlink inside the folder works" sftp_cmd "ln -s r2.txt /vdir/sl2"
check "made in mapped_path" test "$(readlink "$M/sl2")" = r2.txt
check_not "rename of the folder itself refused" sftp_cmd "rename /vdir /vx"
check_not "rmdir of the folder itself refused" sftp_cmd "rmdir /vdir"
check_not "mkdir of the folder itself refused" sftp_cmd "mkdir /vdir"
check "the mapped directory is intact" test -d "$M" -a -f "$M/r2.txt"

# --- SCP and the SSH digest commands see the folders --------------------------
scp_pw() {
	sshpass -p alicepw scp -O $SSH_OPTS -P "$PORT" -o PreferredAuthentications=password \
		-o PubkeyAuthentication=no "$@"
}
scp_pw "$T/up.txt" "alice@127.0.0.1:/vdir/scp.txt" >/dev/null 2>&1
check "scp upload into the folder lands in mapped_path" cmp "$T/up.txt" "$M/scp.txt"
check "scp file owned by the user" test "$(stat -c %U "$M/scp.txt")" = "$U1"
rm -f "$T/scp.back"
scp_pw "alice@127.0.0.1:/vdir/scp.txt" "$T/scp.back" >/dev/null 2>&1
check "scp download from the folder" cmp "$T/up.txt" "$T/scp.back"
out=$(ssh_pw alice alicepw md5sum /vdir/scp.txt </dev/null 2>/dev/null)
check "md5sum in the folder" test "$out" = "$(md5sum <"$M/scp.txt" | cut -d' ' -f1)  /vdir/scp.txt"
md5_link() { ssh_pw alice alicepw md5sum /vdir/etc_link/hostname </dev/null; }
check_not "md5sum through a planted link stays in the folder" md5_link

# --- update: the list is replaced, an empty value clears it ----------------------
"$SFTPGO" user update --config-dir "$CFG" --username alice --virtual-folder "" >/dev/null
check "an empty --virtual-folder clears the list" sh -c \
	"! '$SFTPGO' user show --config-dir '$CFG' --username alice | grep -q virtual_folders"
printf 'ls -1 /\n' | asftp >"$T/o5" 2>&1
check_not "and the folder is no longer listed" grep -Eq '^/?vdir$' "$T/o5"
check_not "nor served" getf /vdir/r2.txt

stop_server
done_testing
