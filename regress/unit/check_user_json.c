/* SPDX-License-Identifier: BSD-2-Clause */
/* account/user.c and user_validate.c: JSON codec, permission paths, validation. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/user.h"
#include "regress/unit/check_main.h"

#define KEY1                                                                             \
	"ssh-ed25519 "                                                                   \
	"AAAAC3NzaC1lZDI1NTE5AAAAIHfI9KZfbzIgmeEksFVeiBrCR5peIZ0zyudvHGG4bRf5 test"

/* A user in the codec's canonical form (every field, in output order). */
static const char *full_user_json =
    "{\"id\": 7, \"status\": 1, \"username\": \"alice\", \"expiration_date\": "
    "1700000000000,"
    " \"password\": \"$argon2id$v=19$m=65536,t=1,p=2$c2FsdHNhbHQ$aGFzaGhhc2g\","
    " \"public_keys\": [\"" KEY1 "\"], \"home_dir\": \"/srv/sftp/alice\","
    " \"uid\": 1001, \"gid\": 1002, \"max_sessions\": 2, \"quota_size\": 1048576,"
    " \"quota_files\": 100, \"permissions\": {\"/\": [\"list\", \"download\"],"
    " \"/in\": [\"*\"]}, \"used_quota_size\": 10, \"used_quota_files\": 1,"
    " \"last_quota_update\": 1600000000000, \"upload_bandwidth\": 100,"
    " \"download_bandwidth\": 200, \"last_login\": 1650000000000,"
    " \"filters\": {\"allowed_ip\": [\"192.0.2.0/24\"], \"denied_ip\": "
    "[\"2001:db8::/32\"],"
    " \"denied_login_methods\": [\"password\"], \"file_extensions\": [{\"path\": \"/\","
    " \"allowed_extensions\": [\".jpg\"], \"denied_extensions\": []}]},"
    " \"filesystem\": {\"provider\": 0}, \"virtual_folders\": [{\"virtual_path\": "
    "\"/v\"}]}";

static json_t *
parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);

	ck_assert_msg(j != NULL, "test JSON: %s", e.text);
	return j;
}

static void
decode_ok(const char *s, struct sftpgo_user *u)
{
	char err[256] = "";
	json_t *j = parse(s);

	user_init(u);
	ck_assert_msg(user_from_json(j, u, err, sizeof(err)) == 0, "decode: %s", err);
	json_decref(j);
}

START_TEST(round_trip_is_identity)
{
	struct sftpgo_user u;
	json_t *in = parse(full_user_json);

	decode_ok(full_user_json, &u);
	ck_assert_str_eq(u.username, "alice");
	ck_assert_int_eq(u.uid, 1001);
	ck_assert_int_eq(u.n_perms, 2);
	ck_assert_int_eq(u.filters.allowed_ip.n, 1);
	json_t *out = user_to_json(&u, 1);
	char *a = json_dumps(in, JSON_SORT_KEYS), *b = json_dumps(out, JSON_SORT_KEYS);
	ck_assert_msg(json_equal(in, out), "in  %s\nout %s", a, b);
	/* Output order is SFTPGo's: id first, virtual_folders last. */
	void *it = json_object_iter(out);
	ck_assert_str_eq(json_object_iter_key(it), "id");
	free(a);
	free(b);
	json_decref(in);
	json_decref(out);
	user_free(&u);
}
END_TEST

START_TEST(password_never_shown_without_flag)
{
	struct sftpgo_user u;

	decode_ok(full_user_json, &u);
	json_t *out = user_to_json(&u, 0);
	ck_assert_ptr_null(json_object_get(out, "password"));
	char *s = json_dumps(out, 0);
	ck_assert_ptr_null(strstr(s, "argon2id"));
	free(s);
	json_decref(out);
	user_free(&u);
}
END_TEST

START_TEST(minimal_user_gets_defaults)
{
	struct sftpgo_user u;

	decode_ok("{\"username\": \"bob\"}", &u);
	ck_assert_int_eq(u.status, USER_STATUS_ACTIVE);
	ck_assert_int_eq(u.n_perms, 0);
	json_t *out = user_to_json(&u, 1);
	ck_assert_int_eq(json_integer_value(json_object_get(
	                     json_object_get(out, "filesystem"), "provider")),
	                 0);
	ck_assert_ptr_null(json_object_get(out, "virtual_folders"));
	ck_assert_int_eq(json_object_size(json_object_get(out, "filters")), 0);
	json_decref(out);
	user_free(&u);
}
END_TEST

START_TEST(decode_merges_present_fields_only)
{
	struct sftpgo_user u;
	char err[256];

	decode_ok(full_user_json, &u);
	json_t *patch =
	    parse("{\"uid\": 2000, \"home_dir\": \"/h/x\", \"public_keys\": null}");
	ck_assert_int_eq(user_from_json(patch, &u, err, sizeof(err)), 0);
	ck_assert_int_eq(u.uid, 2000);
	ck_assert_int_eq(u.gid, 1002);
	ck_assert_str_eq(u.home_dir, "/h/x");
	ck_assert_int_eq(u.public_keys.n, 1);
	json_decref(patch);
	user_free(&u);
}
END_TEST

static const struct {
	// cppcheck-suppress unusedStructMember ; used inside START_TEST
	const char *json;
	// cppcheck-suppress unusedStructMember ; used inside START_TEST
	const char *field; /* must appear in the message */
} bad_fields[] = {
    {"[]", "user"},
    {"{\"id\": \"7\"}", "id"},
    {"{\"id\": -1}", "id"},
    {"{\"status\": 2}", "status"},
    {"{\"status\": true}", "status"},
    {"{\"username\": 5}", "username"},
    {"{\"expiration_date\": -5}", "expiration_date"},
    {"{\"password\": 1}", "password"},
    {"{\"public_keys\": \"" KEY1 "\"}", "public_keys"},
    {"{\"public_keys\": [1]}", "public_keys"},
    {"{\"home_dir\": []}", "home_dir"},
    {"{\"uid\": -1}", "uid"},
    {"{\"uid\": 2147483648}", "uid"},
    {"{\"gid\": \"100\"}", "gid"},
    {"{\"max_sessions\": -1}", "max_sessions"},
    {"{\"quota_size\": -1}", "quota_size"},
    {"{\"quota_files\": 1.5}", "quota_files"},
    {"{\"permissions\": []}", "permissions"},
    {"{\"permissions\": {\"/\": \"*\"}}", "permissions"},
    {"{\"permissions\": {\"/\": []}}", "permissions"},
    {"{\"permissions\": {\"/\": [1]}}", "permissions"},
    {"{\"permissions\": {\"/\": [\"fly\"]}}", "unknown permission"},
    {"{\"permissions\": {\"dir\": [\"list\"]}}", "absolute"},
    {"{\"permissions\": {\"/a\": [\"list\"], \"/a/\": [\"*\"]}}", "twice"},
    {"{\"used_quota_size\": \"1\"}", "used_quota_size"},
    {"{\"used_quota_files\": 0.5}", "used_quota_files"},
    {"{\"last_quota_update\": -1}", "last_quota_update"},
    {"{\"upload_bandwidth\": -1}", "upload_bandwidth"},
    {"{\"download_bandwidth\": \"x\"}", "download_bandwidth"},
    {"{\"last_login\": -1}", "last_login"},
    {"{\"filters\": []}", "filters"},
    {"{\"filters\": {\"allowed_ip\": \"192.0.2.1\"}}", "filters.allowed_ip"},
    {"{\"filters\": {\"denied_ip\": [1]}}", "filters.denied_ip"},
    {"{\"filters\": {\"denied_login_methods\": 3}}", "filters.denied_login_methods"},
    {"{\"upload_bandwidth\": -1}", "upload_bandwidth"},
    {"{\"download_bandwidth\": -5}", "download_bandwidth"},
    {"{\"filters\": {\"file_extensions\": {}}}", "filters.file_extensions"},
    {"{\"filesystem\": 0}", "filesystem"},
    {"{\"filesystem\": {\"provider\": 3}}", "filesystem.provider"},
    {"{\"virtual_folders\": {}}", "virtual_folders"},
};

START_TEST(every_bad_field_is_named)
{
	struct sftpgo_user u;
	char err[256] = "";
	json_t *j = parse(bad_fields[_i].json);

	user_init(&u);
	ck_assert_msg(user_from_json(j, &u, err, sizeof(err)) == -1, "accepted %s",
	              bad_fields[_i].json);
	ck_assert_msg(strstr(err, bad_fields[_i].field) != NULL,
	              "%s: message \"%s\" lacks %s", bad_fields[_i].json, err,
	              bad_fields[_i].field);
	json_decref(j);
	user_free(&u);
}
END_TEST

/* A user as SFTPGo 0.9.6's REST API writes it (nulls, empty lists, fs configs). */
START_TEST(sftpgo_output_decodes)
{
	struct sftpgo_user u;

	decode_ok("{\"id\":1,\"status\":1,\"username\":\"test\",\"expiration_date\":0,"
	          "\"home_dir\":\"/tmp/test\",\"uid\":0,\"gid\":0,\"max_sessions\":0,"
	          "\"quota_size\":0,\"quota_files\":0,\"permissions\":{\"/\":[\"*\"]},"
	          "\"used_quota_size\":0,\"used_quota_files\":0,\"last_quota_update\":0,"
	          "\"upload_bandwidth\":0,\"download_bandwidth\":0,\"last_login\":0,"
	          "\"filters\":{\"allowed_ip\":[],\"denied_ip\":[],"
	          "\"denied_login_methods\":null,\"file_extensions\":null},"
	          "\"filesystem\":{\"provider\":0,\"s3config\":{},\"gcsconfig\":{}},"
	          "\"virtual_folders\":null,\"public_keys\":null,\"new_field\":true}",
	          &u);
	ck_assert_str_eq(u.username, "test");
	ck_assert_int_eq(u.n_perms, 1);
	ck_assert_int_eq(u.filters.allowed_ip.n, 0);
	ck_assert_ptr_nonnull(json_object_get(u.filesystem, "s3config"));
	ck_assert_ptr_null(u.virtual_folders);
	user_free(&u);
}
END_TEST

START_TEST(permissions_sorted_by_path)
{
	struct sftpgo_user u;
	char err[256];
	json_t *j = parse("{\"/z\": [\"list\"], \"/\": [\"*\"], \"/a/b\": [\"upload\"], "
	                  "\"/a\": [\"delete\"]}");

	user_init(&u);
	ck_assert_msg(user_perms_from_json(j, &u, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(u.n_perms, 4);
	ck_assert_str_eq(u.perms[0].path, "/");
	ck_assert_str_eq(u.perms[1].path, "/a");
	ck_assert_str_eq(u.perms[2].path, "/a/b");
	ck_assert_str_eq(u.perms[3].path, "/z");
	ck_assert_str_eq(u.perms[1].perms.v[0], "delete");
	json_decref(j);
	user_free(&u);
}
END_TEST

START_TEST(long_username_refused)
{
	char buf[400];
	char name[300];
	struct sftpgo_user u;
	char err[256];

	memset(name, 'a', 256);
	name[256] = '\0';
	snprintf(buf, sizeof(buf), "{\"username\": \"%s\"}", name);
	json_t *j = parse(buf);
	user_init(&u);
	ck_assert_int_eq(user_from_json(j, &u, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "username"));
	json_decref(j);
	user_free(&u);
}
END_TEST

static const struct {
	// cppcheck-suppress unusedStructMember ; used inside START_TEST
	const char *in;
	// cppcheck-suppress unusedStructMember ; used inside START_TEST
	const char *out;
} perm_paths[] = {
    {"/", "/"},           {"//", "/"},
    {"/a/b/", "/a/b"},    {"//x/./y/../z", "/x/z"},
    {"/..", "/"},         {"/a/../..", "/"},
    {"/a//b//", "/a/b"},  {"/./", "/"},
    {"/a b/c", "/a b/c"},
};

START_TEST(permission_paths_are_normalised)
{
	char buf[256], err[256];
	struct sftpgo_user u;

	snprintf(buf, sizeof(buf), "{\"%s\": [\"list\", \"list\", \"upload\"]}",
	         perm_paths[_i].in);
	json_t *j = parse(buf);
	user_init(&u);
	ck_assert_msg(user_perms_from_json(j, &u, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(u.n_perms, 1);
	ck_assert_str_eq(u.perms[0].path, perm_paths[_i].out);
	ck_assert_int_eq(u.perms[0].perms.n, 2); /* duplicates dropped */
	json_t *back = user_perms_to_json(&u);
	ck_assert_ptr_nonnull(json_object_get(back, perm_paths[_i].out));
	json_decref(back);
	json_decref(j);
	user_free(&u);
}
END_TEST

/* A valid account to break one field at a time. */
static void
good_user(struct sftpgo_user *u)
{
	decode_ok("{\"username\": \"carol_1.x@example-org\", \"password\": \"secret\","
	          " \"home_dir\": \"/srv/sftp/carol\", \"uid\": 1001, \"gid\": 1001,"
	          " \"permissions\": {\"/\": [\"*\", \"list\"], \"/ro\": [\"list\"]},"
	          " \"filters\": {\"allowed_ip\": [\"192.0.2.0/24\", \"10.0.0.1\"],"
	          " \"denied_ip\": [\"2001:db8::/32\"], \"denied_login_methods\":"
	          " [\"keyboard-interactive\"]}, \"public_keys\": [\"" KEY1 "\"]}",
	          u);
}

START_TEST(valid_user_passes)
{
	struct sftpgo_user u;
	char err[256] = "";

	good_user(&u);
	ck_assert_msg(user_validate(&u, err, sizeof(err)) == 0, "%s", err);
	/* a key alone is enough */
	free(u.password);
	u.password = NULL;
	ck_assert_msg(user_validate(&u, err, sizeof(err)) == 0, "%s", err);
	user_free(&u);
}
END_TEST

static const struct {
	// cppcheck-suppress unusedStructMember ; used inside START_TEST
	const char *patch;
	// cppcheck-suppress unusedStructMember ; used inside START_TEST
	const char *field;
} bad_users[] = {
    {"{\"username\": \"\"}", "username"},
    {"{\"username\": \"a b\"}", "username"},
    {"{\"username\": \"-rf\"}", "username"},
    {"{\"username\": \".hidden\"}", "username"},
    {"{\"username\": \"a/b\"}", "username"},
    {"{\"home_dir\": \"\"}", "home_dir"},
    {"{\"home_dir\": \"srv/x\"}", "home_dir"},
    {"{\"home_dir\": \"/\"}", "home_dir"},
    {"{\"home_dir\": \"/srv/../etc\"}", "home_dir"},
    {"{\"home_dir\": \"/srv/x/\"}", "home_dir"},
    {"{\"home_dir\": \"/srv//x\"}", "home_dir"},
    {"{\"permissions\": {}}", "permissions"},
    {"{\"permissions\": {\"/in\": [\"list\"]}}", "\"/\" is required"},
    {"{\"filters\": {\"allowed_ip\": [\"192.0.2.0/33\"]}}", "allowed_ip"},
    {"{\"filters\": {\"allowed_ip\": [\"nonsense\"]}}", "allowed_ip"},
    {"{\"filters\": {\"denied_ip\": [\"300.1.1.1\"]}}", "denied_ip"},
    {"{\"filters\": {\"denied_login_methods\": [\"telepathy\"]}}",
     "denied_login_methods"},
    {"{\"public_keys\": [\"ssh-ed25519 notbase64!\"]}", "public_keys"},
    {"{\"public_keys\": [\"" KEY1 "\", \"garbage\"]}", "key 2"},
    {"{\"public_keys\": [], \"password\": \"\"}", "password"},
    {"{\"filesystem\": {\"provider\": 1}}", "filesystem.s3config: must be an object"},
    {"{\"filesystem\": {\"provider\": 1, \"s3config\": {\"region\": \"r\"}}}",
     "filesystem.s3config.bucket: required"},
    {"{\"filesystem\": {\"provider\": 1, \"s3config\": {\"bucket\": \"b\"}}}",
     "filesystem.s3config.region: required"},
    {"{\"filesystem\": {\"provider\": 1, \"s3config\": {\"bucket\": \"b\", "
     "\"region\": \"r\", \"access_key\": \"k\"}}}",
     "access_key and access_secret: both required"},
    {"{\"filesystem\": {\"provider\": 1, \"s3config\": {\"bucket\": \"b\", "
     "\"region\": \"r\", \"access_key\": \"k\", \"access_secret\": \"s\", "
     "\"key_prefix\": \"/abs\"}}}",
     "filesystem.s3config.key_prefix"},
    {"{\"filesystem\": {\"provider\": 1, \"s3config\": {\"bucket\": \"b\", "
     "\"region\": \"r\", \"access_key\": \"k\", \"access_secret\": \"s\", "
     "\"key_prefix\": \"a/../b\"}}}",
     "filesystem.s3config.key_prefix"},
    {"{\"filesystem\": {\"provider\": 1, \"s3config\": {\"bucket\": \"b\", "
     "\"region\": \"r\", \"access_key\": \"k\", \"access_secret\": \"s\", "
     "\"endpoint\": \"ftp://x\"}}}",
     "filesystem.s3config.endpoint"},
    {"{\"filesystem\": {\"provider\": 1, \"s3config\": {\"bucket\": \"b\", "
     "\"region\": \"r\", \"access_key\": \"k\", \"access_secret\": \"s\", "
     "\"upload_part_size\": 4}}}",
     "filesystem.s3config.upload_part_size"},
    {"{\"filesystem\": {\"provider\": 1, \"s3config\": {\"bucket\": \"b\", "
     "\"region\": \"r\", \"access_key\": \"k\", \"access_secret\": \"s\", "
     "\"force_path_style\": true}}}",
     "filesystem.s3config.force_path_style: not supported"},
    {"{\"filters\": {\"file_extensions\": [{\"path\": \"dir\", \"denied_extensions\":"
     " [\".a\"]}]}}",
     "invalid path \"dir\" for file extensions filter"},
    {"{\"filters\": {\"file_extensions\": [{\"path\": \"/d\", \"denied_extensions\":"
     " [\".a\"]}, {\"path\": \"/d/\", \"allowed_extensions\": [\".b\"]}]}}",
     "duplicate file extensions filter for path \"/d\""},
    {"{\"filters\": {\"file_extensions\": [{\"path\": \"/d\", \"denied_extensions\":"
     " []}]}}",
     "empty file extensions filter for path \"/d\""},
    {"{\"filters\": {\"file_extensions\": [{\"path\": \"/d\", \"denied_extensions\":"
     " [1]}]}}",
     "file_extensions: entry 1"},
    {"{\"filters\": {\"file_extensions\": [\"/d::.a\"]}}", "file_extensions: entry 1"},
    {"{\"filesystem\": {\"provider\": 2}}", "filesystem.gcsconfig: must be an object"},
};

/* SFTPGo stores each filter path cleaned and the extensions as given. */
START_TEST(file_extension_paths_are_cleaned)
{
	struct sftpgo_user u;
	char err[256] = "";

	good_user(&u);
	json_t *patch = parse("{\"filters\": {\"file_extensions\": [{\"path\": "
	                      "\"/a/./b/../c/\", \"allowed_extensions\": [\".JPG\", "
	                      "\"png\"]}]}}");
	ck_assert_msg(user_from_json(patch, &u, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(user_validate(&u, err, sizeof(err)) == 0, "%s", err);
	json_t *f = json_array_get(u.filters.file_extensions, 0);
	ck_assert_str_eq(json_string_value(json_object_get(f, "path")), "/a/c");
	ck_assert_str_eq(json_string_value(
	                     json_array_get(json_object_get(f, "allowed_extensions"), 0)),
	                 ".JPG");
	json_decref(patch);
	user_free(&u);
}
END_TEST

START_TEST(invalid_users_are_named)
{
	struct sftpgo_user u;
	char err[256] = "";

	good_user(&u);
	json_t *patch = parse(bad_users[_i].patch);
	ck_assert_msg(user_from_json(patch, &u, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(user_validate(&u, err, sizeof(err)) == -1, "accepted %s",
	              bad_users[_i].patch);
	ck_assert_msg(strstr(err, bad_users[_i].field) != NULL,
	              "%s: message \"%s\" lacks %s", bad_users[_i].patch, err,
	              bad_users[_i].field);
	json_decref(patch);
	user_free(&u);
}
END_TEST

START_TEST(validate_checks_struct_built_perms)
{
	struct sftpgo_user u;
	char err[256] = "";

	good_user(&u);
	/* A caller filling the struct by hand with an unknown name or unclean path. */
	free(u.perms[1].path);
	u.perms[1].path = strdup("/ro/");
	ck_assert_int_eq(user_validate(&u, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "permissions"));
	free(u.perms[1].path);
	u.perms[1].path = strdup("/ro");
	/* unsorted but clean paths are fine */
	struct user_perm swap = u.perms[0];
	u.perms[0] = u.perms[1];
	u.perms[1] = swap;
	ck_assert_msg(user_validate(&u, err, sizeof(err)) == 0, "%s", err);
	strlist_add(&u.perms[0].perms, "teleport");
	ck_assert_int_eq(user_validate(&u, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "teleport"));
	user_free(&u);
}
END_TEST

START_TEST(username_length_limit)
{
	struct sftpgo_user u;
	char err[256] = "";
	char name[257];

	good_user(&u);
	memset(name, 'z', 255);
	name[255] = '\0';
	free(u.username);
	u.username = strdup(name);
	ck_assert_msg(user_validate(&u, err, sizeof(err)) == 0, "%s", err);
	user_free(&u);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("user");
	TCase *tc = tcase_create("codec");
	tcase_add_test(tc, round_trip_is_identity);
	tcase_add_test(tc, password_never_shown_without_flag);
	tcase_add_test(tc, minimal_user_gets_defaults);
	tcase_add_test(tc, decode_merges_present_fields_only);
	tcase_add_loop_test(tc, every_bad_field_is_named, 0,
	                    (int)(sizeof(bad_fields) / sizeof(bad_fields[0])));
	tcase_add_test(tc, long_username_refused);
	tcase_add_test(tc, permissions_sorted_by_path);
	tcase_add_test(tc, sftpgo_output_decodes);
	tcase_add_loop_test(tc, permission_paths_are_normalised, 0,
	                    (int)(sizeof(perm_paths) / sizeof(perm_paths[0])));
	suite_add_tcase(s, tc);
	TCase *tv = tcase_create("validate");
	tcase_add_test(tv, valid_user_passes);
	tcase_add_test(tv, file_extension_paths_are_cleaned);
	tcase_add_loop_test(tv, invalid_users_are_named, 0,
	                    (int)(sizeof(bad_users) / sizeof(bad_users[0])));
	tcase_add_test(tv, validate_checks_struct_built_perms);
	tcase_add_test(tv, username_length_limit);
	suite_add_tcase(s, tv);
	return check_run_suite(s);
}
