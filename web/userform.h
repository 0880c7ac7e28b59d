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
 * is left out (on edit: keep the stored one).
 */
int userform_decode(const struct form *f, json_t **user, json_t *errors);

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
