/* SPDX-License-Identifier: BSD-2-Clause */
/* git and rsync on an exec channel, confined (worker/sysexec.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "common/confine.h"
#include "common/log.h"
#include "jail/jail.h"
#include "sftp/settings.h"
#include "sshcmd/sshcmd.h"
#include "sshcmd/syscmd.h"
#include "worker/events.h"
#include "worker/quota.h"
#include "worker/sysexec.h"

static volatile sig_atomic_t child_pid;

/* The channel went away (the monitor's SIGTERM/SIGHUP): the command goes too. */
static void
on_stop(int sig)
{
	(void)sig;
	if (child_pid > 0)
		kill((pid_t)child_pid, SIGKILL);
}

static void
install_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* The command's stderr: the first msglen bytes kept for the client, the rest read. */
static void
collect_stderr(int fd, char *msg, size_t msglen)
{
	char buf[4096];
	size_t used = strlen(msg);
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		size_t take = used + 1 < msglen ? msglen - used - 1 : 0;
		take = take < (size_t)n ? take : (size_t)n;
		memcpy(msg + used, buf, take);
		used += take;
		msg[used] = '\0';
	}
}

/*
 * After the fork the worker needs no root: the same user as the command (which
 * cannot see it: another PID namespace), channel descriptors closed so the client
 * sees the command's end of output.
 */
static int
parent_release(const struct jail *j, char *err, size_t errlen)
{
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 ||
	    dup2(devnull, STDOUT_FILENO) < 0) {
		snprintf(err, errlen, "/dev/null: %s", strerror(errno));
		return -1;
	}
	close(devnull);
	if (drop_privileges(j->uid, j->gid, err, errlen) != 0)
		return -1;
	prctl(PR_SET_DUMPABLE, 0);
	/* it only waits, reads the child's stderr and recounts: the jail's list */
	return sandbox_install(SANDBOX_JAIL, NULL, err, errlen);
}

/* Runs c in the jail; its exit status (0 or 1, as SFTPGo reports it). */
static int
run_confined(const struct jail *j, const struct syscmd *c, char *msg, size_t msglen)
{
	char err[512];
	int pfd[2], status = 0;

	if (jail_enter(j, err, sizeof(err)) != 0 || pipe2(pfd, O_CLOEXEC) != 0) {
		log_error("confined exec for \"%s\": %s", j->username, err);
		snprintf(msg, msglen, "sftpgo: cannot start the command\n");
		return 1;
	}
	install_stop();
	pid_t pid = jail_spawn(j, c->prog, c->argv, STDIN_FILENO, STDOUT_FILENO, pfd[1],
	                       err, sizeof(err));
	close(pfd[1]);
	if (pid < 0 || parent_release(j, err, sizeof(err)) != 0) {
		if (pid > 0)
			kill(pid, SIGKILL);
		log_error("confined exec for \"%s\": %s", j->username, err);
		snprintf(msg, msglen, "sftpgo: cannot start the command\n");
	} else {
		child_pid = pid;
		collect_stderr(pfd[0], msg, msglen);
	}
	close(pfd[0]);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	child_pid = 0;
	if (pid > 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		log_error("confined exec for \"%s\": %s (pid %ld) killed by the jail's "
		          "seccomp filter (SIGSYS; the kernel's audit record names the "
		          "call)",
		          j->username, c->argv[0], (long)pid);
	return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int
worker_run_system(const struct sftp_settings *st, const char *command, uid_t uid,
                  gid_t gid, int monitored)
{
	char msg[1024] = "", err[512];
	struct syscmd c;
	struct jail j = {.home = st->home_dir,
	                 .username = st->username,
	                 .uid = uid,
	                 .gid = gid,
	                 .umask = st->umask_set ? st->umask : 022};
	int status = 1;

	log_info("command for \"%s\": %s", st->username ? st->username : "", command);
	if (st->home_dir == NULL || st->uid <= 0 || geteuid() != 0) {
		snprintf(msg, sizeof(msg),
		         "sftpgo: git and rsync need the server to run "
		         "as root and map the user to its own uid\n");
	} else if (syscmd_build(command, st, JAIL_HOME, &c, err, sizeof(err)) != 0) {
		snprintf(msg, sizeof(msg), "sftpgo: %s\n", err);
	} else if (access(c.prog, X_OK) != 0) {
		snprintf(msg, sizeof(msg), "sftpgo: %s is not installed\n", c.prog);
		syscmd_free(&c);
	} else {
		status = run_confined(&j, &c, msg, sizeof(msg));
		if (status == 0)
			sshcmd_log_command(c.vpath);
		/* SFTPGo: usage recounted once the command ended (the jail's home is the
		 * user's; folders are scanned through the monitor's descriptors) */
		if (st->track_quota && wquota_scan_report(JAIL_HOME, st) != 0)
			log_warn("quota rescan after %s failed", c.argv[0]);
		syscmd_free(&c);
	}
	log_info("command ended for \"%s\" with status %d",
	         st->username ? st->username : "", status);
	wev_exit(msg);
	if (!monitored)
		fputs(msg, stderr);
	return status;
}
