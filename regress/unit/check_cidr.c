/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "account/cidr.h"
#include "regress/unit/check_main.h"

static const struct {
	const char *in;
	int family;
	unsigned prefix;
	const char *network; /* textual network address after masking */
} good[] = {
    {"192.0.2.0/24", AF_INET, 24, "192.0.2.0"},
    {"192.0.2.77/24", AF_INET, 24, "192.0.2.0"},
    {"192.0.2.77/25", AF_INET, 25, "192.0.2.0"},
    {"192.0.2.200/25", AF_INET, 25, "192.0.2.128"},
    {"0.0.0.0/0", AF_INET, 0, "0.0.0.0"},
    {"203.0.113.9/0", AF_INET, 0, "0.0.0.0"},
    {"203.0.113.9/32", AF_INET, 32, "203.0.113.9"},
    {"203.0.113.9", AF_INET, 32, "203.0.113.9"},
    {"10.0.0.1/08", AF_INET, 8, "10.0.0.0"},
    {"::/0", AF_INET6, 0, "::"},
    {"::1", AF_INET6, 128, "::1"},
    {"2001:db8::/32", AF_INET6, 32, "2001:db8::"},
    {"2001:db8:1234::5/48", AF_INET6, 48, "2001:db8:1234::"},
    {"2001:db8::1/128", AF_INET6, 128, "2001:db8::1"},
    {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/65", AF_INET6, 65,
     "2001:db8:ffff:ffff:8000::"},
    {"::ffff:192.0.2.0/120", AF_INET, 24, "192.0.2.0"},
    {"::ffff:0:0/96", AF_INET, 0, "0.0.0.0"},
    {"::ffff:192.0.2.1", AF_INET, 32, "192.0.2.1"},
    {"::ffff:192.0.2.1/64", AF_INET6, 64, "::"},
};

static const struct membership_case {
	const char *range;
	const char *ip;
	int in;
} membership[] = {
    /* /0 takes its whole family, and only it */
    {"0.0.0.0/0", "1.2.3.4", 1},
    {"0.0.0.0/0", "255.255.255.255", 1},
    {"0.0.0.0/0", "::1", 0},
    {"0.0.0.0/0", "2001:db8::1", 0},
    {"0.0.0.0/0", "::ffff:8.8.8.8", 1},
    {"::/0", "2001:db8::1", 1},
    {"::/0", "::", 1},
    {"::/0", "1.2.3.4", 0},
    {"::/0", "::ffff:1.2.3.4", 0},
    /* IPv4 boundaries */
    {"192.0.2.0/24", "192.0.2.0", 1},
    {"192.0.2.0/24", "192.0.2.255", 1},
    {"192.0.2.0/24", "192.0.1.255", 0},
    {"192.0.2.0/24", "192.0.3.0", 0},
    {"192.0.2.0/25", "192.0.2.127", 1},
    {"192.0.2.0/25", "192.0.2.128", 0},
    {"192.0.2.4/31", "192.0.2.5", 1},
    {"192.0.2.4/31", "192.0.2.6", 0},
    {"192.0.2.4/32", "192.0.2.4", 1},
    {"192.0.2.4/32", "192.0.2.5", 0},
    {"192.0.2.4", "192.0.2.4", 1},
    {"128.0.0.0/1", "127.255.255.255", 0},
    {"128.0.0.0/1", "128.0.0.0", 1},
    /* IPv6 boundaries */
    {"2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1},
    {"2001:db8::/32", "2001:db9::", 0},
    {"2001:db8::/32", "2001:db7:ffff::1", 0},
    {"2001:db8::/65", "2001:db8::7fff:ffff:ffff:ffff", 1},
    {"2001:db8::/65", "2001:db8::8000:0:0:0", 0},
    {"2001:db8::1/128", "2001:db8::1", 1},
    {"2001:db8::1/128", "2001:db8::2", 0},
    {"2001:db8::1/128", "2001:0db8:0000:0000:0000:0000:0000:0001", 1},
    /* IPv4-mapped clients match IPv4 ranges, never IPv6 ones */
    {"192.0.2.0/24", "::ffff:192.0.2.9", 1},
    {"192.0.2.0/24", "::FFFF:c000:0209", 1},
    {"192.0.2.0/24", "::ffff:192.0.3.9", 0},
    {"::ffff:192.0.2.0/120", "192.0.2.200", 1},
    {"::ffff:192.0.2.0/120", "::ffff:192.0.2.200", 1},
    {"::ffff:192.0.2.0/120", "192.0.3.1", 0},
    {"::ffff:0:0/96", "10.1.2.3", 1},
    {"::ffff:0:0/96", "2001:db8::1", 0},
    {"::ffff:192.0.2.1/64", "192.0.2.1", 0},
    /* IPv4-compatible (deprecated) ::a.b.c.d is plain IPv6 */
    {"192.0.2.0/24", "::192.0.2.9", 0},
    /* unparsable clients are never in a range */
    {"0.0.0.0/0", "", 0},
    {"0.0.0.0/0", "1.2.3", 0},
    {"0.0.0.0/0", "1.2.3.4/32", 0},
    {"0.0.0.0/0", "1.2.3.4:22", 0},
    {"::/0", "fe80::1%lo", 0},
    {"::/0", "garbage", 0},
};

START_TEST(parse_good)
{
	struct cidr c;
	char text[INET6_ADDRSTRLEN];

	ck_assert_msg(cidr_parse(good[_i].in, &c) == 0, "%s", good[_i].in);
	ck_assert_int_eq(c.family, good[_i].family);
	ck_assert_uint_eq(c.prefix, good[_i].prefix);
	ck_assert_ptr_nonnull(inet_ntop(c.family, c.addr, text, sizeof(text)));
	ck_assert_str_eq(text, good[_i].network);
}
END_TEST

static const char *const bad[] = {
    "",
    "/",
    "/24",
    "192.0.2.0/",
    "192.0.2.0/33",
    "192.0.2.0/128",
    "::/129",
    "2001:db8::/1000",
    "192.0.2.0/-1",
    "192.0.2.0/+8",
    "192.0.2.0/ 8",
    "192.0.2.0/8 ",
    " 192.0.2.0/8",
    "192.0.2.0/8\n",
    "192.0.2.0/0008",
    "192.0.2.0/24/8",
    "192.0.2.0/2a",
    "192.0.2/24",
    "192.0.2.0.1/24",
    "256.0.0.1",
    "01.2.3.4",
    "1.2.3.4a",
    "fe80::1%eth0",
    "fe80::1%eth0/64",
    "2001:db8:::1/64",
    "2001:db8::g/64",
    "[2001:db8::1]/64",
    "localhost",
    "garbage/24",
    "0x7f.0.0.1",
    "1.2.3.4:22",
    "2001:0db8:0000:0000:0000:0000:0000:0000:0000/64",
    "11111111111111111111111111111111111111111111111111111111111111111/8",
};

START_TEST(parse_bad)
{
	struct cidr c;

	ck_assert_msg(cidr_parse(bad[_i], &c) == -1, "'%s'", bad[_i]);
}
END_TEST

START_TEST(parse_null)
{
	struct cidr c;

	ck_assert_int_eq(cidr_parse(NULL, &c), -1);
	ck_assert_int_eq(cidr_parse("1.2.3.4", NULL), -1);
}
END_TEST

START_TEST(contains_cases)
{
	struct cidr c;

	ck_assert_int_eq(cidr_parse(membership[_i].range, &c), 0);
	ck_assert_msg(cidr_contains(&c, membership[_i].ip) == membership[_i].in,
	              "%s in %s", membership[_i].ip, membership[_i].range);
}
END_TEST

START_TEST(contains_null)
{
	struct cidr c;

	ck_assert_int_eq(cidr_parse("0.0.0.0/0", &c), 0);
	ck_assert_int_eq(cidr_contains(&c, NULL), 0);
	ck_assert_int_eq(cidr_contains(NULL, "1.2.3.4"), 0);
}
END_TEST

static void
list_set(struct strlist *l, const char *const *items)
{
	memset(l, 0, sizeof(*l));
	for (; *items != NULL; items++)
		ck_assert_int_eq(strlist_add(l, *items), 0);
}

static int
allowed(const char *ip, const char *const *allow, const char *const *deny)
{
	struct strlist a, d;
	int r;

	list_set(&a, allow);
	list_set(&d, deny);
	r = cidr_ip_allowed(ip, &a, &d);
	strlist_free(&a);
	strlist_free(&d);
	return r;
}

#define L(...)                                                                           \
	(const char *const[])                                                            \
	{                                                                                \
		__VA_ARGS__, NULL                                                        \
	}
static const char *const none[] = {NULL};

START_TEST(ip_allowed_no_filters)
{
	ck_assert_int_eq(allowed("192.0.2.1", none, none), 1);
	ck_assert_int_eq(allowed("2001:db8::1", none, none), 1);
	/* No filters: nothing to check, even an odd address passes. */
	ck_assert_int_eq(allowed("garbage", none, none), 1);
	ck_assert_int_eq(cidr_ip_allowed("192.0.2.1", NULL, NULL), 1);
}
END_TEST

START_TEST(ip_allowed_allow_list)
{
	const char *const *a = L("192.0.2.0/24", "2001:db8::/32");

	ck_assert_int_eq(allowed("192.0.2.10", a, none), 1);
	ck_assert_int_eq(allowed("::ffff:192.0.2.10", a, none), 1);
	ck_assert_int_eq(allowed("2001:db8:1::1", a, none), 1);
	ck_assert_int_eq(allowed("192.0.3.10", a, none), 0);
	ck_assert_int_eq(allowed("2001:db9::1", a, none), 0);
	ck_assert_int_eq(allowed("garbage", a, none), 0);
	ck_assert_int_eq(allowed("", a, none), 0);
	ck_assert_int_eq(cidr_ip_allowed(NULL, NULL, NULL), 1);
}
END_TEST

START_TEST(ip_allowed_deny_list)
{
	const char *const *d = L("192.0.2.0/24", "2001:db8::1");

	ck_assert_int_eq(allowed("192.0.2.10", none, d), 0);
	ck_assert_int_eq(allowed("::ffff:192.0.2.10", none, d), 0);
	ck_assert_int_eq(allowed("2001:db8::1", none, d), 0);
	ck_assert_int_eq(allowed("2001:db8::2", none, d), 1);
	ck_assert_int_eq(allowed("198.51.100.1", none, d), 1);
	ck_assert_int_eq(allowed("garbage", none, d), 0);
}
END_TEST

START_TEST(ip_allowed_denied_wins)
{
	const char *const *a = L("192.0.2.0/24");
	const char *const *d = L("192.0.2.128/25");

	ck_assert_int_eq(allowed("192.0.2.1", a, d), 1);
	ck_assert_int_eq(allowed("192.0.2.200", a, d), 0);
	ck_assert_int_eq(allowed("198.51.100.1", a, d), 0);
	ck_assert_int_eq(allowed("192.0.2.7", L("192.0.2.7"), L("192.0.2.7")), 0);
}
END_TEST

START_TEST(ip_allowed_unparsable_entries)
{
	/* An unparsable allowed entry allows nothing... */
	ck_assert_int_eq(allowed("192.0.2.1", L("192.0.2.0/33"), none), 0);
	ck_assert_int_eq(allowed("192.0.2.1", L("garbage"), none), 0);
	/* ...but does not hide a valid one after it. */
	ck_assert_int_eq(allowed("192.0.2.1", L("garbage", "192.0.2.0/24"), none), 1);
	/* An unparsable denied entry denies (fail closed). */
	ck_assert_int_eq(allowed("192.0.2.1", none, L("garbage")), 0);
	ck_assert_int_eq(allowed("192.0.2.1", L("192.0.2.0/24"), L("10.0.0.0/8", "x")),
	                 0);
}
END_TEST

START_TEST(ip_allowed_edge_prefixes)
{
	ck_assert_int_eq(allowed("203.0.113.1", L("0.0.0.0/0"), none), 1);
	ck_assert_int_eq(allowed("2001:db8::1", L("0.0.0.0/0"), none), 0);
	ck_assert_int_eq(allowed("2001:db8::1", L("0.0.0.0/0", "::/0"), none), 1);
	ck_assert_int_eq(allowed("203.0.113.1", none, L("0.0.0.0/0")), 0);
	ck_assert_int_eq(allowed("2001:db8::1", none, L("0.0.0.0/0")), 1);
	ck_assert_int_eq(allowed("2001:db8::1", none, L("::/0")), 0);
	ck_assert_int_eq(allowed("::ffff:203.0.113.1", none, L("::/0")), 1);
	ck_assert_int_eq(allowed("203.0.113.1", L("203.0.113.1/32"), none), 1);
	ck_assert_int_eq(allowed("203.0.113.2", L("203.0.113.1/32"), none), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cidr");
	TCase *tp = tcase_create("parse");
	TCase *tc = tcase_create("contains");
	TCase *ta = tcase_create("ip_allowed");

	tcase_add_loop_test(tp, parse_good, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tp, parse_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tp, parse_null);
	tcase_add_loop_test(tc, contains_cases, 0,
	                    sizeof(membership) / sizeof(membership[0]));
	tcase_add_test(tc, contains_null);
	tcase_add_test(ta, ip_allowed_no_filters);
	tcase_add_test(ta, ip_allowed_allow_list);
	tcase_add_test(ta, ip_allowed_deny_list);
	tcase_add_test(ta, ip_allowed_denied_wins);
	tcase_add_test(ta, ip_allowed_unparsable_entries);
	tcase_add_test(ta, ip_allowed_edge_prefixes);
	suite_add_tcase(s, tp);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, ta);
	return check_run_suite(s);
}
