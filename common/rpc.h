/*
 * Typed monitor RPC. A frame is u32 big-endian length (of what follows), u8 type,
 * payload; at most RPC_MAX_FRAME bytes. Monitor<->session and monitor<->listener use
 * SOCK_SEQPACKET socketpairs (one frame per message, optionally one passed fd).
 *
 * Every type has a fixed layout (rpc.c's table): 'u' u32, 's' text string (no NUL,
 * bounded length), 'B' binary string (bounded length). Decoding checks the frame
 * length, the type, each field's length and that nothing trails. Who may send what,
 * and when, is the receiver's business (the monitor's allow-lists and state machine).
 *
 * Layouts (fields in order; u[i] are the u32 fields, s[i] the strings, by position):
 *   HOSTKEY        mon->session  B pem                          (before INIT, repeatable)
 *   INIT           mon->session  u uid u gid u idle_timeout_s u verbose u kbdint
 *                                s chroot_dir s version_banner s login_banner
 *                                s kex s ciphers s macs         (comma-separated lists)
 *   READY          session->mon  (empty)                        keys loaded, privileges dropped
 *   CONN           mon->session  s client_ip u port s connection_id   + fd: the TCP socket
 *   AUTH_PASSWORD  session->mon  s user s password
 *   AUTH_PUBKEY_QUERY / AUTH_PUBKEY  session->mon  s user s key_type s key_base64
 *                  (QUERY: is this key acceptable; AUTH_PUBKEY: libssh verified the
 *                  client's signature with it)
 *   AUTH_RESULT    mon->session  u result (RPC_AUTH_*) s message
 *   CHANNEL_OPEN   session->mon  u channel s kind ("sftp" or "exec") s command ("" for
 *                                sftp; the exec request's command line)
 *   CHANNEL_RESULT mon->session  u channel u ok s message        + fd when ok
 *   LOG            any->mon      u level (enum log_level) s message
 *   NEWCONN        listener->mon s client_ip u port              + fd: the accepted socket
 *   RELEASE        mon->listener s client_ip                     one pre-auth slot ended
 *   KBDINT_START   session->mon  s user        keyboard-interactive begins
 *   KBDINT_QUESTIONS mon->session u count u echo_mask s instruction s questions
 *                                (questions joined by '\n', at most RPC_KBDINT_MAX)
 *   KBDINT_ANSWERS session->mon  u count s answers (joined by '\n')
 *                  the monitor answers KBDINT_ANSWERS/START with QUESTIONS or AUTH_RESULT
 *   CHANNEL_EXIT   mon->session  u channel u exit_status s message   an exec channel's
 *                  worker has ended (message for the client's stderr, or "")
 */
#ifndef SFTPGO_COMMON_RPC_H
#define SFTPGO_COMMON_RPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RPC_MAX_FRAME (64 * 1024)
#define RPC_MAX_FIELDS 8
#define RPC_TEXT_MAX 4096 /* messages and log lines */
#define RPC_KBDINT_MAX 32 /* questions per round */
#define RPC_UID_KEEP 0xffffffffu
#define RPC_COMMAND_MAX 8192 /* an exec request's command line */

enum rpc_type {
	RPC_HOSTKEY = 1,
	RPC_INIT,
	RPC_READY,
	RPC_CONN,
	RPC_AUTH_PASSWORD,
	RPC_AUTH_PUBKEY_QUERY,
	RPC_AUTH_PUBKEY,
	RPC_AUTH_RESULT,
	RPC_CHANNEL_OPEN,
	RPC_CHANNEL_RESULT,
	RPC_LOG,
	RPC_NEWCONN,
	RPC_RELEASE,
	RPC_KBDINT_START,
	RPC_KBDINT_QUESTIONS,
	RPC_KBDINT_ANSWERS,
	RPC_CHANNEL_EXIT,
	RPC_TYPE_MAX
};

enum rpc_auth_result {
	RPC_AUTH_DENIED = 0,
	RPC_AUTH_OK = 1,
	RPC_AUTH_DENIED_DISCONNECT = 2, /* limit reached: the session must hang up */
};

struct rpc_msg {
	uint8_t type;
	int fd; /* passed descriptor or -1; owned by the message until taken */
	uint32_t u[RPC_MAX_FIELDS];
	char *s[RPC_MAX_FIELDS]; /* NUL-terminated copies ('B' fields may hold NULs) */
	uint32_t slen[RPC_MAX_FIELDS];
	int nu, ns;
};

/* Name of a type for logs ("AUTH_PASSWORD"), "unknown" otherwise. */
const char *rpc_type_name(int type);

/*
 * Builds a frame of the given type from the variadic fields in layout order:
 * 'u' uint32_t, 's' const char *, 'B' const void *, size_t. Returns the frame
 * length written into out (cap >= RPC_MAX_FRAME recommended), or -1 when a field
 * is too long or the type unknown.
 */
ssize_t rpc_encode(uint8_t *out, size_t cap, int type, ...);
/* Encodes and sends one frame (with fd when >= 0) on a SEQPACKET socket. 0 / -1. */
int rpc_send(int sock, int fd, int type, ...);
/* Sends a LOG frame (level: enum log_level) with a printf-formatted message, cut at
 * 1 KiB. 0 / -1. */
int rpc_send_log(int sock, uint32_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * Parses one received frame. Returns 0, or -1 with a reason in err. On success msg
 * owns copies of the strings (free with rpc_msg_free, which also wipes them and
 * closes an untaken fd). fd is the descriptor received with the frame (or -1); it is
 * closed on failure.
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

#endif
