/* SPDX-License-Identifier: BSD-2-Clause */
/* In-process requests to the SFTP engine (see local.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sftp/local.h"
#include "sftp/path.h"
#include "sftp/server_int.h"
#include "sftp/sftp.h"

#define LOCAL_ERR_MAX 256

struct sftp_local {
	struct sftp_server *s;
	struct wbuf req;
	uint32_t id;
	char err[LOCAL_ERR_MAX];
};

/* The reply being decoded: its type and a reader over the rest. */
struct lreply {
	uint8_t type;
	struct rbuf r;
};

const char *
sftp_local_error(const struct sftp_local *l)
{
	return l->err;
}

uint32_t
sftp_local_max_rw(const struct sftp_local *l)
{
	return l->s->max_rw;
}

static void
set_err_n(struct sftp_local *l, const char *msg, size_t n)
{
	if (n >= sizeof(l->err))
		n = sizeof(l->err) - 1;
	memcpy(l->err, msg, n);
	l->err[n] = '\0';
}

static void
set_err(struct sftp_local *l, const char *msg)
{
	set_err_n(l, msg, strlen(msg));
}

/* The engine's reply cannot be decoded: -1, and nothing it says is trusted. */
static int
malformed(struct sftp_local *l)
{
	set_err(l, "internal reply malformed");
	return -1;
}

/* Starts a request: type, then a fresh id. */
static void
req_begin(struct sftp_local *l, uint8_t type)
{
	wbuf_reset(&l->req);
	wbuf_put_u8(&l->req, type);
	wbuf_put_u32(&l->req, ++l->id);
}

/*
 * Runs the request and takes its one reply out of the engine's output. The reply
 * stays in the output buffer until the next request; rep reads it in place.
 */
static int
req_run(struct sftp_local *l, struct lreply *rep)
{
	struct wbuf *out = sftp_server_output(l->s);
	uint32_t len, id;

	wbuf_reset(out);
	if (l->req.failed || sftp_process_packet(l->s, l->req.p, l->req.len) != 0 ||
	    out->failed || out->len < 9) {
		set_err(l, "internal request failed");
		return -1;
	}
	len = peek_u32(out->p);
	if (len < 5 || len != out->len - 4) {
		return malformed(l);
	}
	rep->type = out->p[4];
	rbuf_init(&rep->r, out->p + 5, len - 1);
	if (rbuf_get_u32(&rep->r, &id) != 0 || id != l->id) {
		set_err(l, "internal reply out of order");
		return -1;
	}
	return 0;
}

/* A STATUS reply: its code, and its message kept for sftp_local_error(). */
static int
status_of(struct sftp_local *l, struct lreply *rep)
{
	uint32_t code, n;
	const uint8_t *msg;

	if (rep->type != SSH_FXP_STATUS || rbuf_get_u32(&rep->r, &code) != 0 ||
	    rbuf_get_string(&rep->r, &msg, &n, LOCAL_ERR_MAX * 4) != 0) {
		return malformed(l);
	}
	set_err_n(l, (const char *)msg, n);
	if (code == SSH_FX_OK)
		l->err[0] = '\0';
	return (int)code;
}

/* Runs a request whose success answer is a STATUS. */
static int
run_status(struct sftp_local *l)
{
	struct lreply rep;

	if (req_run(l, &rep) != 0)
		return -1;
	return status_of(l, &rep);
}

/* Runs a request that answers type on success (or a STATUS on failure). */
static int
run_expect(struct sftp_local *l, uint8_t type, struct lreply *rep)
{
	if (req_run(l, rep) != 0)
		return -1;
	if (rep->type == type) {
		l->err[0] = '\0';
		return SSH_FX_OK;
	}
	int rc = status_of(l, rep);
	if (rc == SSH_FX_OK) /* success without the answer */
		return malformed(l);
	return rc;
}

struct sftp_local *
sftp_local_new(struct sftp_server *s)
{
	struct sftp_local *l = calloc(1, sizeof(*l));
	const uint8_t init[] = {SSH_FXP_INIT, 0, 0, 0, SFTP_VERSION};

	if (l == NULL)
		return NULL;
	l->s = s;
	if (wbuf_init(&l->req, 1024, (size_t)s->max_packet) != 0)
		goto fail;
	wbuf_reset(sftp_server_output(s));
	if (sftp_process_packet(s, init, sizeof(init)) != 0 ||
	    sftp_server_output(s)->len < 5 ||
	    sftp_server_output(s)->p[4] != SSH_FXP_VERSION)
		goto fail;
	wbuf_reset(sftp_server_output(s));
	return l;
fail:
	wbuf_free(&l->req);
	free(l);
	return NULL;
}

void
sftp_local_free(struct sftp_local *l)
{
	if (l == NULL)
		return;
	wbuf_free(&l->req);
	free(l);
}

static void
put_handle(struct sftp_local *l, const struct sftp_lhandle *h)
{
	wbuf_put_string(&l->req, h->b, h->len);
}

static int
take_handle(struct sftp_local *l, struct lreply *rep, struct sftp_lhandle *h)
{
	const uint8_t *p;
	uint32_t n;

	if (rbuf_get_string(&rep->r, &p, &n, SFTP_LOCAL_HANDLE_MAX) != 0) {
		return malformed(l);
	}
	memcpy(h->b, p, n);
	h->len = n;
	return SSH_FX_OK;
}

int
sftp_local_stat(struct sftp_local *l, const char *path, struct sftp_attrs *a)
{
	struct lreply rep;

	req_begin(l, SSH_FXP_STAT);
	wbuf_put_cstring(&l->req, path);
	int rc = run_expect(l, SSH_FXP_ATTRS, &rep);
	if (rc == SSH_FX_OK && sftp_attrs_decode(&rep.r, a) != 0) {
		return malformed(l);
	}
	return rc;
}

int
sftp_local_resolve(struct sftp_local *l, const char *path, char *out, size_t outsz)
{
	struct vpath v;

	l->err[0] = '\0';
	v.err = 0;
	v.dir_syntax = 0;
	if (vpath_normalize(l->s->cwd, path, strlen(path), v.p, sizeof(v.p)) != 0)
		return SSH_FX_NO_SUCH_FILE;
	if (l->s->obj == NULL) /* an object store has no links: the name is the path */
		vpath_follow(l->s, &v, 1);
	if (v.err != 0 || strlcpy(out, v.p, outsz) >= outsz)
		return SSH_FX_FAILURE;
	return SSH_FX_OK;
}

int
sftp_local_realpath(struct sftp_local *l, const char *path, char *out, size_t outsz)
{
	struct lreply rep;
	const uint8_t *p;
	uint32_t count, n;

	req_begin(l, SSH_FXP_REALPATH);
	wbuf_put_cstring(&l->req, path);
	int rc = run_expect(l, SSH_FXP_NAME, &rep);
	if (rc != SSH_FX_OK)
		return rc;
	if (rbuf_get_u32(&rep.r, &count) != 0 || count != 1 ||
	    rbuf_get_string(&rep.r, &p, &n, SFTP_PATH_MAX) != 0 || n >= outsz) {
		return malformed(l);
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return SSH_FX_OK;
}

int
sftp_local_open(struct sftp_local *l, const char *path, uint32_t pflags,
                const struct sftp_attrs *a, struct sftp_lhandle *h)
{
	struct lreply rep;
	struct sftp_attrs none = {0};

	req_begin(l, SSH_FXP_OPEN);
	wbuf_put_cstring(&l->req, path);
	wbuf_put_u32(&l->req, pflags);
	sftp_attrs_encode(&l->req, a ? a : &none);
	int rc = run_expect(l, SSH_FXP_HANDLE, &rep);
	return rc == SSH_FX_OK ? take_handle(l, &rep, h) : rc;
}

int
sftp_local_opendir(struct sftp_local *l, const char *path, struct sftp_lhandle *h)
{
	struct lreply rep;

	req_begin(l, SSH_FXP_OPENDIR);
	wbuf_put_cstring(&l->req, path);
	int rc = run_expect(l, SSH_FXP_HANDLE, &rep);
	return rc == SSH_FX_OK ? take_handle(l, &rep, h) : rc;
}

int
sftp_local_read(struct sftp_local *l, const struct sftp_lhandle *h, uint64_t off,
                void *buf, uint32_t len, uint32_t *got)
{
	struct lreply rep;
	const uint8_t *p;
	uint32_t n;

	*got = 0;
	req_begin(l, SSH_FXP_READ);
	put_handle(l, h);
	wbuf_put_u64(&l->req, off);
	wbuf_put_u32(&l->req, len);
	int rc = run_expect(l, SSH_FXP_DATA, &rep);
	if (rc != SSH_FX_OK)
		return rc;
	if (rbuf_get_string(&rep.r, &p, &n, len) != 0) {
		return malformed(l);
	}
	memcpy(buf, p, n);
	*got = n;
	return SSH_FX_OK;
}

int
sftp_local_write(struct sftp_local *l, const struct sftp_lhandle *h, uint64_t off,
                 const void *buf, uint32_t len)
{
	req_begin(l, SSH_FXP_WRITE);
	put_handle(l, h);
	wbuf_put_u64(&l->req, off);
	wbuf_put_string(&l->req, buf, len);
	return run_status(l);
}

int
sftp_local_close(struct sftp_local *l, const struct sftp_lhandle *h)
{
	req_begin(l, SSH_FXP_CLOSE);
	put_handle(l, h);
	return run_status(l);
}

int
sftp_local_readdir(struct sftp_local *l, const struct sftp_lhandle *h,
                   sftp_local_entry_fn fn, void *ud)
{
	struct lreply rep;
	uint32_t count;

	req_begin(l, SSH_FXP_READDIR);
	put_handle(l, h);
	int rc = run_expect(l, SSH_FXP_NAME, &rep);
	if (rc != SSH_FX_OK)
		return rc;
	if (rbuf_get_u32(&rep.r, &count) != 0)
		return malformed(l);
	for (uint32_t i = 0; i < count; i++) {
		char name[SFTP_PATH_MAX];
		const uint8_t *p, *lp;
		uint32_t n, ln;
		struct sftp_attrs a;

		if (rbuf_get_string(&rep.r, &p, &n, sizeof(name) - 1) != 0 ||
		    memchr(p, '\0', n) != NULL ||
		    rbuf_get_string(&rep.r, &lp, &ln, SFTP_PATH_MAX * 2) != 0 ||
		    sftp_attrs_decode(&rep.r, &a) != 0)
			return malformed(l);
		memcpy(name, p, n);
		name[n] = '\0';
		if (fn(name, &a, ud) != 0)
			break;
	}
	return SSH_FX_OK;
}

int
sftp_local_mkdir(struct sftp_local *l, const char *path, const struct sftp_attrs *a)
{
	struct sftp_attrs none = {0};

	req_begin(l, SSH_FXP_MKDIR);
	wbuf_put_cstring(&l->req, path);
	sftp_attrs_encode(&l->req, a ? a : &none);
	return run_status(l);
}

int
sftp_local_setstat(struct sftp_local *l, const char *path, const struct sftp_attrs *a)
{
	req_begin(l, SSH_FXP_SETSTAT);
	wbuf_put_cstring(&l->req, path);
	sftp_attrs_encode(&l->req, a);
	return run_status(l);
}
