/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * CSRF tokens for the web admin's forms. Basic-auth credentials ride along with
 * any request a browser makes, so every state-changing form carries a token
 * another site cannot forge: "<issued, hex>.<HMAC-SHA256(key, admin user, issued),
 * first 16 bytes, hex>". The key is random per httpd process (a restart makes
 * open forms stale: the page says so and renders a fresh token).
 */
#ifndef SFTPGO_WEB_CSRF_H
#define SFTPGO_WEB_CSRF_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CSRF_KEY_LEN 32
#define CSRF_MAX_AGE 7200 /* seconds a form may stay open */
#define CSRF_TOKEN_LEN 49 /* 16 hex + '.' + 32 hex, without the NUL */

struct csrf {
	uint8_t key[CSRF_KEY_LEN];
};

enum csrf_verdict { CSRF_OK = 0, CSRF_BAD = -1, CSRF_EXPIRED = -2 };

int csrf_init(struct csrf *c);
/* out must hold CSRF_TOKEN_LEN + 1 bytes. */
int csrf_token(const struct csrf *c, const char *who, time_t now, char *out,
               size_t outlen);
enum csrf_verdict csrf_check(const struct csrf *c, const char *who, const char *token,
                             time_t now);

#endif
