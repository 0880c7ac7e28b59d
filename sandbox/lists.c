/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The allow-lists, one per role, by system call name (a name the architecture does
 * not have is skipped, so one list serves x86-64 and the others). Derived from
 * `strace -f` of the regress suites (doc/design-notes.md "Sandboxes (seccomp)"
 * says how to redo it), each entry with the reason it is there. Everything else
 * traps. Rules with argument checks (mmap/mprotect without PROT_EXEC, signals to
 * the process itself only) are added by sandbox.c for the roles that keep their
 * own code (all but the jail).
 */
#include "config.h"

#include <stddef.h>

#include "sandbox/sandbox.h"

/* Every role, after its set-up. */
static const struct sandbox_call base_calls[] = {
    {"read", "sockets, pipes, files"},
    {"write", "sockets, pipes, files, stderr"},
    {"readv", "stdio and libssh's vectored reads"},
    {"writev", "frames with a header, stdio"},
    {"close", "descriptors done with"},
    {"exit", "leaving (a thread)"},
    {"exit_group", "leaving"},
    {"rt_sigreturn", "return from a signal handler (SIGTERM, SIGHUP)"},
    {"restart_syscall", "a wait interrupted by a stop and continue"},
    {"rt_sigprocmask", "glibc's abort() and raise() block signals"},
    {"getpid", "OpenSSL's fork check, abort(), log lines"},
    {"gettid", "abort() and raise()"},
    {"brk", "malloc"},
    {"munmap", "malloc, free"},
    {"mremap", "realloc of large blocks"},
    {"madvise", "free() giving pages back"},
    {"futex", "glibc's and OpenSSL's locks and pthread_once"},
    {"getrandom", "OpenSSL's DRBG, glibc's malloc, hash seeds"},
    {"clock_gettime", "the vDSO answers it, but not on every kernel or under a tracer"},
    {"clock_gettime64", "the same, on 32-bit architectures"},
    {"gettimeofday", "the same, older callers"},
    {"time", "the same, time(NULL)"},
    {"clock_nanosleep", "bandwidth limits and back-offs (nanosleep())"},
    {"nanosleep", "the same, older glibc"},
    {"fcntl", "O_NONBLOCK, FD_CLOEXEC, F_GETFL"},
    {"fcntl64", "the same, 32-bit"},
    {"poll", "every loop waits here"},
    {"ppoll", "the same (glibc's poll() on some architectures)"},
    {"fstat", "stdio, fstat()"},
    {"fstat64", "the same, 32-bit"},
    {"newfstatat", "glibc 2.33+: fstat() and stat() are fstatat()"},
    {"fstatat64", "the same, 32-bit"},
    {"statx", "glibc's stat on some architectures"},
    {"lseek", "stdio, the engine's offsets"},
    {"_llseek", "the same, 32-bit"},
    {NULL, NULL},
};

static const struct sandbox_call listener_calls[] = {
    {"accept4", "new client connections on fd 0"},
    {"accept", "the same, older libc"},
    {"recvfrom", "recv(MSG_PEEK) of the PROXY header"},
    {"recvmsg", "the monitor's frames (LISTENER_SETTINGS, RELEASE)"},
    {"sendmsg", "NEWCONN with the client's descriptor, LOG"},
    {"sendto", "send() of the banner written in PROXY modes"},
    {"setsockopt", "TCP_NODELAY on accepted sockets"},
    {"getsockname", "the connection's addresses"},
    {"getpeername", "the client's address"},
    {"shutdown", "dropping a connection"},
    {NULL, NULL},
};

/* After authentication too: the session's whole kernel surface (design-notes,
 * "Public-key signatures"). */
static const struct sandbox_call session_calls[] = {
    {"recvfrom", "the client socket (libssh's recv())"},
    {"sendto", "the client socket (libssh's send())"},
    {"recvmsg", "the monitor's frames, workers' descriptors"},
    {"sendmsg", "requests to the monitor"},
    {"setsockopt", "TCP_QUICKACK until authenticated, TCP_NODELAY"},
    {"shutdown", "a channel's EOF towards its worker"},
    {NULL, NULL},
};

/* SFTP, SCP, the digests and the other in-process commands, the quota scan: the
 * engine's file calls on the user's tree, all relative to its root descriptor. */
static const struct sandbox_call worker_calls[] = {
    {"openat", "files and directories below the root descriptor"},
    {"openat2", "RESOLVE_IN_ROOT: the engine's confinement of every path"},
    {"pread64", "downloads"},
    {"pwrite64", "uploads"},
    {"getdents64", "READDIR, the quota scan"},
    {"mkdirat", "MKDIR, the folders' parents"},
    {"unlinkat", "REMOVE, RMDIR, temporary files"},
    {"renameat", "RENAME, atomic uploads"},
    {"renameat2", "posix-rename (RENAME_NOREPLACE)"},
    {"linkat", "hardlink@openssh.com"},
    {"symlinkat", "SYMLINK"},
    {"readlinkat", "READLINK, REALPATH"},
    {"fchmod", "SETSTAT, FSETSTAT"},
    {"fchmodat", "SETSTAT by path"},
    {"fchmodat2", "chmod of an O_PATH descriptor (Linux 6.6+; else a fallback)"},
    {"fchown", "SETSTAT ownership"},
    {"fchownat", "the same, by path"},
    {"utimensat", "SETSTAT times"},
    {"ftruncate", "SETSTAT size, truncating uploads"},
    {"fsync", "fsync@openssh.com"},
    {"fdatasync", "the same"},
    {"fstatfs", "statvfs@openssh.com"},
    {"statfs", "the same, by path"},
    {"fchdir", "the quota scan: nftw() in each folder's descriptor"},
    {"getcwd", "nftw()"},
    {"chdir", "nftw()"},
    {"prlimit64", "nftw()'s descriptor budget (getrlimit)"},
    {"getrlimit", "the same, older libc"},
    {"umask", "the user's umask"},
    {"getuid", "ownership defaults"},
    {"geteuid", "the same"},
    {"getgid", "the same"},
    {"getegid", "the same"},
    {"recvmsg", "the monitor's stream (quota grants)"},
    {"sendmsg", "the same"},
    {"recvfrom", "the same"},
    {"sendto", "the same"},
    {"shutdown", "end of an exec channel's output"},
    {NULL, NULL},
};

/*
 * git and rsync (and what git runs: /bin/sh, the git-* helpers), exec'd by the
 * worker inside the jail; the worker itself once it has forked the program. The
 * filter is set just before execve and kept by the program and its children: it
 * covers the dynamic loader, libc start-up, and what those programs do on a tree.
 * It leaves out what the jail has no use for: sockets but local pairs, mount and
 * namespace calls, ptrace, keyrings, BPF, perf, modules, the system calls.
 */
static const struct sandbox_call jail_calls[] = {
    {"execve", "the program, git's helpers, a hook's shell"},
    {"execveat", "the same, fexecve()"},
    {"mmap", "the loader maps code: PROT_EXEC"},
    {"mmap2", "the same, 32-bit"},
    {"mprotect", "the loader: RELRO, code"},
    {"arch_prctl", "a program's start-up (TLS)"},
    {"set_tid_address", "start-up"},
    {"set_robust_list", "start-up"},
    {"rseq", "glibc 2.35+ start-up"},
    {"prlimit64", "rlimits"},
    {"getrlimit", "the same"},
    {"ugetrlimit", "the same, 32-bit"},
    {"setrlimit", "the same"},
    {"rt_sigaction", "signal handlers"},
    {"sigaltstack", "the same"},
    {"rt_sigsuspend", "waiting for a signal"},
    {"rt_sigtimedwait", "the same"},
    {"pause", "the same"},
    {"kill", "signals inside the jail's PID namespace (and the worker's to its child)"},
    {"tgkill", "abort(), raise()"},
    {"tkill", "the same"},
    {"clone", "git and rsync start helpers (RLIMIT_NPROC bounds them)"},
    {"clone3", "the same, glibc 2.34+"},
    {"vfork", "posix_spawn()"},
    {"fork", "the same"},
    {"wait4", "waiting for helpers"},
    {"waitid", "the same"},
    {"pipe", "pipes to helpers"},
    {"pipe2", "the same"},
    {"dup", "redirections"},
    {"dup2", "the same"},
    {"dup3", "the same"},
    {"close_range", "closing inherited descriptors"},
    {"access", "PATH searches, config files"},
    {"faccessat", "the same"},
    {"faccessat2", "the same, glibc 2.33+"},
    {"open", "files"},
    {"openat", "files"},
    {"openat2", "files"},
    {"creat", "files"},
    {"stat", "files"},
    {"lstat", "files"},
    {"stat64", "files, 32-bit"},
    {"lstat64", "files, 32-bit"},
    {"pread64", "git's pack files"},
    {"pwrite64", "git's index"},
    {"preadv", "the same"},
    {"pwritev", "the same"},
    {"getdents64", "directories"},
    {"getdents", "the same, older"},
    {"mkdir", "repositories, rsync's tree"},
    {"mkdirat", "the same"},
    {"rmdir", "the same"},
    {"unlink", "the same"},
    {"unlinkat", "the same"},
    {"rename", "the same"},
    {"renameat", "the same"},
    {"renameat2", "the same"},
    {"link", "the same"},
    {"linkat", "the same"},
    {"symlink", "rsync --links"},
    {"symlinkat", "the same"},
    {"readlink", "the same"},
    {"readlinkat", "the same"},
    {"chmod", "rsync --perms"},
    {"fchmod", "the same"},
    {"fchmodat", "the same"},
    {"chown", "rsync keeps the user's own ids"},
    {"fchown", "the same"},
    {"fchownat", "the same"},
    {"lchown", "the same"},
    {"utimensat", "rsync --times"},
    {"utime", "the same"},
    {"utimes", "the same"},
    {"futimesat", "the same"},
    {"truncate", "git, rsync"},
    {"ftruncate", "the same"},
    {"fallocate", "rsync --preallocate"},
    {"fsync", "git's fsync settings"},
    {"fdatasync", "the same"},
    {"sync_file_range", "the same"},
    {"statfs", "the same"},
    {"fstatfs", "the same"},
    {"chdir", "cwd"},
    {"fchdir", "cwd"},
    {"getcwd", "cwd"},
    {"umask", "the user's umask"},
    {"getuid", "ids"},
    {"geteuid", "ids"},
    {"getgid", "ids"},
    {"getegid", "ids"},
    {"getresuid", "ids"},
    {"getresgid", "ids"},
    {"getgroups", "ids"},
    {"getppid", "ids"},
    {"getpgrp", "ids"},
    {"getpgid", "ids"},
    {"setpgid", "a shell's job control"},
    {"getsid", "ids"},
    {"setsid", "the same"},
    {"uname", "git's and the loader's probes"},
    {"sysinfo", "git's memory probe"},
    {"getrusage", "the same"},
    {"times", "the same"},
    {"sched_getaffinity", "git's thread count"},
    {"sched_yield", "locks"},
    {"getcpu", "sched_getcpu()"},
    {"clock_getres", "the same as clock_gettime"},
    {"ioctl", "terminal queries on pipes (ENOTTY)"},
    {"socketpair", "git's helpers' channels"},
    {"connect", "glibc's nscd and syslog probes (AF_UNIX only: see sandbox.c)"},
    {"alarm", "rsync's timeouts"},
    {"fadvise64", "coreutils' tr and cp, git (posix_fadvise)"},
    {"fadvise64_64", "the same, 32-bit"},
    {"arm_fadvise64_64", "the same, 32-bit ARM"},
    {"getxattr", "ls, cp, rsync reading attributes (ENOTSUP, harmless)"},
    {"lgetxattr", "the same"},
    {"fgetxattr", "the same"},
    {"listxattr", "the same"},
    {"llistxattr", "the same"},
    {"flistxattr", "the same"},
    {"mknod", "FIFOs by rsync --specials (devices: EPERM, nodev)"},
    {"mknodat", "the same"},
    {"recvfrom", "the same"},
    {"sendto", "the same"},
    {"recvmsg", "the same"},
    {"sendmsg", "the same"},
    {"shutdown", "the same"},
    {"select", "rsync's loops"},
    {"pselect6", "the same"},
    {"epoll_create1", "the same"},
    {"epoll_ctl", "the same"},
    {"epoll_wait", "the same"},
    {"epoll_pwait", "the same"},
    {"mincore", "glibc's probes"},
    {"membarrier", "the same"},
    {"prctl", "PR_SET_NAME and probes"},
    {"setuid", "rsync sets the ids it already has"},
    {"setgid", "the same"},
    {"setgroups", "the same"},
    {"setresuid", "the same"},
    {"setresgid", "the same"},
    {"copy_file_range", "copies"},
    {"sendfile", "the same"},
    {"splice", "the same"},
    {"flock", "git's and rsync's locks"},
    {"memfd_create", "the same"},
    {NULL, NULL},
};

/*
 * sftpgo-httpd (the REST API: libevent's evhttp, OpenSSL for HTTPS): installed
 * after its chroot, drop, the monitor's users and certificate and the HTTP
 * server's set-up, before the first accept. From `strace -f` of t-httpd-api,
 * -auth, -process and -tls (HTTPS, SIGHUP reloads, kill -9). Its socket I/O is
 * read/readv/write/writev (base list); ioctl is allowed for FIONREAD only
 * (sandbox.c). Time zone, libevent's random generator and OpenSSL are set up
 * before the chroot, so nothing opens a file afterwards but the web admin's
 * /static files (openat2 below its directory's descriptor; t-httpd-web).
 */
static const struct sandbox_call httpd_calls[] = {
    {"accept4", "connections on its listening socket (evconnlistener)"},
    {"accept", "the same, older libc"},
    {"recvmsg", "the monitor's frames (ADMIN_REPLY, HTTPD_AUTH, HTTPD_TLS)"},
    {"sendmsg", "requests to the monitor (ADMIN_*), HTTP_LOG, LOG"},
    {"shutdown", "evhttp closing a connection"},
    {"epoll_ctl", "libevent's epoll backend"},
    {"epoll_wait", "the same"},
    {"epoll_pwait", "the same, newer libevent or glibc"},
    {"openat2",
     "the web admin's static files (RESOLVE_BENEATH beneath static_files_path)"},
    {NULL, NULL},
};

/*
 * A cloud user's worker (S3 or GCS): the worker's list and this one, for
 * libcurl's connections to the endpoint (GCS: also the token and metadata
 * endpoints, pinned the same way). Derived from `strace -f` of regress/t-serve-s3.sh
 * (design-notes "Sandboxes (seccomp)"). socket() is added by sandbox.c for
 * AF_INET and AF_INET6 stream sockets only, and socketpair() for AF_UNIX only
 * (the wake-up pair of the multi handle libcurl makes for curl_easy_perform()),
 * and rt_sigaction() for SIGPIPE only (libcurl ignores it around closing a
 * connection of its cache; the worker ignores it already);
 * the endpoint's address was resolved and pinned (CURLOPT_RESOLVE) and the CA
 * bundle read before the chroot, so there is no resolver and no file to open.
 */
static const struct sandbox_call cloud_worker_calls[] = {
    {"connect", "the endpoint (non-blocking; poll, then SO_ERROR)"},
    {"getsockopt", "SO_ERROR after a connect, buffer sizes"},
    {"setsockopt", "TCP_NODELAY, keep-alives, SO_NOSIGPIPE probes"},
    {"getsockname", "libcurl's connection info"},
    {"getpeername", "the same"},
    {NULL, NULL},
};

const struct sandbox_call *
sandbox_base(void)
{
	return base_calls;
}

const struct sandbox_call *
sandbox_list(enum sandbox_role role)
{
	switch (role) {
	case SANDBOX_LISTENER:
		return listener_calls;
	case SANDBOX_SESSION:
		return session_calls;
	case SANDBOX_WORKER:
		return worker_calls;
	case SANDBOX_JAIL:
		return jail_calls;
	case SANDBOX_HTTPD:
		return httpd_calls;
	case SANDBOX_CLOUD_WORKER:
		return cloud_worker_calls;
	case SANDBOX_ROLES:
		break;
	}
	return NULL;
}
