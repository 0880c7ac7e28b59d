/* SPDX-License-Identifier: BSD-2-Clause */
/* The object store of a cloud user's worker (see worker/cloud.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/cloud.h"
#include "common/log.h"
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
#define KEY_MAX (SFTP_PATH_MAX + 1100)

struct wcloud {
	struct s3 *c;
	struct s3_fetch *fetch; /* the engine's read-ahead, one at a time */
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

	return s3_error(w->c);
}

struct first_hit {
	int found;
};

static int
hit(const struct s3_object *o, void *ud)
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
	err = s3_head(w->c, key, &st->size, &st->mtime);
	if (err != ENOENT)
		return err;
	/* a directory: its "name/" marker or any key below it */
	if ((err = key_of(w, vpath, 1, key, sizeof(key))) != 0)
		return err;
	err = s3_list(w->c, key, 0, 1, hit, &f);
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
list_one(const struct s3_object *o, void *ud)
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
	return s3_list(w->c, key, 1, 0, list_one, &l);
}

struct emptiness {
	const char *marker;
	int other;
};

static int
not_marker(const struct s3_object *o, void *ud)
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
	err = s3_list(w->c, key, 0, 2, not_marker, &e);
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

	/* SFTPGo's downloader: parallel ranged GETs (its window is the engine's) */
	return err != 0 ? err
	                : s3_get_ranges(w->c, key, off, buf, len, S3_DOWNLOAD_CHUNK,
	                                S3_DOWNLOAD_CONCURRENCY, got);
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

	return err != 0 ? err : s3_put_fd(w->c, key, fd, size);
}

static int
c_mkdir(void *ctx, const char *vpath)
{
	struct wcloud *w = ctx;
	char key[KEY_MAX];
	int err = key_of(w, vpath, 1, key, sizeof(key));

	return err != 0 ? err : s3_put_empty(w->c, key);
}

static int
c_delete(struct wcloud *w, const char *vpath, int dir)
{
	char key[KEY_MAX];
	int err = key_of(w, vpath, dir, key, sizeof(key));

	return err != 0 ? err : s3_delete(w->c, key);
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
	return err != 0 ? err : s3_copy(w->c, kf, kt);
}

static const struct sftp_objstore_ops s3_store_ops = {
    .error = c_error,
    .stat = c_stat,
    .list = c_list,
    .dir_empty = c_dir_empty,
    .read = c_read,
    .put_fd = c_put_fd,
    .mkdir = c_mkdir,
    .remove = c_remove,
    .rmdir = c_rmdir,
    .copy = c_copy,
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

struct wcloud *
wcloud_new(struct sftp_settings *st, char *err, size_t errlen)
{
	struct wcloud *w = calloc(1, sizeof(*w));
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

	err[0] = '\0';
	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (cfg.bucket[0] == '\0' || cfg.region[0] == '\0' || cfg.access_key[0] == '\0' ||
	    cfg.access_secret[0] == '\0') {
		snprintf(err, errlen,
		         "s3: bucket, region, access_key and access_secret "
		         "are required");
		free(w);
		return NULL;
	}
	if (cloud_clean_prefix(or_empty(st->s3.key_prefix), w->prefix,
	                       sizeof(w->prefix)) != 0) {
		snprintf(err, errlen, "s3: bad key_prefix");
		free(w);
		return NULL;
	}
	w->prefix_len = strlen(w->prefix);
	w->c = s3_new(&cfg, err, errlen);
	/* the client keeps its own copy: the settings' one goes now */
	if (st->s3.access_secret != NULL)
		explicit_bzero(st->s3.access_secret, strlen(st->s3.access_secret));
	if (w->c == NULL) {
		free(w);
		return NULL;
	}
	w->store.ops = &s3_store_ops;
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
scan_one(const struct s3_object *o, void *ud)
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
	int rc = s3_list(w->c, w->prefix, 0, 0, scan_one, &sc);

	if (rc != 0) {
		snprintf(err, errlen, "%s", s3_error(w->c));
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
	s3_free(w->c);
	free(w);
}
