/* SPDX-License-Identifier: BSD-2-Clause */
/* The line parsers of `sftpgo user import` (cli/import_parse.c). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "cli/import_parse.h"
#include "regress/unit/check_main.h"

static char buf[IMPORT_LINE_MAX + 64];
static char why[300];
static struct import_record r;

static enum import_verdict
parse(enum import_format f, const char *line)
{
	size_t n = strlen(line);

	ck_assert_uint_lt(n, sizeof(buf));
	memcpy(buf, line, n + 1);
	why[0] = '\0';
	return import_parse_line(f, buf, n, &r, why, sizeof(why));
}

/* The line must be refused with a reason containing `reason`. */
static void
refused(enum import_format f, const char *line, const char *reason)
{
	ck_assert_msg(parse(f, line) == IMPORT_REFUSED, "accepted: %s", line);
	ck_assert_msg(strstr(why, reason) != NULL, "%s: reason \"%s\" lacks \"%s\"", line,
	              why, reason);
}

START_TEST(passwd_line)
{
	ck_assert_int_eq(parse(IMPORT_UNIX_PASSWD,
	                       "alice:x:1001:1002:Alice A,,,:/home/alice:/bin/bash"),
	                 IMPORT_OK);
	ck_assert_str_eq(r.name, "alice");
	ck_assert_str_eq(r.hash, "x");
	ck_assert_int_eq(r.hash_in_shadow, 1);
	ck_assert_int_eq(r.uid, 1001);
	ck_assert_int_eq(r.gid, 1002);
	ck_assert_str_eq(r.home, "/home/alice");
	ck_assert_int_eq(
	    parse(IMPORT_UNIX_PASSWD, "bob:$6$s$h:2147483647:0::/srv/b/:/bin/sh"),
	    IMPORT_OK);
	ck_assert_int_eq(r.hash_in_shadow, 0);
	ck_assert_str_eq(r.home, "/srv/b");
	ck_assert_int_eq(r.uid, 2147483647);
	ck_assert_int_eq(parse(IMPORT_UNIX_PASSWD, ""), IMPORT_IGNORE);
	ck_assert_int_eq(parse(IMPORT_UNIX_PASSWD, "# comment"), IMPORT_IGNORE);
}
END_TEST

START_TEST(passwd_refusals)
{
	char longname[400], longhome[400];

	refused(IMPORT_UNIX_PASSWD, "alice:x:1001:1002::/home/alice", "6 fields");
	refused(IMPORT_UNIX_PASSWD, "alice:x:1001:1002::/home/alice:/bin/sh:extra",
	        "8 fields");
	refused(IMPORT_UNIX_PASSWD, "a:b:c:d:e:f:g:h:i:j:k:l:m:n:o:p:q:r:s:t", "fields");
	refused(IMPORT_UNIX_PASSWD, ":x:1001:1002::/home/a:/bin/sh", "empty user name");
	refused(IMPORT_UNIX_PASSWD, "alice:x:-1:1002::/home/a:/bin/sh", "uid");
	refused(IMPORT_UNIX_PASSWD, "alice:x:+5:1002::/home/a:/bin/sh", "uid");
	refused(IMPORT_UNIX_PASSWD, "alice:x:2147483648:1002::/home/a:/bin/sh", "uid");
	refused(IMPORT_UNIX_PASSWD, "alice:x:99999999999999999999:1::/home/a:/bin/sh",
	        "uid");
	refused(IMPORT_UNIX_PASSWD, "alice:x::1002::/home/a:/bin/sh", "uid");
	refused(IMPORT_UNIX_PASSWD, "alice:x:1001:1e3::/home/a:/bin/sh", "gid");
	refused(IMPORT_UNIX_PASSWD, "alice:x:1001: 1::/home/a:/bin/sh", "gid");
	refused(IMPORT_UNIX_PASSWD, "alice:x:1001:1002::home/a:/bin/sh",
	        "not an absolute");
	refused(IMPORT_UNIX_PASSWD, "alice:x:1001:1002:::/bin/sh", "not an absolute");
	refused(IMPORT_UNIX_PASSWD, "+nisuser::0:0:::", "NIS");
	refused(IMPORT_UNIX_PASSWD, "al\tice:x:1:1::/h:/bin/sh", "control character");
	refused(IMPORT_UNIX_PASSWD, "alice:x:1:1::/h:/bin/sh\r",
	        "control character 0x0d");
	refused(IMPORT_UNIX_PASSWD, "al\xe9ice:x:1:1::/h:/bin/sh", "not valid UTF-8");
	refused(IMPORT_UNIX_PASSWD, "al\xc0\xafice:x:1:1::/h:/bin/sh", "not valid UTF-8");
	refused(IMPORT_UNIX_PASSWD, "al\xed\xa0\x80ice:x:1:1::/h:/bin/sh",
	        "not valid UTF-8");
	refused(IMPORT_UNIX_PASSWD, "al\xf4\x90\x80\x80:x:1:1::/h:/bin/sh",
	        "not valid UTF-8");
	refused(IMPORT_UNIX_PASSWD, "alice\xe2\x82:x:1:1::/h:/bin/sh", "not valid UTF-8");
	ck_assert_int_eq(parse(IMPORT_UNIX_PASSWD, "\xc3\xa9lise:x:1:1::/h:/bin/sh"),
	                 IMPORT_OK); /* valid UTF-8: the account validation decides */
	memset(longname, 'a', 256);
	longname[256] = '\0';
	snprintf(buf, sizeof(buf), "%s:x:1:1::/h:/bin/sh", longname);
	char line[IMPORT_LINE_MAX + 64];
	strlcpy(line, buf, sizeof(line));
	refused(IMPORT_UNIX_PASSWD, line, "user name longer than 255");
	memset(longhome, 'h', 300);
	longhome[0] = '/';
	longhome[300] = '\0';
	snprintf(line, sizeof(line), "alice:x:1:1::%s:/bin/sh", longhome);
	refused(IMPORT_UNIX_PASSWD, line, "home longer than 255");
	snprintf(line, sizeof(line), "alice:%01100d:1:1::/h:/bin/sh", 0);
	refused(IMPORT_UNIX_PASSWD, line, "password field longer than 1024");
}
END_TEST

START_TEST(line_limits)
{
	char big[IMPORT_LINE_MAX + 2];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(
	    import_parse_line(IMPORT_PROFTPD, big, strlen(big), &r, why, sizeof(why)),
	    IMPORT_REFUSED);
	ck_assert_ptr_nonnull(strstr(why, "line longer than 4096"));
	memcpy(buf, "alice:x\0:1:1::/h:/bin/sh", 24);
	ck_assert_int_eq(import_parse_line(IMPORT_PROFTPD, buf, 24, &r, why, sizeof(why)),
	                 IMPORT_REFUSED);
	ck_assert_ptr_nonnull(strstr(why, "NUL"));
}
END_TEST

START_TEST(proftpd_line)
{
	ck_assert_int_eq(parse(IMPORT_PROFTPD, "ftpjoe:$1$ab/cd$eDK2IVsHz1Jw204Snq71t/:"
	                                       "5001:5001:Joe:/srv/ftp/joe:/bin/false"),
	                 IMPORT_OK);
	ck_assert_str_eq(r.hash, "$1$ab/cd$eDK2IVsHz1Jw204Snq71t/");
	ck_assert_int_eq(r.hash_in_shadow, 0);
	ck_assert_str_eq(r.home, "/srv/ftp/joe");
	/* "x" is not special outside passwd: it is a (bad) hash */
	ck_assert_int_eq(parse(IMPORT_PROFTPD, "a:x:1:1::/h:/bin/sh"), IMPORT_OK);
	ck_assert_int_eq(r.hash_in_shadow, 0);
}
END_TEST

START_TEST(pureftpd_line)
{
	ck_assert_int_eq(
	    parse(IMPORT_PURE_FTPD,
	          "joe:$2b$06$abcdefghijklmnopqrstuuFoBUs1x6ElXaSTkYeOmux1nR5euQixO:"
	          "2000:2000::/home/ftpusers/joe/./:102400:204800:::5:100:"
	          "1048576:::192.0.2.1,10.0.0.0/8:2001:db8::1::"),
	    IMPORT_REFUSED); /* an IPv6 address has ':' : pure-pw cannot
	                        store it either, the field count says so */
	ck_assert_int_eq(
	    parse(IMPORT_PURE_FTPD,
	          "joe:$2b$06$abcdefghijklmnopqrstuuFoBUs1x6ElXaSTkYeOmux1nR5euQixO:"
	          "2000:2000:Joe:/home/ftpusers/joe/./:102400:204800:::5:100:"
	          "1048576:::192.0.2.1,10.0.0.0/8:198.51.100.7:"),
	    IMPORT_OK);
	ck_assert_str_eq(r.home, "/home/ftpusers/joe");
	ck_assert_int_eq(r.upload_bw, 100);
	ck_assert_int_eq(r.download_bw, 200);
	ck_assert_int_eq(r.max_sessions, 5);
	ck_assert_int_eq(r.quota_files, 100);
	ck_assert_int_eq(r.quota_size, 1048576);
	ck_assert_str_eq(r.allowed_ip, "192.0.2.1,10.0.0.0/8");
	ck_assert_str_eq(r.denied_ip, "198.51.100.7");
	/* 17 fields (no time restrictions) and a chroot in the middle */
	ck_assert_int_eq(
	    parse(IMPORT_PURE_FTPD, "ann:$1$x$y:1:1::/srv/ftp/./ann:::::::::::"),
	    IMPORT_OK);
	ck_assert_str_eq(r.home, "/srv/ftp");
	ck_assert_int_eq(r.upload_bw, 0);
	refused(IMPORT_PURE_FTPD, "ann:$1$x$y:1:1::/srv/ftp:::::::::::::::", "fields");
	refused(IMPORT_PURE_FTPD,
	        "ann:$1$x$y:1:1::/srv/ftp:::3:::::::::", "upload ratio");
	refused(IMPORT_PURE_FTPD,
	        "ann:$1$x$y:1:1::/srv/ftp::::::::10.0.0.1::::", "allowed local IPs");
	refused(IMPORT_PURE_FTPD, "ann:$1$x$y:1:1::/srv/ftp::::::::::::0900-1800",
	        "time restrictions");
	refused(IMPORT_PURE_FTPD, "ann:$1$x$y:1:1::/srv/ftp:abc:::::::::::", "bandwidth");
	refused(IMPORT_PURE_FTPD,
	        "ann:$1$x$y:1:1::/srv/ftp:::::99999999999:::::::", "max connections");
	refused(IMPORT_PURE_FTPD, "ann:$1$x$y:1:1::/srv/ftp:::::::-1:::::", "quota");
	refused(IMPORT_PURE_FTPD, "ann:$1$x$y:1:1::ftp/./ann:::::::::::", "absolute");
}
END_TEST

START_TEST(shadow_line)
{
	struct import_shadow s;
	int active;
	int64_t exp;

	strlcpy(buf, "alice:$6$s$h:19000:0:90:7:30:20000:", sizeof(buf));
	ck_assert_int_eq(import_parse_shadow(buf, strlen(buf), &s, why, sizeof(why)),
	                 IMPORT_OK);
	ck_assert_str_eq(s.name, "alice");
	ck_assert_str_eq(s.hash, "$6$s$h");
	ck_assert_int_eq(s.lastchg, 19000);
	ck_assert_int_eq(s.max, 90);
	ck_assert_int_eq(s.inact, 30);
	ck_assert_int_eq(s.expire, 20000);
	import_shadow_status(&s, 19100, &active, &exp);
	ck_assert_int_eq(active, 1);
	ck_assert_int_eq(exp, 20000LL * 86400 * 1000);
	import_shadow_status(&s, 19121, &active, &exp);
	ck_assert_int_eq(active, 0);
	strlcpy(buf, "bob:!:19000::::::", sizeof(buf));
	ck_assert_msg(import_parse_shadow(buf, strlen(buf), &s, why, sizeof(why)) ==
	                  IMPORT_OK,
	              "%s", why);
	ck_assert_int_eq(s.max, -1);
	import_shadow_status(&s, 99999, &active, &exp);
	ck_assert_int_eq(active, 1);
	ck_assert_int_eq(exp, 0);
	strlcpy(buf, "bob:x:19000:::::", sizeof(buf));
	ck_assert_int_eq(import_parse_shadow(buf, strlen(buf), &s, why, sizeof(why)),
	                 IMPORT_REFUSED);
	strlcpy(buf, "bob:x:abc::::::", sizeof(buf));
	ck_assert_int_eq(import_parse_shadow(buf, strlen(buf), &s, why, sizeof(why)),
	                 IMPORT_REFUSED);
	ck_assert_ptr_nonnull(strstr(why, "day count"));
}
END_TEST

START_TEST(locked_passwords)
{
	ck_assert_ptr_nonnull(import_password_locked(""));
	ck_assert_ptr_nonnull(import_password_locked(NULL));
	ck_assert_ptr_nonnull(import_password_locked("!"));
	ck_assert_ptr_nonnull(import_password_locked("!!"));
	ck_assert_ptr_nonnull(import_password_locked("!$6$s$h"));
	ck_assert_ptr_nonnull(import_password_locked("*"));
	ck_assert_ptr_nonnull(import_password_locked("x"));
	ck_assert_ptr_null(import_password_locked("$6$s$h"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("import_parse");
	TCase *tc = tcase_create("lines");

	tcase_add_test(tc, passwd_line);
	tcase_add_test(tc, passwd_refusals);
	tcase_add_test(tc, line_limits);
	tcase_add_test(tc, proftpd_line);
	tcase_add_test(tc, pureftpd_line);
	tcase_add_test(tc, shadow_line);
	tcase_add_test(tc, locked_passwords);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
