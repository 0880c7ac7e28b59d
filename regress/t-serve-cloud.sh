#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Accounts whose filesystem this server cannot serve (S3 or GCS rows missing
# required fields), stored behind the CLI's back (an SFTPGo database), are refused
# at login with a log line naming the reason, never served their local home; the
# CLI refuses to store them. (Working accounts: t-serve-s3.sh, t-serve-gcs.sh.)
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"

U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
serve_config 62
start_server || { fail "server starts"; exit 1; }
add_user s3u "$U1" --password s3pw
add_user gcsu "$U1" --password gcspw
echo "local secret" >"$T/homes/s3u/local.txt"
check "provider 1 (S3) set in the database" sqlite3 "$CFG/sftpgo.db" \
	"update users set filesystem = '{\"provider\":1,\"s3config\":{\"bucket\":\"b\"}}' where username = 's3u'"
check "provider 2 (GCS) set in the database" sqlite3 "$CFG/sftpgo.db" \
	"update users set filesystem = '{\"provider\":2,\"gcsconfig\":{\"key_prefix\":\"p/\"}}' where username = 'gcsu'"
echo "get local.txt $T/got.txt" >"$T/batch"
check_not "an S3 account cannot log in" sh -c "sshpass -p s3pw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - s3u@127.0.0.1 <'$T/batch'"
check_not "its local home was not served" test -e "$T/got.txt"
check "the refusal is logged with the reason" \
	wait_log '"connection_failed".*"username":"s3u".*filesystem.s3config.region: required'
check_not "a GCS account without a bucket cannot log in" sh -c "sshpass -p gcspw sftp $SSH_OPTS -P $PORT -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - gcsu@127.0.0.1 <'$T/batch'"
check "the GCS refusal is logged with the reason" \
	wait_log '"username":"gcsu".*filesystem.gcsconfig.bucket: required'
check_not "user update of an S3 account is refused" "$SFTPGO" user update \
	--config-dir "$CFG" --username s3u --max-sessions 2
check "the update refusal says why" sh -c "'$SFTPGO' user update --config-dir '$CFG' \
	--username s3u --max-sessions 2 2>&1 | grep -q 'filesystem.s3config.region: required'"
stop_server
done_testing
