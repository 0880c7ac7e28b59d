/* SPDX-License-Identifier: BSD-2-Clause */
/* Packet codec: framing, attributes, reply shapes, and malformed input to the engine. */
#include "config.h"

#include <sys/stat.h>

#include "check_sftp_util.h"
#include "sftp/codec.h"
#include "sftp/longname.h"
#include "common/rpc.h"
#include "worker/worker.h"

START_TEST(frame_check_complete_partial_bad)
{
	uint8_t b[16] = {0, 0, 0, 5, 1, 0, 0, 0, 3};
	uint32_t n = 0;

	ck_assert_int_eq(sftp_frame_check(b, 3, 1024, &n), 0);
	ck_assert_int_eq(sftp_frame_check(b, 8, 1024, &n), 0);
	ck_assert_int_eq(sftp_frame_check(b, 9, 1024, &n), 1);
	ck_assert_uint_eq(n, 5);
	poke_u32(b, 0);
	ck_assert_int_eq(sftp_frame_check(b, 9, 1024, &n), -1);
	poke_u32(b, 1025);
	ck_assert_int_eq(sftp_frame_check(b, 9, 1024, &n), -1);
	poke_u32(b, 0xffffffffu);
	ck_assert_int_eq(sftp_frame_check(b, 9, 1024, &n), -1);
}
END_TEST

START_TEST(attrs_roundtrip)
{
	struct wbuf w;
	struct rbuf r;
	struct sftp_attrs a = {.flags = SSH_FILEXFER_ATTR_SIZE |
	                                SSH_FILEXFER_ATTR_UIDGID |
	                                SSH_FILEXFER_ATTR_PERMISSIONS |
	                                SSH_FILEXFER_ATTR_ACMODTIME,
	                       .size = 1ull << 40,
	                       .uid = 1001,
	                       .gid = 1002,
	                       .perm = 0100644,
	                       .atime = 7,
	                       .mtime = 8},
	                  b;

	wbuf_init(&w, 0, 1024);
	ck_assert_int_eq(sftp_attrs_encode(&w, &a), 0);
	ck_assert_uint_eq(w.len, 4 + 8 + 8 + 4 + 8);
	rbuf_init(&r, w.p, w.len);
	ck_assert_int_eq(sftp_attrs_decode(&r, &b), 0);
	ck_assert_uint_eq(rbuf_left(&r), 0);
	ck_assert_uint_eq(a.flags, b.flags);
	ck_assert_uint_eq(a.size, b.size);
	ck_assert_uint_eq(a.uid, b.uid);
	ck_assert_uint_eq(a.gid, b.gid);
	ck_assert_uint_eq(a.perm, b.perm);
	ck_assert_uint_eq(a.atime, b.atime);
	ck_assert_uint_eq(a.mtime, b.mtime);
	wbuf_free(&w);
}
END_TEST

START_TEST(attrs_only_flagged_fields)
{
	uint8_t p[] = {0, 0, 0, 4, 0, 0, 1, 0xed};
	struct rbuf r;
	struct sftp_attrs a;

	rbuf_init(&r, p, sizeof(p));
	ck_assert_int_eq(sftp_attrs_decode(&r, &a), 0);
	ck_assert_uint_eq(a.flags, SSH_FILEXFER_ATTR_PERMISSIONS);
	ck_assert_uint_eq(a.perm, 0755);
}
END_TEST

START_TEST(attrs_malformed)
{
	/* size flag but only 4 of 8 bytes */
	uint8_t trunc[] = {0, 0, 0, 1, 0, 0, 0, 0};
	/* extended: count 0x7fffffff with nothing behind it */
	uint8_t ext[] = {0x80, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff};
	/* extended: one pair whose string length points past the end */
	uint8_t ext2[] = {0x80, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0};
	uint8_t empty[] = {0};
	struct rbuf r;
	struct sftp_attrs a;

	rbuf_init(&r, trunc, sizeof(trunc));
	ck_assert_int_eq(sftp_attrs_decode(&r, &a), -1);
	rbuf_init(&r, ext, sizeof(ext));
	ck_assert_int_eq(sftp_attrs_decode(&r, &a), -1);
	rbuf_init(&r, ext2, sizeof(ext2));
	ck_assert_int_eq(sftp_attrs_decode(&r, &a), -1);
	rbuf_init(&r, empty, 0);
	ck_assert_int_eq(sftp_attrs_decode(&r, &a), -1);
}
END_TEST

START_TEST(attrs_extended_pairs_skipped)
{
	struct wbuf w;
	struct rbuf r;
	struct sftp_attrs a;

	wbuf_init(&w, 0, 1024);
	wbuf_put_u32(&w, SSH_FILEXFER_ATTR_EXTENDED | SSH_FILEXFER_ATTR_SIZE);
	wbuf_put_u64(&w, 5);
	wbuf_put_u32(&w, 1);
	wbuf_put_cstring(&w, "name@x");
	wbuf_put_cstring(&w, "value");
	wbuf_put_u8(&w, 0x42);
	rbuf_init(&r, w.p, w.len);
	ck_assert_int_eq(sftp_attrs_decode(&r, &a), 0);
	ck_assert_uint_eq(a.size, 5);
	ck_assert_uint_eq(rbuf_left(&r), 1);
	wbuf_free(&w);
}
END_TEST

START_TEST(reply_status_shape)
{
	struct wbuf w;
	struct rbuf r;
	uint32_t len, id, code;
	uint8_t type;
	const uint8_t *msg;
	uint32_t mlen;

	wbuf_init(&w, 0, 1024);
	ck_assert_int_eq(sftp_reply_status(&w, 77, SSH_FX_NO_SUCH_FILE, NULL), 0);
	rbuf_init(&r, w.p, w.len);
	ck_assert_int_eq(rbuf_get_u32(&r, &len), 0);
	ck_assert_uint_eq(len, w.len - 4);
	rbuf_get_u8(&r, &type);
	rbuf_get_u32(&r, &id);
	rbuf_get_u32(&r, &code);
	ck_assert_uint_eq(type, SSH_FXP_STATUS);
	ck_assert_uint_eq(id, 77);
	ck_assert_uint_eq(code, SSH_FX_NO_SUCH_FILE);
	ck_assert_int_eq(rbuf_get_string(&r, &msg, &mlen, 100), 0);
	ck_assert_int_eq((int)mlen, (int)strlen("No such file"));
	ck_assert_int_eq(rbuf_get_string(&r, &msg, &mlen, 100), 0);
	ck_assert_uint_eq(mlen, 0);
	ck_assert_uint_eq(rbuf_left(&r), 0);
	wbuf_free(&w);
}
END_TEST

START_TEST(reply_over_cap_fails)
{
	struct wbuf w;
	char big[200];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	wbuf_init(&w, 0, 64);
	ck_assert_int_eq(sftp_reply_name1(&w, 1, big, big, NULL), -1);
	wbuf_free(&w);
}
END_TEST

START_TEST(longname_format)
{
	struct stat st;
	char buf[256];
	time_t now = 1700000000;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0644;
	st.st_nlink = 1;
	st.st_uid = 1001;
	st.st_gid = 1002;
	st.st_size = 1234;
	st.st_mtime = now - 3600;
	ck_assert_int_eq(
	    sftp_longname(buf, sizeof(buf), "f.txt", &st, "alice", NULL, now), 0);
	ck_assert_msg(strncmp(buf, "-rw-r--r--    1 alice    1002         1234 ", 43) ==
	                  0,
	              "%s", buf);
	ck_assert_msg(strstr(buf, " f.txt") != NULL, "%s", buf);
	st.st_mode = S_IFDIR | 01777;
	sftp_mode_string(st.st_mode, buf);
	ck_assert_str_eq(buf, "drwxrwxrwt");
	sftp_mode_string(S_IFREG | 04755, buf);
	ck_assert_str_eq(buf, "-rwsr-xr-x");
	sftp_mode_string(S_IFLNK | 0777, buf);
	ck_assert_str_eq(buf, "lrwxrwxrwx");
	/* old files show the year */
	st.st_mtime = now - 400 * 24 * 3600;
	ck_assert_int_eq(sftp_longname(buf, sizeof(buf), "d", &st, NULL, NULL, now), 0);
	ck_assert_msg(strstr(buf, "  2022 d") != NULL, "%s", buf);
}
END_TEST

/* ---- monitor frames and start directories (worker/worker.c) ---- */

static char *
frame_through_pipe(const void *bytes, size_t n, size_t max, size_t *len)
{
	int p[2];
	char *f;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], bytes, n), (ssize_t)n);
	close(p[1]);
	f = frame_read(p[0], max, len);
	close(p[0]);
	return f;
}

START_TEST(monitor_frames)
{
	size_t len = 0;
	char *f;

	f = frame_through_pipe("\0\0\0\2{}", 6, 1024, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(len, 2);
	ck_assert_str_eq(f, "{}");
	free(f);
	ck_assert_ptr_null(frame_through_pipe("\0\0\0\0", 4, 1024, &len));
	ck_assert_ptr_null(
	    frame_through_pipe("\0\0\4\1{}", 6, 1024, &len)); /* over max */
	ck_assert_ptr_null(frame_through_pipe("\xff\xff\xff\xff", 4, 1024, &len));
	ck_assert_ptr_null(
	    frame_through_pipe("\0\0\0\x09{}", 6, 1024, &len)); /* cut short */
	ck_assert_ptr_null(frame_through_pipe("\0\0", 2, 1024, &len));
}
END_TEST

START_TEST(start_dir_expansion)
{
	char out[32];

	ck_assert_int_eq(
	    worker_expand_start_dir("%d/in/%u", "/home/al", "al", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/home/al/in/al");
	ck_assert_int_eq(worker_expand_start_dir("100%%", "/", "u", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "100%");
	ck_assert_int_eq(worker_expand_start_dir("bad%x", "/", "u", out, sizeof(out)),
	                 -1);
	ck_assert_int_eq(worker_expand_start_dir("end%", "/", "u", out, sizeof(out)), -1);
	ck_assert_int_eq(worker_expand_start_dir("%d%d%d%d", "/a-rather-long-home", "u",
	                                         out, sizeof(out)),
	                 -1);
}
END_TEST

START_TEST(home_created)
{
	char base[] = "/tmp/check_sftp_home.XXXXXX", home[128], err[256], cmd[160];
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(home, sizeof(home), "%s/a/b/home", base);
	ck_assert_int_eq(worker_make_home(home, 65534, 65534, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(home, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	if (geteuid() == 0)
		ck_assert_uint_eq(st.st_uid, 65534);
	/* an existing home is left alone; a file in its place is refused */
	ck_assert_int_eq(worker_make_home(home, -1, -1, err, sizeof(err)), 0);
	snprintf(home, sizeof(home), "%s/file", base);
	ck_assert_int_eq(close(open(home, O_CREAT | O_WRONLY, 0600)), 0);
	ck_assert_int_eq(worker_make_home(home, -1, -1, err, sizeof(err)), -1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ---- the engine fed malformed packets ---- */

START_TEST(engine_requires_init)
{
	struct sftp_settings st;
	struct sftp_server *s;
	char err[100];
	uint8_t stat_pkt[] = {SSH_FXP_STAT, 0, 0, 0, 1, 0, 0, 0, 1, '/'};
	uint8_t init[] = {SSH_FXP_INIT, 0, 0, 0, 3};

	sftp_settings_init(&st);
	s = sftp_server_new(&st, open("/", O_PATH | O_DIRECTORY), "/", 0, err,
	                    sizeof(err));
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sftp_process_packet(s, stat_pkt, sizeof(stat_pkt)), -1);
	ck_assert_int_eq(sftp_process_packet(s, init, 3), -1); /* truncated version */
	ck_assert_int_eq(sftp_process_packet(s, init, sizeof(init)), 0);
	ck_assert_uint_eq(sftp_server_output(s)->p[4], SSH_FXP_VERSION);
	/* VERSION advertises the extensions */
	ck_assert_ptr_nonnull(memmem(sftp_server_output(s)->p, sftp_server_output(s)->len,
	                             "posix-rename@openssh.com", 24));
	ck_assert_ptr_nonnull(memmem(sftp_server_output(s)->p, sftp_server_output(s)->len,
	                             "limits@openssh.com", 18));
	ck_assert_int_eq(sftp_process_packet(s, init, sizeof(init)), -1); /* twice */
	sftp_server_free(s);
	sftp_settings_free(&st);
}
END_TEST

START_TEST(engine_malformed_packets)
{
	struct tsrv t;
	uint8_t noid[] = {SSH_FXP_STAT, 0, 0};

	tsrv_open(&t, NULL);
	/* no id: the connection is closed */
	ck_assert_int_eq(sftp_process_packet(t.s, noid, sizeof(noid)), -1);
	/* unknown type: OP_UNSUPPORTED with the id */
	tsrv_begin(&t, 99);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_OP_UNSUPPORTED);
	/* unknown extension */
	tsrv_begin(&t, SSH_FXP_EXTENDED);
	wbuf_put_cstring(&t.pkt, "nope@example.com");
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_OP_UNSUPPORTED);
	/* string length past the end of the packet */
	tsrv_begin(&t, SSH_FXP_STAT);
	wbuf_put_u32(&t.pkt, 1000);
	wbuf_put_bytes(&t.pkt, "/abc", 4);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_BAD_MESSAGE);
	/* OPEN without attrs */
	tsrv_begin(&t, SSH_FXP_OPEN);
	wbuf_put_cstring(&t.pkt, "/x");
	wbuf_put_u32(&t.pkt, SSH_FXF_READ);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_BAD_MESSAGE);
	/* READ on a handle that was never opened */
	tsrv_begin(&t, SSH_FXP_READ);
	wbuf_put_string(&t.pkt, "\0\0\0\7", 4);
	wbuf_put_u64(&t.pkt, 0);
	wbuf_put_u32(&t.pkt, 100);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_FAILURE);
	/* handle of the wrong length */
	tsrv_begin(&t, SSH_FXP_CLOSE);
	wbuf_put_string(&t.pkt, "\0\0\0\0\0", 5);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_FAILURE);
	/* path with an embedded NUL */
	tsrv_begin(&t, SSH_FXP_STAT);
	wbuf_put_string(&t.pkt, "a\0b", 3);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_ne(tsrv_status(&t), SSH_FX_OK);
	/* over-long path */
	{
		char longp[5000];
		memset(longp, 'a', sizeof(longp) - 1);
		longp[sizeof(longp) - 1] = '\0';
		ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_STAT, longp),
		                 SSH_FX_BAD_MESSAGE);
	}
	/* a packet longer than max_packet is refused outright */
	ck_assert_int_eq(sftp_process_packet(t.s, t.pkt.p, 300 * 1024), -1);
	tsrv_close(&t);
}
END_TEST

START_TEST(engine_read_write_limits)
{
	struct tsrv t;
	uint32_t h;
	uint8_t hb[4];
	struct rbuf r;
	const uint8_t *d;
	uint32_t dl;

	tsrv_open(&t, NULL);
	h = tsrv_open_handle(&t, "/f", SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_READ);
	poke_u32(hb, h);
	/* out-of-order writes */
	tsrv_begin(&t, SSH_FXP_WRITE);
	wbuf_put_string(&t.pkt, hb, 4);
	wbuf_put_u64(&t.pkt, 5);
	wbuf_put_cstring(&t.pkt, "world");
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_OK);
	tsrv_begin(&t, SSH_FXP_WRITE);
	wbuf_put_string(&t.pkt, hb, 4);
	wbuf_put_u64(&t.pkt, 0);
	wbuf_put_cstring(&t.pkt, "hello");
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_OK);
	/* a write at a huge offset fails cleanly */
	tsrv_begin(&t, SSH_FXP_WRITE);
	wbuf_put_string(&t.pkt, hb, 4);
	wbuf_put_u64(&t.pkt, UINT64_MAX - 2);
	wbuf_put_cstring(&t.pkt, "xyz");
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_FAILURE);
	/* READ with a huge length is capped; data is what was written */
	tsrv_begin(&t, SSH_FXP_READ);
	wbuf_put_string(&t.pkt, hb, 4);
	wbuf_put_u64(&t.pkt, 0);
	wbuf_put_u32(&t.pkt, UINT32_MAX);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_reply_type(&t), SSH_FXP_DATA);
	tsrv_body(&t, &r);
	ck_assert_int_eq(rbuf_get_string(&r, &d, &dl, 1 << 20), 0);
	ck_assert_uint_eq(dl, 10);
	ck_assert_mem_eq(d, "helloworld", 10);
	/* READ past the end: EOF */
	tsrv_begin(&t, SSH_FXP_READ);
	wbuf_put_string(&t.pkt, hb, 4);
	wbuf_put_u64(&t.pkt, 1000);
	wbuf_put_u32(&t.pkt, 10);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_EOF);
	tsrv_begin(&t, SSH_FXP_CLOSE);
	wbuf_put_string(&t.pkt, hb, 4);
	ck_assert_int_eq(tsrv_send(&t), 0);
	/* the failed write marked the transfer as failed, but the file is there (mode 0)
	 */
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_OK);
	ck_assert(tsrv_exists(&t, "f"));
	/* the handle is gone */
	tsrv_begin(&t, SSH_FXP_CLOSE);
	wbuf_put_string(&t.pkt, hb, 4);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_FAILURE);
	tsrv_close(&t);
}
END_TEST

START_TEST(engine_handle_limit)
{
	struct tsrv t;

	tsrv_open(&t, "{\"max_handles\": 2}");
	tsrv_mkfile(&t, "f", "x");
	tsrv_open_handle(&t, "/f", SSH_FXF_READ);
	tsrv_open_handle(&t, "/f", SSH_FXF_READ);
	tsrv_begin(&t, SSH_FXP_OPEN);
	wbuf_put_cstring(&t.pkt, "/f");
	wbuf_put_u32(&t.pkt, SSH_FXF_READ);
	wbuf_put_u32(&t.pkt, 0);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_FAILURE);
	tsrv_close(&t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sftp_codec");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, frame_check_complete_partial_bad);
	tcase_add_test(tc, attrs_roundtrip);
	tcase_add_test(tc, attrs_only_flagged_fields);
	tcase_add_test(tc, attrs_malformed);
	tcase_add_test(tc, attrs_extended_pairs_skipped);
	tcase_add_test(tc, reply_status_shape);
	tcase_add_test(tc, reply_over_cap_fails);
	tcase_add_test(tc, longname_format);
	tcase_add_test(tc, monitor_frames);
	tcase_add_test(tc, start_dir_expansion);
	tcase_add_test(tc, home_created);
	suite_add_tcase(s, tc);
	tc = tcase_create("engine");
	tcase_add_test(tc, engine_requires_init);
	tcase_add_test(tc, engine_malformed_packets);
	tcase_add_test(tc, engine_read_write_limits);
	tcase_add_test(tc, engine_handle_limit);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
