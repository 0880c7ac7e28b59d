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
	liblmdb-dev lmdb-utils libcurl4-openssl-dev
# SQL data providers: client libraries, and the servers the tests start
$SUDO apt-get install -y --no-install-recommends \
	libpq-dev libmariadb-dev postgresql-15 postgresql-client-15 mariadb-server \
	mariadb-client openssl
# issue 15: YAML configuration files
$SUDO apt-get install -y --no-install-recommends libyaml-dev
# issue 16: seccomp sandboxes
$SUDO apt-get install -y --no-install-recommends libseccomp-dev
