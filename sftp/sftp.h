/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SFTP v3 server engine of sftpgo-worker. It owns no descriptors but the root
 * directory fd it is given and the handles the client opens. Input is fed packet
 * by packet (sftp_process_packet, also the entry point of the fuzz target) or by
 * sftp_serve() from a byte stream; replies accumulate in an output buffer.
 */
#ifndef SFTPGO_SFTP_SFTP_H
#define SFTPGO_SFTP_SFTP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct sftp_server;
struct sftp_settings;

/*
 * rootfd: the directory the client sees as "/" (taken over, closed by
 * sftp_server_free). st is referenced, not copied: keep it alive. start_dir is the
 * virtual start directory (NULL = st->start_dir or "/"). host_root: the root is the
 * host's "/" (plain sftp-server mode). Returns NULL with a message in err.
 */
struct sftp_server *sftp_server_new(const struct sftp_settings *st, int rootfd,
                                    const char *start_dir, int host_root, char *err,
                                    size_t errlen);

/*
 * Request filters of sftp-server's -p/-P: comma-separated request names (see
 * sftp_request_name). NULL leaves the list unset. -1 on out of memory.
 */
int sftp_server_set_filters(struct sftp_server *s, const char *allow, const char *deny);

/* Show user/group names in long names (off when chrooted: no NSS inside the home). */
void sftp_server_set_names(struct sftp_server *s, int on);
/*
 * Names for one uid and one gid looked up before the chroot (NULL: none), answered
 * even when lookups are off: the user's own files then show a name, and clients
 * that cache names (OpenSSH's ls -l) do not ask again for every listing.
 */
void sftp_server_pin_names(struct sftp_server *s, unsigned uid, const char *uname,
                           unsigned gid, const char *gname);

/* Request names in sftp-server's order (for -Q requests); NULL past the end. */
const char *sftp_request_name(unsigned i);

/*
 * Processes one packet: pkt[0] is the type, then the body (the u32 length prefix
 * already removed), len <= max_packet. Replies are appended to the output buffer.
 * Returns 0 to go on, -1 when the connection must be closed (INIT missing or
 * repeated, a packet without an id, out of memory).
 */
int sftp_process_packet(struct sftp_server *s, const uint8_t *pkt, size_t len);

/* Pending reply bytes; the caller writes them out and calls wbuf_reset(). */
struct wbuf *sftp_server_output(struct sftp_server *s);

/*
 * Serves the stream: reads from in, writes to out until EOF or a protocol error.
 * Returns 0 on a clean end of input, -1 on error (reason logged).
 */
int sftp_serve(struct sftp_server *s, int in, int out);

/*
 * Writes all n bytes to fd, waiting when it is non-blocking; -1 on an error, or
 * at an interrupted write once sftp_serve_stop() was called. The SFTP loop, SCP
 * and the SSH commands write the channel through it.
 */
int sftp_write_all(int fd, const void *buf, size_t n);

/*
 * Async-signal-safe: makes sftp_serve() return at its next read or write (install
 * the handler without SA_RESTART). Open uploads then end as after a disconnect.
 */
void sftp_serve_stop(void);
/* The flag sftp_serve_stop() sets: loops that wait through common/io.h pass it. */
const volatile sig_atomic_t *sftp_stop_flag(void);

/*
 * Ends the session: every open handle is closed as after a disconnect (atomic
 * uploads follow their upload mode), transfer events are sent.
 */
void sftp_server_shutdown(struct sftp_server *s, const char *reason);
void sftp_server_free(struct sftp_server *s);

#endif
