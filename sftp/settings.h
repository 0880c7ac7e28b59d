/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the SFTP engine is configured with. sftpgo-worker fills it from the
 * settings object of the worker protocol (worker/settings.h, doc/design-notes.md
 * "Worker protocol") and its sftp-server compatible flags; fields left alone keep
 * the defaults below.
 */
#ifndef SFTPGO_SFTP_SETTINGS_H
#define SFTPGO_SFTP_SETTINGS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sftp/filters.h"
#include "sftp/path.h"
#include "sftp/perms.h"

#define SFTP_DEFAULT_MAX_PACKET (256u * 1024u)
#define SFTP_MIN_MAX_PACKET (34u * 1024u)
#define SFTP_MAX_MAX_PACKET (4u * 1024u * 1024u)
#define SFTP_DEFAULT_MAX_HANDLES 256u
#define SFTP_MAX_MAX_HANDLES 65536u

struct sftp_settings {
	char *username;      /* "" */
	char *connection_id; /* "" */
	char *protocol;      /* "SFTP" */
	char *client_ip;     /* "" */
	char *home_dir;      /* real path on the host; NULL = "/" and start at cwd */
	int chroot;          /* chroot(home_dir) when root */
	long long uid, gid;  /* -1 = keep */
	int umask_set;       /* 0: keep the inherited umask (plain sftp-server mode) */
	mode_t umask;        /* 0022 */
	int setstat_mode;    /* 0 apply, 1 ignore chmod/chown/chtimes */
	int upload_mode;     /* 0 direct, 1 atomic, 2 atomic with resume */
	struct perm_table perms; /* {"/": ["*"]} */
	char *start_dir;         /* virtual; NULL = "/" (or cwd when home_dir is NULL) */
	int read_only;
	uint32_t max_handles;
	uint32_t max_packet;
	uint32_t upload_bandwidth;   /* KB/s per transfer, 0 = unlimited (SFTPGo user) */
	uint32_t download_bandwidth; /* KB/s per transfer, 0 = unlimited */
	char *command; /* an exec channel's command line (sshcmd/); NULL = serve SFTP */
	struct ext_filters file_extensions; /* none: every name passes */
	/* Virtual folders (sftp/path.h); the fds are closed by sftp_settings_free. */
	struct sftp_folder *folders;
	size_t n_folders;
	/* quota (sftp/quota.h): counted and reported when track_quota; limits in
	 * bytes and files, 0 = none; quota_scan: walk the root and report, no serving */
	int track_quota;
	int64_t quota_size;
	int64_t quota_files;
	int quota_scan;
	/* cloud storage: read by sftpgo-worker (worker/cloud.c), which gives the
	 * engine an object store (sftp/objstore.h); 0 = the local file system */
	int fs_provider;
	struct {
		char *bucket, *region, *access_key, *access_secret, *endpoint;
		char *storage_class, *key_prefix;
		int part_size_mb, concurrency; /* 0: SFTPGo's defaults (5 MiB, 2) */
	} s3;
	struct {
		char *bucket, *storage_class, *key_prefix, *endpoint;
		char *credentials;   /* a service-account key's JSON; NULL: metadata */
		char *metadata_host; /* the metadata server (automatic credentials) */
	} gcs;
};

/* Defaults; -1 only when out of memory. */
int sftp_settings_init(struct sftp_settings *st);
void sftp_settings_free(struct sftp_settings *st);

#endif
