/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

/*
 * libFuzzer target for the decoders of text an attacker or a careless admin can
 * supply to the monitor and the admin CLI: authorized_keys lines
 * (auth_pubkey_parse), CIDR filters (cidr_parse, cidr_ip_allowed), stored password
 * hashes (auth_password_verify's format parsing, with cheap costs only: a stored
 * hash with a huge cost is refused before hashing) and user JSON as the REST API
 * and external auth programs send it (user_from_json + user_validate), and the
 * SFTPGo dump file (account_dump_decode: loaddata, the memory provider).
 * The first byte picks the decoder (0xd0: the dump; otherwise by its value mod 4).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "account/cidr.h"
#include "account/dump.h"
#include "account/user.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_pubkey(const char *s)
{
	char type[64];
	unsigned char *blob = NULL;
	size_t bloblen = 0;
	struct strlist keys = {0};

	if (auth_pubkey_parse(s, type, sizeof(type), &blob, &bloblen) == 0) {
		if (strlist_add(&keys, s) == 0)
			(void)auth_pubkey_allowed(&keys, type, blob, bloblen);
		strlist_free(&keys);
		free(blob);
	}
}

static void
fuzz_cidr(const char *s)
{
	struct cidr c;
	struct strlist l = {0};

	if (cidr_parse(s, &c) == 0)
		(void)cidr_contains(&c, "192.0.2.1");
	if (strlist_add(&l, s) == 0) {
		(void)cidr_ip_allowed("2001:db8::1", &l, &l);
		(void)cidr_ip_allowed(s, &l, &l);
	}
	strlist_free(&l);
}

static void
fuzz_hash(const char *s)
{
	/* The import check never hashes: every format. A problem always has a text. */
	const char *problem = auth_password_hash_problem(s);
	if (problem != NULL && problem[0] == '\0')
		abort();
	/* Only formats whose cost the input cannot raise much: keep runs fast. */
	if (strncmp(s, "$2", 2) == 0 || strncmp(s, "$argon2", 7) == 0 ||
	    strncmp(s, "$pbkdf2", 7) == 0 || strncmp(s, "$6$", 3) == 0 ||
	    strncmp(s, "$5$", 3) == 0 || strncmp(s, "$y$", 3) == 0)
		return;
	(void)auth_password_verify(s, "password");
	(void)auth_password_is_hashed(s);
}

static void
fuzz_user_json(const char *s, size_t len)
{
	json_error_t jerr;
	json_t *j = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr);
	struct sftpgo_user u;
	char err[256];

	if (j == NULL)
		return;
	user_init(&u);
	if (user_from_json(j, &u, err, sizeof(err)) == 0) {
		(void)user_validate(&u, err, sizeof(err));
		json_decref(user_to_json(&u, 0));
	}
	user_free(&u);
	json_decref(j);
}

static void
fuzz_dump(const char *s, size_t len)
{
	struct account_dump d;
	char err[256];

	if (account_dump_decode(s, len, &d, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < d.n; i++)
			(void)user_validate(&d.users[i], err, sizeof(err));
		account_dump_free(&d);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1 || size > 16384)
		return 0;
	s = malloc(size);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] == 0xd0) {
		fuzz_dump(s, size - 1);
		free(s);
		return 0;
	}
	switch (data[0] % 4) {
	case 0:
		fuzz_pubkey(s);
		break;
	case 1:
		fuzz_cidr(s);
		break;
	case 2:
		fuzz_hash(s);
		break;
	default:
		fuzz_user_json(s, size - 1);
		break;
	}
	free(s);
	return 0;
}
