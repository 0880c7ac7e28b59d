/* SPDX-License-Identifier: BSD-2-Clause */
/* web/template.c: the page templates' Mustache subset. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regress/unit/check_main.h"
#include "web/pages.h"
#include "web/template.h"

/* Renders text as template "t" with the JSON context; the page or "ERR:<error>". */
static char *
render(const char *text, const char *ctx_json)
{
	static char page[8192];
	struct tmpl_set *ts = tmpl_set_new();
	json_t *ctx = json_loads(ctx_json, 0, NULL);
	struct wbuf out;
	char err[256];

	ck_assert_ptr_nonnull(ts);
	ck_assert_ptr_nonnull(ctx);
	wbuf_init(&out, 0, sizeof(page) - 1);
	if (tmpl_set_add(ts, "t", text, strlen(text), err, sizeof(err)) != 0 ||
	    tmpl_render(ts, "t", ctx, &out, err, sizeof(err)) != 0) {
		snprintf(page, sizeof(page), "ERR:%s", err);
	} else {
		if (out.len > 0) /* an empty page has no buffer at all */
			memcpy(page, out.p, out.len);
		page[out.len] = '\0';
	}
	wbuf_free(&out);
	json_decref(ctx);
	tmpl_set_free(ts);
	return page;
}

static const struct {
	const char *tmpl, *ctx, *want;
} cases[] = {
    {"plain text", "{}", "plain text"},
    {"", "{}", ""},
    {"Hi {{name}}!", "{\"name\":\"Ann\"}", "Hi Ann!"},
    {"{{ name }}", "{\"name\":\"Ann\"}", "Ann"},
    {"[{{missing}}]", "{}", "[]"},
    {"{{n}} {{r}} {{t}} {{f}} {{z}}",
     "{\"n\":-42,\"r\":1.5,\"t\":true,\"f\":false,\"z\":null}", "-42 1.5 true  "},
    {"{{o}}{{a}}", "{\"o\":{\"x\":1},\"a\":[1]}", ""},
    /* every value is escaped, attributes included */
    {"<a title=\"{{v}}\">{{v}}</a>", "{\"v\":\"<b>\\\"x\\\" & 'y' `z`\"}",
     "<a title=\"&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39; "
     "&#96;z&#96;\">&lt;b&gt;&quot;x&quot; "
     "&amp; &#39;y&#39; &#96;z&#96;</a>"},
    {"{{u.name}}/{{u.fs.bucket}}", "{\"u\":{\"name\":\"a\",\"fs\":{\"bucket\":\"b\"}}}",
     "a/b"},
    {"{{u.none.deeper}}", "{\"u\":{}}", ""},
    {"{{#list}}<{{.}}>{{/list}}", "{\"list\":[\"a\",\"b\",3]}", "<a><b><3>"},
    {"{{#users}}{{name}}:{{role}};{{/users}}",
     "{\"role\":\"outer\",\"users\":[{\"name\":\"a\",\"role\":\"x\"},{\"name\":\"b\"}]}",
     "a:x;b:outer;"},
    {"{{#u}}{{name}}{{/u}}", "{\"u\":{\"name\":\"obj\"}}", "obj"},
    {"{{#flag}}yes{{/flag}}{{^flag}}no{{/flag}}", "{\"flag\":true}", "yes"},
    {"{{#flag}}yes{{/flag}}{{^flag}}no{{/flag}}", "{\"flag\":false}", "no"},
    {"{{#e}}x{{/e}}{{^e}}empty{{/e}}", "{\"e\":[]}", "empty"},
    {"{{#e}}x{{/e}}{{^e}}empty{{/e}}", "{\"e\":\"\"}", "empty"},
    {"{{#e}}x{{/e}}{{^e}}empty{{/e}}", "{\"e\":{}}", "empty"},
    {"{{#e}}x{{/e}}{{^e}}empty{{/e}}", "{}", "empty"},
    {"{{#s}}[{{.}}]{{/s}}", "{\"s\":\"str\"}", "[str]"},
    {"a{{! a comment }}b", "{}", "ab"},
    {"{{#a}}{{#b}}{{x}}{{/b}}{{/a}}", "{\"a\":[{\"b\":[{\"x\":1},{\"x\":2}]}]}", "12"},
    {"{ {x} } {", "{\"x\":1}", "{ {x} } {"},
    /* refused at parse time */
    {"{{name", "{}", "ERR:template t, line 1: \"{{\" without \"}}\""},
    {"{{#a}}x", "{}", "ERR:template t, line 1: section not closed"},
    {"{{#a}}x{{/b}}", "{}",
     "ERR:template t, line 1: closing tag without its opening tag"},
    {"x\ny\n{{/a}}", "{}", "ERR:template t, line 3: closing tag without its opening tag"},
    {"{{{raw}}}", "{}",
     "ERR:template t, line 1: bad name in a tag (letters, digits, _ - and dots)"},
    {"{{&raw}}", "{}",
     "ERR:template t, line 1: bad name in a tag (letters, digits, _ - and dots)"},
    {"{{}}", "{}",
     "ERR:template t, line 1: bad name in a tag (letters, digits, _ - and dots)"},
    {"{{a..b}}", "{}",
     "ERR:template t, line 1: bad name in a tag (letters, digits, _ - and dots)"},
    {"{{.a}}", "{}",
     "ERR:template t, line 1: bad name in a tag (letters, digits, _ - and dots)"},
    {"{{a b}}", "{}",
     "ERR:template t, line 1: bad name in a tag (letters, digits, _ - and dots)"},
    {"{{> nothere}}", "{}", "ERR:no template named nothere"},
};

START_TEST(render_cases)
{
	ck_assert_str_eq(render(cases[_i].tmpl, cases[_i].ctx), cases[_i].want);
}
END_TEST

START_TEST(partials_share_the_context)
{
	struct tmpl_set *ts = tmpl_set_new();
	json_t *ctx =
	    json_pack("{s:s,s:[{s:s}]}", "title", "Users", "rows", "name", "a<b");
	struct wbuf out;
	char err[256];
	const char *head = "<title>{{title}}</title>", *page =
	                                                   "{{> head}}{{#rows}}"
	                                                   "<td>{{name}}</td>{{/rows}}";

	ck_assert_int_eq(tmpl_set_add(ts, "head", head, strlen(head), err, sizeof(err)),
	                 0);
	ck_assert_int_eq(tmpl_set_add(ts, "page", page, strlen(page), err, sizeof(err)),
	                 0);
	wbuf_init(&out, 0, 4096);
	ck_assert_int_eq(tmpl_render(ts, "page", ctx, &out, err, sizeof(err)), 0);
	ck_assert_int_eq(out.len, strlen("<title>Users</title><td>a&lt;b</td>"));
	ck_assert(memcmp(out.p, "<title>Users</title><td>a&lt;b</td>", out.len) == 0);
	wbuf_free(&out);
	json_decref(ctx);
	tmpl_set_free(ts);
}
END_TEST

START_TEST(recursive_partial_is_stopped)
{
	struct tmpl_set *ts = tmpl_set_new();
	json_t *ctx = json_object();
	struct wbuf out;
	char err[256];

	ck_assert_int_eq(tmpl_set_add(ts, "loop", "x{{> loop}}", 11, err, sizeof(err)),
	                 0);
	wbuf_init(&out, 0, 1 << 16);
	ck_assert_int_eq(tmpl_render(ts, "loop", ctx, &out, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "partials nested too deep at loop");
	wbuf_free(&out);
	json_decref(ctx);
	tmpl_set_free(ts);
}
END_TEST

START_TEST(deep_sections_refused)
{
	char text[TMPL_MAX_DEPTH * 12 + 1] = "";
	size_t len = 0;

	for (int i = 0; i < TMPL_MAX_DEPTH; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "{{#a}}");
	ck_assert_str_eq(render(text, "{}"),
	                 "ERR:template t, line 1: sections nested too deep");
}
END_TEST

START_TEST(output_cap)
{
	struct tmpl_set *ts = tmpl_set_new();
	json_t *ctx = json_pack("{s:[i,i,i,i,i,i,i,i]}", "l", 1, 2, 3, 4, 5, 6, 7, 8);
	struct wbuf out;
	char err[256];

	ck_assert_int_eq(
	    tmpl_set_add(ts, "t", "{{#l}}0123456789{{/l}}", 22, err, sizeof(err)), 0);
	wbuf_init(&out, 0, 50);
	ck_assert_int_eq(tmpl_render(ts, "t", ctx, &out, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "page larger than 50 bytes");
	wbuf_free(&out);
	json_decref(ctx);
	tmpl_set_free(ts);
}
END_TEST

START_TEST(nul_and_size_refused)
{
	struct tmpl_set *ts = tmpl_set_new();
	char err[256];
	char *big = malloc(TMPL_MAX_SIZE + 1);

	ck_assert_int_eq(tmpl_set_add(ts, "t", "a\0b", 3, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "template t: holds a NUL byte");
	memset(big, 'a', TMPL_MAX_SIZE + 1);
	ck_assert_int_eq(tmpl_set_add(ts, "t", big, TMPL_MAX_SIZE + 1, err, sizeof(err)),
	                 -1);
	ck_assert_str_eq(err, "template t: larger than 1048576 bytes");
	free(big);
	tmpl_set_free(ts);
}
END_TEST

START_TEST(load_from_directory)
{
	char dir[] = "/tmp/check_template.XXXXXX";
	const char *const good[] = {"page", NULL}, *const missing[] = {"nope", NULL},
	                  *const bad_name[] = {"../x", NULL},
	                  *const link[] = {"link", NULL};
	struct tmpl_set *ts = tmpl_set_new();
	char err[256], path[128];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/page.html", dir);
	FILE *f = fopen(path, "w");
	fputs("<p>{{x}}</p>", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/link.html", dir);
	ck_assert_int_eq(symlink("page.html", path), 0);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(tmpl_set_load(ts, dfd, good, err, sizeof(err)), 0);
	ck_assert_int_eq(tmpl_set_load(ts, dfd, missing, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "template nope.html: No such file or directory");
	ck_assert_int_eq(tmpl_set_load(ts, dfd, bad_name, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "template name \"../x\" refused");
	ck_assert_int_eq(tmpl_set_load(ts, dfd, link, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "template link.html: Too many levels of symbolic links");
	close(dfd);
	unlink(path);
	snprintf(path, sizeof(path), "%s/page.html", dir);
	unlink(path);
	rmdir(dir);
	tmpl_set_free(ts);
}
END_TEST

/* Every shipped page renders from its sample context (web/samples). */
START_TEST(shipped_pages_render)
{
	const char *top = getenv("top_srcdir");
	char path[4096], err[512];
	struct tmpl_set *ts = tmpl_set_new();
	struct wbuf out;

	snprintf(path, sizeof(path), "%s/web/templates", top != NULL ? top : ".");
	int dfd = open(path, O_RDONLY | O_DIRECTORY);
	ck_assert_msg(dfd >= 0, "%s", path);
	ck_assert_msg(tmpl_set_load(ts, dfd, web_template_names, err, sizeof(err)) == 0,
	              "%s", err);
	for (const char *const *n = web_template_names; *n != NULL; n++) {
		if (strcmp(*n, "header") == 0 || strcmp(*n, "footer") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/web/samples/%s.json",
		         top != NULL ? top : ".", *n);
		json_t *ctx = json_load_file(path, 0, NULL);
		ck_assert_msg(ctx != NULL, "%s", path);
		wbuf_init(&out, 0, WEB_PAGE_MAX);
		ck_assert_msg(tmpl_render(ts, *n, ctx, &out, err, sizeof(err)) == 0,
		              "%s: %s", *n, err);
		ck_assert(out.len > 100);
		ck_assert(memmem(out.p, out.len, "<title>SFTPGo - ", 16) != NULL);
		ck_assert(memmem(out.p, out.len, "</html>", 7) != NULL);
		/* the sample's hostile username is escaped, never markup */
		ck_assert(memmem(out.p, out.len, "<admin>", 7) == NULL);
		wbuf_free(&out);
		json_decref(ctx);
	}
	close(dfd);
	tmpl_set_free(ts);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("render");

	tcase_add_loop_test(tc, render_cases, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, partials_share_the_context);
	tcase_add_test(tc, recursive_partial_is_stopped);
	tcase_add_test(tc, deep_sections_refused);
	tcase_add_test(tc, output_cap);
	tcase_add_test(tc, nul_and_size_refused);
	tcase_add_test(tc, load_from_directory);
	tcase_add_test(tc, shipped_pages_render);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
