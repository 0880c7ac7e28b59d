/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The REST API's text rules shared by sftpgo-httpd (which checks a request before
 * it becomes a monitor message) and the monitor (which checks the message again
 * and writes the answer): SFTPGo 0.9.6's response envelope and JSON encoding, the
 * {userID} syntax, the dumpdata/loaddata file parameters
 * (../shared/spec/rest-api-v1.md sections 1.3, 1.4, 9). Pure functions: no I/O.
 */
#ifndef SFTPGO_HTTPD_API_H
#define SFTPGO_HTTPD_API_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Request bodies (POST/PUT user, POST quota_scan): SFTPGo's 1 MiB. */
#define API_BODY_MAX (1024 * 1024)
/* The loaddata file: SFTPGo's 10 MiB. */
#define API_LOADDATA_MAX 10485760

/* {"error":err,"message":msg,"status":status} + "\n", malloc'd (NULL: no memory). */
char *api_response(int status, const char *message, const char *error);
/*
 * j as SFTPGo's encoder writes it: compact, members in their order, '<' '>' '&'
 * and U+2028/U+2029 escaped, plus "\n". malloc'd; NULL when out of memory.
 */
char *api_json_text(const json_t *j);
/* {userID}: a signed 64-bit decimal with an optional sign. 0 or -1. */
int api_parse_id(const char *s, int64_t *out);
/*
 * dumpdata's output_file (trimmed into out): 0, or -1 with the spec's error text
 * in err ("Invalid or missing output_file", "... it must be a relative path",
 * "Invalid output_file \"x\"" for any "..").
 */
int api_check_output_file(const char *in, char *out, size_t outlen, char *err,
                          size_t errlen);
/* loaddata's input_file (trimmed into out): absolute, or -1 with the spec's text. */
int api_check_input_file(const char *in, char *out, size_t outlen, char *err,
                         size_t errlen);
/*
 * A request body as a user object (POST/PUT user, POST quota_scan): the first JSON
 * value, which must be an object whose members have the user's types
 * (user_from_json). 0 with the object in *out, or -1 with the decoder's text in
 * err ("EOF" for an empty body, as SFTPGo).
 */
int api_decode_user(const char *data, size_t len, json_t **out, char *err, size_t errlen);
/*
 * A user object (user_to_json's, taken) in SFTPGo's member order (spec section 3):
 * password, public_keys and virtual_folders left out when empty, filesystem with
 * s3config and gcsconfig always present. NULL when out of memory.
 */
json_t *api_user_shape(json_t *u);
/* Go's %q of s into out (quotes, backslash escapes); out always terminated. */
void api_quote(const char *s, char *out, size_t outlen);

#endif
