/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpgo-worker start-up: command line (sftp-server's flags plus ours), settings
 * from the monitor or a file, confinement and privilege drop. Exposed for tests.
 */
#ifndef SFTPGO_WORKER_WORKER_H
#define SFTPGO_WORKER_WORKER_H

#include <stddef.h>

#define EVENTS_STDERR (-2)

struct worker_opts {
	const char *settings_file;
	const char *root;
	const char *start_dir;    /* -d, before %-expansion */
	const char *allow, *deny; /* -p, -P */
	const char *umask;        /* -u */
	const char *command;      /* --command: serve this SSH command, not SFTP */
	const char *log_level;    /* -l */
	int log_stderr;           /* -e */
	int read_only;            /* -R */
	int monitor_fd;           /* --monitor-fd, -1 */
	int events_fd;            /* --events-fd; -1 = none, EVENTS_STDERR = default */
};

/* sftp-server's -d expansion: %d home, %u user, %% a percent sign. */
int worker_expand_start_dir(const char *in, const char *home, const char *user, char *out,
                            size_t outsz);

/*
 * SFTPGo creates a missing home at login: mkdir -p (0777 less the umask), then,
 * when root, the home itself is given to uid/gid (-1 = unchanged).
 */
int worker_make_home(const char *dir, long long uid, long long gid, char *err,
                     size_t errlen);

struct sftp_settings;

/*
 * The fds of the virtual folders the settings name as present: one byte
 * WP_FOLDER_FD_BYTE with SCM_RIGHTS each, after the settings frame on sock, in
 * list order. Without a monitor (sock -1) such folders are an error. 0 or -1.
 */
int worker_receive_folders(int sock, struct sftp_settings *st, char *err, size_t errlen);

/*
 * SFTPGo creates, at login, the missing parents of each virtual path inside the
 * home (not the virtual directory itself). Run as the user under the home's root
 * fd; failures are ignored.
 */
void worker_make_folder_parents(int rootfd, const struct sftp_settings *st);

#endif
