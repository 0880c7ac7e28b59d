#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# A worker (it parses the client's bytes) cannot flood the monitor's log: its log
# events are cut at 50 a second like a session's, and the server keeps serving.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

mkdir -p "$T/libexec"
ln -s "$top_srcdir/regress/fake-worker.py" "$T/libexec/sftpgo-worker"
ln -s "$top_srcdir/regress/fake-worker.py" "$T/libexec/sftpgo-worker-cloud"
ln -s "$top_builddir/sftpgo-session" "$T/libexec/sftpgo-session"
ln -s "$top_builddir/sftpgo-listener" "$T/libexec/sftpgo-listener"
ln -s "$top_builddir/sftpgo-hookexec" "$T/libexec/sftpgo-hookexec"
serve_config 11
"$SFTPGO" serve --config-dir "$CFG" --libexec-dir "$T/libexec" --log-file-path "$LOG" \
	--log-verbose >"$T/serve.out" 2>&1 &
SERVER_PID=$!
check "server with a fake worker starts" wait_log '"SFTP server listening'
U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
add_user flood "$U1" --password floodpw
echo ls >"$T/batch"
check_not "the fake worker serves no sftp" sh -c \
	"sshpass -p floodpw sftp $SSH_OPTS -P $PORT -o BatchMode=no \
	-o PreferredAuthentications=password -o PubkeyAuthentication=no \
	-b '$T/batch' flood@127.0.0.1"
check "the flood was reported" wait_log "worker process [0-9]*: too many log lines, dropping some"
check "the worker's exit was seen" wait_log "sftp worker [0-9]* exited with status 3"
n=$(grep -c 'flood line' "$LOG")
check "at most 50 flood lines per second were written (got $n)" test "$n" -le 100
check "monitor still running" kill -0 "$SERVER_PID"
done_testing
