/* SPDX-License-Identifier: BSD-2-Clause */
/* Upload modes (direct, atomic, atomic with resume) and the events they report. */
#include "config.h"

#include "check_sftp_util.h"
#include "worker/events.h"

static int
write_at(struct tsrv *t, uint32_t h, uint64_t off, const char *data)
{
	uint8_t hb[4];

	poke_u32(hb, h);
	tsrv_begin(t, SSH_FXP_WRITE);
	wbuf_put_string(&t->pkt, hb, 4);
	wbuf_put_u64(&t->pkt, off);
	wbuf_put_cstring(&t->pkt, data);
	ck_assert_int_eq(tsrv_send(t), 0);
	return tsrv_status(t);
}

static void
content_is(struct tsrv *t, const char *rel, const char *want)
{
	char p[300], buf[256] = {0};
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", t->root, rel);
	f = fopen(p, "r");
	ck_assert_msg(f != NULL, "%s missing", rel);
	ck_assert_uint_gt(fread(buf, 1, sizeof(buf) - 1, f) + 1, 0);
	fclose(f);
	ck_assert_msg(strcmp(buf, want) == 0, "%s has \"%s\", want \"%s\"", rel, buf,
	              want);
}

#define W_TRUNC (SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_TRUNC)

/* A server with settings json, "/f" holding "original", and an upload to it started. */
static uint32_t
start_upload(struct tsrv *t, const char *json, const char *first)
{
	uint32_t h;

	tsrv_open(t, json);
	tsrv_mkfile(t, "f", "original");
	h = tsrv_open_handle(t, "/f", W_TRUNC);
	ck_assert_int_eq(write_at(t, h, 0, first), SSH_FX_OK);
	return h;
}

START_TEST(atomic_clean_close_replaces)
{
	struct tsrv t;
	uint32_t h;

	h = start_upload(&t, "{\"upload_mode\": 1}", "new");
	ck_assert_int_eq(tsrv_entries(&t), 2); /* the target and a fresh temp file */
	content_is(&t, "f", "original");       /* readers never see the partial file */
	ck_assert_int_eq(tsrv_close_handle(&t, h), SSH_FX_OK);
	content_is(&t, "f", "new");
	ck_assert_int_eq(tsrv_entries(&t), 1);
	tsrv_close(&t);
}
END_TEST

START_TEST(atomic_disconnect_keeps_original)
{
	struct tsrv t;

	start_upload(&t, "{\"upload_mode\": 1}", "partial");
	sftp_server_shutdown(t.s, "connection closed");
	content_is(&t, "f", "original");
	ck_assert_int_eq(tsrv_entries(&t), 1);
	tsrv_close(&t);
}
END_TEST

START_TEST(atomic_write_error_keeps_original)
{
	struct tsrv t;
	uint32_t h;

	h = start_upload(&t, "{\"upload_mode\": 1}", "partial");
	ck_assert_int_eq(write_at(&t, h, UINT64_MAX - 1, "x"), SSH_FX_FAILURE);
	ck_assert_int_eq(tsrv_close_handle(&t, h), SSH_FX_OK);
	content_is(&t, "f", "original");
	ck_assert_int_eq(tsrv_entries(&t), 1);
	tsrv_close(&t);
}
END_TEST

START_TEST(resume_mode_keeps_partial)
{
	struct tsrv t;
	uint32_t h;

	h = start_upload(&t, "{\"upload_mode\": 2}", "part");
	sftp_server_shutdown(t.s, "connection closed");
	content_is(&t, "f", "part");
	ck_assert_int_eq(tsrv_entries(&t), 1);
	/* resume with APPEND: the existing content is kept, then extended */
	h = tsrv_open_handle(&t, "/f", SSH_FXF_WRITE | SSH_FXF_APPEND);
	ck_assert_int_eq(write_at(&t, h, 4, "ial"), SSH_FX_OK);
	content_is(&t, "f", "part");
	ck_assert_int_eq(tsrv_close_handle(&t, h), SSH_FX_OK);
	content_is(&t, "f", "partial");
	tsrv_close(&t);
}
END_TEST

START_TEST(direct_mode_writes_in_place)
{
	struct tsrv t;
	uint32_t h;

	tsrv_open(&t, NULL);
	tsrv_mkfile(&t, "f", "original");
	h = tsrv_open_handle(&t, "/f", SSH_FXF_WRITE);
	ck_assert_int_eq(write_at(&t, h, 0, "OR"), SSH_FX_OK);
	content_is(&t, "f", "ORiginal");
	ck_assert_int_eq(tsrv_close_handle(&t, h), SSH_FX_OK);
	ck_assert_int_eq(tsrv_entries(&t), 1);
	tsrv_close(&t);
}
END_TEST

START_TEST(open_flags_and_errors)
{
	struct tsrv t;

	tsrv_open(&t, NULL);
	tsrv_mkfile(&t, "f", "x");
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_MKDIR, "/d"), SSH_FX_OK);
	/* EXCL on an existing file */
	tsrv_begin(&t, SSH_FXP_OPEN);
	wbuf_put_cstring(&t.pkt, "/f");
	wbuf_put_u32(&t.pkt, SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_EXCL);
	wbuf_put_u32(&t.pkt, 0);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_FAILURE);
	/* a directory for writing */
	tsrv_begin(&t, SSH_FXP_OPEN);
	wbuf_put_cstring(&t.pkt, "/d");
	wbuf_put_u32(&t.pkt, W_TRUNC);
	wbuf_put_u32(&t.pkt, 0);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_OP_UNSUPPORTED);
	/* missing file without CREAT */
	tsrv_begin(&t, SSH_FXP_OPEN);
	wbuf_put_cstring(&t.pkt, "/missing");
	wbuf_put_u32(&t.pkt, SSH_FXF_READ);
	wbuf_put_u32(&t.pkt, 0);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_NO_SUCH_FILE);
	/* TRUNC and CREAT without WRITE are ignored: reading never truncates or creates
	 */
	tsrv_begin(&t, SSH_FXP_OPEN);
	wbuf_put_cstring(&t.pkt, "/f");
	wbuf_put_u32(&t.pkt, SSH_FXF_READ | SSH_FXF_TRUNC | SSH_FXF_CREAT);
	wbuf_put_u32(&t.pkt, 0);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_reply_type(&t), SSH_FXP_HANDLE);
	content_is(&t, "f", "x");
	tsrv_begin(&t, SSH_FXP_OPEN);
	wbuf_put_cstring(&t.pkt, "/new");
	wbuf_put_u32(&t.pkt, SSH_FXF_READ | SSH_FXF_CREAT);
	wbuf_put_u32(&t.pkt, 0);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_NO_SUCH_FILE);
	ck_assert(!tsrv_exists(&t, "new"));
	/* legacy RENAME never replaces; posix-rename does */
	tsrv_mkfile(&t, "g", "g");
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_RENAME, NULL, "/g", "/f"),
	                 SSH_FX_FAILURE);
	content_is(&t, "f", "x");
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_EXTENDED,
	                                   "posix-rename@openssh.com", "/g", "/f"),
	                 SSH_FX_OK);
	content_is(&t, "f", "g");
	tsrv_close(&t);
}
END_TEST

START_TEST(events_lines)
{
	struct tsrv t;
	int p[2];
	char buf[2048] = {0};
	uint32_t h;
	ssize_t n;

	ck_assert_int_eq(pipe(p), 0);
	wev_init(p[1], 0);
	tsrv_open(&t, NULL);
	h = tsrv_open_handle(&t, "/up", W_TRUNC);
	ck_assert_int_eq(write_at(&t, h, 0, "12345"), SSH_FX_OK);
	ck_assert_int_eq(tsrv_close_handle(&t, h), SSH_FX_OK);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_MKDIR, "/d\xff"), SSH_FX_OK);
	tsrv_begin(&t, SSH_FXP_SETSTAT);
	wbuf_put_cstring(&t.pkt, "/up");
	wbuf_put_u32(&t.pkt, SSH_FILEXFER_ATTR_PERMISSIONS);
	wbuf_put_u32(&t.pkt, 0640);
	ck_assert_int_eq(tsrv_send(&t), 0);
	/* queued, not written: the serve loop sends them before it waits */
	ck_assert_int_eq(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_lt(read(p[0], buf, sizeof(buf) - 1), 0);
	ck_assert_int_eq(ev_flush_due(), 0);
	wev_init(-1, 0); /* switching the sink flushes the old one */
	ck_assert_int_eq(ev_flush_due(), -1);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	ck_assert_int_gt(n, 0);
	ck_assert_msg(
	    strstr(buf, "{\"event\":\"transfer\",\"sender\":\"Upload\",\"path\":\"/up\","
	                "\"size_bytes\":5,") != NULL,
	    "%s", buf);
	ck_assert_msg(strstr(buf, "\"ok\":true,\"error\":\"\"}\n") != NULL, "%s", buf);
	/* non-UTF-8 path bytes become U+FFFD instead of losing the event */
	ck_assert_msg(strstr(buf, "\"sender\":\"Mkdir\",\"path\":\"/d\xef\xbf\xbd\"") !=
	                  NULL,
	              "%s", buf);
	ck_assert_msg(strstr(buf,
	                     "\"sender\":\"Chmod\",\"path\":\"/up\",\"target_path\":\"\","
	                     "\"filemode\":\"0640\",\"uid\":-1,\"gid\":-1") != NULL,
	              "%s", buf);
	tsrv_close(&t);
}
END_TEST

/* Under the monitor events gather for up to hold_ms; flushing empties the queue. */
START_TEST(events_hold)
{
	struct tsrv t;
	int p[2];
	char buf[512];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	wev_init(p[1], 1);
	wev_set_hold_ms(60000);
	tsrv_open(&t, NULL);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_MKDIR, "/held"), SSH_FX_OK);
	int due = ev_flush_due();
	ck_assert_int_gt(due, 59000);
	ck_assert_int_lt(read(p[0], buf, sizeof(buf)), 0);
	ev_flush();
	ck_assert_int_eq(ev_flush_due(), -1);
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 4);
	ck_assert_uint_eq(peek_u32((uint8_t *)buf), (uint32_t)n - 4); /* one frame */
	wev_set_hold_ms(0);
	wev_init(-1, 0);
	close(p[0]);
	close(p[1]);
	tsrv_close(&t);
}
END_TEST

/* users-groups-by-id: pinned names answer with name lookups off (chrooted). */
START_TEST(pinned_names_without_lookups)
{
	struct tsrv t;
	struct rbuf r;
	const uint8_t *s;
	uint32_t len, n;

	tsrv_open(&t, NULL);
	sftp_server_set_names(t.s, 0);
	sftp_server_pin_names(t.s, 4242, "alice", 4343, "staff");
	tsrv_begin(&t, SSH_FXP_EXTENDED);
	wbuf_put_cstring(&t.pkt, "users-groups-by-id@openssh.com");
	wbuf_put_u32(&t.pkt, 8); /* uids 4242 and 0 */
	wbuf_put_u32(&t.pkt, 4242);
	wbuf_put_u32(&t.pkt, 0);
	wbuf_put_u32(&t.pkt, 4); /* gid 4343 */
	wbuf_put_u32(&t.pkt, 4343);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_uint_eq(tsrv_reply_type(&t), SSH_FXP_EXTENDED_REPLY);
	tsrv_body(&t, &r);
	ck_assert_int_eq(rbuf_get_u32(&r, &n), 0); /* the user names, as one string */
	ck_assert_int_eq(rbuf_get_string(&r, &s, &len, 64), 0);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(memcmp(s, "alice", 5), 0);
	ck_assert_int_eq(rbuf_get_string(&r, &s, &len, 64), 0);
	ck_assert_uint_eq(len, 0); /* uid 0: no lookup inside a chroot */
	ck_assert_int_eq(rbuf_get_u32(&r, &n), 0);
	ck_assert_int_eq(rbuf_get_string(&r, &s, &len, 64), 0);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(memcmp(s, "staff", 5), 0);
	tsrv_close(&t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sftp_upload");
	TCase *tc = tcase_create("modes");

	tcase_add_test(tc, atomic_clean_close_replaces);
	tcase_add_test(tc, atomic_disconnect_keeps_original);
	tcase_add_test(tc, atomic_write_error_keeps_original);
	tcase_add_test(tc, resume_mode_keeps_partial);
	tcase_add_test(tc, direct_mode_writes_in_place);
	tcase_add_test(tc, open_flags_and_errors);
	tcase_add_test(tc, events_lines);
	tcase_add_test(tc, events_hold);
	tcase_add_test(tc, pinned_names_without_lookups);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
