#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench/s3-vs-rclone.sh [MiB]: an S3 account of `sftpgo serve` against `rclone serve
# sftp` (Debian's rclone, what a user would pick instead) on the same local S3
# server (s3rver, as regress/t-serve-s3.sh), OpenSSH's sftp as the client: MiB
# (default 1024) up and down through each, best of 2, sha256 checked. Prints the
# seconds and our throughput as a ratio of rclone's (above 1.0: we are faster).
# As root, from a built tree; loopback only; everything started here is stopped.
set -eu
MIB=${1:-1024}
REPO=$(cd "$(dirname "$0")/.." && pwd)
S3RVER=${S3RVER:-/opt/sftpgo-test-s3/node_modules/.bin/s3rver}
BASE=${SFTPGO_BENCH_PORT_BASE:-25500}
S3PORT=$BASE
OURS=$((BASE + 1))
RCL=$((BASE + 2))
W=$(mktemp -d /tmp/s3bench.XXXXXX)
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	userdel sftpgo-s3bench >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
command -v rclone >/dev/null || { echo "rclone not installed (apt-get install rclone)"; exit 1; }
[ -x "$S3RVER" ] || { echo "s3rver not installed (contrib/install-deps.sh)"; exit 1; }

mkdir -p "$W/s3" "$W/cfg" "$W/home"
"$S3RVER" -d "$W/s3" -a 127.0.0.1 -p "$S3PORT" --silent --configure-bucket tb >/dev/null 2>&1 &
PIDS="$PIDS $!"
SSH="-F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR"

useradd -r -M -s /usr/sbin/nologin sftpgo-s3bench 2>/dev/null || true
chown sftpgo-s3bench: "$W/home"
cat >"$W/cfg/sftpgo.json" <<EOC
{"sftpd": {"bind_port": $OURS, "bind_address": "127.0.0.1"}}
EOC
"$REPO/sftpgo" initprovider --config-dir "$W/cfg" >/dev/null
"$REPO/sftpgo" user add --config-dir "$W/cfg" --username b --password pw \
	--home-dir "$W/home" --uid "$(id -u sftpgo-s3bench)" --gid "$(id -g sftpgo-s3bench)" \
	--fs-provider 1 --s3-bucket tb --s3-region us-east-1 --s3-access-key S3RVER \
	--s3-access-secret S3RVER --s3-endpoint "http://127.0.0.1:$S3PORT" \
	--s3-key-prefix ours --s3-upload-concurrency 4 >/dev/null
"$REPO/sftpgo" serve --config-dir "$W/cfg" --libexec-dir "$REPO" \
	--log-file-path "$W/sftpgo.log" >/dev/null 2>&1 &
PIDS="$PIDS $!"
# rclone: the same bucket, its own prefix; its defaults (5 MiB chunks, 4 at once)
# (no AWS_CA_BUNDLE: rclone 1.60 fails on a custom bundle with its transport)
env -u AWS_CA_BUNDLE RCLONE_CONFIG_S3_TYPE=s3 RCLONE_CONFIG_S3_PROVIDER=Other \
	RCLONE_CONFIG_S3_ENDPOINT="http://127.0.0.1:$S3PORT" RCLONE_CONFIG_S3_ACCESS_KEY_ID=S3RVER \
	RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=S3RVER RCLONE_CONFIG_S3_REGION=us-east-1 \
	RCLONE_CONFIG_S3_FORCE_PATH_STYLE=true \
	rclone serve sftp s3:tb/rclone --addr "127.0.0.1:$RCL" --user b --pass pw \
	--config /dev/null >"$W/rclone.log" 2>&1 &
PIDS="$PIDS $!"
for p in $OURS $RCL; do
	i=0
	until python3 -c "import socket; socket.create_connection(('127.0.0.1', $p)).close()" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "server on $p did not start"; exit 1; }
		sleep 0.2
	done
done

head -c "$((MIB * 1048576))" /dev/urandom >"$W/f"
want=$(sha256sum "$W/f" | cut -d' ' -f1)
# xfer PORT put|get: seconds of one transfer (wall clock), the file checked
xfer() {
	if [ "$2" = put ]; then cmd="put $W/f /f.bin"; else cmd="get /f.bin $W/back"; fi
	s=$(date +%s.%N)
	echo "$cmd" | sshpass -p pw sftp $SSH -P "$1" -o BatchMode=no \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no -b - b@127.0.0.1 \
		>/dev/null
	e=$(date +%s.%N)
	if [ "$2" = get ]; then
		[ "$(sha256sum "$W/back" | cut -d' ' -f1)" = "$want" ] || { echo "bad download"; exit 1; }
		rm -f "$W/back"
	fi
	echo "$e - $s" | bc
}
best() { a=$(xfer "$1" "$2"); b=$(xfer "$1" "$2"); echo "if ($a < $b) $a else $b" | bc; }
for dir in put get; do
	o=$(best "$OURS" $dir)
	r=$(best "$RCL" $dir)
	printf '%s %s MiB: sftpgo %.2f s, rclone %.2f s, throughput ratio %.2fx\n' \
		"$([ $dir = put ] && echo upload || echo download)" "$MIB" "$o" "$r" \
		"$(echo "$r / $o" | bc -l)"
done
