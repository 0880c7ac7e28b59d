#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sftpgo serve with its configuration in YAML, Java properties, dotenv, TOML, HCL
# and INI (found as sftpgo.<ext> in the config dir, SFTPGo's search order): the
# port and the enabled SSH commands are honoured, as from sftpgo.json; a bad file
# is refused at start naming the file and the line. (check_conf compares every
# format with JSON key by key.)
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-cf1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
serve_config 83 # for the user database: the file itself is replaced below
"$SFTPGO" initprovider --config-dir "$CFG" >/dev/null && rm -f "$CFG/sftpgo.json"
add_user cfu "$U1" --password cfpw --permissions "/:*"
printf 'hello\n' >"$T/homes/cfu/a.txt" && chown "$U1:$U1" "$T/homes/cfu/a.txt"

# try EXT PORT TEXT: serve from sftpgo.EXT alone, then a command and a login
try() {
	rm -f "$CFG"/sftpgo.*[!b]
	PORT=$2
	printf '%s' "$3" >"$CFG/sftpgo.$1"
	start_server || { fail "server starts from sftpgo.$1"; return; }
	ok "server starts from sftpgo.$1"
	check "sftpgo.$1: the port is the file's" grep -q "listening on 127.0.0.1:$PORT" "$LOG"
	out=$(ssh_pw cfu cfpw sha256sum a.txt </dev/null 2>&1)
	check "sftpgo.$1: a command the file enables runs" test \
		"$out" = "$(sha256sum <"$T/homes/cfu/a.txt" | cut -d' ' -f1)  /a.txt"
	ssh_pw cfu cfpw sha1sum a.txt </dev/null >"$T/dis.out" 2>&1
	check "sftpgo.$1: one it leaves out is refused" grep -q "command not enabled: sha1sum" "$T/dis.out"
	stop_server
	: >"$LOG"
}
P=$((PORT_BASE + 83))
try yaml $P "sftpd:
  bind_port: $P
  bind_address: 127.0.0.1
  session_pool_size: 1
  enabled_ssh_commands: [sha256sum]
httpd:
  bind_port: 0
"
P=$((PORT_BASE + 84))
try properties $P "sftpd.bind_port = $P
sftpd.bind_address = 127.0.0.1
sftpd.session_pool_size = 1
sftpd.enabled_ssh_commands = sha256sum
httpd.bind_port = 0
"
P=$((PORT_BASE + 85))
try env $P "sftpd.bind_port=$P
sftpd.bind_address=127.0.0.1
sftpd.session_pool_size=1
sftpd.enabled_ssh_commands=sha256sum
httpd.bind_port=0
"
P=$((PORT_BASE + 86))
try toml $P "[sftpd]
bind_port = $P
bind_address = '127.0.0.1'
session_pool_size = 1
enabled_ssh_commands = [\"sha256sum\"]
[httpd]
bind_port = 0
"
P=$((PORT_BASE + 87))
try hcl $P "sftpd {
  bind_port = $P
  bind_address = \"127.0.0.1\"
  session_pool_size = 1
  enabled_ssh_commands = [\"sha256sum\"]
}
httpd { bind_port = 0 }
"
P=$((PORT_BASE + 88))
try ini $P "[sftpd]
bind_port = $P
bind_address = 127.0.0.1
session_pool_size = 1
enabled_ssh_commands = sha256sum
[httpd]
bind_port = 0
"
rm -f "$CFG"/sftpgo.*[!b]
printf 'x = 1\n' >"$CFG/sftpgo.ini"
"$SFTPGO" serve --config-dir "$CFG" --libexec-dir "$top_builddir" >"$T/toml.out" 2>&1
check "a file that does not parse is refused at start" test $? -ne 0
check "... naming the file, the line and why" \
	grep -q "sftpgo.ini:line 1: a key before any \[section\]" "$T/toml.out"
done_testing
