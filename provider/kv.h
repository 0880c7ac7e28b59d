/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the key/value drivers (lmdb.c for "bolt", memory.c) share: both keep each
 * user as the JSON object of the user codec (user_to_json(u, 1)), so the codec stays
 * the one place that knows the fields. These helpers give the stored object of an
 * add or an update and apply the server's own writes (quota, last_login) with the
 * same rules as the SQL drivers. Internal to provider/.
 */
#ifndef SFTPGO_PROVIDER_KV_H
#define SFTPGO_PROVIDER_KV_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "account/user.h"

/* u as stored by an add: its id, usage counters and last_login at 0. NULL: ENOMEM. */
json_t *kv_json_for_add(const struct sftpgo_user *u, int64_t id);
/*
 * u as stored by an update of old: every field from u except id, username, the
 * usage counters and last_login, kept from old (SFTPGo's SQL rule; spec section 17
 * row 11: a profile update never rewrites usage). NULL: ENOMEM.
 */
json_t *kv_json_for_update(const struct sftpgo_user *u, const json_t *old);
/* used = MAX(used + delta, 0), saturating (reset: used = value); stamps now. */
int kv_json_apply_quota(json_t *j, int64_t files, int64_t size, int reset, int64_t now);
int kv_json_set_last_login(json_t *j, int64_t now);
/*
 * Refuses (-1, err) an object the codec could not read back (a username or a
 * string longer than user_from_json takes): what cannot be read is never stored.
 */
int kv_json_readable(const json_t *j, char *err, size_t errlen);
/* A stored object back to a user (initialised here); err says which driver. */
int kv_user_from_json(const json_t *j, const char *drv, struct sftpgo_user *out,
                      char *err, size_t errlen);

#endif
