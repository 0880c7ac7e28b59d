/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

/*
 * libFuzzer target for the configuration formats other than JSON
 * (config/formats.c): the bytes as YAML, TOML, HCL, dotenv, Java properties and INI.
 * Beyond memory safety: a tree that comes back is a JSON object whose every leaf of the
 * flat formats is a string, and it serialises (jansson accepts only UTF-8).
 */

#include <stdint.h>
#include <stdlib.h>

#include "config/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Flat formats: objects all the way down to strings. */
static void
check_flat(json_t *o)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
	{
		if (json_is_object(v))
			check_flat(v);
		else if (!json_is_string(v))
			abort();
	}
}

static void
check_tree(json_t *root, int flat)
{
	if (root == NULL)
		return;
	if (!json_is_object(root))
		abort();
	if (flat)
		check_flat(root);
	char *s = json_dumps(root, JSON_COMPACT);
	if (s == NULL)
		abort();
	free(s);
	json_decref(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	const char *text = (const char *)data;

	if (size > 65536)
		return 0;
	check_tree(conf_yaml_parse(text, size, err, sizeof(err)), 0);
	check_tree(conf_toml_parse(text, size, err, sizeof(err)), 0);
	check_tree(conf_hcl_parse(text, size, err, sizeof(err)), 0);
	check_tree(conf_flat_parse(CONF_ENV, text, size, err, sizeof(err)), 1);
	check_tree(conf_flat_parse(CONF_PROPERTIES, text, size, err, sizeof(err)), 1);
	check_tree(conf_flat_parse(CONF_INI, text, size, err, sizeof(err)), 1);
	return 0;
}
