/* SPDX-License-Identifier: BSD-2-Clause */
/* seccomp filters per role (see sandbox.h). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h>

#include "common/log.h"
#include "common/rpc.h"
#include "sandbox/sandbox.h"
#include "sandbox/syscall_names.h"

/* What the SIGSYS handler needs, set before the filter is loaded. */
static struct {
	const char *role;
	long pid;
	struct sandbox_report report;
} trap = {.report = {.fd = -1}};

static const char *const role_names[SANDBOX_ROLES] = {
    [SANDBOX_LISTENER] = "listener", [SANDBOX_SESSION] = "session",
    [SANDBOX_WORKER] = "worker",     [SANDBOX_JAIL] = "jail",
    [SANDBOX_HTTPD] = "httpd",       [SANDBOX_CLOUD_WORKER] = "cloud-worker",
};

const char *
sandbox_role_name(enum sandbox_role role)
{
	return (unsigned)role < SANDBOX_ROLES ? role_names[role] : "unknown";
}

/* Async-signal-safe appends: a bounded string, a decimal number. */
static size_t
put_str(char *out, size_t at, size_t cap, const char *s)
{
	while (*s != '\0' && at + 1 < cap)
		out[at++] = *s++;
	return at;
}

static size_t
put_num(char *out, size_t at, size_t cap, long v)
{
	char tmp[24];
	size_t n = 0;
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;

	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0 && n < sizeof(tmp));
	if (v < 0 && at + 1 < cap)
		out[at++] = '-';
	while (n > 0 && at + 1 < cap)
		out[at++] = tmp[--n];
	return at;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The report frame with the line in it (see struct sandbox_report). */
static size_t
report_frame(const char *line, size_t n, uint8_t *out, size_t cap)
{
	const struct sandbox_report *r = &trap.report;

	if (r->len > SANDBOX_FRAME_MAX || r->text_at > r->len || r->len + n > cap)
		return 0;
	memcpy(out, r->frame, r->text_at);
	memcpy(out + r->text_at, line, n);
	memcpy(out + r->text_at + n, r->frame + r->text_at, r->len - r->text_at);
	for (size_t i = 0; i < 2; i++)
		if (r->len_at[i] != SIZE_MAX && r->len_at[i] + 4 <= r->text_at)
			put_be32(out + r->len_at[i],
			         get_be32(out + r->len_at[i]) + (uint32_t)n);
	return r->len + n;
}

static const char *
syscall_name(long nr)
{
	if (nr >= 0 && (size_t)nr < sizeof(syscall_names) / sizeof(syscall_names[0]) &&
	    syscall_names[nr] != NULL)
		return syscall_names[nr];
	return "unknown";
}

/*
 * A call outside the list: one line to stderr and to the monitor, then a call no
 * list allows; SIGSYS is blocked here, so the kernel kills with the default action.
 */
/* One try: in the handler there is nothing to do about a failure. */
static void
write_once(int fd, const void *p, size_t n)
{
	ssize_t r = write(fd, p, n);
	(void)r;
}

static void
on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	char line[200];
	size_t n = 0;
	long nr = si->si_syscall;

	(void)sig;
	(void)ctx;
	n = put_str(line, n, sizeof(line), "seccomp: ");
	n = put_str(line, n, sizeof(line), trap.role);
	n = put_str(line, n, sizeof(line), " process ");
	n = put_num(line, n, sizeof(line), trap.pid);
	n = put_str(line, n, sizeof(line), " made system call ");
	n = put_str(line, n, sizeof(line), syscall_name(nr));
	n = put_str(line, n, sizeof(line), " (");
	n = put_num(line, n, sizeof(line), nr);
	n = put_str(line, n, sizeof(line), "), not in its allow-list: killed");
	if (trap.report.fd >= 0) {
		uint8_t frame[SANDBOX_FRAME_MAX + sizeof(line)];
		size_t fl = report_frame(line, n, frame, sizeof(frame));
		if (fl > 0)
			write_once(trap.report.fd, frame, fl);
	}
	line[n++] = '\n';
	write_once(STDERR_FILENO, line, n);
	syscall(SYS_reboot, 0, 0, 0, 0);
	_exit(128 + SIGSYS); /* not reached: reboot is in no list */
}

/* Calls newer than the libseccomp we may be built with (2.5.4 in Debian 12). */
static const struct {
	const char *name;
	int nr;
} newer_calls[] = {
    {"fchmodat2", 452}, /* Linux 6.6: one number on every architecture */
};

int
sandbox_syscall_nr(const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	for (size_t i = 0;
	     nr == __NR_SCMP_ERROR && i < sizeof(newer_calls) / sizeof(newer_calls[0]);
	     i++)
		if (strcmp(name, newer_calls[i].name) == 0)
			nr = newer_calls[i].nr;
	return nr;
}

static int
allow_name(scmp_filter_ctx ctx, const char *name)
{
	int nr = sandbox_syscall_nr(name);

	if (nr == __NR_SCMP_ERROR)
		return 0; /* not a call of this architecture */
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	return rc == -EEXIST ? 0 : rc; /* listed twice (a sanitizer addition) */
}

/* mmap and mprotect without PROT_EXEC; signals only to ourselves (abort()). */
static int
allow_own_code_rules(scmp_filter_ctx ctx)
{
	const scmp_datum_t noexec = ~(scmp_datum_t)(PROT_READ | PROT_WRITE);
	const scmp_datum_t self = (scmp_datum_t)getpid();
	int rc = 0;

	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	                       SCMP_A2(SCMP_CMP_MASKED_EQ, noexec, 0));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	                       SCMP_A2(SCMP_CMP_MASKED_EQ, noexec, 0));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
	                       SCMP_A0(SCMP_CMP_EQ, self));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
	                       SCMP_A0(SCMP_CMP_EQ, self));
	return rc;
}

/*
 * Sanitizer builds: what the ASan/UBSan runtime calls when it reports (the report
 * must come out, not a SIGSYS in its middle) and while it runs.
 */
#ifdef __SANITIZE_ADDRESS__
static const char *const sanitizer_extra[] = {
    "openat",
    "open",
    "readlink",
    "readlinkat", /* /proc/self/maps, the exe name */
    "sched_yield",
    "sigaltstack",
    "rt_sigaction",
    "prctl",
    "prlimit64",
    "getrlimit",
    "sched_getaffinity",
    "mincore",
    "pipe2",
    "dup2",
    "dup3",
    "clone",
    "clone3",
    "wait4", /* the symbolizer's fork: fails (RLIMIT_NPROC 0) */
    "getuid",
    "geteuid",
    "uname",
    NULL};
#endif

static int
build_filter(scmp_filter_ctx ctx, enum sandbox_role role)
{
	const struct sandbox_call *lists[] = {
	    sandbox_base(), sandbox_list(role),
	    role == SANDBOX_CLOUD_WORKER ? sandbox_list(SANDBOX_WORKER) : NULL};

	for (size_t l = 0; l < 3 && lists[l] != NULL; l++)
		for (size_t i = 0; lists[l][i].name != NULL; i++)
			if (allow_name(ctx, lists[l][i].name) != 0)
				return -1;
#ifdef __SANITIZE_ADDRESS__
	for (size_t i = 0; sanitizer_extra[i] != NULL; i++)
		if (allow_name(ctx, sanitizer_extra[i]) != 0)
			return -1;
#endif
	if (role == SANDBOX_JAIL) /* local sockets only (the jail's netns is empty) */
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		                        SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	/* stream sockets over IP to the endpoint (pinned by address before the
	 * chroot): no local, netlink, raw or datagram sockets (no resolver); a local
	 * socket pair for the wake-up pair of curl_easy_perform()'s own multi handle;
	 * rt_sigaction() for SIGPIPE only (libcurl's connection cache closes
	 * connections with a handle that sets SIG_IGN, as the worker already has) */
	if (role == SANDBOX_CLOUD_WORKER &&
	    (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 1,
	                      SCMP_A0(SCMP_CMP_EQ, SIGPIPE)) != 0 ||
	     seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 1,
	                      SCMP_A0(SCMP_CMP_EQ, AF_UNIX)) != 0 ||
	     seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
	                      SCMP_A0(SCMP_CMP_EQ, AF_INET),
	                      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_STREAM)) != 0 ||
	     seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
	                      SCMP_A0(SCMP_CMP_EQ, AF_INET6),
	                      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_STREAM)) != 0))
		return -1;
	if (role == SANDBOX_HTTPD && /* libevent's evbuffer_read() asks the size */
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	                     SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)FIONREAD)) != 0)
		return -1;
	return allow_own_code_rules(ctx);
}

int
sandbox_install(enum sandbox_role role, const struct sandbox_report *report, char *err,
                size_t errlen)
{
	int jail = role == SANDBOX_JAIL;
	scmp_filter_ctx ctx;
	struct sigaction sa;
	int rc;

	if ((unsigned)role >= SANDBOX_ROLES) {
		snprintf(err, errlen, "seccomp: unknown role");
		return -1;
	}
	trap.role = role_names[role];
	trap.pid = (long)getpid();
	if (report != NULL)
		trap.report = *report;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (!jail) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_sigsys;
		sa.sa_flags = SA_SIGINFO;
		/* every signal blocked inside: the stderr write of a process with
		 * RLIMIT_FSIZE 0 must fail with EFBIG, not die of SIGXFSZ first */
		sigfillset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL) != 0) {
			snprintf(err, errlen, "seccomp: SIGSYS handler: %s",
			         strerror(errno));
			return -1;
		}
	}
	ctx = seccomp_init(jail ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_TRAP);
	if (ctx == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	rc = build_filter(ctx, role);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0) {
		snprintf(err, errlen, "seccomp filter for the %s: %s", trap.role,
		         strerror(rc < 0 ? -rc : EINVAL));
		return -1;
	}
	return 0;
}

int
sandbox_report_rpc(struct sandbox_report *r, int sock)
{
	struct rpc_log m = {.fd = -1, .level = LOGL_ERROR, .message = ""};
	uint8_t frame[RPC_MAX_FRAME];
	ssize_t n = rpc_encode(frame, sizeof(frame), RPC_LOG, &m);

	/* LOG's text is its last field: the frame ends with its length, 0. */
	if (n < 8 || (size_t)n > sizeof(r->frame) || get_be32(frame + n - 4) != 0)
		return -1;
	memcpy(r->frame, frame, (size_t)n);
	r->fd = sock;
	r->len = (size_t)n;
	r->text_at = (size_t)n;
	r->len_at[0] = 0;
	r->len_at[1] = (size_t)n - 4;
	return 0;
}

void
sandbox_selftest(enum sandbox_role role)
{
	const char *want = getenv("SFTPGO_SANDBOX_SELFTEST");

	if (want == NULL || strcmp(want, sandbox_role_name(role)) != 0)
		return;
	/* SYSLOG_ACTION_SIZE_BUFFER: harmless, and in no list. */
	syscall(SYS_syslog, 10, NULL, 0);
}
