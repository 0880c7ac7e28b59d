/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * md5crypt (Poul-Henning Kamp, FreeBSD 1994) with a selectable magic string. Apache's
 * "$apr1$" hashes are this very algorithm with "$apr1$" as the magic, which libxcrypt
 * does not know, so it is built here on OpenSSL's MD5. The "$1$" flavour is what the
 * unit tests cross-check against libxcrypt.
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>

#include "auth/internal.h"

#define MD5CRYPT_SALT_MAX 8
#define MD5CRYPT_ROUNDS 1000
#define MD5_LEN 16

static const char itoa64[] =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* Appends n base-64 characters of v, least significant 6 bits first. */
static char *
to64(char *p, unsigned long v, int n)
{
	while (n-- > 0) {
		*p++ = itoa64[v & 0x3f];
		v >>= 6;
	}
	return p;
}

static int
md5_update(EVP_MD_CTX *ctx, const void *data, size_t len)
{
	return EVP_DigestUpdate(ctx, data, len) == 1 ? 0 : -1;
}

static int
md5_begin(EVP_MD_CTX *ctx)
{
	return EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 ? 0 : -1;
}

static int
md5_end(EVP_MD_CTX *ctx, unsigned char out[MD5_LEN])
{
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(ctx, out, &n) != 1 || n != MD5_LEN)
		return -1;
	return 0;
}

/* The initial digest: password, magic, salt, then the "alternate" sum mixed in. */
static int
md5crypt_initial(EVP_MD_CTX *ctx, const char *magic, const char *pw, size_t pwlen,
                 const char *salt, size_t saltlen, unsigned char fin[MD5_LEN])
{
	unsigned char alt[MD5_LEN];
	int rc = -1;

	if (md5_begin(ctx) || md5_update(ctx, pw, pwlen) ||
	    md5_update(ctx, salt, saltlen) || md5_update(ctx, pw, pwlen) ||
	    md5_end(ctx, alt))
		goto out;
	if (md5_begin(ctx) || md5_update(ctx, pw, pwlen) ||
	    md5_update(ctx, magic, strlen(magic)) || md5_update(ctx, salt, saltlen))
		goto out;
	for (size_t left = pwlen; left > 0; left -= left > MD5_LEN ? MD5_LEN : left)
		if (md5_update(ctx, alt, left > MD5_LEN ? MD5_LEN : left))
			goto out;
	/* The reference code's quirk: a NUL byte for 1 bits, the first password byte
	 * for 0 bits, walking the length from its low bit. */
	for (size_t i = pwlen; i != 0; i >>= 1)
		if (md5_update(ctx, (i & 1) ? "" : pw, 1))
			goto out;
	rc = md5_end(ctx, fin);
out:
	explicit_bzero(alt, sizeof(alt));
	return rc;
}

/* 1000 rounds meant to slow down brute force (1994 standards). */
static int
md5crypt_stretch(EVP_MD_CTX *ctx, const char *pw, size_t pwlen, const char *salt,
                 size_t saltlen, unsigned char fin[MD5_LEN])
{
	for (int i = 0; i < MD5CRYPT_ROUNDS; i++) {
		if (md5_begin(ctx))
			return -1;
		if ((i & 1) ? md5_update(ctx, pw, pwlen) : md5_update(ctx, fin, MD5_LEN))
			return -1;
		if (i % 3 && md5_update(ctx, salt, saltlen))
			return -1;
		if (i % 7 && md5_update(ctx, pw, pwlen))
			return -1;
		if ((i & 1) ? md5_update(ctx, fin, MD5_LEN) : md5_update(ctx, pw, pwlen))
			return -1;
		if (md5_end(ctx, fin))
			return -1;
	}
	return 0;
}

/* The final digest is written in a fixed byte order, 22 characters. */
static void
md5crypt_encode(const unsigned char f[MD5_LEN], char *p)
{
	p = to64(p, ((unsigned long)f[0] << 16) | ((unsigned long)f[6] << 8) | f[12], 4);
	p = to64(p, ((unsigned long)f[1] << 16) | ((unsigned long)f[7] << 8) | f[13], 4);
	p = to64(p, ((unsigned long)f[2] << 16) | ((unsigned long)f[8] << 8) | f[14], 4);
	p = to64(p, ((unsigned long)f[3] << 16) | ((unsigned long)f[9] << 8) | f[15], 4);
	p = to64(p, ((unsigned long)f[4] << 16) | ((unsigned long)f[10] << 8) | f[5], 4);
	p = to64(p, f[11], 2);
	*p = '\0';
}

int
auth_md5crypt(const char *magic, const char *password, const char *salt, size_t saltlen,
              char *out, size_t outlen)
{
	unsigned char fin[MD5_LEN];
	size_t pwlen = strlen(password);
	size_t mlen = strlen(magic);
	EVP_MD_CTX *ctx;
	int rc = -1;

	if (saltlen > MD5CRYPT_SALT_MAX)
		saltlen = MD5CRYPT_SALT_MAX;
	if (memchr(salt, '$', saltlen) != NULL || memchr(salt, '\0', saltlen) != NULL)
		return -1;
	/* magic + salt + '$' + 22 characters + NUL */
	if (outlen < mlen + saltlen + 1 + 22 + 1)
		return -1;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return -1;
	if (md5crypt_initial(ctx, magic, password, pwlen, salt, saltlen, fin) == 0 &&
	    md5crypt_stretch(ctx, password, pwlen, salt, saltlen, fin) == 0) {
		memcpy(out, magic, mlen);
		memcpy(out + mlen, salt, saltlen);
		out[mlen + saltlen] = '$';
		md5crypt_encode(fin, out + mlen + saltlen + 1);
		rc = 0;
	}
	/* EVP_MD_CTX_free cleanses the digest state, which depends on the password. */
	EVP_MD_CTX_free(ctx);
	explicit_bzero(fin, sizeof(fin));
	return rc;
}
