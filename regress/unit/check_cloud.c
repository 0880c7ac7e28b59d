/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * account/cloud.h: SFTPGo 0.9.6's $aes$ secrets (round trip, tampering, the
 * stored form's shape), key_prefix cleaning, and what add/update store; GCS:
 * the credentials file's name (no username leaves credentials_path), its saving
 * and the refusals.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account/cloud.h"
#include "regress/unit/check_main.h"

START_TEST(secret_round_trip)
{
	char enc[4096], dec[CLOUD_SECRET_MAX + 1], err[128];

	ck_assert_int_eq(cloud_secret_encrypt("wJalrXUtnFEMI/K7MDENG", enc, sizeof(enc),
	                                      err, sizeof(err)),
	                 0);
	ck_assert(cloud_secret_is_encrypted(enc));
	ck_assert_int_eq(strncmp(enc, "$aes$", 5), 0);
	ck_assert_int_eq(strchr(enc + 5, '$') - (enc + 5), 32);
	/* nonce 12 + ciphertext 21 + tag 16 bytes, in hex */
	ck_assert_uint_eq(strlen(strchr(enc + 5, '$') + 1), 2 * (12 + 21 + 16));
	ck_assert_int_eq(cloud_secret_decrypt(enc, dec, sizeof(dec), err, sizeof(err)),
	                 0);
	ck_assert_str_eq(dec, "wJalrXUtnFEMI/K7MDENG");
}
END_TEST

START_TEST(secret_tampered_or_malformed)
{
	char enc[4096], dec[CLOUD_SECRET_MAX + 1], err[128];
	size_t n;

	ck_assert_int_eq(cloud_secret_encrypt("s", enc, sizeof(enc), err, sizeof(err)),
	                 0);
	n = strlen(enc);
	enc[n - 1] = enc[n - 1] == '0' ? '1' : '0'; /* the tag */
	ck_assert_int_ne(cloud_secret_decrypt(enc, dec, sizeof(dec), err, sizeof(err)),
	                 0);
	ck_assert_ptr_nonnull(strstr(err, "cannot be decrypted"));
	ck_assert_int_ne(
	    cloud_secret_decrypt("$aes$short$00", dec, sizeof(dec), err, sizeof(err)), 0);
	ck_assert_int_ne(cloud_secret_decrypt("$aes$0123456789abcdef0123456789abcdef$zz",
	                                      dec, sizeof(dec), err, sizeof(err)),
	                 0);
	/* three parts (an API answer's form, key removed) is not the stored form */
	ck_assert(!cloud_secret_is_encrypted("$aes$00ff"));
	ck_assert(!cloud_secret_is_encrypted("plain"));
}
END_TEST

static const struct {
	const char *in, *out;
} prefixes[] = {
    {"", ""},
    {"a", "a/"},
    {"a/", "a/"},
    {"a//b/", "a/b/"},
    {"users/al", "users/al/"},
    {"x/y/z", "x/y/z/"},
    {"/a", NULL},
    {"a/../b", NULL},
    {"./a", NULL},
    {"..", NULL},
    {"a/.", NULL},
};

START_TEST(prefix_cleaning)
{
	char out[64];
	int rc = cloud_clean_prefix(prefixes[_i].in, out, sizeof(out));

	if (prefixes[_i].out == NULL) {
		ck_assert_int_ne(rc, 0);
	} else {
		ck_assert_int_eq(rc, 0);
		ck_assert_str_eq(out, prefixes[_i].out);
	}
}
END_TEST

START_TEST(store_encrypts_once)
{
	json_t *fs =
	    json_pack("{s:i, s:{s:s, s:s, s:s, s:s, s:s}}", "provider", 1, "s3config",
	              "bucket", "b", "region", "r", "access_key", "k", "access_secret",
	              "plain-secret", "key_prefix", "p//q");
	char err[128];
	const json_t *s3 = json_object_get(fs, "s3config");

	ck_assert_int_eq(cloud_validate(fs, err, sizeof(err)), 0);
	ck_assert_int_eq(cloud_prepare_for_store(fs, "u", err, sizeof(err)), 0);
	const char *stored = json_string_value(json_object_get(s3, "access_secret"));
	ck_assert(cloud_secret_is_encrypted(stored));
	ck_assert_str_eq(json_string_value(json_object_get(s3, "key_prefix")), "p/q/");
	char *again = strdup(stored);
	ck_assert_int_eq(cloud_prepare_for_store(fs, "u", err, sizeof(err)), 0);
	ck_assert_str_eq(json_string_value(json_object_get(s3, "access_secret")), again);
	free(again);
	json_decref(fs);
}
END_TEST

static const struct {
	const char *user, *file;
} cred_names[] = {
    {"alice", "/c/alice_gcs_credentials.json"},
    {"a.b@c-d_e", "/c/a.b@c-d_e_gcs_credentials.json"},
    {"../../etc/passwd", "/c/%2E.%2F..%2Fetc%2Fpasswd_gcs_credentials.json"},
    {"..", "/c/%2E._gcs_credentials.json"},
    {"x/y", "/c/x%2Fy_gcs_credentials.json"},
    {".hidden", "/c/%2Ehidden_gcs_credentials.json"},
    {"sp ace\n", "/c/sp%20ace%0A_gcs_credentials.json"},
};

START_TEST(credentials_file_names)
{
	char out[512];

	cloud_set_credentials_dir("/c");
	ck_assert_int_eq(
	    cloud_gcs_credentials_file(cred_names[_i].user, out, sizeof(out)), 0);
	ck_assert_str_eq(out, cred_names[_i].file);
	ck_assert_ptr_null(strchr(out + 3, '/'));
	cloud_set_credentials_dir(NULL);
	ck_assert_int_eq(cloud_gcs_credentials_file("alice", out, sizeof(out)), -1);
}
END_TEST

START_TEST(gcs_store_writes_the_file)
{
	char dir[] = "/tmp/check_cloud_XXXXXX", path[512], err[256], *text = NULL;
	/* base64 of {"type":"service_account"} */
	json_t *fs = json_pack("{s:i, s:{s:s, s:s, s:s}}", "provider", 2, "gcsconfig",
	                       "bucket", "b", "key_prefix", "p//q", "credentials",
	                       "eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0=");
	const json_t *g = json_object_get(fs, "gcsconfig");
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/creds", dir);
	cloud_set_credentials_dir(path);
	ck_assert_int_eq(cloud_validate(fs, err, sizeof(err)), 0);
	ck_assert_msg(cloud_prepare_for_store(fs, "u1", err, sizeof(err)) == 0, "%s",
	              err);
	ck_assert_ptr_null(json_object_get(g, "credentials"));
	ck_assert_str_eq(json_string_value(json_object_get(g, "key_prefix")), "p/q/");
	snprintf(path, sizeof(path), "%s/creds/u1_gcs_credentials.json", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(cloud_gcs_read_credentials(path, &text, err, sizeof(err)), 0);
	ck_assert_str_eq(text, "{\"type\":\"service_account\"}");
	free(text);
	/* stored again without credentials: the file is there, fine */
	ck_assert_int_eq(cloud_prepare_for_store(fs, "u1", err, sizeof(err)), 0);
	/* another user without a file: refused */
	ck_assert_int_eq(cloud_prepare_for_store(fs, "u2", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "invalid credentials"));
	/* not base64, not JSON */
	json_object_set_new((json_t *)g, "credentials", json_string("!!!!"));
	ck_assert_int_eq(cloud_prepare_for_store(fs, "u3", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not base64"));
	json_object_set_new((json_t *)g, "credentials", json_string("bm90IGpzb24="));
	ck_assert_int_eq(cloud_prepare_for_store(fs, "u3", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a JSON key file"));
	/* automatic credentials need no file */
	json_object_del((json_t *)g, "credentials");
	json_object_set_new((json_t *)g, "automatic_credentials", json_integer(1));
	ck_assert_int_eq(cloud_prepare_for_store(fs, "u4", err, sizeof(err)), 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/creds", dir);
	rmdir(path);
	rmdir(dir);
	cloud_set_credentials_dir(NULL);
	json_decref(fs);
}
END_TEST

/* dumpdata's direction: the stored file back into gcsconfig.credentials */
START_TEST(gcs_embed_credentials)
{
	char dir[] = "/tmp/check_cloud_XXXXXX", path[512], other[512], err[256];
	const char *b64 = "eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0=";
	json_t *fs = json_pack("{s:i, s:{s:s, s:s}}", "provider", 2, "gcsconfig",
	                       "bucket", "b", "credentials", b64);
	json_t *g = json_object_get(fs, "gcsconfig");
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	cloud_set_credentials_dir(dir);
	ck_assert_int_eq(cloud_prepare_for_store(fs, "u1", err, sizeof(err)), 0);
	ck_assert_ptr_null(json_object_get(g, "credentials"));
	/* re-embedded: the same base64 (standard, padded) */
	ck_assert_msg(cloud_gcs_embed_credentials(fs, "u1", err, sizeof(err)) == 0, "%s",
	              err);
	ck_assert_str_eq(json_string_value(json_object_get(g, "credentials")), b64);
	cloud_gcs_wipe_credentials(fs);
	ck_assert_int_eq(json_string_value(json_object_get(g, "credentials"))[0], '\0');
	/* and it loads back */
	json_object_set_new(g, "credentials", json_string(b64));
	ck_assert_int_eq(cloud_prepare_for_store(fs, "u1", err, sizeof(err)), 0);
	/* missing: 1, naming the user */
	ck_assert_int_eq(cloud_gcs_embed_credentials(fs, "u2", err, sizeof(err)), 1);
	ck_assert_ptr_nonnull(strstr(err, "\"u2\""));
	/* a symlink is not followed; a file over the limit is refused */
	snprintf(path, sizeof(path), "%s/u1_gcs_credentials.json", dir);
	snprintf(other, sizeof(other), "%s/u3_gcs_credentials.json", dir);
	ck_assert_int_eq(symlink(path, other), 0);
	ck_assert_int_eq(cloud_gcs_embed_credentials(fs, "u3", err, sizeof(err)), -1);
	unlink(other);
	ck_assert_ptr_nonnull(f = fopen(other, "w"));
	for (int i = 0; i < CLOUD_GCS_CREDENTIALS_MAX + 1; i++)
		fputc(' ', f);
	fclose(f);
	ck_assert_int_eq(cloud_gcs_embed_credentials(fs, "u3", err, sizeof(err)), -1);
	unlink(other);
	/* automatic credentials and local users: nothing embedded */
	json_object_set_new(g, "automatic_credentials", json_integer(1));
	json_object_del(g, "credentials");
	ck_assert_int_eq(cloud_gcs_embed_credentials(fs, "u1", err, sizeof(err)), 0);
	ck_assert_ptr_null(json_object_get(g, "credentials"));
	/* not JSON once decoded, or over the limit: refused naming the field */
	json_object_set_new(g, "automatic_credentials", json_integer(0));
	json_object_set_new(g, "credentials", json_string("bm90IGpzb24="));
	ck_assert_int_eq(cloud_prepare_for_store(fs, "u4", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "filesystem.gcsconfig.credentials"));
	size_t bl = (CLOUD_GCS_CREDENTIALS_MAX / 3 + 1) * 4; /* "ICAg": 3 spaces */
	char *big = malloc(bl + 1);
	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < bl; i += 4)
		memcpy(big + i, "ICAg", 4);
	big[bl] = '\0';
	json_object_set_new(g, "credentials", json_string(big));
	free(big);
	ck_assert_int_eq(cloud_prepare_for_store(fs, "u4", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "filesystem.gcsconfig.credentials"));
	ck_assert_ptr_nonnull(strstr(err, "over the limit"));
	snprintf(other, sizeof(other), "%s/u4_gcs_credentials.json", dir);
	ck_assert_int_ne(access(other, F_OK), 0);
	unlink(path);
	rmdir(dir);
	cloud_set_credentials_dir(NULL);
	json_decref(fs);
}
END_TEST

START_TEST(gcs_fields_refused)
{
	char err[256];
	json_t *fs = json_pack("{s:i, s:{s:s, s:s}}", "provider", 2, "gcsconfig",
	                       "bucket", "b", "project", "x");

	ck_assert_int_eq(cloud_validate(fs, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "filesystem.gcsconfig.project: not supported"));
	json_decref(fs);
	fs = json_pack("{s:i, s:{s:s, s:s}}", "provider", 2, "gcsconfig", "bucket", "b",
	               "endpoint", "ftp://x");
	ck_assert_int_eq(cloud_validate(fs, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "gcsconfig.endpoint"));
	json_decref(fs);
	fs = json_pack("{s:i, s:{s:s, s:s}}", "provider", 2, "gcsconfig", "bucket", "b",
	               "automatic_credentials", "yes");
	ck_assert_int_eq(cloud_validate(fs, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "automatic_credentials"));
	json_decref(fs);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cloud");
	TCase *t = tcase_create("cloud");

	tcase_add_test(t, secret_round_trip);
	tcase_add_test(t, secret_tampered_or_malformed);
	tcase_add_loop_test(t, prefix_cleaning, 0,
	                    sizeof(prefixes) / sizeof(prefixes[0]));
	tcase_add_test(t, store_encrypts_once);
	tcase_add_loop_test(t, credentials_file_names, 0,
	                    sizeof(cred_names) / sizeof(cred_names[0]));
	tcase_add_test(t, gcs_store_writes_the_file);
	tcase_add_test(t, gcs_embed_credentials);
	tcase_add_test(t, gcs_fields_refused);
	suite_add_tcase(s, t);
	return check_run_suite(s);
}
