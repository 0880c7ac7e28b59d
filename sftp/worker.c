/* sftpgo-worker start-up helpers that tests reach (see sftp/worker.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "sftp/worker.h"

static int
read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			errno = ENODATA; /* the peer closed inside the frame */
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

char *
worker_read_frame(int fd, size_t max, size_t *len)
{
	uint8_t hdr[4];
	uint32_t n;
	char *buf;

	if (read_full(fd, hdr, 4) != 0)
		return NULL;
	n = peek_u32(hdr);
	if (n == 0 || n > max) {
		errno = EMSGSIZE;
		return NULL;
	}
	if ((buf = malloc((size_t)n + 1)) == NULL)
		return NULL;
	if (read_full(fd, buf, n) != 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int
worker_expand_start_dir(const char *in, const char *home, const char *user, char *out,
                        size_t outsz)
{
	size_t o = 0;

	for (const char *p = in; *p != '\0'; p++) {
		const char *add = NULL;
		char one[2] = {*p, '\0'};
		if (*p == '%') {
			p++;
			if (*p == 'd')
				add = home;
			else if (*p == 'u')
				add = user;
			else if (*p == '%')
				add = "%";
			else
				return -1;
		} else {
			add = one;
		}
		size_t n = strlen(add);
		if (o + n >= outsz)
			return -1;
		memcpy(out + o, add, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}
