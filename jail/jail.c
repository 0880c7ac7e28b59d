/* SPDX-License-Identifier: BSD-2-Clause */
/* Confined exec (see jail.h). */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/confine.h"
#include "jail/jail.h"
#include "sandbox/sandbox.h"

/*
 * Where the new root is built: a tmpfs mounted over /tmp inside the new mount
 * namespace only (the host's /tmp is untouched; the home is reached by its fd).
 */
#define STAGE "/tmp"
#define TREE_TMP_SIZE "size=64m"

/* Resource limits of the program (and of what it starts). */
#define JAIL_NOFILE 1024
#define JAIL_NPROC 512
#define JAIL_AS (4ull << 30)

static int
fail(char *err, size_t errlen, const char *step, const char *what)
{
	snprintf(err, errlen, "%s %s: %s", step, what, strerror(errno));
	return -1;
}

/* A read-only, nosuid, nodev bind of src at dst (extra: more MS_ flags). */
static int
bind_ro(const char *src, const char *dst, unsigned long extra, char *err, size_t errlen)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) != 0)
		return fail(err, errlen, "bind", dst);
	if (mount(NULL, dst, NULL,
	          MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | extra,
	          NULL) != 0)
		return fail(err, errlen, "read-only remount", dst);
	return 0;
}

static int
write_file(const char *path, const char *text, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	size_t n = strlen(text);

	if (fd < 0 || write(fd, text, n) != (ssize_t)n) {
		if (fd >= 0)
			close(fd);
		return fail(err, errlen, "write", path);
	}
	close(fd);
	return 0;
}

/* /usr read-only; /bin, /sbin, /lib* as on the host (links, or read-only binds). */
static int
add_system(char *err, size_t errlen)
{
	static const char *const tops[] = {"bin",   "sbin",  "lib",
	                                   "lib32", "lib64", "libx32"};
	char src[64], dst[64], target[256];
	struct stat sb;

	if (mkdir(STAGE "/usr", 0755) != 0 ||
	    bind_ro("/usr", STAGE "/usr", 0, err, errlen))
		return err[0] ? -1 : fail(err, errlen, "mkdir", "/usr");
	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
		snprintf(src, sizeof(src), "/%s", tops[i]);
		snprintf(dst, sizeof(dst), STAGE "/%s", tops[i]);
		if (lstat(src, &sb) != 0)
			continue;
		if (S_ISLNK(sb.st_mode)) {
			ssize_t n = readlink(src, target, sizeof(target) - 1);
			if (n < 0)
				return fail(err, errlen, "readlink", src);
			target[n] = '\0';
			if (symlink(target, dst) != 0)
				return fail(err, errlen, "symlink", dst);
		} else if (S_ISDIR(sb.st_mode)) {
			if (mkdir(dst, 0755) != 0)
				return fail(err, errlen, "mkdir", dst);
			if (bind_ro(src, dst, 0, err, errlen) != 0)
				return -1;
		}
	}
	return 0;
}

/* A name safe in a passwd line: the user's own, unless it has ':' or a newline. */
static const char *
passwd_name(const char *name)
{
	return name != NULL && name[0] != '\0' && strpbrk(name, ":\n") == NULL ? name
	                                                                       : "user";
}

/*
 * A minimal /etc: the user's passwd and group lines (rsync maps names, git its
 * ident), files-only NSS (no module is loaded), and the loader's cache.
 */
static int
add_etc(const struct jail *j, char *err, size_t errlen)
{
	char line[512];
	const char *name = passwd_name(j->username);

	if (mkdir(STAGE "/etc", 0755) != 0)
		return fail(err, errlen, "mkdir", "/etc");
	snprintf(line, sizeof(line), "%s:x:%lu:%lu::" JAIL_HOME ":/usr/sbin/nologin\n",
	         name, (unsigned long)j->uid, (unsigned long)j->gid);
	if (write_file(STAGE "/etc/passwd", line, err, errlen) != 0)
		return -1;
	snprintf(line, sizeof(line), "%s:x:%lu:\n", name, (unsigned long)j->gid);
	if (write_file(STAGE "/etc/group", line, err, errlen) != 0 ||
	    write_file(STAGE "/etc/nsswitch.conf", "passwd: files\ngroup: files\n", err,
	               errlen) != 0)
		return -1;
	if (access("/etc/ld.so.cache", R_OK) == 0 &&
	    (write_file(STAGE "/etc/ld.so.cache", "", err, errlen) != 0 ||
	     bind_ro("/etc/ld.so.cache", STAGE "/etc/ld.so.cache", 0, err, errlen) != 0))
		return -1;
	return 0;
}

/* The character devices programs expect, bound one by one from the host. */
static int
add_dev(char *err, size_t errlen)
{
	static const char *const devs[] = {"null", "zero", "full", "random", "urandom"};
	char src[32], dst[32];

	if (mkdir(STAGE "/dev", 0755) != 0)
		return fail(err, errlen, "mkdir", "/dev");
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		snprintf(src, sizeof(src), "/dev/%s", devs[i]);
		snprintf(dst, sizeof(dst), STAGE "/dev/%s", devs[i]);
		if (write_file(dst, "", err, errlen) != 0)
			return -1;
		if (mount(src, dst, NULL, MS_BIND, NULL) != 0)
			return fail(err, errlen, "bind", src);
	}
	return 0;
}

/* An empty /tmp of its own; the user's home, never executable. */
static int
add_tmp_home(int homefd, char *err, size_t errlen)
{
	char src[64];

	if (mkdir(STAGE "/tmp", 0755) != 0 || chmod(STAGE "/tmp", 01777) != 0)
		return fail(err, errlen, "mkdir", "/tmp");
	if (mount("tmpfs", STAGE "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	          "mode=1777," TREE_TMP_SIZE) != 0)
		return fail(err, errlen, "mount", "/tmp");
	if (mkdir(STAGE JAIL_HOME, 0755) != 0)
		return fail(err, errlen, "mkdir", JAIL_HOME);
	snprintf(src, sizeof(src), "/proc/self/fd/%d", homefd);
	if (mount(src, STAGE JAIL_HOME, NULL, MS_BIND, NULL) != 0)
		return fail(err, errlen, "bind", "the home");
	if (mount(NULL, STAGE JAIL_HOME, NULL,
	          MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		return fail(err, errlen, "remount", "the home");
	return 0;
}

/* The tree read-only, then its root the process's root; the old one detached. */
static int
pivot(char *err, size_t errlen)
{
	if (mount(NULL, STAGE, NULL,
	          MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
		return fail(err, errlen, "read-only remount", "the root");
	if (chdir(STAGE) != 0 || syscall(SYS_pivot_root, ".", ".") != 0)
		return fail(err, errlen, "pivot_root", STAGE);
	if (umount2(".", MNT_DETACH) != 0 || chdir("/") != 0)
		return fail(err, errlen, "detach", "the old root");
	return 0;
}

static int
build_tree(const struct jail *j, int homefd, char *err, size_t errlen)
{
	if (mount("tmpfs", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") !=
	    0)
		return fail(err, errlen, "mount", "the root tmpfs");
	if (add_system(err, errlen) != 0 || add_etc(j, err, errlen) != 0 ||
	    add_dev(err, errlen) != 0 || add_tmp_home(homefd, err, errlen) != 0)
		return -1;
	return pivot(err, errlen);
}

int
jail_enter(const struct jail *j, char *err, size_t errlen)
{
	err[0] = '\0';
	if (geteuid() != 0) {
		snprintf(err, errlen, "the server does not run as root (namespaces)");
		return -1;
	}
	if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
	            CLONE_NEWNET) != 0)
		return fail(err, errlen, "unshare", "namespaces");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return fail(err, errlen, "make private", "/");
	/* The home by descriptor (one of this namespace's mounts: a bind source must
	 * be), before anything is mounted over the host's tree. */
	int homefd = open(j->home, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (homefd < 0)
		return fail(err, errlen, "open", j->home);
	int rc = build_tree(j, homefd, err, errlen);
	close(homefd);
	if (rc == 0 && sethostname("sftpgo", 6) != 0)
		rc = fail(err, errlen, "sethostname", "sftpgo");
	return rc;
}

static int
set_limit(int res, rlim_t v)
{
	struct rlimit rl = {.rlim_cur = v, .rlim_max = v};
	return setrlimit(res, &rl);
}

/* In the child: everything but the exec; a message on stderr when it fails. */
static void
child_setup(const struct jail *j, int in, int out, int errfd)
{
	char err[256];

	if ((in != STDIN_FILENO && dup2(in, STDIN_FILENO) < 0) ||
	    (out != STDOUT_FILENO && dup2(out, STDOUT_FILENO) < 0) ||
	    dup2(errfd, STDERR_FILENO) < 0)
		_exit(127);
	fcntl(STDIN_FILENO, F_SETFD, 0);
	fcntl(STDOUT_FILENO, F_SETFD, 0);
	if (close_range(3, ~0U, 0) != 0)
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	if (drop_privileges(j->uid, j->gid, err, sizeof(err)) != 0 ||
	    set_limit(RLIMIT_CORE, 0) != 0 ||
	    set_limit(RLIMIT_NOFILE, JAIL_NOFILE) != 0 ||
	    set_limit(RLIMIT_NPROC, JAIL_NPROC) != 0 ||
	    set_limit(RLIMIT_AS, JAIL_AS) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || chdir(JAIL_HOME) != 0) {
		dprintf(STDERR_FILENO, "sftpgo: cannot confine the command\n");
		_exit(127);
	}
	umask(j->umask);
}

pid_t
jail_spawn(const struct jail *j, const char *prog, char *const argv[], int in, int out,
           int errfd, char *err, size_t errlen)
{
	char user[300], logname[300];
	const char *name = passwd_name(j->username);

	snprintf(user, sizeof(user), "USER=%s", name);
	snprintf(logname, sizeof(logname), "LOGNAME=%s", name);
	char *const env[] = {"PATH=/usr/bin:/bin",
	                     "HOME=" JAIL_HOME,
	                     user,
	                     logname,
	                     "LANG=C",
	                     "TMPDIR=/tmp",
	                     NULL};
	pid_t pid = fork();

	if (pid < 0) {
		fail(err, errlen, "fork", prog);
		return -1;
	}
	if (pid == 0) {
		/* The filter first: libseccomp allocates, which RLIMIT_AS can refuse
		 * (the ASan build's shadow already fills it); what child_setup calls
		 * is in the jail's list. */
		if (sandbox_install(SANDBOX_JAIL, NULL, err, errlen) != 0) {
			dprintf(errfd, "sftpgo: %s\n", err);
			_exit(127);
		}
		child_setup(j, in, out, errfd);
		sandbox_selftest(SANDBOX_JAIL);
		execve(prog, argv, env);
		dprintf(STDERR_FILENO, "sftpgo: cannot run %s: %s\n", argv[0],
		        strerror(errno));
		_exit(127);
	}
	return pid;
}
