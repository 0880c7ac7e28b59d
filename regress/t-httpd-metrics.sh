#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# GET /metrics (../shared/spec/rest-api-v1.md section 13) through `sftpgo serve`,
# read by a real Prometheus parser (python3-prometheus-client): SFTPGo's sftpgo_*
# metrics and the monitor's process_* metrics; the counters move after OpenSSH
# uploads, downloads, an scp command and failed logins; HTTP basic auth as the
# API's. GET /api/v1/connection lists live transfers (a throttled get and put with
# growing sizes) and the client's SSH version, and closes them.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
. "$top_srcdir/regress/httpd-lib.sh"

if ! $PY -c "import prometheus_client.parser" 2>/dev/null; then
	[ "${CI:-}" = true ] && { fail "python3-prometheus-client is installed"; exit 1; }
	skip_all "python3-prometheus-client not installed"
fi
U1=sftpgo-hm-$$
make_sysuser "$U1" || skip_all "cannot create system users"
httpd_config 130 '"enabled_ssh_commands": ["scp", "md5sum"]'
start_server || { fail "server starts"; exit 1; }
wait_httpd || { fail "the REST API answers"; exit 1; }
add_user alice "$U1" --password alicepw

# scrape [METHOD]: the exposition in $T/metrics, parsed into $T/metrics.vals
# ("name value" per sample); fails when the parser refuses the text.
scrape() {
	curl -s -D "$T/metrics.hdr" -o "$T/metrics" -X "${1:-GET}" \
		"http://127.0.0.1:$HPORT/metrics" || return 1
	$PY - "$T/metrics" >"$T/metrics.vals" <<'EOP'
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
for fam in text_string_to_metric_families(text):
    if fam.name.startswith("sftpgo_") and not fam.documentation:
        sys.exit("no help text for " + fam.name)
    for s in fam.samples:
        print(s.name, repr(float(s.value)) if s.value != int(s.value) else int(s.value))
EOP
}
# mval NAME: a sample's value from the last scrape ("" when absent); the parser
# names counters without the _total suffix (sftpgo_upload_size) NAME_total
mval() {
	awk -v n="$1" '$1 == n || $1 == n "_total" {print $2}' "$T/metrics.vals"
}
# mis NAME VALUE: the sample has this value
mis() {
	[ "$(mval "$1")" = "$2" ]
}

check "the exposition parses" scrape
check "text exposition content type" grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$T/metrics.hdr"
for m in sftpgo_dataprovider_availability sftpgo_active_connections sftpgo_uploads_total \
	sftpgo_downloads_total sftpgo_upload_errors_total sftpgo_download_errors_total \
	sftpgo_upload_size sftpgo_download_size sftpgo_ssh_commands_total \
	sftpgo_ssh_command_errors_total sftpgo_login_attempts_total sftpgo_login_ok_total \
	sftpgo_login_ko_total sftpgo_password_login_attempts_total \
	sftpgo_password_login_ok_total sftpgo_password_login_ko_total \
	sftpgo_public_key_login_attempts_total sftpgo_public_key_login_ok_total \
	sftpgo_public_key_login_ko_total sftpgo_keyboard_interactive_login_attempts_total \
	sftpgo_keyboard_interactive_login_ok_total sftpgo_keyboard_interactive_login_ko_total \
	sftpgo_http_req_total sftpgo_http_req_ok_total sftpgo_http_client_errors_total \
	sftpgo_http_server_errors_total process_cpu_seconds_total \
	process_resident_memory_bytes process_open_fds process_max_fds \
	process_start_time_seconds; do
	check "$m is exposed" test -n "$(mval "$m")"
done
check "# TYPE lines as SFTPGo's" sh -c "grep -qx '# TYPE sftpgo_uploads_total counter' '$T/metrics' && grep -qx '# TYPE sftpgo_active_connections gauge' '$T/metrics'"
check "the provider is available" mis sftpgo_dataprovider_availability 1
check "no transfers yet" mis sftpgo_uploads_total 0
check "no logins yet" mis sftpgo_login_attempts_total 0
# the monitor's own process: its descriptors and memory, not httpd's
mpid=$SERVER_PID
fds=$(ls /proc/$mpid/fd | wc -l)
check "process_open_fds is the monitor's ($fds)" sh -c "v=$(mval process_open_fds); [ \$v -ge $((fds - 3)) ] && [ \$v -le $((fds + 3)) ]"
check "resident memory is plausible" sh -c "[ $(mval process_resident_memory_bytes | cut -d. -f1) -gt 100000 ]"
http_before=$(mval sftpgo_http_req_total)
scrape POST
check "any method is served (POST)" mis sftpgo_dataprovider_availability 1
check "HTTP requests are counted" sh -c "[ $(mval sftpgo_http_req_total) -gt $http_before ]"
api GET /api/v1/nothing
scrape
check "a 404 counts as a client error" sh -c "[ $(mval sftpgo_http_client_errors_total) -ge 1 ]"

# --- transfers, commands and logins move the counters ---------------------------
head -c 300000 /dev/urandom >"$T/up.bin"
printf 'put %s /up.bin\nget /up.bin %s\n' "$T/up.bin" "$T/down.bin" | sftp_pw alice alicepw >"$T/sftp.out" 2>&1
check "upload and download with OpenSSH sftp" cmp "$T/up.bin" "$T/down.bin"
scrape
check "one upload counted" mis sftpgo_uploads_total 1
check "one download counted" mis sftpgo_downloads_total 1
check "upload size counted" mis sftpgo_upload_size 300000
check "the counter keeps SFTPGo's name" grep -qx 'sftpgo_upload_size 300000' "$T/metrics"
check "download size counted" mis sftpgo_download_size 300000
check "one password login ok" sh -c "[ '$(mval sftpgo_password_login_ok_total)' = 1 ] && [ '$(mval sftpgo_login_ok_total)' = 1 ]"
echo "pwd" | sshpass -p wrong sftp $SSH_OPTS -P "$PORT" -o BatchMode=no \
	-o PreferredAuthentications=password -o PubkeyAuthentication=no \
	-o NumberOfPasswordPrompts=1 -b - "alice@127.0.0.1" >/dev/null 2>&1
scrape
check "a failed password login counted" sh -c "[ '$(mval sftpgo_password_login_ko_total)' = 1 ] && [ '$(mval sftpgo_login_ko_total)' = 1 ] && [ '$(mval sftpgo_login_attempts_total)' = 2 ]"
sshpass -p alicepw scp $SSH_OPTS -O -P "$PORT" -o PreferredAuthentications=password \
	-o PubkeyAuthentication=no "$T/up.bin" "alice@127.0.0.1:/scp.bin" >"$T/scp.out" 2>&1
check "scp upload" cmp "$T/up.bin" "$T/homes/alice/scp.bin"
i=0
while [ $i -lt 100 ]; do
	scrape
	[ "$(mval sftpgo_ssh_commands_total)" = 1 ] && break
	sleep 0.1
	i=$((i + 1))
done
check "the scp command counted" mis sftpgo_ssh_commands_total 1
check "the scp upload counted" sh -c "[ '$(mval sftpgo_uploads_total)' = 2 ] && [ '$(mval sftpgo_upload_size)' = 600000 ]"
sshpass -p alicepw sftp $SSH_OPTS -P "$PORT" -o BatchMode=no \
	-o PreferredAuthentications=password -o PubkeyAuthentication=no -b - \
	"alice@127.0.0.1" >/dev/null 2>&1 <<EOF
get /nonexistent $T/x
EOF
scrape
check "a failed open is not a transfer" mis sftpgo_download_errors_total 0

# --- live transfers in GET /api/v1/connection -----------------------------------
# 100 KB/s each way: a 3 MB file takes 30 s, long enough to be seen growing
add_user slow "$U1" --password slowpw --upload-bandwidth 100 --download-bandwidth 100
head -c 3000000 /dev/zero >"$T/big.bin"
cp "$T/big.bin" "$T/homes/slow/big.bin"
chown "$U1:$U1" "$T/homes/slow/big.bin"
# live OP SIZE-CONDITION: until the one connection lists one OP transfer of
# /dir/f whose size satisfies the Python condition on s (30 s at most)
live() {
	_i=0
	while [ $_i -lt 300 ]; do
		api GET /api/v1/connection
		[ "$(jget "len(j)==1 and len(j[0]['active_transfers'])==1 and (lambda t: t['operation_type']=='$1' and (lambda s: $2)(t['size']))(j[0]['active_transfers'][0])" 2>/dev/null)" = True ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
# live_transfer OP SFTP-COMMAND PATH
live_transfer() {
	mkfifo "$T/fifo-$1"
	sshpass -p slowpw sftp $SSH_OPTS -P "$PORT" -o BatchMode=no \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no \
		"slow@127.0.0.1" <"$T/fifo-$1" >"$T/sftp-$1.out" 2>&1 &
	SFTP_PID=$!
	BG_PIDS="$BG_PIDS $SFTP_PID"
	exec 7>"$T/fifo-$1"
	echo "$2" >&7
	check "$1: the transfer is listed while it runs" live "$1" "s > 0"
	first=$(jget "j[0]['active_transfers'][0]['size']")
	check "$1: its size grows ($first, then more)" live "$1" "s > $first"
	api GET /api/v1/connection
	expect "$1: operation, path, times as SFTPGo's" 200 "(lambda c, t: list(t)==['operation_type','start_time','size','last_activity','path'] and t['path']=='$3' and c['connection_time'] <= t['start_time'] <= t['last_activity'] and t['size'] < 3000000)(j[0], j[0]['active_transfers'][0])"
	expect "$1: the client's SSH version" 200 "j[0]['client_version'].startswith('SSH-2.0-OpenSSH_')"
	# SFTPGo's web page shows size / (now - start_time) bytes per ms = KB/s: at
	# most the 100 KB/s limit plus one request (OpenSSH asks for 255 KiB writes
	# and reads: limits@openssh.com), the server sleeping after each
	expect "$1: size and start time agree with the 100 KB/s limit" 200 "(lambda t: 0 < t['size'] <= (j[0]['last_activity'] - t['start_time']) * 100 + 262144)(j[0]['active_transfers'][0])"
	cid=$(jget "j[0]['connection_id']")
	api DELETE "/api/v1/connection/$cid"
	expect "$1: closed through the API" 200 "j['message']=='Connection closed'"
	api_until GET /api/v1/connection "j==[]"
	expect "$1: the connection and its transfer are gone" 200 "j==[]"
	_i=0
	while [ $_i -lt 100 ] && kill -0 "$SFTP_PID" 2>/dev/null; do
		sleep 0.1
		_i=$((_i + 1))
	done
	check_not "$1: the client was disconnected" kill -0 "$SFTP_PID"
	exec 7>&-
}
live_transfer upload "put $T/big.bin /up-big.bin" /up-big.bin
live_transfer download "get /big.bin $T/down-big.bin" /big.bin
scrape
check "the cut transfers are counted" sh -c "[ $(mval sftpgo_upload_errors_total) -ge 1 ] || [ $(mval sftpgo_uploads_total) -ge 3 ]"

stop_server
done_testing
