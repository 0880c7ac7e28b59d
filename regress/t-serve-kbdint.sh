#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# covers: sftpd.keyboard_interactive_auth_program
# sftpgo serve: keyboard-interactive through keyboard_interactive_auth_program
# (SFTPGo's protocol: JSON questions on the program's stdout, answers on its stdin,
# {"auth_result":1} to accept), driven by the monitor.
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"

U1=sftpgo-t1-$$
make_sysuser "$U1" || skip_all "cannot create system users"
# the program runs as the service account (sftpd.unprivileged_user): a directory
# it may write to
mkdir -p "$T/out"
chmod 1777 "$T/out"
cat >"$T/kbd.sh" <<EOP
#!/bin/sh
echo "\$SFTPGO_AUTHD_USERNAME" >"$T/out/kbd.env"
id -u >"$T/out/kbd.uid"
echo '{"questions":["Question1: ","Question2: "],"instruction":"This is a sample for keyboard interactive authentication","echos":[true,false]}'
read ANSWER1
read ANSWER2
echo '{"questions":["Question3: "],"instruction":"","echos":[true]}'
read ANSWER3
if test "\$ANSWER3" = "answer3"; then
	echo '{"auth_result":1}'
else
	echo '{"auth_result":-1}'
fi
EOP
chmod 755 "$T/kbd.sh"
serve_config 8 "\"keyboard_interactive_auth_program\": \"$T/kbd.sh\""
start_server || { fail "server starts"; exit 1; }
ok "server starts"
add_user hank "$U1" --password unusedpw

# answers: the askpass program gets each prompt as its argument
cat >"$T/askpass" <<EOA
#!/bin/sh
case "\$1" in
*Question1*) echo answer1 ;;
*Question2*) echo answer2 ;;
*Question3*) cat "$T/answer3" ;;
*) echo unexpected ;;
esac
EOA
chmod 755 "$T/askpass"
kbd_login() { # answer3
	echo "$1" >"$T/answer3"
	echo ls | SSH_ASKPASS=$T/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 setsid \
		sftp $SSH_OPTS -P "$PORT" -o BatchMode=no \
		-o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 \
		-b - hank@127.0.0.1
}
check "keyboard-interactive login with the right answers" kbd_login answer3
check "the program got the username" grep -qx hank "$T/out/kbd.env"
check "as the service account, not root" grep -qx "$(id -u sftpgo 2>/dev/null || id -u nobody)" "$T/out/kbd.uid"
check "login logged as keyboard-interactive" wait_log \
	'user hank logged in with keyboard-interactive'
check_not "a wrong answer is refused" kbd_login wrong
check "the failure is logged with login_type keyboard-interactive" wait_log \
	'"username":"hank","login_type":"keyboard-interactive"'
check_not "an unknown user is refused" sh -c "echo ls | SSH_ASKPASS=$T/askpass \
	SSH_ASKPASS_REQUIRE=force DISPLAY=:0 setsid sftp $SSH_OPTS -P $PORT -o BatchMode=no \
	-o PreferredAuthentications=keyboard-interactive -b - nobody-here@127.0.0.1"
check "unknown user logged" wait_log '"username":"nobody-here","login_type":"keyboard-interactive"'
chmod 644 "$T/kbd.sh"
check_not "a program that cannot run refuses the login" kbd_login answer3
check "and the monitor says why" wait_log "cannot run $T/kbd.sh: Permission denied"
chmod 755 "$T/kbd.sh"
check "the next login works" kbd_login answer3
check_not "no child process crashed" grep -q "killed by signal" "$LOG"
done_testing
