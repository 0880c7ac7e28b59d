/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <check.h>
#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/internal.h"
#include "regress/unit/check_main.h"

/*
 * Known answers. bcrypt "secret" cost 14 and pbkdf2-sha256 are the SFTPGo README's
 * examples; the others were made with tools independent of this code:
 * `openssl passwd -1/-6/-apr1`, `htpasswd -B/-m` (apache2-utils), Python's
 * hashlib.pbkdf2_hmac and crypt, the reference argon2 library.
 */
static const struct {
	const char *hash;
	const char *password;
} known[] = {
    /* bcrypt */
    {"$2a$14$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK", "secret"},
    {"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"},
    {"$2y$04$jubfcONVwEPYXzAP04WK0.CbPCUin7pxVhtnLLb9mscAqe9/VSoVu", "bcrypt pw"},
    {"$2b$06$abcdefghijklmnopqrstuuFoBUs1x6ElXaSTkYeOmux1nR5euQixO", "hunter2"},
    /* sha512crypt */
    {"$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc."
     "eoxqOmSuNp2xS0ktL3nh/",
     "password"},
    {"$6$rounds=10000$NaCl4pepper$WO9yl995/ZAFHE0C4wMDBWMAMyYeDakAopJ9xy04GnRpPeQMgmu6"
     "wARcX5qgdWB79s3HBuMFBXScCMUWzYK38/",
     "correct horse"},
    {"$6$Xy7.q/z$KCKJF.AEqh4XmBUo5dc96H.iht0NnRKeffjjtbYuncYb9dU/aUZlWwOVDEiOxgsZkVXNmb"
     "IenErodNDWk4Wcr.",
     ""},
    /* sha256crypt and yescrypt (mkpasswd from Debian's whois package) */
    {"$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC.", "password"},
    {"$5$rounds=1000$YjCf/XOKcvZnLaSi$kKUC3Ge.vdxjLqB/ov2429n5pE5R0YHnI7hKK5uBBQ3",
     "hunter2"},
    {"$y$j9T$NKjWoM.CuPuU5sNuj9xhc1$UPUwy.OCFpBV9uuKVy7LelifJ776L/HcCbe3GFsWLV4",
     "password"},
    {"$y$j7T$0ZRbQtCLPOxX16AgA5TJZ1$bmOlSy0CC51bTMM16RRJYdQj1Bnli16ZO.xCZZqDXB5",
     "correct horse"},
    /* md5crypt */
    {"$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/", "password"},
    {"$1$ab/cd$eDK2IVsHz1Jw204Snq71t/", "Tr0ub4dor&3"},
    /* apr1 */
    {"$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/", "password"},
    {"$apr1$rYs$lV68HPt3FXpMrCEmfk7HV1", "p@ss:w0rd"},
    {"$apr1$12345678$IKEJpYsmvyr9zizq5kmaf1",
     "a longer passphrase, more than sixteen bytes long"},
    {"$apr1$x$tMwYqBfQwi3FYAr0aJc8M/", ""},
    {"$apr1$lCg4vdE6$0G8b0E3PyTQP.Tx/nwo5U/", "apache"},
    /* pbkdf2 */
    {"$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=",
     "password"},
    {"$pbkdf2-sha1$150000$E86a9YMX3zC7$3dUUW7Q3z1ETfedd7KxdhUzdFCs=", "password"},
    {"$pbkdf2-sha512$150000$E86a9YMX3zC7$VFwmX/hx2zgtHAGfOQr+vggjPAlOiNNAUjHmzZpCRUroyKYp"
     "2J5n+r3b36xhZ/vHh1nd3RwWx6y01l32hphX/w==",
     "password"},
    {"$pbkdf2-sha1$1000$s@lt?$E9eLyrp/DvsC4v4ukSLcZc1xal4=", "s3cr\xc3\xa9t"},
    /* argon2id */
    {"$argon2id$v=19$m=4096,t=3,p=1$MDEyMzQ1Njc4OWFiY2RlZg$lNvAhpaaNB2deu67N/HXSUJlMfOUY"
     "vtKGNMiOdmVxO0",
     "open sesame"},
    {"$argon2id$v=19$m=1024,t=2,p=4$c2FsdHNhbHRzYWx0$L/td1KXWF1Y5RV0mxfhqzg", ""},
};

#define N_KNOWN (sizeof(known) / sizeof(known[0]))

START_TEST(known_answer_matches)
{
	ck_assert_msg(auth_password_verify(known[_i].hash, known[_i].password) == 1, "%s",
	              known[_i].hash);
}
END_TEST

START_TEST(known_answer_wrong_password)
{
	char wrong[128];

	snprintf(wrong, sizeof(wrong), "%sx", known[_i].password);
	ck_assert_int_eq(auth_password_verify(known[_i].hash, wrong), 0);
	/* A flipped character anywhere in the password must not match either. */
	if (known[_i].password[0] != '\0') {
		snprintf(wrong, sizeof(wrong), "%s", known[_i].password);
		wrong[0] ^= 1;
		ck_assert_int_eq(auth_password_verify(known[_i].hash, wrong), 0);
	}
}
END_TEST

/*
 * SFTPGo's pbkdf2 format takes the key length from the stored key, and PBKDF2's
 * first bytes do not depend on the requested length: a stored key cut at a base64
 * quantum is itself a valid, shorter hash. We accept it when it keeps at least 16
 * bytes (128 bits) and refuse anything shorter.
 */
static int
pbkdf2_valid_shorter_key(const char *h, size_t n)
{
	size_t keyoff;

	if (strncmp(h, "$pbkdf2-", 8) != 0)
		return 0;
	keyoff = (size_t)(strrchr(h, '$') + 1 - h);
	if (n <= keyoff || (n - keyoff) % 4 != 0)
		return 0;
	return (n - keyoff) / 4 * 3 >= 16;
}

/* Every stored hash cut short must be refused (never crash, never match). */
START_TEST(known_answer_truncated)
{
	const char *h = known[_i].hash;
	size_t len = strlen(h);
	char *cut = malloc(len + 1);

	ck_assert_ptr_nonnull(cut);
	for (size_t n = 0; n < len; n += (n < 8 || len - n < 8) ? 1 : 7) {
		memcpy(cut, h, n);
		cut[n] = '\0';
		ck_assert_msg(auth_password_verify(cut, known[_i].password) ==
		                  pbkdf2_valid_shorter_key(h, n),
		              "%s", cut);
	}
	free(cut);
}
END_TEST

/* One changed character in the stored hash part must not match. */
START_TEST(known_answer_tampered_hash)
{
	const char *h = known[_i].hash;
	size_t len = strlen(h);
	char *t = strdup(h);

	ck_assert_ptr_nonnull(t);
	t[len - 3] = t[len - 3] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(auth_password_verify(t, known[_i].password), 0);
	free(t);
}
END_TEST

START_TEST(hash_roundtrip)
{
	char h1[256], h2[256];

	ck_assert_int_eq(auth_password_hash("correct horse battery", h1, sizeof(h1)), 0);
	ck_assert_int_eq(strncmp(h1, "$argon2id$v=19$m=65536,t=1,p=2$", 31), 0);
	ck_assert_int_eq(auth_password_is_hashed(h1), 1);
	ck_assert_int_eq(auth_password_verify(h1, "correct horse battery"), 1);
	ck_assert_int_eq(auth_password_verify(h1, "correct horse batterY"), 0);
	ck_assert_int_eq(auth_password_verify(h1, ""), 0);
	/* A fresh random salt every time. */
	ck_assert_int_eq(auth_password_hash("correct horse battery", h2, sizeof(h2)), 0);
	ck_assert_str_ne(h1, h2);
	ck_assert_int_eq(auth_password_verify(h2, "correct horse battery"), 1);
}
END_TEST

START_TEST(hash_empty_password)
{
	char h[256];

	ck_assert_int_eq(auth_password_hash("", h, sizeof(h)), 0);
	ck_assert_int_eq(auth_password_verify(h, ""), 1);
	ck_assert_int_eq(auth_password_verify(h, " "), 0);
}
END_TEST

START_TEST(hash_bad_arguments)
{
	char h[256], small[40];
	char *huge = malloc(2000);

	ck_assert_ptr_nonnull(huge);
	memset(huge, 'a', 1999);
	huge[1999] = '\0';
	ck_assert_int_eq(auth_password_hash(NULL, h, sizeof(h)), -1);
	ck_assert_int_eq(auth_password_hash("x", NULL, sizeof(h)), -1);
	ck_assert_int_eq(auth_password_hash("x", small, sizeof(small)), -1);
	ck_assert_int_eq(auth_password_hash(huge, h, sizeof(h)), -1);
	free(huge);
}
END_TEST

/* The dummy must cost what a default hash costs: same parameters. */
START_TEST(dummy_verify_default_cost)
{
	char h[256];

	ck_assert_int_eq(auth_password_hash("x", h, sizeof(h)), 0);
	auth_password_dummy_verify("whatever");
	auth_password_dummy_verify("");
	auth_password_dummy_verify(NULL);
	/* Recompute the dummy's prefix from a real hash: m, t, p and key length. */
	ck_assert_int_eq(strncmp(h, "$argon2id$v=19$m=65536,t=1,p=2$", 31), 0);
	ck_assert_uint_eq(strlen(h), 31 + 22 + 1 + 43);
}
END_TEST

START_TEST(is_hashed_prefixes)
{
	static const char *yes[] = {
	    "$2a$x", "$2b$x",   "$2y$x",   "$pbkdf2-sha256$1$a$b", "$1$x", "$5$abc",
	    "$6$x",  "$y$j9T$", "$apr1$x", "$argon2id$x"};
	static const char *no[] = {
	    "",      "password",     "$2x$",  "$7$abc",  "$argon2i$v=19",
	    "$apr$", "pbkdf2-sha1$", " $1$x", "$gy$j9T$"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ck_assert_msg(auth_password_is_hashed(yes[i]) == 1, "%s", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ck_assert_msg(auth_password_is_hashed(no[i]) == 0, "%s", no[i]);
	ck_assert_int_eq(auth_password_is_hashed(NULL), 0);
}
END_TEST

/* Formats we do not know never match, even when libxcrypt would accept them. */
START_TEST(verify_unknown_formats)
{
	static const char *stored[] = {
	    "",
	    "password",
	    "$",
	    "$gy$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7",
	    "$7$CU..../....F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.R",
	    "$argon2i$v=19$m=4096,t=3,p=1$MDEyMzQ1Njc4OWFiY2RlZg$abc",
	    "$pbkdf2-md5$1000$salt$AAAAAAAAAAAAAAAAAAAAAA==",
	    "$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
	    "_J9..CCCCXBrJUJV154M",
	    "abJnggxhB/yWI",
	};

	for (size_t i = 0; i < sizeof(stored) / sizeof(stored[0]); i++)
		ck_assert_msg(auth_password_verify(stored[i], "password") == 0, "%s",
		              stored[i]);
	ck_assert_int_eq(auth_password_verify(NULL, "password"), 0);
	ck_assert_int_eq(auth_password_verify("$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/", NULL),
	                 0);
}
END_TEST

/*
 * Absurd costs are refused before any work: these would take hours or gigabytes if
 * they reached the hash function (the test would time out).
 */
START_TEST(verify_absurd_costs)
{
	static const char *stored[] = {
	    "$2a$31$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK",
	    "$2b$17$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK",
	    "$2y$99$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK",
	    "$2a$03$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK",
	    "$2a$4$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tKx",
	    "$2a$xx$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK",
	    "$6$rounds=999999999$NaCl4pepper$WO9yl995/"
	    "ZAFHE0C4wMDBWMAMyYeDakAopJ9xy04GnRpPeQ"
	    "Mgmu6wARcX5qgdWB79s3HBuMFBXScCMUWzYK38/",
	    "$6$rounds=1000001$NaCl4pepper$WO9yl995/"
	    "ZAFHE0C4wMDBWMAMyYeDakAopJ9xy04GnRpPeQMg"
	    "mu6wARcX5qgdWB79s3HBuMFBXScCMUWzYK38/",
	    "$6$rounds=99999999999999999999$NaCl$WO9y",
	    "$5$rounds=1000001$YjCf/XOKcvZnLaSi$kKUC3Ge.vdxjLqB/"
	    "ov2429n5pE5R0YHnI7hKK5uBBQ3",
	    /* yescrypt: N = 2^23 (over the bound), r = 32 with N = 2^17 (512 MiB),
	     * optional parameters, a multi-character encoding, a short field */
	    "$y$jKT$NKjWoM.CuPuU5sNuj9xhc1$UPUwy.OCFpBV9uuKVy7LelifJ776L/HcCbe3GFsWLV4",
	    "$y$jET$NKjWoM.CuPuU5sNuj9xhc1$UPUwy.OCFpBV9uuKVy7LelifJ776L/HcCbe3GFsWLV4",
	    "$y$j9T/$NKjWoM.CuPuU5sNuj9xhc1$UPUwy.OCFpBV9uuKVy7LelifJ776L/HcCbe3GFsWLV4",
	    "$y$jzT$NKjWoM.CuPuU5sNuj9xhc1$UPUwy.OCFpBV9uuKVy7LelifJ776L/HcCbe3GFsWLV4",
	    "$y$j9$NKjWoM.CuPuU5sNuj9xhc1$UPUwy.OCFpBV9uuKVy7LelifJ776L/HcCbe3GFsWLV4",
	    "$y$",
	    "$6$rounds=$NaCl4pepper$WO9yl995",
	    "$6$rounds=-5$NaCl4pepper$WO9yl995",
	    "$pbkdf2-sha256$2000001$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/"
	    "M0IFoYtZbo=",
	    "$pbkdf2-sha256$18446744073709551617$E86a9YMX3zC7$R5J62hsSq+"
	    "pYw00hLLPKBbcGXmq7fj5"
	    "+/M0IFoYtZbo=",
	    "$pbkdf2-sha256$0$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=",
	    "$pbkdf2-sha256$-1$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=",
	    "$pbkdf2-sha256$+150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/"
	    "M0IFoYtZbo=",
	    "$argon2id$v=19$m=4194304,t=1,p=2$MDEyMzQ1Njc4OWFiY2RlZg$lNvAhpaaNB2deu67N/"
	    "HXSUJl"
	    "MfOUYvtKGNMiOdmVxO0",
	    "$argon2id$v=19$m=4096,t=100000,p=1$MDEyMzQ1Njc4OWFiY2RlZg$lNvAhpaaNB2deu67N/"
	    "HXSU"
	    "JlMfOUYvtKGNMiOdmVxO0",
	    "$argon2id$v=19$m=262144,t=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg$lNvAhpaaNB2deu67N/"
	    "HXSUJlM"
	    "fOUYvtKGNMiOdmVxO0",
	    "$argon2id$v=19$m=4096,t=3,p=255$MDEyMzQ1Njc4OWFiY2RlZg$lNvAhpaaNB2deu67N/"
	    "HXSUJlM"
	    "fOUYvtKGNMiOdmVxO0",
	    "$argon2id$v=19$m=4096,t=0,p=1$MDEyMzQ1Njc4OWFiY2RlZg$lNvAhpaaNB2deu67N/"
	    "HXSUJlMfO"
	    "UYvtKGNMiOdmVxO0",
	    "$argon2id$v=19$m=99999999999999999999,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$lNvA",
	};

	for (size_t i = 0; i < sizeof(stored) / sizeof(stored[0]); i++)
		ck_assert_msg(auth_password_verify(stored[i], "secret") == 0, "%s",
		              stored[i]);
}
END_TEST

/*
 * Correct hashes of "secret" just over each bound (made with openssl, Python and the
 * reference argon2 library): they would match if the bound were not enforced.
 */
START_TEST(verify_caps_refuse_valid_hashes)
{
	static const char *stored[] = {
	    "$2b$17$capcheckcapcheckcapcheUQpCuRE.n.fFuls5SS.74se31qWxtre",
	    "$6$rounds=1000001$capcheck$DxYAXaW7QHochmqd7a9a5X7e6cIZVM2uwzwiiNYqq2bs85."
	    "2LfrMY7T"
	    "IBGqaJWFag/ubVV7W2Mp2tDwSv9ood1",
	    "$pbkdf2-sha1$2000001$capcheck$nJMAQrU3ZpT6KGhQICA3BnvXyCs=",
	    /* 66-byte and 15-byte keys */
	    "$pbkdf2-sha256$1000$capcheck$MOwXxLotQGt/XWWWK/"
	    "Oh70VYCg4sqogZa0o83u9puf2MY7IApXN7lQ"
	    "i+KXi572Z6SYF/eSogJZ4LnxC+XyTIzyoP",
	    "$pbkdf2-sha256$1000$capcheck$MOwXxLotQGt/XWWWK/Oh",
	    "$argon2id$v=19$m=262145,t=1,p=1$Y2FwY2hlY2tjYXBjaGVjaw$"
	    "neVoBp5KC9KfnLom9CrQWYRCVSc"
	    "Azcdj5kp9i+JUWYQ",
	    "$argon2id$v=19$m=64,t=17,p=1$Y2FwY2hlY2tjYXBjaGVjaw$e+AsqjsGQkIn0ssd8Ii/"
	    "k5WyMDFnyp"
	    "GIeFPB3OVQ0wc",
	    "$argon2id$v=19$m=72,t=1,p=9$Y2FwY2hlY2tjYXBjaGVjaw$+BSMEsLy/"
	    "alOKolGSyfh6aAeXDtruMh"
	    "Iv5m5YngZCoY",
	};

	for (size_t i = 0; i < sizeof(stored) / sizeof(stored[0]); i++)
		ck_assert_msg(auth_password_verify(stored[i], "secret") == 0, "%s",
		              stored[i]);
}
END_TEST

/* The bounds themselves are still accepted (the cheap ones are tested). */
START_TEST(verify_caps_boundary_accepted)
{
	static const char *stored[] = {
	    "$argon2id$v=19$m=64,t=16,p=8$Y2FwY2hlY2tjYXBjaGVjaw$"
	    "TdMvlJfbzu9Dfu85oAt4YS7NtCoimH"
	    "d4/FROAFsfvSI",
	    /* 16-byte and 64-byte keys */
	    "$pbkdf2-sha256$1000$capcheck$MOwXxLotQGt/XWWWK/Oh7w==",
	    "$pbkdf2-sha256$1000$capcheck$MOwXxLotQGt/XWWWK/"
	    "Oh70VYCg4sqogZa0o83u9puf2MY7IApXN7lQ"
	    "i+KXi572Z6SYF/eSogJZ4LnxC+XyTIzw==",
	};

	for (size_t i = 0; i < sizeof(stored) / sizeof(stored[0]); i++)
		ck_assert_msg(auth_password_verify(stored[i], "secret") == 1, "%s",
		              stored[i]);
}
END_TEST

START_TEST(verify_malformed)
{
	static const char *stored[] = {
	    /* argon2id: missing or garbled fields */
	    "$argon2id$",
	    "$argon2id$v=19$",
	    "$argon2id$v=19$m=4096,t=3,p=1$",
	    "$argon2id$v=19$m=4096,t=3,p=1$MDEyMzQ1Njc4OWFiY2RlZg$",
	    "$argon2id$v=19$m=4096,p=1,t=3$MDEyMzQ1Njc4OWFiY2RlZg$lNvAhpaaNB2deu67N/"
	    "HXSUJlMfOU"
	    "YvtKGNMiOdmVxO0",
	    "$argon2id$v=19$m=4096,t=3,p=1$!!!!$lNvAhpaaNB2deu67N/"
	    "HXSUJlMfOUYvtKGNMiOdmVxO0",
	    "$argon2id$v=19$m=4096,t=3,p=1$MDEyMzQ1Njc4OWFiY2RlZg$lNvAhpaaNB2deu67N/"
	    "HXSUJlMfOUY"
	    "vtKGNMiOdmVxO0$extra",
	    /* bcrypt: wrong length, bad alphabet */
	    "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWx",
	    "$2a$05$CCCCCCCCCCCCCCCCCCCCC!E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
	    "$2a$05$",
	    /* apr1: salt longer than 8, missing separator, short hash */
	    "$apr1$saltsalts$yAAkm4libquA.ZWLHbSBq/",
	    "$apr1$saltsaltyAAkm4libquA.ZWLHbSBq/",
	    "$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq",
	    "$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/$",
	    /* pbkdf2: fields, base64, key length */
	    "$pbkdf2-sha256$150000$E86a9YMX3zC7",
	    "$pbkdf2-sha256$150000$E86a9YMX3zC7$",
	    "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/"
	    "M0IFoYtZbo",
	    "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/"
	    "M0IFoYtZbo==",
	    "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq-pYw00hLLPKBbcGXmq7fj5_/"
	    "M0IFoYtZbo=",
	    "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00h "
	    "LLPKBbcGXmq7fj5+/M0IFoYtZbo=",
	    "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/"
	    "M0IFoYtZbo=$",
	    "$pbkdf2-sha256$150000$E86a9YMX3zC7$=R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/"
	    "M0IFoYtZbo",
	    "$pbkdf2-sha256$150000$E86a9YMX3zC7$AAAAAAAAAAA=",
	    "$pbkdf2-sha256$150000x$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/"
	    "M0IFoYtZbo=",
	    "$pbkdf2-sha256$$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=",
	    "$pbkdf2-sha256150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/"
	    "M0IFoYtZbo=",
	    /* sha512crypt / md5crypt: garbage after the prefix */
	    "$6$",
	    "$6$$",
	    "$1$",
	    "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/extra",
	};

	for (size_t i = 0; i < sizeof(stored) / sizeof(stored[0]); i++)
		ck_assert_msg(auth_password_verify(stored[i], "password") == 0, "%s",
		              stored[i]);
}
END_TEST

/* A key longer than the bound is refused even when it would be correct. */
/* What user import checks before storing a foreign hash. */
START_TEST(hash_problem)
{
	static const char *good[] = {
	    "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/"
	    "jctKu9YterLp8wwnSq.qc."
	    "eoxqOmSuNp2xS0ktL3nh/",
	    "$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC.",
	    "$y$j9T$NKjWoM.CuPuU5sNuj9xhc1$UPUwy.OCFpBV9uuKVy7LelifJ776L/HcCbe3GFsWLV4",
	    "$2b$06$abcdefghijklmnopqrstuuFoBUs1x6ElXaSTkYeOmux1nR5euQixO",
	    "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/",
	    "$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/",
	};
	static const char *bad[] = {
	    "",
	    "abJnggxhB/yWI", /* DES */
	    "plain text",
	    "$7$CU..../....F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o",
	    "$y$jKT$NKjWoM.CuPuU5sNuj9xhc1$UPUwy.OCFpBV9uuKVy7LelifJ776L/HcCbe3GFsWLV4",
	    "$6$rounds=1000001$NaCl$WO9y",
	    "$2a$31$ajq8Q7fbtFRQvXpdCq7Jcuy.Rx1h/L4J60Otx.gyNLbAYctGMJ9tK",
	    "$6$sa!t$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq",
	    "$argon2id$v=19$m=9999999,t=3,p=1$MDEyMzQ1Njc4OWFiY2RlZg$abc",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(auth_password_hash_problem(good[i]) == NULL, "%s: %s",
		              good[i], auth_password_hash_problem(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(auth_password_hash_problem(bad[i]) != NULL, "%s", bad[i]);
	ck_assert_ptr_nonnull(auth_password_hash_problem(NULL));
}
END_TEST

START_TEST(verify_pbkdf2_key_length_bound)
{
	/* 96 bytes of base64 zeros: over the 64-byte bound. */
	char s[256];

	snprintf(s, sizeof(s), "$pbkdf2-sha512$1$salt$%s",
	         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	         "AAAAAAAAAAA"
	         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	ck_assert_int_eq(auth_password_verify(s, "password"), 0);
}
END_TEST

START_TEST(verify_long_password_refused)
{
	char *pw = malloc(1100);
	char h[256];

	ck_assert_ptr_nonnull(pw);
	memset(pw, 'p', 1099);
	pw[1099] = '\0';
	ck_assert_int_eq(auth_password_hash("p", h, sizeof(h)), 0);
	ck_assert_int_eq(auth_password_verify(h, pw), 0);
	pw[1024] = '\0';
	ck_assert_int_eq(auth_password_hash(pw, h, sizeof(h)), 0);
	ck_assert_int_eq(auth_password_verify(h, pw), 1);
	free(pw);
}
END_TEST

/* Our md5crypt engine with the "$1$" magic must agree with libxcrypt byte for byte. */
START_TEST(md5crypt_matches_libxcrypt)
{
	static const char *pw[] = {"",
	                           "a",
	                           "password",
	                           "0123456789abcdef",
	                           "0123456789abcdefg",
	                           "a much longer password of 40 chars.....",
	                           "\xc3\xa9t\xc3\xa9"};
	static const char *salt[] = {"", "s", "saltsalt", "./AZaz09", "ab"};
	struct crypt_data cd;
	char setting[32], ours[64];

	for (size_t i = 0; i < sizeof(pw) / sizeof(pw[0]); i++) {
		for (size_t j = 0; j < sizeof(salt) / sizeof(salt[0]); j++) {
			snprintf(setting, sizeof(setting), "$1$%s$", salt[j]);
			memset(&cd, 0, sizeof(cd));
			const char *ref = crypt_r(pw[i], setting, &cd);
			ck_assert_ptr_nonnull(ref);
			ck_assert_int_eq(auth_md5crypt("$1$", pw[i], salt[j],
			                               strlen(salt[j]), ours,
			                               sizeof(ours)),
			                 0);
			ck_assert_str_eq(ours, ref);
		}
	}
}
END_TEST

START_TEST(md5crypt_bad_arguments)
{
	char out[64];

	/* Too small for magic + salt + '$' + 22 + NUL. */
	ck_assert_int_eq(auth_md5crypt("$apr1$", "pw", "saltsalt", 8, out, 37), -1);
	ck_assert_int_eq(auth_md5crypt("$apr1$", "pw", "saltsalt", 8, out, 38), 0);
	ck_assert_uint_eq(strlen(out), 37);
	ck_assert_int_eq(strncmp(out, "$apr1$saltsalt$", 15), 0);
	ck_assert_int_eq(auth_md5crypt("$apr1$", "pw", "sa$t", 4, out, sizeof(out)), -1);
	/* Salts are cut at 8 characters, like Apache does. */
	ck_assert_int_eq(
	    auth_md5crypt("$apr1$", "password", "saltsaltEXTRA", 13, out, sizeof(out)),
	    0);
	ck_assert_str_eq(out, "$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/");
}
END_TEST

START_TEST(b64_strict)
{
	unsigned char out[16];

	ck_assert_int_eq(auth_b64_decode("YWJj", 4, out, sizeof(out)), 3);
	ck_assert_int_eq(memcmp(out, "abc", 3), 0);
	ck_assert_int_eq(auth_b64_decode("YWI=", 4, out, sizeof(out)), 2);
	ck_assert_int_eq(auth_b64_decode("YQ==", 4, out, sizeof(out)), 1);
	ck_assert_int_eq(out[0], 'a');
	ck_assert_int_eq(auth_b64_decode("", 0, out, sizeof(out)), -1);
	ck_assert_int_eq(auth_b64_decode("YQ", 2, out, sizeof(out)), -1);
	ck_assert_int_eq(auth_b64_decode("YQ=a", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(auth_b64_decode("Y===", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(auth_b64_decode("====", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(auth_b64_decode(" YWJ", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(auth_b64_decode("YW-_", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(auth_b64_decode("YW\0j", 4, out, sizeof(out)), -1);
	/* Output buffer too small for the padded length. */
	ck_assert_int_eq(auth_b64_decode("YWJjYWJj", 8, out, 5), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("auth_password");
	TCase *tc = tcase_create("known");
	TCase *tc2 = tcase_create("hashing");
	TCase *tc3 = tcase_create("bad input");

	/* bcrypt cost 14 is about a second on a fast core; the machine is shared. */
	tcase_set_timeout(tc, 120);
	tcase_set_timeout(tc2, 120);
	tcase_set_timeout(tc3, 120);
	tcase_add_loop_test(tc, known_answer_matches, 0, N_KNOWN);
	tcase_add_loop_test(tc, known_answer_wrong_password, 0, N_KNOWN);
	tcase_add_loop_test(tc, known_answer_truncated, 0, N_KNOWN);
	tcase_add_loop_test(tc, known_answer_tampered_hash, 0, N_KNOWN);
	tcase_add_test(tc2, hash_roundtrip);
	tcase_add_test(tc2, hash_empty_password);
	tcase_add_test(tc2, hash_bad_arguments);
	tcase_add_test(tc2, dummy_verify_default_cost);
	tcase_add_test(tc2, is_hashed_prefixes);
	tcase_add_test(tc2, md5crypt_matches_libxcrypt);
	tcase_add_test(tc2, md5crypt_bad_arguments);
	tcase_add_test(tc2, b64_strict);
	tcase_add_test(tc3, verify_unknown_formats);
	tcase_add_test(tc3, verify_absurd_costs);
	tcase_add_test(tc3, verify_caps_refuse_valid_hashes);
	tcase_add_test(tc3, verify_caps_boundary_accepted);
	tcase_add_test(tc3, verify_malformed);
	tcase_add_test(tc3, verify_pbkdf2_key_length_bound);
	tcase_add_test(tc3, hash_problem);
	tcase_add_test(tc3, verify_long_password_refused);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tc2);
	suite_add_tcase(s, tc3);
	return check_run_suite(s);
}
