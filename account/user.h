/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SFTPGo 0.9 user account, as stored by the providers and exchanged as JSON by
 * the REST API, backups, the admin CLI and external auth programs.
 * JSON field names are SFTPGo's (see ../shared/spec/compat-facts.md "Users").
 */
#ifndef SFTPGO_ACCOUNT_USER_H
#define SFTPGO_ACCOUNT_USER_H

#include <stdint.h>
#include <jansson.h>

#include "common/strlist.h"

#define USER_STATUS_INACTIVE 0
#define USER_STATUS_ACTIVE 1

struct user_perm {
	char *path; /* virtual (client-side) absolute path, normalised */
	struct strlist
	    perms; /* permission names as given, each known to account/perm.h */
};

struct user_filters {
	struct strlist allowed_ip; /* CIDR */
	struct strlist denied_ip;  /* CIDR */
	struct strlist denied_login_methods;
	json_t *file_extensions; /* kept as given (may be NULL) */
};

struct sftpgo_user {
	int64_t id;
	char *username;
	char *password;             /* stored hash; never sent to a session or worker */
	struct strlist public_keys; /* authorized_keys lines */
	char *home_dir;
	int64_t uid;
	int64_t gid;
	int64_t max_sessions;
	int64_t quota_size;
	int64_t quota_files;
	struct user_perm *perms;
	size_t n_perms;
	int64_t used_quota_size;
	int64_t used_quota_files;
	int64_t last_quota_update; /* ms since epoch */
	int64_t upload_bandwidth;  /* KB/s */
	int64_t download_bandwidth;
	int64_t expiration_date; /* ms since epoch, 0 = never */
	int64_t last_login;      /* ms since epoch */
	int64_t status;
	struct user_filters filters;
	json_t *filesystem;      /* {"provider":0,...}; NULL means local */
	json_t *virtual_folders; /* NULL means none */
};

void user_init(struct sftpgo_user *u);
void user_free(struct sftpgo_user *u);

/*
 * JSON codec. user_to_json never includes the password unless with_password is set
 * (backups/provider storage only). user_from_json validates types and ranges and
 * writes a message naming the bad field into err; returns 0 or -1. It changes only
 * the keys present (and not null) in j: decode onto user_init() for a new user, or
 * onto a stored user to merge (REST PUT semantics). Permission paths come out
 * normalised and sorted; unknown keys are ignored, as SFTPGo does.
 */
json_t *user_to_json(const struct sftpgo_user *u, int with_password);
int user_from_json(const json_t *j, struct sftpgo_user *u, char *err, size_t errlen);
/* permissions map <-> struct; perms JSON is {"/": ["*"], "/dir": ["list"]}. */
json_t *user_perms_to_json(const struct sftpgo_user *u);
int user_perms_from_json(const json_t *j, struct sftpgo_user *u, char *err,
                         size_t errlen);

/*
 * Semantic validation shared by the CLI, the REST API and the provider: username
 * charset, absolute home_dir, "/" present in permissions, known permission names,
 * CIDR syntax, at least a password or a key. Returns 0 or -1 with err set.
 */
int user_validate(const struct sftpgo_user *u, char *err, size_t errlen);

#endif
