#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Installs every Debian 12 package needed to build, run and test sftpgo.
set -eu
export DEBIAN_FRONTEND=noninteractive
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends \
	build-essential autoconf automake libtool pkg-config clang clang-format \
	libssh-dev libssl-dev libsqlite3-dev sqlite3 libevent-dev libjansson-dev \
	libbsd-dev libmd-dev libargon2-dev libcrypt-dev zlib1g-dev check \
	openssh-client openssh-server openssh-sftp-server openssh-tests \
	sshpass rsync git curl procps psmisc python3 python3-paramiko ca-certificates \
	apache2-utils fail2ban \
	liblmdb-dev lmdb-utils libcurl4-openssl-dev
# (libevent-dev also ships libevent_openssl: HTTPS of sftpgo-httpd, with libssl-dev)
# SQL data providers: client libraries, and the servers the tests start
$SUDO apt-get install -y --no-install-recommends \
	libpq-dev libmariadb-dev postgresql-15 postgresql-client-15 mariadb-server \
	mariadb-client openssl
# issue 15: YAML configuration files
$SUDO apt-get install -y --no-install-recommends libyaml-dev
# issue 14: S3 storage (libxml2 for the worker's S3 client); the tests' S3 server,
# s3rver from npm (Debian ships no S3 server), pinned, under /opt/sftpgo-test-s3;
# python3-cryptography reads and writes SFTPGo's $aes$ secrets independently
$SUDO apt-get install -y --no-install-recommends libxml2-dev python3-cryptography
# issue 12: t-httpd-metrics reads /metrics with a real Prometheus parser
$SUDO apt-get install -y --no-install-recommends python3-prometheus-client
# bench/s3-vs-rclone.sh: what a user would pick instead
$SUDO apt-get install -y --no-install-recommends rclone bc
# a node that came with its own npm (a vendor build) is kept: Debian's npm would clash
command -v npm >/dev/null || $SUDO apt-get install -y --no-install-recommends nodejs npm
if [ ! -x /opt/sftpgo-test-s3/node_modules/.bin/s3rver ]; then
	$SUDO mkdir -p /opt/sftpgo-test-s3
	(cd /opt/sftpgo-test-s3 && $SUDO npm install --no-audit --no-fund --loglevel=error \
		s3rver@3.7.1)
fi
# issue 14: the tests' GCS JSON API, the Cloud Storage emulator of firebase-tools
# (npm; Debian ships none), pinned, under /opt/sftpgo-test-gcs; regress/gcs-emulator.js
# serves its JSON API endpoints without the firebase CLI (whose emulator start wants
# Java 21 for the security rules runtime, which the JSON API does not use)
if [ ! -f /opt/sftpgo-test-gcs/node_modules/firebase-tools/lib/emulator/storage/apis/gcloud.js ]; then
	$SUDO mkdir -p /opt/sftpgo-test-gcs
	(cd /opt/sftpgo-test-gcs && $SUDO npm install --no-audit --no-fund --loglevel=error \
		firebase-tools@15.34.2)
fi
# issue 15: mkpasswd (whois) makes the yescrypt/sha-crypt/bcrypt hashes of t-user-import
$SUDO apt-get install -y --no-install-recommends whois
# issue 15: capsh (libcap2-bin) and systemd-analyze (systemd) check the service files
$SUDO apt-get install -y --no-install-recommends libcap2-bin systemd
# issue 15: portable mode's mDNS (libavahi-client); t-portable starts dbus-daemon and
# avahi-daemon itself and browses with avahi-browse
$SUDO apt-get install -y --no-install-recommends libavahi-client-dev avahi-daemon \
	avahi-utils dbus
# issue 16: seccomp sandboxes
$SUDO apt-get install -y --no-install-recommends libseccomp-dev
# issue 12: the web admin's browser test (regress/t-httpd-web.sh drives a headless
# chromium over the DevTools protocol with python3-websocket; DejaVu for stable
# screenshots)
$SUDO apt-get install -y --no-install-recommends chromium python3-websocket \
	fonts-dejavu-core
