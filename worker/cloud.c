/* SPDX-License-Identifier: BSD-2-Clause */
/* The object store of a cloud user's worker (see worker/cloud.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/cloud.h"
#include "common/log.h"
#include "gcs/gcs.h"
#include "s3/s3.h"
#include "sftp/objstore.h"
#include "sftp/path.h"
#include "sftp/settings.h"
#include "worker/cloud.h"

#define S3_RETRIES 5
#define S3_BACKOFF_MS 200
#define S3_DEFAULT_PART_MB 5
#define S3_DEFAULT_CONCURRENCY 2
#define S3_DOWNLOAD_CHUNK (4u * 1024u * 1024u)
#define S3_DOWNLOAD_CONCURRENCY 4
#define GCS_RETRIES 5
#define GCS_BACKOFF_MS 200
#define KEY_MAX (SFTP_PATH_MAX + 1100)

/* One listed entry, whichever the backend. */
struct cobj {
	const char *key;
	uint64_t size;
	time_t mtime;
	int is_prefix;
};
typedef int (*cobj_fn)(const struct cobj *o, void *ud);

/* The operations the store needs of a backend (s3/s3.h, gcs/gcs.h). */
struct backend {
	const char *(*error)(void *c);
	int (*head)(void *c, const char *key, uint64_t *size, time_t *mtime);
	int (*list)(void *c, const char *prefix, int delim, unsigned max, cobj_fn fn,
	            void *ud);
	int (*read)(void *c, const char *key, uint64_t off, void *buf, size_t len,
	            size_t *got);
	int (*put_fd)(void *c, const char *key, int fd, uint64_t size);
	int (*put_empty)(void *c, const char *key);
	int (*copy)(void *c, const char *from, const char *to);
	int (*del)(void *c, const char *key);
	void (*free)(void *c);
};

struct relay {
	cobj_fn fn;
	void *ud;
};

/* ---- S3 ---- */

static const char *
s3b_error(void *c)
{
	return s3_error(c);
}

static int
s3b_head(void *c, const char *key, uint64_t *size, time_t *mtime)
{
	return s3_head(c, key, size, mtime);
}

static int
s3b_entry(const struct s3_object *o, void *ud)
{
	const struct relay *r = ud;
	struct cobj co = {o->key, o->size, o->mtime, o->is_prefix};

	return r->fn(&co, r->ud);
}

static int
s3b_list(void *c, const char *prefix, int delim, unsigned max, cobj_fn fn, void *ud)
{
	struct relay r = {fn, ud};

	return s3_list(c, prefix, delim, max, s3b_entry, &r);
}

static int
s3b_read(void *c, const char *key, uint64_t off, void *buf, size_t len, size_t *got)
{
	/* SFTPGo's downloader: parallel ranged GETs (its window is the engine's) */
	return s3_get_ranges(c, key, off, buf, len, S3_DOWNLOAD_CHUNK,
	                     S3_DOWNLOAD_CONCURRENCY, got);
}

static int
s3b_put_fd(void *c, const char *key, int fd, uint64_t size)
{
	return s3_put_fd(c, key, fd, size);
}

static int
s3b_put_empty(void *c, const char *key)
{
	return s3_put_empty(c, key);
}

static int
s3b_copy(void *c, const char *from, const char *to)
{
	return s3_copy(c, from, to);
}

static int
s3b_del(void *c, const char *key)
{
	return s3_delete(c, key);
}

static void
s3b_free(void *c)
{
	s3_free(c);
}

static const struct backend s3_backend = {s3b_error, s3b_head,   s3b_list,
                                          s3b_read,  s3b_put_fd, s3b_put_empty,
                                          s3b_copy,  s3b_del,    s3b_free};

/* ---- GCS ---- */

static const char *
gcsb_error(void *c)
{
	return gcs_error(c);
}

static int
gcsb_head(void *c, const char *key, uint64_t *size, time_t *mtime)
{
	return gcs_stat(c, key, size, mtime);
}

static int
gcsb_entry(const struct gcs_object *o, void *ud)
{
	const struct relay *r = ud;
	struct cobj co = {o->name, o->size, o->mtime, o->is_prefix};

	return r->fn(&co, r->ud);
}

static int
gcsb_list(void *c, const char *prefix, int delim, unsigned max, cobj_fn fn, void *ud)
{
	struct relay r = {fn, ud};

	return gcs_list(c, prefix, delim, max, gcsb_entry, &r);
}

static int
gcsb_read(void *c, const char *key, uint64_t off, void *buf, size_t len, size_t *got)
{
	return gcs_read(c, key, off, buf, len, got);
}

static int
gcsb_put_fd(void *c, const char *key, int fd, uint64_t size)
{
	return gcs_put_fd(c, key, fd, size);
}

static int
gcsb_put_empty(void *c, const char *key)
{
	return gcs_put_empty(c, key);
}

static int
gcsb_copy(void *c, const char *from, const char *to)
{
	return gcs_copy(c, from, to);
}

static int
gcsb_del(void *c, const char *key)
{
	return gcs_delete(c, key);
}

static void
gcsb_free(void *c)
{
	gcs_free(c);
}

static const struct backend gcs_backend = {gcsb_error, gcsb_head,   gcsb_list,
                                           gcsb_read,  gcsb_put_fd, gcsb_put_empty,
                                           gcsb_copy,  gcsb_del,    gcsb_free};

/* ---- the store ---- */

struct wcloud {
	const struct backend *be;
	void *c;
	struct s3_fetch *fetch; /* S3's read-ahead for the engine, one at a time */
	char prefix[1100];
	size_t prefix_len;
	struct sftp_objstore store;
};

/* key_prefix + the virtual path without its "/" (+ "/" for a directory's keys). */
static int
key_of(const struct wcloud *w, const char *vpath, int dir, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s%s%s", w->prefix, vpath + 1,
	                 dir && vpath[1] != '\0' ? "/" : "");

	return n < 0 || (size_t)n >= outsz ? ENAMETOOLONG : 0;
}

static const char *
c_error(void *ctx)
{
	struct wcloud *w = ctx;

	return w->be->error(w->c);
}

struct first_hit {
	int found;
};

static int
hit(const struct cobj *o, void *ud)
{
	((struct first_hit *)ud)->found = 1;
	return 1;
}

static int
c_stat(void *ctx, const char *vpath, struct sftp_objstat *st)
{
	struct wcloud *w = ctx;
	char key[KEY_MAX];
	struct first_hit f = {0};
	int err;

	memset(st, 0, sizeof(*st));
	if ((err = key_of(w, vpath, 0, key, sizeof(key))) != 0)
		return err;
	err = w->be->head(w->c, key, &st->size, &st->mtime);
	if (err != ENOENT)
		return err;
	/* a directory: its "name/" marker or any key below it */
	if ((err = key_of(w, vpath, 1, key, sizeof(key))) != 0)
		return err;
	err = w->be->list(w->c, key, 0, 1, hit, &f);
	if (err != 0 && err != 1)
		return err;
	if (!f.found)
		return ENOENT;
	st->is_dir = 1;
	return 0;
}

struct lister {
	size_t skip; /* the listed prefix's length */
	sftp_obj_entry_fn fn;
	void *ud;
};

static int
list_one(const struct cobj *o, void *ud)
{
	struct lister *l = ud;
	struct sftp_objstat st = {
	    .is_dir = o->is_prefix, .size = o->size, .mtime = o->mtime};
	char name[1100];
	size_t n;

	if (strlen(o->key) <= l->skip)
		return 0; /* the directory's own marker */
	n = (size_t)snprintf(name, sizeof(name), "%s", o->key + l->skip);
	if (n >= sizeof(name))
		return 0;
	if (o->is_prefix && n > 0 && name[n - 1] == '/')
		name[--n] = '\0';
	/* keys with "", "." or ".." components would name something else here */
	if (n == 0 || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return 0;
	return l->fn(name, &st, l->ud);
}

static int
c_list(void *ctx, const char *vdir, sftp_obj_entry_fn fn, void *ud)
{
	struct wcloud *w = ctx;
	char key[KEY_MAX];
	struct lister l = {.fn = fn, .ud = ud};
	int err;

	if ((err = key_of(w, vdir, 1, key, sizeof(key))) != 0)
		return err;
	l.skip = strlen(key);
	return w->be->list(w->c, key, 1, 0, list_one, &l);
}

struct emptiness {
	const char *marker;
	int other;
};

static int
not_marker(const struct cobj *o, void *ud)
{
	struct emptiness *e = ud;

	if (strcmp(o->key, e->marker) == 0)
		return 0;
	e->other = 1;
	return 1;
}

static int
c_dir_empty(void *ctx, const char *vdir, int *empty)
{
	struct wcloud *w = ctx;
	char key[KEY_MAX];
	struct emptiness e = {.marker = key};
	int err;

	if ((err = key_of(w, vdir, 1, key, sizeof(key))) != 0)
		return err;
	err = w->be->list(w->c, key, 0, 2, not_marker, &e);
	if (err != 0 && err != 1)
		return err;
	*empty = !e.other;
	return 0;
}

static int
c_read(void *ctx, const char *vpath, uint64_t off, void *buf, size_t len, size_t *got)
{
	struct wcloud *w = ctx;
	char key[KEY_MAX];
	int err = key_of(w, vpath, 0, key, sizeof(key));

	return err != 0 ? err : w->be->read(w->c, key, off, buf, len, got);
}

static int
c_fetch_start(void *ctx, const char *vpath, uint64_t off, void *buf, size_t len)
{
	struct wcloud *w = ctx;
	char key[KEY_MAX];
	int err = key_of(w, vpath, 0, key, sizeof(key));

	if (err == 0 && w->fetch != NULL)
		err = EBUSY;
	return err != 0 ? err
	                : s3_fetch_start(w->c, key, off, buf, len, S3_DOWNLOAD_CHUNK,
	                                 S3_DOWNLOAD_CONCURRENCY, &w->fetch);
}

static void
c_fetch_pump(void *ctx)
{
	s3_fetch_pump(((struct wcloud *)ctx)->fetch);
}

static int
c_fetch_idle(void *ctx, int fd, int timeout_ms)
{
	return s3_fetch_idle(((struct wcloud *)ctx)->fetch, fd, timeout_ms);
}

static int
c_fetch_wait(void *ctx, size_t *got)
{
	struct wcloud *w = ctx;
	int err = w->fetch != NULL ? s3_fetch_wait(w->fetch, got) : EINVAL;

	w->fetch = NULL;
	return err;
}

static void
c_fetch_cancel(void *ctx)
{
	struct wcloud *w = ctx;

	s3_fetch_cancel(w->fetch);
	w->fetch = NULL;
}

static int
c_put_fd(void *ctx, const char *vpath, int fd, uint64_t size)
{
	struct wcloud *w = ctx;
	char key[KEY_MAX];
	int err = key_of(w, vpath, 0, key, sizeof(key));

	return err != 0 ? err : w->be->put_fd(w->c, key, fd, size);
}

static int
c_mkdir(void *ctx, const char *vpath)
{
	struct wcloud *w = ctx;
	char key[KEY_MAX];
	int err = key_of(w, vpath, 1, key, sizeof(key));

	return err != 0 ? err : w->be->put_empty(w->c, key);
}

static int
c_delete(struct wcloud *w, const char *vpath, int dir)
{
	char key[KEY_MAX];
	int err = key_of(w, vpath, dir, key, sizeof(key));

	return err != 0 ? err : w->be->del(w->c, key);
}

static int
c_remove(void *ctx, const char *vpath)
{
	return c_delete(ctx, vpath, 0);
}

static int
c_rmdir(void *ctx, const char *vpath)
{
	return c_delete(ctx, vpath, 1);
}

static int
c_copy(void *ctx, const char *from, const char *to, int is_dir)
{
	struct wcloud *w = ctx;
	char kf[KEY_MAX], kt[KEY_MAX];
	int err = key_of(w, from, is_dir, kf, sizeof(kf));

	if (err == 0)
		err = key_of(w, to, is_dir, kt, sizeof(kt));
	return err != 0 ? err : w->be->copy(w->c, kf, kt);
}

#define STORE_OPS                                                                        \
	.error = c_error, .stat = c_stat, .list = c_list, .dir_empty = c_dir_empty,      \
	.read = c_read, .put_fd = c_put_fd, .mkdir = c_mkdir, .remove = c_remove,        \
	.rmdir = c_rmdir, .copy = c_copy

/* GCS: reads are one ranged GET each, no background read-ahead (yet) */
static const struct sftp_objstore_ops gcs_store_ops = {STORE_OPS};

/* S3: the engine's read-ahead runs s3/'s parallel ranged GETs in the background */
static const struct sftp_objstore_ops s3_store_ops = {
    STORE_OPS,
    .fetch_start = c_fetch_start,
    .fetch_pump = c_fetch_pump,
    .fetch_idle = c_fetch_idle,
    .fetch_wait = c_fetch_wait,
    .fetch_cancel = c_fetch_cancel,
};

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static void *
new_s3(struct sftp_settings *st, char *err, size_t errlen)
{
	struct s3_config cfg = {
	    .bucket = or_empty(st->s3.bucket),
	    .region = or_empty(st->s3.region),
	    .access_key = or_empty(st->s3.access_key),
	    .access_secret = or_empty(st->s3.access_secret),
	    .endpoint = or_empty(st->s3.endpoint),
	    .storage_class = or_empty(st->s3.storage_class),
	    .part_size = (uint64_t)(st->s3.part_size_mb > 0 ? st->s3.part_size_mb
	                                                    : S3_DEFAULT_PART_MB) *
	                 1024u * 1024u,
	    .concurrency = st->s3.concurrency > 0 ? (unsigned)st->s3.concurrency
	                                          : S3_DEFAULT_CONCURRENCY,
	    .retries = S3_RETRIES,
	    .backoff_ms = S3_BACKOFF_MS,
	    .path_style = or_empty(st->s3.endpoint)[0] != '\0', /* as SFTPGo 0.9.6 */
	};

	if (cfg.bucket[0] == '\0' || cfg.region[0] == '\0' || cfg.access_key[0] == '\0' ||
	    cfg.access_secret[0] == '\0') {
		snprintf(err, errlen,
		         "s3: bucket, region, access_key and access_secret "
		         "are required");
		return NULL;
	}
	return s3_new(&cfg, err, errlen);
}

static void *
new_gcs(struct sftp_settings *st, char *err, size_t errlen)
{
	struct gcs_config cfg = {
	    .bucket = or_empty(st->gcs.bucket),
	    .storage_class = or_empty(st->gcs.storage_class),
	    .endpoint = or_empty(st->gcs.endpoint),
	    .credentials = st->gcs.credentials != NULL && st->gcs.credentials[0] != '\0'
	                       ? st->gcs.credentials
	                       : NULL,
	    .metadata_host = or_empty(st->gcs.metadata_host),
	    .retries = GCS_RETRIES,
	    .backoff_ms = GCS_BACKOFF_MS,
	};

	if (cfg.bucket[0] == '\0') {
		snprintf(err, errlen, "gcs: the bucket is required");
		return NULL;
	}
	return gcs_new(&cfg, err, errlen);
}

struct wcloud *
wcloud_new(struct sftp_settings *st, char *err, size_t errlen)
{
	struct wcloud *w = calloc(1, sizeof(*w));
	int gcs = st->fs_provider == 2;

	err[0] = '\0';
	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->be = gcs ? &gcs_backend : &s3_backend;
	if (cloud_clean_prefix(or_empty(gcs ? st->gcs.key_prefix : st->s3.key_prefix),
	                       w->prefix, sizeof(w->prefix)) != 0) {
		snprintf(err, errlen, "%s: bad key_prefix", gcs ? "gcs" : "s3");
		free(w);
		return NULL;
	}
	w->prefix_len = strlen(w->prefix);
	w->c = gcs ? new_gcs(st, err, errlen) : new_s3(st, err, errlen);
	/* the client keeps its own copy: the settings' secrets go now */
	if (st->s3.access_secret != NULL)
		explicit_bzero(st->s3.access_secret, strlen(st->s3.access_secret));
	if (st->gcs.credentials != NULL)
		explicit_bzero(st->gcs.credentials, strlen(st->gcs.credentials));
	if (w->c == NULL) {
		free(w);
		return NULL;
	}
	w->store.ops = gcs ? &gcs_store_ops : &s3_store_ops;
	w->store.ctx = w;
	return w;
}

const struct sftp_objstore *
wcloud_store(struct wcloud *w)
{
	return &w->store;
}

struct scan {
	int64_t files, size;
};

static int
scan_one(const struct cobj *o, void *ud)
{
	struct scan *sc = ud;
	size_t n = strlen(o->key);

	if (n > 0 && o->key[n - 1] == '/')
		return 0; /* SFTPGo counted "dir/" markers (spec 17 row 10): fixed */
	sc->files++;
	sc->size += (int64_t)o->size;
	return 0;
}

int
wcloud_scan(struct wcloud *w, int64_t *files, int64_t *size, char *err, size_t errlen)
{
	struct scan sc = {0};
	int rc = w->be->list(w->c, w->prefix, 0, 0, scan_one, &sc);

	if (rc != 0) {
		snprintf(err, errlen, "%s", w->be->error(w->c));
		return -1;
	}
	*files += sc.files;
	*size += sc.size;
	return 0;
}

void
wcloud_free(struct wcloud *w)
{
	if (w == NULL)
		return;
	s3_fetch_cancel(w->fetch);
	if (w->c != NULL)
		w->be->free(w->c);
	free(w);
}
