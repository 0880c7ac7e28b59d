/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the key/value drivers: the stored user object (provider/kv.h). */
#include "config.h"

#include "common/errf.h"
#include "provider/kv.h"

/* What only the server writes: never taken from an add or an update. */
static const char *const server_fields[] = {"used_quota_size", "used_quota_files",
                                            "last_quota_update", "last_login"};
#define N_SERVER_FIELDS (sizeof(server_fields) / sizeof(server_fields[0]))

json_t *
kv_json_for_add(const struct sftpgo_user *u, int64_t id)
{
	json_t *j = user_to_json(u, 1);
	int rc = j != NULL ? json_object_set_new(j, "id", json_integer(id)) : -1;

	for (size_t i = 0; rc == 0 && i < N_SERVER_FIELDS; i++)
		rc = json_object_set_new(j, server_fields[i], json_integer(0));
	if (rc != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int
copy_field(json_t *to, const json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);

	if (v == NULL) {
		json_object_del(to, key); /* absent in old: absent (0) in the new one */
		return 0;
	}
	return json_object_set(to, key, v);
}

json_t *
kv_json_for_update(const struct sftpgo_user *u, const json_t *old)
{
	json_t *j = user_to_json(u, 1);
	int rc = j != NULL ? copy_field(j, old, "id") : -1;

	if (rc == 0)
		rc = copy_field(j, old, "username");
	for (size_t i = 0; rc == 0 && i < N_SERVER_FIELDS; i++)
		rc = copy_field(j, old, server_fields[i]);
	if (rc != 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int64_t
add_clamped(int64_t used, int64_t delta)
{
	int64_t r;

	if (__builtin_add_overflow(used, delta, &r))
		r = delta > 0 ? INT64_MAX : 0;
	return r < 0 ? 0 : r;
}

int
kv_json_apply_quota(json_t *j, int64_t files, int64_t size, int reset, int64_t now)
{
	int64_t uf = json_integer_value(json_object_get(j, "used_quota_files"));
	int64_t us = json_integer_value(json_object_get(j, "used_quota_size"));

	uf = reset ? files : add_clamped(uf, files);
	us = reset ? size : add_clamped(us, size);
	if (json_object_set_new(j, "used_quota_files", json_integer(uf)) != 0 ||
	    json_object_set_new(j, "used_quota_size", json_integer(us)) != 0 ||
	    json_object_set_new(j, "last_quota_update", json_integer(now)) != 0)
		return -1;
	return 0;
}

int
kv_json_set_last_login(json_t *j, int64_t now)
{
	return json_object_set_new(j, "last_login", json_integer(now));
}

int
kv_user_from_json(const json_t *j, const char *drv, struct sftpgo_user *out, char *err,
                  size_t errlen)
{
	char cerr[300];

	user_init(out);
	if (!json_is_object(j))
		return errf(err, errlen, "%s: stored user: not a JSON object", drv);
	if (user_from_json(j, out, cerr, sizeof(cerr)) != 0) {
		user_free(out);
		user_init(out);
		return errf(err, errlen, "%s: stored user: %s", drv, cerr);
	}
	return 0;
}

int
kv_json_readable(const json_t *j, char *err, size_t errlen)
{
	struct sftpgo_user u;

	user_init(&u);
	int rc = user_from_json(j, &u, err, errlen);
	user_free(&u);
	return rc;
}
