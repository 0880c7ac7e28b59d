#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Every command of OpenSSH's sftp client, in batch mode, against the worker started
# by `sftp -D`; results are checked on disk (content hashes, modes, owners, links).
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/sftp-lib.sh"

R=$T/root
mkdir -p "$R"
S=$T/settings.json
write_settings "$S" "$R"
[ "$STOCK" = 1 ] && S=
L=$LOCAL

batch() { sftp_batch "$R" "$S"; }

# put / get
make_data "$L/up.bin" 300
check "put" batch <<EOF
put up.bin
EOF
check_eq "put: content on disk" "$(hash_of "$R/up.bin")" "$(hash_of "$L/up.bin")"
make_data "$R/down.bin" 200
check "get" batch <<EOF
get down.bin got.bin
EOF
check_eq "get: content" "$(hash_of "$L/got.bin")" "$(hash_of "$R/down.bin")"

# put to a new name, into a directory, and overwrite an existing file
make_data "$L/second.bin" 70
check "put over an existing file" batch <<EOF
put second.bin up.bin
EOF
check_eq "put overwrote the content" "$(hash_of "$R/up.bin")" "$(hash_of "$L/second.bin")"
check_eq "overwrite truncated to the new size" "$(stat -c %s "$R/up.bin")" 71680

# reget / reput (resume)
make_data "$R/big.bin" 640
head -c 100000 "$R/big.bin" >"$L/part.bin"
check "reget" batch <<EOF
reget big.bin part.bin
EOF
check_eq "reget completed the file" "$(hash_of "$L/part.bin")" "$(hash_of "$R/big.bin")"
make_data "$L/big2.bin" 640
head -c 123457 "$L/big2.bin" >"$R/big2.bin"
check "reput" batch <<EOF
reput big2.bin
EOF
check_eq "reput completed the file" "$(hash_of "$R/big2.bin")" "$(hash_of "$L/big2.bin")"
check "get -a (resume alias)" batch <<EOF
get -a big.bin part.bin
EOF

# rename (also onto an existing file: posix-rename)
h=$(hash_of "$R/down.bin")
check "rename" batch <<EOF
rename down.bin moved.bin
EOF
check_eq "rename moved the content" "$(hash_of "$R/moved.bin")" "$h"
check_not "rename: old name gone" test -e "$R/down.bin"
echo other >"$R/victim.txt"
echo mover >"$R/mover.txt"
check "rename onto an existing file" batch <<EOF
rename mover.txt victim.txt
EOF
check_eq "rename replaced the target" "$(cat "$R/victim.txt")" mover

# ln (hardlink extension) and ln -s
check "ln (hardlink)" batch <<EOF
ln moved.bin hard.bin
EOF
check_eq "hardlink: same inode" "$(stat -c %i "$R/hard.bin")" "$(stat -c %i "$R/moved.bin")"
check_eq "hardlink: link count 2" "$(stat -c %h "$R/moved.bin")" 2
check "ln -s" batch <<EOF
ln -s moved.bin sym.bin
get sym.bin viasym.bin
EOF
check "ln -s made a symlink" test -L "$R/sym.bin"
check_eq "get through the symlink" "$(hash_of "$L/viasym.bin")" "$h"
check "symlink (long form)" batch <<EOF
symlink moved.bin sym2.bin
EOF
check "symlink made" test -L "$R/sym2.bin"

# chmod / chown / chgrp
check "chmod" batch <<EOF
chmod 600 moved.bin
EOF
check_eq "chmod 600 on disk" "$(mode_of "$R/moved.bin")" 600
mkdir "$R/cd1"
check "chmod on a directory" batch <<EOF
chmod 750 cd1
EOF
check_eq "chmod 750 on the directory" "$(mode_of "$R/cd1")" 750
if [ "$(id -u)" = 0 ]; then
	check "chown" batch <<EOF
chown 1234 moved.bin
EOF
	check_eq "chown on disk" "$(stat -c %u "$R/moved.bin")" 1234
	check "chgrp" batch <<EOF
chgrp 4321 moved.bin
EOF
	check_eq "chown+chgrp on disk" "$(owner_of "$R/moved.bin")" 1234:4321
fi
check_not "chmod of a missing file fails" batch <<EOF
chmod 644 no-such-file
EOF

# mkdir / rmdir / rm
check "mkdir, put into it, rm, rmdir" batch <<EOF
mkdir d1
mkdir d1/d2
put up.bin d1/d2/inner.bin
EOF
check "mkdir made d1/d2" test -d "$R/d1/d2"
check_eq "put into a sub-directory" "$(hash_of "$R/d1/d2/inner.bin")" "$(hash_of "$L/up.bin")"
check_not "rmdir of a non-empty directory fails" batch <<EOF
rmdir d1/d2
EOF
check "rmdir refused left the content" test -f "$R/d1/d2/inner.bin"
check "rm then rmdir" batch <<EOF
rm d1/d2/inner.bin
rmdir d1/d2
EOF
check_not "rm removed the file" test -e "$R/d1/d2/inner.bin"
check_not "rmdir removed the directory" test -e "$R/d1/d2"
check_not "rm of a missing file fails" batch <<EOF
rm no-such-file
EOF
check "a '-' prefix ignores an error and goes on" batch <<EOF
-rm no-such-file
mkdir after-error
EOF
check "the command after the ignored error ran" test -d "$R/after-error"
check_not "mkdir over an existing directory fails" batch <<EOF
mkdir after-error
EOF
check_not "rmdir of a file fails" batch <<EOF
rmdir moved.bin
EOF
check "rmdir refused left the file" test -f "$R/moved.bin"

# ls -l, ls -la, ls with glob
touch "$R/.hidden"
check "ls -l" batch <<EOF
ls -l
EOF
check "ls -l lists moved.bin with its size" grep -q "$(stat -c %s "$R/moved.bin").*moved.bin" "$T/out"
check_not "ls -l hides dot files" grep -q '\.hidden' "$T/out"
check "ls -la" batch <<EOF
ls -la
EOF
check "ls -la shows dot files" grep -q '\.hidden' "$T/out"
check "ls -la shows mode bits" grep -q '^-rw-------' "$T/out"
check "ls -1 with a glob" batch <<EOF
ls -1 *.bin
EOF
check "glob matched big.bin" grep -q 'big.bin' "$T/out"
check_not "glob did not match victim.txt" grep -q 'victim.txt' "$T/out"
check_not "ls of a missing path fails" batch <<EOF
ls no-such-dir
EOF

# get/put recursive, preserving
mkdir -p "$L/tree/a/b"
make_data "$L/tree/a/b/f1" 5
make_data "$L/tree/f2" 3
check "put -r" batch <<EOF
put -r tree
EOF
check "put -r copied the tree" diff -r "$L/tree" "$R/tree"
check "get -r" batch <<EOF
lmkdir back
get -r tree back/tree
EOF
check "get -r copied the tree" diff -r "$R/tree" "$L/back/tree"
touch -d '2001-02-03 04:05:06' "$R/big.bin"
chmod 640 "$R/big.bin"
check "get -p" batch <<EOF
get -p big.bin kept.bin
EOF
check_eq "get -p kept mtime" "$(stat -c %Y "$L/kept.bin")" "$(stat -c %Y "$R/big.bin")"
check_eq "get -p kept mode" "$(mode_of "$L/kept.bin")" 640
touch -d '2002-03-04 05:06:07' "$L/second.bin"
chmod 604 "$L/second.bin"
check "put -p" batch <<EOF
put -p second.bin kept2.bin
EOF
check_eq "put -p set mtime (chtimes)" "$(stat -c %Y "$R/kept2.bin")" "$(stat -c %Y "$L/second.bin")"
check_eq "put -p set mode" "$(mode_of "$R/kept2.bin")" 604
check "get of several files with a glob" batch <<EOF
lmkdir globbed
get *.txt globbed/
EOF
check "glob get fetched victim.txt" test -f "$L/globbed/victim.txt"

# cd / lcd / pwd / lpwd / lls / lmkdir
mkdir -p "$R/sub/deeper"
check "cd, pwd, put relative to the cwd" batch <<EOF
cd sub
pwd
put up.bin in-sub.bin
cd deeper
cd ..
pwd
EOF
check "pwd shows the remote sub-directory" grep -q 'Remote working directory: .*/sub$' "$T/out"
check "put after cd landed in sub" test -f "$R/sub/in-sub.bin"
check_not "cd into a missing directory fails" batch <<EOF
cd no-such-dir
EOF
check_not "cd into a file fails" batch <<EOF
cd moved.bin
EOF
check "lmkdir, lcd, lpwd, lls, get" batch <<EOF
lmkdir ldir
lcd ldir
lpwd
get moved.bin
lls -l
EOF
check "lpwd shows the local directory" grep -q "Local working directory: $L/ldir" "$T/out"
check "get after lcd landed in ldir" test -f "$L/ldir/moved.bin"
check "lls listed the fetched file" grep -q 'moved.bin' "$T/out"

# df (statvfs extension), version, progress, help, lumask, shell escape
check "df" batch <<EOF
df
df -h
df -i
EOF
check "df printed a table" grep -q 'Avail' "$T/out"
check "df -i printed inodes" grep -q 'Inodes' "$T/out"
check "version" batch <<EOF
version
EOF
check "version reports protocol 3" grep -q 'SFTP protocol version 3' "$T/out"
check "progress toggles" batch <<EOF
progress
progress
EOF
check "progress printed its state" grep -q 'Progress meter' "$T/out"
check "help" batch <<EOF
help
?
EOF
check "help listed commands" grep -q 'reput' "$T/out"
check "lumask then put" batch <<EOF
lumask 077
put up.bin umasked.bin
EOF
check "local shell escape" batch <<EOF
!echo shell-ran > shell.out
EOF
check "the shell escape ran locally" grep -q shell-ran "$L/shell.out"

# Unknown commands and bad arguments are client-side errors; the session goes on.
check_not "an unknown command fails the batch" batch <<EOF
frobnicate x
EOF
check_not "get of a missing file fails" batch <<EOF
get no-such-file
EOF
check_not "get of a directory without -r fails" batch <<EOF
get sub
EOF
check_not "put of a missing local file fails" batch <<EOF
put no-such-local-file
EOF
check_not "no local file was made by the failed get" test -e "$L/no-such-file"

# scp in SFTP mode runs the server itself ("scp -D PROG" starts PROG with
# "-- HOST sftp", like ssh would): sftp-server ignores those operands, so must we.
# Plain sftp-server mode: root "/", paths are host paths.
make_data "$L/scp.bin" 50
check "scp -s -D: upload" scp -q -s -D "$WORKER" "$L/scp.bin" "localhost:$R/scp-up.bin"
check_eq "scp upload content" "$(hash_of "$R/scp-up.bin" 2>/dev/null)" "$(hash_of "$L/scp.bin")"
check "scp -s -D: download" scp -q -s -D "$WORKER" "localhost:$R/scp-up.bin" "$L/scp-down.bin"
check_eq "scp download content" "$(hash_of "$L/scp-down.bin" 2>/dev/null)" "$(hash_of "$L/scp.bin")"
check "scp -s -D: recursive upload" scp -q -r -s -D "$WORKER" "$L/tree" "localhost:$R/scptree"
check "scp recursive upload copied the tree" diff -r "$L/tree" "$R/scptree"

# A symlink to a directory named with a trailing slash is the directory (POSIX
# path resolution; sftp-server lists the content): "ls -l dirlink/".
mkdir -p "$R/realdir"
echo x >"$R/realdir/in-realdir.txt"
ln -s realdir "$R/dirlink"
check "ls -l of a symlinked directory with a trailing slash" batch <<EOF
ls -l dirlink/
EOF
check "trailing slash: the listing is the directory's content" grep -q 'in-realdir.txt' "$T/out"

# The smallest max_packet: the client learns it from limits@openssh.com and
# sizes its reads and writes to fit; transfers still work.
if [ "$STOCK" = 0 ]; then
	write_settings "$T/small.json" "$R" '"max_packet":34816,"max_handles":4'
	make_data "$L/small-pkt.bin" 1024
	check "max_packet 34816: put and get" sftp_batch "$R" "$T/small.json" <<EOF
put small-pkt.bin
get small-pkt.bin small-pkt.back
EOF
	check_eq "max_packet 34816: upload content" "$(hash_of "$R/small-pkt.bin")" "$(hash_of "$L/small-pkt.bin")"
	check_eq "max_packet 34816: download content" "$(hash_of "$L/small-pkt.back")" "$(hash_of "$L/small-pkt.bin")"
	check "max_handles 4: a recursive put of many files still works" sftp_batch "$R" "$T/small.json" <<EOF
put -r tree tree-small-handles
EOF
	check "max_handles 4: tree copied" diff -r "$L/tree" "$R/tree-small-handles"
	# Bandwidth limits change only the pace (not asserted: no timing checks),
	# never the bytes.
	write_settings "$T/bw.json" "$R" '"upload_bandwidth":20000,"download_bandwidth":20000'
	check "bandwidth limits: put and get" sftp_batch "$R" "$T/bw.json" <<EOF
put small-pkt.bin bw.bin
get bw.bin bw.back
EOF
	check_eq "bandwidth limits: upload content" "$(hash_of "$R/bw.bin")" "$(hash_of "$L/small-pkt.bin")"
	check_eq "bandwidth limits: download content" "$(hash_of "$L/bw.back")" "$(hash_of "$L/small-pkt.bin")"
fi

check_no_sanitizer cmds
done_testing
