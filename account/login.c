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
#include "account/cloud.h"
#include "common/errf.h"

/*
 * An account stored with a filesystem this server does not serve (GCS, or S3
 * fields it does not honour; written by another tool or an SFTPGo database)
 * must not be served its local home instead: refused with the validation's reason.
 */
static int
cloud_refusal(const struct sftpgo_user *u, char *err, size_t errlen)
{
	char why[256];

	if (cloud_validate(u->filesystem, why, sizeof(why)) == 0)
		return 0;
	return errf(err, errlen, "user \"%s\": %s",
	            u->username != NULL ? u->username : "", why);
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
