#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Uid mapping (run as root): settings with the uid/gid of a throwaway system user.
# Files the client creates belong to that uid/gid, the worker process runs with
# those ids (real, effective, saved, fs; no extra groups), and the kernel applies
# them: a root-only file inside the root stays unreadable.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/sftp-lib.sh"
need_ours
[ "$(id -u)" = 0 ] || skip_all "uid mapping needs root"
command -v useradd >/dev/null 2>&1 || skip_all "no useradd"

USER_NAME=sftpgot$$
cleanup() { userdel "$USER_NAME" >/dev/null 2>&1; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP # so that the EXIT trap runs on a signal too
# Other tests on this machine may hold the passwd lock for a moment: retry.
n=0
until useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$USER_NAME" 2>"$T/useradd.err"; do
	n=$((n + 1))
	[ $n -lt 10 ] || { fail "useradd $USER_NAME" "$(cat "$T/useradd.err")"; done_testing; exit 1; }
	sleep 1
done
U=$(id -u "$USER_NAME")
G=$(id -g "$USER_NAME")

R=$T/root
S=$T/settings.json
L=$LOCAL
mkdir -p "$R/rootonly"
chown "$U:$G" "$R"
echo secret >"$R/root600.txt"
chmod 600 "$R/root600.txt"
chmod 755 "$R/rootonly"
make_data "$L/up.bin" 20
write_settings "$S" "$R" "\"uid\":$U,\"gid\":$G"

# The shell escape runs as a child of sftp, beside the worker: it records the
# ids of every sibling process while the session is open.
check "uploads and a look at the worker's ids" sftp_batch "$R" "$S" <<EOF
put up.bin mine.bin
mkdir mydir
!for p in \$(pgrep -P \$PPID); do grep -E '^(Name|Uid|Gid|Groups):' /proc/\$p/status; done >$T/ids.txt
EOF
check_eq "uploaded file owned by the mapped uid/gid" "$(owner_of "$R/mine.bin")" "$U:$G"
check_eq "new directory owned by the mapped uid/gid" "$(owner_of "$R/mydir")" "$U:$G"
check_eq "uploaded content" "$(hash_of "$R/mine.bin")" "$(hash_of "$L/up.bin")"

# The worker is the sibling that is not the shell running the escape.
wname=$(basename "$WORKER" | cut -c1-15)
ids=$(grep -A3 "^Name:[[:space:]]*$wname\$" "$T/ids.txt")
check_eq "worker real/effective/saved/fs uid" \
	"$(echo "$ids" | awk '/^Uid:/ {print $2, $3, $4, $5}')" "$U $U $U $U"
check_eq "worker real/effective/saved/fs gid" \
	"$(echo "$ids" | awk '/^Gid:/ {print $2, $3, $4, $5}')" "$G $G $G $G"
check_eq "worker supplementary groups" \
	"$(echo "$ids" | awk '/^Groups:/ {$1 = ""; print substr($0, 2)}' | sed 's/ *$//')" "$G"

check_not "a root-only file is unreadable" sftp_batch "$R" "$S" <<EOF
get root600.txt stolen.txt
EOF
check_not "nothing fetched" test -s "$L/stolen.txt"
check_not "a root-owned directory is not writable" sftp_batch "$R" "$S" <<EOF
put up.bin rootonly/x.bin
EOF
check_not "nothing written into it" test -e "$R/rootonly/x.bin"
check_not "chown to root refused by the kernel" sftp_batch "$R" "$S" <<EOF
chown 0 mine.bin
EOF
check_eq "owner kept after the refused chown" "$(owner_of "$R/mine.bin")" "$U:$G"

# chroot: true (the monitor's way): chroot into the home, then drop to the uid.
write_settings "$S" "$R" "\"uid\":$U,\"gid\":$G,\"chroot\":true"
sed -i 's/"chroot":false,//' "$S"
check "chrooted session" sftp_batch "$R" "$S" <<EOF
pwd
put up.bin chrooted.bin
mkdir chrooted-dir
ls -l
EOF
check "chrooted: pwd is /" grep -q '^Remote working directory: /$' "$T/out"
check_eq "chrooted: upload owned by the mapped ids" "$(owner_of "$R/chrooted.bin")" "$U:$G"
check_eq "chrooted: mkdir owned by the mapped ids" "$(owner_of "$R/chrooted-dir")" "$U:$G"
check_not "chrooted: no answer names the host path" grep -q -F "$R" "$T/out"

check_no_sanitizer uid
done_testing
