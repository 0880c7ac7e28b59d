/*
 * Data provider: where accounts live. Only the monitor and the admin CLI link it;
 * sessions and workers never do. A handle is used by one thread at a time (the
 * monitor opens one per provider thread).
 * Return convention: 0 ok, PROVIDER_NOT_FOUND, or -1 with a message in err.
 */
#ifndef SFTPGO_PROVIDER_PROVIDER_H
#define SFTPGO_PROVIDER_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include "config/conf.h"
#include "account/user.h"

#define PROVIDER_NOT_FOUND 1

struct provider;

/* Opens per cfg->data_provider; does not create tables. */
int provider_open(const struct sftpgo_config *cfg, struct provider **out, char *err,
		  size_t errlen);
void provider_close(struct provider *p);
/* Creates the schema if missing (`sftpgo initprovider`, embedded default). */
int provider_init_schema(struct provider *p, char *err, size_t errlen);
/* 1 when the schema exists, 0 when not, -1 on error. */
int provider_schema_exists(struct provider *p, char *err, size_t errlen);

/* out is initialised by the call (never freed first): user_free it afterwards. */
int provider_user_by_name(struct provider *p, const char *username, struct sftpgo_user *out,
			  char *err, size_t errlen);
int provider_user_by_id(struct provider *p, int64_t id, struct sftpgo_user *out, char *err,
			size_t errlen);
/* Stores u as given (run account_prepare_for_store first); sets u->id. */
int provider_user_add(struct provider *p, struct sftpgo_user *u, char *err, size_t errlen);
/* Replaces every field of the user with that id (callers merge first). */
int provider_user_update(struct provider *p, struct sftpgo_user *u, char *err, size_t errlen);
int provider_user_delete(struct provider *p, int64_t id, char *err, size_t errlen);

/*
 * order: 0 ascending by username, 1 descending. username NULL = all. limit <= 0 = no
 * limit. A non-zero return from cb stops the listing and is returned as is.
 */
typedef int (*provider_user_cb)(const struct sftpgo_user *u, void *arg);
int provider_users_list(struct provider *p, int64_t limit, int64_t offset, int order,
			const char *username, provider_user_cb cb, void *arg, char *err,
			size_t errlen);

int provider_update_last_login(struct provider *p, const char *username, char *err,
			       size_t errlen);
/* Atomic used = used + delta (reset: used = value). */
int provider_update_quota(struct provider *p, const char *username, int64_t files_delta,
			  int64_t size_delta, int reset, char *err, size_t errlen);

#endif
