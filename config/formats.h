/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The configuration formats other than JSON, each turned into the same JSON tree
 * the JSON loader validates (config/conf.c): one validation path. YAML through
 * libyaml keeps its types (plain 22 is an integer, true/false booleans, quoted
 * scalars strings); the flat formats (dotenv, Java properties, INI) give strings under
 * dotted keys ("sftpd.bind_port"), typed afterwards by the key table as the
 * environment overrides are. TOML and HCL are strict subsets (below).
 */
#ifndef SFTPGO_CONFIG_FORMATS_H
#define SFTPGO_CONFIG_FORMATS_H

#include <jansson.h>
#include <stddef.h>

enum conf_format {
	CONF_JSON,
	CONF_YAML,
	CONF_ENV,
	CONF_PROPERTIES,
	CONF_TOML,
	CONF_HCL,
	CONF_INI,
};

/*
 * A YAML document: one mapping at the top; anchors, aliases, tags other than the
 * core ones, duplicate keys and non-scalar keys are refused. NULL with err
 * ("line:column: why") on any error.
 */
json_t *conf_yaml_parse(const char *text, size_t len, char *err, size_t errlen);

/*
 * dotenv (CONF_ENV: KEY=value, optional "export ", '#' comments, values optionally
 * in single or double quotes) or Java properties (CONF_PROPERTIES: key=value or
 * key: value, '#' and '!' comments, backslash escapes \\ \t \n \r \f \= \: \#
 * \! and \ followed by a space; no line continuation, no \u escapes). Keys are
 * lower-cased and split at '.' into nested objects; every value is a string. A
 * key given twice, an empty key or component, a key both a value and a parent,
 * or a NUL byte is refused. NULL with err ("line N: why"). CONF_INI: "[section]"
 * headers prefix the keys below them ("section.key"), ';' and '#' comments,
 * values quoted as in dotenv; a key before any section is refused.
 */
json_t *conf_flat_parse(enum conf_format fmt, const char *text, size_t len, char *err,
                        size_t errlen);

/*
 * TOML, the subset a configuration needs: [table] and [[array.of.tables]]
 * headers, bare (dotted) keys, "basic" and 'literal' one-line strings, decimal
 * integers, true/false, arrays (over several lines) and one-line inline tables;
 * comments. Floats, dates, quoted keys, multi-line strings, \u escapes, a key or
 * table given twice are refused. NULL with err ("line N: why").
 */
json_t *conf_toml_parse(const char *text, size_t len, char *err, size_t errlen);

/*
 * HCL (version 1, as SFTPGo read it), a subset: "key = value" and "key { ... }"
 * blocks (no labels), values as in TOML plus multi-line { } objects, entries
 * separated by newlines or commas, '#', '//' and block comments. A key or block
 * given twice is refused. NULL with err ("line N: why").
 */
json_t *conf_hcl_parse(const char *text, size_t len, char *err, size_t errlen);

#endif
