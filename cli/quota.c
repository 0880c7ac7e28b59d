/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `sftpgo quota scan --username U | --all`: recounts homes from disk and stores
 * the totals (a reset, as SFTPGo's scan). Each home is walked by a worker running
 * as its user inside it (monitor/monitor.h quota_scan_user), never by root.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account/cloud.h"
#include "account/user.h"
#include "cli/commands.h"
#include "config/conf.h"
#include "monitor/monitor.h"
#include "provider/provider.h"

#define EXIT_RUNTIME 1
#define EXIT_BAD_INPUT 2

struct scan_opts {
	const char *config_dir, *config_file, *libexec_dir, *username;
	int all;
};

static void
usage(FILE *f)
{
	fprintf(f,
	        "Usage:\n"
	        "  sftpgo quota scan (--username U | --all) [--config-dir D]\n"
	        "      [--config-file F] [--libexec-dir D]\n\n"
	        "Recounts the used quota of a user (or of every user) from the files in\n"
	        "its home and stores it. See sftpgo-user(8).\n");
}

static int
parse(int argc, char **argv, struct scan_opts *o)
{
	static const struct option longopts[] = {
	    {"username", required_argument, NULL, 'u'},
	    {"all", no_argument, NULL, 'a'},
	    {"config-dir", required_argument, NULL, 'c'},
	    {"config-file", required_argument, NULL, 'f'},
	    {"libexec-dir", required_argument, NULL, 'L'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->config_dir = ".";
	o->libexec_dir = SFTPGO_LIBEXECDIR;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			o->username = optarg;
			break;
		case 'a':
			o->all = 1;
			break;
		case 'c':
			o->config_dir = optarg;
			break;
		case 'f':
			o->config_file = optarg;
			break;
		case 'L':
			o->libexec_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return EXIT_BAD_INPUT;
		}
	}
	if (optind < argc || (o->username == NULL) == !o->all) {
		fprintf(stderr, "sftpgo quota scan: give either --username U or --all\n");
		return EXIT_BAD_INPUT;
	}
	return 0;
}

/* Scans one user and stores the result; 0 or EXIT_RUNTIME (reported). */
static int
scan_one(struct provider *p, const struct sftpgo_user *u, const char *libexec_dir,
         const struct uid0_map *uid0)
{
	char err[1024];
	int64_t files = 0, size = 0;

	if (quota_scan_user(u, libexec_dir, uid0, &files, &size, err, sizeof(err)) != 0) {
		fprintf(stderr, "sftpgo quota scan: user %s: %s; nothing stored\n",
		        u->username, err);
		return EXIT_RUNTIME;
	}
	if (provider_update_quota(p, u->username, files, size, 1, err, sizeof(err)) !=
	    0) {
		fprintf(stderr, "sftpgo quota scan: user %s: %s\n", u->username, err);
		return EXIT_RUNTIME;
	}
	printf("user %s: %lld files, %lld bytes\n", u->username, (long long)files,
	       (long long)size);
	return 0;
}

struct all_ctx {
	struct provider *p;
	const char *libexec_dir;
	const struct uid0_map *uid0;
	int rc;
};

static int
scan_row(const struct sftpgo_user *u, void *arg)
{
	struct all_ctx *a = arg;

	if (scan_one(a->p, u, a->libexec_dir, a->uid0) != 0)
		a->rc = EXIT_RUNTIME;
	return 0;
}

static int
scan(const struct scan_opts *o, struct provider *p, const struct uid0_map *uid0)
{
	struct sftpgo_user u;
	char err[1024];
	int rc;

	if (o->all) {
		struct all_ctx a = {p, o->libexec_dir, uid0, 0};
		if (provider_users_list(p, INT32_MAX, 0, 0, NULL, scan_row, &a, err,
		                        sizeof(err)) != 0) {
			fprintf(stderr, "sftpgo quota scan: %s\n", err);
			return EXIT_RUNTIME;
		}
		return a.rc;
	}
	rc = provider_user_by_name(p, o->username, &u, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "sftpgo quota scan: %s\n",
		        rc == PROVIDER_NOT_FOUND ? "user not found" : err);
		user_free(&u);
		return rc == PROVIDER_NOT_FOUND ? EXIT_BAD_INPUT : EXIT_RUNTIME;
	}
	rc = scan_one(p, &u, o->libexec_dir, uid0);
	user_free(&u);
	return rc;
}

/* As root, uid/gid 0 accounts are scanned as the service account `serve` uses
 * (without one, only those accounts are refused, with the reason). */
static void
scan_accounts(const struct sftpgo_config *cfg, struct uid0_map *uid0)
{
	uid_t uid;
	gid_t gid;

	memset(uid0, 0, sizeof(*uid0));
	if (geteuid() != 0)
		return;
	if (find_unprivileged(cfg, &uid, &gid, uid0->unusable, sizeof(uid0->unusable)) ==
	    0)
		uid0_map_resolve(cfg, uid, gid, uid0);
}

int
quota_main(int argc, char **argv)
{
	struct scan_opts o;
	struct sftpgo_config cfg;
	struct provider *p = NULL;
	struct uid0_map uid0;
	char err[1024];
	int rc;

	if (argc < 2 || strcmp(argv[1], "scan") != 0) {
		if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		fprintf(stderr, "sftpgo quota: %s\n",
		        argc < 2 ? "missing action (scan)" : "unknown action");
		usage(stderr);
		return EXIT_BAD_INPUT;
	}
	if ((rc = parse(argc - 1, argv + 1, &o)) != 0)
		return rc < 0 ? 0 : rc;
	if (config_load(&cfg, o.config_dir, o.config_file, err, sizeof(err)) != 0) {
		fprintf(stderr, "sftpgo quota scan: configuration: %s\n", err);
		return EXIT_BAD_INPUT;
	}
	cloud_set_credentials_dir(cfg.data_provider.credentials_path);
	if (cfg.data_provider.track_quota == 0) {
		fprintf(stderr,
		        "sftpgo quota scan: data_provider.track_quota is 0: quota "
		        "tracking is off, nothing to scan\n");
		rc = EXIT_BAD_INPUT;
	} else if (cli_provider_not_writable(&cfg) != NULL) {
		fprintf(stderr, "sftpgo quota scan: %s\n",
		        cli_provider_not_writable(&cfg));
		rc = EXIT_RUNTIME;
	} else if (provider_open(&cfg, &p, err, sizeof(err)) != 0) {
		fprintf(stderr, "sftpgo quota scan: %s\n", err);
		rc = EXIT_RUNTIME;
	} else {
		scan_accounts(&cfg, &uid0);
		rc = scan(&o, p, &uid0);
		provider_close(p);
	}
	config_free(&cfg);
	return rc;
}
