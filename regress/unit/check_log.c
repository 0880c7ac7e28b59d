/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of logfile/logfile.c: exact line shapes, escaping, verbosity, rotation. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "logfile/logfile.h"
#include "logfile/internal.h"
#include "regress/unit/check_main.h"

/* 2020-03-07T13:36:46.123 UTC */
static const struct timespec fixed = {.tv_sec = 1583588206, .tv_nsec = 123456789};
#define T "\"time\":\"2020-03-07T13:36:46.123\""

static char dir[64];
static char logpath[128];

static int
rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

static void
setup(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	log_test_set_clock(&fixed);
	snprintf(dir, sizeof(dir), "/tmp/check_log.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(logpath, sizeof(logpath), "%s/sftpgo.log", dir);
}

static void
teardown(void)
{
	log_close();
	log_test_set_clock(NULL);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
open_log(int max_mb, int backups, int age, bool compress, bool verbose)
{
	struct log_config c = {.file_path = logpath,
	                       .max_size_mb = max_mb,
	                       .max_backups = backups,
	                       .max_age_days = age,
	                       .compress = compress,
	                       .verbose = verbose};
	char err[256];

	ck_assert_msg(log_open(&c, err, sizeof(err)) == 0, "%s", err);
}

static char *
slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	char *b;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = calloc(1, (size_t)n + 1);
	ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return b;
}

static void
assert_file_is(const char *want)
{
	char *got = slurp(logpath);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

/* Every line of text parses as one JSON object; returns the number of lines. */
static size_t
assert_json_lines(const char *text)
{
	size_t n = 0;
	const char *p = text;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		json_error_t je;
		json_t *o;

		ck_assert_ptr_nonnull(nl);
		o = json_loadb(p, (size_t)(nl - p), 0, &je);
		ck_assert_msg(o != NULL && json_is_object(o), "line %zu: %s", n + 1,
		              je.text);
		json_decref(o);
		p = nl + 1;
		n++;
	}
	return n;
}

START_TEST(app_line_shape)
{
	char *s = log_format_app(LOGL_INFO, "sftpd", "server started");

	ck_assert_str_eq(s, "{\"level\":\"info\"," T ",\"sender\":\"sftpd\","
	                    "\"message\":\"server started\"}");
	free(s);
	s = log_format_app(LOGL_WARN, "httpd", "");
	ck_assert_str_eq(s, "{\"level\":\"warn\"," T ",\"sender\":\"httpd\"}");
	free(s);
	s = log_format_app(LOGL_ERROR, "x", NULL);
	ck_assert_str_eq(s, "{\"level\":\"error\"," T ",\"sender\":\"x\"}");
	free(s);
	s = log_format_app(LOGL_DEBUG, "x", "m");
	ck_assert_str_eq(s, "{\"level\":\"debug\"," T
	                    ",\"sender\":\"x\",\"message\":\"m\"}");
	free(s);
	ck_assert_str_eq(log_level_name(LOGL_INFO), "info");
	ck_assert_str_eq(log_level_name(LOGL_WARN), "warn");
}
END_TEST

START_TEST(local_time_is_used)
{
	char *s;

	setenv("TZ", "CET-1", 1);
	tzset();
	s = log_format_app(LOGL_INFO, "a", "");
	ck_assert_str_eq(s, "{\"level\":\"info\",\"time\":\"2020-03-07T14:36:46.123\","
	                    "\"sender\":\"a\"}");
	free(s);
}
END_TEST

START_TEST(category_lines_byte_for_byte)
{
	struct log_command cmd = {.sender = "Chown",
	                          .username = "alice",
	                          .file_path = "/home/alice/a",
	                          .target_path = "",
	                          .filemode = "",
	                          .uid = 1001,
	                          .gid = -1,
	                          .access_time = "",
	                          .modification_time = "",
	                          .ssh_command = "",
	                          .connection_id = "c1",
	                          .protocol = "SFTP"};

	open_log(10, 5, 28, false, true);
	log_transfer("Upload", 12, 65536, "alice", "/home/alice/f", "c1", "SFTP");
	log_command(&cmd);
	log_http("127.0.0.1:5000", "HTTP/1.1", "GET", "curl/7.88", "/api/v1/user", 200,
	         1234, 3, "r1");
	log_connection_failed("192.0.2.1", "bob", "password", "invalid credentials");
	log_app(LOGL_INFO, "monitor", "pid %d", 42);
	assert_file_is(
	    "{\"level\":\"info\"," T ",\"sender\":\"Upload\",\"elapsed_ms\":12,"
	    "\"size_bytes\":65536,\"username\":\"alice\",\"file_path\":\"/home/alice/f\","
	    "\"connection_id\":\"c1\",\"protocol\":\"SFTP\"}\n"
	    "{\"level\":\"info\"," T ",\"sender\":\"Chown\",\"username\":\"alice\","
	    "\"file_path\":\"/home/alice/"
	    "a\",\"target_path\":\"\",\"filemode\":\"\",\"uid\":1001,"
	    "\"gid\":-1,\"access_time\":\"\",\"modification_time\":\"\",\"ssh_command\":"
	    "\"\","
	    "\"connection_id\":\"c1\",\"protocol\":\"SFTP\"}\n"
	    "{\"level\":\"info\"," T
	    ",\"sender\":\"httpd\",\"method\":\"GET\",\"proto\":\"HTTP/1.1\","
	    "\"remote_addr\":\"127.0.0.1:5000\",\"request_id\":\"r1\","
	    "\"uri\":\"/api/v1/user\",\"user_agent\":\"curl/7.88\","
	    "\"resp_status\":200,\"resp_size\":1234,\"elapsed_ms\":3}\n"
	    "{\"level\":\"debug\"," T ",\"sender\":\"connection_failed\","
	    "\"client_ip\":\"192.0.2.1\",\"username\":\"bob\",\"login_type\":"
	    "\"password\","
	    "\"error\":\"invalid credentials\"}\n"
	    "{\"level\":\"info\"," T ",\"sender\":\"monitor\",\"message\":\"pid 42\"}\n");
}
END_TEST

/* NULL strings (a careless caller) give "" rather than a crash. */
START_TEST(null_fields_are_empty)
{
	struct log_command cmd = {.sender = "Mkdir", .uid = -1, .gid = -1};

	open_log(10, 5, 28, false, true);
	log_command(&cmd);
	log_connection_failed("10.0.0.1", NULL, "no_auth_tryed", NULL);
	assert_file_is(
	    "{\"level\":\"info\"," T ",\"sender\":\"Mkdir\",\"username\":\"\","
	    "\"file_path\":\"\",\"target_path\":\"\",\"filemode\":\"\",\"uid\":-1,"
	    "\"gid\":-1,\"access_time\":\"\",\"modification_time\":\"\",\"ssh_command\":"
	    "\"\","
	    "\"connection_id\":\"\",\"protocol\":\"\"}\n"
	    "{\"level\":\"debug\"," T ",\"sender\":\"connection_failed\","
	    "\"client_ip\":\"10.0.0.1\",\"username\":\"\",\"login_type\":\"no_auth_"
	    "tryed\","
	    "\"error\":\"\"}\n");
}
END_TEST

/* Returns the fail2ban host captured from line, or NULL when the filter misses. */
static char *
fail2ban_host(const char *line)
{
	/* SFTPGo's filter, with fail2ban's <HOST> spelled as an ERE group */
	static const char filter[] = "^.*\"sender\":\"connection_failed\",\"client_ip\":"
	                             "\"<HOST>\",\"username\":\".*\","
	                             "\"login_type\":\"password\".*\"}$";
	char re_text[512], *host;
	const char *h = strstr(filter, "<HOST>");
	regex_t re;
	regmatch_t m[2];

	snprintf(re_text, sizeof(re_text), "%.*s([^[:space:]\"]+)%s", (int)(h - filter),
	         filter, h + strlen("<HOST>"));
	ck_assert_int_eq(regcomp(&re, re_text, REG_EXTENDED), 0);
	if (regexec(&re, line, 2, m, 0) != 0) {
		regfree(&re);
		return NULL;
	}
	host = strndup(line + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
	regfree(&re);
	return host;
}

static char *
last_line(void)
{
	char *all = slurp(logpath), *end, *start;

	ck_assert_ptr_nonnull(all);
	end = strrchr(all, '\n');
	ck_assert_ptr_nonnull(end);
	*end = '\0';
	start = strrchr(all, '\n');
	start = strdup(start != NULL ? start + 1 : all);
	free(all);
	return start;
}

START_TEST(fail2ban_filter_matches)
{
	char *line, *host;

	open_log(10, 5, 28, false, false);
	log_connection_failed("192.0.2.7", "bob", "password", "wrong password");
	line = last_line();
	host = fail2ban_host(line);
	ck_assert_ptr_nonnull(host);
	ck_assert_str_eq(host, "192.0.2.7");
	free(host);
	free(line);
	/* other login types are not password failures */
	log_connection_failed("192.0.2.7", "bob", "publickey", "no");
	line = last_line();
	ck_assert_ptr_null(fail2ban_host(line));
	free(line);
	/* an attacker's username cannot change the host fail2ban bans */
	log_connection_failed("192.0.2.8",
	                      "x\",\"client_ip\":\"6.6.6.6\",\"username\":\"y",
	                      "password", "");
	line = last_line();
	host = fail2ban_host(line);
	ck_assert_ptr_nonnull(host);
	ck_assert_str_eq(host, "192.0.2.8");
	free(host);
	free(line);
	/* nor fake a password failure from another login type */
	log_connection_failed("192.0.2.9", "a\",\"login_type\":\"password\"}",
	                      "publickey", "e");
	line = last_line();
	ck_assert_ptr_null(fail2ban_host(line));
	free(line);
}
END_TEST

START_TEST(escaping_keeps_one_valid_line)
{
	/* quotes, backslash, newlines, controls, DEL, invalid and valid UTF-8 */
	static const char user[] =
	    "a\"b\\c\nd\re\tf\x01g\x1fh\x7fi\xffj\xc3k\xc0\xafl"
	    "\xed\xa0\x80m\xc3\xa9n\xf0\x9f\x98\x80o\xf4\x90\x80\x80p\xe2\x82";
	char *all;
	json_t *o;
	json_error_t je;

	open_log(10, 5, 28, false, true);
	log_connection_failed("127.0.0.1", user, "password", "line1\nline2");
	all = slurp(logpath);
	ck_assert_ptr_nonnull(all);
	ck_assert_uint_eq(assert_json_lines(all), 1);
	ck_assert_ptr_nonnull(strstr(
	    all,
	    "\"username\":\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001fh\x7fi\\ufffdj\\ufffdk"
	    "\\ufffd\\ufffdl\\ufffd\\ufffd\\ufffdm\xc3\xa9n\xf0\x9f\x98\x80o"
	    "\\ufffd\\ufffd\\ufffd\\ufffdp\\ufffd\\ufffd\""));
	o = json_loads(all, 0, &je);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_string_value(json_object_get(o, "error")), "line1\nline2");
	json_decref(o);
	free(all);
}
END_TEST

/* Random bytes in every string field: each call still gives one parseable line. */
START_TEST(random_bytes_never_break_lines)
{
	unsigned seed = 12345;
	char f[5][64], *all;
	size_t lines;

	open_log(10, 5, 28, false, true);
	for (int i = 0; i < 500; i++) {
		for (int k = 0; k < 5; k++) {
			size_t n = (size_t)(rand_r(&seed) % 63);

			for (size_t j = 0; j < n; j++)
				f[k][j] = (char)(1 + rand_r(&seed) % 255);
			f[k][n] = '\0';
		}
		log_connection_failed(f[0], f[1], f[2], f[3]);
		log_transfer(f[4], i, i, f[0], f[1], f[2], f[3]);
	}
	all = slurp(logpath);
	lines = assert_json_lines(all);
	ck_assert_uint_eq(lines, 1000);
	free(all);
}
END_TEST

START_TEST(long_fields_are_cut)
{
	char *big = malloc(100000), *all;

	memset(big, 'u', 99999);
	big[99999] = '\0';
	open_log(10, 5, 28, false, true);
	log_transfer("Download", 1, 2, big, big, big, "SCP");
	log_app(LOGL_INFO, "x", "%s", big);
	all = slurp(logpath);
	ck_assert_uint_eq(assert_json_lines(all), 2);
	ck_assert_uint_lt(strlen(all), 60000);
	free(all);
	free(big);
}
END_TEST

START_TEST(verbose_gates_debug_but_not_connection_failed)
{
	char *all;

	open_log(10, 5, 28, false, false);
	log_app(LOGL_DEBUG, "x", "hidden");
	log_app(LOGL_INFO, "x", "shown");
	log_connection_failed("192.0.2.1", "u", "password", "e");
	all = slurp(logpath);
	ck_assert_ptr_null(strstr(all, "hidden"));
	ck_assert_ptr_nonnull(strstr(all, "shown"));
	ck_assert_ptr_nonnull(strstr(all, "connection_failed"));
	free(all);
	open_log(10, 5, 28, false, true);
	log_app(LOGL_DEBUG, "x", "now visible");
	all = slurp(logpath);
	ck_assert_ptr_nonnull(strstr(all, "now visible"));
	free(all);
}
END_TEST

START_TEST(empty_path_logs_to_stderr)
{
	struct log_config c = {.file_path = "", .max_size_mb = 1, .verbose = true};
	char p[128], err[128], *all;
	int fd, saved = dup(2);

	snprintf(p, sizeof(p), "%s/stderr", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	dup2(fd, 2);
	close(fd);
	ck_assert_int_eq(log_open(&c, err, sizeof(err)), 0);
	log_app(LOGL_INFO, "x", "to stderr");
	dup2(saved, 2);
	close(saved);
	all = slurp(p);
	ck_assert_str_eq(all, "{\"level\":\"info\"," T
	                      ",\"sender\":\"x\",\"message\":\"to stderr\"}\n");
	free(all);
}
END_TEST

START_TEST(open_errors_reported)
{
	struct log_config c = {.file_path = "/nonexistent-dir-sftpgo/x.log",
	                       .max_size_mb = 1};
	char err[256] = "";

	ck_assert_int_eq(log_open(&c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir-sftpgo/x.log"));
	c.file_path = dir; /* a directory */
	ck_assert_int_eq(log_open(&c, err, sizeof(err)), -1);
}
END_TEST

static int
count_entries(const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name), sl = strlen(suffix);

		if (strncmp(e->d_name, "sftpgo-", 7) == 0 && l > sl &&
		    strcmp(e->d_name + l - sl, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Writes n lines of about 4 KiB each, numbered in "message". */
static void
write_lines(int from, int n)
{
	static char pad[4000];

	memset(pad, 'p', sizeof(pad) - 1);
	for (int i = from; i < from + n; i++)
		log_app(LOGL_INFO, "rot", "%06d %s", i, pad);
}

static void
backup_path(char *out, size_t outlen, const char *stamp, const char *suffix)
{
	snprintf(out, outlen, "%s/sftpgo-%s.log%s", dir, stamp, suffix);
}

START_TEST(rotation_keeps_every_line)
{
	char bak[256], *a, *b;
	size_t na, nb;

	open_log(1, 5, 28, false, true);
	write_lines(0, 400); /* about 1.6 MB: one rotation */
	backup_path(bak, sizeof(bak), "2020-03-07T13-36-46.123", "");
	a = slurp(bak);
	ck_assert_msg(a != NULL, "no backup %s", bak);
	b = slurp(logpath);
	ck_assert_uint_le(strlen(a), 1024 * 1024);
	na = assert_json_lines(a);
	nb = assert_json_lines(b);
	ck_assert_uint_eq(na + nb, 400);
	/* order preserved across the files */
	ck_assert_ptr_nonnull(strstr(a, "\"message\":\"000000 "));
	ck_assert_ptr_nonnull(strstr(b, "\"message\":\"000399 "));
	free(a);
	free(b);
	/* a second rotation in the same millisecond gets the next free name */
	write_lines(400, 300);
	backup_path(bak, sizeof(bak), "2020-03-07T13-36-46.124", "");
	a = slurp(bak);
	ck_assert_msg(a != NULL, "no second backup %s", bak);
	free(a);
	ck_assert_int_eq(count_entries(".log"), 2);
}
END_TEST

static void
make_backup(const char *stamp, const char *suffix)
{
	char p[256];
	int fd;

	backup_path(p, sizeof(p), stamp, suffix);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static int
exists(const char *stamp, const char *suffix)
{
	char p[256];

	backup_path(p, sizeof(p), stamp, suffix);
	return access(p, F_OK) == 0;
}

START_TEST(backups_pruned_by_count_and_age)
{
	make_backup("2020-03-01T00-00-00.000", "");
	make_backup("2020-03-02T00-00-00.000", ".gz");
	make_backup("2020-03-03T00-00-00.000", "");
	make_backup("2020-01-20T00-00-00.000", ""); /* older than 28 days */
	make_backup("2020-03-04T00-00-00.00x", ""); /* not ours: left alone */
	open_log(1, 3, 28, false, true);
	write_lines(0, 300);
	ck_assert(exists("2020-03-07T13-36-46.123", ""));
	ck_assert(exists("2020-03-03T00-00-00.000", ""));
	ck_assert(exists("2020-03-02T00-00-00.000", ".gz"));
	ck_assert(!exists("2020-03-01T00-00-00.000", ""));
	ck_assert(!exists("2020-01-20T00-00-00.000", ""));
	ck_assert(exists("2020-03-04T00-00-00.00x", ""));
}
END_TEST

START_TEST(backups_pruned_by_age_only)
{
	make_backup("2020-02-10T00-00-00.000", "");
	make_backup("2020-02-01T00-00-00.000", ".gz");
	open_log(1, 0, 28, false, true); /* 0 backups = no count limit */
	write_lines(0, 300);
	ck_assert(exists("2020-02-10T00-00-00.000", ""));
	ck_assert(!exists("2020-02-01T00-00-00.000", ".gz"));
	ck_assert(exists("2020-03-07T13-36-46.123", ""));
}
END_TEST

START_TEST(compressed_backup_readable)
{
	char p[256], buf[65536];
	gzFile gz;
	int n;
	size_t total = 0, lines = 0;
	char *cur;

	make_backup("2020-03-05T00-00-00.000", ""); /* a leftover plain backup */
	open_log(1, 5, 28, true, true);
	write_lines(0, 400);
	ck_assert(!exists("2020-03-07T13-36-46.123", ""));
	ck_assert(exists("2020-03-07T13-36-46.123", ".gz"));
	ck_assert(!exists("2020-03-05T00-00-00.000", ""));
	ck_assert(exists("2020-03-05T00-00-00.000", ".gz"));
	backup_path(p, sizeof(p), "2020-03-07T13-36-46.123", ".gz");
	gz = gzopen(p, "rb");
	ck_assert_ptr_nonnull(gz);
	while ((n = gzread(gz, buf, sizeof(buf))) > 0) {
		for (int i = 0; i < n; i++)
			lines += buf[i] == '\n';
		total += (size_t)n;
	}
	ck_assert_int_eq(n, 0);
	gzclose(gz);
	ck_assert_uint_gt(total, 900 * 1024);
	cur = slurp(logpath);
	ck_assert_uint_eq(lines + assert_json_lines(cur), 400);
	free(cur);
}
END_TEST

START_TEST(reopen_after_external_rotation)
{
	char moved[256], *a, *b;

	open_log(10, 5, 28, false, true);
	log_app(LOGL_INFO, "x", "before");
	snprintf(moved, sizeof(moved), "%s/moved.log", dir);
	ck_assert_int_eq(rename(logpath, moved), 0);
	log_app(LOGL_INFO, "x", "still old");
	ck_assert_int_eq(log_reopen(), 0);
	log_app(LOGL_INFO, "x", "after");
	a = slurp(moved);
	b = slurp(logpath);
	ck_assert_ptr_nonnull(strstr(a, "before"));
	ck_assert_ptr_nonnull(strstr(a, "still old"));
	ck_assert_ptr_null(strstr(a, "after"));
	ck_assert_str_eq(b, "{\"level\":\"info\"," T
	                    ",\"sender\":\"x\",\"message\":\"after\"}\n");
	free(a);
	free(b);
}
END_TEST

/* A log file deleted by hand is recreated at the next rotation point. */
START_TEST(deleted_file_recreated_at_rotation)
{
	char *b;

	open_log(1, 5, 28, false, true);
	write_lines(0, 200);
	ck_assert_int_eq(unlink(logpath), 0);
	write_lines(200, 100);
	b = slurp(logpath);
	ck_assert_msg(b != NULL, "log file not recreated");
	ck_assert_uint_ge(assert_json_lines(b), 1);
	ck_assert_int_eq(count_entries(".log"), 0);
	free(b);
}
END_TEST

START_TEST(appends_to_existing_file)
{
	int fd = open(logpath, O_WRONLY | O_CREAT, 0600);

	ck_assert_int_eq(write(fd, "old\n", 4), 4);
	close(fd);
	open_log(10, 5, 28, false, true);
	log_app(LOGL_INFO, "x", "new");
	assert_file_is("old\n{\"level\":\"info\"," T
	               ",\"sender\":\"x\",\"message\":\"new\"}\n");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, app_line_shape);
	tcase_add_test(tc, local_time_is_used);
	tcase_add_test(tc, category_lines_byte_for_byte);
	tcase_add_test(tc, null_fields_are_empty);
	tcase_add_test(tc, fail2ban_filter_matches);
	tcase_add_test(tc, escaping_keeps_one_valid_line);
	tcase_add_test(tc, random_bytes_never_break_lines);
	tcase_add_test(tc, long_fields_are_cut);
	tcase_add_test(tc, verbose_gates_debug_but_not_connection_failed);
	tcase_add_test(tc, empty_path_logs_to_stderr);
	tcase_add_test(tc, open_errors_reported);
	tcase_add_test(tc, rotation_keeps_every_line);
	tcase_add_test(tc, backups_pruned_by_count_and_age);
	tcase_add_test(tc, backups_pruned_by_age_only);
	tcase_add_test(tc, compressed_backup_readable);
	tcase_add_test(tc, reopen_after_external_rotation);
	tcase_add_test(tc, deleted_file_recreated_at_rotation);
	tcase_add_test(tc, appends_to_existing_file);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
