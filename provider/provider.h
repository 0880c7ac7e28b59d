/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Data provider: where accounts live. Only the monitor and the admin CLI link it;
 * sessions and workers never do. A handle is used by one thread at a time (the
 * monitor opens one per provider thread).
 *
 * The provider_*() functions dispatch to the driver named by data_provider.driver
 * (struct provider_driver below; provider/provider.c holds the table). A driver
 * stores what it is given: validation, users_base_dir and password hashing happen
 * before, in account_prepare_for_store() (account/account.h).
 * Return convention: 0 ok, PROVIDER_NOT_FOUND, or -1 with a message in err.
 */
#ifndef SFTPGO_PROVIDER_PROVIDER_H
#define SFTPGO_PROVIDER_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include "account/user.h"
#include "config/conf.h"

#define PROVIDER_NOT_FOUND 1

struct provider;

/*
 * order: 0 ascending by username, 1 descending. username NULL = all. limit <= 0 = no
 * limit. A non-zero return from cb stops the listing and is returned as is.
 */
typedef int (*provider_user_cb)(const struct sftpgo_user *u, void *arg);

/* Opens per cfg->data_provider; does not create tables. */
int provider_open(const struct sftpgo_config *cfg, struct provider **out, char *err,
                  size_t errlen);
void provider_close(struct provider *p);
/* Creates the schema if missing (`sftpgo initprovider`, embedded default). */
int provider_init_schema(struct provider *p, char *err, size_t errlen);
/* 1 when the schema exists, 0 when not, -1 on error. */
int provider_schema_exists(struct provider *p, char *err, size_t errlen);

/* out is initialised by the call (never freed first): user_free it afterwards. */
int provider_user_by_name(struct provider *p, const char *username,
                          struct sftpgo_user *out, char *err, size_t errlen);
int provider_user_by_id(struct provider *p, int64_t id, struct sftpgo_user *out,
                        char *err, size_t errlen);
/* Stores u as given (run account_prepare_for_store first); sets u->id. */
int provider_user_add(struct provider *p, struct sftpgo_user *u, char *err,
                      size_t errlen);
/*
 * Replaces every field of the user with that id (callers merge first, then run
 * account_prepare_for_store), except username, usage counters and last_login.
 */
int provider_user_update(struct provider *p, struct sftpgo_user *u, char *err,
                         size_t errlen);
int provider_user_delete(struct provider *p, int64_t id, char *err, size_t errlen);
int provider_users_list(struct provider *p, int64_t limit, int64_t offset, int order,
                        const char *username, provider_user_cb cb, void *arg, char *err,
                        size_t errlen);

int provider_update_last_login(struct provider *p, const char *username, char *err,
                               size_t errlen);
/* Atomic used = used + delta (reset: used = value). */
int provider_update_quota(struct provider *p, const char *username, int64_t files_delta,
                          int64_t size_delta, int reset, char *err, size_t errlen);

/* Every user, password hash included, in id order (backups). cb as in users_list. */
int provider_dump(struct provider *p, provider_user_cb cb, void *arg, char *err,
                  size_t errlen);
/* Liveness (/api/v1/providerstatus): 0 when the store answers, else -1 and why. */
int provider_status(struct provider *p, char *err, size_t errlen);
/*
 * SIGHUP: a driver that loads its users from a file (memory) reads it again; 0 with
 * what was done in msg, or -1 with why in msg (the users in use are kept). Drivers
 * without a file do nothing and return 0 with msg "".
 */
int provider_reload(struct provider *p, char *msg, size_t msglen);

/*
 * A driver: one set of these per storage engine, each function with the meaning and
 * return convention of the provider_*() function of the same name, on the driver's
 * own handle type. open fills *out only on success. Drivers are listed in
 * provider/provider.c; see doc/design-notes.md "Accounts and providers".
 */
struct provider_handle;

struct provider_driver {
	const char *name; /* data_provider.driver */
	int (*open)(const struct sftpgo_config *cfg, struct provider_handle **out,
	            char *err, size_t errlen);
	void (*close)(struct provider_handle *h);
	int (*init_schema)(struct provider_handle *h, char *err, size_t errlen);
	int (*schema_exists)(struct provider_handle *h, char *err, size_t errlen);
	int (*user_by_name)(struct provider_handle *h, const char *username,
	                    struct sftpgo_user *out, char *err, size_t errlen);
	int (*user_by_id)(struct provider_handle *h, int64_t id, struct sftpgo_user *out,
	                  char *err, size_t errlen);
	int (*users_list)(struct provider_handle *h, int64_t limit, int64_t offset,
	                  int order, const char *username, provider_user_cb cb, void *arg,
	                  char *err, size_t errlen);
	int (*user_add)(struct provider_handle *h, struct sftpgo_user *u, char *err,
	                size_t errlen);
	int (*user_update)(struct provider_handle *h, const struct sftpgo_user *u,
	                   char *err, size_t errlen);
	int (*user_delete)(struct provider_handle *h, int64_t id, char *err,
	                   size_t errlen);
	int (*update_quota)(struct provider_handle *h, const char *username,
	                    int64_t files_delta, int64_t size_delta, int reset, char *err,
	                    size_t errlen);
	int (*update_last_login)(struct provider_handle *h, const char *username,
	                         char *err, size_t errlen);
	int (*dump)(struct provider_handle *h, provider_user_cb cb, void *arg, char *err,
	            size_t errlen);
	int (*status)(struct provider_handle *h, char *err, size_t errlen);
	int (*reload)(struct provider_handle *h, char *msg, size_t msglen); /* or NULL */
};

/* The built-in drivers (provider/provider.c lists them). */
extern const struct provider_driver provider_sqlite_driver;
extern const struct provider_driver provider_lmdb_driver;   /* "bolt" */
extern const struct provider_driver provider_memory_driver; /* "memory" */
extern const struct provider_driver provider_postgresql_driver;
extern const struct provider_driver provider_mysql_driver;

#endif
