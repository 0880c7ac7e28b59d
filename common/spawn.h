/* SPDX-License-Identifier: BSD-2-Clause */
/* Starting a child with posix_spawn and exactly the fds it needs (the monitor's
 * children, the hooks' programs). */
#ifndef SFTPGO_COMMON_SPAWN_H
#define SFTPGO_COMMON_SPAWN_H

#include <sys/types.h>

#define SPAWN_FDS_MAX 4

/*
 * fds[i] >= 0 becomes fd i of the child, fds[i] < 0 leaves fd i as it is; every
 * fd from nfds up is closed; signals are back to their defaults. The pid, or -1
 * with a log line "cannot run PATH: reason" (exec errors included).
 */
pid_t spawn_fds(const char *path, char *const argv[], char *const envp[], const int *fds,
                int nfds);

#endif
