/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The JSON log file in SFTPGo 0.9's shape, with lumberjack-style rotation.
 *
 * Lines are built by hand (common/jsonutil.h) because the key order is a contract:
 * fail2ban's filter matches "sender","client_ip","username","login_type" in a row.
 * Each line is written with a single write(2) on an O_APPEND descriptor, so lines
 * never interleave. Rotation happens before a write that would push the file past
 * max_size_mb: the file is renamed to <name>-<UTC time>.<ext> (as lumberjack, which
 * SFTPGo uses, names it), a new file is opened, the backup is gzipped when asked
 * and old backups are pruned. All of it runs in the writing process, before the
 * line is written, so no line is lost or lands in a half-compressed file.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "common/buf.h"
#include "common/jsonutil.h"
#include "common/io.h"
#include "logfile/internal.h"
#include "logfile/logfile.h"

/* An attacker picks usernames and paths: cap every field so a line stays bounded. */
#define LOG_FIELD_MAX 8192
#define LOG_LINE_MAX (1024 * 1024)
#define BACKUP_TIME_FMT "%Y-%m-%dT%H-%M-%S"

static struct {
	pthread_mutex_t mu;
	int fd;     /* -1: stderr */
	char *path; /* absolute or relative as given; NULL: stderr */
	long long max_size;
	int max_backups;
	int max_age_days;
	bool compress;
	bool verbose;
	long long size;
	int fixed_clock;
	struct timespec fixed_now;
} L = {.mu = PTHREAD_MUTEX_INITIALIZER, .fd = -1, .verbose = true};

void
log_test_set_clock(const struct timespec *now)
{
	pthread_mutex_lock(&L.mu);
	L.fixed_clock = now != NULL;
	if (now != NULL)
		L.fixed_now = *now;
	pthread_mutex_unlock(&L.mu);
}

static void
now_ts(struct timespec *ts)
{
	if (L.fixed_clock)
		*ts = L.fixed_now;
	else
		clock_gettime(CLOCK_REALTIME, ts);
}

/* Local time with milliseconds, no zone: 2006-01-02T15:04:05.000 (SFTPGo's format). */
static void
format_time(char *out, size_t outlen)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	now_ts(&ts);
	if (localtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(base, sizeof(base), "1970-01-01T00:00:00");
	snprintf(out, outlen, "%s.%03ld", base, ts.tv_nsec / 1000000);
}

/* ---- line building ---- */

static int
line_begin(struct wbuf *w, enum log_level l, const char *sender)
{
	char t[48];

	if (wbuf_init(w, 256, LOG_LINE_MAX) < 0)
		return -1;
	format_time(t, sizeof(t));
	wbuf_put_u8(w, '{');
	json_put_kv_str(w, 1, "level", log_level_name(l), LOG_FIELD_MAX);
	json_put_kv_str(w, 0, "time", t, LOG_FIELD_MAX);
	return json_put_kv_str(w, 0, "sender", sender, LOG_FIELD_MAX);
}

static void
kv_str(struct wbuf *w, const char *key, const char *v)
{
	json_put_kv_str(w, 0, key, v, LOG_FIELD_MAX);
}

static void
kv_int(struct wbuf *w, const char *key, int64_t v)
{
	json_put_kv_int(w, 0, key, v);
}

/* ---- the file and its rotation ---- */

static int
out_fd(void)
{
	return L.fd >= 0 ? L.fd : STDERR_FILENO;
}

static int
open_file(void)
{
	struct stat st;
	int fd = open(L.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if (L.fd >= 0)
		close(L.fd);
	L.fd = fd;
	L.size = st.st_size;
	return 0;
}

/* Splits L.path into dir, "base-" prefix and ".ext" (lumberjack's naming). */
static void
backup_parts(char *dir, size_t dl, char *prefix, size_t pl, char *ext, size_t el)
{
	const char *slash = strrchr(L.path, '/');
	const char *name = slash != NULL ? slash + 1 : L.path;
	const char *dot = strrchr(name, '.');
	size_t baselen = dot != NULL && dot != name ? (size_t)(dot - name) : strlen(name);

	if (slash == NULL)
		snprintf(dir, dl, ".");
	else if (slash == L.path)
		snprintf(dir, dl, "/");
	else
		snprintf(dir, dl, "%.*s", (int)(slash - L.path), L.path);
	snprintf(prefix, pl, "%.*s-", (int)baselen, name);
	snprintf(ext, el, "%s", dot != NULL && dot != name ? dot : "");
}

static int
path_exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

static int
gzip_file(const char *src)
{
	char dst[PATH_MAX], tmp[PATH_MAX], buf[65536];
	int in, out;
	gzFile gz;
	ssize_t r;
	int ok = 1;

	if (snprintf(dst, sizeof(dst), "%s.gz", src) >= (int)sizeof(dst) ||
	    snprintf(tmp, sizeof(tmp), "%s.gz.tmp", src) >= (int)sizeof(tmp))
		return -1;
	in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0)
		return -1;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0) {
		close(in);
		return -1;
	}
	gz = gzdopen(out, "wb");
	if (gz == NULL) {
		close(out);
		close(in);
		unlink(tmp);
		return -1;
	}
	while (ok && (r = read(in, buf, sizeof(buf))) != 0) {
		if (r < 0) {
			ok = errno == EINTR;
			continue;
		}
		ok = gzwrite(gz, buf, (unsigned)r) == (int)r;
	}
	close(in);
	if (gzclose(gz) != Z_OK)
		ok = 0;
	if (!ok || rename(tmp, dst) < 0) {
		unlink(tmp);
		return -1;
	}
	return unlink(src);
}

struct backup {
	char *name;
	long long ms; /* the time in the name, ms since the epoch (UTC) */
	int gz;
};

static int
cmp_backup_newest_first(const void *a, const void *b)
{
	const struct backup *x = a, *y = b;

	if (x->ms != y->ms)
		return x->ms < y->ms ? 1 : -1;
	return strcmp(y->name, x->name);
}

/* prefix<YYYY-MM-DDTHH-MM-SS.mmm>ext[.gz] -> ms since the epoch; -1 if not a backup */
static long long
backup_time(const char *name, const char *prefix, const char *ext, int *gz)
{
	size_t pl = strlen(prefix), el = strlen(ext), n = strlen(name);
	struct tm tm;
	const char *t, *end;
	char *endms;
	long ms;

	if (n < pl + 23 + el || strncmp(name, prefix, pl) != 0)
		return -1;
	t = name + pl;
	end = t + 23;
	*gz = 0;
	if (strcmp(end, ext) != 0) {
		if (strncmp(end, ext, el) != 0 || strcmp(end + el, ".gz") != 0)
			return -1;
		*gz = 1;
	}
	memset(&tm, 0, sizeof(tm));
	if (t[19] != '.' || strptime(t, BACKUP_TIME_FMT, &tm) != t + 19)
		return -1;
	errno = 0;
	ms = strtol(t + 20, &endms, 10);
	if (endms != end || ms < 0 || ms > 999 || errno != 0)
		return -1;
	return (long long)timegm(&tm) * 1000 + ms;
}

static void
free_backups(struct backup *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(b[i].name);
	free(b);
}

/* Lists our backups, newest first. */
static int
list_backups(const char *dir, const char *prefix, const char *ext, struct backup **out,
             size_t *outn)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct backup *v = NULL, *nv;
	size_t n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		int gz;
		long long ms = backup_time(e->d_name, prefix, ext, &gz);

		if (ms < 0)
			continue;
		nv = reallocarray(v, n + 1, sizeof(*v));
		if (nv == NULL)
			break;
		v = nv;
		v[n].name = strdup(e->d_name);
		if (v[n].name == NULL)
			break;
		v[n].ms = ms;
		v[n].gz = gz;
		n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_backup_newest_first);
	*out = v;
	*outn = n;
	return 0;
}

/*
 * Compresses leftover plain backups (when compress is on) and removes backups beyond
 * max_backups or older than max_age_days (0 = no limit, as lumberjack).
 */
static void
mill(void)
{
	char dir[PATH_MAX], prefix[NAME_MAX + 2], ext[NAME_MAX + 1], p[PATH_MAX];
	struct backup *b;
	size_t n, kept = 0;
	struct timespec now;
	long long cutoff;

	backup_parts(dir, sizeof(dir), prefix, sizeof(prefix), ext, sizeof(ext));
	if (list_backups(dir, prefix, ext, &b, &n) < 0)
		return;
	now_ts(&now);
	cutoff = ((long long)now.tv_sec - (long long)L.max_age_days * 86400) * 1000;
	for (size_t i = 0; i < n; i++) {
		int expired = L.max_age_days > 0 && b[i].ms < cutoff;
		int excess = L.max_backups > 0 && kept >= (size_t)L.max_backups;

		if (snprintf(p, sizeof(p), "%s/%s", dir, b[i].name) >= (int)sizeof(p))
			continue;
		if (expired || excess) {
			unlink(p);
			continue;
		}
		/* a plain file and its .gz are the same backup: count it once */
		if (i + 1 >= n || b[i + 1].ms != b[i].ms)
			kept++;
		if (!b[i].gz && L.compress) {
			char gzp[PATH_MAX];

			if (snprintf(gzp, sizeof(gzp), "%s.gz", p) >= (int)sizeof(gzp))
				continue;
			if (path_exists(gzp))
				unlink(p); /* compression had finished: drop the plain
				              copy */
			else
				gzip_file(p);
		}
	}
	free_backups(b, n);
}

/* A backup name is taken when the plain file or its compressed copy exists. */
static int
backup_taken(const char *bak)
{
	char g[PATH_MAX];

	if (snprintf(g, sizeof(g), "%s.gz", bak) >= (int)sizeof(g))
		return 1;
	return path_exists(bak) || path_exists(g);
}

static void
rotate(void)
{
	char dir[PATH_MAX], prefix[NAME_MAX + 2], ext[NAME_MAX + 1], bak[PATH_MAX];
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	int tries;

	backup_parts(dir, sizeof(dir), prefix, sizeof(prefix), ext, sizeof(ext));
	now_ts(&ts);
	/* two rotations in one millisecond: move the name forward, keep the pattern */
	for (tries = 0; tries < 1000; tries++) {
		long ms = ts.tv_nsec / 1000000;

		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), BACKUP_TIME_FMT, &tm);
		if (snprintf(bak, sizeof(bak), "%s/%s%s.%03ld%s", dir, prefix, stamp, ms,
		             ext) >= (int)sizeof(bak)) {
			tries = 1000;
			break;
		}
		if (!backup_taken(bak))
			break;
		ts.tv_nsec += 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_nsec -= 1000000000;
			ts.tv_sec++;
		}
	}
	if (tries == 1000 || rename(L.path, bak) < 0) {
		/* removed behind our back: start a new file; otherwise keep appending */
		if (tries == 1000 || errno != ENOENT || open_file() < 0)
			L.size = 0;
		return;
	}
	if (open_file() < 0) {
		/* the new file could not be created: go on in the renamed one */
		L.size = 0;
		return;
	}
	if (L.compress)
		gzip_file(bak);
	mill();
}

static void
emit_locked(const uint8_t *line, size_t n)
{
	if (L.fd >= 0 && L.max_size > 0 && L.size > 0 &&
	    L.size + (long long)n > L.max_size)
		rotate();
	/* nowhere to report a failing log */
	if (io_write_all(out_fd(), line, n, NULL) == 0 && L.fd >= 0)
		L.size += (long long)n;
}

/* Ends the object, writes it, frees the buffer. */
static void
line_end_write(struct wbuf *w)
{
	wbuf_put_bytes(w, "}\n", 2);
	if (!w->failed)
		emit_locked(w->p, w->len);
	wbuf_free(w);
}

/*
 * Every category line: lock, begin (level, time, sender), the caller adds its
 * fields, then line_finish writes and unlocks. A failed buffer stays failed, so a
 * line that could not be built is dropped whole, never written half.
 */
static void
line_start(struct wbuf *w, enum log_level l, const char *sender)
{
	pthread_mutex_lock(&L.mu);
	line_begin(w, l, sender);
}

static void
line_finish(struct wbuf *w)
{
	line_end_write(w);
	pthread_mutex_unlock(&L.mu);
}

static int
wanted(enum log_level l)
{
	return l != LOGL_DEBUG || L.verbose;
}

/* ---- public API ---- */

int
log_open(const struct log_config *cfg, char *err, size_t errlen)
{
	int rc = 0;

	pthread_mutex_lock(&L.mu);
	if (L.fd >= 0)
		close(L.fd);
	L.fd = -1;
	free(L.path);
	L.path = NULL;
	/* 0 means lumberjack's default of 100 MB, as SFTPGo's flag did */
	L.max_size =
	    (long long)(cfg->max_size_mb > 0 ? cfg->max_size_mb : 100) * 1024 * 1024;
	L.max_backups = cfg->max_backups;
	L.max_age_days = cfg->max_age_days;
	L.compress = cfg->compress;
	L.verbose = cfg->verbose;
	if (cfg->file_path != NULL && cfg->file_path[0] != '\0') {
		L.path = strdup(cfg->file_path);
		if (L.path == NULL || open_file() < 0) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "log file %s: %s", cfg->file_path,
				         strerror(errno));
			free(L.path);
			L.path = NULL;
			rc = -1;
		}
	}
	pthread_mutex_unlock(&L.mu);
	return rc;
}

int
log_reopen(void)
{
	int rc = 0;

	pthread_mutex_lock(&L.mu);
	if (L.path != NULL)
		rc = open_file();
	pthread_mutex_unlock(&L.mu);
	return rc;
}

void
log_close(void)
{
	pthread_mutex_lock(&L.mu);
	if (L.fd >= 0)
		close(L.fd);
	L.fd = -1;
	free(L.path);
	L.path = NULL;
	L.verbose = true;
	pthread_mutex_unlock(&L.mu);
}

static int
build_app(struct wbuf *w, enum log_level l, const char *sender, const char *message)
{
	if (line_begin(w, l, sender) < 0)
		return -1;
	if (message != NULL && message[0] != '\0')
		kv_str(w, "message", message);
	return w->failed ? -1 : 0;
}

char *
log_format_app(enum log_level l, const char *sender, const char *message)
{
	struct wbuf w;
	char *s;

	pthread_mutex_lock(&L.mu);
	if (build_app(&w, l, sender, message) < 0 || wbuf_put_bytes(&w, "}", 1) < 0) {
		pthread_mutex_unlock(&L.mu);
		wbuf_free(&w);
		return NULL;
	}
	pthread_mutex_unlock(&L.mu);
	s = strndup((const char *)w.p, w.len);
	wbuf_free(&w);
	return s;
}

void
log_vapp(enum log_level l, const char *sender, const char *fmt, va_list ap)
{
	struct wbuf w;

	pthread_mutex_lock(&L.mu);
	if (wanted(l)) {
		char msg[LOG_FIELD_MAX];

		vsnprintf(msg, sizeof(msg), fmt, ap);
		if (build_app(&w, l, sender, msg) == 0)
			line_end_write(&w);
		else
			wbuf_free(&w);
	}
	pthread_mutex_unlock(&L.mu);
}

void
log_app(enum log_level l, const char *sender, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vapp(l, sender, fmt, ap);
	va_end(ap);
}

_Static_assert(LOG_FIELD_MAX == LOG_MSG_LIMIT, "a message fits a line's field whole");

static void
file_sink(void *arg, enum log_level l, const char *message)
{
	(void)arg;
	log_app(l, "service", "%s", message);
}

void
log_file_install_sink(void)
{
	log_set_sink(file_sink, NULL, NULL);
	log_set_msg_max(LOG_MSG_LIMIT); /* as long as log_app's own messages */
}

void
log_transfer(const char *sender, int64_t elapsed_ms, int64_t size_bytes,
             const char *username, const char *file_path, const char *connection_id,
             const char *protocol)
{
	struct wbuf w;

	line_start(&w, LOGL_INFO, sender);
	kv_int(&w, "elapsed_ms", elapsed_ms);
	kv_int(&w, "size_bytes", size_bytes);
	kv_str(&w, "username", username);
	kv_str(&w, "file_path", file_path);
	kv_str(&w, "connection_id", connection_id);
	kv_str(&w, "protocol", protocol);
	line_finish(&w);
}

void
log_command(const struct log_command *c)
{
	struct wbuf w;

	line_start(&w, LOGL_INFO, c->sender);
	kv_str(&w, "username", c->username);
	kv_str(&w, "file_path", c->file_path);
	kv_str(&w, "target_path", c->target_path);
	kv_str(&w, "filemode", c->filemode);
	kv_int(&w, "uid", c->uid);
	kv_int(&w, "gid", c->gid);
	kv_str(&w, "access_time", c->access_time);
	kv_str(&w, "modification_time", c->modification_time);
	kv_str(&w, "ssh_command", c->ssh_command);
	kv_str(&w, "connection_id", c->connection_id);
	kv_str(&w, "protocol", c->protocol);
	line_finish(&w);
}

/*
 * Level debug as in SFTPGo, but written even when verbose is off: fail2ban's filter
 * depends on these lines, and SFTPGo without verbose silently broke it.
 */
void
log_connection_failed(const char *client_ip, const char *username, const char *login_type,
                      const char *error)
{
	struct wbuf w;

	line_start(&w, LOGL_DEBUG, "connection_failed");
	kv_str(&w, "client_ip", client_ip);
	kv_str(&w, "username", username);
	kv_str(&w, "login_type", login_type);
	kv_str(&w, "error", error);
	line_finish(&w);
}

void
log_http(const char *remote_addr, const char *proto, const char *method,
         const char *user_agent, const char *uri, int resp_status, int64_t resp_size,
         int64_t elapsed_ms, const char *request_id)
{
	struct wbuf w;

	/* ../shared/spec/rest-api-v1.md section 14: the six request keys sorted, then
	 * the response's */
	line_start(&w, LOGL_INFO, "httpd");
	kv_str(&w, "method", method);
	kv_str(&w, "proto", proto);
	kv_str(&w, "remote_addr", remote_addr);
	kv_str(&w, "request_id", request_id);
	kv_str(&w, "uri", uri);
	kv_str(&w, "user_agent", user_agent);
	kv_int(&w, "resp_status", resp_status);
	kv_int(&w, "resp_size", resp_size);
	kv_int(&w, "elapsed_ms", elapsed_ms);
	line_finish(&w);
}
