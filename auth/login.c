/*
 * Account checks once the credentials matched, in SFTPGo's order. The reasons are
 * short, SFTPGo-like and end up in the "error" field of connection_failed log lines
 * (the client only ever sees a generic failure).
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "common/cidr.h"

/* Writes the reason and returns -1. */
static int refuse(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
refuse(char *err, size_t errlen, const char *fmt, ...)
{
	if (err != NULL && errlen > 0) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int
auth_user_can_login(const struct sftpgo_user *u, const char *client_ip,
                    const char *method, int64_t now_ms, char *err, size_t errlen)
{
	const char *name;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (u == NULL || client_ip == NULL || method == NULL)
		return refuse(err, errlen, "invalid login check");
	name = u->username != NULL ? u->username : "";
	if (u->status < USER_STATUS_ACTIVE)
		return refuse(err, errlen, "user \"%s\" is disabled", name);
	if (u->expiration_date > 0 && u->expiration_date < now_ms)
		return refuse(err, errlen,
		              "user \"%s\" is expired, expiration timestamp: %" PRId64
		              " current timestamp: %" PRId64,
		              name, u->expiration_date, now_ms);
	if (!cidr_ip_allowed(client_ip, &u->filters.allowed_ip, &u->filters.denied_ip))
		return refuse(
		    err, errlen,
		    "Login for user \"%s\" is not allowed from this address: %s", name,
		    client_ip);
	if (strlist_contains(&u->filters.denied_login_methods, method))
		return refuse(err, errlen,
		              "Login method \"%s\" is not allowed for user \"%s\"",
		              method, name);
	return 0;
}
