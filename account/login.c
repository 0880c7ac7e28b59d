/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Account checks once the credentials matched, in SFTPGo's order. The reasons are
 * short, SFTPGo-like and end up in the "error" field of connection_failed log lines
 * (the client only ever sees a generic failure).
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "account/account.h"
#include "account/cidr.h"
#include "common/errf.h"

/*
 * An account stored with an S3 or GCS filesystem (by another tool, or an SFTPGo
 * database) must not be served its local home instead: refused until cloud storage
 * exists. add/update refuse such accounts already (user_validate).
 */
static int
cloud_refusal(const struct sftpgo_user *u, char *err, size_t errlen)
{
	const json_t *prov =
	    u->filesystem != NULL ? json_object_get(u->filesystem, "provider") : NULL;
	json_int_t p = json_is_integer(prov) ? json_integer_value(prov) : 0;

	if (p == 0)
		return 0;
	return errf(err, errlen,
	            "user \"%s\" has filesystem.provider %lld (%s): cloud storage is not "
	            "supported yet",
	            u->username != NULL ? u->username : "", (long long)p,
	            p == 1   ? "S3"
	            : p == 2 ? "GCS"
	                     : "unknown");
}

int
account_can_login(const struct sftpgo_user *u, const char *client_ip, const char *method,
                  int64_t now_ms, char *err, size_t errlen)
{
	const char *name;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (u == NULL || client_ip == NULL || method == NULL)
		return errf(err, errlen, "invalid login check");
	name = u->username != NULL ? u->username : "";
	if (u->status < USER_STATUS_ACTIVE)
		return errf(err, errlen, "user \"%s\" is disabled", name);
	if (u->expiration_date > 0 && u->expiration_date < now_ms)
		return errf(err, errlen,
		            "user \"%s\" is expired, expiration timestamp: %" PRId64
		            " current timestamp: %" PRId64,
		            name, u->expiration_date, now_ms);
	if (!cidr_ip_allowed(client_ip, &u->filters.allowed_ip, &u->filters.denied_ip))
		return errf(err, errlen,
		            "Login for user \"%s\" is not allowed from this address: %s",
		            name, client_ip);
	if (strlist_contains(&u->filters.denied_login_methods, method))
		return errf(err, errlen,
		            "Login method \"%s\" is not allowed for user \"%s\"", method,
		            name);
	return cloud_refusal(u, err, errlen);
}
