/* SPDX-License-Identifier: BSD-2-Clause */
/* web/userform.c: the user form <-> the user JSON, and the tables' rows. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "regress/unit/check_main.h"
#include "web/userform.h"

#define FULL_FORM                                                                        \
	"username=u1&status=1&expiration_date=2027-01-31&password=pw"                    \
	"&public_keys=k1%0D%0A%0D%0A++k2++%0A&ssh_login_methods=password"                \
	"&permissions=list&permissions=download"                                         \
	"&sub_dirs_permissions=%2Fpub%3A%3Alist%2C+download%0Ano+separator%0A%2Fup%3A%"  \
	"3A*"                                                                            \
	"&home_dir=%2Fsrv%2Fu1&virtual_folders=+%2Fv+%3A%3A+%2Fsrv%2Fv+"                 \
	"&quota_files=10&quota_size=1000&upload_bandwidth=0&download_bandwidth=128"      \
	"&max_sessions=2&uid=1001&gid=1002&allowed_ip=192.0.2.0%2F24%2C+10.0.0.0%2F8%2C" \
	"&denied_ip=&allowed_extensions=%2Fdir%3A%3A.jpg%2C.png"                         \
	"&denied_extensions=%2Fdir%3A%3A.exe%0A%2Fother%3A%3A.bat&fs_provider=0"

static const char want_full[] =
    "{\"download_bandwidth\": 128, \"expiration_date\": 1801353600000, \"filesystem\": "
    "{\"gcsconfig\": {}, \"provider\": 0, \"s3config\": {}}, \"filters\": "
    "{\"allowed_ip\": "
    "[\"192.0.2.0/24\", \"10.0.0.0/8\"], \"denied_ip\": [], \"denied_login_methods\": "
    "[\"password\"], \"file_extensions\": [{\"allowed_extensions\": [\".jpg\", "
    "\".png\"], "
    "\"denied_extensions\": [\".exe\"], \"path\": \"/dir\"}, {\"denied_extensions\": "
    "[\".bat\"], \"path\": \"/other\"}]}, \"gid\": 1002, \"home_dir\": \"/srv/u1\", "
    "\"max_sessions\": 2, \"password\": \"pw\", \"permissions\": {\"/\": [\"list\", "
    "\"download\"], \"/pub\": [\"list\", \"download\"], \"/up\": [\"*\"]}, "
    "\"public_keys\": "
    "[\"k1\", \"k2\"], \"quota_files\": 10, \"quota_size\": 1000, \"status\": 1, "
    "\"uid\": "
    "1001, \"upload_bandwidth\": 0, \"username\": \"u1\", \"virtual_folders\": "
    "[{\"mapped_path\": \"/srv/v\", \"virtual_path\": \"/v\"}]}";

static json_t *
decode(const char *body, json_t *errors)
{
	struct form f;
	json_t *user = NULL;
	char err[256];

	ck_assert_int_eq(form_parse_urlencoded(body, strlen(body), &f, err, sizeof(err)),
	                 0);
	userform_decode(&f, &user, errors);
	form_free(&f);
	return user;
}

static char *
dump(const json_t *v)
{
	static char buf[8192];
	char *s = json_dumps(v, JSON_SORT_KEYS);

	ck_assert_ptr_nonnull(s);
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	return buf;
}

START_TEST(full_form)
{
	json_t *errors = json_object(), *user = decode(FULL_FORM, errors);

	ck_assert_msg(user != NULL, "%s", dump(errors));
	ck_assert_str_eq(dump(user), want_full);
	json_decref(user);
	json_decref(errors);
}
END_TEST

START_TEST(sftpgo_date_layout_and_empty_password)
{
	json_t *errors = json_object();
	json_t *user =
	    decode("username=a&status=0&expiration_date=2027-01-31+12%3A00%3A00&password="
	           "&permissions=*&home_dir=%2Fh&quota_files=0&quota_size=0"
	           "&upload_bandwidth=0&download_bandwidth=0&max_sessions=0&uid=0&gid=0",
	           errors);

	ck_assert_ptr_nonnull(user);
	ck_assert_int_eq(json_integer_value(json_object_get(user, "expiration_date")),
	                 1801396800000LL);
	ck_assert_ptr_null(
	    json_object_get(user, "password")); /* "" keeps the stored one */
	ck_assert_int_eq(json_integer_value(json_object_get(user, "status")), 0);
	json_decref(user);
	json_decref(errors);
}
END_TEST

static const struct {
	const char *body, *field, *msg;
} bad[] = {
    {"username=a&status=1&permissions=*", "uid", "a number is required"},
    {"username=a&status=1x&permissions=*", "status", "must be a whole number"},
    {"username=a&status=+1&permissions=*", "status", "must be a whole number"},
    {"username=a&status=99999999999999999999&permissions=*", "status",
     "must be a whole number"},
    {"username=a&status=1&expiration_date=31%2F01%2F2027&permissions=*",
     "expiration_date", "must be a date (YYYY-MM-DD)"},
    {"username=a&status=1&expiration_date=2027-01-31x&permissions=*", "expiration_date",
     "must be a date (YYYY-MM-DD)"},
    {"username=a&status=1", "permissions", "grant at least one permission on /"},
    {"username=a&permissions=*&allowed_extensions=%2Fd%3A%3A.a%0A%2Fd%3A%3A.b",
     "allowed_extensions", "a directory is given twice"},
};

START_TEST(bad_fields)
{
	json_t *errors = json_object(), *user = decode(bad[_i].body, errors);

	ck_assert_ptr_null(user);
	ck_assert_msg(json_object_get(errors, bad[_i].field) != NULL, "%s", dump(errors));
	ck_assert_str_eq(json_string_value(json_object_get(errors, bad[_i].field)),
	                 bad[_i].msg);
	json_decref(errors);
}
END_TEST

/* The edit page shows what the form would submit again unchanged. */
START_TEST(user_to_form_round_trip)
{
	json_t *errors = json_object(), *user = decode(FULL_FORM, errors);
	json_t *vals = userform_from_user(user), *u = json_object_get(vals, "u");

	ck_assert_str_eq(json_string_value(json_object_get(u, "public_keys")), "k1\nk2");
	ck_assert_str_eq(json_string_value(json_object_get(u, "sub_dirs_permissions")),
	                 "/pub::list,download\n/up::*");
	ck_assert_str_eq(json_string_value(json_object_get(u, "virtual_folders")),
	                 "/v::/srv/v");
	ck_assert_str_eq(json_string_value(json_object_get(u, "allowed_ip")),
	                 "192.0.2.0/24, 10.0.0.0/8");
	ck_assert_str_eq(json_string_value(json_object_get(u, "allowed_extensions")),
	                 "/dir::.jpg,.png");
	ck_assert_str_eq(json_string_value(json_object_get(u, "denied_extensions")),
	                 "/dir::.exe\n/other::.bat");
	ck_assert_str_eq(json_string_value(json_object_get(u, "expiration_date")),
	                 "2027-01-31");
	ck_assert(json_is_true(json_object_get(u, "active")));
	ck_assert_int_eq(json_integer_value(json_object_get(u, "uid")), 1001);
	ck_assert_ptr_null(json_object_get(u, "password"));
	ck_assert_str_eq(
	    dump(json_object_get(vals, "login_methods")),
	    "[{\"checked\": false, \"name\": \"publickey\"}, {\"checked\": true, "
	    "\"name\": \"password\"}, {\"checked\": false, \"name\": "
	    "\"keyboard-interactive\"}]");
	json_t *perms = json_object_get(vals, "perms");
	ck_assert_int_eq(json_array_size(perms), 12);
	ck_assert_str_eq(dump(json_array_get(perms, 1)),
	                 "{\"checked\": true, \"name\": \"list\"}");
	ck_assert_str_eq(dump(json_array_get(perms, 0)),
	                 "{\"checked\": false, \"name\": \"*\"}");
	json_decref(vals);
	json_decref(user);
	json_decref(errors);
}
END_TEST

/* Long values are never cut: a re-submitted edit page must not change the user. */
START_TEST(long_values_kept)
{
	char *path = malloc(6001);
	memset(path, 'p', 6000);
	path[0] = '/';
	path[6000] = '\0';
	json_t *u = json_pack("{s:[{s:s,s:s}],s:{s:[s],s:[s]}}", "virtual_folders",
	                      "virtual_path", path, "mapped_path", path, "permissions",
	                      "/", "*", path, "list");
	json_t *vals = userform_from_user(u), *v = json_object_get(vals, "u");

	ck_assert_uint_eq(
	    strlen(json_string_value(json_object_get(v, "virtual_folders"))), 12002);
	ck_assert_uint_eq(
	    strlen(json_string_value(json_object_get(v, "sub_dirs_permissions"))), 6006);
	json_decref(vals);
	json_decref(u);
	free(path);
}
END_TEST

START_TEST(form_shown_again_without_password)
{
	struct form f;
	char err[256];

	ck_assert_int_eq(
	    form_parse_urlencoded(FULL_FORM, strlen(FULL_FORM), &f, err, sizeof(err)), 0);
	json_t *vals = userform_from_form(&f), *u = json_object_get(vals, "u");
	ck_assert_str_eq(json_string_value(json_object_get(u, "username")), "u1");
	ck_assert_str_eq(json_string_value(json_object_get(u, "uid")), "1001");
	ck_assert_ptr_null(json_object_get(u, "password"));
	ck_assert(json_is_true(
	    json_object_get(json_array_get(json_object_get(vals, "perms"), 2),
	                    "checked"))); /* download */
	json_decref(vals);
	form_free(&f);
}
END_TEST

START_TEST(field_of_messages)
{
	ck_assert_str_eq(userform_field_of("home_dir: must be absolute"), "home_dir");
	ck_assert_str_eq(
	    userform_field_of("Validation error: could not parse denied IP/Mask \"x\""),
	    "denied_ip");
	ck_assert_str_eq(userform_field_of("invalid virtual folder \"/\""),
	                 "virtual_folders");
	ck_assert_str_eq(userform_field_of("could not parse key nr. 0: bad"),
	                 "public_keys");
	ck_assert_str_eq(userform_field_of("permissions: missing"), "permissions");
	ck_assert_ptr_null(userform_field_of("database is locked"));
	ck_assert_ptr_null(userform_field_of(NULL));
}
END_TEST

START_TEST(sizes)
{
	static const struct {
		long long n;
		const char *want;
	} c[] = {{0, "0 B"},
	         {999, "999 B"},
	         {1000, "1.0 KB"},
	         {128000, "128.0 KB"},
	         {1234567, "1.2 MB"},
	         {5000000, "5.0 MB"},
	         {1500000000, "1.5 GB"},
	         {9223372036854775807LL, "9.2 EB"}};
	char out[32];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		size_si(c[i].n, out, sizeof(out));
		ck_assert_str_eq(out, c[i].want);
	}
}
END_TEST

START_TEST(user_row)
{
	json_t *u = json_loads(
	    "{\"id\":7,\"status\":1,\"username\":\"bob\",\"expiration_date\":"
	    "1801353600000,"
	    "\"public_keys\":[\"a\",\"b\"],\"uid\":33,\"gid\":0,\"max_sessions\":3,"
	    "\"quota_size\":5000000,\"quota_files\":10,\"permissions\":{\"/"
	    "dir\":[\"list\","
	    "\"download\"],\"/"
	    "\":[\"*\"]},\"used_quota_size\":1200000,\"used_quota_files\":3,"
	    "\"upload_bandwidth\":128,\"download_bandwidth\":0,\"last_login\":0,"
	    "\"filters\":"
	    "{\"allowed_ip\":[\"1.2.3.0/24\",\"::1/"
	    "128\"]},\"filesystem\":{\"provider\":1}}",
	    0, NULL);
	json_t *row = userform_user_row(u);

	ck_assert_str_eq(
	    dump(row),
	    "{\"active\": true, \"bandwidth\": \"Download: unlimited. Upload: 128.0 "
	    "KB/s.\", \"expiration\": \"2027-01-31\", \"id\": 7, \"other\": "
	    "[\"Storage: S3\", \"Public keys: 2\", \"Max sessions: 3\", \"UID: 33\", "
	    "\"Allowed IP/Mask: 2\"], \"permissions\": \"\\\"/\\\": \\\"*\\\", "
	    "\\\"/dir\\\": \\\"list, download\\\"\", \"quota\": \"Files: 3/10. Size: "
	    "1.2 MB/5.0 MB\", \"status_text\": \"Active\", \"username\": \"bob\"}");
	json_decref(row);
	json_decref(u);
	u = json_loads("{\"username\":\"z\"}", 0, NULL);
	row = userform_user_row(u);
	ck_assert_str_eq(json_string_value(json_object_get(row, "quota")), "Files: 0");
	ck_assert_str_eq(json_string_value(json_object_get(row, "status_text")),
	                 "Inactive");
	json_decref(row);
	json_decref(u);
}
END_TEST

START_TEST(connection_row)
{
	json_t *c = json_loads(
	    "{\"username\":\"alice\",\"connection_id\":\"ab12\",\"client_version\":\"SSH-"
	    "2.0-X\","
	    "\"remote_address\":\"127.0.0.1:4000\",\"connection_time\":1000000,"
	    "\"protocol\":"
	    "\"SSH\",\"ssh_command\":\"md5sum "
	    "f\",\"active_transfers\":[{\"operation_type\":"
	    "\"upload\",\"start_time\":1000000,\"size\":1500000,\"path\":\"/big\"},"
	    "{\"operation_type\":\"download\",\"start_time\":1000000,\"size\":0,\"path\":"
	    "\"/s\"}]}",
	    0, NULL);
	json_t *row = userform_connection_row(c, 1000000 + 3723000);

	ck_assert_str_eq(
	    dump(row),
	    "{\"duration\": \"01:02:03\", \"id\": \"ab12\", \"info\": \"SSH. Client: "
	    "\\\"SSH-2.0-X\\\" From: \\\"127.0.0.1:4000\\\". Command: \\\"md5sum "
	    "f\\\"\", \"transfers\": [\"UL \\\"/big\\\" Size: \\\"1.5 MB\\\" Elapsed: "
	    "\\\"01:02:03\\\" Speed: \\\"402 B/s\\\"\", \"DL \\\"/s\\\"\"], "
	    "\"username\": \"alice\"}");
	json_decref(row);
	row = userform_connection_row(c, 1000000 + 312000);
	ck_assert_str_eq(json_string_value(json_object_get(row, "duration")), "05:12");
	json_decref(row);
	json_decref(c);
	c = json_object(); /* nothing known: no crash, empty texts */
	row = userform_connection_row(c, 0);
	ck_assert_ptr_nonnull(row);
	json_decref(row);
	json_decref(c);
}
END_TEST

/* A GCS form: every member sent (the form replaces the config), the key file in
 * base64 forcing explicit credentials; no file: no credentials (stored kept). */
#define GCS_BOUNDARY "multipart/form-data; boundary=XyZ"

/* A multipart body: the base fields of a GCS user, then "name=value" pairs
 * (name with ";f" and a file name: a file part), closed. */
static const char *
gcs_body(const char *const *extra)
{
	static const char *const base[] = {"username=g",
	                                   "status=1",
	                                   "home_dir=/srv/g",
	                                   "uid=0",
	                                   "gid=0",
	                                   "max_sessions=0",
	                                   "quota_size=0",
	                                   "quota_files=0",
	                                   "upload_bandwidth=0",
	                                   "download_bandwidth=0",
	                                   "permissions=*",
	                                   "fs_provider=2",
	                                   NULL};
	static char buf[8192];
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++)
		for (const char *const *p = pass == 0 ? base : extra; *p != NULL; p++) {
			const char *eq = strchr(*p, '='),
			           *semi = memchr(*p, ';', (size_t)(eq - *p));
			int nlen = (int)((semi != NULL ? semi : eq) - *p);
			if (semi != NULL)
				n += (size_t)snprintf(
				    buf + n, sizeof(buf) - n,
				    "--XyZ\r\nContent-Disposition: form-data; "
				    "name=\"%.*s\"; filename=\"%.*s\"\r\n\r\n%s\r\n",
				    nlen, *p, (int)(eq - semi - 1), semi + 1, eq + 1);
			else
				n += (size_t)snprintf(
				    buf + n, sizeof(buf) - n,
				    "--XyZ\r\nContent-Disposition: form-data; "
				    "name=\"%.*s\"\r\n\r\n%s\r\n",
				    nlen, *p, eq + 1);
			ck_assert_uint_lt(n, sizeof(buf));
		}
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "--XyZ--");
	ck_assert_uint_lt(n, sizeof(buf));
	return buf;
}

static json_t *
decode_mp(const char *body, json_t *errors)
{
	struct form f;
	json_t *user = NULL;
	char err[256];

	ck_assert_int_eq(
	    form_parse(GCS_BOUNDARY, body, strlen(body), &f, err, sizeof(err)), 0);
	userform_decode(&f, &user, errors);
	form_free(&f);
	return user;
}

START_TEST(gcs_form)
{
	static const char *const with_key[] = {
	    "gcs_bucket= b1 ", "gcs_key_prefix=p/", "gcs_auto_credentials=1",
	    "gcs_credential_file;k.json={\"a\":1}", NULL};
	static const char *const no_file[] = {"gcs_bucket=b1", "gcs_auto_credentials=1",
	                                      "gcs_credential_file;=", NULL};
	static const char *const bad_key[] = {"gcs_credential_file;e.json=", NULL};
	json_t *errors = json_object();
	json_t *u = decode_mp(gcs_body(with_key), errors);

	ck_assert_msg(u != NULL, "%s", dump(errors));
	ck_assert_str_eq(
	    dump(json_object_get(u, "filesystem")),
	    "{\"gcsconfig\": {\"automatic_credentials\": 0, \"bucket\": \"b1\", "
	    "\"credentials\": \"eyJhIjoxfQ==\", \"endpoint\": \"\", \"key_prefix\": "
	    "\"p/\", \"storage_class\": \"\"}, \"provider\": 2, \"s3config\": {}}");
	userform_scrub(u);
	json_decref(u);
	/* no file chosen (filename=""): no credentials, automatic as checked */
	u = decode_mp(gcs_body(no_file), errors);
	ck_assert_msg(u != NULL, "%s", dump(errors));
	ck_assert_str_eq(
	    dump(json_object_get(json_object_get(u, "filesystem"), "gcsconfig")),
	    "{\"automatic_credentials\": 1, \"bucket\": \"b1\", \"endpoint\": "
	    "\"\", \"key_prefix\": \"\", \"storage_class\": \"\"}");
	json_decref(u);
	/* no bucket, an empty key file: errors at their fields */
	u = decode_mp(gcs_body(bad_key), errors);
	ck_assert_ptr_null(u);
	ck_assert_str_eq(json_string_value(json_object_get(errors, "gcs_bucket")),
	                 "required for Google Cloud Storage");
	ck_assert_str_eq(
	    json_string_value(json_object_get(errors, "gcs_credential_file")),
	    "the key file is empty");
	json_decref(errors);
}
END_TEST

START_TEST(gcs_storage_values)
{
	json_t *fs = json_pack("{s:i,s:{},s:{s:s,s:s,s:i,s:s}}", "provider", 2,
	                       "s3config", "gcsconfig", "bucket", "b", "key_prefix", "p/",
	                       "automatic_credentials", 1, "credentials", "SECRET");
	json_t *vals = json_pack("{s:{}}", "u"), *u = json_object_get(vals, "u");

	ck_assert_int_eq(userform_set_storage(vals, fs, NULL), 2);
	ck_assert_str_eq(json_string_value(json_object_get(u, "gcs_bucket")), "b");
	ck_assert_str_eq(json_string_value(json_object_get(u, "gcs_key_prefix")), "p/");
	ck_assert(json_is_true(json_object_get(u, "gcs_auto_credentials")));
	ck_assert(json_is_true(json_object_get(vals, "gcs")));
	ck_assert(json_is_false(json_object_get(vals, "s3")));
	ck_assert(strstr(dump(vals), "SECRET") == NULL);
	json_t *opts = json_object_get(vals, "fs_providers");
	ck_assert_uint_eq(json_array_size(opts), 3);
	ck_assert(json_is_true(json_object_get(json_array_get(opts, 2), "selected")));
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(opts, 2), "label")),
	    "Google Cloud Storage");
	json_decref(vals);
	json_decref(fs);
	ck_assert_str_eq(userform_field_of("filesystem.gcsconfig.bucket: required"),
	                 "gcs_bucket");
	ck_assert_str_eq(userform_field_of("could not validate GCS config: invalid "
	                                   "credentials /c/u_gcs_credentials.json: x"),
	                 "gcs_credential_file");
	ck_assert_str_eq(
	    userform_field_of("could not validate GCS credentials: not a JSON key file"),
	    "gcs_credential_file");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("userform");
	TCase *tc = tcase_create("userform");

	setenv("TZ", "UTC", 1);
	tcase_add_test(tc, full_form);
	tcase_add_test(tc, sftpgo_date_layout_and_empty_password);
	tcase_add_loop_test(tc, bad_fields, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, user_to_form_round_trip);
	tcase_add_test(tc, long_values_kept);
	tcase_add_test(tc, form_shown_again_without_password);
	tcase_add_test(tc, field_of_messages);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, user_row);
	tcase_add_test(tc, connection_row);
	tcase_add_test(tc, gcs_form);
	tcase_add_test(tc, gcs_storage_values);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
