/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Password hashing (argon2id, like SFTPGo) and verification of every format SFTPGo
 * 0.9 accepts. Stored hashes may come from an admin's API call or a backup, so their
 * cost parameters are bounded before any work starts: a hostile value is "no match",
 * never a minute of CPU or gigabytes of memory.
 */
#include "config.h"

#include <crypt.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/parse.h"
#include "auth/auth.h"
#include "auth/internal.h"

/* SFTPGo's argon2id parameters (alexedwards/argon2id defaults). */
#define ARGON2_T_COST 1
#define ARGON2_M_COST 65536 /* KiB */
#define ARGON2_PARALLELISM 2
#define ARGON2_SALT_LEN 16
#define ARGON2_KEY_LEN 32

/* Bounds on what a stored hash may ask for. */
#define PASSWORD_MAX_LEN 1024
#define STORED_MAX_LEN 1024
#define ARGON2_MAX_M_COST 262144 /* 256 MiB */
#define ARGON2_MAX_T_COST 16
#define ARGON2_MAX_WORK 1048576 /* m_cost * t_cost: 16 times the default */
#define ARGON2_MAX_PARALLELISM 8
#define BCRYPT_MIN_COST 4
#define BCRYPT_MAX_COST 16
#define SHA512CRYPT_MAX_ROUNDS 1000000 /* sha256crypt too */
#define YESCRYPT_MAX_N_LOG2 20
#define YESCRYPT_MAX_MEMORY (256ULL << 20) /* 128 * r * N bytes */
#define PBKDF2_MAX_ITERATIONS 2000000
#define PBKDF2_MIN_KEY_LEN 16
#define PBKDF2_MAX_KEY_LEN 64

/*
 * An argon2id hash with exactly the default parameters (of a random password nobody
 * knows): verifying against it costs what a real verification costs.
 */
static const char dummy_hash[] = "$argon2id$v=19$m=65536,t=1,p=2$zW6YxmyPy46ZRRL+hlQ/fw$"
                                 "Le3ReqOwtW7Xj2XFOvxq6YM1SeMAjMEMidKcbCyPi5g";

static const char *const hashed_prefixes[] = {
    "$2a$", "$2b$", "$2y$", "$pbkdf2-", "$1$",
    "$5$",  "$6$",  "$y$",  "$apr1$",   "$argon2id$",
};

static int
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int
auth_password_is_hashed(const char *s)
{
	if (s == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(hashed_prefixes) / sizeof(hashed_prefixes[0]); i++)
		if (has_prefix(s, hashed_prefixes[i]))
			return 1;
	return 0;
}

int
auth_password_hash(const char *password, char *out, size_t outlen)
{
	unsigned char salt[ARGON2_SALT_LEN];
	size_t pwlen;
	int rc;

	if (password == NULL || out == NULL)
		return -1;
	pwlen = strlen(password);
	if (pwlen > PASSWORD_MAX_LEN)
		return -1;
	if (outlen < argon2_encodedlen(ARGON2_T_COST, ARGON2_M_COST, ARGON2_PARALLELISM,
	                               ARGON2_SALT_LEN, ARGON2_KEY_LEN, Argon2_id))
		return -1;
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return -1;
	rc = argon2id_hash_encoded(ARGON2_T_COST, ARGON2_M_COST, ARGON2_PARALLELISM,
	                           password, pwlen, salt, sizeof(salt), ARGON2_KEY_LEN,
	                           out, outlen);
	explicit_bzero(salt, sizeof(salt));
	if (rc != ARGON2_OK) {
		explicit_bzero(out, outlen);
		return -1;
	}
	return 0;
}

/* Matches a literal at *p and advances past it. */
static int
expect(const char **p, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*p, lit, n) != 0)
		return -1;
	*p += n;
	return 0;
}

/* "$argon2id$[v=N$]m=N,t=N,p=N$salt$hash": bounds the costs before libargon2 runs. */
static int
argon2_params_ok(const char *stored)
{
	const char *p = stored + strlen("$argon2id$");
	uint64_t v, m, t, par;

	if (strncmp(p, "v=", 2) == 0) {
		p += 2;
		if (parse_decimal(&p, 3, &v) || expect(&p, "$"))
			return 0;
	}
	if (expect(&p, "m=") || parse_decimal(&p, 10, &m) || expect(&p, ",t=") ||
	    parse_decimal(&p, 10, &t) || expect(&p, ",p=") ||
	    parse_decimal(&p, 10, &par) || expect(&p, "$"))
		return 0;
	if (m > ARGON2_MAX_M_COST || t < 1 || t > ARGON2_MAX_T_COST ||
	    m * t > ARGON2_MAX_WORK)
		return 0;
	if (par < 1 || par > ARGON2_MAX_PARALLELISM)
		return 0;
	return 1;
}

static int
verify_argon2id(const char *stored, const char *password, size_t pwlen)
{
	if (!argon2_params_ok(stored))
		return 0;
	return argon2id_verify(stored, password, pwlen) == ARGON2_OK;
}

/* "$2a$NN$" + 22 salt characters + 31 hash characters. */
static int
bcrypt_params_ok(const char *stored)
{
	const char *p = stored + 4;
	uint64_t cost;

	if (strlen(stored) != 60 || parse_decimal(&p, 2, &cost) || p != stored + 6 ||
	    expect(&p, "$"))
		return 0;
	return cost >= BCRYPT_MIN_COST && cost <= BCRYPT_MAX_COST;
}

/* "$6$[rounds=N$]salt$hash" (and "$5$..."): the rounds are bounded, the rest is
 * libxcrypt's. */
static int
shacrypt_params_ok(const char *stored)
{
	const char *p = stored + 3;
	uint64_t rounds;

	if (strncmp(p, "rounds=", 7) != 0)
		return 1;
	p += 7;
	if (parse_decimal(&p, 10, &rounds) || expect(&p, "$"))
		return 0;
	return rounds <= SHA512CRYPT_MAX_ROUNDS;
}

/* One character of yescrypt's parameter encoding: values 0..47 take one character
 * (index in the crypt alphabet); a longer encoding is refused. */
static int
yescrypt_digit(char c)
{
	static const char itoa64[] =
	    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	const char *at = c != '\0' ? strchr(itoa64, c) : NULL;

	if (at == NULL || at - itoa64 > 47)
		return -1;
	return (int)(at - itoa64);
}

/*
 * "$y$" flavor N_log2 r "$salt$hash" (libxcrypt's "$y$j9T$..."): only the three
 * one-character parameters, no optional ones (p, t, g, ROM), and a memory cost
 * (128 * r * 2^N_log2 bytes) of at most 256 MiB, so a hostile hash cannot make a
 * login allocate gigabytes.
 */
static int
yescrypt_params_ok(const char *stored)
{
	const char *p = stored + 3;
	int flavor, nlog2, r;

	if (strlen(p) < 4 || p[3] != '$')
		return 0;
	flavor = yescrypt_digit(p[0]);
	nlog2 = yescrypt_digit(p[1]) + 1;
	r = yescrypt_digit(p[2]) + 1;
	if (flavor < 0 || nlog2 < 1 || r < 1 || nlog2 > YESCRYPT_MAX_N_LOG2)
		return 0;
	return 128ULL * (unsigned long long)r * (1ULL << nlog2) <= YESCRYPT_MAX_MEMORY;
}

/* bcrypt, sha512crypt, sha256crypt, yescrypt and md5crypt go through libxcrypt; the
 * output is the full hash string, compared in constant time with the stored one. */
static int
verify_libxcrypt(const char *stored, const char *password)
{
	struct crypt_data *cd;
	const char *res;
	int match = 0;

	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return 0;
	res = crypt_rn(password, stored, cd, (int)sizeof(*cd));
	if (res != NULL && res[0] != '*' && strlen(res) == strlen(stored))
		match = CRYPTO_memcmp(res, stored, strlen(stored)) == 0;
	/* crypt_data holds a copy of the password and intermediate state. */
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return match;
}

/* "$apr1$salt$hash" with a salt of at most 8 characters and a 22-character hash. */
static int
verify_apr1(const char *stored, const char *password)
{
	const char *salt = stored + strlen("$apr1$");
	const char *end = strchr(salt, '$');
	char computed[64];
	int match = 0;

	if (end == NULL || end - salt > 8 || strlen(end + 1) != 22)
		return 0;
	if (auth_md5crypt("$apr1$", password, salt, (size_t)(end - salt), computed,
	                  sizeof(computed)) == 0 &&
	    strlen(computed) == strlen(stored))
		match = CRYPTO_memcmp(computed, stored, strlen(stored)) == 0;
	explicit_bzero(computed, sizeof(computed));
	return match;
}

static const EVP_MD *
pbkdf2_digest(const char *stored, const char **rest)
{
	static const struct {
		const char *prefix;
		const EVP_MD *(*md)(void);
	} algos[] = {
	    {"$pbkdf2-sha1$", EVP_sha1},
	    {"$pbkdf2-sha256$", EVP_sha256},
	    {"$pbkdf2-sha512$", EVP_sha512},
	};

	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++)
		if (has_prefix(stored, algos[i].prefix)) {
			*rest = stored + strlen(algos[i].prefix);
			return algos[i].md();
		}
	return NULL;
}

/*
 * SFTPGo's format: $pbkdf2-<sha1|sha256|sha512>$<iterations>$<salt>$<base64 key>; the
 * salt is used as the literal bytes of the string and the key length is the decoded
 * length of the stored key.
 */
static int
verify_pbkdf2(const char *stored, const char *password, size_t pwlen)
{
	unsigned char expected[PBKDF2_MAX_KEY_LEN + 3], derived[PBKDF2_MAX_KEY_LEN];
	const char *p, *salt, *salt_end, *key;
	const EVP_MD *md;
	uint64_t iter;
	int keylen, match = 0;

	md = pbkdf2_digest(stored, &p);
	if (md == NULL || parse_decimal(&p, 10, &iter) || expect(&p, "$"))
		return 0;
	if (iter < 1 || iter > PBKDF2_MAX_ITERATIONS)
		return 0;
	salt = p;
	salt_end = strchr(salt, '$');
	if (salt_end == NULL)
		return 0;
	key = salt_end + 1;
	if (strchr(key, '$') != NULL)
		return 0;
	keylen = auth_b64_decode(key, strlen(key), expected, sizeof(expected));
	if (keylen < PBKDF2_MIN_KEY_LEN || keylen > PBKDF2_MAX_KEY_LEN)
		return 0;
	if (PKCS5_PBKDF2_HMAC(password, (int)pwlen, (const unsigned char *)salt,
	                      (int)(salt_end - salt), (int)iter, md, keylen,
	                      derived) == 1)
		match = CRYPTO_memcmp(derived, expected, (size_t)keylen) == 0;
	explicit_bzero(derived, sizeof(derived));
	return match;
}

int
auth_password_verify(const char *stored, const char *password)
{
	size_t pwlen;

	if (stored == NULL || password == NULL)
		return 0;
	pwlen = strlen(password);
	if (pwlen > PASSWORD_MAX_LEN || strlen(stored) > STORED_MAX_LEN)
		return 0;
	if (has_prefix(stored, "$argon2id$"))
		return verify_argon2id(stored, password, pwlen);
	if (has_prefix(stored, "$2a$") || has_prefix(stored, "$2b$") ||
	    has_prefix(stored, "$2y$"))
		return bcrypt_params_ok(stored) && verify_libxcrypt(stored, password);
	if (has_prefix(stored, "$6$") || has_prefix(stored, "$5$"))
		return shacrypt_params_ok(stored) && verify_libxcrypt(stored, password);
	if (has_prefix(stored, "$y$"))
		return yescrypt_params_ok(stored) && verify_libxcrypt(stored, password);
	if (has_prefix(stored, "$1$"))
		return verify_libxcrypt(stored, password);
	if (has_prefix(stored, "$apr1$"))
		return verify_apr1(stored, password);
	if (has_prefix(stored, "$pbkdf2-"))
		return verify_pbkdf2(stored, password, pwlen);
	return 0;
}

/* The libxcrypt schemes: bounded costs, then libxcrypt's own syntax check. */
static const char *
libxcrypt_problem(const char *stored)
{
	if ((has_prefix(stored, "$6$") || has_prefix(stored, "$5$")) &&
	    !shacrypt_params_ok(stored))
		return "sha-crypt rounds malformed or above 1000000";
	if (has_prefix(stored, "$y$") && !yescrypt_params_ok(stored))
		return "yescrypt parameters malformed or above 256 MiB of memory";
	if ((has_prefix(stored, "$2a$") || has_prefix(stored, "$2b$") ||
	     has_prefix(stored, "$2y$")) &&
	    !bcrypt_params_ok(stored))
		return "bcrypt hash malformed or cost outside 4..16";
	int rc = crypt_checksalt(stored);
	if (rc != CRYPT_SALT_OK && rc != CRYPT_SALT_METHOD_LEGACY)
		return "hash malformed (libxcrypt refuses its salt)";
	return NULL;
}

const char *
auth_password_hash_problem(const char *stored)
{
	if (stored == NULL || stored[0] == '\0')
		return "no password hash";
	if (strlen(stored) > STORED_MAX_LEN)
		return "hash longer than 1024 bytes";
	if (!auth_password_is_hashed(stored))
		return stored[0] == '$'
		           ? "unsupported hash scheme"
		           : "not a supported hash (traditional DES crypt and "
		             "plain text are refused)";
	if (has_prefix(stored, "$argon2id$"))
		return argon2_params_ok(stored)
		           ? NULL
		           : "argon2id parameters malformed or too costly";
	if (has_prefix(stored, "$apr1$") || has_prefix(stored, "$pbkdf2-"))
		return NULL; /* parsed and bounded at verification */
	return libxcrypt_problem(stored);
}

void
auth_password_dummy_verify(const char *password)
{
	(void)auth_password_verify(dummy_hash, password != NULL ? password : "");
}
