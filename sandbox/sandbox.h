/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * seccomp sandboxes, one allow-list per process role (doc/design-notes.md
 * "Sandboxes (seccomp)"; each list and why each call is in it: sandbox/lists.c).
 * Installed once set-up is over (keys loaded, chroot, privileges dropped, limits
 * set) and before the first untrusted byte is read, with no_new_privs. Anything
 * not listed is denied.
 *
 * A violation: the kernel stops the call (SECCOMP_RET_TRAP) and raises SIGSYS; the
 * handler writes one line naming the role, the pid and the system call to stderr
 * and, when the program gave one, to its monitor (struct sandbox_report), with
 * async-signal-safe calls only; then it makes a call that is never allowed, which
 * the kernel, SIGSYS being blocked inside its handler, turns into a kill with the
 * default action: the monitor reaps the process with WTERMSIG == SIGSYS. The jail
 * (a program exec'd by the worker) keeps no handler across execve: its filter
 * kills at once (SECCOMP_RET_KILL_PROCESS); the kernel's audit record names the
 * call.
 */
#ifndef SFTPGO_SANDBOX_SANDBOX_H
#define SFTPGO_SANDBOX_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

enum sandbox_role {
	SANDBOX_LISTENER,
	SANDBOX_SESSION,
	SANDBOX_WORKER, /* SFTP, SCP, the in-process SSH commands, the quota scan */
	SANDBOX_JAIL,   /* git and rsync: set in the jail's child, kept across execve */
	SANDBOX_HTTPD,  /* the REST API (sftpgo-httpd) */
	/* a cloud user's worker: the worker's list and TCP to its endpoint (its
	 * socket() only for AF_INET and AF_INET6; see lists.c) */
	SANDBOX_CLOUD_WORKER,
	SANDBOX_ROLES
};

/*
 * How a violation reaches the monitor: a frame encoded at install time by the
 * program's own encoder, whose last text field is empty. The handler writes the
 * frame with the line inserted at text_at (the bytes after text_at follow it) and
 * every big-endian u32 length at len_at[] grown by the line's length.
 */
#define SANDBOX_FRAME_MAX 256
struct sandbox_report {
	int fd; /* -1: stderr only */
	uint8_t frame[SANDBOX_FRAME_MAX];
	size_t len;
	size_t text_at;
	size_t len_at[2]; /* SIZE_MAX: unused */
};

/* "listener", "session", "worker", "jail", "httpd", "cloud-worker". */
const char *sandbox_role_name(enum sandbox_role role);

/*
 * Loads the role's filter (and no_new_privs) for this process and its future
 * children. report may be NULL (stderr only). 0, or -1 with the reason in err.
 */
int sandbox_install(enum sandbox_role role, const struct sandbox_report *report,
                    char *err, size_t errlen);

/* A LOG message (common/rpc_msgs.def) to sock, for the listener and the session. */
int sandbox_report_rpc(struct sandbox_report *r, int sock);

/*
 * Test hook (regress/t-sandbox.sh): when SFTPGO_SANDBOX_SELFTEST names this role,
 * makes a call no list allows (syslog(2), read-only), so that the filter kills the
 * process. Called by each program at a point after its filter is in place.
 */
void sandbox_selftest(enum sandbox_role role);

/* The allow-lists (sandbox/lists.c): a call's name and why it is there; a NULL
 * name ends a list. Every role gets the base list and its own; the cloud worker
 * also the worker's. */
struct sandbox_call {
	const char *name;
	const char *why;
};
const struct sandbox_call *sandbox_base(void);
const struct sandbox_call *sandbox_list(enum sandbox_role role);
/* A call's number on this architecture, also for calls newer than libseccomp;
 * __NR_SCMP_ERROR when unknown. */
int sandbox_syscall_nr(const char *name);

#endif
