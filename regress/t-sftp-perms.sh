#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Per-directory permissions (settings "permissions"): for every permission kind an
# allowed and a denied case, where denied changes nothing on disk; longest
# directory match; rename needs the right at source and target; setstat_mode 1;
# umask; read_only.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/sftp-lib.sh"
need_ours

R=$T/root
S=$T/settings.json
L=$LOCAL
ALL="list download upload overwrite delete rename create_dirs create_symlinks chmod chown chtimes"

# perms_json [dir perm...] ...: '"/":["a","b"]' style from "dir:a,b" words.
perms_json() {
	_out=
	for _spec in "$@"; do
		_dir=${_spec%%:*}
		_list=$(echo "${_spec#*:}" | sed 's/[^,][^,]*/"&"/g')
		_out="$_out${_out:+,}\"$_dir\":[$_list]"
	done
	echo "{$_out}"
}
# all_but PERM: every permission except PERM, comma separated.
all_but() { echo $ALL | tr ' ' '\n' | grep -v -x "$1" | paste -sd, -; }
all_perms() { echo $ALL | tr ' ' ','; }

# fresh: a new root with known content.
fresh() {
	rm -rf "$R"
	mkdir -p "$R/dir" "$R/sub"
	echo original >"$R/file.txt"
	echo original >"$R/sub/file.txt"
	chmod 644 "$R/file.txt"
	touch -d '2010-01-01 00:00:00' "$R/file.txt"
}
# with PERMSPEC...: settings granting exactly those (extra JSON in $EXTRA).
with() { write_settings "$S" "$R" "\"permissions\":$(perms_json "$@")${EXTRA:+,$EXTRA}"; }
EXTRA=
batch() { sftp_batch "$R" "$S"; }
snap() { (cd "$R" && find . -printf '%p %y %m %U:%G %s %T@\n' | sort && cat file.txt); }

echo "uploaded" >"$L/up.txt"
chmod 666 "$L/up.txt"
touch -d '2001-01-01 00:00:00' "$L/up.txt"

# denied "desc" PERMSPEC COMMANDS (stdin): the batch fails and the tree is unchanged.
denied() {
	_d=$1
	shift
	with "$@"
	cat >"$T/cmds"
	_before=$(snap)
	if batch <"$T/cmds"; then fail "$_d: refused" "batch succeeded"; else ok "$_d: refused"; fi
	check_eq "$_d: nothing changed" "$(snap)" "$_before"
	check_no_sanitizer "$_d"
}
# allowed "desc" PERMSPEC COMMANDS (stdin): the batch succeeds.
allowed() {
	_d=$1
	shift
	with "$@"
	if batch; then ok "$_d: allowed"; else fail "$_d: allowed" "$(tail -c 300 "$T/err")"; fi
	check_no_sanitizer "$_d"
}

# ---- one block per permission kind -------------------------------------------
fresh
allowed "list" "/:list" <<EOF
ls -l dir
EOF
denied "list" "/:$(all_but list)" <<EOF
ls -l dir
EOF

fresh
allowed "download" "/:list,download" <<EOF
get file.txt got1.txt
EOF
check_eq "download: content" "$(cat "$L/got1.txt")" original
denied "download" "/:$(all_but download)" <<EOF
get file.txt got2.txt
EOF
check_not "download denied: no local file" test -s "$L/got2.txt"

fresh
allowed "upload" "/:list,upload" <<EOF
put up.txt new.txt
EOF
check_eq "upload: content" "$(cat "$R/new.txt")" uploaded
fresh
denied "upload" "/:$(all_but upload)" <<EOF
put up.txt new.txt
EOF
check_not "upload denied: no file" test -e "$R/new.txt"

fresh
allowed "overwrite" "/:list,upload,overwrite" <<EOF
put up.txt file.txt
EOF
check_eq "overwrite: content replaced" "$(cat "$R/file.txt")" uploaded
fresh
denied "overwrite" "/:$(all_but overwrite)" <<EOF
put up.txt file.txt
EOF
check_eq "overwrite denied: content kept" "$(cat "$R/file.txt")" original
fresh
denied "overwrite without upload" "/:$(all_but upload)" <<EOF
put up.txt file.txt
EOF

fresh
allowed "delete file" "/:list,delete" <<EOF
rm file.txt
EOF
check_not "delete: file gone" test -e "$R/file.txt"
fresh
allowed "delete dir" "/:list,delete" <<EOF
rmdir dir
EOF
check_not "delete: dir gone" test -e "$R/dir"
fresh
denied "delete file" "/:$(all_but delete)" <<EOF
rm file.txt
EOF
denied "delete dir" "/:$(all_but delete)" <<EOF
rmdir dir
EOF

fresh
allowed "rename" "/:list,rename" <<EOF
rename file.txt renamed.txt
EOF
check "rename: new name exists" test -f "$R/renamed.txt"
fresh
denied "rename" "/:$(all_but rename)" <<EOF
rename file.txt renamed.txt
EOF

fresh
allowed "create_dirs" "/:list,create_dirs" <<EOF
mkdir newdir
EOF
check "create_dirs: made" test -d "$R/newdir"
fresh
denied "create_dirs" "/:$(all_but create_dirs)" <<EOF
mkdir newdir
EOF

fresh
allowed "create_symlinks" "/:list,create_symlinks" <<EOF
ln -s file.txt link.txt
EOF
check "create_symlinks: made" test -L "$R/link.txt"
fresh
denied "create_symlinks" "/:$(all_but create_symlinks)" <<EOF
ln -s file.txt link.txt
EOF

fresh
allowed "chmod" "/:list,chmod" <<EOF
chmod 600 file.txt
EOF
check_eq "chmod: mode" "$(mode_of "$R/file.txt")" 600
fresh
denied "chmod" "/:$(all_but chmod)" <<EOF
chmod 600 file.txt
EOF

if [ "$(id -u)" = 0 ]; then
	fresh
	allowed "chown" "/:list,chown" <<EOF
chown 4321 file.txt
chgrp 4321 file.txt
EOF
	check_eq "chown: owner" "$(owner_of "$R/file.txt")" 4321:4321
	fresh
	denied "chown" "/:$(all_but chown)" <<EOF
chown 4321 file.txt
EOF
	denied "chgrp" "/:$(all_but chown)" <<EOF
chgrp 4321 file.txt
EOF
fi

# chtimes: put -p sets the times (and the mode) after the upload.
fresh
allowed "chtimes" "/:list,upload,overwrite,chmod,chtimes" <<EOF
put -p up.txt timed.txt
EOF
check_eq "chtimes: mtime preserved" "$(stat -c %Y "$R/timed.txt")" "$(stat -c %Y "$L/up.txt")"
fresh
with "/:$(all_but chtimes)"
batch <<EOF
put -p up.txt timed.txt
EOF
check "chtimes denied: upload itself done" test -f "$R/timed.txt"
if [ "$(stat -c %Y "$R/timed.txt")" = "$(stat -c %Y "$L/up.txt")" ]; then
	fail "chtimes denied: mtime not set"
else
	ok "chtimes denied: mtime not set"
fi

# "*" grants everything, including what no single word above was used for.
fresh
allowed '"*"' "/:*" <<EOF
ls -l
get file.txt star.txt
put up.txt star-up.txt
put up.txt file.txt
mkdir stardir
rename star-up.txt stardir/moved.txt
ln -s file.txt star-link
chmod 600 file.txt
rm stardir/moved.txt
rmdir stardir
EOF
check_eq '"*": chmod applied' "$(mode_of "$R/file.txt")" 600

# No key at all for a path: nothing is granted (here "/" grants nothing).
fresh
denied "empty permission list: get" "/:" <<EOF
get file.txt empty.txt
EOF
# sftp's "ls" of the cwd reports a refused READDIR without failing the batch:
# look at what it printed instead.
with "/:"
batch <<EOF
ls -l
EOF
check_not "empty permission list: ls shows nothing" grep -q 'file.txt' "$T/out"
check "empty permission list: ls reports the refusal" grep -q 'Permission denied' "$T/err"

# ---- longest-directory semantics ---------------------------------------------
# "/" read-only, "/in" full, "/in/ro" read-only again; "/in/other/deep" inherits "/in".
fresh
mkdir -p "$R/in/ro" "$R/in/other/deep"
with "/:list,download" "/in:*" "/in/ro:list,download"
check "longest match: upload into /in" batch <<EOF
put up.txt in/a.txt
EOF
check "longest match: upload into /in/other/deep (inherits /in)" batch <<EOF
put up.txt in/other/deep/b.txt
EOF
check_not "longest match: upload into /in/ro refused (narrower sub-dir)" batch <<EOF
put up.txt in/ro/c.txt
EOF
check_not "longest match: nothing written into /in/ro" test -e "$R/in/ro/c.txt"
check_not "longest match: upload into / refused" batch <<EOF
put up.txt d.txt
EOF
check_not "longest match: nothing written into /" test -e "$R/d.txt"
check "longest match: download from /in/ro allowed" batch <<EOF
get in/a.txt got-a.txt
EOF
# A wider sub-dir under a narrow parent.
fresh
mkdir -p "$R/wide"
with "/:list" "/wide:list,upload,delete"
check "wider sub-dir: upload allowed" batch <<EOF
put up.txt wide/w.txt
EOF
check_not "wider sub-dir: parent still refuses upload" batch <<EOF
put up.txt w.txt
EOF
check_not "parent refuses delete of a file in /" batch <<EOF
rm file.txt
EOF
check "file in / kept" test -f "$R/file.txt"

# READDIR needs "list" on the directory itself, not on its parent.
fresh
with "/:*" "/dir:download"
check_not "list on the directory itself: ls dir refused" batch <<EOF
ls -l dir/
EOF
check "list on the directory itself: ls / allowed" batch <<EOF
ls -l /
EOF
check "ls / showed dir" grep -q ' /dir$' "$T/out"

# SETSTAT on a directory uses the rules of its parent; on a file, its directory's.
fresh
with "/:list" "/sub:list,chmod"
check_not "chmod of the directory /sub follows the rules of /" batch <<EOF
chmod 700 sub
EOF
check_eq "chmod refused: /sub mode kept" "$(mode_of "$R/sub")" 755
check "chmod of a file in /sub follows the rules of /sub" batch <<EOF
chmod 600 sub/file.txt
EOF
check_eq "chmod of sub/file.txt applied" "$(mode_of "$R/sub/file.txt")" 600

# ---- no way around a rule through a symlink ------------------------------------
# "/" is read-only, "/in" is open: links made in "/in" must not open up "/".
fresh
mkdir -p "$R/in" "$R/secret"
echo classified >"$R/secret/doc.txt"
with "/:list,download" "/in:*" "/secret:list"
check "symlink trick: the client may make links in /in" batch <<EOF
ln -s / in/rootlink
ln -s ../file.txt in/filelink
ln -s ../secret/doc.txt in/doclink
ln -s ../secret in/secretdir
EOF
check_not "symlink trick: upload through a link to / refused" batch <<EOF
put up.txt in/rootlink/evil.txt
EOF
check_not "symlink trick: nothing created in /" test -e "$R/evil.txt"
check_not "symlink trick: overwrite through a link to a file in / refused" batch <<EOF
put up.txt in/filelink
EOF
check_eq "symlink trick: /file.txt kept" "$(cat "$R/file.txt")" original
check_not "symlink trick: download through a link into /secret refused" batch <<EOF
get in/doclink leaked1.txt
EOF
check_not "symlink trick: download through a linked directory refused" batch <<EOF
get in/secretdir/doc.txt leaked2.txt
EOF
check_not "symlink trick: nothing of /secret reached the client" \
	sh -c 'cat "$0"/leaked* 2>/dev/null | grep -q classified' "$L"
check_not "symlink trick: rm through a linked directory refused" batch <<EOF
rm in/secretdir/doc.txt
EOF
check "symlink trick: /secret/doc.txt kept" test -f "$R/secret/doc.txt"
check_not "symlink trick: mkdir through a link to / refused" batch <<EOF
mkdir in/rootlink/newdir
EOF
check_not "symlink trick: no directory made in /" test -e "$R/newdir"
check_not "symlink trick: chmod through a link to / refused" batch <<EOF
chmod 600 in/filelink
EOF
check_eq "symlink trick: /file.txt mode kept" "$(mode_of "$R/file.txt")" 644
# Links an admin left behind work the same way.
ln -s .. "$R/in/adminup"
check_not "symlink trick: upload through an admin link to .. refused" batch <<EOF
put up.txt in/adminup/evil2.txt
EOF
check_not "symlink trick: nothing created through the admin link" test -e "$R/evil2.txt"

# ---- rename needs the right at source and target -----------------------------
fresh
mkdir -p "$R/a" "$R/b"
echo a-file >"$R/a/f.txt"
echo b-file >"$R/b/g.txt"
with "/:*" "/a:list,download,upload" "/b:*"
check_not "rename from a dir without rename refused" batch <<EOF
rename a/f.txt b/f.txt
EOF
check "rename refused at source: file kept" test -f "$R/a/f.txt"
check_not "rename refused at source: nothing at target" test -e "$R/b/f.txt"
check_not "rename into a dir without rename refused" batch <<EOF
rename b/g.txt a/g.txt
EOF
check "rename refused at target: file kept" test -f "$R/b/g.txt"
check_not "rename refused at target: nothing at target" test -e "$R/a/g.txt"
check "rename within a dir with rename allowed" batch <<EOF
rename b/g.txt b/h.txt
EOF
check "renamed within b" test -f "$R/b/h.txt"

# "/" itself can never be renamed or removed.
fresh
with "/:*"
check_not "rename of / refused" batch <<EOF
rename / /x
EOF
check_not "rmdir of / refused" batch <<EOF
rmdir /
EOF
check "root still there" test -f "$R/file.txt"

# ---- setstat_mode 1: chmod/chown/chtimes succeed but change nothing ----------
fresh
EXTRA='"setstat_mode":1'
with "/:*"
before=$(stat -c '%a %u:%g %Y' "$R/file.txt")
check "setstat_mode 1: chmod answers OK" batch <<EOF
chmod 600 file.txt
EOF
if [ "$(id -u)" = 0 ]; then
	check "setstat_mode 1: chown answers OK" batch <<EOF
chown 4321 file.txt
chgrp 4321 file.txt
EOF
fi
check "setstat_mode 1: put -p answers OK" batch <<EOF
put -p up.txt p.txt
EOF
check_eq "setstat_mode 1: mode, owner and mtime unchanged" \
	"$(stat -c '%a %u:%g %Y' "$R/file.txt")" "$before"
if [ "$(stat -c %Y "$R/p.txt")" = "$(stat -c %Y "$L/up.txt")" ]; then
	fail "setstat_mode 1: put -p times ignored"
else
	ok "setstat_mode 1: put -p times ignored"
fi
EXTRA=

# ---- umask applies to new files and dirs -------------------------------------
fresh
EXTRA='"umask":"0027"'
with "/:*"
check "umask: put and mkdir" batch <<EOF
put up.txt um.txt
mkdir umdir
EOF
check_eq "umask 0027: new file mode" "$(mode_of "$R/um.txt")" 640
check_eq "umask 0027: new dir mode" "$(mode_of "$R/umdir")" 750
EXTRA='"umask":"0077"'
with "/:*"
check "umask 0077: put and mkdir" batch <<EOF
put up.txt um2.txt
mkdir umdir2
EOF
check_eq "umask 0077: new file mode" "$(mode_of "$R/um2.txt")" 600
check_eq "umask 0077: new dir mode" "$(mode_of "$R/umdir2")" 700
EXTRA=

# ---- read_only refuses every change -------------------------------------------
fresh
EXTRA='"read_only":true'
denied "read_only put" "/:*" <<EOF
put up.txt ro.txt
EOF
denied "read_only rm" "/:*" <<EOF
rm file.txt
EOF
denied "read_only mkdir" "/:*" <<EOF
mkdir rodir
EOF
allowed "read_only get" "/:*" <<EOF
get file.txt ro-got.txt
EOF
EXTRA=

# ---- bad settings are refused, not guessed ------------------------------------
write_settings "$S" "$R" '"permissions":{"/":["list","frobnicate"]}'
check_not "unknown permission name refused" batch <<EOF
ls
EOF
write_settings "$S" "$R" '"umask":"999"'
check_not "bad umask refused" batch <<EOF
ls
EOF
echo '{"username": ' >"$S"
check_not "truncated settings JSON refused" batch <<EOF
ls
EOF

done_testing
