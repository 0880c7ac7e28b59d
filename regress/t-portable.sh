#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# `sftpgo portable` (issue 15 item 2) run by an ordinary user with no config file
# and no database: SFTPGo's flags, generated password, random port, SFTP logins
# confined to the directory, the private temp dir removed at exit, every refused
# flag; then mDNS: with no Avahi daemon a clear warning and the server still
# serves; with a private D-Bus + avahi-daemon started here, avahi-browse sees
# "SFTPGo portable <port>" with the version (and the credentials only with -C).
# Extension filters (--allowed-extensions / --denied-extensions) and S3 storage
# (--fs-provider 1 and the --s3-* flags, against an s3rver started here: upload in
# parts, download, the objects under the key prefix, the secret not in clear in the
# private config); Google Cloud Storage (--fs-provider 2 and the --gcs-* flags,
# against firebase-tools' Cloud Storage emulator started here by
# regress/gcs-emulator.js: a service account's key file through the JWT bearer
# grant, kept 0600 in the private dir and not in the dump; automatic credentials
# from the metadata server; the objects under the key prefix).
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
. "$top_srcdir/regress/gcs-lib.sh"

need() { command -v "$1" >/dev/null || { [ -n "${CI:-}" ] && fail "$1 installed"; skip_all "$1 not installed"; }; }
need setpriv
need avahi-daemon
need avahi-browse
need dbus-daemon

U1=sftpgo-pt1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
PUID=$(id -u "$U1")
mkdir -p "$T/run/share/sub" "$T/tmp"
echo hello >"$T/run/share/h.txt"
echo secret >"$T/run/outside.txt"
ln -s /etc/hostname "$T/run/share/link"
chown -R "$U1:$U1" "$T/run" "$T/tmp"
PORT=$((PORT_BASE + 140))
# No Avahi reachable unless a test starts one: a bus socket that does not exist.
BUS=unix:path=$T/no-bus.sock
as_user() { setpriv --reuid="$PUID" --regid="$(id -g "$U1")" --clear-groups \
	env HOME="$T/run" TMPDIR="$T/tmp" DBUS_SYSTEM_BUS_ADDRESS="$BUS" "$@"; }
PPID_=
# portable ARGS...: started in $T/run as the user; output in $T/p.out, $T/p.err.
portable() {
	rm -f "$T/p.log"
	(cd "$T/run" && as_user "$SFTPGO" portable --libexec-dir "$top_builddir" -l "$T/p.log" "$@" \
		>"$T/p.out" 2>"$T/p.err") &
	PPID_=$!
	BG_PIDS="$BG_PIDS $PPID_"
	_i=0
	while [ $_i -lt 300 ]; do
		grep -q '"SFTP server listening' "$T/p.log" 2>/dev/null && return 0
		kill -0 "$PPID_" 2>/dev/null || break
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "# portable did not start: $(cat "$T/p.out" "$T/p.err" | tr '\n' ' ')"
	return 1
}
stop_portable() {
	# the monitor: the oldest sftpgo of the test's own throwaway uid
	kill -TERM "$(pgrep -o -u "$PUID" -x sftpgo)" 2>/dev/null
	wait "$PPID_"
	PSTATUS=$?
}
chmod 777 "$T"
touch "$T/p.log" && chmod 666 "$T/p.log"
portable -d share -s "$PORT" -p portpw || fail "portable starts"
ok "portable starts as an ordinary user (no config file, no database)"
check "the ready line gives port, user, password and directory" grep -qF \
	"Portable mode ready, SFTP port: $PORT, user: \"user\", password: \"portpw\", public keys: 0, directory: \"$T/run/share\", permissions: list,download, ssh commands: md5sum,sha1sum,cd,pwd" "$T/p.out"
check "no Avahi daemon: a clear warning" grep -qF "warning: the service is not advertised over mDNS: no Avahi daemon to talk to" "$T/p.err"
server=$(pgrep -u "$PUID" -x sftpgo | head -n 1)
check "every process runs as the user" sh -c "test -z \"\$(ps -o uid= --ppid '$server' | grep -vw '$PUID')\""
TMPD=$(sed -n 's/.*config dir: \([^,]*\),.*/\1/p' "$T/p.log" | head -n 1)
check "the private config dir is under TMPDIR, mode 0700" test "$(stat -c %a "$TMPD")" = 700
check "... and holds no database" test ! -e "$TMPD/sftpgo.db"
# SFTPGo's portable host keys: id_rsa and id_ecdsa in the current directory.
check "host keys id_rsa, id_ecdsa generated in the current directory, 0600, the user's" \
	sh -c "test \"\$(stat -c '%a %u' '$T/run/id_rsa' '$T/run/id_ecdsa' | sort -u)\" = '600 $PUID'"
check "... not in the served directory" test ! -e "$T/run/share/id_rsa"
keyscan() { ssh-keyscan -p "$1" 127.0.0.1 2>/dev/null | sed 's/^[^ ]* //' | sort; }
keyscan "$PORT" >"$T/hostkeys1"
check "... the server presents both (ECDSA P-256 and RSA)" sh -c \
	"test \"\$(cut -d' ' -f1 '$T/hostkeys1' | tr '\n' ' ')\" = 'ecdsa-sha2-nistp256 ssh-rsa '"
check "... and the ECDSA one is ./id_ecdsa" sh -c \
	"test \"\$(ssh-keygen -y -f '$T/run/id_ecdsa' | cut -d' ' -f2)\" = \"\$(grep ecdsa '$T/hostkeys1' | cut -d' ' -f2)\""
getf() { printf 'get %s %s\n' "$2" "$3" | sftp_pw user "$1" >/dev/null 2>&1; }
check "SFTP login with the given password, download" getf portpw h.txt "$T/got.txt"
check "... the file came" grep -qx hello "$T/got.txt"
check_not "a wrong password is refused" getf nope h.txt "$T/got2.txt"
check_not "default permissions: no upload" sh -c "echo 'put $T/run/outside.txt up.txt' | sshpass -p portpw sftp $SSH_OPTS -P $PORT -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - user@127.0.0.1"
check_not "confined: ../outside.txt is out of reach" getf portpw ../outside.txt "$T/got3.txt"
check_not "confined: a symlink to /etc/hostname resolves inside the directory" getf portpw link "$T/got4.txt"
check "md5sum (a default SSH command) runs" sh -c "ssh_pw() { sshpass -p portpw ssh $SSH_OPTS -p $PORT -o PreferredAuthentications=password -o PubkeyAuthentication=no user@127.0.0.1 \"\$@\"; }; ssh_pw md5sum h.txt | grep -q \"\$(md5sum <'$T/run/share/h.txt' | cut -d' ' -f1)\""
stop_portable
check "SIGTERM: exit status 0" test "$PSTATUS" -eq 0
check "the private config dir is removed" test ! -e "$TMPD"

# --- refused flags and conditions -------------------------------------------------
expect_refused() { # "description" "message" args...
	_d=$1 _m=$2
	shift 2
	(cd "$T/run" && as_user "$SFTPGO" portable "$@") >"$T/r.out" 2>&1
	_rc=$?
	if [ "$_rc" -eq 2 ] && grep -qF -- "$_m" "$T/r.out"; then ok "$_d"; else
		fail "$_d" "exit $_rc: $(tr '\n' ' ' <"$T/r.out")"
	fi
}
expect_refused "an unknown provider refused" '--fs-provider: not 0 (local), 1 (S3) or 2 (GCS): "3"' -f 3
expect_refused "a GCS flag without -f 2 refused, naming it" '--gcs-credentials-file needs --fs-provider 2 (Google Cloud Storage)' --gcs-credentials-file=/x
expect_refused "--gcs-bucket without -f 2 refused" '--gcs-bucket needs --fs-provider 2' -f 1 --gcs-bucket b
expect_refused "-f 2 without a bucket refused" 'Google Cloud Storage: ' -f 2
expect_refused "-f 2 with an unreadable key file: refused (SFTPGo 0.9.6 went on)" \
	'--gcs-credentials-file: /nonexistent.json: No such file' -f 2 --gcs-bucket b --gcs-credentials-file /nonexistent.json
expect_refused "-f 2 with explicit credentials and no key file refused" '--gcs-automatic-credentials 0 needs --gcs-credentials-file' \
	-f 2 --gcs-bucket b --gcs-automatic-credentials 0
expect_refused "--gcs-automatic-credentials takes 0 or 1" '--gcs-automatic-credentials: not 0 or 1: "yes"' \
	-f 2 --gcs-bucket b --gcs-automatic-credentials yes
expect_refused "a GCS key prefix with .. refused" 'key_prefix' -f 2 --gcs-bucket b --gcs-key-prefix ../x
expect_refused "an S3 flag without -f 1 refused" '--s3-bucket needs --fs-provider 1 (S3)' --s3-bucket b
expect_refused "-f 1 without a bucket refused" 'S3 storage: ' -f 1 --s3-region r --s3-access-key k --s3-access-secret s
expect_refused "-f 1 with a bad endpoint refused" 'endpoint' -f 1 --s3-bucket b --s3-region r --s3-access-key k --s3-access-secret s --s3-endpoint ftp://x
expect_refused "an absolute key prefix refused" 'key_prefix' -f 1 --s3-bucket b --s3-region r --s3-access-key k --s3-access-secret s --s3-key-prefix /abs
expect_refused "a bad part size refused" '--s3-upload-part-size: "lots" is not an integer' -f 1 --s3-bucket b --s3-region r --s3-access-key k --s3-access-secret s --s3-upload-part-size lots
expect_refused "a bad extension value refused" '--allowed-extensions: "/dir" is not /dir::.ext1,.ext2' --allowed-extensions /dir
expect_refused "an extension value with no extension refused" '--denied-extensions: "/::," names no extension' --denied-extensions /::,
expect_refused "git needs the jail (root): refused" "git and rsync run in a jail that needs root" -c git-receive-pack
expect_refused "rsync refused" "git and rsync run in a jail that needs root" -c md5sum,rsync
expect_refused "an unknown SSH command refused" 'unknown SSH command "ls"' -c ls
expect_refused "a port out of range refused" "not a port number" -s 70000
expect_refused "a missing directory refused" '--directory: cannot use "nothere"' -d nothere
expect_refused "an unknown flag refused" 'unknown flag "--bogus"' --bogus
"$SFTPGO" portable -d "$T/run/share" >"$T/r.out" 2>&1
check "root is refused (portable serves as the user who runs it)" sh -c \
	"test $? -eq 2 && grep -q 'as the user who runs it' '$T/r.out'"

# --- extension filters --------------------------------------------------------------
echo data >"$T/up.bin"
echo text >"$T/up.txt"
chmod 644 "$T/up.bin" "$T/up.txt"
portable -d share -s "$PORT" -p portpw -g '*' --advertise-service=false --denied-extensions '/::.txt' \
	--allowed-extensions '/sub::.bin' || fail "portable with extension filters starts"
putf() { printf 'put %s %s\n' "$1" "$2" | sftp_pw user portpw >/dev/null 2>&1; }
check_not "--denied-extensions /::.txt: h.txt cannot be downloaded" getf portpw h.txt "$T/got6.txt"
check_not "... nor x.txt uploaded" putf "$T/up.txt" x.txt
check "... x.bin can" putf "$T/up.bin" x.bin
check "--allowed-extensions /sub::.bin: sub/y.bin can be uploaded" putf "$T/up.bin" sub/y.bin
check_not "... sub/y.dat cannot" putf "$T/up.bin" sub/y.dat
check "the private dump holds the filters" sh -c "grep -q '\.txt' \"\$(ls -d '$T'/tmp/sftpgo-portable-*)/users.json\""
stop_portable
rm -f "$T/run/share/x.bin" "$T/run/share/sub/y.bin"

# --- S3 storage against s3rver --------------------------------------------------------
S3RVER=${S3RVER:-/opt/sftpgo-test-s3/node_modules/.bin/s3rver}
if [ -x "$S3RVER" ] && command -v node >/dev/null; then
	S3PORT=$((PORT_BASE + 141))
	mkdir -p "$T/s3data"
	"$S3RVER" -d "$T/s3data" -a 127.0.0.1 -p "$S3PORT" --silent --configure-bucket tb \
		>"$T/s3rver.log" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	s3up() { curl -s -o /dev/null "http://127.0.0.1:$S3PORT/"; }
	_i=0
	until s3up; do
		[ $_i -ge 150 ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	check "s3rver starts" s3up
	head -c 7000000 /dev/urandom >"$T/s3.bin" && chmod 644 "$T/s3.bin"
	portable -s "$PORT" -p portpw -g '*' --advertise-service=false -f 1 --s3-bucket tb --s3-region us-east-1 \
		--s3-access-key S3RVER --s3-access-secret "S3RVER" \
		--s3-endpoint "http://127.0.0.1:$S3PORT" --s3-key-prefix "pt/x" \
		--s3-storage-class STANDARD --s3-upload-part-size 5 --s3-upload-concurrency 2 \
		--denied-extensions '/::.txt' || fail "portable with S3 starts"
	check "S3: -d defaults to the temporary directory (the spool)" \
		grep -qF "directory: \"$T/tmp\"" "$T/p.out"
	check "S3: the ready line names the bucket and prefix" \
		grep -qF 'S3 bucket: "tb", key prefix: "pt/x/"' "$T/p.out"
	TMPD=$(ls -d "$T"/tmp/sftpgo-portable-*)
	secret_encrypted() {
		grep -qF '"access_secret": "$aes$' "$TMPD/users.json" &&
			! grep -qF '"access_secret": "S3RVER"' "$TMPD/users.json"
	}
	check "S3: the secret is stored encrypted in the private dump" secret_encrypted
	printf 'put %s s3.bin\nmkdir d\nput %s d/b.bin\nls -l\nget s3.bin %s\n' "$T/s3.bin" "$T/up.bin" \
		"$T/s3.back" | sftp_pw user portpw >"$T/s3.out" 2>&1
	check "S3: an upload in parts and its download are identical" cmp "$T/s3.bin" "$T/s3.back"
	s3ls() { curl -s --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER \
		-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
		"http://127.0.0.1:$S3PORT/tb?list-type=2&prefix=$1"; }
	s3ls "" >"$T/s3keys.xml"
	check "S3: the objects are under the key prefix" sh -c \
		"grep -q '<Key>pt/x/s3.bin</Key>' '$T/s3keys.xml' && grep -q '<Key>pt/x/d/b.bin</Key>' '$T/s3keys.xml'"
	check "S3: nothing outside it" sh -c "! grep -o '<Key>[^<]*</Key>' '$T/s3keys.xml' | grep -v '<Key>pt/x/'"
	check_not "S3: the extension filter applies (no .txt upload)" putf "$T/up.txt" n.txt
	check "S3: no spool file is left in the directory" sh -c "test -z \"\$(find '$T/tmp' -maxdepth 1 -type f)\""
	stop_portable
	check "S3: stopped, exit 0" test "$PSTATUS" -eq 0
else
	[ -n "${CI:-}" ] && fail "s3rver is installed (contrib/install-deps.sh)"
fi

# --- Google Cloud Storage against firebase-tools' emulator ---------------------------
if gcs_have; then
	GPORT=$((PORT_BASE + 142))
	check "the GCS emulator starts" gcs_start "$GPORT" sftpgo-pt@demo-sftpgo.iam.gserviceaccount.com
	chown "$U1" "$T/sa.json" && chmod 600 "$T/sa.json"
	gstats() { curl -s "http://127.0.0.1:$GPORT/__stats"; }
	stat_of() { gstats | $PY -c "import json,sys; print(json.load(sys.stdin).get('$1', 0))"; }
	TOK=$(curl -s -H 'Metadata-Flavor: Google' \
		"http://127.0.0.1:$GPORT/computeMetadata/v1/instance/service-accounts/default/token" |
		$PY -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
	gkeys() { curl -s -H "Authorization: Bearer $TOK" "http://127.0.0.1:$GPORT/storage/v1/b/tb/o" |
		$PY -c 'import json,sys; [print(i["name"]) for i in json.load(sys.stdin).get("items", [])]'; }
	head -c 9000000 /dev/urandom >"$T/gcs.bin" && chmod 644 "$T/gcs.bin"
	tok0=$(stat_of tokens)
	portable -s "$PORT" -p portpw -g '*' --advertise-service=false -f 2 --gcs-bucket tb \
		--gcs-credentials-file "$T/sa.json" --gcs-endpoint "http://127.0.0.1:$GPORT" \
		--gcs-key-prefix "pt/g" --gcs-storage-class NEARLINE \
		--denied-extensions '/::.txt' || fail "portable with GCS starts"
	check "GCS: -d defaults to the temporary directory (the spool)" \
		grep -qF "directory: \"$T/tmp\"" "$T/p.out"
	check "GCS: the ready line names the bucket and prefix" \
		grep -qF 'GCS bucket: "tb", key prefix: "pt/g/"' "$T/p.out"
	TMPD=$(ls -d "$T"/tmp/sftpgo-portable-*)
	check "GCS: the key file is kept 0600 in the private dir (credentials_path)" sh -c \
		"cmp '$T/sa.json' '$TMPD/credentials/user_gcs_credentials.json' &&
		 [ \"\$(stat -c %a '$TMPD/credentials/user_gcs_credentials.json')\" = 600 ]"
	check "GCS: ... and not in the dump" sh -c \
		"! grep -q '\"credentials\"\\|PRIVATE KEY' '$TMPD/users.json'"
	class0=$(stat_of 'class NEARLINE')
	printf 'put %s g.bin\nmkdir d\nput %s d/b.bin\nrename d/b.bin d/c.bin\nls -l\nget g.bin %s\n' \
		"$T/gcs.bin" "$T/up.bin" "$T/gcs.back" | sftp_pw user portpw >"$T/gcs.out" 2>&1
	check "GCS: an upload and its download are identical" cmp "$T/gcs.bin" "$T/gcs.back"
	gkeys >"$T/gkeys.out"
	check "GCS: the objects are under the key prefix" sh -c \
		"grep -qx 'pt/g/g.bin' '$T/gkeys.out' && grep -qx 'pt/g/d/c.bin' '$T/gkeys.out'"
	check "GCS: nothing outside it" sh -c "! grep -v '^pt/g/' '$T/gkeys.out'"
	check "GCS: through the service account's JWT bearer grant" test "$(stat_of tokens)" -gt "$tok0"
	check "GCS: every request carried a valid token" test "$(stat_of bad_token)" -eq 0
	check "GCS: the uploads ask for --gcs-storage-class" test "$(stat_of 'class NEARLINE')" -ge $((class0 + 2))
	check_not "GCS: the extension filter applies (no .txt upload)" putf "$T/up.txt" n.txt
	check "GCS: no spool file is left in the directory" sh -c "test -z \"\$(find '$T/tmp' -maxdepth 1 -type f)\""
	check "GCS: no seccomp violation" sh -c "! grep -q 'seccomp: ' '$T/p.log'"
	stop_portable
	check "GCS: stopped, exit 0" test "$PSTATUS" -eq 0
	check "GCS: the private dir and the key file in it are removed" test ! -e "$TMPD"
	# the default, --gcs-automatic-credentials 1: the environment's credentials
	# (here the metadata server, GCE_METADATA_HOST)
	meta0=$(stat_of metadata_tokens)
	export GCE_METADATA_HOST=127.0.0.1:$GPORT
	portable -s "$PORT" -p portpw -g '*' --advertise-service=false -f 2 --gcs-bucket tb \
		--gcs-endpoint "http://127.0.0.1:$GPORT" --gcs-key-prefix pt/auto ||
		fail "portable with GCS automatic credentials starts"
	unset GCE_METADATA_HOST
	check "GCS automatic credentials: an upload" putf "$T/up.bin" a.bin
	has_key() { gkeys | grep -qx "$1"; }
	check "GCS automatic credentials: the object is in the bucket" has_key pt/auto/a.bin
	check "GCS automatic credentials: a token from the metadata server" \
		test "$(stat_of metadata_tokens)" -gt "$meta0"
	stop_portable
	check "GCS automatic credentials: stopped, exit 0" test "$PSTATUS" -eq 0
else
	[ -n "${CI:-}" ] && fail "the firebase-tools storage emulator is installed (contrib/install-deps.sh)"
fi

# --- mDNS through a private D-Bus and avahi-daemon ---------------------------------
cat >"$T/dbus.conf" <<EOC
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$T/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/><allow own="*"/>
    <allow send_destination="*"/><allow receive_sender="*"/>
  </policy>
</busconfig>
EOC
printf '[server]\nuse-ipv4=yes\nuse-ipv6=no\nenable-dbus=yes\n[publish]\n[reflector]\n[rlimits]\n' >"$T/avahi.conf"
DBUS_PID=$(dbus-daemon --config-file="$T/dbus.conf" --fork --print-pid) || fail "dbus-daemon starts"
BG_PIDS="$BG_PIDS $DBUS_PID"
BUS=unix:path=$T/bus.sock
DBUS_SYSTEM_BUS_ADDRESS=$BUS avahi-daemon -f "$T/avahi.conf" --no-drop-root --no-chroot \
	>"$T/avahi.out" 2>&1 &
AVAHI_PID=$!
BG_PIDS="$BG_PIDS $AVAHI_PID"
avahi_up() {
	_i=0
	while [ $_i -lt 100 ]; do
		grep -q 'Server startup complete' "$T/avahi.out" && return 0
		kill -0 "$AVAHI_PID" 2>/dev/null || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
check "avahi-daemon starts (private D-Bus)" avahi_up
browse() { DBUS_SYSTEM_BUS_ADDRESS=$BUS timeout 15 avahi-browse -rtpk _sftp-ssh._tcp 2>/dev/null; }
# withdrawn PORT: the service disappears from the daemon (5 s at most)
withdrawn() {
	_i=0
	while [ $_i -lt 10 ]; do
		browse | grep -q "SFTPGo\\\\032portable\\\\032$1;" || return 0
		sleep 0.5
		_i=$((_i + 1))
	done
	return 1
}

portable -d share -C || fail "portable with -C starts"
P0=$(sed -n 's/^Portable mode ready, SFTP port: \([0-9]*\),.*/\1/p' "$T/p.out")
PW=$(sed -n 's/.*password: "\([^"]*\)".*/\1/p' "$T/p.out")
check "port 0: a random port in 49152..64151" test "$P0" -ge 49152 -a "$P0" -le 64151
check "a generated password of 8 letters and digits" sh -c "echo '$PW' | grep -qxE '[A-Za-z0-9]{8}'"
check "the console says it is advertised" grep -qF "mDNS: advertised as \"SFTPGo portable $P0\" (_sftp-ssh._tcp) with the credentials" "$T/p.out"
browse >"$T/browse.out"
check "avahi-browse sees \"SFTPGo portable $P0\"" grep -q "^=;.*;SFTPGo\\\\032portable\\\\032$P0;_sftp-ssh._tcp;local;.*;$P0;" "$T/browse.out"
check "... with user, password and version TXT records" grep -qF "\"password=$PW\" \"user=user\" \"version=$("$SFTPGO" -v | sed 's/^SFTPGo version: //')\"" "$T/browse.out"
PORT=$P0
check "login with the generated password" getf "$PW" h.txt "$T/got5.txt"
keyscan "$P0" >"$T/hostkeys2"
check "another run from the same directory presents the same host keys" cmp -s "$T/hostkeys1" "$T/hostkeys2"
stop_portable
check "stopped: exit 0" test "$PSTATUS" -eq 0
check "... and the service is withdrawn" withdrawn "$P0"

# The current directory served: its keys would be downloadable, so not used.
portable -d . -s $((PORT_BASE + 145)) -p portpw --advertise-service=false || fail "portable -d . starts"
check "current directory served: a note, new host keys for this run" grep -qF \
	"Host keys: the current directory is served, so its id_rsa and id_ecdsa are not used: new host keys for this run" "$T/p.out"
keyscan $((PORT_BASE + 145)) >"$T/hostkeys3"
check "... not the ones of ./id_rsa and ./id_ecdsa" sh -c "! grep -qxFf '$T/hostkeys1' '$T/hostkeys3'"
stop_portable

ssh-keygen -q -t ed25519 -N '' -f "$T/key" && chmod 644 "$T/key.pub"
portable -d share -k "$(cat "$T/key.pub")" -c '*' -g '*' || fail "portable with a key starts"
P1=$(sed -n 's/^Portable mode ready, SFTP port: \([0-9]*\),.*/\1/p' "$T/p.out")
check "a key and no password: no password generated" grep -qF 'password: "", public keys: 1' "$T/p.out"
check "\"*\" SSH commands: the in-process ones, scp included, no git" grep -qF \
	'ssh commands: scp,md5sum,sha1sum,sha256sum,sha384sum,sha512sum,cd,pwd' "$T/p.out"
browse >"$T/browse3.out"
check "without -C: only the version record" sh -c "grep '^=;.*$P1' '$T/browse3.out' | grep -q '\"version=' && ! grep '^=;.*$P1' '$T/browse3.out' | grep -q 'user='"
PORT=$P1
up() { echo "put $T/key.pub up.pub" | sftp_key user "$T/key" >/dev/null 2>&1; }
check "key login, upload with -g '*'" up
check "... the file belongs to the user who runs portable" test "$(stat -c %u "$T/run/share/up.pub")" = "$PUID"
stop_portable
kill "$AVAHI_PID" "$DBUS_PID" 2>/dev/null
done_testing
