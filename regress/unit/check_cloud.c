/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * account/cloud.h: SFTPGo 0.9.6's $aes$ secrets (round trip, tampering, the
 * stored form's shape), key_prefix cleaning, and what add/update store.
 */
#include "config.h"

#include <check.h>
#include <string.h>

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
	ck_assert_int_eq(cloud_prepare_for_store(fs, err, sizeof(err)), 0);
	const char *stored = json_string_value(json_object_get(s3, "access_secret"));
	ck_assert(cloud_secret_is_encrypted(stored));
	ck_assert_str_eq(json_string_value(json_object_get(s3, "key_prefix")), "p/q/");
	char *again = strdup(stored);
	ck_assert_int_eq(cloud_prepare_for_store(fs, err, sizeof(err)), 0);
	ck_assert_str_eq(json_string_value(json_object_get(s3, "access_secret")), again);
	free(again);
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
	suite_add_tcase(s, t);
	return check_run_suite(s);
}
