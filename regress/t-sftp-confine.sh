#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Root confinement (--root DIR, not chrooted): one block per trick. Each asserts
# that the files outside the root are neither read (content never reaches the
# client; atime untouched), nor changed (content, mtime, ctime, mode, owner,
# link count), nor revealed (no host path of the root in any answer).
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/sftp-lib.sh"
need_ours

R=$T/root
O=$T/outside
mkdir -p "$R/sub" "$O/odir"
SECRET=TOPSECRET-$$-outside
S=$T/settings.json
write_settings "$S" "$R"

# Outside: a file and a directory with a file. Writes are only ever aimed at
# these (never at /etc/passwd: other tests on this machine change it).
echo "$SECRET" >"$O/secret.txt"
echo "$SECRET" >"$O/odir/file.txt"
echo "$SECRET" >"$O/swapfile.txt"
chmod 640 "$O/secret.txt"
echo inside >"$R/inside.txt"
make_data "$LOCAL/up.bin" 4

# Links an admin (or a previous tenant) left inside the root.
ln -s "$O/secret.txt" "$R/abs_link"
ln -s ../outside/secret.txt "$R/rel_link"
ln -s "$O" "$R/absdir_link"
ln -s ../outside "$R/reldir_link"
ln -s ../../../../../../../.. "$R/sub/up_link"

# Old atimes: a read of an outside file moves them (relatime), which we can see.
touch -a -d '2000-01-01 00:00:00' "$O/secret.txt" "$O/odir/file.txt" "$O/swapfile.txt"
# Stat stamps (with atime) and content hashes; read with O_NOATIME so that taking
# the snapshot does not itself move the atimes it watches.
snapshot() {
	python3 - "$O" <<'PY'
import hashlib, os, sys
top = sys.argv[1]
for d, dirs, files in sorted(os.walk(top)):
    dirs.sort()
    for name in ["."] + sorted(files):
        p = os.path.join(d, name)
        st = os.lstat(p)
        h = ""
        atime = st.st_atime_ns
        if os.path.isdir(p):
            atime = 0  # our own walk moves it; listings are checked by output
        if os.path.isfile(p) and not os.path.islink(p):
            fd = os.open(p, os.O_RDONLY | os.O_NOATIME)
            with os.fdopen(fd, "rb") as f:
                h = hashlib.sha256(f.read()).hexdigest()
        print(os.path.relpath(p, top), oct(st.st_mode), st.st_uid, st.st_gid, st.st_nlink,
              st.st_size, atime, st.st_mtime_ns, st.st_ctime_ns, h)
PY
}
snapshot >"$T/outside.before"

# after_trick NAME: nothing outside changed or was read; no secret reached the
# client; the root's host path was never revealed.
after_trick() {
	snapshot >"$T/outside.after"
	if cmp -s "$T/outside.before" "$T/outside.after"; then
		ok "$1: outside untouched and unread"
	else
		diff "$T/outside.before" "$T/outside.after" >"$T/diff.$1"
		fail "$1: outside untouched and unread" \
			"now: $(grep '^>' "$T/diff.$1" | sed "s|$O||" | tr '\n' ' ' | cut -c1-600)"
		snapshot >"$T/outside.before"
	fi
	if grep -r -l -q "$SECRET" "$LOCAL" 2>/dev/null; then
		fail "$1: no outside content reached the client" "$(grep -r -l "$SECRET" "$LOCAL")"
		grep -r -l "$SECRET" "$LOCAL" | xargs rm -f
	else
		ok "$1: no outside content reached the client"
	fi
	if grep -r -l -q -e '^root:.*:0:0:' "$LOCAL" 2>/dev/null; then
		fail "$1: host /etc/passwd not read" "$(grep -r -l -e '^root:.*:0:0:' "$LOCAL")"
		grep -r -l -e '^root:.*:0:0:' "$LOCAL" | xargs rm -f
	fi
	# Batch mode echoes the commands ("sftp> ..."); only answers count. The
	# "absolute" trick names the root's host path itself, so it is not checked.
	if [ "$1" != absolute ] && grep -h -v '^sftp>' "$T/out" "$T/err" | grep -q -F "$R"; then
		fail "$1: host path of the root never revealed" \
			"$(grep -h -v '^sftp>' "$T/out" "$T/err" | grep -m1 -F "$R")"
	fi
	check_no_sanitizer "$1"
}

# Each command on its own line with "-" so a refused one does not stop the rest.
run() { sftp_batch "$R" "$S"; }

# 1. ".." in every position
run <<EOF
-get ../outside/secret.txt dd1
-get ../../../../../../../../etc/passwd dd2
-get sub/../../outside/secret.txt dd3
-get ./../outside/odir/file.txt dd4
-put up.bin ../outside/planted.bin
-put up.bin ../outside/secret.txt
-rm ../outside/secret.txt
-rename ../outside/secret.txt stolen.txt
-chmod 777 ../outside/secret.txt
-mkdir ../outside/newdir
-rmdir ../outside/odir
-ls -la ../outside
-ls -la ../../..
EOF
check_not "dotdot: listing did not show outside names" sh -c 'grep -v "^sftp>" "$0" | grep -q "secret.txt\|odir"' "$T/out"
after_trick dotdot

# 2. absolute host paths
run <<EOF
-get $O/secret.txt ab1
-get /etc/passwd ab2
-get $R/inside.txt ab3
-put up.bin $O/planted.bin
-put up.bin $O/secret.txt
-rm $O/secret.txt
-chmod 777 $O/secret.txt
-ls -la $O
-ls -la /etc
EOF
check_not "absolute: listing did not show outside names" sh -c 'grep -v "^sftp>" "$0" | grep -q "secret.txt\|passwd"' "$T/out"
check_not "absolute: the root's host path is not a path inside it" test -e "$LOCAL/ab3"
after_trick absolute

# 3. absolute symlinks placed by the admin
run <<EOF
-get abs_link as1
-get absdir_link/secret.txt as2
-get absdir_link/odir/file.txt as3
-put up.bin absdir_link/planted.bin
-put up.bin abs_link
-ls -la absdir_link
-ls -la absdir_link/
-cd absdir_link
-get secret.txt as4
EOF
check_not "admin absolute symlink: listing did not show outside names" sh -c 'grep -v "^sftp>" "$0" | grep -q "secret.txt\|odir"' "$T/out"
after_trick admin-absolute-symlink

# 4. relative symlinks placed by the admin
run <<EOF
-get rel_link rs1
-get reldir_link/secret.txt rs2
-get sub/up_link/$O/secret.txt rs3
-get sub/up_link/etc/passwd rs4
-put up.bin reldir_link/planted.bin
-put up.bin rel_link
-ls -la reldir_link
-ls -la sub/up_link/
EOF
check_not "admin relative symlink: listing did not show outside names" sh -c 'grep -v "^sftp>" "$0" | grep -q "secret.txt\|odir"' "$T/out"
after_trick admin-relative-symlink

# 5. symlinks the client makes itself
run <<EOF
-ln -s /etc/passwd cl_passwd
-get cl_passwd cs1
-ln -s $O/secret.txt cl_abs
-get cl_abs cs2
-ln -s ../../outside cl_rel
-get cl_rel/secret.txt cs3
-ln -s ../../../../../../../../.. cl_up
-get cl_up/$O/secret.txt cs4
-get cl_up/etc/passwd cs5
-put up.bin cl_abs
-put up.bin cl_rel/planted.bin
EOF
after_trick client-symlink

# 6. a symlink in a middle path component
mkdir -p "$R/m1/m2"
ln -s "$O" "$R/m1/m2/mid"
ln -s ../.. "$R/m1/m2/back"
run <<EOF
-get m1/m2/mid/secret.txt mm1
-get m1/m2/mid/odir/file.txt mm2
-get m1/m2/back/../outside/secret.txt mm3
-put up.bin m1/m2/mid/odir/planted.bin
-mkdir m1/m2/mid/newdir
-rm m1/m2/mid/odir/file.txt
-ls -la m1/m2/mid/odir
EOF
check_not "middle symlink: listing did not show outside names" sh -c 'grep -v "^sftp>" "$0" | grep -q "file.txt"' "$T/out"
after_trick middle-symlink

# 7. hardlinks to an outside file through the hardlink extension
run <<EOF
-ln $O/secret.txt hl1
-get hl1 hg1
-ln ../outside/secret.txt hl2
-get hl2 hg2
-ln absdir_link/secret.txt hl3
-get hl3 hg3
-ln rel_link hl4
-get hl4 hg4
-ln inside.txt absdir_link/hl5
EOF
check_eq "hardlink: outside file link count still 1" "$(stat -c %h "$O/secret.txt")" 1
check_not "hardlink: nothing planted outside" test -e "$O/hl5"
after_trick hardlink

# 8. rename: a symlink's target, into and out of a symlinked dir
run <<EOF
-rename absdir_link/secret.txt rn1
-rename rel_link/ rn2
-rename reldir_link/odir rn3
-rename inside.txt absdir_link/planted.txt
-rename inside.txt reldir_link/odir/file.txt
-rename abs_link moved_abs_link
-get moved_abs_link rg1
EOF
check "rename: inside file not moved outside" test -f "$R/inside.txt"
check_not "rename: nothing planted outside" test -e "$O/planted.txt"
after_trick rename

# 9. setstat (chmod/chown/chgrp/times) through symlinks
run <<EOF
-chmod 777 abs_link
-chmod 777 rel_link
-chmod 777 absdir_link/secret.txt
-chmod 777 reldir_link
-chmod 777 sub/up_link/$O/secret.txt
-chown 1234 abs_link
-chgrp 1234 rel_link
-chown 1234 absdir_link/odir
-put -p up.bin abs_link
EOF
after_trick setstat-through-symlink

# 10. remove through symlinks
run <<EOF
-rm absdir_link/secret.txt
-rm reldir_link/odir/file.txt
-rmdir absdir_link/odir
-rmdir reldir_link/odir
-rm sub/up_link/$O/secret.txt
-rm abs_link
EOF
check_not "remove: rm of the link itself removed only the link" test -e "$R/abs_link"
after_trick remove-through-symlink

# 11. REALPATH: the client only ever sees virtual paths
run <<EOF
pwd
cd ..
pwd
cd ../../..
pwd
cd sub
pwd
-cd sub/up_link
pwd
-cd absdir_link
pwd
-cd reldir_link
pwd
ls -la /
EOF
check "listing goes on past symlinks that point outside" \
	sh -c 'grep -q "inside.txt" "$0" && grep -q "absdir_link" "$0" && grep -q "sub" "$0"' "$T/out"
check "realpath: pwd is / at the start" grep -q '^Remote working directory: /$' "$T/out"
check "realpath: cd sub gives /sub" grep -q '^Remote working directory: /sub$' "$T/out"
check_not "realpath: no answer names the host root" grep -q -F "$R" "$T/out"
check_not "realpath: no answer names the host tree" grep -q -F "$T" "$T/out"
after_trick realpath

# Confinement must not over-block: links that stay inside the root work,
# absolute ones included (they are read as virtual paths).
mkdir -p "$R/real"
echo "inside data" >"$R/real/data.txt"
ln -s /real/data.txt "$R/in_abs"
ln -s real "$R/in_rel"
run <<EOF
get in_abs ok1
get in_rel/data.txt ok2
ln -s /real/data.txt cl_in_abs
get cl_in_abs ok3
ln -s ../../../real cl_in_up
get cl_in_up/data.txt ok4
EOF
for f in ok1 ok2 ok3 ok4; do
	check_eq "inside links work: $f" "$(cat "$LOCAL/$f" 2>/dev/null)" "inside data"
done
after_trick inside-links

# 12. A symlink-swap race: "swap" flips between a real directory and symlinks
# that point outside while the client keeps fetching swap/swapfile.txt.
mkdir "$R/swapreal"
echo SAFE >"$R/swapreal/swapfile.txt"
(
	trap 'exit 0' TERM
	while :; do
		rm -rf "$R/swap"
		mkdir "$R/swap" 2>/dev/null && echo SAFE >"$R/swap/swapfile.txt"
		sleep 0.005 # linger in the safe states too, so both kinds of get happen
		rm -rf "$R/swap"
		ln -s "$O" "$R/swap"
		ln -sfn ../outside "$R/swap.new" && mv -T "$R/swap.new" "$R/swap"
		ln -sfn swapreal "$R/swap.new" && mv -T "$R/swap.new" "$R/swap"
		sleep 0.005
		ln -sfn "$O" "$R/swap.new" && mv -T "$R/swap.new" "$R/swap"
	done
) &
swapper=$!
trap 'kill $swapper 2>/dev/null' EXIT
trap 'exit 1' INT TERM HUP # so that the EXIT trap runs on a signal too
i=0
: >"$T/race.batch"
while [ $i -lt 300 ]; do
	echo "-get swap/swapfile.txt race$i" >>"$T/race.batch"
	i=$((i + 1))
done
run <"$T/race.batch"
cp "$T/err" "$T/race-get.err"
# The same race for writes: the outside swapfile.txt must never be written.
echo "from the client" >"$LOCAL/race-up.txt"
: >"$T/race-put.batch"
i=0
while [ $i -lt 150 ]; do
	echo "-put race-up.txt swap/swapfile.txt" >>"$T/race-put.batch"
	i=$((i + 1))
done
run <"$T/race-put.batch"
kill $swapper
wait $swapper 2>/dev/null
trap - EXIT INT TERM HUP
got=$(cat "$LOCAL"/race* 2>/dev/null | grep -c SAFE)
echo "# swap race: $got of 300 gets returned the inside file"
after_trick symlink-swap-race

done_testing
