#include "config.h"

/*
 * libFuzzer target for the monitor's decoders of bytes from unprivileged processes:
 * rpc_decode (frames from sessions and the listener) and the stream frame reader
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_msg m;
	char err[256];

	if (rpc_decode(data, size, -1, &m, err, sizeof(err)) == 0) {
		for (int i = 0; i < m.ns; i++)
			if (m.slen[i] > 0 && m.s[i][m.slen[i]] != '\0')
				__builtin_trap(); /* copies must stay NUL-terminated */
		rpc_msg_free(&m);
	}
	stream(data, size);
	return 0;
}
