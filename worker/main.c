/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpgo-worker: the per-user worker (man/sftpgo-worker.8). Reads its settings,
 * confines itself, then serves SFTP, or the SCP or SSH command of an exec channel,
 * over the engine (sftp/sftp.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/confine.h"
#include "common/io.h"
#include "common/log.h"
#include "common/parse.h"
#include "sftp/local.h"
#include "sftp/objstore.h"
#include "sftp/path.h"
#include "sftp/sftp.h"
#include "sshcmd/sshcmd.h"
#include "sshcmd/syscmd.h"
#include "worker/events.h"
#include "worker/cloud.h"
#include "worker/quota.h"
#include "worker/settings.h"
#include "worker/sysexec.h"
#include "common/rpc.h"
#include "worker/worker.h"
#include "sandbox/sandbox.h"

#define MAX_SETTINGS (1024u * 1024u)

static void
on_signal(int sig)
{
	(void)sig;
	sftp_serve_stop();
}

/* SIGTERM/SIGHUP/SIGINT end the session like a disconnect (temp files handled). */
static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocked read() must return */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void
usage(void)
{
	fprintf(
	    stderr,
	    "usage: sftpgo-worker [-ehR] [-d start_directory] [-f log_facility] "
	    "[-l log_level]\n\t[-P denied_requests] [-p allowed_requests] [-u umask]\n"
	    "\t[--settings FILE] [--root DIR] [--events-fd N] [--monitor-fd N]\n"
	    "\t[--command \"scp|md5sum|...|pwd|cd args\"]\n"
	    "       sftpgo-worker -Q protocol_feature\n");
}

static char *
read_file(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	ssize_t n;
	size_t used = 0;

	if (fd < 0 || (buf = malloc(max + 1)) == NULL) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + used, max + 1 - used)) > 0 && used + (size_t)n <= max)
		used += (size_t)n;
	close(fd);
	if (n != 0) {
		free(buf);
		errno = n < 0 ? errno : EFBIG;
		return NULL;
	}
	buf[used] = '\0';
	*len = used;
	return buf;
}

static int
parse_args(int argc, char **argv, struct worker_opts *o)
{
	static const struct option longopts[] = {
	    {"settings", required_argument, NULL, 's'},
	    {"root", required_argument, NULL, 'r'},
	    {"events-fd", required_argument, NULL, 'E'},
	    {"monitor-fd", required_argument, NULL, 'M'},
	    {"command", required_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	char *end;
	long v;

	memset(o, 0, sizeof(*o));
	o->monitor_fd = -1;
	o->events_fd = EVENTS_STDERR;
	while ((c = getopt_long(argc, argv, "d:ef:l:P:p:Q:Ru:ch", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'd':
			o->start_dir = optarg;
			break;
		case 'e':
			o->log_stderr = 1;
			break;
		case 'f':
			break; /* syslog facility: we never use syslog */
		case 'c':
			break; /* sftp-server's -c (ignored by it too) */
		case 'l':
			o->log_level = optarg;
			break;
		case 'P':
			o->deny = optarg;
			break;
		case 'p':
			o->allow = optarg;
			break;
		case 'R':
			o->read_only = 1;
			break;
		case 'u':
			o->umask = optarg;
			break;
		case 's':
			o->settings_file = optarg;
			break;
		case 'C':
			o->command = optarg;
			break;
		case 'r':
			o->root = optarg;
			break;
		case 'Q':
			if (strcmp(optarg, "requests") != 0) {
				fprintf(stderr, "Invalid query type\n");
				exit(1);
			}
			for (unsigned i = 0; sftp_request_name(i) != NULL; i++)
				printf("%s\n", sftp_request_name(i));
			exit(0);
		case 'E':
		case 'M':
			errno = 0;
			v = strtol(optarg, &end, 10);
			/* --events-fd -1: no events at all (e.g. as an sshd subsystem) */
			if (errno != 0 || *end != '\0' || v < (c == 'E' ? -1 : 0) ||
			    v > 65535) {
				fprintf(stderr, "sftpgo-worker: bad descriptor \"%s\"\n",
				        optarg);
				return -1;
			}
			*(c == 'E' ? &o->events_fd : &o->monitor_fd) = (int)v;
			break;
		case 'h':
		default:
			usage();
			exit(1); /* as sftp-server, -h included */
		}
	}
	/*
	 * Operands are ignored, as sftp-server does: `scp -s -D prog` runs
	 * "prog -- host sftp" as if prog were ssh.
	 */
	return 0;
}

static int
load_settings(const struct worker_opts *o, struct sftp_settings *st, char *err,
              size_t errlen)
{
	char *json = NULL;
	size_t len = 0;

	if (o->monitor_fd >= 0) {
		json = frame_read(o->monitor_fd, MAX_SETTINGS, &len);
		if (json == NULL) {
			snprintf(err, errlen, "reading settings from the monitor: %s",
			         strerror(errno));
			return -1;
		}
	} else if (o->settings_file != NULL) {
		json = read_file(o->settings_file, MAX_SETTINGS, &len);
		if (json == NULL) {
			snprintf(err, errlen, "%s: %s", o->settings_file,
			         strerror(errno));
			return -1;
		}
	}
	if (json != NULL) {
		int rc = worker_settings_parse(st, json, len, err, errlen);
		/* Monitor settings came from the provider: do not keep copies around. */
		explicit_bzero(json, len);
		free(json);
		if (rc != 0)
			return -1;
		/* Settings given: SFTPGo's default umask unless the object has one. */
		if (!st->umask_set) {
			st->umask = 022;
			st->umask_set = 1;
		}
	}
	if (o->read_only)
		st->read_only = 1;
	if (o->umask != NULL) {
		if (parse_umask(o->umask, &st->umask) != 0) {
			snprintf(err, errlen, "invalid umask \"%s\"", o->umask);
			return -1;
		}
		st->umask_set = 1;
	}
	if (o->root != NULL) {
		free(st->home_dir);
		if ((st->home_dir = strdup(o->root)) == NULL)
			return -1;
		st->chroot = 0;
	}
	return 0;
}

/* The gid to run with: given, else the uid's primary group (looked up before chroot). */
static int
target_gid(const struct sftp_settings *st, gid_t *gid, char *err, size_t errlen)
{
	struct passwd *pw;

	if (st->gid >= 0) {
		*gid = (gid_t)st->gid;
		return 0;
	}
	if (st->uid <= 0) {
		*gid = getgid();
		return 0;
	}
	/* Never keep root's group for a user. */
	if ((pw = getpwuid((uid_t)st->uid)) == NULL) {
		snprintf(err, errlen, "uid %lld has no passwd entry and no gid was given",
		         st->uid);
		return -1;
	}
	*gid = pw->pw_gid;
	return 0;
}

/*
 * chroot (only as root and when asked), then the mapped ids; never regain root.
 * Any name-service lookup happens before the chroot: inside it, the files are the
 * user's.
 */
static int
confine(struct sftp_settings *st, int *chrooted, char *err, size_t errlen)
{
	int drop = geteuid() == 0 && (st->uid >= 0 || st->gid >= 0);
	gid_t gid = 0;

	*chrooted = 0;
	if (drop && target_gid(st, &gid, err, errlen) != 0)
		return -1;
	if (geteuid() == 0 && st->home_dir != NULL && st->chroot) {
		if (chdir(st->home_dir) != 0 || chroot(".") != 0 || chdir("/") != 0) {
			snprintf(err, errlen, "chroot %s: %s", st->home_dir,
			         strerror(errno));
			return -1;
		}
		*chrooted = 1;
	}
	if (!drop)
		return 0;
	return drop_privileges(st->uid >= 0 ? (uid_t)st->uid : (uid_t)-1, gid, err,
	                       errlen);
}

static int
open_root(const struct sftp_settings *st, int chrooted)
{
	const char *dir = chrooted || st->home_dir == NULL ? "/" : st->home_dir;

	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* The user's name, looked up once before any chroot (never NSS inside a home). */
static char user_buf[256];

/* The names of the ids the user's files get, looked up before any chroot. */
static struct {
	unsigned uid, gid;
	char uname[33], gname[33];
} own_ids;

static void
remember_own_ids(const struct sftp_settings *st)
{
	struct passwd *pw;
	struct group *gr;

	own_ids.uid = st->uid >= 0 ? (unsigned)st->uid : (unsigned)geteuid();
	own_ids.gid = st->gid >= 0 ? (unsigned)st->gid : (unsigned)getegid();
	if ((pw = getpwuid((uid_t)own_ids.uid)) != NULL && pw->pw_name != NULL)
		strlcpy(own_ids.uname, pw->pw_name, sizeof(own_ids.uname));
	if ((gr = getgrgid((gid_t)own_ids.gid)) != NULL && gr->gr_name != NULL)
		strlcpy(own_ids.gname, gr->gr_name, sizeof(own_ids.gname));
}

static void
remember_username(const struct sftp_settings *st)
{
	struct passwd *pw;

	if (st->username != NULL && st->username[0] != '\0')
		strlcpy(user_buf, st->username, sizeof(user_buf));
	else if ((pw = getpwuid(getuid())) != NULL && pw->pw_name != NULL)
		strlcpy(user_buf, pw->pw_name, sizeof(user_buf));
}

/* Virtual start directory: -d (expanded), else settings, else cwd (plain mode). */
static int
start_dir(const struct worker_opts *o, const struct sftp_settings *st, int host_root,
          char *out, size_t outsz)
{
	struct passwd *pw;

	if (o->start_dir != NULL) {
		const char *home = "/";
		if (host_root && (pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL)
			home = pw->pw_dir;
		return worker_expand_start_dir(o->start_dir, home, user_buf, out, outsz);
	}
	if (!host_root) {
		strlcpy(out, st->start_dir != NULL ? st->start_dir : "/", outsz);
		return 0;
	}
	if (getcwd(out, outsz) == NULL)
		strlcpy(out, "/", outsz);
	return 0;
}

static void
setup_events(const struct worker_opts *o)
{
	int level = o->log_level != NULL ? wev_level_from_name(o->log_level) : -1;

	if (o->monitor_fd >= 0) {
		wev_init(o->monitor_fd, 1);
		wev_set_hold_ms(100);
		wev_enable_log(1);
		wev_set_log_level(level >= 0 ? (enum log_level)level : LOGL_INFO);
	} else {
		wev_init(o->events_fd == EVENTS_STDERR ? STDERR_FILENO : o->events_fd, 0);
		wev_enable_log(o->log_stderr);
		wev_set_log_level(level >= 0 ? (enum log_level)level : LOGL_ERROR);
	}
}

/*
 * An exec channel: the command runs against the same engine an SFTP client would
 * reach. Its stderr text goes to the monitor with the exit event (which the session
 * sends to the client), or to standard error stand-alone.
 */
static int
serve_command(struct sftp_server *s, const char *command, int monitored)
{
	char msg[1024] = "";
	struct sftp_local *l = sftp_local_new(s);
	int status = 1;

	log_info("command for \"%s\": %s", user_buf, command);
	if (l == NULL)
		snprintf(msg, sizeof(msg), "sftpgo: cannot start the command\n");
	else
		status =
		    sshcmd_run(l, STDIN_FILENO, STDOUT_FILENO, command, msg, sizeof(msg));
	sftp_local_free(l);
	sftp_server_shutdown(s, "command ended");
	log_info("command ended for \"%s\" with status %d", user_buf, status);
	wev_exit(msg);
	if (!monitored)
		fputs(msg, stderr);
	return status;
}

/*
 * Started by the monitor: confined, settings and folders read, root opened; from
 * here on the worker's list (stand-alone, as an sshd subsystem, it has none).
 */
static int
sandbox_worker(enum sandbox_role role, char *err, size_t errlen)
{
	struct sandbox_report rep;

	if (wev_sandbox_report(&rep) != 0) {
		snprintf(err, errlen, "seccomp: cannot build the report frame");
		return -1;
	}
	if (sandbox_install(role, &rep, err, errlen) != 0)
		return -1;
	sandbox_selftest(role);
	return 0;
}

int
main(int argc, char **argv)
{
	struct worker_opts o;
	struct sftp_settings st;
	struct sftp_server *s;
	char err[512], sd[SFTP_PATH_MAX];
	int chrooted, rootfd, rc;
	struct wcloud *cloud = NULL;

	install_signals();
	if (parse_args(argc, argv, &o) != 0)
		return 1;
	if (o.log_level != NULL && wev_level_from_name(o.log_level) < 0) {
		fprintf(stderr, "sftpgo-worker: invalid log level \"%s\"\n", o.log_level);
		return 1;
	}
	setup_events(&o);
	if (sftp_settings_init(&st) != 0 ||
	    load_settings(&o, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "sftpgo-worker: %s\n", err);
		log_error("%s", err);
		return 1;
	}
	/* The monitor never maps a user to root (it refuses uid/gid 0): settings that
	 * do are not ours to serve. (-1 keeps the current ids, as documented.) */
	if (o.monitor_fd >= 0 && geteuid() == 0 && (st.uid == 0 || st.gid == 0)) {
		snprintf(err, sizeof(err),
		         "settings map the user to uid or gid 0: refused");
		fprintf(stderr, "sftpgo-worker: %s\n", err);
		log_error("%s", err);
		return 1;
	}
	/* Right after the settings: the monitor sent the folders' fds behind them. */
	if (worker_receive_folders(o.monitor_fd, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "sftpgo-worker: %s\n", err);
		log_error("%s", err);
		return 1;
	}
	remember_username(&st);
	remember_own_ids(&st);
	if (st.umask_set)
		umask(st.umask);
	/* Homes named by the settings are created like SFTPGo does; --root must exist. */
	if (st.home_dir != NULL && o.root == NULL && !st.quota_scan &&
	    worker_make_home(st.home_dir, st.uid, st.gid, err, sizeof(err)) != 0) {
		fprintf(stderr, "sftpgo-worker: %s\n", err);
		log_error("%s", err);
		return 1;
	}
	/* cloud storage: the client is built while the endpoint can be resolved and
	 * the CA bundle read (doc/design-notes.md "Cloud storage") */
	if (st.fs_provider != 0 && (cloud = wcloud_new(&st, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sftpgo-worker: %s\n", err);
		log_error("%s", err);
		sftp_settings_free(&st); /* and the S3 secret wiped with it */
		return 1;
	}
	if (cloud != NULL && st.command != NULL && syscmd_is_system(st.command)) {
		/* git and rsync would see the local spool directory, not the bucket */
		log_info("command for \"%s\" refused: %s is not supported on cloud "
		         "storage",
		         user_buf, st.command);
		wev_exit("sftpgo: command unsupported for this configuration\n");
		wcloud_free(cloud);
		sftp_settings_free(&st);
		return 1;
	}
	/* git and rsync: root builds their jail before any privilege is dropped */
	if (st.command != NULL && o.command == NULL && syscmd_is_system(st.command)) {
		gid_t gid = 0;
		if (st.uid > 0 && target_gid(&st, &gid, err, sizeof(err)) != 0)
			gid = (gid_t)-1;
		rc = worker_run_system(&st, st.command, (uid_t)st.uid, gid,
		                       o.monitor_fd >= 0);
		sftp_settings_free(&st);
		return rc;
	}
	if (confine(&st, &chrooted, err, sizeof(err)) != 0) {
		fprintf(stderr, "sftpgo-worker: %s\n", err);
		log_error("%s", err);
		return 1;
	}
	if (o.monitor_fd >= 0)
		prctl(PR_SET_DUMPABLE, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if ((rootfd = open_root(&st, chrooted)) < 0) {
		snprintf(err, sizeof(err), "root directory %s: %s",
		         st.home_dir != NULL ? st.home_dir : "/", strerror(errno));
		fprintf(stderr, "sftpgo-worker: %s\n", err);
		log_error("%s", err);
		return 1;
	}
	/* An S3 user's worker also talks to its endpoint through libcurl: the
	 * cloud worker's list adds TCP sockets (sandbox/lists.c). */
	if (o.monitor_fd >= 0 &&
	    sandbox_worker(cloud != NULL ? SANDBOX_CLOUD_WORKER : SANDBOX_WORKER, err,
	                   sizeof(err)) != 0) {
		fprintf(stderr, "sftpgo-worker: %s\n", err);
		log_error("%s", err);
		return 1;
	}
	if (st.quota_scan && cloud != NULL) {
		int64_t files = 0, size = 0;
		rc = wcloud_scan(cloud, &files, &size, err, sizeof(err));
		rc = wquota_send_scan(rc, files, size, rc == 0 ? "" : err);
		wcloud_free(cloud);
		close(rootfd);
		sftp_settings_free(&st);
		return rc;
	}
	if (st.quota_scan) { /* recount as the user: nothing served, nothing created */
		rc = st.home_dir == NULL
		         ? 1
		         : wquota_scan_report(chrooted ? "/" : st.home_dir, &st);
		close(rootfd);
		sftp_settings_free(&st);
		return rc;
	}
	worker_make_folder_parents(rootfd, &st);
	/* Counting needs the monitor, which owns the ledger. */
	if (st.track_quota && o.monitor_fd >= 0)
		wquota_register();
	if (start_dir(&o, &st, st.home_dir == NULL, sd, sizeof(sd)) != 0) {
		fprintf(stderr, "sftpgo-worker: bad start directory\n");
		return 1;
	}
	if (st.command != NULL && !sshcmd_throttled(st.command))
		st.upload_bandwidth = st.download_bandwidth = 0;
	s = sftp_server_new(&st, rootfd, sd, st.home_dir == NULL, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "sftpgo-worker: %s\n", err);
		return 1;
	}
	if (cloud != NULL)
		sftp_server_set_objstore(s, wcloud_store(cloud));
	sftp_server_set_filters(s, o.allow, o.deny);
	sftp_server_set_names(s, !chrooted);
	sftp_server_pin_names(s, own_ids.uid, own_ids.uname, own_ids.gid, own_ids.gname);
	if (o.command != NULL || st.command != NULL) {
		rc = serve_command(s, o.command != NULL ? o.command : st.command,
		                   o.monitor_fd >= 0);
		sftp_server_free(s);
		wcloud_free(cloud);
		sftp_settings_free(&st);
		return rc;
	}
	log_info("session opened for \"%s\"", user_buf);
	rc = sftp_serve(s, STDIN_FILENO, STDOUT_FILENO);
	log_info("session closed for \"%s\"", user_buf);
	sftp_server_free(s);
	wcloud_free(cloud);
	sftp_settings_free(&st);
	return rc == 0 ? 0 : 1;
}
