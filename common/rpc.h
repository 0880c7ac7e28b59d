/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Typed monitor RPC. A frame is u32 big-endian length (of what follows), u8 type,
 * payload; at most RPC_MAX_FRAME bytes. Monitor<->session and monitor<->listener use
 * SOCK_SEQPACKET socketpairs (one frame per message, optionally one passed fd).
 *
 * Every message is declared once, in common/rpc_msgs.def: its type byte, direction,
 * peers, the states in which the monitor accepts it, whether an fd comes with it,
 * and its named fields with their caps. From that declaration come the enum below,
 * one struct per message (struct rpc_auth_password { fd; user; password; }), the
 * typed senders (rpc_send_auth_password()), and the tables that drive one encoder and
 * one decoder. Decoding checks the frame length, the type, each string's length cap,
 * each integer's range and that nothing trails. Who may send what, and when, is
 * enforced by the receiver (the monitor's dispatch tables) from the same declaration.
 */
#ifndef SFTPGO_COMMON_RPC_H
#define SFTPGO_COMMON_RPC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/log.h"

#define RPC_MAX_FRAME (64 * 1024)
#define RPC_TEXT_MAX 4096         /* messages and log lines */
#define RPC_KBDINT_MAX 32         /* questions per round */
#define RPC_KBDINT_TEXT_MAX 16384 /* a round's questions or answers, joined */
#define RPC_UID_KEEP 0xffffffffu
#define RPC_COMMAND_MAX 8192 /* an exec request's command line */
#define RPC_USER_MAX 256
#define RPC_PASSWORD_MAX 1024
#define RPC_KEY_MAX 16384 /* a public key, base64 */
#define RPC_IP_MAX 64
#define RPC_ID_MAX 64       /* connection ids, key types, channel kinds */
#define RPC_LOG_LEVEL_MAX 3 /* LOGL_ERROR */
/* A version banner: "SSH-2.0-" + it + CRLF fits SSH's 255-byte identification line. */
#define RPC_BANNER_MAX 245
#define RPC_PROXY_ALLOWED_MAX 1024 /* sftpd.proxy_allowed entries */
#define RPC_PROXY_ALLOWED_TEXT_MAX (RPC_PROXY_ALLOWED_MAX * 50)
/* DEFENDER_BANS: "network seconds" entries joined by ',' (a network is at most
 * RPC_IP_MAX bytes, seconds 10 digits): about 800 per frame. */
#define RPC_DEFENDER_BANS_TEXT_MAX 60000
#define RPC_DEFENDER_FOREVER 0xffffffffu /* seconds of a block-list entry */
/* What the listener holds: bans (entries_hard_limit) plus the block list. */
#define RPC_DEFENDER_ENTRIES_MAX 8192
#define RPC_ADMIN_TEXT_MAX 60000 /* an admin answer (a page of JSON) */
/* Admin messages (sftpgo-httpd): a user's JSON, a reply chunk, a file parameter. */
#define RPC_ADMIN_JSON_MAX 60000
#define RPC_ADMIN_CHUNK 60000
#define RPC_PATH_MAX 4096
/* HTTPD_TLS: the certificate (with its chain) and the key, PEM, in one frame. */
#define RPC_TLS_CERT_MAX 40000
#define RPC_TLS_KEY_MAX 16384

enum rpc_auth_verdict {
	RPC_AUTH_DENIED = 0,
	RPC_AUTH_OK = 1,
	RPC_AUTH_DENIED_DISCONNECT = 2, /* limit reached: the session must hang up */
};

enum rpc_direction { RPC_TO_MONITOR, RPC_FROM_MONITOR };

/* Peer kinds (bit masks): the monitor's children that speak this protocol. */
enum rpc_peer {
	RPC_PEER_LISTENER = 1u << 0,
	RPC_PEER_SESSION = 1u << 1,
	RPC_PEER_WORKER = 1u << 2, /* reserved: workers speak stream frames today */
	RPC_PEER_HTTPD = 1u << 3,  /* sftpgo-httpd, the admin HTTP process */
	RPC_PEER_ADMIN = 1u << 4,  /* the admin socket's root client (sftpgo defender) */
};

/* Peer states (bit masks) in which the monitor accepts a message. */
enum rpc_state {
	RPC_ST_STARTING = 1u << 0, /* session: loading keys, dropping privileges */
	RPC_ST_IDLE = 1u << 1,     /* session: in the pool, no connection */
	RPC_ST_PREAUTH = 1u << 2,  /* session: a client, not authenticated */
	RPC_ST_AUTHED = 1u << 3,   /* session: a logged-in user */
	RPC_ST_ANY = 0xffu,
};

enum rpc_fd_policy { RPC_FD_NONE, RPC_FD_OPTIONAL, RPC_FD_REQUIRED };

enum rpc_field_kind { RPC_FIELD_U32, RPC_FIELD_TEXT, RPC_FIELD_BIN };
#define RPC_PLAIN 0
#define RPC_SECRET 1

/* The type enum: RPC_HOSTKEY = 1, ... */
enum rpc_type {
#define RPC_MSG(NAME, name, num, dir, peers, states, fdpol, fields) RPC_##NAME = num,
#include "common/rpc_msgs.def"
#undef RPC_MSG
	RPC_TYPE_MAX
};

/*
 * One struct per message. Every one starts with fd (the descriptor passed with the
 * frame, -1 for none): a sender sets it, a receiver owns it until it takes it (sets
 * the field to -1). Strings are NUL-terminated; BIN fields also have name_len.
 * Decoded strings are owned by the message (rpc_msg_free); a sender's are borrowed.
 */
#define RPC_U32(n, min, max) uint32_t n;
#define RPC_TEXT(n, max, secret) const char *n;
#define RPC_BIN(n, max, secret)                                                          \
	const char *n;                                                                   \
	size_t n##_len;
#define RPC_MSG(NAME, name, num, dir, peers, states, fdpol, fields)                      \
	struct rpc_##name {                                                              \
		int fd;                                                                  \
		fields                                                                   \
	};
#include "common/rpc_msgs.def"
#undef RPC_MSG

/* A received message: type, and the struct of that type (m.auth_password.user). */
struct rpc_msg {
	uint8_t type;
	union {
		int fd; /* every struct's first member */
#define RPC_MSG(NAME, name, num, dir, peers, states, fdpol, fields)                      \
	struct rpc_##name name;
#include "common/rpc_msgs.def"
#undef RPC_MSG
	};
};

/* What the declaration says of a field and of a message (for codecs, tests, fuzzing). */
struct rpc_field_spec {
	const char *name;
	enum rpc_field_kind kind;
	int secret;
	uint32_t min, max; /* U32: the range; TEXT/BIN: max is the length cap */
	size_t off;        /* of the member in the message struct */
	size_t len_off;    /* BIN: of name_len */
};
struct rpc_msg_spec {
	const char *name; /* "AUTH_PASSWORD"; NULL for an unused type number */
	enum rpc_direction dir;
	unsigned peers;  /* enum rpc_peer bits */
	unsigned states; /* enum rpc_state bits (RPC_TO_MONITOR only) */
	enum rpc_fd_policy fd;
	const struct rpc_field_spec *fields;
	int nfields;
	size_t size; /* of the message struct */
};

/* A field's value in a message struct of its type (generic code, tests, fuzzing).
 * rpc_field_str: NULL for an unset field; len (may be NULL): BIN's len or strlen. */
uint32_t rpc_field_u32(const void *msg, const struct rpc_field_spec *f);
const char *rpc_field_str(const void *msg, const struct rpc_field_spec *f, size_t *len);

/* The declaration of a type, NULL when there is no such type. */
const struct rpc_msg_spec *rpc_msg_spec(int type);
/* Name of a type for logs ("AUTH_PASSWORD"), "unknown" otherwise. */
const char *rpc_type_name(int type);

/*
 * Builds a frame from msg, a struct rpc_<name> of the given type. Returns the frame
 * length written into out (cap >= RPC_MAX_FRAME recommended), or -1 when a field is
 * over its cap or out of its range, or the type unknown.
 */
ssize_t rpc_encode(uint8_t *out, size_t cap, int type, const void *msg);
/* Encodes and sends one frame (with msg's fd when >= 0) on a SEQPACKET socket.
 * 0 / -1 (errno EMSGSIZE when the message breaks its declaration). */
int rpc_send(int sock, int type, const void *msg);

/* The typed senders: rpc_send_auth_password(sock, &(struct rpc_auth_password){...}). */
#define RPC_MSG(NAME, name, num, dir, peers, states, fdpol, fields)                      \
	static inline int rpc_send_##name(int sock, const struct rpc_##name *m)          \
	{                                                                                \
		return rpc_send(sock, RPC_##NAME, m);                                    \
	}
#include "common/rpc_msgs.def"
#undef RPC_MSG
#undef RPC_U32
#undef RPC_TEXT
#undef RPC_BIN

/*
 * A sink for common/log.h (log_set_sink(rpc_log_sink, NULL, &s)): each message goes
 * to the monitor as a LOG frame on sock. A frame that cannot be sent is lost, or
 * ends the process (_exit 1) when exit_on_failure is set: a session without its
 * monitor has nothing left to do.
 */
struct rpc_log_sink {
	int sock;
	int exit_on_failure;
};
void rpc_log_sink(void *arg, enum log_level l, const char *message);
/*
 * Parses one received frame. Returns 0, or -1 with a reason in err. On success msg
 * owns copies of the strings (free with rpc_msg_free, which also wipes the secret
 * ones and closes an untaken fd). fd is the descriptor received with the frame (or
 * -1); it is closed on failure. Whether an fd may come is the receiver's check.
 */
int rpc_decode(const uint8_t *frame, size_t len, int fd, struct rpc_msg *msg, char *err,
               size_t errlen);
/*
 * Receives and decodes one frame (blocking per the socket). 1 ok, 0 EOF, -1 error:
 * errno EAGAIN when nothing was there (non-blocking), EBADMSG for a bad frame.
 */
int rpc_recv(int sock, struct rpc_msg *msg, char *err, size_t errlen);
void rpc_msg_free(struct rpc_msg *msg);

/*
 * Stream frames (monitor<->worker): u32 big-endian length + body (JSON), no type.
 * A reader accumulates bytes from a non-blocking stream socket.
 */
struct frame_reader {
	uint8_t *buf;
	size_t off, len, cap, max; /* off: start of unconsumed bytes */
};
void frame_reader_init(struct frame_reader *r, size_t max);
void frame_reader_free(struct frame_reader *r);
/* Reads what is available: 1 got bytes, 0 EOF, -1 error (errno; EAGAIN = nothing). */
int frame_reader_fill(struct frame_reader *r, int fd);
/*
 * Takes the next complete frame: 1 with body/blen set (valid until the next call),
 * 0 when incomplete, -1 when the announced length exceeds max.
 */
int frame_reader_next(struct frame_reader *r, const uint8_t **body, size_t *blen);
/* Writes one stream frame fully (blocking socket). 0 / -1. */
int frame_write(int fd, const void *body, size_t len);
/*
 * Reads one stream frame from a blocking descriptor (the worker's settings): a new
 * NUL-terminated buffer with the body's length in *len, or NULL with errno
 * (EMSGSIZE: empty or longer than max; ENODATA: EOF inside the frame).
 */
char *frame_read(int fd, size_t max, size_t *len);

#endif
