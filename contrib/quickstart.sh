#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# One command for a fresh Debian 12 machine: installs the build and runtime
# packages, builds sftpgo in this tree and starts it in the foreground on the
# embedded default (SQLite database, generated host keys) with its config dir in
# ./run. Stop it with Ctrl-C. Run as root (or a sudoer) from the source tree.
set -eu
cd "$(dirname "$0")/.."
contrib/install-deps.sh
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc)"

run_dir=$PWD/run
mkdir -p "$run_dir"
chmod 700 "$run_dir"
if [ ! -f "$run_dir/sftpgo.json" ]; then
	# the web admin's pages from the source tree (make install puts them in
	# datadir/sftpgo, where an installed server finds them by default)
	cat >"$run_dir/sftpgo.json" <<JSON
{
  "sftpd": { "bind_port": 2022, "bind_address": "127.0.0.1" },
  "data_provider": { "driver": "sqlite", "name": "sftpgo.db" },
  "httpd": { "bind_port": 8080, "bind_address": "127.0.0.1",
             "templates_path": "$PWD/web/templates",
             "static_files_path": "$PWD/web/static" }
}
JSON
fi
cat <<MSG

sftpgo is starting on 127.0.0.1:2022 with its config in $run_dir.
Add a first user from another terminal, for example:
  mkdir -p /srv/sftpgo
  ./sftpgo user add --config-dir $run_dir --username demo --password 'change-me' \\
      --home-dir /srv/sftpgo/demo --uid 10000 --gid 10000 --permissions '/:*' --create-home
  sftp -P 2022 demo@127.0.0.1
The web admin and the REST API: http://127.0.0.1:8080/web/users and
http://127.0.0.1:8080/api/v1/user (loopback only, no password: see
httpd.auth_user_file in man/sftpgo.json.5 before binding it elsewhere).
MSG
exec ./sftpgo serve --config-dir "$run_dir" --libexec-dir "$PWD" --log-file-path ""
