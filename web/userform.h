/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The web admin's user form (SFTPGo's field names, rest-api-v1 §12.4) and the
 * user JSON (§3): the form decoded into a user, a user or a submitted form turned
 * into the values the template shows, and the users and connections tables' rows
 * (§12.2, §12.3). Pure functions: the monitor validates what comes out.
 */
#ifndef SFTPGO_WEB_USERFORM_H
#define SFTPGO_WEB_USERFORM_H

#include <jansson.h>
#include <stdint.h>

#include "web/form.h"

/*
 * The user the form describes (a full replacement, as SFTPGo's web form). A field
 * that cannot be read puts its message in errors (an object: field name ->
 * message) and the result is -1; *user is set only on success. An empty password
 * is left out (on edit: keep the stored one), and so is an empty GCS key file
 * input (keep the stored credentials file).
 */
int userform_decode(const struct form *f, json_t **user, json_t *errors);

/*
 * The largest service account key file the form takes: the user's JSON, the key
 * in base64 inside it, travels in one monitor message (RPC_ADMIN_JSON_MAX); a key
 * file is about 2.3 KiB.
 */
#define USERFORM_GCS_KEY_MAX 32768

/*
 * The storage values of the template: vals.u's s3_* and gcs_* fields (text,
 * gcs_auto_credentials a boolean), vals.s3 and vals.gcs (which section is open)
 * and vals.fs_providers (the select's options), from the submitted form f when not
 * NULL, else from a stored filesystem object fs. Never a secret (S3 secret, GCS
 * key). Returns the provider shown (0, 1 or 2).
 */
int userform_set_storage(json_t *vals, const json_t *fs, const struct form *f);

/* Zeroes the secrets of a user JSON (password, S3 secret, GCS key) before it is
 * freed. */
void userform_scrub(json_t *user);

/* The template's values ("u", "perms", "login_methods") from a stored user. */
json_t *userform_from_user(const json_t *user);
/* The same from a submitted form, to show it again with its errors (never the password).
 */
json_t *userform_from_form(const struct form *f);

/* The form field a validation message is about ("home_dir: ..."), or NULL. */
const char *userform_field_of(const char *message);

/* One row of the users table; now_ms for nothing but tests' stability. */
json_t *userform_user_row(const json_t *user);
/* One row of the connections table (a ConnectionStatus, §7.1) at now_ms. */
json_t *userform_connection_row(const json_t *conn, int64_t now_ms);

/* SFTPGo's SI sizes: "999 B", "1.2 KB", "5.0 MB". */
void size_si(int64_t bytes, char *out, size_t outlen);

#endif
