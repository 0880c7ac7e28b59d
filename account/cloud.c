/* SPDX-License-Identifier: BSD-2-Clause */
/* Cloud storage fields of an account (see account/cloud.h). */
#include "config.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/cloud.h"
#include "common/errf.h"
#include "common/parse.h"

#define KEY_HEX 32 /* the 32 hex characters themselves are the AES-256 key */
#define NONCE_LEN 12
#define TAG_LEN 16
#define PART_SIZE_MIN 5
#define PART_SIZE_MAX 5120
#define CONCURRENCY_MAX 64
#define FIELD_MAX 1024

long long
cloud_provider(const json_t *fs)
{
	const json_t *p = fs != NULL ? json_object_get(fs, "provider") : NULL;

	return json_is_integer(p) ? (long long)json_integer_value(p) : 0;
}

/* The s3config members this server honours; any other is refused by name. */
static const char *const s3_fields[] = {
    "bucket",        "region",     "access_key",       "access_secret",      "endpoint",
    "storage_class", "key_prefix", "upload_part_size", "upload_concurrency", NULL};

static int
known_field(const char *k)
{
	for (size_t i = 0; s3_fields[i] != NULL; i++)
		if (strcmp(s3_fields[i], k) == 0)
			return 1;
	return 0;
}

static const char *
str_field(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

static int
check_strings(const json_t *s3, char *err, size_t errlen)
{
	const char *k;
	const json_t *v;

	json_object_foreach((json_t *)s3, k, v)
	{
		if (!known_field(k))
			return errf(err, errlen,
			            "filesystem.s3config.%s: not supported (the fields "
			            "honoured are bucket, region, access_key, "
			            "access_secret, endpoint, storage_class, key_prefix, "
			            "upload_part_size, upload_concurrency)",
			            k);
		if (strncmp(k, "upload_", 7) == 0)
			continue;
		if (!json_is_string(v) && !json_is_null(v))
			return errf(err, errlen,
			            "filesystem.s3config.%s: must be a string", k);
		if (json_is_string(v) && strlen(json_string_value(v)) > FIELD_MAX)
			return errf(err, errlen, "filesystem.s3config.%s: longer than %d",
			            k, FIELD_MAX);
	}
	return 0;
}

static int
check_int(const json_t *s3, const char *k, long long lo, long long hi, char *err,
          size_t errlen)
{
	const json_t *v = json_object_get(s3, k);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) ||
	    (json_integer_value(v) != 0 &&
	     (json_integer_value(v) < lo || json_integer_value(v) > hi)))
		return errf(err, errlen,
		            "filesystem.s3config.%s: must be 0 or %lld to %lld", k, lo,
		            hi);
	return 0;
}

static int
validate_s3(const json_t *fs, char *err, size_t errlen)
{
	const json_t *s3 = json_object_get(fs, "s3config");
	char prefix[FIELD_MAX + 2];
	const char *ep;

	if (!json_is_object(s3))
		return errf(err, errlen, "filesystem.s3config: must be an object");
	if (check_strings(s3, err, errlen) != 0)
		return -1;
	if (str_field(s3, "bucket")[0] == '\0')
		return errf(err, errlen, "filesystem.s3config.bucket: required");
	if (str_field(s3, "region")[0] == '\0')
		return errf(err, errlen, "filesystem.s3config.region: required");
	if (str_field(s3, "access_key")[0] == '\0' ||
	    str_field(s3, "access_secret")[0] == '\0')
		return errf(
		    err, errlen,
		    "filesystem.s3config.access_key and access_secret: both "
		    "required (the AWS default credential chain is not supported)");
	ep = str_field(s3, "endpoint");
	if (ep[0] != '\0' && strncmp(ep, "http://", 7) != 0 &&
	    strncmp(ep, "https://", 8) != 0)
		return errf(
		    err, errlen,
		    "filesystem.s3config.endpoint: must be an http:// or https:// URL");
	if (cloud_clean_prefix(str_field(s3, "key_prefix"), prefix, sizeof(prefix)) != 0)
		return errf(err, errlen,
		            "filesystem.s3config.key_prefix: must be relative, without "
		            "\".\" or \"..\" components");
	if (check_int(s3, "upload_part_size", PART_SIZE_MIN, PART_SIZE_MAX, err,
	              errlen) != 0 ||
	    check_int(s3, "upload_concurrency", 1, CONCURRENCY_MAX, err, errlen) != 0)
		return -1;
	return 0;
}

int
cloud_validate(const json_t *fs, char *err, size_t errlen)
{
	const json_t *prov = fs != NULL ? json_object_get(fs, "provider") : NULL;

	if (prov == NULL || json_is_null(prov))
		return 0;
	if (!json_is_integer(prov))
		return errf(err, errlen, "filesystem.provider: must be an integer");
	switch (json_integer_value(prov)) {
	case 0:
		return 0;
	case 1:
		return validate_s3(fs, err, errlen);
	case 2:
		return cloud_validate_gcs(fs, err, errlen);
	default:
		return errf(err, errlen,
		            "filesystem.provider: must be 0 (local), 1 (S3) or 2 (GCS)");
	}
}

/* ---- the secret ---- */

static void
to_hex(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static long
from_hex(const char *in, size_t n, unsigned char *out, size_t outsz)
{
	if (n % 2 != 0 || n / 2 > outsz)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = parse_hex_digit(in[2 * i]), lo = parse_hex_digit(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

int
cloud_secret_is_encrypted(const char *s)
{
	int dollars = 0;

	if (strncmp(s, "$aes$", 5) != 0)
		return 0;
	for (const char *p = s; *p != '\0'; p++)
		dollars += *p == '$';
	return dollars == 3;
}

/* AES-256-GCM, no AAD; enc = 1 seals, 0 opens (the tag checked). */
static int
gcm(int enc, const unsigned char *key, const unsigned char *nonce,
    const unsigned char *in, int inlen, unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, f = 0, ok;

	ok = c != NULL &&
	     EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
	     EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) == 1 &&
	     EVP_CipherUpdate(c, out, &n, in, inlen) == 1 &&
	     (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1) &&
	     EVP_CipherFinal_ex(c, out + n, &f) == 1 &&
	     (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1);
	EVP_CIPHER_CTX_free(c);
	return ok ? n + f : -1;
}

int
cloud_secret_encrypt(const char *plain, char *out, size_t outsz, char *err, size_t errlen)
{
	unsigned char rnd[KEY_HEX / 2], nonce[NONCE_LEN],
	    buf[NONCE_LEN + CLOUD_SECRET_MAX + TAG_LEN];
	char key[KEY_HEX + 1];
	size_t n = strlen(plain);
	int ct;

	if (n > CLOUD_SECRET_MAX)
		return errf(err, errlen, "filesystem.s3config.access_secret: too long");
	if (outsz < 5 + KEY_HEX + 1 + 2 * (NONCE_LEN + n + TAG_LEN) + 1)
		return errf(err, errlen, "filesystem.s3config.access_secret: too long");
	if (RAND_bytes(rnd, sizeof(rnd)) != 1 || RAND_bytes(nonce, sizeof(nonce)) != 1)
		return errf(err, errlen, "access_secret: no random bytes");
	to_hex(rnd, sizeof(rnd), key);
	memcpy(buf, nonce, NONCE_LEN);
	ct = gcm(1, (const unsigned char *)key, nonce, (const unsigned char *)plain,
	         (int)n, buf + NONCE_LEN, buf + NONCE_LEN + n);
	if (ct != (int)n) {
		explicit_bzero(buf, sizeof(buf));
		return errf(err, errlen, "access_secret: encryption failed");
	}
	memcpy(out, "$aes$", 5);
	memcpy(out + 5, key, KEY_HEX);
	out[5 + KEY_HEX] = '$';
	to_hex(buf, NONCE_LEN + n + TAG_LEN, out + 6 + KEY_HEX);
	explicit_bzero(buf, sizeof(buf));
	explicit_bzero(key, sizeof(key));
	return 0;
}

int
cloud_secret_decrypt(const char *stored, char *out, size_t outsz, char *err,
                     size_t errlen)
{
	unsigned char buf[NONCE_LEN + CLOUD_SECRET_MAX + TAG_LEN];
	const char *key, *data;
	long n;
	int pt;

	if (!cloud_secret_is_encrypted(stored)) {
		/* stored in clear by another tool: used as is */
		if (strlen(stored) >= outsz)
			return errf(err, errlen, "access_secret: too long");
		strlcpy(out, stored, outsz);
		return 0;
	}
	key = stored + 5;
	data = strchr(key, '$');
	if (data == NULL || data - key != KEY_HEX)
		return errf(err, errlen, "access_secret: malformed $aes$ value");
	data++;
	n = from_hex(data, strlen(data), buf, sizeof(buf));
	if (n < NONCE_LEN + TAG_LEN || (size_t)(n - NONCE_LEN - TAG_LEN) >= outsz)
		return errf(err, errlen, "access_secret: malformed $aes$ value");
	pt = gcm(0, (const unsigned char *)key, buf, buf + NONCE_LEN,
	         (int)(n - NONCE_LEN - TAG_LEN), (unsigned char *)out, buf + n - TAG_LEN);
	explicit_bzero(buf, sizeof(buf));
	if (pt < 0) {
		explicit_bzero(out, outsz);
		return errf(err, errlen, "access_secret: cannot be decrypted");
	}
	out[pt] = '\0';
	return 0;
}

int
cloud_prepare_for_store(json_t *fs, const char *username, char *err, size_t errlen)
{
	json_t *s3 = json_object_get(fs, "s3config");
	char prefix[FIELD_MAX + 2],
	    enc[5 + KEY_HEX + 1 + 2 * (NONCE_LEN + CLOUD_SECRET_MAX + TAG_LEN) + 1];
	const char *secret;

	if (cloud_provider(fs) == 2)
		return cloud_gcs_prepare_for_store(fs, username, err, errlen);
	if (cloud_provider(fs) != 1 || !json_is_object(s3))
		return 0;
	if (cloud_clean_prefix(str_field(s3, "key_prefix"), prefix, sizeof(prefix)) != 0)
		return errf(err, errlen, "filesystem.s3config.key_prefix: invalid");
	if (json_object_set_new(s3, "key_prefix", json_string(prefix)) != 0)
		return errf(err, errlen, "out of memory");
	secret = str_field(s3, "access_secret");
	if (secret[0] == '\0' || cloud_secret_is_encrypted(secret))
		return 0;
	if (cloud_secret_encrypt(secret, enc, sizeof(enc), err, errlen) != 0)
		return -1;
	json_t *old = json_object_get(s3, "access_secret");
	explicit_bzero((char *)json_string_value(old), strlen(json_string_value(old)));
	if (json_object_set_new(s3, "access_secret", json_string(enc)) != 0)
		return errf(err, errlen, "out of memory");
	return 0;
}
