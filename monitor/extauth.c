/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The provider side of external authentication, on a pool thread (authpool.c):
 * the program's stdout is one user JSON, validated like any other user and saved
 * (spec section 3, step 4), before the usual verification reads it back. No
 * provider action is fired for it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "account/account.h"
#include "common/log.h"
#include "monitor/monitor.h"
#include "provider/provider.h"

/* Step 2: the offered key joins the returned ones unless one of them is a prefix
 * of it ("type base64"). */
static int
add_offered_key(struct sftpgo_user *u, const struct job *j)
{
	char *line = NULL;

	if (asprintf(&line, "%s %s", j->key_type, j->key_b64) < 0)
		return -1;
	for (size_t i = 0; i < u->public_keys.n; i++) {
		const char *k = u->public_keys.v[i];
		if (k[0] != '\0' && strncmp(line, k, strlen(k)) == 0) {
			free(line);
			return 0;
		}
	}
	int rc = strlist_add(&u->public_keys, line);
	free(line);
	return rc;
}

/* Steps 1-4 on nu, the returned user. 0, or -1 with j->error set. */
static int
save_user(struct provider *p, const struct sftpgo_config *cfg, struct job *j,
          struct sftpgo_user *nu)
{
	struct sftpgo_user old;
	char err[256] = "";

	if (j->kind == JOB_PASSWORD) {
		free(nu->password);
		if ((nu->password = strdup(j->password)) == NULL)
			return -1;
	} else if (j->kind != JOB_KBDINT && add_offered_key(nu, j) != 0) {
		return -1;
	}
	user_init(&old);
	int rc = provider_user_by_name(p, j->username, &old, err, sizeof(err));
	if (rc != 0 && rc != PROVIDER_NOT_FOUND) {
		snprintf(j->error, sizeof(j->error), "provider error: %s", err);
		user_free(&old);
		return -1;
	}
	int exists = rc == 0;
	if (exists) { /* the usage and the last login are the server's */
		nu->id = old.id;
		nu->used_quota_size = old.used_quota_size;
		nu->used_quota_files = old.used_quota_files;
		nu->last_quota_update = old.last_quota_update;
		nu->last_login = old.last_login;
	} else {
		nu->id = 0;
		nu->used_quota_size = nu->used_quota_files = 0;
		nu->last_quota_update = nu->last_login = 0;
	}
	user_free(&old);
	if (account_prepare_for_store(nu,
	                              exists ? NULL : cfg->data_provider.users_base_dir,
	                              err, sizeof(err)) != 0) {
		snprintf(j->error, sizeof(j->error), "Invalid external auth user: %s",
		         err);
		return -1;
	}
	rc = exists ? provider_user_update(p, nu, err, sizeof(err))
	            : provider_user_add(p, nu, err, sizeof(err));
	if (rc != 0) {
		snprintf(j->error, sizeof(j->error),
		         "cannot save the external auth user: %s", err);
		return -1;
	}
	return 0;
}

int
extauth_apply(struct provider *p, const struct sftpgo_config *cfg, struct job *j)
{
	json_error_t je;
	struct sftpgo_user nu;
	char err[256] = "";
	json_t *o = json_loadb(j->ext_out, j->ext_out_len, 0, &je);

	if (!json_is_object(o)) {
		snprintf(j->error, sizeof(j->error), "Invalid external auth response: %s",
		         o == NULL ? je.text : "not a JSON object");
		json_decref(o);
		return -1;
	}
	user_init(&nu);
	int rc = user_from_json(o, &nu, err, sizeof(err));
	json_decref(o);
	if (rc != 0) {
		snprintf(j->error, sizeof(j->error), "Invalid external auth response: %s",
		         err);
	} else if (nu.username == NULL || nu.username[0] == '\0') {
		snprintf(j->error, sizeof(j->error), "Invalid credentials");
		rc = -1;
	} else if (strcmp(nu.username, j->username) != 0) {
		/* SFTPGo did not compare them (spec section 17, #36): we refuse */
		snprintf(j->error, sizeof(j->error),
		         "Invalid external auth response: user \"%s\" returned for the "
		         "login of \"%s\"",
		         nu.username, j->username);
		rc = -1;
	} else {
		rc = save_user(p, cfg, j, &nu);
		if (rc != 0 && j->error[0] == '\0')
			snprintf(j->error, sizeof(j->error), "out of memory");
	}
	if (nu.password != NULL)
		explicit_bzero(nu.password, strlen(nu.password));
	user_free(&nu);
	if (rc != 0)
		log_warn("external auth for user %s: %s", j->username, j->error);
	return rc;
}

/* Output that is empty or only white space: no change (spec section 4). */
static int
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return 0;
	return 1;
}

/* SFTPGo's merge: members present replace, objects merge member by member, null
 * clears; then what the server owns is put back. */
static json_t *
merged_user(const struct job *j, json_t *out)
{
	static const char *const owned[] = {"id", "used_quota_size", "used_quota_files",
	                                    "last_quota_update", "last_login"};
	json_t *m = json_loads(j->pre_user, 0, NULL);
	json_t *stored = json_loads(j->pre_user, 0, NULL);

	if (m == NULL || stored == NULL || json_object_update_recursive(m, out) != 0) {
		json_decref(m);
		m = NULL;
	}
	for (size_t i = 0; m != NULL && i < sizeof(owned) / sizeof(owned[0]); i++) {
		json_t *v = json_object_get(stored, owned[i]);
		if (v != NULL)
			json_object_set(m, owned[i], v);
		else
			json_object_del(m, owned[i]);
	}
	json_decref(stored);
	return m;
}

int
prelogin_apply(struct provider *p, struct job *j)
{
	json_error_t je;
	struct sftpgo_user nu;
	char err[256] = "";

	if (blank(j->pre_out, j->pre_out_len)) {
		log_debug("pre-login program for user %s: no changes", j->username);
		return 0;
	}
	json_t *o = json_loadb(j->pre_out, j->pre_out_len, 0, &je);
	if (!json_is_object(o)) {
		snprintf(j->error, sizeof(j->error), "Before login program error: %s",
		         o == NULL ? je.text : "not a JSON object");
		json_decref(o);
		return -1;
	}
	json_t *m = merged_user(j, o);
	json_decref(o);
	user_init(&nu);
	int rc = m != NULL ? user_from_json(m, &nu, err, sizeof(err)) : -1;
	json_decref(m);
	if (rc != 0) {
		snprintf(j->error, sizeof(j->error), "Before login program error: %s",
		         err[0] ? err : "out of memory");
	} else if (nu.username == NULL || strcmp(nu.username, j->username) != 0) {
		snprintf(j->error, sizeof(j->error),
		         "Before login program error: the username cannot be changed");
		rc = -1;
	} else if (account_prepare_for_store(&nu, NULL, err, sizeof(err)) != 0) {
		snprintf(j->error, sizeof(j->error), "Before login program error: %s",
		         err);
		rc = -1;
	} else if (provider_user_update(p, &nu, err, sizeof(err)) != 0) {
		snprintf(j->error, sizeof(j->error),
		         "Before login program error: cannot save the user: %s", err);
		rc = -1;
	} else {
		log_debug("user %s updated from the pre-login program's response",
		          j->username);
	}
	if (nu.password != NULL)
		explicit_bzero(nu.password, strlen(nu.password));
	user_free(&nu);
	if (rc != 0)
		log_warn("pre-login program for user %s: %s", j->username, j->error);
	return rc;
}
