#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Running as root, the monitor never starts a worker for an account mapped to uid 0
# or gid 0 (the CLI refuses them; here the database was edited behind its back).
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"

U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
serve_config 10
start_server || { fail "server starts"; exit 1; }
ok "server starts"
add_user zuid "$U1" --password zuidpw
add_user zgid "$U1" --password zgidpw
add_user fine "$U1" --password finepw
check "uid set to 0 in the database" sqlite3 "$CFG/sftpgo.db" \
	"update users set uid = 0 where username = 'zuid'"
check "gid set to 0 in the database" sqlite3 "$CFG/sftpgo.db" \
	"update users set gid = 0 where username = 'zgid'"
echo ls >"$T/batch"
ls_as() { sftp_pw "$1" "$2" <"$T/batch"; }
check_not "a uid 0 account gets no sftp channel" ls_as zuid zuidpw
check "the refusal is logged" wait_log "maps to uid or gid 0"
check_not "a gid 0 account gets no sftp channel" ls_as zgid zgidpw
check "the gid refusal is logged" wait_log "maps to uid or gid 0" 2
check "an ordinary account is served" ls_as fine finepw
check_not "no worker ever ran as root" sh -c \
	"grep -q 'sftp worker .* started for user z' '$LOG'"
stop_server

# The unprivileged user of the listener and sessions may not be in root's group.
U0=sftpgo-t0-$$
userdel "$U0" >/dev/null 2>&1
useradd -r -M -g 0 -s /usr/sbin/nologin "$U0" || skip_all "cannot create a gid 0 user"
SYSUSERS="$SYSUSERS $U0"
serve_config 10 "\"unprivileged_user\": \"$U0\""
check_not "serve refuses an unprivileged_user whose gid is 0" timeout 30 "$SFTPGO" serve \
	--config-dir "$CFG" --libexec-dir "$top_builddir" --log-file-path "$LOG"
check "the reason is logged" grep -q "unprivileged_user: .*uid or gid is 0" "$LOG"
done_testing
