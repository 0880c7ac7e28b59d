/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

/*
 * libFuzzer target for the line parsers of `sftpgo user import` (passwd, shadow,
 * Pure-FTPd, ProFTPD lines from files an admin may have been handed). Beyond memory
 * safety: a refusal always has a reason; an accepted record has a non-empty name
 * within its bound, ids within [0, 2^31-1], an absolute home within its bound, and
 * strings that lie inside the line.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/import_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
inside(const char *s, const char *line, size_t len)
{
	return s >= line && s <= line + len && strlen(s) <= len;
}

static void
check_record(const struct import_record *r, const char *line, size_t len)
{
	if (r->name == NULL || r->name[0] == '\0' || strlen(r->name) > IMPORT_NAME_MAX ||
	    !inside(r->name, line, len) || !inside(r->hash, line, len))
		abort();
	if (r->home == NULL || r->home[0] != '/' || strlen(r->home) > IMPORT_HOME_MAX ||
	    !inside(r->home, line, len))
		abort();
	if (r->uid < 0 || r->uid > IMPORT_ID_MAX || r->gid < 0 || r->gid > IMPORT_ID_MAX)
		abort();
	if (r->upload_bw < 0 || r->download_bw < 0 || r->max_sessions < 0 ||
	    r->quota_files < 0 || r->quota_size < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	char why[300];

	if (line == NULL)
		return 0;
	for (int f = IMPORT_UNIX_PASSWD; f <= IMPORT_PROFTPD; f++) {
		struct import_record r;
		memcpy(line, data, size);
		line[size] = '\0';
		why[0] = '\0';
		enum import_verdict v = import_parse_line((enum import_format)f, line,
		                                          size, &r, why, sizeof(why));
		if (v == IMPORT_REFUSED && why[0] == '\0')
			abort();
		if (v == IMPORT_OK)
			check_record(&r, line, size);
	}
	struct import_shadow s;
	memcpy(line, data, size);
	line[size] = '\0';
	why[0] = '\0';
	enum import_verdict v = import_parse_shadow(line, size, &s, why, sizeof(why));
	if (v == IMPORT_REFUSED && why[0] == '\0')
		abort();
	if (v == IMPORT_OK) {
		int active;
		int64_t exp;
		if (s.name == NULL || s.name[0] == '\0' || s.hash == NULL)
			abort();
		import_shadow_status(&s, 20000, &active, &exp);
		if (exp < 0 || (active != 0 && active != 1))
			abort();
	}
	free(line);
	return 0;
}
