/* SPDX-License-Identifier: BSD-2-Clause */
/* web/form.c: form bodies from browsers (and from anyone else). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regress/unit/check_main.h"
#include "web/form.h"

#define CT_URL "application/x-www-form-urlencoded"
#define CT_MP "multipart/form-data; boundary=XyZ"

/* "name=value|name=value|..." of the parsed form, or "ERR:<error>". */
static const char *
parsed(const char *ct, const char *body, size_t len)
{
	static char res[4096];
	struct form f;
	char err[256];

	if (form_parse(ct, body, len, &f, err, sizeof(err)) != 0) {
		snprintf(res, sizeof(res), "ERR:%s", err);
		ck_assert_ptr_null(f.f);
		return res;
	}
	res[0] = '\0';
	for (size_t i = 0; i < f.n; i++) {
		size_t o = strlen(res);
		snprintf(res + o, sizeof(res) - o, "%s%s%s=%s", i ? "|" : "",
		         f.f[i].is_file ? "file:" : "", f.f[i].name, f.f[i].value);
	}
	form_free(&f);
	return res;
}

static const struct {
	const char *ct, *body, *want;
} cases[] = {
    {CT_URL, "a=1&b=hello+world&c=%41%42", "a=1|b=hello world|c=AB"},
    {CT_URL "; charset=UTF-8", "x=%C3%A9", "x=\xc3\xa9"},
    {CT_URL, "p=a&p=b&&p=", "p=a|p=b|p="},
    {CT_URL, "flag", "flag="},
    {CT_URL, "", ""},
    {CT_URL, "a=%4", "ERR:bad percent-encoding in the form"},
    {CT_URL, "a=%zz", "ERR:bad percent-encoding in the form"},
    {CT_URL, "a=%", "ERR:bad percent-encoding in the form"},
    {CT_URL, "a=%ff", "ERR:form field a is not valid UTF-8 text"},
    {CT_URL, "a=%C0%AF", "ERR:form field a is not valid UTF-8 text"},
    {CT_URL, "a=x%00y", "ERR:form field a is not valid UTF-8 text"},
    {CT_URL, "a+b=1", "ERR:bad form field name"},
    {CT_URL, "=1", "ERR:bad form field name"},
    {CT_URL, "%3Cscript%3E=1", "ERR:bad form field name"},
    {"text/plain", "a=1", "ERR:a form must be multipart/form-data or urlencoded"},
    {NULL, "a=1", "ERR:a form must be multipart/form-data or urlencoded"},
    {CT_URL "x", "a=1", "ERR:a form must be multipart/form-data or urlencoded"},
    {CT_MP,
     "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
     "--XyZ\r\ncontent-disposition: form-data; name=\"b\"\r\n"
     "Content-Type: text/plain\r\n\r\ntwo\r\nlines\r\n--XyZ--\r\n",
     "a=1|b=two\r\nlines"},
    {"multipart/form-data; charset=x; boundary=\"XyZ\"",
     "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n\r\n--XyZ--", "a="},
    {CT_MP,
     "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"c.json\"\r\n"
     "Content-Type: application/json\r\n\r\n{}\r\n--XyZ--",
     "file:f={}"},
    /* a file input left empty (filename="") is an empty text value, as in Go */
    {CT_MP,
     "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"\"\r\n"
     "Content-Type: application/octet-stream\r\n\r\n\r\n--XyZ--",
     "f="},
    /* a delimiter only counts after CRLF */
    {CT_MP,
     "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx--XyZ\r\n--XyZ--",
     "a=x--XyZ"},
    {CT_MP, "--XyZ--", ""},
    {CT_MP, "preamble\r\n--XyZ--", "ERR:malformed multipart form"},
    {CT_MP, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1",
     "ERR:malformed multipart form"},
    {CT_MP, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n1\r\n--XyZ--",
     "ERR:malformed multipart form"},
    {CT_MP, "--XyZ\r\nContent-Type: text/plain\r\n\r\n1\r\n--XyZ--",
     "ERR:malformed multipart form"},
    {CT_MP, "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n--XyZ--",
     "ERR:malformed multipart form"},
    {CT_MP, "--XyZ\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\n1\r\n--XyZ--",
     "ERR:malformed multipart form"},
    {CT_MP, "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\n1\r\n--XyZ--",
     "ERR:malformed multipart form"},
    {CT_MP, "--XyZ\r\nContent-Disposition: form-data; name=\"../a\"\r\n\r\n1\r\n--XyZ--",
     "ERR:bad form field name"},
    {CT_MP, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\xff\r\n--XyZ--",
     "ERR:form field a is not valid UTF-8 text"},
    {CT_MP, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ",
     "ERR:malformed multipart form"},
    {"multipart/form-data", "--\r\n", "ERR:multipart form without a valid boundary"},
    {"multipart/form-data; boundary=", "--\r\n",
     "ERR:multipart form without a valid boundary"},
    {"multipart/form-data; boundary=\"abc", "--\r\n",
     "ERR:multipart form without a valid boundary"},
};

START_TEST(form_cases)
{
	ck_assert_str_eq(parsed(cases[_i].ct, cases[_i].body, strlen(cases[_i].body)),
	                 cases[_i].want);
}
END_TEST

START_TEST(file_part_keeps_nul_bytes)
{
	static const char body[] = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; "
	                           "filename=\"k\"\r\n\r\na\0b\r\n--XyZ--";
	struct form f;
	char err[256];

	ck_assert_int_eq(form_parse(CT_MP, body, sizeof(body) - 1, &f, err, sizeof(err)),
	                 0);
	const struct form_field *ff = form_get_file(&f, "f");
	ck_assert_ptr_nonnull(ff);
	ck_assert_uint_eq(ff->len, 3);
	ck_assert(memcmp(ff->value, "a\0b", 3) == 0);
	ck_assert_ptr_null(form_get(&f, "f")); /* not a text field */
	form_free(&f);
}
END_TEST

START_TEST(first_value_wins)
{
	struct form f;
	char err[256];

	ck_assert_int_eq(form_parse(CT_URL, "a=1&a=2", 7, &f, err, sizeof(err)), 0);
	ck_assert_str_eq(form_get(&f, "a"), "1");
	ck_assert_ptr_null(form_get(&f, "b"));
	form_free(&f);
}
END_TEST

START_TEST(limits)
{
	size_t n = (FORM_MAX_FIELDS + 1) * 4;
	char *body = malloc(FORM_MAX_BODY + 2);
	struct form f;
	char err[256];

	for (size_t i = 0; i < n; i += 4)
		memcpy(body + i, "a=1&", 4);
	ck_assert_int_eq(form_parse(CT_URL, body, n, &f, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "more than 512 form fields");
	memset(body, 'a', FORM_MAX_BODY + 1);
	ck_assert_int_eq(
	    form_parse(CT_URL, body, FORM_MAX_BODY + 1, &f, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "form larger than 1048576 bytes");
	ck_assert_int_eq(form_parse(CT_MP, body, FORM_MAX_BODY + 1, &f, err, sizeof(err)),
	                 -1);
	ck_assert_str_eq(err, "form larger than 1048576 bytes");
	free(body);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("form");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, form_cases, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, file_part_keeps_nul_bytes);
	tcase_add_test(tc, first_value_wins);
	tcase_add_test(tc, limits);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
