#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Differential test: the same batches run against OpenSSH's sftp-server (-d R1)
# and against the worker (--root R2) on identical trees. For operations inside
# the root the client must see the same thing: same listing (modulo the host
# path prefix sftp-server shows), same success or failure, same resulting tree.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/sftp-lib.sh"
need_ours
REF=${SFTPGO_TEST_REFERENCE:-/usr/lib/openssh/sftp-server}
[ -x "$REF" ] || skip_all "no reference server $REF"

R1=$T/ref
R2=$T/ours
S=$T/settings.json
write_settings "$S" "$R2"

make_tree() {
	rm -rf "$1"
	mkdir -p "$1/dir/sub" "$1/empty"
	echo hello >"$1/file.txt"
	echo inner >"$1/dir/sub/inner.txt"
	printf 'x%.0s' $(seq 1 300) >"$1/dir/big.txt"
	ln -s dir "$1/dirlink"
	ln -s file.txt "$1/filelink"
	ln -s no-such-target "$1/dangling"
	touch -h -d '2020-01-02 03:04:05' "$1"/* "$1"/dir/* "$1"/dir/sub/*
	chmod 640 "$1/file.txt"
}

# tree_of DIR: what the tree holds (names, types, modes, sizes, link targets,
# content hashes), independent of where it lives.
tree_of() {
	(cd "$1" && find . -mindepth 1 | sort | while read -r p; do
		if [ -L "$p" ]; then
			echo "$p l $(readlink "$p")"
		elif [ -f "$p" ]; then
			echo "$p f $(stat -c '%a %s' "$p") $(hash_of "$p")"
		else
			echo "$p d $(stat -c %a "$p")"
		fi
	done)
}

fresh_local() {
	rm -rf "$LOCAL"
	mkdir -p "$LOCAL/src/deep"
	echo src >"$LOCAL/src/a.txt"
	echo deep >"$LOCAL/src/deep/b.txt"
}

# run_both NAME: the batch on stdin against both servers; compares.
run_both() {
	cat >"$T/$1.batch"
	make_tree "$R1"
	make_tree "$R2"
	fresh_local
	(cd "$LOCAL" && sftp -q -b "$T/$1.batch" -D "$REF -d $R1") >"$T/$1.ref.out" 2>"$T/$1.ref.err"
	rc1=$?
	tree_of "$LOCAL" >"$T/$1.ref.local"
	fresh_local
	(cd "$LOCAL" && sftp -q -b "$T/$1.batch" -D "$WORKER --root $R2 --settings $S") \
		>"$T/$1.our.out" 2>"$T/$1.our.err"
	rc2=$?
	tree_of "$LOCAL" >"$T/$1.our.local"
	check_eq "$1: same batch status" "$rc2" "$rc1"
	# sftp-server shows host paths under -d; ours shows virtual ones.
	# Files uploaded during a batch carry "Mon DD HH:MM" of the run, and the two
	# runs may straddle a minute; stamped (old) dates keep their year and still
	# have to match.
	recent='s/ [A-Z][a-z][a-z] [ 0-9][0-9] [0-9][0-9]:[0-9][0-9] / <recent> /'
	sed -e "s|$R1/|/|g" -e "s|$R1|/|g" -e "$recent" "$T/$1.ref.out" >"$T/$1.ref.norm"
	sed -e "$recent" "$T/$1.our.out" >"$T/$1.our.norm"
	if cmp -s "$T/$1.ref.norm" "$T/$1.our.norm"; then ok "$1: same output"; else
		fail "$1: same output" "$(diff "$T/$1.ref.norm" "$T/$1.our.norm" | head -n 8 | tr '\n' '|')"
	fi
	if [ "$(tree_of "$R1")" = "$(tree_of "$R2")" ]; then ok "$1: same remote tree"; else
		fail "$1: same remote tree" \
			"$(diff "$(tree_of "$R1" >"$T/t1"; echo "$T/t1")" \
				"$(tree_of "$R2" >"$T/t2"; echo "$T/t2")" | head -n 8 | tr '\n' '|')"
	fi
	if cmp -s "$T/$1.ref.local" "$T/$1.our.local"; then ok "$1: same local files"; else
		fail "$1: same local files" "$(diff "$T/$1.ref.local" "$T/$1.our.local" | head -n 6 | tr '\n' '|')"
	fi
	check_no_sanitizer "$1"
}

# Listings: long names carry no dates that differ (trees are stamped alike).
run_both ls <<EOF
ls -1
ls -1a
ls -l
ls -ln
ls -l dir
ls -l dir/
ls -l dirlink
ls -l dirlink/
ls -l dir/sub/inner.txt
ls -1 */*
ls -1S dir
-ls -l no-such
-ls -l dangling
EOF

run_both get <<EOF
get file.txt
get filelink
get dirlink/big.txt
get -r dir
-get dangling
-get empty
get -r empty
EOF

run_both modify <<EOF
put -r src newsub
mkdir m1
rename file.txt m1/moved.txt
rename filelink m1/movedlink
ln dir/big.txt hard.txt
ln -s dir/big.txt soft.txt
chmod 600 dir/big.txt
chmod 700 dir/sub
rm dir/sub/inner.txt
rmdir dir/sub
-rmdir dir
-rm empty
-mkdir file.txt
-rename no-such x
-rm dangling
EOF

run_both paths <<EOF
cd dir
pwd
cd sub
pwd
cd ../..
pwd
-cd filelink
-cd no-such
pwd
cd /
pwd
EOF

# Awkward names: spaces, quotes, glob characters, a leading dash, UTF-8, 255 bytes.
# The client formats "ls -l" itself (users-groups-by-id) and prints a year for an
# mtime later than its time(), which reads the coarse clock; the kernel may stamp a
# file up to a tick ahead of it (multigrain timestamps), so the listing waits a
# second rather than fail on the rare write that lands on a second boundary.
LONGNAME=$(printf 'n%.0s' $(seq 1 255))
mkname() {
	for n in "with space.txt" "quote'single.txt" 'quote"double.txt' "star*name.txt" \
		"q?mark.txt" "[brackets].txt" "-dash.txt" "ünïcödé.txt" "$LONGNAME"; do
		echo "$n" >"$1/$n"
	done
}
mkdir -p "$T/names"
mkname "$T/names"
run_both names <<EOF
lcd $T/names
put "with space.txt"
put "quote'single.txt"
put 'quote"double.txt'
put star*name.txt
put q?mark.txt
put ?brackets?.txt
put ./-dash.txt
put ünïcödé.txt
put $LONGNAME
ls -1
rename "with space.txt" "still space.txt"
get "still space.txt" got-space.txt
rm star*name.txt
-put $LONGNAME ${LONGNAME}x
!sleep 1
ls -l
EOF

# The one intended difference: REALPATH is lexical (SFTPGo, compat-facts.md), so
# the client's cwd stays on the symlink's name where sftp-server resolves it.
make_tree "$R2"
check "lexical realpath: cd through a symlink" sftp_batch "$R2" "$S" <<EOF
cd dirlink
pwd
ls -1
EOF
check "lexical realpath: pwd keeps the link name" grep -q '^Remote working directory: /dirlink$' "$T/out"
check "lexical realpath: the listing is the target's" grep -q 'big.txt' "$T/out"

done_testing
