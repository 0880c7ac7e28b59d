#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Two `sftpgo serve` on different ports sharing one database, as behind a TCP load
# balancer (issue 11 item 6), on PostgreSQL and on MariaDB: a user added with one
# instance's CLI logs in on the other at once; the same user uploading through both
# at the same time ends with the exact quota in the database (atomic increments
# from both); last_login is written; max_sessions counts per instance (documented
# in sftpgo.json(5)): a user at their limit on one instance still logs in on the
# other. Then both behind a stand-in load balancer speaking the PROXY protocol.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
. "$top_srcdir/regress/sql-lib.sh"

U1=sftpgo-pmul-$$
make_sysuser "$U1" || skip_all "cannot create system users"
CFG2=$T/cfg2
LOG2=$T/sftpgo2.log
SERVER2_PID=
mkdir -p "$CFG2"
stop_second() {
	[ -n "$SERVER2_PID" ] || return 0
	kill -TERM "$SERVER2_PID" 2>/dev/null
	_i=0
	while alive "$SERVER2_PID" && [ $_i -lt 150 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	wait "$SERVER2_PID" 2>/dev/null
	SERVER2_PID=
}
multi_cleanup() {
	stop_second
	sql_cleanup
}
trap multi_cleanup EXIT

start_second() {
	"$SFTPGO" serve --config-dir "$CFG2" --libexec-dir "$top_builddir" \
		--log-file-path "$LOG2" --log-verbose >"$T/serve2.out" 2>&1 &
	SERVER2_PID=$!
	_i=0
	while [ $_i -lt 100 ]; do
		grep -q '"SFTP server listening' "$LOG2" 2>/dev/null && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	cat "$T/serve2.out"
	return 1
}
# instance_config DIR PORT KIND [extra sftpd members]
instance_config() {
	cat >"$1/sftpgo.json" <<EOC
{"sftpd": {"bind_port": $2, "bind_address": "127.0.0.1", "session_pool_size": 2${4:+, $4}},
 "data_provider": $(provider_json "$3")}
EOC
}
# on PORT USER: sftp batch from stdin through the instance on PORT
on() {
	sshpass -p pw sftp $SSH_OPTS -P "$1" -o BatchMode=no \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no -b - "$2@127.0.0.1"
}
wait_used() { # KIND USER WANT
	wait_sql "$1" "SELECT concat(used_quota_files, ' ', used_quota_size) FROM users WHERE username = '$2'" "$3"
}

# 2 x 6 files, all sizes distinct: the sum is exact only if no delta is lost
i=1
while [ $i -le 12 ]; do
	head -c $((1000 * i + i)) /dev/urandom >"$T/f$i"
	i=$((i + 1))
done
WANT_SIZE=0
i=1
while [ $i -le 12 ]; do
	WANT_SIZE=$((WANT_SIZE + 1000 * i + i))
	i=$((i + 1))
done

run_kind() { # KIND OFFSET1 OFFSET2 DB_OFFSET
	K=$1
	P1=$((PORT_BASE + $2))
	P2=$((PORT_BASE + $3))
	rm -rf "$T/homes" "$LOG" "$LOG2"
	sql_start "$K" $((PORT_BASE + $4))
	PORT=$P1
	instance_config "$CFG" "$P1" "$K"
	instance_config "$CFG2" "$P2" "$K"
	check "$K: initprovider" "$SFTPGO" initprovider --config-dir "$CFG"
	start_server || { fail "$K: instance 1 starts"; return 1; }
	start_second || { fail "$K: instance 2 starts"; return 1; }
	ok "$K: two instances on one database"
	# added through instance 2's CLI, logs in on instance 1 at once
	mkdir -p "$T/homes/carol" && chown "$U1:$U1" "$T/homes/carol"
	check "$K: user add through instance 2's config" "$SFTPGO" user add --config-dir "$CFG2" \
		--username carol --password pw --home-dir "$T/homes/carol" \
		--uid "$(id -u "$U1")" --gid "$(id -g "$U1")" --max-sessions 1 --quota-files 100
	check "$K: ... logs in on instance 1 at once" sh -c "printf 'ls\n' | sshpass -p pw sftp $SSH_OPTS -P $P1 -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - carol@127.0.0.1"
	# the same user uploading through both at once
	(i=1; while [ $i -le 6 ]; do echo "put $T/f$i a$i"; i=$((i + 1)); done) | on "$P1" carol >"$T/up1.out" 2>&1 &
	B1=$!
	(i=7; while [ $i -le 12 ]; do echo "put $T/f$i b$i"; i=$((i + 1)); done) | on "$P2" carol >"$T/up2.out" 2>&1 &
	B2=$!
	check "$K: uploads through instance 1" wait "$B1"
	check "$K: uploads through instance 2 at the same time" wait "$B2"
	check "$K: exact quota in the database from both" wait_used "$K" carol "12 $WANT_SIZE"
	check "$K: last_login written" test "$(sql "$K" "SELECT last_login > 0 FROM users WHERE username = 'carol'")" = "$([ "$K" = pg ] && echo t || echo 1)"
	# max_sessions 1 per instance: held on 1, refused on 1, allowed on 2
	# The held session lasts until the checks are done (a fixed sleep ran out
	# before its login finished on a loaded machine).
	rm -f "$T/release"
	(
		while [ ! -e "$T/release" ]; do sleep 0.1; done
		echo ls
	) | on "$P1" carol >"$T/hold.out" 2>&1 &
	HOLD=$!
	BG_PIDS="$BG_PIDS $HOLD"
	check "$K: the held session's worker started" wait_log "sftp worker .* started for user carol" 3 600
	check_not "$K: max_sessions 1: a second session on the same instance is refused" sh -c "printf 'ls\n' | sshpass -p pw sftp $SSH_OPTS -P $P1 -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - carol@127.0.0.1"
	check "$K: ... refused for max_sessions" grep -q "too many open sessions: 1/1" "$LOG"
	check "$K: max_sessions is per instance: the other one logs in" sh -c "printf 'ls\n' | sshpass -p pw sftp $SSH_OPTS -P $P2 -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - carol@127.0.0.1"
	touch "$T/release"
	wait "$HOLD"
	stop_second
	stop_server
}

# Behind a load balancer speaking the PROXY protocol (sftpgo.json(5), SEVERAL
# INSTANCES): one relay in front of each instance (regress/proxy-relay.py, from
# 127.0.0.2), proxy_protocol 2 on both; each logs the client's address.
behind_proxy() {
	P1=$((PORT_BASE + 73))
	P2=$((PORT_BASE + 74))
	PORT=$P1
	rm -f "$LOG" "$LOG2"
	instance_config "$CFG" "$P1" pg '"proxy_protocol": 2, "proxy_allowed": ["127.0.0.2"]'
	instance_config "$CFG2" "$P2" pg '"proxy_protocol": 2, "proxy_allowed": ["127.0.0.2"]'
	cp "$CFG"/id_* "$CFG2"/ # one set of host keys for the service
	start_server || { fail "proxy: instance 1 starts"; return 1; }
	start_second || { fail "proxy: instance 2 starts"; return 1; }
	for n in 1 2; do
		eval "_to=\$P$n"
		$PY "$top_srcdir/regress/proxy-relay.py" relay $((PORT_BASE + 76 + n)) "$_to" \
			127.0.0.2 v2 "192.0.2.$n" 4000$n >"$T/relay.$n" 2>&1 &
		BG_PIDS="$BG_PIDS $!"
		_i=0
		while ! grep -q ready "$T/relay.$n" 2>/dev/null && [ $_i -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
	done
	check "proxy: login through the balancer to instance 1" sh -c "printf 'ls\n' | sshpass -p pw sftp $SSH_OPTS -P $((PORT_BASE + 77)) -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - carol@127.0.0.1"
	check "proxy: login through the balancer to instance 2" sh -c "printf 'ls\n' | sshpass -p pw sftp $SSH_OPTS -P $((PORT_BASE + 78)) -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - carol@127.0.0.1"
	check "proxy: instance 1 logs the client's address" grep -q "user carol logged in with password from 192.0.2.1" "$LOG"
	check "proxy: instance 2 logs the client's address" grep -q "user carol logged in with password from 192.0.2.2" "$LOG2"
	check_not "proxy: a direct connection without a header is refused" sh -c "printf 'ls\n' | sshpass -p pw sftp $SSH_OPTS -P $P2 -o BatchMode=no -o PreferredAuthentications=password -o PubkeyAuthentication=no -b - carol@127.0.0.1"
	stop_second
	stop_server
}

run_kind pg 73 74 855
behind_proxy
run_kind mariadb 75 76 856
done_testing
