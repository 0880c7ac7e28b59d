#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/confine.h"

static int
set_limit(int res, rlim_t v)
{
	struct rlimit rl = {.rlim_cur = v, .rlim_max = v};
	return setrlimit(res, &rl);
}

static int
drop_ids(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0) {
		snprintf(err, errlen, "dropping to uid %ld gid %ld: %s", (long)uid, (long)gid,
			 strerror(errno));
		return -1;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "could regain root after dropping privileges");
		return -1;
	}
	return 0;
}

int
confine_process(const char *chroot_dir, uid_t uid, gid_t gid, size_t nofile, char *err,
		size_t errlen)
{
	if (geteuid() == 0 && chroot_dir != NULL && chroot_dir[0] != '\0') {
		if (chdir(chroot_dir) != 0 || chroot(".") != 0 || chdir("/") != 0) {
			snprintf(err, errlen, "chroot %s: %s", chroot_dir, strerror(errno));
			return -1;
		}
	}
	if (geteuid() == 0 && uid != (uid_t)-1 && drop_ids(uid, gid, err, errlen) != 0)
		return -1;
#ifdef __SANITIZE_ADDRESS__
	/* Sanitizer builds must be able to write their reports to stderr (a file). */
	int fsize_rc = 0;
#else
	int fsize_rc = set_limit(RLIMIT_FSIZE, 0);
#endif
	if (set_limit(RLIMIT_NOFILE, (rlim_t)nofile) != 0 || fsize_rc != 0 ||
	    set_limit(RLIMIT_CORE, 0) != 0 || set_limit(RLIMIT_NPROC, 0) != 0) {
		snprintf(err, errlen, "setrlimit: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	return 0;
}
