/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

/*
 * libFuzzer target for the monitor's decoders of bytes from unprivileged processes:
 * rpc_decode of every message type declared in common/rpc_msgs.def (frames from
 * sessions and the listener) and the stream frame reader
 * (worker events). Build: clang -fsanitize=fuzzer,address,undefined with
 * common/rpc.c common/buf.c common/fdpass.c (see fuzz/run-fuzz for the flags).
 */

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
stream(const uint8_t *data, size_t size)
{
	int sv[2];
	struct frame_reader r;
	const uint8_t *body;
	size_t len;

	if (size > 60000 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return;
	if (write(sv[0], data, size) != (ssize_t)size) {
		close(sv[0]);
		close(sv[1]);
		return;
	}
	close(sv[0]);
	frame_reader_init(&r, 4096);
	while (frame_reader_fill(&r, sv[1]) > 0) {
		int rc;
		while ((rc = frame_reader_next(&r, &body, &len)) == 1)
			if (len > 0)
				(void)body[len - 1];
		if (rc < 0)
			break;
	}
	frame_reader_free(&r);
	close(sv[1]);
}

/*
 * What the decoder guarantees for every type of common/rpc_msgs.def: strings within
 * their caps and NUL-terminated, integers within their ranges, and a decoded message
 * that encodes back to the very same frame.
 */
static void
check_decoded(const uint8_t *data, size_t size, struct rpc_msg *m)
{
	static uint8_t again[RPC_MAX_FRAME];
	const struct rpc_msg_spec *sp = rpc_msg_spec(m->type);
	const char *body = (const char *)&m->fd;

	if (sp == NULL)
		__builtin_trap();
	for (int i = 0; i < sp->nfields; i++) {
		const struct rpc_field_spec *f = &sp->fields[i];
		size_t n;
		if (f->kind == RPC_FIELD_U32) {
			uint32_t v = rpc_field_u32(body, f);
			if (v < f->min || v > f->max)
				__builtin_trap();
			continue;
		}
		const char *p = rpc_field_str(body, f, &n);
		if (p == NULL || n > f->max || p[n] != '\0')
			__builtin_trap(); /* copies must stay NUL-terminated */
	}
	ssize_t n = rpc_encode(again, sizeof(again), m->type, body);
	if (n < 0 || (size_t)n != size || memcmp(again, data, size) != 0)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_msg m;
	char err[256];

	if (rpc_decode(data, size, -1, &m, err, sizeof(err)) == 0) {
		check_decoded(data, size, &m);
		rpc_msg_free(&m);
	}
	stream(data, size);
	return 0;
}
