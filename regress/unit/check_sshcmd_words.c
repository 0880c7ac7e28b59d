/* SPDX-License-Identifier: BSD-2-Clause */
/* sshcmd/words.c: exec command lines split like a shell would, without expansion. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "regress/unit/check_main.h"
#include "sshcmd/words.h"

static struct words w;
static char err[128];

static void
split_ok(const char *line, int n)
{
	ck_assert_msg(words_split(line, &w, err, sizeof(err)) == 0, "%s: %s", line, err);
	ck_assert_int_eq(w.n, n);
	ck_assert_ptr_null(w.v[n]);
}

static void
split_bad(const char *line, const char *why)
{
	ck_assert_int_eq(words_split(line, &w, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, why) != NULL, "%s: %s", line, err);
	ck_assert_ptr_null(w.v);
}

START_TEST(plain_words)
{
	split_ok("scp -t -- /a/b", 4);
	ck_assert_str_eq(w.v[0], "scp");
	ck_assert_str_eq(w.v[3], "/a/b");
	words_free(&w);
	split_ok("  md5sum\t f  ", 2);
	ck_assert_str_eq(w.v[1], "f");
	words_free(&w);
}
END_TEST

/* OpenSSH's scp quotes remote paths with single quotes. */
START_TEST(quotes)
{
	split_ok("scp -f 'my file' \"it's\" a\\ b 'x'\\''y'", 6);
	ck_assert_str_eq(w.v[2], "my file");
	ck_assert_str_eq(w.v[3], "it's");
	ck_assert_str_eq(w.v[4], "a b");
	ck_assert_str_eq(w.v[5], "x'y");
	words_free(&w);
	split_ok("a \"q\\\"\\\\\\$\\`\\n\" ''", 3);
	ck_assert_str_eq(w.v[1], "q\"\\$`\\n");
	ck_assert_str_eq(w.v[2], "");
	words_free(&w);
	/* glob characters are plain characters: nothing is expanded */
	split_ok("scp -f *.txt ~/x", 4);
	ck_assert_str_eq(w.v[2], "*.txt");
	ck_assert_str_eq(w.v[3], "~/x");
	words_free(&w);
}
END_TEST

START_TEST(refused)
{
	split_bad("md5sum a; rm -rf /", "shell syntax");
	split_bad("md5sum a | cat", "shell syntax");
	split_bad("md5sum a && b", "shell syntax");
	split_bad("md5sum $(id)", "shell syntax");
	split_bad("md5sum `id`", "shell syntax");
	split_bad("md5sum \"$HOME\"", "shell syntax");
	split_bad("md5sum a > b", "shell syntax");
	split_bad("md5sum a\nid", "shell syntax");
	split_bad("md5sum 'a", "unbalanced");
	split_bad("md5sum \"a", "unbalanced");
	split_bad("", "empty");
	split_bad("   ", "empty");
}
END_TEST

START_TEST(limits)
{
	static char line[WORDS_LINE_MAX + 2];

	memset(line, 'a', sizeof(line) - 1);
	split_bad(line, "too long");
	/* WORDS_MAX words are fine, one more is not */
	size_t off = 0;
	for (int i = 0; i < WORDS_MAX; i++) {
		line[off++] = 'x';
		line[off++] = ' ';
	}
	line[off] = '\0';
	split_ok(line, WORDS_MAX);
	words_free(&w);
	line[off++] = 'y';
	line[off] = '\0';
	split_bad(line, "too many words");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sshcmd_words");
	TCase *tc = tcase_create("split");

	tcase_add_test(tc, plain_words);
	tcase_add_test(tc, quotes);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, limits);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
