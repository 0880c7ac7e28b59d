#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# ./configure --prefix --sysconfdir --libexecdir, make install: every file lands
# under the given dirs, and the installed server finds its helper programs in
# pkglibexecdir with no flag and serves a login. Builds a second copy of the tree
# (about a minute); SFTPGO_QUICK_TESTS=1 skips it.
. "$top_srcdir/regress/lib.sh"
[ -z "${SFTPGO_QUICK_TESTS:-}" ] || skip_all "slow; unset SFTPGO_QUICK_TESTS to run it"
. "$top_srcdir/regress/serve-lib.sh"
command -v git >/dev/null || skip_all "git not installed"
[ -d "$top_srcdir/.git" ] || [ -f "$top_srcdir/.git" ] || skip_all "not a git checkout"

# The working tree as it is (committed or not), without build products. One tar
# reads the whole list (xargs would split it past 128 KiB into several archives,
# and tar -x stops at the end of the first).
mkdir -p "$T/src"
(cd "$top_srcdir" && git ls-files -co --exclude-standard -z |
	tar --null -T - -cf - 2>/dev/null) | tar -xf - -C "$T/src"
P=$T/inst
build() {
	cd "$T/src" && autoreconf -fi && ./configure --prefix="$P/usr" \
		--sysconfdir="$P/etc" --libexecdir="$P/lx" && make -j"$(nproc)" && make install
}
check "configure --prefix --sysconfdir --libexecdir; make install" build
check "sftpgo in bindir" test -x "$P/usr/bin/sftpgo"
for prog in sftpgo-worker sftpgo-worker-cloud sftpgo-session sftpgo-listener sftpgo-httpd; do
	check "$prog in libexecdir/sftpgo" test -x "$P/lx/sftpgo/$prog"
done
check "sample config in sysconfdir" test -f "$P/etc/sftpgo/sftpgo.json"
check "man pages installed" test -f "$P/usr/share/man/man8/sftpgo.8"
check "man sftpgo-worker-cloud is sftpgo-worker(8)" grep -qx ".so man8/sftpgo-worker.8" "$P/usr/share/man/man8/sftpgo-worker-cloud.8"
check "systemd unit names the installed paths" \
	grep -q "^ExecStart=$P/usr/bin/sftpgo serve --config-dir $P/etc/sftpgo " \
	"$P/usr/lib/systemd/system/sftpgo.service"
# The service files (issue 15 item 5): the hardened unit, OpenRC and sysvinit.
UNIT=$P/usr/lib/systemd/system/sftpgo.service
check "unit: capability bounding set is exactly the monitor's" test \
	"$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")" = \
	"CAP_SETUID CAP_SETGID CAP_SYS_CHROOT CAP_DAC_READ_SEARCH CAP_CHOWN CAP_KILL CAP_NET_BIND_SERVICE CAP_SYS_ADMIN"
check "unit: no ambient capabilities, NoNewPrivileges" sh -c \
	"grep -qx 'AmbientCapabilities=' '$UNIT' && grep -qx 'NoNewPrivileges=yes' '$UNIT'"
check "unit: ProtectSystem=strict, the config dir writable" sh -c \
	"grep -qx 'ProtectSystem=strict' '$UNIT' && grep -q '^ReadWritePaths=$P/etc/sftpgo ' '$UNIT'"
check "unit: PrivateTmp, ProtectHome=no (homes are served)" sh -c \
	"grep -qx 'PrivateTmp=yes' '$UNIT' && grep -qx 'ProtectHome=no' '$UNIT'"
if command -v systemd-analyze >/dev/null; then
	check "unit: systemd-analyze verify" systemd-analyze verify --man=no "$UNIT"
else
	ok "# SKIP systemd-analyze not installed"
fi
for s in sftpgo.openrc sftpgo.init; do
	check "$s installed executable in datadir/sftpgo/init.d" test -x "$P/usr/share/sftpgo/init.d/$s"
	check "$s is sh syntax" sh -n "$P/usr/share/sftpgo/init.d/$s"
	check "$s names the installed paths" sh -c \
		"grep -q '$P/usr/bin/sftpgo' '$P/usr/share/sftpgo/init.d/$s' && grep -q '$P/etc/sftpgo' '$P/usr/share/sftpgo/init.d/$s'"
	check "$s uses the unit's bounding set" grep -qF -- \
		'-all,+setuid,+setgid,+sys_chroot,+dac_read_search,+chown,+kill,+net_bind_service,+sys_admin' \
		"$P/usr/share/sftpgo/init.d/$s"
done
check "OpenRC script runs under openrc-run" sh -c "head -n 1 '$P/usr/share/sftpgo/init.d/sftpgo.openrc' | grep -qx '#!/sbin/openrc-run'"
check "sysvinit script has an LSB header" grep -q '^### BEGIN INIT INFO' "$P/usr/share/sftpgo/init.d/sftpgo.init"
echo '{"sftpd": {"bind_address": "127.0.0.1"}}' >"$P/etc/sftpgo/sftpgo.json.admin"
cp "$P/etc/sftpgo/sftpgo.json.admin" "$P/etc/sftpgo/sftpgo.json"
(cd "$T/src" && make install) >/dev/null 2>&1
check "reinstall keeps the admin's config" cmp -s "$P/etc/sftpgo/sftpgo.json" \
	"$P/etc/sftpgo/sftpgo.json.admin"
check_not "nothing installed outside the given dirs" \
	sh -c "cd '$P' && find . -type f | grep -v -e '^./usr/' -e '^./etc/' -e '^./lx/'"

# The installed server, with no --libexec-dir.
SFTPGO=$P/usr/bin/sftpgo
INSTALLED=1
U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
serve_config 60
if start_server; then ok "installed server starts"; else fail "installed server starts"; fi
add_user ivy "$U1" --password ivypw
login_works() { echo pwd | sftp_pw ivy ivypw; }
check "installed server serves a login" login_works
# the web admin's templates and static files, found in datadir/sftpgo when the
# config dir has none (httpd.templates_path / static_files_path fallback)
for f in templates/users.html templates/user.html templates/header.html \
	static/css/sftpgo.css static/js/tables.js static/favicon.svg; do
	check "$f installed in datadir/sftpgo" test -f "$P/usr/share/sftpgo/$f"
done
stop_server
. "$top_srcdir/regress/httpd-lib.sh"
httpd_config 62
if start_server && wait_httpd; then ok "installed server with the REST API starts"; else fail "installed server with the REST API starts"; fi
check "the installed web admin serves /web/users" sh -c \
	"curl -s http://127.0.0.1:$HPORT/web/users | grep -q '<title>SFTPGo - Users</title>'"
check "the installed static files are served" sh -c \
	"curl -s http://127.0.0.1:$HPORT/static/css/sftpgo.css | cmp -s - '$top_srcdir/web/static/css/sftpgo.css'"
done_testing
