/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The remote end of the SCP protocol (see scp.h), compatible with OpenSSH's scp.c:
 * its sink() for "-t", its source()/rsource() for "-f", its response() for the
 * acknowledgement bytes. Every file system access is a request to the SFTP engine.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/io.h"
#include "common/log.h"
#include "scp/scp.h"
#include "sftp/codec.h"
#include "sftp/events.h"
#include "sftp/local.h"
#include "sftp/path.h"
#include "sftp/proto.h"
#include "sftp/sftp.h"

/* A control line or a message, its '\n' included. */
#define SCP_LINE_MAX 8192
/* Input is read in large blocks: file data and lines come out of one buffer. */
#define SCP_IN_BUF (256u * 1024u)
/* Directory levels: each one is a stack frame of the recursion. */
#define SCP_DEPTH_MAX 128
/* OpenSSH's FILEMODEMASK: the sticky bit is never sent. */
#define SCP_SEND_MODE_MASK 06777
#define SCP_MODE_MAX 07777

#define W_TRUNC (SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_TRUNC)

/*
 * Return convention of the protocol steps: 0 to go on (an error that only concerns
 * one file is noted in failed and reported to the client), -1 to abort the run.
 */
struct scp {
	struct sftp_local *l;
	int in, out;
	int recursive, preserve, want_dir;
	int failed; /* something was not copied: exit status 1 */
	uint8_t *ibuf;
	size_t ipos, ilen;
	uint8_t *fbuf; /* one engine read of a file being sent */
	uint32_t max_rw;
	char line[SCP_LINE_MAX];
	/* The current path: each directory level appends "/name" and cuts it back. */
	char path[SFTP_PATH_MAX];
	/* The resolved paths of the directories being sent, outermost first. */
	char *dirs[SCP_DEPTH_MAX];
	unsigned ndirs;
};

/* Times of a T line, for the next C or D. */
struct scp_times {
	int set;
	uint32_t mtime, atime;
};

/* A C or D line. */
struct scp_ctl {
	uint32_t mode;
	uint64_t size;
	const char *name;
};

/* ---- I/O ---- */

/* Everything or -1 (an error, or the stop signal: see sftp_write_all). */
static int
out_all(struct scp *sc, const void *buf, size_t n)
{
	if (sftp_write_all(sc->out, buf, n) == 0)
		return 0;
	log_info("scp: write to client: %s", strerror(errno));
	return -1;
}

static int
out_ok(struct scp *sc)
{
	return out_all(sc, "", 1);
}

/*
 * Before blocking for input, queued events go out as the SFTP serve loop sends
 * them (when due), so transfer events do not wait for the end of the session.
 */
static int
flush_events_or_wait(struct scp *sc)
{
	int due;

	while ((due = ev_flush_due()) > 0) {
		/* EINTR is the stop signal (installed without SA_RESTART): the run ends
		 */
		int r = io_wait(sc->in, POLLIN, due, sftp_stop_flag());
		if (r != 0)
			return 0;
		if (*sftp_stop_flag())
			return -1;
	}
	if (due == 0)
		ev_flush();
	return 0;
}

/* 1 when input is buffered, 0 at its end, -1 on an error or the stop signal (EINTR). */
static int
in_fill(struct scp *sc)
{
	ssize_t n;

	if (sc->ipos < sc->ilen)
		return 1;
	if (flush_events_or_wait(sc) != 0)
		return -1;
	for (;;) {
		n = read(sc->in, sc->ibuf, SCP_IN_BUF);
		if (n >= 0)
			break;
		if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
		    io_wait(sc->in, POLLIN, -1, sftp_stop_flag()) == 1)
			continue;
		log_info("scp: read from client: %s", strerror(errno));
		return -1;
	}
	sc->ipos = 0;
	sc->ilen = (size_t)n;
	return n > 0;
}

static int
in_byte(struct scp *sc, uint8_t *c)
{
	int rc = in_fill(sc);

	if (rc > 0)
		*c = sc->ibuf[sc->ipos++];
	return rc;
}

/*
 * One line into sc->line without its '\n', NUL-terminated. 1 with *len set, 0 at
 * the end of input before any byte, -1 otherwise (*why says what was wrong with
 * the input; NULL for a read error, nothing can be sent then).
 */
static int
in_line(struct scp *sc, size_t *len, const char **why)
{
	size_t n = 0;

	*why = NULL;
	for (;;) {
		int rc = in_fill(sc);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (n == 0)
				return 0;
			*why = "lost connection";
			return -1;
		}
		const uint8_t *p = sc->ibuf + sc->ipos;
		size_t avail = sc->ilen - sc->ipos;
		const uint8_t *nl = memchr(p, '\n', avail);
		size_t take = nl != NULL ? (size_t)(nl - p) : avail;
		/* n + take bytes and the '\n' must fit SCP_LINE_MAX */
		if (take >= SCP_LINE_MAX - n) {
			*why = "line too long";
			return -1;
		}
		memcpy(sc->line + n, p, take);
		n += take;
		sc->ipos += take + (nl != NULL);
		if (nl != NULL) {
			sc->line[n] = '\0';
			*len = n;
			return 1;
		}
	}
}

/*
 * "\x01scp: <text>\n", OpenSSH's run_err(): the peer shows it and counts an error.
 * Notes the failure here too. 0, or -1 when it could not be sent.
 */
static int __attribute__((format(printf, 2, 3)))
send_err(struct scp *sc, const char *fmt, ...)
{
	char m[SCP_LINE_MAX];
	const size_t pre = sizeof("\x01scp: ") - 1;
	size_t n;
	va_list ap;

	memcpy(m, "\x01scp: ", pre);
	va_start(ap, fmt);
	vsnprintf(m + pre, sizeof(m) - pre - 1, fmt, ap);
	va_end(ap);
	n = pre + strlen(m + pre);
	/* A newline in a name would end the line early and desynchronise the peer. */
	for (size_t i = pre; i < n; i++)
		if (m[i] == '\n')
			m[i] = '?';
	log_info("scp: %s", m + pre);
	m[n++] = '\n';
	sc->failed = 1;
	return out_all(sc, m, n);
}

/* An error that ends the run: reported, then -1 whatever the write did. */
static int
protocol_error(struct scp *sc, const char *why)
{
	send_err(sc, "protocol error: %s", why);
	return -1;
}

/* The engine's reply could not be decoded: nothing it says can be trusted now. */
static int
engine_fatal(struct scp *sc)
{
	send_err(sc, "internal error: %s", sftp_local_error(sc->l));
	return -1;
}

static const char *
engine_msg(const struct scp *sc, int rc)
{
	const char *m = sftp_local_error(sc->l);

	return m[0] != '\0' ? m : sftp_status_text((uint32_t)rc);
}

/* An engine failure for sc->path, reported to the client (the run goes on). */
static int
send_engine_err(struct scp *sc, int rc)
{
	if (rc < 0)
		return engine_fatal(sc);
	return send_err(sc, "%s: %s", sc->path, engine_msg(sc, rc));
}

/* For steps that skip an item: 1 once the refusal is reported, -1 if it was not. */
static int
refuse(struct scp *sc, const char *why)
{
	return send_err(sc, "%s: %s", sc->path, why) != 0 ? -1 : 1;
}

static int
refuse_engine(struct scp *sc, int rc)
{
	return send_engine_err(sc, rc) != 0 ? -1 : 1;
}

/*
 * The peer's answer, OpenSSH's response(): 0 ok, 1 an error it reported (logged,
 * counted; the item is skipped), -1 a fatal one or the end of the connection.
 */
static int
response(struct scp *sc)
{
	const char *why;
	size_t len;
	uint8_t c;
	int rc = in_byte(sc, &c);

	if (rc <= 0) {
		if (rc == 0)
			log_info("scp: lost connection");
		return -1;
	}
	if (c == 0)
		return 0;
	if (in_line(sc, &len, &why) <= 0) {
		log_info("scp: %s", why != NULL ? why : "lost connection");
		return -1;
	}
	sc->failed = 1;
	if (c == 1 || c == 2)
		log_info("scp: client: %s", sc->line);
	else
		log_info("scp: client: %c%s", c, sc->line);
	/* like OpenSSH, any byte but 0 and 1 ends the transfer */
	return c == 1 ? 1 : -1;
}

/* ---- paths ---- */

/*
 * Appends "/name" to sc->path (no second '/' after one, nothing before a relative
 * name in the start directory); *saved restores it. -1 when too long.
 */
static int
path_push(struct scp *sc, const char *name, size_t *saved)
{
	size_t n = strlen(sc->path), nl = strlen(name);
	int slash = n > 0 && sc->path[n - 1] != '/';

	*saved = n;
	if (nl >= sizeof(sc->path) - n - (size_t)slash)
		return -1;
	if (slash)
		sc->path[n++] = '/';
	memcpy(sc->path + n, name, nl + 1);
	return 0;
}

static void
path_pop(struct scp *sc, size_t saved)
{
	sc->path[saved] = '\0';
}

static int
path_set(struct scp *sc, const char *p)
{
	return strlcpy(sc->path, p, sizeof(sc->path)) < sizeof(sc->path) ? 0 : -1;
}

/* ---- sink (-t) ---- */

/* Digits of base 8 or 10 only, at least one, value <= max; *pp moves past them. */
static int
parse_num(const char **pp, unsigned base, uint64_t max, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (*p < '0' || *p >= (char)('0' + base))
		return -1;
	for (; *p >= '0' && *p < (char)('0' + base); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (max - d) / base)
			return -1;
		v = v * base + d;
	}
	*pp = p;
	*out = v;
	return 0;
}

/* A number followed by the byte sep: NULL, or what is wrong. */
static const char *
parse_field(const char **pp, unsigned base, uint64_t max, char sep, uint64_t *out,
            const char *what)
{
	if (parse_num(pp, base, max, out) != 0 || **pp != sep)
		return what;
	if (sep != '\0')
		(*pp)++;
	return NULL;
}

/* "T<mtime> <usec> <atime> <usec>" (len bytes): NULL, or what is wrong. */
static const char *
parse_times(const char *line, size_t len, struct scp_times *t)
{
	const char *p = line + 1, *why;
	uint64_t mt, at, usec;

	if ((why = parse_field(&p, 10, UINT64_MAX, ' ', &mt, "bad mtime.sec")) ||
	    (why = parse_field(&p, 10, 999999, ' ', &usec, "bad mtime.usec")) ||
	    (why = parse_field(&p, 10, UINT64_MAX, ' ', &at, "bad atime.sec")) ||
	    (why = parse_field(&p, 10, 999999, '\0', &usec, "bad atime.usec")))
		return why;
	if ((size_t)(p - line) != len)
		return "bad atime.usec";
	/* SFTP v3 times are 32-bit: like OpenSSH with times time_t cannot hold, the
	 * file is still copied, only its times are not set. */
	t->set = mt <= UINT32_MAX && at <= UINT32_MAX;
	if (!t->set)
		log_info("scp: times out of range ignored");
	t->mtime = (uint32_t)mt;
	t->atime = (uint32_t)at;
	return NULL;
}

/*
 * "C<mode> <size> <name>" or "D<mode> 0 <name>" (len bytes, NUL-terminated): NULL,
 * or what is wrong. The name is one component the sink may create.
 */
static const char *
parse_ctl(const char *line, size_t len, struct scp_ctl *c)
{
	const char *p = line + 1, *why;
	uint64_t mode;

	if ((why = parse_field(&p, 8, SCP_MODE_MAX, ' ', &mode, "bad mode")) ||
	    (why = parse_field(&p, 10, INT64_MAX, ' ', &c->size, "bad size")))
		return why;
	c->mode = (uint32_t)mode;
	c->name = p;
	if (*p == '\0' || strchr(p, '/') != NULL || strcmp(p, ".") == 0 ||
	    strcmp(p, "..") == 0 || strlen(line) != len)
		return "unexpected filename";
	return NULL;
}

/* Reads size bytes of file data into h; a write error is kept in err, not fatal. */
static int
recv_data(struct scp *sc, const struct sftp_lhandle *h, uint64_t size, char *err,
          size_t errsz)
{
	uint64_t off = 0;

	while (off < size) {
		int rc = in_fill(sc);
		if (rc <= 0)
			return rc == 0 ? protocol_error(sc, "lost connection") : -1;
		size_t n = sc->ilen - sc->ipos;
		if (n > size - off)
			n = (size_t)(size - off);
		if (n > sc->max_rw)
			n = sc->max_rw;
		/* after a failed write the rest is still read to stay in sync */
		if (err[0] == '\0') {
			rc = sftp_local_write(sc->l, h, off, sc->ibuf + sc->ipos,
			                      (uint32_t)n);
			if (rc < 0)
				return engine_fatal(sc);
			if (rc != SSH_FX_OK)
				strlcpy(err, engine_msg(sc, rc), errsz);
		}
		sc->ipos += n;
		off += n;
	}
	return 0;
}

/* -p: the sent mode; a T line: its times. Keeps the engine's error in err. */
static int
apply_meta(struct scp *sc, uint32_t mode, const struct scp_times *t, char *err,
           size_t errsz)
{
	struct sftp_attrs a = {0};
	int rc;

	if (sc->preserve) {
		a.flags |= SSH_FILEXFER_ATTR_PERMISSIONS;
		a.perm = mode;
	}
	if (t->set) {
		a.flags |= SSH_FILEXFER_ATTR_ACMODTIME;
		a.mtime = t->mtime;
		a.atime = t->atime;
	}
	if (a.flags == 0)
		return 0;
	rc = sftp_local_setstat(sc->l, sc->path, &a);
	if (rc < 0)
		return engine_fatal(sc);
	if (rc != SSH_FX_OK)
		strlcpy(err, engine_msg(sc, rc), errsz);
	return 0;
}

/*
 * Closes a transfer's handle (an atomic upload is renamed here): a failure is kept
 * in err unless an earlier one is there; -1 when the engine cannot be trusted.
 */
static int
close_keep_err(struct scp *sc, const struct sftp_lhandle *h, char *err, size_t errsz)
{
	int rc = sftp_local_close(sc->l, h);

	if (rc < 0)
		return engine_fatal(sc);
	if (rc != SSH_FX_OK && err[0] == '\0')
		strlcpy(err, engine_msg(sc, rc), errsz);
	return 0;
}

/* The answer to a C line or to the end of a directory: '\0' or the first error. */
static int
send_status(struct scp *sc, const char *err)
{
	return err[0] == '\0' ? out_ok(sc) : send_err(sc, "%s: %s", sc->path, err);
}

/* A file into sc->path. A refused open is answered at once: the source skips it. */
static int
recv_file(struct scp *sc, const struct scp_ctl *c, const struct scp_times *t)
{
	/* a new file gets the sent mode minus the umask, as with OpenSSH's sink */
	struct sftp_attrs a = {.flags = SSH_FILEXFER_ATTR_PERMISSIONS,
	                       .perm = c->mode & 0777};
	struct sftp_lhandle h;
	char err[256] = "";
	int rc = sftp_local_open(sc->l, sc->path, W_TRUNC, &a, &h);

	if (rc != SSH_FX_OK)
		return send_engine_err(sc, rc);
	if (out_ok(sc) != 0 || recv_data(sc, &h, c->size, err, sizeof(err)) != 0)
		return -1;
	/* the source's status: an error it reports is counted, the file is kept */
	if (response(sc) < 0)
		return -1;
	if (close_keep_err(sc, &h, err, sizeof(err)) != 0)
		return -1;
	if (err[0] == '\0' && apply_meta(sc, c->mode, t, err, sizeof(err)) != 0)
		return -1;
	return send_status(sc, err);
}

/* Makes sure sc->path is a directory: 0, 1 when refused (reported), -1 fatal. */
static int
make_dir(struct scp *sc, uint32_t mode)
{
	struct sftp_attrs a;
	int rc = sftp_local_stat(sc->l, sc->path, &a);

	if (rc == SSH_FX_OK) {
		if ((a.flags & SSH_FILEXFER_ATTR_PERMISSIONS) && S_ISDIR(a.perm))
			return 0;
		return refuse(sc, "Not a directory");
	}
	if (rc == SSH_FX_NO_SUCH_FILE) {
		/* owner rwx so the copy can fill it, whatever the sent mode says */
		a.flags = SSH_FILEXFER_ATTR_PERMISSIONS;
		a.perm = (mode & 0777) | 0700;
		rc = sftp_local_mkdir(sc->l, sc->path, &a);
		if (rc == SSH_FX_OK)
			return 0;
	}
	return refuse_engine(sc, rc);
}

static int sink_level(struct scp *sc, unsigned depth, int targisdir);

/*
 * A directory: created (or an existing one used), its content at the next level.
 * The 'E' that ends it is answered here, after its times and mode are applied, so
 * a failure to apply them is reported in the answer the source waits for.
 */
static int
recv_dir(struct scp *sc, const struct scp_ctl *c, const struct scp_times *t,
         unsigned depth)
{
	char err[256] = "";
	int rc = make_dir(sc, c->mode);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (out_ok(sc) != 0 || sink_level(sc, depth + 1, 1) != 0)
		return -1;
	if (apply_meta(sc, c->mode, t, err, sizeof(err)) != 0)
		return -1;
	return send_status(sc, err);
}

/* A C or D line; the path is the target itself or target/name. */
static int
sink_entry(struct scp *sc, size_t len, int targisdir, const struct scp_times *t,
           unsigned depth)
{
	struct scp_ctl c;
	const char *why = parse_ctl(sc->line, len, &c);
	int is_dir = sc->line[0] == 'D';
	size_t saved = strlen(sc->path);
	int rc;

	if (why != NULL)
		return protocol_error(sc, why);
	if (is_dir && !sc->recursive)
		return protocol_error(sc, "received directory without -r");
	if (is_dir && depth + 1 >= SCP_DEPTH_MAX)
		return protocol_error(sc, "too many directory levels");
	if (targisdir && path_push(sc, c.name, &saved) != 0)
		return send_err(sc, "%s/%.255s: File name too long", sc->path, c.name);
	rc = is_dir ? recv_dir(sc, &c, t, depth) : recv_file(sc, &c, t);
	path_pop(sc, saved);
	return rc;
}

/*
 * One directory level, OpenSSH's sink(): lines until the end of input (top level)
 * or an 'E' (nested levels; the caller answers it). 0, or -1 to abort.
 */
static int
sink_level(struct scp *sc, unsigned depth, int targisdir)
{
	struct scp_times t = {0};
	const char *why;
	size_t len;

	for (;;) {
		int rc = in_line(sc, &len, &why);
		if (rc < 0)
			return why != NULL ? protocol_error(sc, why) : -1;
		if (rc == 0 && depth > 0)
			return protocol_error(sc, "lost connection inside a directory");
		if (rc == 0)
			return 0;
		switch (sc->line[0]) {
		case '\x01': /* the source could not send something: it goes on */
		case '\x02': /* the source gives up */
			log_info("scp: client: %s", sc->line + 1);
			sc->failed = 1;
			if (sc->line[0] == '\x02')
				return -1;
			continue;
		case 'E':
			if (len != 1 || depth == 0)
				return protocol_error(sc, "unexpected E");
			return 0;
		case 'T':
			if ((why = parse_times(sc->line, len, &t)) != NULL)
				return protocol_error(sc, why);
			if (out_ok(sc) != 0)
				return -1;
			continue;
		case 'C':
		case 'D':
			rc = sink_entry(sc, len, targisdir, &t, depth);
			t.set = 0;
			if (rc != 0)
				return -1;
			continue;
		default:
			return protocol_error(sc, "expected control record");
		}
	}
}

static int
run_sink(struct scp *sc, const char *target)
{
	struct sftp_attrs a;
	int rc, targisdir;

	if (path_set(sc, target) != 0)
		return protocol_error(sc, "target name too long");
	rc = sftp_local_stat(sc->l, sc->path, &a);
	if (rc < 0)
		return engine_fatal(sc);
	targisdir = rc == SSH_FX_OK && (a.flags & SSH_FILEXFER_ATTR_PERMISSIONS) &&
	            S_ISDIR(a.perm);
	/* -d (several sources): checked before the first answer, as OpenSSH does */
	if (sc->want_dir && !targisdir) {
		send_err(sc, "%s: %s", sc->path,
		         rc == SSH_FX_OK ? "Not a directory" : engine_msg(sc, rc));
		return -1;
	}
	if (out_ok(sc) != 0)
		return -1;
	return sink_level(sc, 0, targisdir);
}

/* ---- source (-f) ---- */

static int
copy_name(struct scp *sc, const char *last, char *name, size_t namesz)
{
	/* the line ends at a newline: such a name cannot be sent */
	if (strchr(last, '\n') != NULL || strlcpy(name, last, namesz) >= namesz)
		return refuse(sc, "unexpected filename");
	return 0;
}

/*
 * The name the sink is sent for sc->path: its last component. "/", "." and ".."
 * (and paths ending in them) have none a sink accepts, so the last component of
 * the engine's real path is used; the root itself has no name and is refused.
 * 0, 1 when refused (reported), -1 fatal.
 */
static int
send_name(struct scp *sc, char *name, size_t namesz)
{
	const char *last = strrchr(sc->path, '/');

	last = last != NULL ? last + 1 : sc->path;
	if (*last != '\0' && strcmp(last, ".") != 0 && strcmp(last, "..") != 0)
		return copy_name(sc, last, name, namesz);
	char real[SFTP_PATH_MAX];
	int rc = sftp_local_realpath(sc->l, sc->path, real, sizeof(real));
	if (rc != SSH_FX_OK)
		return refuse_engine(sc, rc);
	last = strrchr(real, '/');
	last = last != NULL ? last + 1 : real;
	if (*last == '\0')
		return refuse(sc, "the root directory has no name to send");
	return copy_name(sc, last, name, namesz);
}

/* -p: the T line first; then the C or D line. 0, 1 when refused, -1 fatal. */
static int
send_header(struct scp *sc, char type, const struct sftp_attrs *a, uint64_t size,
            const char *name)
{
	char buf[SCP_LINE_MAX];
	int n;

	if (sc->preserve) {
		int rc;
		n = snprintf(buf, sizeof(buf), "T%" PRIu32 " 0 %" PRIu32 " 0\n", a->mtime,
		             a->atime);
		if (out_all(sc, buf, (size_t)n) != 0)
			return -1;
		if ((rc = response(sc)) != 0)
			return rc;
	}
	n = snprintf(buf, sizeof(buf), "%c%04o %" PRIu64 " %s\n", type,
	             (unsigned)(a->perm & SCP_SEND_MODE_MASK), size, name);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return refuse(sc, "File name too long");
	if (out_all(sc, buf, (size_t)n) != 0)
		return -1;
	return response(sc);
}

/* Up to want bytes at off into fbuf (*got fewer at the end of the file). */
static int
read_chunk(struct scp *sc, const struct sftp_lhandle *h, uint64_t off, uint32_t want,
           uint32_t *got, char *err, size_t errsz)
{
	*got = 0;
	while (*got < want) {
		uint32_t n;
		int rc = sftp_local_read(sc->l, h, off + *got, sc->fbuf + *got,
		                         want - *got, &n);
		if (rc < 0)
			return engine_fatal(sc);
		if (rc == SSH_FX_EOF || (rc == SSH_FX_OK && n == 0)) {
			strlcpy(err, "file shrank while being sent", errsz);
			return 0;
		}
		if (rc != SSH_FX_OK) {
			strlcpy(err, engine_msg(sc, rc), errsz);
			return 0;
		}
		*got += n;
	}
	return 0;
}

/*
 * Exactly size bytes: after a read error (kept in err) the rest is zeros, so the
 * sink stays in sync; the error follows in place of the final '\0'.
 */
static int
send_data(struct scp *sc, const struct sftp_lhandle *h, uint64_t size, char *err,
          size_t errsz)
{
	uint64_t off = 0;

	while (off < size) {
		uint32_t want =
		    size - off < sc->max_rw ? (uint32_t)(size - off) : sc->max_rw;
		uint32_t got = 0;
		if (err[0] == '\0' && read_chunk(sc, h, off, want, &got, err, errsz) != 0)
			return -1;
		memset(sc->fbuf + got, 0, want - got);
		if (out_all(sc, sc->fbuf, want) != 0)
			return -1;
		off += want;
	}
	return 0;
}

static int
close_quiet(struct scp *sc, const struct sftp_lhandle *h)
{
	return sftp_local_close(sc->l, h) < 0 ? engine_fatal(sc) : 0;
}

static int
send_file(struct scp *sc, const struct sftp_attrs *a)
{
	char name[NAME_MAX + 1], err[256] = "";
	struct sftp_lhandle h;
	int rc = send_name(sc, name, sizeof(name));

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (!(a->flags & SSH_FILEXFER_ATTR_SIZE))
		return send_err(sc, "%s: size unknown", sc->path);
	rc = sftp_local_open(sc->l, sc->path, SSH_FXF_READ, NULL, &h);
	if (rc != SSH_FX_OK)
		return send_engine_err(sc, rc);
	rc = send_header(sc, 'C', a, a->size, name);
	if (rc != 0)
		return close_quiet(sc, &h) != 0 || rc < 0 ? -1 : 0;
	if (send_data(sc, &h, a->size, err, sizeof(err)) != 0)
		return -1;
	if (close_keep_err(sc, &h, err, sizeof(err)) != 0)
		return -1;
	if (send_status(sc, err) != 0)
		return -1;
	return response(sc) < 0 ? -1 : 0;
}

/* Names of a directory, "." and ".." left out. */
struct scp_names {
	char **v;
	size_t n, cap;
	int oom;
};

static int
names_add(const char *name, const struct sftp_attrs *a, void *ud)
{
	struct scp_names *nm = ud;

	(void)a;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	if (nm->n == nm->cap) {
		size_t cap = nm->cap != 0 ? nm->cap * 2 : 64;
		char **v = reallocarray(nm->v, cap, sizeof(*v));
		if (v == NULL) {
			nm->oom = 1;
			return 1;
		}
		nm->v = v;
		nm->cap = cap;
	}
	if ((nm->v[nm->n] = strdup(name)) == NULL) {
		nm->oom = 1;
		return 1;
	}
	nm->n++;
	return 0;
}

static void
names_free(struct scp_names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The whole listing first, in name order: no directory handle stays open while
 * the level below is sent (handles are limited), and the order is stable.
 * 0, 1 when refused (reported), -1 fatal.
 */
static int
list_dir(struct scp *sc, struct scp_names *nm)
{
	struct sftp_lhandle h;
	char err[256] = "";
	int rc = sftp_local_opendir(sc->l, sc->path, &h), crc;

	if (rc != SSH_FX_OK)
		return refuse_engine(sc, rc);
	do
		rc = sftp_local_readdir(sc->l, &h, names_add, nm);
	while (rc == SSH_FX_OK && !nm->oom);
	if (rc > SSH_FX_EOF)
		strlcpy(err, engine_msg(sc, rc), sizeof(err));
	crc = sftp_local_close(sc->l, &h);
	if (rc < 0 || crc < 0)
		return engine_fatal(sc);
	if (nm->oom)
		strlcpy(err, "out of memory", sizeof(err));
	if (err[0] != '\0')
		return refuse(sc, err);
	if (nm->n > 1)
		qsort(nm->v, nm->n, sizeof(*nm->v), name_cmp);
	return 0;
}

static int send_path(struct scp *sc, unsigned depth);

static int
send_entries(struct scp *sc, const struct scp_names *nm, unsigned depth)
{
	for (size_t i = 0; i < nm->n; i++) {
		size_t saved;
		int rc;
		if (path_push(sc, nm->v[i], &saved) != 0) {
			rc = send_err(sc, "%s/%.255s: File name too long", sc->path,
			              nm->v[i]);
		} else {
			rc = send_path(sc, depth + 1);
			path_pop(sc, saved);
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

/*
 * Whether sc->path is, through a symlink, a directory being sent already: 0 and
 * pushed onto sc->dirs (the caller pops), 1 when refused (reported), -1 fatal.
 * OpenSSH's scp follows such a link until the path is too long, sending the
 * tree again at every level; rsync and cp -r stop at the loop, as here.
 */
static int
enter_dir(struct scp *sc)
{
	char real[SFTP_PATH_MAX];
	int rc = sftp_local_resolve(sc->l, sc->path, real, sizeof(real));

	if (rc != SSH_FX_OK)
		return refuse(sc, "cannot resolve the path");
	for (unsigned i = 0; i < sc->ndirs; i++)
		if (strcmp(sc->dirs[i], real) == 0)
			return send_err(sc,
			                "%s: directory loop: it is %.1024s, being sent "
			                "already",
			                sc->path, real) != 0
			           ? -1
			           : 1;
	if (sc->ndirs >= SCP_DEPTH_MAX || (sc->dirs[sc->ndirs] = strdup(real)) == NULL)
		return refuse(sc, "out of memory");
	sc->ndirs++;
	return 0;
}

static void
leave_dir(struct scp *sc)
{
	free(sc->dirs[--sc->ndirs]);
}

/* OpenSSH's rsource(): T (with -p), D, the entries, E. */
static int
send_dir(struct scp *sc, const struct sftp_attrs *a, unsigned depth)
{
	char name[NAME_MAX + 1];
	struct scp_names nm = {0};
	int rc;

	if (depth + 1 >= SCP_DEPTH_MAX)
		return send_err(sc, "%s: too many directory levels", sc->path);
	if ((rc = enter_dir(sc)) != 0)
		return rc < 0 ? -1 : 0;
	rc = send_name(sc, name, sizeof(name));
	if (rc == 0)
		rc = list_dir(sc, &nm);
	if (rc == 0)
		rc = send_header(sc, 'D', a, 0, name);
	if (rc == 0)
		rc = send_entries(sc, &nm, depth);
	names_free(&nm);
	leave_dir(sc);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (out_all(sc, "E\n", 2) != 0)
		return -1;
	return response(sc) < 0 ? -1 : 0;
}

static int
send_path(struct scp *sc, unsigned depth)
{
	struct sftp_attrs a;
	int rc = sftp_local_stat(sc->l, sc->path, &a);

	if (rc != SSH_FX_OK)
		return send_engine_err(sc, rc);
	if (!(a.flags & SSH_FILEXFER_ATTR_PERMISSIONS))
		return send_err(sc, "%s: not a regular file", sc->path);
	if (S_ISDIR(a.perm) && sc->recursive)
		return send_dir(sc, &a, depth);
	if (!S_ISREG(a.perm))
		return send_err(sc, "%s: not a regular file", sc->path);
	return send_file(sc, &a);
}

static int
run_source(struct scp *sc, int npaths, char *const paths[])
{
	/* the sink's first '\0': it is ready */
	if (response(sc) < 0)
		return -1;
	for (int i = 0; i < npaths; i++) {
		size_t len;
		if (path_set(sc, paths[i]) != 0) {
			if (send_err(sc, "%.100s...: File name too long", paths[i]) != 0)
				return -1;
			continue;
		}
		/* "dir/" names dir, as in OpenSSH */
		len = strlen(sc->path);
		while (len > 1 && sc->path[len - 1] == '/')
			sc->path[--len] = '\0';
		if (send_path(sc, 0) != 0)
			return -1;
	}
	return 0;
}

/* ---- options ---- */

/* One option word ("-p", "-pr"): NULL, or why it is refused. */
static const char *
parse_flags(struct scp *sc, const char *a, char *mode, char *why, size_t whysz)
{
	for (a++; *a != '\0'; a++) {
		switch (*a) {
		case 'v':
			break;
		case 'r':
			sc->recursive = 1;
			break;
		case 'p':
			sc->preserve = 1;
			break;
		case 'd':
			sc->want_dir = 1;
			break;
		case 't':
		case 'f':
			if (*mode != 0 && *mode != *a)
				return "-t and -f are exclusive";
			*mode = *a;
			break;
		default:
			snprintf(why, whysz, "unknown option -%c", *a);
			return why;
		}
	}
	return NULL;
}

/*
 * "[-v] [-r] [-p] [-d] -t|-f [--] path...". NULL with *mode ('t' or 'f') and
 * *first (index of the first path), or why not.
 */
static const char *
parse_opts(struct scp *sc, int argc, char *const argv[], char *mode, int *first,
           char *why, size_t whysz)
{
	int i;

	*mode = 0;
	if (argc < 1 || argv == NULL)
		return "no arguments";
	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			break;
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		const char *bad = parse_flags(sc, argv[i], mode, why, whysz);
		if (bad != NULL)
			return bad;
	}
	if (*mode == 0)
		return "-t or -f required";
	if (i >= argc)
		return "no path given";
	if (*mode == 't' && argc - i != 1)
		return "ambiguous target";
	*first = i;
	return NULL;
}

static int
run(struct scp *sc, int argc, char *const argv[])
{
	char mode = 0, why[64];
	int first = 0;
	const char *bad = parse_opts(sc, argc, argv, &mode, &first, why, sizeof(why));

	if (bad != NULL) {
		send_err(sc, "%s", bad);
		return -1;
	}
	/* a chunk size of 0 would never move the data loops forward */
	sc->max_rw = sftp_local_max_rw(sc->l);
	if (sc->max_rw == 0) {
		send_err(sc, "internal error: no transfer size");
		return -1;
	}
	sc->ibuf = malloc(SCP_IN_BUF);
	sc->fbuf = mode == 'f' ? malloc(sc->max_rw) : NULL;
	if (sc->ibuf == NULL || (mode == 'f' && sc->fbuf == NULL)) {
		send_err(sc, "out of memory");
		return -1;
	}
	if (mode == 't')
		return run_sink(sc, argv[first]);
	return run_source(sc, argc - first, argv + first);
}

int
scp_run(struct sftp_local *l, int in, int out, int argc, char *const argv[])
{
	struct scp *sc = calloc(1, sizeof(*sc));
	int rc;

	if (sc == NULL) {
		static const char oom[] = "\x01scp: out of memory\n";
		log_error("scp: out of memory");
		if (write(out, oom, sizeof(oom) - 1) < 0)
			log_info("scp: write to client: %s", strerror(errno));
		return 1;
	}
	sc->l = l;
	sc->in = in;
	sc->out = out;
	rc = run(sc, argc, argv);
	ev_flush();
	rc = rc != 0 || sc->failed;
	free(sc->ibuf);
	free(sc->fbuf);
	free(sc);
	return rc;
}
