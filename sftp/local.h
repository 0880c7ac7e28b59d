/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * In-process requests to the SFTP engine. SCP and the SSH commands served by the
 * worker go through the same request handlers an SFTP client reaches, so paths,
 * per-directory permissions, upload modes, umask and events are one code path.
 * Each call builds one request packet, hands it to sftp_process_packet() and
 * decodes the one reply; nothing crosses a process boundary.
 */
#ifndef SFTPGO_SFTP_LOCAL_H
#define SFTPGO_SFTP_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "sftp/codec.h"
#include "sftp/proto.h"

struct sftp_server;
struct sftp_local;

#define SFTP_LOCAL_HANDLE_MAX 256

struct sftp_lhandle {
	uint8_t b[SFTP_LOCAL_HANDLE_MAX];
	uint32_t len;
};

/* One directory entry of sftp_local_readdir (name without a directory part). */
typedef int (*sftp_local_entry_fn)(const char *name, const struct sftp_attrs *a,
                                   void *ud);

/* Starts the engine (INIT/VERSION). s stays the caller's. NULL on failure. */
struct sftp_local *sftp_local_new(struct sftp_server *s);
void sftp_local_free(struct sftp_local *l);

/*
 * Every call returns SSH_FX_OK or another SSH_FX_* status (SSH_FX_EOF at the end
 * of a file or directory); -1 when the engine's reply could not be decoded (it
 * then cannot be trusted further). The status message is sftp_local_error().
 */
const char *sftp_local_error(const struct sftp_local *l);
/* The largest read or write one call accepts. */
uint32_t sftp_local_max_rw(const struct sftp_local *l);

int sftp_local_stat(struct sftp_local *l, const char *path, struct sftp_attrs *a);
int sftp_local_realpath(struct sftp_local *l, const char *path, char *out, size_t outsz);
/*
 * path with every symlink followed, as the engine resolves it under its root:
 * the one name of the entry it leads to (REALPATH is lexical, as in SFTPGo).
 * On an object store, which has no links, the normalized path.
 */
int sftp_local_resolve(struct sftp_local *l, const char *path, char *out, size_t outsz);
int sftp_local_open(struct sftp_local *l, const char *path, uint32_t pflags,
                    const struct sftp_attrs *a, struct sftp_lhandle *h);
int sftp_local_read(struct sftp_local *l, const struct sftp_lhandle *h, uint64_t off,
                    void *buf, uint32_t len, uint32_t *got);
int sftp_local_write(struct sftp_local *l, const struct sftp_lhandle *h, uint64_t off,
                     const void *buf, uint32_t len);
int sftp_local_close(struct sftp_local *l, const struct sftp_lhandle *h);
int sftp_local_opendir(struct sftp_local *l, const char *path, struct sftp_lhandle *h);
/* One READDIR: fn for each entry ("." and ".." included); fn != 0 stops. */
int sftp_local_readdir(struct sftp_local *l, const struct sftp_lhandle *h,
                       sftp_local_entry_fn fn, void *ud);
int sftp_local_mkdir(struct sftp_local *l, const char *path, const struct sftp_attrs *a);
int sftp_local_setstat(struct sftp_local *l, const char *path,
                       const struct sftp_attrs *a);

#endif
