/* SPDX-License-Identifier: BSD-2-Clause */
/* Extension-filter flag values (see extfilter.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/extfilter.h"
#include "common/vpath.h"

#define EXT_DIR_MAX 4096

static const char *const list_name[2] = {"allowed_extensions", "denied_extensions"};

/* The filter of dir in list (made with both lists empty when missing), or NULL. */
static json_t *
filter_for(json_t *list, const char *dir)
{
	size_t i;
	json_t *f;

	json_array_foreach(list, i, f)
	{
		const char *p = json_string_value(json_object_get(f, "path"));
		if (p != NULL && strcmp(p, dir) == 0)
			return f;
	}
	f = json_pack("{s:s, s:[], s:[]}", "path", dir, list_name[0], list_name[1]);
	if (f == NULL || json_array_append_new(list, f) != 0)
		return NULL;
	return f;
}

int
extfilter_add(json_t *list, const char *v, int denied, char *err, size_t errlen)
{
	const char *sep = strstr(v, "::");
	char raw[EXT_DIR_MAX], dir[EXT_DIR_MAX], *exts, *save = NULL;
	int rc = 0, n = 0;

	if (sep == NULL || sep == v || sep[2] == '\0' ||
	    (size_t)(sep - v) >= sizeof(raw)) {
		snprintf(err, errlen, "\"%s\" is not /dir::.ext1,.ext2", v);
		return 1;
	}
	memcpy(raw, v, (size_t)(sep - v));
	raw[sep - v] = '\0';
	if (raw[0] != '/') {
		snprintf(dir, sizeof(dir), "%s", raw);
	} else if (vpath_normalize("/", raw, strlen(raw), dir, sizeof(dir)) != 0) {
		snprintf(err, errlen, "\"%s\" is not a valid path", raw);
		return 1;
	}
	json_t *f = filter_for(list, dir);
	json_t *arr = json_object_get(f, list_name[denied != 0]);
	if (f == NULL || arr == NULL || (exts = strdup(sep + 2)) == NULL)
		return -1;
	for (char *t = strtok_r(exts, ",", &save); rc == 0 && t != NULL;
	     t = strtok_r(NULL, ",", &save), n++)
		if (json_array_append_new(arr, json_string(t)) != 0)
			rc = -1;
	free(exts);
	if (rc == 0 && n == 0) {
		snprintf(err, errlen, "\"%s\" names no extension", v);
		rc = 1;
	}
	return rc;
}

void
extfilter_finish(json_t *list)
{
	size_t i;
	json_t *f;

	json_array_foreach(list, i, f)
	{
		for (int k = 0; k < 2; k++)
			if (json_array_size(json_object_get(f, list_name[k])) == 0)
				json_object_del(f, list_name[k]);
	}
}
