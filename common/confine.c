/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/confine.h"

static int
set_limit(int res, rlim_t v)
{
	struct rlimit rl = {.rlim_cur = v, .rlim_max = v};
	return setrlimit(res, &rl);
}

/* No file may grow: the process writes nothing but its sockets. */
static int
limit_file_size(void)
{
#ifdef __SANITIZE_ADDRESS__
	/* Sanitizer builds must be able to write their reports to stderr (a file):
	 * the limit stays as it is. */
	struct rlimit rl;
	return getrlimit(RLIMIT_FSIZE, &rl);
#else
	return set_limit(RLIMIT_FSIZE, 0);
#endif
}

/* What the kernel now holds is exactly the target, and nothing else. */
static int
verify_ids(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg, groups[2];
	int n = getgroups(2, groups);

	if (getresgid(&rg, &eg, &sg) != 0 || rg != gid || eg != gid || sg != gid ||
	    n != 1 || groups[0] != gid) {
		snprintf(err, errlen, "group ids are not %ld after dropping privileges",
		         (long)gid);
		return -1;
	}
	if (uid != (uid_t)-1 &&
	    (getresuid(&ru, &eu, &su) != 0 || ru != uid || eu != uid || su != uid)) {
		snprintf(err, errlen, "user ids are not %ld after dropping privileges",
		         (long)uid);
		return -1;
	}
	if (uid != (uid_t)-1 && uid != 0 &&
	    (setuid(0) == 0 || seteuid(0) == 0 || geteuid() == 0)) {
		snprintf(err, errlen, "could regain root after dropping privileges");
		return -1;
	}
	return 0;
}

int
drop_privileges(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0) {
		snprintf(err, errlen, "setgid %ld: %s", (long)gid, strerror(errno));
		return -1;
	}
	if (uid != (uid_t)-1 && setresuid(uid, uid, uid) != 0) {
		snprintf(err, errlen, "setuid %ld: %s", (long)uid, strerror(errno));
		return -1;
	}
	return verify_ids(uid, gid, err, errlen);
}

int
confine_process(const char *chroot_dir, uid_t uid, gid_t gid, size_t nofile, char *err,
                size_t errlen)
{
	if (geteuid() == 0 && chroot_dir != NULL && chroot_dir[0] != '\0') {
		if (chdir(chroot_dir) != 0 || chroot(".") != 0 || chdir("/") != 0) {
			snprintf(err, errlen, "chroot %s: %s", chroot_dir,
			         strerror(errno));
			return -1;
		}
	}
	if (geteuid() == 0 && uid != (uid_t)-1 &&
	    drop_privileges(uid, gid, err, errlen) != 0)
		return -1;
	if (set_limit(RLIMIT_NOFILE, (rlim_t)nofile) != 0 || limit_file_size() != 0 ||
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

static int
parse_id_arg(const char *s, long *out)
{
	char *end;

	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < -1 || v > 0x7fffffffL)
		return -1;
	*out = v;
	return 0;
}

int
listening_child_start(const char *uid_arg, const char *gid_arg, uid_t *uid, gid_t *gid)
{
	long u, g;
	int acc = 0;
	socklen_t l = sizeof(acc);

	if (parse_id_arg(uid_arg, &u) != 0 || parse_id_arg(gid_arg, &g) != 0 ||
	    getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) != 0 || !acc ||
	    fcntl(3, F_GETFD) < 0)
		return -1;
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, 1);
		close(devnull);
	}
	*uid = u < 0 ? (uid_t)-1 : (uid_t)u;
	*gid = g < 0 ? (gid_t)-1 : (gid_t)g;
	return 0;
}
