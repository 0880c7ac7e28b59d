/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authorized_keys lines as SFTPGo stores them in public_keys: "type base64 [comment]".
 * Options ("command=...", "from=...") are not supported and make the line invalid,
 * as do certificates and DSA. Accepted types: ssh-ed25519, ssh-rsa,
 * ecdsa-sha2-nistp256/384/521 and the FIDO security-key types
 * sk-ssh-ed25519@openssh.com and sk-ecdsa-sha2-nistp256@openssh.com (their
 * signatures are checked by the SSH layer like any other key's). The decoded blob is
 * checked field by field so garbage never reaches a comparison or the SSH library.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth/auth.h"
#include "auth/internal.h"
#include "common/buf.h"

/* An RSA key of 16384 bits is about 2 KiB; nothing legitimate comes near this. */
#define PUBKEY_BLOB_MAX 16384
#define PUBKEY_B64_MAX ((PUBKEY_BLOB_MAX + 2) / 3 * 4)
#define RSA_MAX_MODULUS_BYTES (16384 / 8 + 1)
#define ED25519_KEY_LEN 32
#define SK_APPLICATION_MAX 1024

enum key_shape {
	SHAPE_ED25519,
	SHAPE_RSA,
	SHAPE_ECDSA,
	SHAPE_SK_ED25519,
	SHAPE_SK_ECDSA
};

static const struct key_type {
	const char *name;
	enum key_shape shape;
	const char *curve;  /* ECDSA: the curve name inside the blob */
	uint32_t point_len; /* ECDSA: uncompressed point length */
} key_types[] = {
    {"ssh-ed25519", SHAPE_ED25519, NULL, 0},
    {"ssh-rsa", SHAPE_RSA, NULL, 0},
    {"ecdsa-sha2-nistp256", SHAPE_ECDSA, "nistp256", 65},
    {"ecdsa-sha2-nistp384", SHAPE_ECDSA, "nistp384", 97},
    {"ecdsa-sha2-nistp521", SHAPE_ECDSA, "nistp521", 133},
    {"sk-ssh-ed25519@openssh.com", SHAPE_SK_ED25519, NULL, 0},
    {"sk-ecdsa-sha2-nistp256@openssh.com", SHAPE_SK_ECDSA, "nistp256", 65},
};

static const struct key_type *
key_type_find(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++)
		if (strlen(key_types[i].name) == len &&
		    memcmp(key_types[i].name, name, len) == 0)
			return &key_types[i];
	return NULL;
}

static int
string_equals(const uint8_t *s, uint32_t slen, const char *lit)
{
	return slen == strlen(lit) && memcmp(s, lit, slen) == 0;
}

/* An RFC 4251 mpint that is a positive number in minimal form. */
static int
get_positive_mpint(struct rbuf *r, uint32_t max)
{
	const uint8_t *s;
	uint32_t n;

	if (rbuf_get_string(r, &s, &n, max) != 0 || n == 0)
		return -1;
	if (s[0] & 0x80)
		return -1; /* negative */
	if (s[0] == 0 && (n == 1 || !(s[1] & 0x80)))
		return -1; /* zero or a needless leading zero byte */
	return 0;
}

static int
get_fixed_string(struct rbuf *r, uint32_t len)
{
	const uint8_t *s;
	uint32_t n;

	if (rbuf_get_string(r, &s, &n, len) != 0 || n != len)
		return -1;
	return 0;
}

/* curve name, then an uncompressed point (0x04 || X || Y). */
static int
get_ecdsa_key(struct rbuf *r, const struct key_type *kt)
{
	const uint8_t *s;
	uint32_t n;

	if (rbuf_get_string(r, &s, &n, 64) != 0 || !string_equals(s, n, kt->curve))
		return -1;
	if (rbuf_get_string(r, &s, &n, kt->point_len) != 0 || n != kt->point_len ||
	    s[0] != 0x04)
		return -1;
	return 0;
}

static int
get_sk_application(struct rbuf *r)
{
	const uint8_t *s;
	uint32_t n;

	if (rbuf_get_string(r, &s, &n, SK_APPLICATION_MAX) != 0 || n == 0)
		return -1;
	return memchr(s, '\0', n) == NULL ? 0 : -1;
}

/* The blob must be exactly the key type's fields, first of all its own name. */
static int
blob_is_valid(const struct key_type *kt, const uint8_t *blob, size_t len)
{
	struct rbuf r;
	const uint8_t *s;
	uint32_t n;
	int rc = -1;

	rbuf_init(&r, blob, len);
	if (rbuf_get_string(&r, &s, &n, 64) != 0 || !string_equals(s, n, kt->name))
		return -1;
	switch (kt->shape) {
	case SHAPE_ED25519:
		rc = get_fixed_string(&r, ED25519_KEY_LEN);
		break;
	case SHAPE_RSA:
		rc = get_positive_mpint(&r, 64) ||
		             get_positive_mpint(&r, RSA_MAX_MODULUS_BYTES)
		         ? -1
		         : 0;
		break;
	case SHAPE_ECDSA:
		rc = get_ecdsa_key(&r, kt);
		break;
	case SHAPE_SK_ED25519:
		rc = get_fixed_string(&r, ED25519_KEY_LEN) || get_sk_application(&r) ? -1
		                                                                     : 0;
		break;
	case SHAPE_SK_ECDSA:
		rc = get_ecdsa_key(&r, kt) || get_sk_application(&r) ? -1 : 0;
		break;
	}
	if (rc == 0 && rbuf_left(&r) != 0)
		rc = -1; /* trailing bytes */
	return rc;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Length of the token at s (up to a blank or the end of the line). */
static size_t
token_len(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0' && !is_blank(s[n]) && s[n] != '\r' && s[n] != '\n')
		n++;
	return n;
}

/* One line, optionally ended by "\n" or "\r\n": no key smuggled after a newline. */
static int
is_single_line(const char *line)
{
	size_t len = strlen(line);

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	return memchr(line, '\n', len) == NULL && memchr(line, '\r', len) == NULL;
}

int
auth_pubkey_parse(const char *line, char *type, size_t typelen, unsigned char **blob,
                  size_t *bloblen)
{
	const struct key_type *kt;
	const char *p, *b64;
	unsigned char *buf;
	size_t tlen, blen;
	int n;

	if (line == NULL || type == NULL || blob == NULL || bloblen == NULL)
		return -1;
	if (!is_single_line(line))
		return -1;
	p = line;
	while (is_blank(*p))
		p++;
	tlen = token_len(p);
	kt = key_type_find(p, tlen);
	if (kt == NULL || tlen >= typelen)
		return -1; /* unknown type, options prefix, comment line, empty line */
	b64 = p + tlen;
	if (!is_blank(*b64))
		return -1;
	while (is_blank(*b64))
		b64++;
	blen = token_len(b64);
	if (blen == 0 || blen > PUBKEY_B64_MAX)
		return -1;
	buf = malloc(blen / 4 * 3 + 3);
	if (buf == NULL)
		return -1;
	n = auth_b64_decode(b64, blen, buf, blen / 4 * 3 + 3);
	if (n <= 0 || blob_is_valid(kt, buf, (size_t)n) != 0) {
		free(buf);
		return -1;
	}
	memcpy(type, kt->name, tlen + 1);
	*blob = buf;
	*bloblen = (size_t)n;
	return 0;
}

/*
 * For RSA the SSH layer may name the signature algorithm (rsa-sha2-256/512) instead
 * of the key type; the blob still says ssh-rsa and is what really identifies the key.
 */
static int
type_matches(const char *stored, const char *offered)
{
	if (strcmp(stored, offered) == 0)
		return 1;
	return strcmp(stored, "ssh-rsa") == 0 && (strcmp(offered, "rsa-sha2-256") == 0 ||
	                                          strcmp(offered, "rsa-sha2-512") == 0);
}

int
auth_pubkey_valid(const char *line)
{
	char type[64];
	unsigned char *blob = NULL;
	size_t bloblen = 0;
	int ok = auth_pubkey_parse(line, type, sizeof(type), &blob, &bloblen) == 0;

	free(blob);
	return ok;
}

int
auth_pubkey_allowed(const struct strlist *keys, const char *type,
                    const unsigned char *blob, size_t bloblen)
{
	char ktype[64];
	unsigned char *kblob;
	size_t klen;
	int found = 0;

	if (keys == NULL || type == NULL || blob == NULL || bloblen == 0)
		return 0;
	for (size_t i = 0; i < keys->n; i++) {
		if (auth_pubkey_parse(keys->v[i], ktype, sizeof(ktype), &kblob, &klen) !=
		    0)
			continue;
		/* No early exit: every stored key costs the same whether it matches. */
		if (type_matches(ktype, type) && klen == bloblen &&
		    CRYPTO_memcmp(kblob, blob, klen) == 0)
			found = 1;
		free(kblob);
	}
	return found;
}
