/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Account policy: what happens to an account before it is stored and when it logs
 * in. The user model itself (fields, JSON codec, validation) is account/user.h;
 * the permission vocabulary is account/perm.h. Callers that write accounts (the
 * admin CLI, later the REST API and backups) call account_prepare_for_store() and
 * then hand the result to the provider, which stores what it is given.
 */
#ifndef SFTPGO_ACCOUNT_ACCOUNT_H
#define SFTPGO_ACCOUNT_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "account/user.h"

/*
 * Readies u for the provider, in this order: a new account without home_dir gets
 * users_base_dir/username (users_base_dir NULL, empty or relative = none; callers
 * pass NULL for an update, as SFTPGo applies it on add only); then user_validate();
 * then a plain password is replaced by its hash (auth_password_hash: argon2id), while
 * a password given already hashed in a known format is kept as is. Returns 0 or -1
 * with err set ("password: hashing failed", "out of memory" or a validation message).
 */
int account_prepare_for_store(struct sftpgo_user *u, const char *users_base_dir,
                              char *err, size_t errlen);

/*
 * Account checks after credentials matched, in SFTPGo's order: status, expiration,
 * IP filters, denied login methods. method: "password" | "publickey" |
 * "keyboard-interactive". Returns 0 allowed or -1 with the reason in err.
 */
int account_can_login(const struct sftpgo_user *u, const char *client_ip,
                      const char *method, int64_t now_ms, char *err, size_t errlen);

#endif
