/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A string list as a JSON array of strings, for the root-side modules that speak
 * JSON (account/, config/). Header-only so that libcommon.a, which every process
 * links, does not depend on jansson.
 */
#ifndef SFTPGO_COMMON_STRLIST_JSON_H
#define SFTPGO_COMMON_STRLIST_JSON_H

#include <jansson.h>

#include "common/strlist.h"

/* A new array (NULL when out of memory). */
static inline json_t *
strlist_to_json(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < l->n; i++) {
		if (json_array_append_new(a, json_string(l->v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

#endif
