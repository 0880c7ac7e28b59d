/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

/*
 * libFuzzer target for the worker protocol (worker/proto.h) and the worker's
 * start-up input: the settings frame the monitor sends (frame_read from a
 * memfd, then worker_settings_parse of its JSON), the same bytes as an event frame
 * the monitor decodes (wp_event_decode), and sftp-server's -d expansion
 * (worker_expand_start_dir). The input is the raw frame; its last bytes double as
 * a -d template.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sftp/settings.h"
#include "worker/events.h"
#include "worker/proto.h"
#include "worker/settings.h"
#include "common/rpc.h"
#include "worker/worker.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	wev_init(-1, 0);
	return 0;
}

static void
parse_frame(const uint8_t *data, size_t size)
{
	int fd = memfd_create("settings-frame", MFD_CLOEXEC);
	size_t len = 0;
	char *json;

	if (fd < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	json = frame_read(fd, 1u << 20, &len);
	close(fd);
	if (json == NULL)
		return;
	struct sftp_settings st;
	char err[256];

	if (sftp_settings_init(&st) != 0)
		abort();
	if (worker_settings_parse(&st, json, len, err, sizeof(err)) == 0) {
		/* What was accepted must be in range. */
		if (st.upload_mode < 0 || st.upload_mode > 2 || st.setstat_mode < 0 ||
		    st.setstat_mode > 1 || st.max_handles == 0 || st.max_packet == 0) {
			fprintf(stderr,
			        "settings_fuzz: out-of-range settings accepted\n");
			abort();
		}
	}
	sftp_settings_free(&st);
	free(json);
}

/* An event the monitor accepts re-encodes to one it accepts again, alike. */
static void
decode_event(const uint8_t *data, size_t size)
{
	struct wp_event e, again;
	char err[256], *s;

	if (wp_event_decode(&e, data, size, err, sizeof(err)) == WP_EV_OK) {
		s = wp_event_encode(&e);
		if (s == NULL ||
		    wp_event_decode(&again, s, strlen(s), err, sizeof(err)) != WP_EV_OK ||
		    again.kind != e.kind) {
			fprintf(stderr, "settings_fuzz: event round trip failed\n");
			abort();
		}
		wp_event_free(&again);
		free(s);
	}
	wp_event_free(&e);
}

static void
expand(const uint8_t *data, size_t size)
{
	char in[512], out[256];
	size_t n = size < sizeof(in) - 1 ? size : sizeof(in) - 1;

	memcpy(in, data + (size - n), n);
	in[n] = '\0';
	if (worker_expand_start_dir(in, "/home/%u/x", "us%er", out, sizeof(out)) == 0 &&
	    strnlen(out, sizeof(out)) == sizeof(out)) {
		fprintf(stderr, "settings_fuzz: expansion not terminated\n");
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_frame(data, size);
	decode_event(data, size);
	expand(data, size);
	return 0;
}
