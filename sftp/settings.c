#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sftp/settings.h"

int
sftp_settings_init(struct sftp_settings *st)
{
	memset(st, 0, sizeof(*st));
	st->uid = -1;
	st->gid = -1;
	st->umask = 022;
	st->max_handles = SFTP_DEFAULT_MAX_HANDLES;
	st->max_packet = SFTP_DEFAULT_MAX_PACKET;
	return perm_table_set(&st->perms, "/", PERM_ALL);
}

void
sftp_settings_free(struct sftp_settings *st)
{
	free(st->username);
	free(st->connection_id);
	free(st->protocol);
	free(st->client_ip);
	free(st->home_dir);
	free(st->start_dir);
	free(st->command);
	perm_table_free(&st->perms);
	memset(st, 0, sizeof(*st));
}

int
sftp_parse_umask(const char *s, mode_t *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno != 0 || *end != '\0' || v > 0777 || s[0] == '-' || s[0] == '+')
		return -1;
	*out = (mode_t)v;
	return 0;
}

static int
set_string(char **dst, json_t *v)
{
	char *copy;

	if (!json_is_string(v) ||
	    memchr(json_string_value(v), '\0', json_string_length(v)))
		return -1;
	if ((copy = strdup(json_string_value(v))) == NULL)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

static int
get_int(json_t *v, long long lo, long long hi, long long *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

static int
parse_perm_list(json_t *list, unsigned *mask)
{
	size_t i;
	json_t *p;

	if (!json_is_array(list))
		return -1;
	*mask = 0;
	json_array_foreach(list, i, p)
	{
		unsigned bit;
		if (!json_is_string(p) ||
		    (bit = perm_from_name(json_string_value(p))) == 0)
			return -1;
		*mask |= bit;
	}
	return 0;
}

static int
parse_permissions(struct sftp_settings *st, json_t *obj, char *err, size_t errlen)
{
	const char *dir;
	json_t *list;
	unsigned mask;
	struct perm_table t = {0};

	if (!json_is_object(obj)) {
		snprintf(err, errlen, "permissions: must be an object");
		return -1;
	}
	json_object_foreach(obj, dir, list)
	{
		if (dir[0] != '/' || parse_perm_list(list, &mask) != 0 ||
		    perm_table_set(&t, dir, mask) != 0) {
			snprintf(err, errlen, "permissions: bad entry for \"%.200s\"",
			         dir);
			perm_table_free(&t);
			return -1;
		}
	}
	perm_table_free(&st->perms);
	st->perms = t;
	return 0;
}

static int
parse_umask_value(struct sftp_settings *st, json_t *v)
{
	mode_t m;

	if (json_is_string(v) && sftp_parse_umask(json_string_value(v), &m) == 0) {
		st->umask = m;
		st->umask_set = 1;
		return 0;
	}
	return -1;
}

/* One known key; 1 = not ours, 0 = done, -1 = bad value. */
static int
apply_key(struct sftp_settings *st, const char *key, json_t *v, char *err, size_t errlen)
{
	long long n;

	if (strcmp(key, "username") == 0)
		return set_string(&st->username, v);
	if (strcmp(key, "connection_id") == 0)
		return set_string(&st->connection_id, v);
	if (strcmp(key, "protocol") == 0)
		return set_string(&st->protocol, v);
	if (strcmp(key, "client_ip") == 0)
		return set_string(&st->client_ip, v);
	if (strcmp(key, "home_dir") == 0) {
		if (set_string(&st->home_dir, v) != 0 || st->home_dir[0] != '/')
			return -1;
		return 0;
	}
	if (strcmp(key, "start_dir") == 0)
		return set_string(&st->start_dir, v);
	if (strcmp(key, "command") == 0)
		return json_is_string(v) && json_string_length(v) <= SFTP_COMMAND_MAX
		           ? set_string(&st->command, v)
		           : -1;
	if (strcmp(key, "chroot") == 0 || strcmp(key, "read_only") == 0) {
		if (!json_is_boolean(v))
			return -1;
		*(key[0] == 'c' ? &st->chroot : &st->read_only) = json_is_true(v);
		return 0;
	}
	if (strcmp(key, "uid") == 0 || strcmp(key, "gid") == 0) {
		if (get_int(v, -1, 0xfffffffeLL, &n) != 0)
			return -1;
		*(key[0] == 'u' ? &st->uid : &st->gid) = n;
		return 0;
	}
	if (strcmp(key, "umask") == 0)
		return parse_umask_value(st, v);
	if (strcmp(key, "setstat_mode") == 0) {
		if (get_int(v, 0, 1, &n) != 0)
			return -1;
		st->setstat_mode = (int)n;
		return 0;
	}
	if (strcmp(key, "upload_mode") == 0) {
		if (get_int(v, 0, 2, &n) != 0)
			return -1;
		st->upload_mode = (int)n;
		return 0;
	}
	if (strcmp(key, "max_handles") == 0) {
		if (get_int(v, 1, SFTP_MAX_MAX_HANDLES, &n) != 0)
			return -1;
		st->max_handles = (uint32_t)n;
		return 0;
	}
	if (strcmp(key, "max_packet") == 0) {
		if (get_int(v, SFTP_MIN_MAX_PACKET, SFTP_MAX_MAX_PACKET, &n) != 0)
			return -1;
		st->max_packet = (uint32_t)n;
		return 0;
	}
	if (strcmp(key, "upload_bandwidth") == 0 ||
	    strcmp(key, "download_bandwidth") == 0) {
		if (get_int(v, 0, 0x7fffffff, &n) != 0)
			return -1;
		*(key[0] == 'u' ? &st->upload_bandwidth : &st->download_bandwidth) =
		    (uint32_t)n;
		return 0;
	}
	if (strcmp(key, "permissions") == 0)
		return parse_permissions(st, v, err, errlen) == 0 ? 0 : -2;
	return 1;
}

int
sftp_settings_parse(struct sftp_settings *st, const char *json, size_t len, char *err,
                    size_t errlen)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	int rc = 0;

	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "settings: %s (line %d)", jerr.text, jerr.line);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "settings: not a JSON object");
		json_decref(root);
		return -1;
	}
	json_object_foreach(root, key, v)
	{
		int r = apply_key(st, key, v, err, errlen);
		if (r == -1)
			snprintf(err, errlen, "settings: bad value for \"%.100s\"", key);
		if (r < 0) {
			rc = -1;
			break;
		}
	}
	json_decref(root);
	return rc;
}
