/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The system accounts the server runs things as (monitor/monitor.h): the
 * unprivileged user of the listener and sessions, and the service account that
 * uid/gid 0 accounts are served as. Used by `sftpgo serve` and by the root CLI's
 * quota scan, so both map an account to the same ids.
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>

#include "common/log.h"
#include "monitor/monitor.h"

int
find_unprivileged(const struct sftpgo_config *cfg, uid_t *uid, gid_t *gid, char *err,
                  size_t errlen)
{
	const char *name = cfg->sftpd.unprivileged_user;
	struct passwd *pw;

	if (name != NULL && name[0] != '\0')
		pw = getpwnam(name);
	else if ((pw = getpwnam("sftpgo")) == NULL)
		pw = getpwnam("nobody");
	/* Its primary group must not be root's either: the sessions parse the wire. */
	if (pw == NULL || pw->pw_uid == 0 || pw->pw_gid == 0) {
		snprintf(err, errlen,
		         "sftpd.unprivileged_user: no such user \"%s\" (or its uid or "
		         "gid is 0)",
		         name && name[0] ? name : "sftpgo/nobody");
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/*
 * uid/gid 0 accounts (SFTPGo's default) are served as this account, as SFTPGo was
 * when its systemd unit ran it as a service user. "" = the unprivileged user. An
 * unusable account does not stop the server: such logins are refused, naming the key.
 */
void
uid0_map_resolve(const struct sftpgo_config *cfg, uid_t unpriv_uid, gid_t unpriv_gid,
                 struct uid0_map *m)
{
	const char *name = cfg->sftpd.uid0_service_account;
	struct passwd *pw;

	m->unusable[0] = '\0';
	if (name == NULL || name[0] == '\0') {
		m->uid = unpriv_uid;
		m->gid = unpriv_gid;
		return;
	}
	pw = getpwnam(name);
	if (pw == NULL || pw->pw_uid == 0 || pw->pw_gid == 0) {
		snprintf(m->unusable, sizeof(m->unusable),
		         "sftpd.uid0_service_account \"%s\" is not usable (%s): accounts "
		         "with uid or gid 0 cannot log in",
		         name, pw == NULL ? "no such user" : "its uid or gid is 0");
		log_warn("%s", m->unusable);
		return;
	}
	m->uid = pw->pw_uid;
	m->gid = pw->pw_gid;
}

void
uid0_map_ids(const struct uid0_map *m, long long uid, long long gid, long long *out_uid,
             long long *out_gid)
{
	int bad = m->unusable[0] != '\0';

	*out_uid = uid != 0 ? uid : bad ? -1 : (long long)m->uid;
	*out_gid = gid != 0 ? gid : bad ? -1 : (long long)m->gid;
}
