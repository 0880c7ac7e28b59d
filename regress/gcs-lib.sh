# SPDX-License-Identifier: BSD-2-Clause
# Sourced by the GCS tests after lib.sh and serve-lib.sh: firebase-tools' Cloud
# Storage emulator (contrib/install-deps.sh installs it under /opt/sftpgo-test-gcs),
# launched by regress/gcs-emulator.js, and a service account for it.
GCS_FT=${GCS_FIREBASE_TOOLS:-/opt/sftpgo-test-gcs/node_modules/firebase-tools}

# gcs_have: the emulator and node are installed
gcs_have() {
	[ -f "$GCS_FT/lib/emulator/storage/apis/gcloud.js" ] && command -v node >/dev/null
}

# gcs_start PORT EMAIL: the service account EMAIL (its RSA key $T/sa.pem, the
# public half $T/sa.pub for the emulator's token endpoint, and the key file
# $T/sa.json whose token_uri is that endpoint), then the emulator on PORT; 1 (its
# log on standard output) when it does not answer within 30 s.
gcs_start() {
	openssl genrsa -out "$T/sa.pem" 2048 2>/dev/null
	openssl rsa -in "$T/sa.pem" -pubout -out "$T/sa.pub" 2>/dev/null
	$PY - "$T/sa.pem" "$2" "http://127.0.0.1:$1/token" >"$T/sa.json" <<'EOP'
import json, sys
print(json.dumps({"type": "service_account", "project_id": "demo-sftpgo",
                  "private_key_id": "k1", "private_key": open(sys.argv[1]).read(),
                  "client_email": sys.argv[2], "client_id": "1",
                  "token_uri": sys.argv[3]}, indent=2))
EOP
	GCS_EMULATOR_DIR=$T node "$top_srcdir/regress/gcs-emulator.js" "$1" "$T/sa.pub" \
		"$2" "$GCS_FT" >"$T/emulator.log" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	_i=0
	until curl -s -o /dev/null "http://127.0.0.1:$1/__stats"; do
		[ $_i -ge 300 ] && { cat "$T/emulator.log"; return 1; }
		sleep 0.1
		_i=$((_i + 1))
	done
}
