/* SPDX-License-Identifier: BSD-2-Clause */
/* defender/: grouping, scoring, bans and their expiry, lists, the ban file. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "defender/defender.h"
#include "regress/unit/check_main.h"

/* SFTPGo 2.x's defaults, in seconds. */
static const struct defender_params defaults = {
    .ban_time_s = 30 * 60,
    .ban_time_increment = 50,
    .threshold = 15,
    .score_valid = 1,
    .score_invalid = 2,
    .score_limit_exceeded = 3,
    .observation_s = 30 * 60,
    .soft_limit = 100,
    .hard_limit = 150,
};

static int
event(struct defender *d, const char *ip, enum defender_event ev, time_t now,
      time_t *until)
{
	char key[DEFENDER_KEY_MAX];
	size_t dropped;
	time_t u = 0;
	int rc = defender_add_event(d, ip, ev, now, key, &u, &dropped);

	if (until != NULL)
		*until = u;
	return rc;
}

START_TEST(test_key_grouping)
{
	char k[DEFENDER_KEY_MAX], k2[DEFENDER_KEY_MAX];

	ck_assert_int_eq(defender_key("192.0.2.7", k, sizeof(k)), 0);
	ck_assert_str_eq(k, "192.0.2.7");
	ck_assert_int_eq(defender_key("::ffff:192.0.2.7", k, sizeof(k)), 0);
	ck_assert_str_eq(k, "192.0.2.7");
	ck_assert_int_eq(defender_key("2001:db8:1:2:3:4:5:6", k, sizeof(k)), 0);
	ck_assert_str_eq(k, "2001:db8:1:2::/64");
	ck_assert_int_eq(defender_key("2001:db8:1:2::ffff", k2, sizeof(k2)), 0);
	ck_assert_str_eq(k, k2);
	ck_assert_int_eq(defender_key("2001:db8:1:3::1", k2, sizeof(k2)), 0);
	ck_assert_str_ne(k, k2);
	ck_assert_int_eq(defender_key("::1", k, sizeof(k)), 0);
	ck_assert_str_eq(k, "::/64");
	ck_assert_int_eq(defender_key("192.0.2.0/24", k, sizeof(k)), -1);
	ck_assert_int_eq(defender_key("example.com", k, sizeof(k)), -1);
	ck_assert_int_eq(defender_key("", k, sizeof(k)), -1);
	ck_assert_int_eq(defender_key("192.0.2.7", k, 4), -1);
}
END_TEST

START_TEST(test_threshold_and_scores)
{
	struct defender d;
	time_t until;

	defender_init(&d, &defaults);
	/* 7 unknown users = 14 < 15; the 8th bans */
	for (int i = 0; i < 7; i++)
		ck_assert_int_eq(
		    event(&d, "192.0.2.1", DEFENDER_EV_INVALID, 1000 + i, NULL), 0);
	ck_assert_int_eq(defender_score(&d, "192.0.2.1", 1010), 14);
	ck_assert(!defender_is_banned(&d, "192.0.2.1", 1010));
	ck_assert_int_eq(event(&d, "192.0.2.1", DEFENDER_EV_INVALID, 1010, &until), 1);
	ck_assert_int_eq(until, 1010 + 30 * 60);
	ck_assert(defender_is_banned(&d, "192.0.2.1", 1011));
	ck_assert_int_eq(defender_score(&d, "192.0.2.1", 1011), 0); /* no score */
	/* more events while banned change nothing */
	ck_assert_int_eq(event(&d, "192.0.2.1", DEFENDER_EV_INVALID, 1012, NULL), 0);
	/* a bad password of an existing user weighs score_valid */
	for (int i = 0; i < 14; i++)
		ck_assert_int_eq(event(&d, "192.0.2.2", DEFENDER_EV_VALID, 1000, NULL),
		                 0);
	ck_assert_int_eq(event(&d, "192.0.2.2", DEFENDER_EV_VALID, 1000, NULL), 1);
	/* limit exceeded: 3 each: 5 of them */
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(event(&d, "192.0.2.3", DEFENDER_EV_LIMIT, 1000, NULL),
		                 0);
	ck_assert_int_eq(event(&d, "192.0.2.3", DEFENDER_EV_LIMIT, 1000, NULL), 1);
	ck_assert(!defender_is_banned(&d, "192.0.2.4", 1000));
	defender_free(&d);
}
END_TEST

START_TEST(test_zero_score_ignored)
{
	struct defender_params p = defaults;
	struct defender d;

	p.score_limit_exceeded = 0;
	defender_init(&d, &p);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(event(&d, "192.0.2.1", DEFENDER_EV_LIMIT, 1000, NULL),
		                 0);
	ck_assert_uint_eq(d.n_hosts, 0);
	defender_free(&d);
}
END_TEST

START_TEST(test_observation_window)
{
	struct defender d;

	defender_init(&d, &defaults);
	for (int i = 0; i < 7; i++)
		event(&d, "192.0.2.1", DEFENDER_EV_INVALID, 1000, NULL);
	/* the window is 30 minutes: those 7 have left it */
	ck_assert_int_eq(defender_score(&d, "192.0.2.1", 1000 + 1800), 0);
	ck_assert_int_eq(event(&d, "192.0.2.1", DEFENDER_EV_INVALID, 1000 + 1800, NULL),
	                 0);
	ck_assert_int_eq(defender_score(&d, "192.0.2.1", 1000 + 1800), 2);
	defender_expire(&d, 1000 + 3600);
	ck_assert_uint_eq(d.n_hosts, 0);
	defender_free(&d);
}
END_TEST

START_TEST(test_ban_expiry_and_repeat)
{
	struct defender d;
	time_t until, t = 1000;

	defender_init(&d, &defaults);
	for (int i = 0; i < 8; i++)
		event(&d, "192.0.2.1", DEFENDER_EV_INVALID, t, &until);
	ck_assert_int_eq(until, t + 1800);
	ck_assert(defender_is_banned(&d, "192.0.2.1", until - 1));
	ck_assert(!defender_is_banned(&d, "192.0.2.1", until));
	/* a repeat: 30 minutes + 50 % */
	t = until + 10;
	for (int i = 0; i < 8; i++)
		event(&d, "192.0.2.1", DEFENDER_EV_INVALID, t, &until);
	ck_assert_int_eq(until, t + 1800 + 900);
	/* a third: + 2 x 50 % */
	t = until + 10;
	for (int i = 0; i < 8; i++)
		event(&d, "192.0.2.1", DEFENDER_EV_INVALID, t, &until);
	ck_assert_int_eq(until, t + 1800 + 1800);
	/* a day later the history is forgotten */
	t = until + DEFENDER_REPEAT_MEMORY_S + 1;
	defender_expire(&d, t);
	ck_assert_uint_eq(d.n_hosts, 0);
	for (int i = 0; i < 8; i++)
		event(&d, "192.0.2.1", DEFENDER_EV_INVALID, t, &until);
	ck_assert_int_eq(until, t + 1800);
	defender_free(&d);
}
END_TEST

START_TEST(test_ipv6_group)
{
	struct defender d;

	defender_init(&d, &defaults);
	/* eight addresses of one /64 add up */
	for (int i = 1; i <= 7; i++) {
		char ip[64];
		snprintf(ip, sizeof(ip), "2001:db8:0:1::%d", i);
		ck_assert_int_eq(event(&d, ip, DEFENDER_EV_INVALID, 1000, NULL), 0);
	}
	ck_assert_int_eq(
	    event(&d, "2001:db8:0:1:ffff::", DEFENDER_EV_INVALID, 1000, NULL), 1);
	ck_assert(defender_is_banned(&d, "2001:db8:0:1:1234::9", 1001));
	ck_assert(!defender_is_banned(&d, "2001:db8:0:2::1", 1001));
	ck_assert_int_eq(defender_unban(&d, "2001:db8:0:1::77"), 1);
	ck_assert(!defender_is_banned(&d, "2001:db8:0:1::1", 1001));
	defender_free(&d);
}
END_TEST

static struct cidr *
cidrs(const char *const *l, size_t *n)
{
	struct cidr *c = calloc(8, sizeof(*c));

	for (*n = 0; l[*n] != NULL; (*n)++)
		ck_assert_int_eq(cidr_parse(l[*n], &c[*n]), 0);
	return c;
}

START_TEST(test_safe_and_block)
{
	static const char *const safe[] = {"192.0.2.0/24", "10.0.0.1", NULL};
	static const char *const block[] = {"198.51.100.0/24", "10.0.0.1", NULL};
	struct defender d;
	size_t ns, nb;

	defender_init(&d, &defaults);
	struct cidr *s = cidrs(safe, &ns), *b = cidrs(block, &nb);
	defender_set_lists(&d, s, ns, b, nb);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(event(&d, "192.0.2.9", DEFENDER_EV_INVALID, 1000, NULL),
		                 0);
	ck_assert(!defender_is_banned(&d, "192.0.2.9", 1000));
	ck_assert_uint_eq(d.n_hosts, 0);
	ck_assert(defender_is_banned(&d, "198.51.100.7", 1000));
	ck_assert(defender_is_banned(&d, "::ffff:198.51.100.7", 1000));
	/* in both: blocked (SFTPGo checks the block list first) */
	ck_assert(defender_is_banned(&d, "10.0.0.1", 1000));
	/* an unban does not lift the block list */
	ck_assert_int_eq(defender_unban(&d, "198.51.100.7"), 0);
	ck_assert(defender_is_banned(&d, "198.51.100.7", 1000));
	defender_free(&d);
}
END_TEST

START_TEST(test_limits)
{
	struct defender_params p = defaults;
	struct defender d;
	char ip[32];
	size_t dropped = 0;

	p.soft_limit = 5;
	p.hard_limit = 10;
	defender_init(&d, &p);
	for (int i = 0; i < 10; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		event(&d, ip, DEFENDER_EV_INVALID, 1000 + i, NULL);
	}
	ck_assert_uint_eq(d.n_hosts, 10);
	/* one more: down to the soft limit, oldest first */
	char key[DEFENDER_KEY_MAX];
	time_t until;
	defender_add_event(&d, "192.0.2.100", DEFENDER_EV_INVALID, 2000, key, &until,
	                   &dropped);
	ck_assert_uint_eq(d.n_hosts, 5);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_int_eq(defender_score(&d, "192.0.2.1", 2000), 0);
	ck_assert_int_eq(defender_score(&d, "192.0.2.100", 2000), 2);
	ck_assert_int_eq(defender_score(&d, "192.0.2.10", 2000), 2);
	defender_free(&d);
}
END_TEST

/* Three hosts in one second (t-serve-defender's case): the newest stays. */
START_TEST(test_limits_same_second)
{
	struct defender_params p = defaults;
	struct defender d;
	char key[DEFENDER_KEY_MAX];
	size_t dropped = 0;
	time_t until;

	p.soft_limit = 1;
	p.hard_limit = 2;
	defender_init(&d, &p);
	defender_add_event(&d, "192.0.2.12", DEFENDER_EV_INVALID, 1000, key, &until,
	                   &dropped);
	defender_add_event(&d, "192.0.2.13", DEFENDER_EV_INVALID, 1000, key, &until,
	                   &dropped);
	defender_add_event(&d, "192.0.2.14", DEFENDER_EV_INVALID, 1000, key, &until,
	                   &dropped);
	ck_assert_uint_eq(d.n_hosts, 1);
	ck_assert_int_eq(defender_score(&d, "192.0.2.14", 1000), 2);
	defender_free(&d);
}
END_TEST

START_TEST(test_limits_drop_bans_last)
{
	struct defender_params p = defaults;
	struct defender d;
	char ip[32], key[DEFENDER_KEY_MAX];
	size_t dropped = 0, total = 0;
	time_t until;

	p.threshold = 1;
	p.soft_limit = 2;
	p.hard_limit = 3;
	defender_init(&d, &p);
	for (int i = 0; i < 4; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		defender_add_event(&d, ip, DEFENDER_EV_INVALID, 1000 + i, key, &until,
		                   &dropped);
		total += dropped;
	}
	/* all banned: the two ending first went */
	ck_assert_uint_eq(total, 2);
	ck_assert(!defender_is_banned(&d, "192.0.2.1", 1010));
	ck_assert(defender_is_banned(&d, "192.0.2.4", 1010));
	defender_free(&d);
}
END_TEST

START_TEST(test_list_json)
{
	struct defender d;
	size_t next;
	char *s;

	defender_init(&d, &defaults);
	event(&d, "192.0.2.1", DEFENDER_EV_INVALID, 1000, NULL);
	for (int i = 0; i < 8; i++)
		event(&d, "192.0.2.2", DEFENDER_EV_INVALID, 0, NULL);
	s = defender_list_json(&d, 1000, 0, 65536, &next);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(next, 0);
	ck_assert_ptr_nonnull(strstr(s, "\"ip\":\"192.0.2.1\",\"score\":2"));
	ck_assert_ptr_nonnull(strstr(s, "\"id\":\"3139322e302e322e32\""));
	ck_assert_ptr_nonnull(strstr(s, "\"ban_time\":\"1970-01-01T00:30:00Z\""));
	free(s);
	/* one entry a page */
	s = defender_list_json(&d, 1000, 0, 300, &next);
	ck_assert_uint_eq(next, 1);
	free(s);
	s = defender_list_json(&d, 1000, next, 300, &next);
	ck_assert_uint_eq(next, 0);
	free(s);
	defender_free(&d);
}
END_TEST

static char *
write_tmp(const char *text)
{
	char *path = strdup("/tmp/check_defender.XXXXXX");
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static int
load_list_text(const char *text, size_t *n, char *err, size_t errlen)
{
	char *path = write_tmp(text);
	struct cidr *l;
	int rc = defender_load_list(path, &l, n, err, errlen);

	unlink(path);
	free(path);
	free(l);
	return rc;
}

START_TEST(test_list_files)
{
	char err[256];
	size_t n;
	struct cidr *l;

	ck_assert_int_eq(load_list_text("# safe\n192.0.2.1\n\n  10.0.0.0/8  # lan\n"
	                                "2001:db8::/48\n",
	                                &n, err, sizeof(err)),
	                 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(load_list_text("{\"addresses\":[\"192.0.2.1\",\"2001:db8::68\"],"
	                                "\"networks\":[\"192.0.2.0/24\"]}",
	                                &n, err, sizeof(err)),
	                 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(load_list_text("192.0.2.1\nnot-an-ip\n", &n, err, sizeof(err)),
	                 -1);
	ck_assert_ptr_nonnull(strstr(err, "line 2"));
	ck_assert_int_eq(load_list_text("10.0.0.0/33\n", &n, err, sizeof(err)), -1);
	ck_assert_int_eq(
	    load_list_text("{\"addresses\":[\"192.0.2.0/24\"]}", &n, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(load_list_text("{\"networks\":\"x\"}", &n, err, sizeof(err)),
	                 -1);
	ck_assert_int_eq(load_list_text("{broken", &n, err, sizeof(err)), -1);
	ck_assert_int_eq(defender_load_list("", &l, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(defender_load_list("/nonexistent/x", &l, &n, err, sizeof(err)),
	                 -1);
}
END_TEST

START_TEST(test_save_load)
{
	struct defender d, d2;
	char err[256], path[] = "/tmp/check_defender_bans.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	defender_init(&d, &defaults);
	for (int i = 0; i < 8; i++) {
		event(&d, "192.0.2.1", DEFENDER_EV_INVALID, 1000, NULL);
		event(&d, "2001:db8::1", DEFENDER_EV_INVALID, 1000, NULL);
	}
	event(&d, "192.0.2.9", DEFENDER_EV_INVALID, 1000, NULL); /* a score only */
	ck_assert_int_eq(defender_save(&d, path, 1000, err, sizeof(err)), 0);
	defender_init(&d2, &defaults);
	ck_assert_int_eq(defender_load(&d2, path, 1100, err, sizeof(err)), 0);
	ck_assert(defender_is_banned(&d2, "192.0.2.1", 1100));
	ck_assert(defender_is_banned(&d2, "2001:db8::5", 1100));
	ck_assert_uint_eq(d2.n_hosts, 2);
	/* after the ban: the history stays, the next ban is a repeat */
	defender_free(&d2);
	defender_init(&d2, &defaults);
	ck_assert_int_eq(defender_load(&d2, path, 1000 + 1800, err, sizeof(err)), 0);
	ck_assert(!defender_is_banned(&d2, "192.0.2.1", 1000 + 1800));
	time_t until;
	for (int i = 0; i < 8; i++)
		event(&d2, "192.0.2.1", DEFENDER_EV_INVALID, 3000, &until);
	ck_assert_int_eq(until, 3000 + 2700);
	defender_free(&d2);
	/* a bad file is an error; a missing one is empty */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, "{\"version\":2}", 13), 13);
	close(fd);
	defender_init(&d2, &defaults);
	ck_assert_int_eq(defender_load(&d2, path, 1000, err, sizeof(err)), -1);
	unlink(path);
	ck_assert_int_eq(defender_load(&d2, path, 1000, err, sizeof(err)), 0);
	defender_free(&d2);
	defender_free(&d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("defender");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_key_grouping);
	tcase_add_test(tc, test_threshold_and_scores);
	tcase_add_test(tc, test_zero_score_ignored);
	tcase_add_test(tc, test_observation_window);
	tcase_add_test(tc, test_ban_expiry_and_repeat);
	tcase_add_test(tc, test_ipv6_group);
	tcase_add_test(tc, test_safe_and_block);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_limits_same_second);
	tcase_add_test(tc, test_limits_drop_bans_last);
	tcase_add_test(tc, test_list_json);
	tcase_add_test(tc, test_list_files);
	tcase_add_test(tc, test_save_load);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
