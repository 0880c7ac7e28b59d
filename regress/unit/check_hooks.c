/* SPDX-License-Identifier: BSD-2-Clause */
/* hooks/: the notification URL's query (Go's url.Values.Encode, spec section 1.3). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hooks/hooks.h"
#include "regress/unit/check_main.h"

static const struct {
	const char *url;
	const char *params[9];
	const char *want; /* NULL: refused */
} cases[] = {
    {"http://127.0.0.1:8080/",
     {"action", "upload", "username", "u", "path", "/srv/u/f.txt", "file_size", "65535"},
     "http://127.0.0.1:8080/?action=upload&file_size=65535&path=%2Fsrv%2Fu%2Ff.txt&"
     "username=u"},
    /* added to the query already there, all re-encoded and sorted by key */
    {"http://h/n?z=1&b=x+y&a=%7e",
     {"action", "delete", NULL},
     "http://h/n?a=~&action=delete&b=x+y&z=1"},
    /* space, UTF-8, reserved bytes */
    {"https://h:1/p",
     {"path", "/a b/é&=?#+%", NULL},
     "https://h:1/p?path=%2Fa+b%2F%C3%A9%26%3D%3F%23%2B%25"},
    /* a NULL value skips the key (target_path, ssh_cmd, file_size when empty) */
    {"http://h",
     {"action", "upload", "ssh_cmd", NULL, "local_file", "true", NULL},
     "http://h?action=upload&local_file=true"},
    /* equal keys keep their order; the fragment stays last */
    {"http://h/?k=2&k=1#frag", {"a", "", NULL}, "http://h/?a=&k=2&k=1#frag"},
    {"not a url", {"a", "b", NULL}, NULL},
    {"http:///path", {"a", "b", NULL}, NULL},
    {"://h", {"a", "b", NULL}, NULL},
};

START_TEST(query_cases)
{
	char *got = hooks_url_with_query(cases[_i].url, cases[_i].params);
	if (cases[_i].want == NULL)
		ck_assert_ptr_null(got);
	else
		ck_assert_str_eq(got, cases[_i].want);
	free(got);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hooks");
	TCase *tq = tcase_create("url_with_query");

	tcase_add_loop_test(tq, query_cases, 0, sizeof(cases) / sizeof(cases[0]));
	suite_add_tcase(s, tq);
	return check_run_suite(s);
}
