/* SPDX-License-Identifier: BSD-2-Clause */
/* SSH commands served in the worker (see sshcmd.h). */
#include "config.h"

#include <errno.h>
#include <md5.h>
#include <sha1.h>
#include <sha2.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scp/scp.h"
#include "sftp/events.h"
#include "sftp/local.h"
#include "sftp/path.h"
#include "sftp/sftp.h"
#include "sshcmd/sshcmd.h"
#include "sshcmd/words.h"

#define HASH_CHUNK (256u * 1024)
#define DIGEST_MAX SHA512_DIGEST_LENGTH

/*
 * The digests come from libmd (already loaded by libbsd): linking libcrypto into
 * every worker would cost each SFTP session its private relocated pages.
 */
union dctx {
	MD5_CTX md5;
	SHA1_CTX sha1;
	SHA2_CTX sha2;
};

struct digest {
	const char *cmd;
	size_t len;
	void (*init)(union dctx *);
	void (*update)(union dctx *, const uint8_t *, size_t);
	void (*final)(uint8_t *, union dctx *);
};

/* Adapters from libmd's per-algorithm context types to union dctx. */
#define DIGEST_FNS(alg, member)                                                          \
	static void alg##_init(union dctx *c)                                            \
	{                                                                                \
		alg##Init(&c->member);                                                   \
	}                                                                                \
	static void alg##_update(union dctx *c, const uint8_t *p, size_t n)              \
	{                                                                                \
		alg##Update(&c->member, p, n);                                           \
	}                                                                                \
	static void alg##_final(uint8_t *out, union dctx *c)                             \
	{                                                                                \
		alg##Final(out, &c->member);                                             \
	}
DIGEST_FNS(MD5, md5)
DIGEST_FNS(SHA1, sha1)
DIGEST_FNS(SHA256, sha2)
DIGEST_FNS(SHA384, sha2)
DIGEST_FNS(SHA512, sha2)

#define DIGEST(cmd, alg, len)                                                            \
	{                                                                                \
		cmd, len, alg##_init, alg##_update, alg##_final                          \
	}
static const struct digest digests[] = {
    DIGEST("md5sum", MD5, MD5_DIGEST_LENGTH),
    DIGEST("sha1sum", SHA1, SHA1_DIGEST_LENGTH),
    DIGEST("sha256sum", SHA256, SHA256_DIGEST_LENGTH),
    DIGEST("sha384sum", SHA384, SHA384_DIGEST_LENGTH),
    DIGEST("sha512sum", SHA512, SHA512_DIGEST_LENGTH),
};

/* "<hex digest>  <name>\n", as coreutils prints it. */
static int
print_digest(int out, const uint8_t *md, size_t n, const char *name)
{
	char line[DIGEST_MAX * 2 + SFTP_PATH_MAX + 4];
	size_t off = 0;

	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%02x", md[i]);
	int r = snprintf(line + off, sizeof(line) - off, "  %s\n", name);
	if (r < 0 || (size_t)r >= sizeof(line) - off)
		return -1;
	return sftp_write_all(out, line, off + (size_t)r);
}

/* The digest of standard input (no file operand). */
static int
digest_stdin(const struct digest *d, int in, uint8_t *res)
{
	static uint8_t buf[HASH_CHUNK];
	union dctx ctx;

	d->init(&ctx);
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf));
		if (r < 0)
			return -1; /* EINTR too: told to stop */
		if (r == 0)
			break;
		d->update(&ctx, buf, (size_t)r);
	}
	d->final(res, &ctx);
	return 0;
}

/* The digest of one file, read through the engine (its message on failure). */
static int
digest_file(struct sftp_local *l, const struct digest *d, const char *path, uint8_t *res)
{
	static uint8_t buf[HASH_CHUNK];
	struct sftp_lhandle h;
	union dctx ctx;
	uint64_t off = 0;
	uint32_t got;
	int rc;

	if (sftp_local_open(l, path, SSH_FXF_READ, NULL, &h) != SSH_FX_OK)
		return -1;
	d->init(&ctx);
	uint32_t chunk =
	    sftp_local_max_rw(l) < sizeof(buf) ? sftp_local_max_rw(l) : sizeof(buf);
	while ((rc = sftp_local_read(l, &h, off, buf, chunk, &got)) == SSH_FX_OK) {
		d->update(&ctx, buf, got);
		off += got;
	}
	int closed = sftp_local_close(l, &h);
	if (rc != SSH_FX_EOF || closed != SSH_FX_OK)
		return -1;
	d->final(res, &ctx);
	return 0;
}

static void add_msg(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends to the stderr text (cut at msglen). */
static void
add_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	size_t used = strlen(msg);
	va_list ap;

	if (used + 1 >= msglen)
		return;
	va_start(ap, fmt);
	vsnprintf(msg + used, msglen - used, fmt, ap);
	va_end(ap);
}

void
sshcmd_log_command(const char *path)
{
	struct ev_command c = {.sender = "SSHCommand",
	                       .path = path,
	                       .target_path = "",
	                       .filemode = "",
	                       .uid = -1,
	                       .gid = -1,
	                       .access_time = "",
	                       .modification_time = ""};
	ev_command(&c);
}

/* No file operand: the digest of standard input, named "-". 0 or 1. */
static int
stdin_operand(const struct digest *d, int in, int out)
{
	uint8_t res[DIGEST_MAX];

	if (digest_stdin(d, in, res) != 0 || print_digest(out, res, d->len, "-") != 0)
		return 1;
	sshcmd_log_command("");
	return 0;
}

/* One file operand: its line, or its error in msg. 0 or 1 (the exit status). */
static int
digest_operand(struct sftp_local *l, const struct digest *d, int out, const char *arg,
               char *msg, size_t msglen)
{
	uint8_t res[DIGEST_MAX];
	char vpath[SFTP_PATH_MAX];

	if (sftp_local_realpath(l, arg, vpath, sizeof(vpath)) != SSH_FX_OK ||
	    digest_file(l, d, vpath, res) != 0) {
		const char *e = sftp_local_error(l);
		add_msg(msg, msglen, "%s: %s: %s\n", d->cmd, arg, e[0] ? e : "failed");
		return 1;
	}
	if (print_digest(out, res, d->len, vpath) != 0)
		return 1;
	sshcmd_log_command(vpath);
	return 0;
}

/* An option word: "-x", not "-" alone; "--" ends them. */
static int
is_option(const char *w)
{
	return w[0] == '-' && w[1] != '\0';
}

/*
 * md5sum ... sha512sum [--] [file...]: one line per file (named by its virtual
 * path, as SFTPGo prints it), or the digest of standard input. Options are refused
 * rather than half understood (-c would read the file as a list of digests).
 */
static int
run_digest(struct sftp_local *l, int in, int out, const struct words *w,
           const struct digest *d, char *msg, size_t msglen)
{
	int operands = 0, status = 0, opts = 1;

	for (int i = 1; i < w->n; i++) {
		if (opts && strcmp(w->v[i], "--") == 0) {
			opts = 0;
		} else if (opts && is_option(w->v[i])) {
			add_msg(msg, msglen, "%s: %s: option not supported\n", d->cmd,
			        w->v[i]);
			return 1;
		} else {
			operands++;
		}
	}
	if (operands == 0)
		return stdin_operand(d, in, out);
	opts = 1;
	for (int i = 1; i < w->n; i++) {
		if (opts && strcmp(w->v[i], "--") == 0)
			opts = 0;
		else
			status |= digest_operand(l, d, out, w->v[i], msg, msglen);
	}
	return status;
}

int
sshcmd_run(struct sftp_local *l, int in, int out, const char *command, char *msg,
           size_t msglen)
{
	struct words w;
	char err[128];
	int status = 1;

	msg[0] = '\0';
	if (words_split(command, &w, err, sizeof(err)) != 0) {
		add_msg(msg, msglen, "sftpgo: %s\n", err);
		return 1;
	}
	const char *name = w.v[0];
	if (strcmp(name, "scp") == 0) {
		status = scp_run(l, in, out, w.n, w.v);
	} else if (strcmp(name, "pwd") == 0) {
		/* SFTPGo: the client's start directory, which is always "/" */
		status = sftp_write_all(out, "/\n", 2) == 0 ? 0 : 1;
		sshcmd_log_command("/");
	} else if (strcmp(name, "cd") == 0) {
		status = 0; /* nothing to change: every command starts at "/" */
		sshcmd_log_command("/");
	} else {
		for (size_t i = 0; i < sizeof(digests) / sizeof(digests[0]); i++)
			if (strcmp(name, digests[i].cmd) == 0)
				status =
				    run_digest(l, in, out, &w, &digests[i], msg, msglen);
	}
	if (status != 0 && msg[0] == '\0' && strcmp(name, "scp") != 0)
		add_msg(msg, msglen, "sftpgo: %s: failed\n", name);
	words_free(&w);
	return status;
}

int
sshcmd_throttled(const char *command)
{
	size_t n = strspn(command, " \t");

	return strncmp(command + n, "scp", 3) == 0 &&
	       (command[n + 3] == '\0' || strchr(" \t", command[n + 3]) != NULL);
}
