/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The seccomp filters (sandbox/): every name in every list is a system call of
 * some architecture (no typo silently allows nothing); a filtered process still
 * runs its allowed calls; a forbidden call kills it with SIGSYS after its report
 * (a LOG frame that decodes, naming role, pid and call); PROT_EXEC mappings are
 * forbidden to our own code; the jail's filter kills without a handler.
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#include "common/rpc.h"
#include "regress/unit/check_main.h"
#include "sandbox/sandbox.h"

static const uint32_t arches[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_AARCH64,
                                  SCMP_ARCH_ARM};

START_TEST(every_name_is_a_syscall)
{
	for (int r = -1; r < SANDBOX_ROLES; r++) {
		const struct sandbox_call *l =
		    r < 0 ? sandbox_base() : sandbox_list((enum sandbox_role)r);
		ck_assert_ptr_nonnull(l);
		for (size_t i = 0; l[i].name != NULL; i++) {
			int known = sandbox_syscall_nr(l[i].name) != __NR_SCMP_ERROR;
			for (size_t a = 0; a < sizeof(arches) / sizeof(arches[0]); a++)
				if (seccomp_syscall_resolve_name_arch(
				        arches[a], l[i].name) != __NR_SCMP_ERROR)
					known = 1;
			ck_assert_msg(known, "%s: \"%s\" is no system call",
			              r < 0 ? "base"
			                    : sandbox_role_name((enum sandbox_role)r),
			              l[i].name);
			ck_assert_msg(l[i].why != NULL && l[i].why[0] != '\0',
			              "%s: no reason", l[i].name);
		}
	}
}
END_TEST

enum action {
	ACT_FORBIDDEN,
	ACT_EXEC_MAP,
	ACT_INET_SOCKET,
	ACT_UNIX_SOCKET,
	ACT_FIONREAD,
	ACT_OTHER_IOCTL,
	ACT_ALLOWED
};

/* A child installs role's filter with a LOG report on sock, then does what. */
static pid_t
child(enum sandbox_role role, int sock, enum action what)
{
	pid_t pid = fork();
	char err[256];

	ck_assert_int_ge(pid, 0);
	if (pid != 0)
		return pid;
	struct sandbox_report rep;
	if (sandbox_report_rpc(&rep, sock) != 0 ||
	    sandbox_install(role, role == SANDBOX_JAIL ? NULL : &rep, err, sizeof(err)) !=
	        0)
		_exit(3);
	if (what == ACT_FORBIDDEN)
		syscall(SYS_syslog, 10, NULL, 0);
	if (what == ACT_EXEC_MAP) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		(void)p;
	}
	if (what == ACT_INET_SOCKET || what == ACT_UNIX_SOCKET) {
		int s =
		    socket(what == ACT_INET_SOCKET ? AF_INET : AF_UNIX, SOCK_STREAM, 0);
		if (s < 0)
			_exit(5);
		close(s);
	}
	if (what == ACT_FIONREAD || what == ACT_OTHER_IOCTL) {
		int n = 0;
		if (ioctl(sock, what == ACT_FIONREAD ? FIONREAD : FIOASYNC, &n) != 0)
			_exit(6);
	}
	/* allowed everywhere: memory, time, a write, leaving */
	volatile char *m = malloc(1 << 20);
	struct timespec ts;
	if (m != NULL)
		m[0] = 1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	free((void *)m);
	if (write(sock, "", 0) < 0)
		_exit(4);
	_exit(0);
}

static int
run(enum sandbox_role role, enum action what, char *line, size_t linelen, pid_t *pidp)
{
	int sv[2], status;
	struct rpc_msg m;
	char err[128];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	pid_t pid = child(role, sv[1], what);
	close(sv[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	line[0] = '\0';
	if (rpc_recv(sv[0], &m, err, sizeof(err)) == 1) {
		ck_assert_int_eq(m.type, RPC_LOG);
		ck_assert_uint_eq(m.log.level, 3);
		snprintf(line, linelen, "%s", m.log.message);
		rpc_msg_free(&m);
	}
	close(sv[0]);
	*pidp = pid;
	return status;
}

static const enum sandbox_role own_roles[] = {SANDBOX_LISTENER, SANDBOX_SESSION,
                                              SANDBOX_WORKER, SANDBOX_HTTPD,
                                              SANDBOX_CLOUD_WORKER};

START_TEST(forbidden_call_is_reported_and_kills)
{
	enum sandbox_role role = own_roles[_i];
	char line[256], want[256];
	pid_t pid;
	int status = run(role, ACT_FORBIDDEN, line, sizeof(line), &pid);

	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "status %#x",
	              status);
	snprintf(want, sizeof(want),
	         "seccomp: %s process %ld made system call syslog (%d), not in its "
	         "allow-list: killed",
	         sandbox_role_name(role), (long)pid, SYS_syslog);
	ck_assert_str_eq(line, want);
}
END_TEST

START_TEST(allowed_calls_run)
{
	char line[256];
	pid_t pid;
	int status = run(own_roles[_i], ACT_ALLOWED, line, sizeof(line), &pid);

	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x",
	              status);
	ck_assert_str_eq(line, "");
}
END_TEST

START_TEST(exec_mapping_is_forbidden)
{
	char line[256];
	pid_t pid;
	int status = run(own_roles[_i], ACT_EXEC_MAP, line, sizeof(line), &pid);

	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "status %#x",
	              status);
	ck_assert_ptr_nonnull(strstr(line, "made system call mmap"));
}
END_TEST

START_TEST(jail_kills_without_report)
{
	char line[256];
	pid_t pid;
	int status = run(SANDBOX_JAIL, ACT_FORBIDDEN, line, sizeof(line), &pid);

	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "status %#x",
	              status);
	ck_assert_str_eq(line, "");
	status = run(SANDBOX_JAIL, ACT_EXEC_MAP, line, sizeof(line), &pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x",
	              status);
	/* local sockets only */
	status = run(SANDBOX_JAIL, ACT_UNIX_SOCKET, line, sizeof(line), &pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x",
	              status);
	status = run(SANDBOX_JAIL, ACT_INET_SOCKET, line, sizeof(line), &pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "status %#x",
	              status);
}
END_TEST

/* The cloud worker: TCP over IP (its endpoint), no local sockets; the plain
 * worker no socket at all. */
START_TEST(cloud_worker_sockets)
{
	char line[256];
	pid_t pid;
	int status = run(SANDBOX_CLOUD_WORKER, ACT_INET_SOCKET, line, sizeof(line), &pid);

	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x",
	              status);
	status = run(SANDBOX_CLOUD_WORKER, ACT_UNIX_SOCKET, line, sizeof(line), &pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "status %#x",
	              status);
	ck_assert_ptr_nonnull(strstr(line, "made system call socket"));
	status = run(SANDBOX_WORKER, ACT_INET_SOCKET, line, sizeof(line), &pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "status %#x",
	              status);
}
END_TEST

/* httpd: ioctl for libevent's FIONREAD only. */
START_TEST(httpd_ioctl_fionread_only)
{
	char line[256];
	pid_t pid;
	int status = run(SANDBOX_HTTPD, ACT_FIONREAD, line, sizeof(line), &pid);

	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x",
	              status);
	status = run(SANDBOX_HTTPD, ACT_OTHER_IOCTL, line, sizeof(line), &pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "status %#x",
	              status);
	ck_assert_ptr_nonnull(strstr(line, "made system call ioctl"));
	status = run(SANDBOX_LISTENER, ACT_FIONREAD, line, sizeof(line), &pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "status %#x",
	              status);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sandbox");
	TCase *t = tcase_create("filters");
	int n = (int)(sizeof(own_roles) / sizeof(own_roles[0]));

	tcase_add_test(t, every_name_is_a_syscall);
	tcase_add_test(t, httpd_ioctl_fionread_only);
	tcase_add_loop_test(t, forbidden_call_is_reported_and_kills, 0, n);
	tcase_add_loop_test(t, allowed_calls_run, 0, n);
	tcase_add_loop_test(t, exec_mapping_is_forbidden, 0, n);
	tcase_add_test(t, jail_kills_without_report);
	tcase_add_test(t, cloud_worker_sockets);
	suite_add_tcase(s, t);
	return check_run_suite(s);
}
