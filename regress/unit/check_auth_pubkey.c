/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth/auth.h"
#include "common/buf.h"
#include "regress/unit/check_main.h"

/* Keys made with ssh-keygen; fingerprints from `ssh-keygen -lf` (SHA256, no pad). */
#define ED25519                                                                          \
	"ssh-ed25519 "                                                                   \
	"AAAAC3NzaC1lZDI1NTE5AAAAIMnBZPtMVb/tXN+o64ms18Zab3mgPNqiv63kLp3kTpjT"
#define ED25519_OTHER                                                                    \
	"ssh-ed25519 "                                                                   \
	"AAAAC3NzaC1lZDI1NTE5AAAAILTdvgtiNFYdwMkneSCV5IlekCi7IHFAl1x1z7uI/4px"
#define RSA                                                                              \
	"ssh-rsa "                                                                       \
	"AAAAB3NzaC1yc2EAAAADAQABAAABAQCk17GvO68abArYymN0rZRQCpSF1b/"                    \
	"8FFmSqiAVfhhqqZPZsCNJrdE"                                                       \
	"z+BsR3FeDubEnQqFy14uL+CIQBaMYBDDieCSOm9a0AmakJDwx8Jq1XDk+r5D/0FW8jZt/"          \
	"IW1pCARCwSDqD4"                                                                 \
	"KhN3DiM+C7eBEeOFfadI6S+3C/"                                                     \
	"wHVEEHUeLBQm2NNpcxMCXW3JllilbpIu0Eokp429md8KwcCpauPiIpcdz"                      \
	"j+707wQRQ29nmhKwmFkUeGNfFazcWb8EpGVoW3urgfHwlG+j33ZukLJ/"                       \
	"fFmYNAUtWQcukNTx3dIo3K5PXSm"                                                    \
	"uVpzEF+OXP2uwyqurGCMLu3dyyfavFxYUXW7zRwb"
#define P256                                                                             \
	"ecdsa-sha2-nistp256 "                                                           \
	"AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBE/2d/6P0bfCyx//"           \
	"qbpnC7ieQFlxb6h"                                                                \
	"oksSAV2zU4YFjnV2cBGUzIusPPeV8AHWdRHQZD8bgIY6n5bJrecQlzZc="
#define P384                                                                             \
	"ecdsa-sha2-nistp384 "                                                           \
	"AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBNDUuxF9pChHVEch5Q0rFEj/"   \
	"RV7EiyJ"                                                                        \
	"tTaPaXe8IjImzWVEUyrCSt7fGYfdQYQAOQT+M3toNNiASw+"                                \
	"VNlIkkRrAzpSv0EqFdH3oeTzrk1Vzy3p0yRT"                                           \
	"S/OvNTk+l6LoOPgw=="
#define P521                                                                             \
	"ecdsa-sha2-nistp521 "                                                           \
	"AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAF4+DdGTYJaDMtH7+"         \
	"7mWsj8cnQ4kE/"                                                                  \
	"+Bx/tOQ1ZnRb2ZOMGtfwSwAP09t5+ibbvCwSn/"                                         \
	"G3qIELZqt5zW7kMXnxd6gB8BT+Y8KnArEocS2auheUWxv"                                  \
	"eOS9pXb94hl9NNMrDk2Zl2mmkGJDKxTe/8+VLPigx4FBni0KmymKgkRGvNeax+Rw=="

static const struct {
	const char *line;
	const char *type;
	const char *fingerprint;
} keys[] = {
    {ED25519 " test-ed25519@example", "ssh-ed25519",
     "2DVdcN8c1KUnCyRlfBlAilViuL1LOF6GMArwqISDDWw"},
    {RSA " test-rsa@example", "ssh-rsa", "gI8SLWsG7LrZhleSzI3k7MrbtGkQIg3r6nrwF3cDbx4"},
    {P256 " test-p256@example", "ecdsa-sha2-nistp256",
     "eBdeXmWR0q7DaYlqZLgxvH8V2a5FJEMvVpislUWLMjE"},
    {P384, "ecdsa-sha2-nistp384", "nRfHQWXO+f4wSyXE3qHwWKGHoh3IcIyYede8d1+NHdk"},
    {P521 "\n", "ecdsa-sha2-nistp521", "XNyhKeGXo7thv02H3WWrQugiMFdEviv25X5lpZa7sdY"},
};

/* OpenSSH's SHA256 fingerprint: base64 of the blob's digest without padding. */
static void
fingerprint(const unsigned char *blob, size_t len, char *out, size_t outlen)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	unsigned char b64[64];
	int n;

	ck_assert_int_eq(EVP_Digest(blob, len, md, &mdlen, EVP_sha256(), NULL), 1);
	n = EVP_EncodeBlock(b64, md, (int)mdlen);
	ck_assert_int_gt(n, 0);
	while (n > 0 && b64[n - 1] == '=')
		n--;
	b64[n] = '\0';
	snprintf(out, outlen, "%s", (char *)b64);
}

START_TEST(parse_real_keys)
{
	char type[64], fp[64];
	unsigned char *blob = NULL;
	size_t len = 0;

	ck_assert_int_eq(
	    auth_pubkey_parse(keys[_i].line, type, sizeof(type), &blob, &len), 0);
	ck_assert_str_eq(type, keys[_i].type);
	fingerprint(blob, len, fp, sizeof(fp));
	ck_assert_str_eq(fp, keys[_i].fingerprint);
	free(blob);
	ck_assert_int_eq(auth_pubkey_valid(keys[_i].line), 1);
}
END_TEST

/* Spacing variations around the same key all give the same blob. */
START_TEST(parse_spacing)
{
	static const char *lines[] = {
	    ED25519,
	    ED25519 " comment with  spaces and\ttabs",
	    "  " ED25519,
	    "\tssh-ed25519\t\tAAAAC3NzaC1lZDI1NTE5AAAAIMnBZPtMVb/"
	    "tXN+o64ms18Zab3mgPNqiv63kLp3kTpjT",
	    ED25519 "\n",
	    ED25519 "\r\n",
	    ED25519 " c\r\n",
	    ED25519 " ",
	};
	char type[64], fp[64];
	unsigned char *blob;
	size_t len;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		ck_assert_msg(
		    auth_pubkey_parse(lines[i], type, sizeof(type), &blob, &len) == 0,
		    "%s", lines[i]);
		ck_assert_str_eq(type, "ssh-ed25519");
		ck_assert_uint_eq(len, 51);
		fingerprint(blob, len, fp, sizeof(fp));
		ck_assert_str_eq(fp, keys[0].fingerprint);
		free(blob);
	}
}
END_TEST

static const char *const bad_lines[] = {
    "",
    " ",
    "\n",
    "# " ED25519,
    "#" ED25519,
    /* options are not supported */
    "command=\"/bin/true\" " ED25519,
    "from=\"192.0.2.1\" " ED25519,
    "no-pty " ED25519,
    "restrict," ED25519,
    /* type alone, type without separator */
    "ssh-ed25519",
    "ssh-ed25519 ",
    "ssh-ed25519AAAAC3NzaC1lZDI1NTE5AAAAIMnBZPtMVb/tXN+o64ms18Zab3mgPNqiv63kLp3kTpjT",
    /* the blob says another type */
    "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIMnBZPtMVb/tXN+o64ms18Zab3mgPNqiv63kLp3kTpjT",
    "ecdsa-sha2-nistp384 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBE/2d/6P0bfCyx//qbpnC7ieQFlxb6h"
    "oksSAV2zU4YFjnV2cBGUzIusPPeV8AHWdRHQZD8bgIY6n5bJrecQlzZc=",
    /* types we do not take */
    "ssh-dss AAAAC3NzaC1lZDI1NTE5AAAAIMnBZPtMVb/tXN+o64ms18Zab3mgPNqiv63kLp3kTpjT",
    "ssh-ed25519-cert-v01@openssh.com "
    "AAAAC3NzaC1lZDI1NTE5AAAAIMnBZPtMVb/tXN+o64ms18Zab3mgPNqiv63kLp3kTpjT",
    "SSH-ED25519 AAAAC3NzaC1lZDI1NTE5AAAAIMnBZPtMVb/tXN+o64ms18Zab3mgPNqiv63kLp3kTpjT",
    "rsa-sha2-256 AAAAB3NzaC1yc2EAAAADAQABAAABAQCk17GvO68abArYymN0rZRQCpSF1b",
    /* broken base64 */
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMnBZPtMVb/tXN+o64ms18Zab3mgPNqiv63kLp3kTpj",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMnBZPtMVb/tXN+o64ms18Zab3mgPNqiv63kLp3kTpjT=",
    "ssh-ed25519 "
    "AAAAC3NzaC1lZDI1NTE5AAAAIMnBZPtMVb/tXN+o64ms18Zab3mgPNqiv63kLp3kTpjT====",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMnBZPtMVb_tXN-o64ms18Zab3mgPNqiv63kLp3kTpjT",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMnBZPtMVb/tXN+o64ms18Zab3mgPNqiv63kLp3kTp!T",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMnBZPtMVb/tXN+o64ms18Zab3mgPNqiv63k Lp3kTpjT",
    "ssh-ed25519 ====",
    /* valid base64, truncated key (31 bytes of key material) */
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMnBZPtMVb/tXN+o64ms18Zab3mgPNqiv63kLp3kTpg=",
    /* valid base64, blob cut inside the type string */
    "ssh-ed25519 AAAAC3NzaC1l",
    /* truncated ECDSA point (P-256 base64 cut at a quantum) */
    "ecdsa-sha2-nistp256 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBE/2d/6P0bfCyx//qbpnC7ieQFlxb6h"
    "oksSAV2zU4YFjnV2cBGUzIusPPeV8AHWdRHQZD8bgIY6n5bJrecQl",
    /* a second key smuggled after a newline */
    ED25519 "\n" ED25519_OTHER,
    ED25519 "\r" ED25519_OTHER,
};

START_TEST(parse_bad_lines)
{
	char type[64];
	unsigned char *blob = NULL;
	size_t len = 0;

	ck_assert_msg(auth_pubkey_parse(bad_lines[_i], type, sizeof(type), &blob, &len) ==
	                  -1,
	              "'%s'", bad_lines[_i]);
	ck_assert_ptr_null(blob);
	ck_assert_int_eq(auth_pubkey_valid(bad_lines[_i]), 0);
}
END_TEST

START_TEST(parse_bad_arguments)
{
	char type[64];
	unsigned char *blob = NULL;
	size_t len = 0;

	ck_assert_int_eq(auth_pubkey_parse(NULL, type, sizeof(type), &blob, &len), -1);
	ck_assert_int_eq(auth_pubkey_parse(ED25519, NULL, sizeof(type), &blob, &len), -1);
	ck_assert_int_eq(auth_pubkey_parse(ED25519, type, sizeof(type), NULL, &len), -1);
	ck_assert_int_eq(auth_pubkey_parse(ED25519, type, sizeof(type), &blob, NULL), -1);
	/* "ssh-ed25519" needs 12 bytes with its NUL. */
	ck_assert_int_eq(auth_pubkey_parse(ED25519, type, 11, &blob, &len), -1);
	ck_assert_int_eq(auth_pubkey_parse(ED25519, type, 12, &blob, &len), 0);
	ck_assert_str_eq(type, "ssh-ed25519");
	free(blob);
}
END_TEST

/* Builds "type <base64 of the fields>" from SSH strings given as (ptr, len) pairs. */
static char *
make_line(const char *type, int nfields, ...)
{
	struct wbuf w;
	va_list ap;
	char *line;
	size_t b64max;

	ck_assert_int_eq(wbuf_init(&w, 0, 1 << 20), 0);
	va_start(ap, nfields);
	for (int i = 0; i < nfields; i++) {
		const void *p = va_arg(ap, const void *);
		size_t n = va_arg(ap, size_t);
		ck_assert_int_eq(wbuf_put_string(&w, p, n), 0);
	}
	va_end(ap);
	b64max = (w.len + 2) / 3 * 4 + 1;
	line = malloc(strlen(type) + 1 + b64max);
	ck_assert_ptr_nonnull(line);
	memcpy(line, type, strlen(type));
	line[strlen(type)] = ' ';
	EVP_EncodeBlock((unsigned char *)line + strlen(type) + 1, w.p, (int)w.len);
	wbuf_free(&w);
	return line;
}

#define S(lit) (const void *)(lit), (size_t)(sizeof(lit) - 1)

static int
line_ok(char *line)
{
	char type[64];
	unsigned char *blob = NULL;
	size_t len;
	int r = auth_pubkey_parse(line, type, sizeof(type), &blob, &len);

	free(blob);
	free(line);
	return r;
}

START_TEST(parse_constructed_blobs)
{
	unsigned char k32[32], k31[31], p256[65], p384[97];
	unsigned char e[] = {0x01, 0x00, 0x01}, n[129], neg[] = {0x80, 0x01};
	unsigned char zero[] = {0x00}, padded[] = {0x00, 0x01};

	memset(k32, 0x42, sizeof(k32));
	memset(k31, 0x42, sizeof(k31));
	memset(p256, 0x11, sizeof(p256));
	p256[0] = 0x04;
	memset(p384, 0x11, sizeof(p384));
	p384[0] = 0x04;
	memset(n, 0xa5, sizeof(n));
	n[0] = 0x00;

	/* the constructions themselves are right */
	ck_assert_int_eq(
	    line_ok(make_line("ssh-ed25519", 2, S("ssh-ed25519"), k32, (size_t)32)), 0);
	ck_assert_int_eq(
	    line_ok(make_line("ssh-rsa", 3, S("ssh-rsa"), e, sizeof(e), n, sizeof(n))),
	    0);
	ck_assert_int_eq(
	    line_ok(make_line("ecdsa-sha2-nistp256", 3, S("ecdsa-sha2-nistp256"),
	                      S("nistp256"), p256, sizeof(p256))),
	    0);
	/* FIDO keys: accepted with their application string */
	ck_assert_int_eq(line_ok(make_line("sk-ssh-ed25519@openssh.com", 3,
	                                   S("sk-ssh-ed25519@openssh.com"), k32,
	                                   (size_t)32, S("ssh:"))),
	                 0);
	ck_assert_int_eq(line_ok(make_line("sk-ecdsa-sha2-nistp256@openssh.com", 4,
	                                   S("sk-ecdsa-sha2-nistp256@openssh.com"),
	                                   S("nistp256"), p256, sizeof(p256), S("ssh:"))),
	                 0);

	/* ed25519: short key, trailing field */
	ck_assert_int_eq(
	    line_ok(make_line("ssh-ed25519", 2, S("ssh-ed25519"), k31, (size_t)31)), -1);
	ck_assert_int_eq(line_ok(make_line("ssh-ed25519", 3, S("ssh-ed25519"), k32,
	                                   (size_t)32, S("x"))),
	                 -1);
	ck_assert_int_eq(line_ok(make_line("ssh-ed25519", 1, S("ssh-ed25519"))), -1);
	/* rsa: negative, zero, non-minimal, missing modulus */
	ck_assert_int_eq(line_ok(make_line("ssh-rsa", 3, S("ssh-rsa"), neg, sizeof(neg),
	                                   n, sizeof(n))),
	                 -1);
	ck_assert_int_eq(line_ok(make_line("ssh-rsa", 3, S("ssh-rsa"), e, sizeof(e), zero,
	                                   sizeof(zero))),
	                 -1);
	ck_assert_int_eq(line_ok(make_line("ssh-rsa", 3, S("ssh-rsa"), padded,
	                                   sizeof(padded), n, sizeof(n))),
	                 -1);
	ck_assert_int_eq(
	    line_ok(make_line("ssh-rsa", 3, S("ssh-rsa"), e, sizeof(e), S(""))), -1);
	ck_assert_int_eq(line_ok(make_line("ssh-rsa", 2, S("ssh-rsa"), e, sizeof(e))),
	                 -1);
	/* ecdsa: curve of another type, point of another size, compressed point */
	ck_assert_int_eq(
	    line_ok(make_line("ecdsa-sha2-nistp256", 3, S("ecdsa-sha2-nistp256"),
	                      S("nistp384"), p256, sizeof(p256))),
	    -1);
	ck_assert_int_eq(
	    line_ok(make_line("ecdsa-sha2-nistp256", 3, S("ecdsa-sha2-nistp256"),
	                      S("nistp256"), p384, sizeof(p384))),
	    -1);
	p256[0] = 0x02;
	ck_assert_int_eq(
	    line_ok(make_line("ecdsa-sha2-nistp256", 3, S("ecdsa-sha2-nistp256"),
	                      S("nistp256"), p256, sizeof(p256))),
	    -1);
	p256[0] = 0x04;
	/* sk: missing or empty application, NUL inside */
	ck_assert_int_eq(
	    line_ok(make_line("sk-ssh-ed25519@openssh.com", 2,
	                      S("sk-ssh-ed25519@openssh.com"), k32, (size_t)32)),
	    -1);
	ck_assert_int_eq(
	    line_ok(make_line("sk-ssh-ed25519@openssh.com", 3,
	                      S("sk-ssh-ed25519@openssh.com"), k32, (size_t)32, S(""))),
	    -1);
	ck_assert_int_eq(line_ok(make_line("sk-ssh-ed25519@openssh.com", 3,
	                                   S("sk-ssh-ed25519@openssh.com"), k32,
	                                   (size_t)32, S("ss\0h:"))),
	                 -1);
	/* the type string inside the blob differs in case or length */
	ck_assert_int_eq(
	    line_ok(make_line("ssh-ed25519", 2, S("SSH-ED25519"), k32, (size_t)32)), -1);
	ck_assert_int_eq(
	    line_ok(make_line("ssh-ed25519", 2, S("ssh-ed25519\0"), k32, (size_t)32)),
	    -1);
}
END_TEST

/* A string length field that runs past the end of the blob. */
START_TEST(parse_lying_length)
{
	unsigned char raw[4 + 11 + 4 + 32];
	unsigned char b64[128];
	char line[160], type[64];
	unsigned char *blob = NULL;
	size_t len;

	memcpy(raw, "\0\0\0\x0bssh-ed25519\0\0\0\x40", 19); /* says 64, has 32 */
	memset(raw + 19, 0x42, 32);
	EVP_EncodeBlock(b64, raw, sizeof(raw));
	snprintf(line, sizeof(line), "ssh-ed25519 %s", (char *)b64);
	ck_assert_int_eq(auth_pubkey_parse(line, type, sizeof(type), &blob, &len), -1);
	memcpy(raw, "\xff\xff\xff\xff", 4);
	EVP_EncodeBlock(b64, raw, sizeof(raw));
	snprintf(line, sizeof(line), "ssh-ed25519 %s", (char *)b64);
	ck_assert_int_eq(auth_pubkey_parse(line, type, sizeof(type), &blob, &len), -1);
}
END_TEST

START_TEST(parse_huge_line)
{
	size_t n = 64 * 1024;
	char *line = malloc(n + 32);
	char type[64];
	unsigned char *blob = NULL;
	size_t len;

	ck_assert_ptr_nonnull(line);
	memcpy(line, "ssh-rsa ", 8);
	memset(line + 8, 'A', n);
	line[8 + n] = '\0';
	ck_assert_int_eq(auth_pubkey_parse(line, type, sizeof(type), &blob, &len), -1);
	free(line);
}
END_TEST

static void
parse_or_fail(const char *line, char *type, unsigned char **blob, size_t *len)
{
	ck_assert_int_eq(auth_pubkey_parse(line, type, 64, blob, len), 0);
}

START_TEST(allowed_matches)
{
	struct strlist l = {0};
	char type[64];
	unsigned char *blob;
	size_t len;

	ck_assert_int_eq(strlist_add(&l, "garbage"), 0);
	ck_assert_int_eq(strlist_add(&l, RSA " rsa"), 0);
	ck_assert_int_eq(strlist_add(&l, "command=\"x\" " ED25519_OTHER), 0);
	ck_assert_int_eq(strlist_add(&l, ED25519 " mine"), 0);

	parse_or_fail(ED25519, type, &blob, &len);
	ck_assert_int_eq(auth_pubkey_allowed(&l, type, blob, len), 1);
	/* same blob offered under another type name */
	ck_assert_int_eq(auth_pubkey_allowed(&l, "ssh-rsa", blob, len), 0);
	ck_assert_int_eq(auth_pubkey_allowed(&l, "ecdsa-sha2-nistp256", blob, len), 0);
	/* a prefix of the blob, or one byte changed */
	ck_assert_int_eq(auth_pubkey_allowed(&l, type, blob, len - 1), 0);
	blob[len - 1] ^= 1;
	ck_assert_int_eq(auth_pubkey_allowed(&l, type, blob, len), 0);
	free(blob);

	/* a key stored only behind options is not a stored key */
	parse_or_fail(ED25519_OTHER, type, &blob, &len);
	ck_assert_int_eq(auth_pubkey_allowed(&l, type, blob, len), 0);
	free(blob);

	/* RSA offered under a signature algorithm name */
	parse_or_fail(RSA, type, &blob, &len);
	ck_assert_int_eq(auth_pubkey_allowed(&l, "ssh-rsa", blob, len), 1);
	ck_assert_int_eq(auth_pubkey_allowed(&l, "rsa-sha2-256", blob, len), 1);
	ck_assert_int_eq(auth_pubkey_allowed(&l, "rsa-sha2-512", blob, len), 1);
	ck_assert_int_eq(auth_pubkey_allowed(&l, "rsa-sha2-384", blob, len), 0);
	free(blob);
	strlist_free(&l);
}
END_TEST

START_TEST(allowed_edge_cases)
{
	struct strlist empty = {0};
	char type[64];
	unsigned char *blob;
	size_t len;

	parse_or_fail(ED25519, type, &blob, &len);
	ck_assert_int_eq(auth_pubkey_allowed(&empty, type, blob, len), 0);
	ck_assert_int_eq(auth_pubkey_allowed(NULL, type, blob, len), 0);
	ck_assert_int_eq(auth_pubkey_allowed(&empty, NULL, blob, len), 0);
	ck_assert_int_eq(auth_pubkey_allowed(&empty, type, NULL, len), 0);
	ck_assert_int_eq(auth_pubkey_allowed(&empty, type, blob, 0), 0);
	free(blob);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("auth_pubkey");
	TCase *tp = tcase_create("parse");
	TCase *ta = tcase_create("allowed");

	tcase_add_loop_test(tp, parse_real_keys, 0, sizeof(keys) / sizeof(keys[0]));
	tcase_add_test(tp, parse_spacing);
	tcase_add_loop_test(tp, parse_bad_lines, 0,
	                    sizeof(bad_lines) / sizeof(bad_lines[0]));
	tcase_add_test(tp, parse_bad_arguments);
	tcase_add_test(tp, parse_constructed_blobs);
	tcase_add_test(tp, parse_lying_length);
	tcase_add_test(tp, parse_huge_line);
	tcase_add_test(ta, allowed_matches);
	tcase_add_test(ta, allowed_edge_cases);
	suite_add_tcase(s, tp);
	suite_add_tcase(s, ta);
	return check_run_suite(s);
}
