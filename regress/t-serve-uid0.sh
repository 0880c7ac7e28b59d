#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# uid/gid 0 accounts (SFTPGo 0.9.6's default): never a root worker. Under root they
# are served as sftpd.uid0_service_account (default: the unprivileged user of the
# listener and sessions), as SFTPGo was under its systemd unit's service user. The
# CLI adds and updates them. An unusable service account refuses their login, with a
# log line naming the key. The unprivileged user may not be in root's group.
# covers: sftpd.uid0_service_account sftpd.unprivileged_user
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-t1-$$
SVC=sftpgo-ts-$$
UNP=sftpgo-tu-$$
make_sysuser "$U1" && make_sysuser "$SVC" && make_sysuser "$UNP" ||
	skip_all "cannot create system users"
serve_config 10 "\"unprivileged_user\": \"$UNP\""
start_server || { fail "server starts"; exit 1; }
ok "server starts"
check "the CLI adds a uid 0 / gid 0 account" "$SFTPGO" user add --config-dir "$CFG" \
	--username zboth --home-dir "$T/homes/zboth" --uid 0 --gid 0 --password zbothpw
mkdir -p "$T/homes/zboth"
chown "$UNP:$UNP" "$T/homes/zboth"
add_user zuid "$U1" --password zuidpw
check "the CLI updates a uid 0 account" "$SFTPGO" user update --config-dir "$CFG" \
	--username zuid --uid 0
echo "put /etc/hostname up.txt" >"$T/batch"
check "uid 0 / gid 0: upload works" sh -c \
	"sshpass -p zbothpw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - zboth@127.0.0.1 <'$T/batch'"
check "uid 0 / gid 0: the file belongs to the unprivileged user (the default)" \
	test "$(stat -c %U:%G "$T/homes/zboth/up.txt")" = "$UNP:$UNP"
chown "$UNP:$U1" "$T/homes/zuid"
chmod 770 "$T/homes/zuid"
check "uid 0 / own gid: upload works" sh -c \
	"sshpass -p zuidpw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - zuid@127.0.0.1 <'$T/batch'"
check "uid 0 / own gid: owner is the service account, group the user's gid" \
	test "$(stat -c %U:%G "$T/homes/zuid/up.txt")" = "$UNP:$U1"
check "the login says which ids serve it" wait_log "user zboth maps to uid/gid 0: served as uid $(id -u "$UNP")"
check_not "no worker ever ran as root" sh -c \
	"grep -E 'worker .* (uid|as) 0[^0-9]' '$LOG'"
stop_server

# a configured service account
serve_config 10 "\"unprivileged_user\": \"$UNP\", \"uid0_service_account\": \"$SVC\""
start_server || { fail "server restarts"; exit 1; }
chown "$SVC:$SVC" "$T/homes/zboth"
rm -f "$T/homes/zboth/up.txt"
check "uid0_service_account: upload works" sh -c \
	"sshpass -p zbothpw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - zboth@127.0.0.1 <'$T/batch'"
check "uid0_service_account: the file belongs to it" \
	test "$(stat -c %U:%G "$T/homes/zboth/up.txt")" = "$SVC:$SVC"
stop_server

# an unusable service account (root): uid 0 logins refused, others served
add_user fine "$U1" --password finepw
serve_config 10 "\"unprivileged_user\": \"$UNP\", \"uid0_service_account\": \"root\""
start_server || { fail "server restarts"; exit 1; }
check "start warns that the service account is unusable" \
	wait_log 'sftpd.uid0_service_account \\"root\\" is not usable'
check_not "uid 0 login refused with an unusable service account" sh -c \
	"sshpass -p zbothpw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - zboth@127.0.0.1 <'$T/batch'"
check "the refusal is a connection_failed line naming the key" \
	wait_log '"connection_failed".*"username":"zboth".*sftpd.uid0_service_account'
echo ls >"$T/batch2"
check "an ordinary account is still served" sh -c \
	"sshpass -p finepw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - fine@127.0.0.1 <'$T/batch2'"
stop_server
serve_config 10 "\"uid0_service_account\": \"no-such-user-$$\""
check_not "--test-config refuses a missing uid0_service_account" "$SFTPGO" serve \
	--config-dir "$CFG" --libexec-dir "$top_builddir" --test-config
check "the error names the key" sh -c \
	"'$SFTPGO' serve --config-dir '$CFG' --libexec-dir '$top_builddir' --test-config 2>&1 | grep -q 'sftpd.uid0_service_account: no such system user'"

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
