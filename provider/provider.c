/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The provider_*() entry points: pick the driver named by data_provider.driver once,
 * at open, then forward every call to it. Adding a driver is one line in drivers[].
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/errf.h"
#include "provider/provider.h"

/* The drivers built in; data_provider.driver picks one by name (empty = sqlite). */
static const struct provider_driver *const drivers[] = {
    &provider_sqlite_driver,     &provider_lmdb_driver,  &provider_memory_driver,
    &provider_postgresql_driver, &provider_mysql_driver,
};
#define N_DRIVERS (sizeof(drivers) / sizeof(drivers[0]))
#define DEFAULT_DRIVER "sqlite"

struct provider {
	const struct provider_driver *drv;
	struct provider_handle *h;
};

static const struct provider_driver *
driver_by_name(const char *name)
{
	for (size_t i = 0; i < N_DRIVERS; i++)
		if (strcmp(drivers[i]->name, name) == 0)
			return drivers[i];
	return NULL;
}

/* "sqlite" or "sqlite, bolt": the names for the unsupported-driver message. */
static void
driver_names(char *out, size_t outlen)
{
	out[0] = '\0';
	for (size_t i = 0; i < N_DRIVERS; i++) {
		if (i > 0)
			strlcat(out, ", ", outlen);
		strlcat(out, drivers[i]->name, outlen);
	}
}

/*
 * The limits every driver shares, checked once here: username, home_dir and
 * password are varchar(255) in SFTPGo's schemas and text must be valid UTF-8 (a
 * server would refuse it, SQLite would store it). A name that could never be stored
 * is simply not found.
 */
#define PROVIDER_TEXT_MAX 255

static int
text_storable(const char *s)
{
	if (s == NULL)
		return 1;
	if (strlen(s) > PROVIDER_TEXT_MAX)
		return 0;
	json_t *j = json_string(s); /* NULL when not valid UTF-8 */
	json_decref(j);
	return j != NULL;
}

static int
user_storable(const struct sftpgo_user *u, char *err, size_t errlen)
{
	if (u->username == NULL || u->username[0] == '\0')
		return errf(err, errlen, "username: must not be empty");
	if (!text_storable(u->username) || !text_storable(u->home_dir) ||
	    !text_storable(u->password))
		return errf(
		    err, errlen,
		    "user: username, home_dir and password must be valid UTF-8 of at "
		    "most %d bytes",
		    PROVIDER_TEXT_MAX);
	return 0;
}

int
provider_open(const struct sftpgo_config *cfg, struct provider **out, char *err,
              size_t errlen)
{
	const char *name = cfg->data_provider.driver;

	*out = NULL;
	if (name == NULL || name[0] == '\0')
		name = DEFAULT_DRIVER;
	const struct provider_driver *drv = driver_by_name(name);
	if (drv == NULL) {
		char names[128];
		driver_names(names, sizeof(names));
		return errf(err, errlen,
		            "data_provider.driver: \"%s\" is not supported by this build "
		            "(only %s)",
		            name, names);
	}
	struct provider *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return errf(err, errlen, "out of memory");
	p->drv = drv;
	if (drv->open(cfg, &p->h, err, errlen) != 0) {
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

void
provider_close(struct provider *p)
{
	if (p == NULL)
		return;
	p->drv->close(p->h);
	free(p);
}

int
provider_init_schema(struct provider *p, char *err, size_t errlen)
{
	return p->drv->init_schema(p->h, err, errlen);
}

int
provider_schema_exists(struct provider *p, char *err, size_t errlen)
{
	return p->drv->schema_exists(p->h, err, errlen);
}

int
provider_user_by_name(struct provider *p, const char *username, struct sftpgo_user *out,
                      char *err, size_t errlen)
{
	if (!text_storable(username)) {
		user_init(out);
		return PROVIDER_NOT_FOUND;
	}
	return p->drv->user_by_name(p->h, username, out, err, errlen);
}

int
provider_user_by_id(struct provider *p, int64_t id, struct sftpgo_user *out, char *err,
                    size_t errlen)
{
	return p->drv->user_by_id(p->h, id, out, err, errlen);
}

int
provider_user_add(struct provider *p, struct sftpgo_user *u, char *err, size_t errlen)
{
	if (user_storable(u, err, errlen) != 0)
		return -1;
	return p->drv->user_add(p->h, u, err, errlen);
}

int
provider_user_update(struct provider *p, struct sftpgo_user *u, char *err, size_t errlen)
{
	if (user_storable(u, err, errlen) != 0)
		return -1;
	return p->drv->user_update(p->h, u, err, errlen);
}

int
provider_user_delete(struct provider *p, int64_t id, char *err, size_t errlen)
{
	return p->drv->user_delete(p->h, id, err, errlen);
}

int
provider_users_list(struct provider *p, int64_t limit, int64_t offset, int order,
                    const char *username, provider_user_cb cb, void *arg, char *err,
                    size_t errlen)
{
	if (!text_storable(username))
		return 0; /* no such user: an empty list */
	return p->drv->users_list(p->h, limit, offset, order, username, cb, arg, err,
	                          errlen);
}

int
provider_update_last_login(struct provider *p, const char *username, char *err,
                           size_t errlen)
{
	if (!text_storable(username))
		return PROVIDER_NOT_FOUND;
	return p->drv->update_last_login(p->h, username, err, errlen);
}

int
provider_update_quota(struct provider *p, const char *username, int64_t files_delta,
                      int64_t size_delta, int reset, char *err, size_t errlen)
{
	if (!text_storable(username))
		return PROVIDER_NOT_FOUND;
	return p->drv->update_quota(p->h, username, files_delta, size_delta, reset, err,
	                            errlen);
}

int
provider_dump(struct provider *p, provider_user_cb cb, void *arg, char *err,
              size_t errlen)
{
	return p->drv->dump(p->h, cb, arg, err, errlen);
}

int
provider_status(struct provider *p, char *err, size_t errlen)
{
	if (p == NULL)
		return errf(err, errlen, "data provider: not open");
	return p->drv->status(p->h, err, errlen);
}

int
provider_reload(struct provider *p, char *msg, size_t msglen)
{
	if (msglen > 0)
		msg[0] = '\0';
	if (p == NULL)
		return errf(msg, msglen, "data provider: not open");
	return p->drv->reload != NULL ? p->drv->reload(p->h, msg, msglen) : 0;
}
