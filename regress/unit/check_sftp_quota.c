/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The engine's quota (sftp/quota.c) against a fake ledger: chunked reservations,
 * enforcement while writing, what is counted for overwrites, removes, renames,
 * appends, and what each upload_mode leaves after a disconnect.
 */
#include "config.h"

#include <sys/stat.h>

#include "check_sftp_util.h"
#include "sftp/quota.h"

#define MIB (1024 * 1024)

static struct {
	int64_t limit_size, limit_files;
	int64_t used_size, used_files, res_size, res_files;
	int reserves, updates;
} L;

static int
f_reserve(int at_open, int need_files, int64_t need, int64_t want, int64_t *granted)
{
	int64_t avail = L.limit_size - L.used_size - L.res_size;

	L.reserves++;
	ck_assert_int_ge(want, need);
	if (L.limit_files > 0 && need_files > 0 &&
	    L.used_files + L.res_files + need_files > L.limit_files)
		return -1;
	if (L.limit_size > 0 && ((at_open && avail <= 0) || need > avail))
		return -1;
	*granted = L.limit_size > 0 ? (want < avail ? want : avail) : 0;
	L.res_size += *granted;
	L.res_files += need_files;
	return 0;
}

static void
f_update(int64_t files, int64_t size, int64_t rel_files, int64_t rel_size)
{
	L.updates++;
	L.used_files += files;
	L.used_size += size;
	L.res_files -= rel_files;
	L.res_size -= rel_size;
	ck_assert_int_ge(L.res_files, 0);
	ck_assert_int_ge(L.res_size, 0);
}

static const struct sftp_quota_ops fake = {.reserve = f_reserve, .update = f_update};

/* An engine with track_quota and the limits, the fake ledger at used 0. */
static void
qopen(struct tsrv *t, int64_t size, int64_t files, int mode)
{
	char json[256];

	memset(&L, 0, sizeof(L));
	L.limit_size = size;
	L.limit_files = files;
	snprintf(json, sizeof(json),
	         "{\"track_quota\": true, \"quota_size\": %lld, \"quota_files\": %lld, "
	         "\"upload_mode\": %d}",
	         (long long)size, (long long)files, mode);
	sftp_set_quota_ops(&fake);
	tsrv_open(t, json);
}

static int
write_n(struct tsrv *t, uint32_t h, uint64_t off, size_t n)
{
	static uint8_t data[256 * 1024];
	uint8_t hb[4];

	ck_assert_uint_le(n, sizeof(data));
	poke_u32(hb, h);
	tsrv_begin(t, SSH_FXP_WRITE);
	wbuf_put_string(&t->pkt, hb, 4);
	wbuf_put_u64(&t->pkt, off);
	wbuf_put_string(&t->pkt, data, n);
	ck_assert_int_eq(tsrv_send(t), 0);
	return tsrv_status(t);
}

static int
open_status(struct tsrv *t, const char *path, uint32_t pflags)
{
	tsrv_begin(t, SSH_FXP_OPEN);
	wbuf_put_cstring(&t->pkt, path);
	wbuf_put_u32(&t->pkt, pflags);
	wbuf_put_u32(&t->pkt, 0);
	ck_assert_int_eq(tsrv_send(t), 0);
	return tsrv_status(t);
}

/* The message of the STATUS reply. */
static void
status_msg_is(struct tsrv *t, const char *want)
{
	struct rbuf r;
	const uint8_t *m;
	uint32_t code, n;

	tsrv_body(t, &r);
	ck_assert_int_eq(rbuf_get_u32(&r, &code), 0);
	ck_assert_int_eq(rbuf_get_string(&r, &m, &n, 256), 0);
	ck_assert_uint_eq(n, strlen(want));
	ck_assert_int_eq(memcmp(m, want, n), 0);
}

/* A file already there and already counted by the ledger. */
static void
counted_file(struct tsrv *t, const char *rel, const char *content)
{
	tsrv_mkfile(t, rel, content);
	L.used_files++;
	L.used_size += (int64_t)strlen(content);
}

#define W_NEW (SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_TRUNC)

START_TEST(big_upload_reserves_in_chunks)
{
	struct tsrv t;
	uint32_t h;

	qopen(&t, 100 * MIB, 0, 0);
	h = tsrv_open_handle(&t, "/big", W_NEW);
	for (uint64_t off = 0; off < 10 * MIB; off += 128 * 1024)
		ck_assert_int_eq(write_n(&t, h, off, 128 * 1024), SSH_FX_OK);
	/* the open's chunk and two more for 10 MiB: not one per write */
	ck_assert_int_le(L.reserves, 4);
	ck_assert_int_eq(tsrv_close_handle(&t, h), SSH_FX_OK);
	ck_assert_int_eq(L.used_files, 1);
	ck_assert_int_eq(L.used_size, 10 * MIB);
	ck_assert_int_eq(L.res_size, 0); /* the pool went back with the last upload */
	tsrv_close(&t);
}
END_TEST

START_TEST(write_over_quota_fails_with_sftpgo_message)
{
	struct tsrv t;
	uint32_t h;

	qopen(&t, 1000, 0, 0);
	h = tsrv_open_handle(&t, "/f", W_NEW);
	ck_assert_int_eq(write_n(&t, h, 0, 600), SSH_FX_OK);
	ck_assert_int_eq(write_n(&t, h, 600, 600), SSH_FX_FAILURE);
	status_msg_is(&t, SFTP_QUOTA_MSG);
	ck_assert_int_eq(write_n(&t, h, 600, 400), SSH_FX_OK); /* up to the limit */
	ck_assert_int_eq(tsrv_close_handle(&t, h), SSH_FX_OK);
	ck_assert_int_eq(L.used_size, 1000);
	/* full: even an overwrite is refused at open, as SFTPGo does */
	ck_assert_int_eq(open_status(&t, "/f", W_NEW), SSH_FX_FAILURE);
	status_msg_is(&t, SFTP_QUOTA_MSG);
	ck_assert_int_eq(L.res_size, 0);
	tsrv_close(&t);
}
END_TEST

START_TEST(overwrite_counts_the_difference)
{
	struct tsrv t;
	uint32_t h;

	qopen(&t, 1000, 0, 0);
	counted_file(&t, "f", "original");
	h = tsrv_open_handle(&t, "/f", W_NEW);
	ck_assert_int_eq(write_n(&t, h, 0, 3), SSH_FX_OK);
	ck_assert_int_eq(tsrv_close_handle(&t, h), SSH_FX_OK);
	ck_assert_int_eq(L.used_files, 1);
	ck_assert_int_eq(L.used_size, 3);
	h = tsrv_open_handle(&t, "/f", W_NEW);
	ck_assert_int_eq(write_n(&t, h, 0, 900), SSH_FX_OK);
	ck_assert_int_eq(tsrv_close_handle(&t, h), SSH_FX_OK);
	ck_assert_int_eq(L.used_files, 1);
	ck_assert_int_eq(L.used_size, 900);
	tsrv_close(&t);
}
END_TEST

START_TEST(append_counts_from_the_end)
{
	struct tsrv t;
	uint32_t h;

	qopen(&t, 1000, 0, 0);
	counted_file(&t, "f", "original");
	h = tsrv_open_handle(&t, "/f", SSH_FXF_WRITE | SSH_FXF_APPEND);
	/* offset 0, but O_APPEND writes at 8: 992 fit, 993 do not */
	ck_assert_int_eq(write_n(&t, h, 0, 993), SSH_FX_FAILURE);
	ck_assert_int_eq(write_n(&t, h, 0, 992), SSH_FX_OK);
	ck_assert_int_eq(tsrv_close_handle(&t, h), SSH_FX_OK);
	ck_assert_int_eq(L.used_size, 1000);
	tsrv_close(&t);
}
END_TEST

START_TEST(remove_rename_link)
{
	struct tsrv t;
	char p[300];

	qopen(&t, 0, 0, 0); /* counted, no limit */
	counted_file(&t, "a", "12345");
	counted_file(&t, "b", "123");
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_RENAME, NULL, "/a", "/c"),
	                 SSH_FX_OK);
	ck_assert_int_eq(L.used_files, 2);
	ck_assert_int_eq(L.used_size, 8);
	/* posix-rename over b: b's 3 bytes and one file go */
	ck_assert_int_eq(tsrv_two_path_req(&t, SSH_FXP_EXTENDED,
	                                   "posix-rename@openssh.com", "/c", "/b"),
	                 SSH_FX_OK);
	ck_assert_int_eq(L.used_files, 1);
	ck_assert_int_eq(L.used_size, 5);
	ck_assert_int_eq(
	    tsrv_two_path_req(&t, SSH_FXP_EXTENDED, "hardlink@openssh.com", "/b", "/d"),
	    SSH_FX_OK);
	ck_assert_int_eq(L.used_files, 2);
	ck_assert_int_eq(L.used_size, 10);
	snprintf(p, sizeof(p), "%s/l", t.root);
	ck_assert_int_eq(symlink("b", p), 0);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_REMOVE, "/l"), SSH_FX_OK);
	ck_assert_int_eq(L.used_files, 2); /* a symlink is not counted */
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_REMOVE, "/d"), SSH_FX_OK);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_REMOVE, "/b"), SSH_FX_OK);
	ck_assert_int_eq(L.used_files, 0);
	ck_assert_int_eq(L.used_size, 0);
	tsrv_close(&t);
}
END_TEST

START_TEST(quota_files_at_open)
{
	struct tsrv t;
	uint32_t h;

	qopen(&t, 0, 1, 0);
	counted_file(&t, "f", "x");
	ck_assert_int_eq(open_status(&t, "/g", W_NEW), SSH_FX_FAILURE);
	ck_assert_int_eq(tsrv_entries(&t), 1); /* not created */
	h = tsrv_open_handle(&t, "/f", W_NEW); /* an overwrite is no new file */
	ck_assert_int_eq(tsrv_close_handle(&t, h), SSH_FX_OK);
	ck_assert_int_eq(L.used_files, 1);
	ck_assert_int_eq(L.used_size, 0);
	ck_assert_int_eq(L.res_files, 0);
	tsrv_close(&t);
}
END_TEST

/* A cut connection: what each upload_mode leaves in place is what counts. */
START_TEST(disconnect_per_upload_mode)
{
	static const int64_t want[3] = {100, 0, 100};

	for (int mode = 0; mode <= 2; mode++) {
		struct tsrv t;
		uint32_t h;
		qopen(&t, 1000, 0, mode);
		h = tsrv_open_handle(&t, "/f", W_NEW);
		ck_assert_int_eq(write_n(&t, h, 0, 100), SSH_FX_OK);
		sftp_server_shutdown(t.s, "connection lost");
		ck_assert_int_eq(L.used_size, want[mode]);
		ck_assert_int_eq(L.used_files, want[mode] != 0);
		ck_assert_int_eq(L.res_size, 0);
		tsrv_close(&t);
	}
}
END_TEST

START_TEST(setstat_size_reserved_and_counted)
{
	struct tsrv t;

	qopen(&t, 1000, 0, 0);
	counted_file(&t, "f", "12345");
	tsrv_begin(&t, SSH_FXP_SETSTAT);
	wbuf_put_cstring(&t.pkt, "/f");
	wbuf_put_u32(&t.pkt, SSH_FILEXFER_ATTR_SIZE);
	wbuf_put_u64(&t.pkt, 2000);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_FAILURE);
	tsrv_begin(&t, SSH_FXP_SETSTAT);
	wbuf_put_cstring(&t.pkt, "/f");
	wbuf_put_u32(&t.pkt, SSH_FILEXFER_ATTR_SIZE);
	wbuf_put_u64(&t.pkt, 900);
	ck_assert_int_eq(tsrv_send(&t), 0);
	ck_assert_int_eq(tsrv_status(&t), SSH_FX_OK);
	ck_assert_int_eq(L.used_size, 900);
	ck_assert_int_eq(L.res_size, 0);
	tsrv_close(&t);
}
END_TEST

START_TEST(not_tracked_asks_nothing)
{
	struct tsrv t;
	uint32_t h;

	memset(&L, 0, sizeof(L));
	sftp_set_quota_ops(&fake);
	tsrv_open(&t, "{\"quota_size\": 10}"); /* limits without track_quota */
	h = tsrv_open_handle(&t, "/f", W_NEW);
	ck_assert_int_eq(write_n(&t, h, 0, 100), SSH_FX_OK);
	ck_assert_int_eq(tsrv_close_handle(&t, h), SSH_FX_OK);
	ck_assert_int_eq(tsrv_path_req(&t, SSH_FXP_REMOVE, "/f"), SSH_FX_OK);
	ck_assert_int_eq(L.reserves + L.updates, 0);
	tsrv_close(&t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sftp_quota");
	TCase *tc = tcase_create("quota");

	tcase_add_test(tc, big_upload_reserves_in_chunks);
	tcase_add_test(tc, write_over_quota_fails_with_sftpgo_message);
	tcase_add_test(tc, overwrite_counts_the_difference);
	tcase_add_test(tc, append_counts_from_the_end);
	tcase_add_test(tc, remove_rename_link);
	tcase_add_test(tc, quota_files_at_open);
	tcase_add_test(tc, disconnect_per_upload_mode);
	tcase_add_test(tc, setstat_size_reserved_and_counted);
	tcase_add_test(tc, not_tracked_asks_nothing);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
