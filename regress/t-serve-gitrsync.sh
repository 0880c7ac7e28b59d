#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo serve: git-receive-pack, git-upload-pack, git-upload-archive and rsync as
# SSH commands (enabled_ssh_commands), run confined (jail/jail.h) as the user, with
# the real git and rsync clients: clone, push, fetch, archive, rsync up and down
# (-a, --delete, resume); SFTPGo's refusals (permissions, filters, folders, quota);
# escapes (symlinks planted over SFTP, hooks uploaded over SFTP, .., option
# injection).
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

command -v git >/dev/null || { [ -n "${CI:-}" ] && fail "git installed"; skip_all "git not installed"; }
command -v rsync >/dev/null || { [ -n "${CI:-}" ] && fail "rsync installed"; skip_all "rsync not installed"; }
U1=sftpgo-gr1-$$
make_sysuser "$U1" || skip_all "cannot create system users"

serve_config 81 '"enabled_ssh_commands": ["*"]'
start_server || { fail "server starts"; exit 1; }
ok "server starts"
ssh-keygen -q -t ed25519 -N '' -f "$T/key"
add_user gus "$U1" --password guspw --public-key-file "$T/key.pub" --permissions "/:*"
H=$T/homes/gus
SSHK="ssh $SSH_OPTS -p $PORT -o BatchMode=yes -o IdentitiesOnly=yes -i $T/key"
export GIT_SSH_COMMAND="$SSHK"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t \
	GIT_COMMITTER_EMAIL=t@example.org
URL="ssh://gus@127.0.0.1:$PORT"

# --- git ------------------------------------------------------------------------
git init -q --bare "$H/repo.git" && chown -R "$U1:$U1" "$H"
git init -q "$T/w1" && (cd "$T/w1" && echo one >f.txt && git add f.txt &&
	git commit -qm one)
(cd "$T/w1" && git push -q "$URL/repo.git" HEAD:refs/heads/main) >"$T/push.out" 2>&1
check "git push over ssh" test $? -eq 0
check "... the commit is in the repository" \
	sh -c "git --git-dir='$H/repo.git' log --oneline main | grep -q one"
check "... its objects belong to the user" \
	sh -c "test -z \"\$(find '$H/repo.git' ! -user '$U1')\""
check "... logged as an SSHCommand with the repository's real path" grep -q \
	"\"sender\":\"SSHCommand\".*\"file_path\":\"$H/repo.git\".*\"ssh_command\":\"git-receive-pack '/repo.git'\"" "$LOG"
git clone -q -b main "$URL/repo.git" "$T/c1" >"$T/clone.out" 2>&1
check "git clone over ssh" test -f "$T/c1/f.txt"
(cd "$T/w1" && echo two >>f.txt && git commit -qam two &&
	git push -q "$URL/repo.git" HEAD:refs/heads/main) >/dev/null 2>&1
(cd "$T/c1" && git fetch -q origin && git merge -q --ff-only origin/main) >"$T/fetch.out" 2>&1
check "git fetch over ssh" grep -q two "$T/c1/f.txt"
git archive --remote="$URL/repo.git" main f.txt >"$T/a.tar" 2>"$T/archive.out"
check "git archive --remote (git-upload-archive)" sh -c "tar -xOf '$T/a.tar' f.txt | grep -q two"
git clone -q "$URL/../../../repo.git" "$T/c2" >"$T/dots.out" 2>&1
check ".. stops at the user's root (the clone still finds /repo.git)" test -f "$T/c2/.git/HEAD"
git clone -q "$URL/nothere.git" "$T/c3" >"$T/miss.out" 2>&1
check "a missing repository fails" test $? -ne 0
check "... with git's own message on stderr" grep -q "not appear to be a git repository" "$T/miss.out"

# A hook uploaded over SFTP: the home is mounted noexec, so it never runs.
printf '#!/bin/sh\nid >/home/hook-ran\n' >"$T/post-receive"
sftp_key() { sftp $SSH_OPTS -P "$PORT" -o BatchMode=yes -o IdentitiesOnly=yes -i "$T/key" -b - gus@127.0.0.1; }
printf 'put %s /repo.git/hooks/post-receive\nchmod 755 /repo.git/hooks/post-receive\n' \
	"$T/post-receive" | sftp_key >/dev/null 2>&1
check "a hook can be uploaded over SFTP" test -x "$H/repo.git/hooks/post-receive"
(cd "$T/w1" && echo three >>f.txt && git commit -qam three &&
	git push "$URL/repo.git" HEAD:refs/heads/main) >"$T/hook.out" 2>&1
check "the push still succeeds" test $? -eq 0
check_not "... the uploaded hook did not run (nothing the user writes is executed)" \
	test -e "$H/hook-ran"

# Code the user makes git run (a global config uploaded over SFTP names a
# packObjectsHook: a script read by /bin/sh, nothing executed from the home) shows
# what a program sees: the user's ids, the jail's tree, its own PID namespace.
cat >"$T/probe.sh" <<'EOP'
{ echo "uid=$(id -u) gid=$(id -g)"; echo "pid=$$"; echo "host=$(hostname)"
  echo "root=$(ls / | tr '\n' ' ')"; echo "etc=$(ls /etc | tr '\n' ' ')"
  echo "tmp=$(ls -A /tmp | tr '\n' ' ')"
  touch /usr/x 2>/dev/null && echo usr-writable
  touch /x 2>/dev/null && echo root-writable
  test -e /proc/self && echo proc-present
  kill -0 1 2>/dev/null && echo "pid1-visible"
  cp /home/probe.sh /tmp/p && chmod 755 /tmp/p && /tmp/p --x 2>/dev/null && echo tmp-exec
  cp /home/probe.sh /home/p2 && chmod 755 /home/p2 && /home/p2 --x 2>/dev/null && echo home-exec
} >/home/probe.out 2>&1
[ "$1" = --x ] && exit 0
exec "$@"
EOP
printf '[uploadpack]\n\tpackObjectsHook = /bin/sh /home/probe.sh\n' >"$T/gitconfig"
printf 'put %s /probe.sh\nput %s /.gitconfig\n' "$T/probe.sh" "$T/gitconfig" | sftp_key >/dev/null 2>&1
git clone -q -b main "$URL/repo.git" "$T/c4" >"$T/probe-clone.out" 2>&1
check "a clone runs the user's packObjectsHook" test -f "$H/probe.out"
check "... as the user's uid and gid" grep -qx "uid=$(id -u "$U1") gid=$(id -g "$U1")" "$H/probe.out"
check "... in a PID namespace of its own (small pids)" grep -qE '^pid=[0-9]$' "$H/probe.out"
check "... with the jail's hostname" grep -qx "host=sftpgo" "$H/probe.out"
JROOT=$(for d in bin dev etc home lib lib32 lib64 libx32 sbin tmp usr; do
	case $d in dev | etc | home | tmp | usr) echo $d ;; *) [ -e /$d ] && echo $d ;; esac
done | tr '\n' ' ')
check "... seeing only the jail's root" grep -qx "root=$JROOT" "$H/probe.out"
check "... and a generated /etc" grep -qx "etc=group ld.so.cache nsswitch.conf passwd " "$H/probe.out"
check "... an empty /tmp" grep -qx "tmp=" "$H/probe.out"
check_not "... /usr and / are read-only, no /proc, home and /tmp not executable" \
	grep -q "writable\|proc-present\|tmp-exec\|home-exec" "$H/probe.out"
check "... and the clone still works" test -f "$T/c4/f.txt"
rm -f "$H/.gitconfig"

# --- rsync ----------------------------------------------------------------------
RS="rsync -e \"$SSHK\""
mkdir -p "$T/src/d" && printf 'a\n' >"$T/src/a" && head -c 300000 /dev/urandom >"$T/src/d/big"
ln -s a "$T/src/lnk"
eval "$RS -a '$T/src/' 'gus@127.0.0.1:up/'" >"$T/rs1.out" 2>&1
check "rsync -a up" cmp "$T/src/d/big" "$H/up/d/big"
check "... symlinks inside the tree kept (--safe-links)" test "$(readlink "$H/up/lnk")" = a
check "... files belong to the user" sh -c "test -z \"\$(find '$H/up' ! -user '$U1')\""
eval "$RS -a 'gus@127.0.0.1:up/' '$T/down/'" >"$T/rs2.out" 2>&1
check "rsync -a down" cmp "$T/src/d/big" "$T/down/d/big"
rm "$T/src/a"
eval "$RS -a --delete '$T/src/' 'gus@127.0.0.1:up/'" >"$T/rs3.out" 2>&1
check "rsync --delete removes on the server" test ! -e "$H/up/a"
head -c 200000 "$T/src/d/big" >"$H/up/d/part" && chown "$U1:$U1" "$H/up/d/part"
cp "$T/src/d/big" "$T/src/d/part"
eval "$RS -a --partial --append-verify '$T/src/d/part' 'gus@127.0.0.1:up/d/part'" >"$T/rs4.out" 2>&1
check "rsync resumes a partial file (--append-verify)" cmp "$T/src/d/big" "$H/up/d/part"

# escapes: a symlink planted over SFTP to a world-readable host file
printf 'host-secret\n' >"$T/secret" && chmod 644 "$T/secret"
printf 'symlink %s /leak\n' "$T/secret" | sftp_key >/dev/null 2>&1
check "a symlink pointing outside can be planted over SFTP" test -L "$H/leak"
eval "$RS -aL 'gus@127.0.0.1:leak' '$T/leak.out'" >"$T/rs5.out" 2>&1
check_not "rsync -L does not follow it to the host file" grep -q host-secret "$T/leak.out"
eval "$RS -aL 'gus@127.0.0.1:/../../../../etc/shadow' '$T/shadow.out'" >"$T/rs6.out" 2>&1
check_not ".. cannot reach the host's /etc/shadow" test -s "$T/shadow.out"
ln -s /etc/passwd "$T/src/abs"
eval "$RS -a '$T/src/' 'gus@127.0.0.1:up2/'" >"$T/rs7.out" 2>&1
check_not "an unsafe symlink is not created on upload (--safe-links)" test -L "$H/up2/abs"
$SSHK -n gus@127.0.0.1 'rsync --server --rsync-path=/bin/sh . /x' >"$T/inj1.out" 2>&1
check "--rsync-path is refused" grep -q "option not allowed: --rsync-path" "$T/inj1.out"
$SSHK -n gus@127.0.0.1 'rsync --server --log-file=/home/x -e.Lsfx . /x' >"$T/inj2.out" 2>&1
check "--log-file is refused" grep -q "option not allowed" "$T/inj2.out"
$SSHK -n gus@127.0.0.1 'rsync -e sh . /x' >"$T/inj3.out" 2>&1
check "rsync without --server is refused" grep -q "only the server side" "$T/inj3.out"
$SSHK -n gus@127.0.0.1 'git-upload-pack --upload-pack=id /repo.git' >"$T/inj4.out" 2>&1
check "git options are refused" grep -q "exactly one repository path" "$T/inj4.out"
$SSHK -n gus@127.0.0.1 'rsync --server -e.Lsfx . /x; id' >"$T/inj5.out" 2>&1
check "shell syntax is refused" grep -q "shell syntax is not supported" "$T/inj5.out"

# .. in rsync paths stays below the user's root
eval "$RS --list-only -r 'gus@127.0.0.1:../../etc/'" >"$T/etc.list" 2>&1
check_not "rsync ../../etc/ lists nothing of a system /etc" grep -q 'passwd\|shadow' "$T/etc.list"


# --- SFTPGo's refusals, and the quota (checked at start, rescanned at the end) ----
stop_server
serve_config 82 '"enabled_ssh_commands": ["*"]}, "data_provider": {"track_quota": 1'
start_server || { fail "server restarts with track_quota 1"; exit 1; }
SSHK="ssh $SSH_OPTS -p $PORT -o BatchMode=yes -o IdentitiesOnly=yes -i $T/key"
RS="rsync -e \"$SSHK\""
export GIT_SSH_COMMAND="$SSHK"
add_user quo "$U1" --public-key-file "$T/key.pub" --permissions "/:*" --quota-files 2
add_user nop "$U1" --public-key-file "$T/key.pub" --permissions "/:list,download"
add_user flt "$U1" --public-key-file "$T/key.pub" --permissions "/:*" \
	--denied-extensions "/::.exe"
mkdir -p "$T/mapped" && chown "$U1:$U1" "$T/mapped"
add_user vf "$U1" --public-key-file "$T/key.pub" --permissions "/:*" \
	--virtual-folder "/vf::$T/mapped"
add_user nosym "$U1" --public-key-file "$T/key.pub" \
	--permissions "/:list,download,upload,overwrite,delete,rename,create_dirs"
add_user bw "$U1" --public-key-file "$T/key.pub" --permissions "/:*" --upload-bandwidth 100
mkdir -p "$T/three" && for i in 1 2 3; do echo "$i" >"$T/three/f$i"; done
eval "$RS -a '$T/three/' 'quo@127.0.0.1:q/'" >"$T/q1.out" 2>&1
check "rsync runs while the files used are not over quota_files" test -f "$T/homes/quo/q/f3"
check "... and the usage is rescanned when it ends" wait_used quo "3 6"
eval "$RS -a '$T/three/' 'quo@127.0.0.1:q2/'" >"$T/q2.out" 2>&1
check "over quota_files, rsync is refused at start" grep -q "denying write due to space limit" "$T/q2.out"
add_user qs "$U1" --public-key-file "$T/key.pub" --permissions "/:*" --quota-size 5
eval "$RS -a '$T/three/' 'qs@127.0.0.1:q/'" >"$T/qs1.out" 2>&1
check "rsync runs while quota_size is not used up" wait_used qs "3 6"
eval "$RS -a '$T/three/' 'qs@127.0.0.1:q2/'" >"$T/qs2.out" 2>&1
check "once quota_size is used up, rsync is refused at start" \
	grep -q "denying write due to space limit" "$T/qs2.out"
check_not "... and nothing was written" test -e "$T/homes/qs/q2"
eval "$RS -a 'nop@127.0.0.1:/' '$T/nop/'" >"$T/nop.out" 2>&1
check "without every permission SFTPGo asks, rsync is refused" grep -q "Permission denied" "$T/nop.out"
eval "$RS -a '$T/three/' 'flt@127.0.0.1:x/'" >"$T/flt.out" 2>&1
check "rsync is refused for a user with extension filters" grep -q "file extension filters" "$T/flt.out"
git init -q --bare "$T/homes/flt/r.git" && chown -R "$U1:$U1" "$T/homes/flt"
git clone -q "ssh://flt@127.0.0.1:$PORT/r.git" "$T/fltc" >"$T/fltg.out" 2>&1
check "git is refused below a filtered directory" grep -q "file extension filters" "$T/fltg.out"
eval "$RS -a '$T/three/' 'vf@127.0.0.1:x/'" >"$T/vf.out" 2>&1
check "rsync is refused for a user with virtual folders" grep -q "virtual folders" "$T/vf.out"
git init -q --bare "$T/mapped/r.git" && chown -R "$U1:$U1" "$T/mapped"
git clone -q "ssh://vf@127.0.0.1:$PORT/vf/r.git" "$T/vfc" >"$T/vfg.out" 2>&1
check "git is refused in a virtual folder" grep -q "not allowed in a virtual folder" "$T/vfg.out"
git init -q --bare "$T/homes/vf/r.git" && chown -R "$U1:$U1" "$T/homes/vf"
git clone -q "ssh://vf@127.0.0.1:$PORT/r.git" "$T/vfc2" >"$T/vfg2.out" 2>&1
check "... and allowed in the home of that user" test -d "$T/vfc2/.git"
eval "$RS -a '$T/src/' 'nosym@127.0.0.1:s/'" >"$T/ns.out" 2>&1
check "without create_symlinks rsync gets --munge-links" \
	sh -c "readlink '$T/homes/nosym/s/lnk' | grep -q '^/rsyncd-munged/'"
eval "$RS -a '$T/three/' 'bw@127.0.0.1:x/'" >"$T/bw.out" 2>&1
check "a user with a bandwidth limit is refused (not supported yet)" grep -q "not supported yet" "$T/bw.out"

done_testing
