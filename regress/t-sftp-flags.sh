#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# OpenSSH sftp-server's command-line flags, which the worker accepts stand-alone
# (-d -e -f -l -R -p -P -Q -u -h), plus the "start_dir" setting. Without --root the
# worker serves the host tree like sftp-server, so the same checks run on both.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/sftp-lib.sh"

R=$T/root
L=$LOCAL
mkdir -p "$R/sub/deeper"
echo keep >"$R/keep.txt"
echo hello >"$L/up.txt"
chmod 644 "$L/up.txt"

# flags_batch "FLAGS": the batch on stdin with the server started as WORKER FLAGS.
flags_batch() {
	cat >"$T/batch"
	(cd "$L" && exec sftp -q -b "$T/batch" -D "$WORKER $1") >"$T/out" 2>"$T/err"
}

check "-d: start directory" flags_batch "-d $R/sub" <<EOF
pwd
put up.txt in-start-dir.txt
EOF
check "-d: pwd is the start directory" grep -q "^Remote working directory: $R/sub\$" "$T/out"
check "-d: relative paths start there" test -f "$R/sub/in-start-dir.txt"

check_not "-R: upload refused" flags_batch "-R -d $R" <<EOF
put up.txt ro.txt
EOF
check_not "-R: nothing written" test -e "$R/ro.txt"
check_not "-R: remove refused" flags_batch "-R -d $R" <<EOF
rm keep.txt
EOF
check "-R: file kept" test -f "$R/keep.txt"
check "-R: reading still works" flags_batch "-R -d $R" <<EOF
get keep.txt
EOF
check_eq "-R: downloaded content" "$(cat "$L/keep.txt")" keep

check "-u 077: put and mkdir" flags_batch "-u 077 -d $R" <<EOF
put up.txt umask.txt
mkdir umaskdir
EOF
check_eq "-u 077: file mode" "$(mode_of "$R/umask.txt")" 600
check_eq "-u 077: directory mode" "$(mode_of "$R/umaskdir")" 700
# -u takes 1 to 4 octal digits (common/io.h parse_umask): anything else is refused
# before a byte of the stream is read, naming the value.
for bad in 8 0778 00022 -022 +22 0x1f "" 22a 1000; do
	if "$WORKER" -u "$bad" </dev/null >/dev/null 2>"$T/u.err"; then
		fail "-u \"$bad\" refused" "accepted"
	else
		check "-u \"$bad\" refused with a message" grep -q "invalid umask \"$bad\"" "$T/u.err"
	fi
done

check_not "-P remove: rm refused" flags_batch "-P remove -d $R" <<EOF
rm keep.txt
EOF
check "-P remove: file kept" test -f "$R/keep.txt"
check "-P remove: other requests work" flags_batch "-P remove -d $R" <<EOF
put up.txt p-allowed.txt
EOF
check_not "-p without write: upload refused" \
	flags_batch "-p open,close,read,lstat,stat,fstat,realpath,opendir,readdir -d $R" <<EOF
put up.txt p-denied.txt
EOF
# "open" is allowed, so sftp-server creates the file; no byte may be written.
check_not "-p: no content written" test -s "$R/p-denied.txt"

if "$WORKER" -Q requests >"$T/q.out" 2>&1; then ok "-Q requests"; else fail "-Q requests" "$(cat "$T/q.out")"; fi
for r in open close read write lstat fstat setstat fsetstat opendir readdir remove mkdir \
	rmdir realpath stat rename readlink symlink posix-rename statvfs fstatvfs hardlink fsync; do
	grep -q -x "$r" "$T/q.out" || fail "-Q requests lists $r"
done
check_not "-Q with an unknown feature fails" "$WORKER" -Q frobnicate

check "-e -l DEBUG3 -f LOCAL0 accepted" flags_batch "-e -l DEBUG3 -f LOCAL0 -d $R" <<EOF
ls
EOF
check_not "an unknown flag is refused" flags_batch "-Z -d $R" <<EOF
ls
EOF
check_not "-l with an unknown level is refused" flags_batch "-l NOISY -d $R" <<EOF
ls
EOF
check "-h prints the usage" sh -c '"$0" -h 2>&1 | grep -q -i usage' "$WORKER"

# start_dir (settings): the virtual directory the session starts in.
if [ "$STOCK" = 0 ]; then
	write_settings "$T/s.json" "$R" '"start_dir":"/sub/deeper"'
	check "start_dir setting" sftp_batch "$R" "$T/s.json" <<EOF
pwd
put up.txt from-start.txt
EOF
	check "start_dir: pwd" grep -q '^Remote working directory: /sub/deeper$' "$T/out"
	check "start_dir: relative paths start there" test -f "$R/sub/deeper/from-start.txt"
	write_settings "$T/s.json" "$R" '"start_dir":"/../../etc"'
	sftp_batch "$R" "$T/s.json" <<EOF
pwd
EOF
	check_not "start_dir cannot leave the root" grep -q -F "$R" "$T/out"
	# sftpgo-worker has no object store (sftpgo-worker-cloud has, see t-sandbox)
	write_settings "$T/s.json" "$R" '"fs_provider":1,"s3_bucket":"b","s3_region":"us-east-1"'
	check_not "settings naming a bucket: sftpgo-worker refuses them" sftp_batch "$R" "$T/s.json" <<EOF
pwd
EOF
	check "and says to run sftpgo-worker-cloud" grep -q 'local directories only: run sftpgo-worker-cloud' "$T/err"
fi

check_no_sanitizer flags
done_testing
