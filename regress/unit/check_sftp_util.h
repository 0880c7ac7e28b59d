/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Test helpers for the sftp Check tests: an engine over a scratch root directory,
 * fed packets directly (no pipes), with accessors for the reply.
 */
#ifndef CHECK_SFTP_UTIL_H
#define CHECK_SFTP_UTIL_H

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "regress/unit/check_main.h"
#include "sftp/proto.h"
#include "sftp/settings.h"
#include "worker/settings.h"
#include "sftp/sftp.h"

struct tsrv {
	struct sftp_settings st;
	struct sftp_server *s;
	char root[128];
	struct wbuf pkt;
	uint32_t id;
};

/* An engine over a fresh scratch root, before INIT (sftp_local_new sends its own). */
static inline void
tsrv_engine(struct tsrv *t, const char *json)
{
	char err[256];
	int fd;

	memset(t, 0, sizeof(*t));
	ck_assert_int_eq(sftp_settings_init(&t->st), 0);
	if (json != NULL)
		ck_assert_msg(worker_settings_parse(&t->st, json, strlen(json), err,
		                                    sizeof(err)) == 0,
		              "%s", err);
	strlcpy(t->root, "/tmp/check_sftp.XXXXXX", sizeof(t->root));
	ck_assert_ptr_nonnull(mkdtemp(t->root));
	fd = open(t->root, O_PATH | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	t->s = sftp_server_new(&t->st, fd, NULL, 0, err, sizeof(err));
	ck_assert_msg(t->s != NULL, "%s", err);
}

/* The same after INIT/VERSION, ready for requests built in t->pkt. */
static inline void
tsrv_open(struct tsrv *t, const char *json)
{
	tsrv_engine(t, json);
	wbuf_init(&t->pkt, 1024, 1024 * 1024);
	wbuf_put_u8(&t->pkt, SSH_FXP_INIT);
	wbuf_put_u32(&t->pkt, 3);
	ck_assert_int_eq(sftp_process_packet(t->s, t->pkt.p, t->pkt.len), 0);
	wbuf_reset(sftp_server_output(t->s));
}

static inline void
tsrv_close(struct tsrv *t)
{
	char cmd[300];

	sftp_server_free(t->s);
	sftp_settings_free(&t->st);
	wbuf_free(&t->pkt);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->root);
	ck_assert_int_eq(system(cmd), 0);
}

/* Entries in the scratch root besides . and .. (temp files included). */
static inline int
tsrv_entries(struct tsrv *t)
{
	DIR *d = opendir(t->root);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Starts a request: type and a fresh id. Add fields with wbuf_put_* on t->pkt. */
static inline struct wbuf *
tsrv_begin(struct tsrv *t, uint8_t type)
{
	wbuf_reset(&t->pkt);
	wbuf_reset(sftp_server_output(t->s));
	wbuf_put_u8(&t->pkt, type);
	wbuf_put_u32(&t->pkt, ++t->id);
	return &t->pkt;
}

static inline int
tsrv_send(struct tsrv *t)
{
	return sftp_process_packet(t->s, t->pkt.p, t->pkt.len);
}

/* Type of the (single) reply; checks its framing and id. */
static inline uint8_t
tsrv_reply_type(struct tsrv *t)
{
	struct wbuf *o = sftp_server_output(t->s);

	ck_assert_uint_ge(o->len, 9);
	ck_assert_uint_eq(peek_u32(o->p), o->len - 4);
	ck_assert_uint_eq(peek_u32(o->p + 5), t->id);
	return o->p[4];
}

/* Status code of a STATUS reply, -1 for another type. */
static inline int
tsrv_status(struct tsrv *t)
{
	struct wbuf *o = sftp_server_output(t->s);

	if (tsrv_reply_type(t) != SSH_FXP_STATUS)
		return -1;
	return (int)peek_u32(o->p + 9);
}

/* Reply body after type and id. */
static inline void
tsrv_body(struct tsrv *t, struct rbuf *r)
{
	struct wbuf *o = sftp_server_output(t->s);

	rbuf_init(r, o->p + 9, o->len - 9);
}

/* One-string request (paths): the status, or the reply type when not a STATUS. */
static inline int
tsrv_path_req(struct tsrv *t, uint8_t type, const char *path)
{
	tsrv_begin(t, type);
	wbuf_put_cstring(&t->pkt, path);
	if (type == SSH_FXP_MKDIR)
		wbuf_put_u32(&t->pkt, 0);
	ck_assert_int_eq(tsrv_send(t), 0);
	return tsrv_reply_type(t) == SSH_FXP_STATUS ? tsrv_status(t)
	                                            : 1000 + tsrv_reply_type(t);
}

static inline int
tsrv_two_path_req(struct tsrv *t, uint8_t type, const char *ext, const char *a,
                  const char *b)
{
	tsrv_begin(t, type);
	if (ext != NULL)
		wbuf_put_cstring(&t->pkt, ext);
	wbuf_put_cstring(&t->pkt, a);
	wbuf_put_cstring(&t->pkt, b);
	ck_assert_int_eq(tsrv_send(t), 0);
	return tsrv_status(t);
}

/* OPEN with pflags and no attributes: the handle number (asserts success). */
static inline uint32_t
tsrv_open_handle(struct tsrv *t, const char *path, uint32_t pflags)
{
	struct rbuf r;
	const uint8_t *h;
	uint32_t hl;

	tsrv_begin(t, SSH_FXP_OPEN);
	wbuf_put_cstring(&t->pkt, path);
	wbuf_put_u32(&t->pkt, pflags);
	wbuf_put_u32(&t->pkt, 0);
	ck_assert_int_eq(tsrv_send(t), 0);
	ck_assert_int_eq(tsrv_reply_type(t), SSH_FXP_HANDLE);
	tsrv_body(t, &r);
	ck_assert_int_eq(rbuf_get_string(&r, &h, &hl, 256), 0);
	ck_assert_uint_eq(hl, 4);
	return peek_u32(h);
}

/* CLOSE of handle h: the status. */
static inline int
tsrv_close_handle(struct tsrv *t, uint32_t h)
{
	uint8_t hb[4];

	poke_u32(hb, h);
	tsrv_begin(t, SSH_FXP_CLOSE);
	wbuf_put_string(&t->pkt, hb, 4);
	ck_assert_int_eq(tsrv_send(t), 0);
	return tsrv_status(t);
}

/* Creates a file under the root (host side) with the given content. */
static inline void
tsrv_mkfile(struct tsrv *t, const char *rel, const char *content)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", t->root, rel);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
}

static inline int
tsrv_exists(struct tsrv *t, const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", t->root, rel);
	return access(p, F_OK) == 0;
}

#endif
