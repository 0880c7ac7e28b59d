/* SPDX-License-Identifier: BSD-2-Clause */
/* The SFTPGo dump file decoder (account/dump.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account/dump.h"
#include "common/errf.h"

void
account_dump_free(struct account_dump *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->n; i++)
		user_free(&d->users[i]);
	free(d->users);
	d->users = NULL;
	d->n = 0;
}

/* The array of users, NULL for an empty dump; -1 when the shape is wrong. */
static int
users_array(const json_t *root, const json_t **arr, char *err, size_t errlen)
{
	*arr = NULL;
	if (json_is_null(root))
		return 0;
	if (!json_is_object(root))
		return errf(err, errlen,
		            "not a dump: a JSON object {\"users\":[...]} "
		            "is expected");
	const json_t *users = json_object_get(root, "users");
	if (users == NULL || json_is_null(users))
		return 0;
	if (!json_is_array(users))
		return errf(err, errlen, "users: must be an array");
	*arr = users;
	return 0;
}

static int
cmp_name(const void *a, const void *b)
{
	const struct sftpgo_user *const *x = a, *const *y = b;

	return strcmp((*x)->username, (*y)->username);
}

/* Sorted by name, so that a file of many users is checked in n log n. */
static int
check_unique_names(const struct account_dump *d, char *err, size_t errlen)
{
	if (d->n < 2)
		return 0;
	const struct sftpgo_user **v = calloc(d->n, sizeof(*v));
	if (v == NULL)
		return errf(err, errlen, "out of memory");
	for (size_t i = 0; i < d->n; i++)
		v[i] = &d->users[i];
	qsort(v, d->n, sizeof(*v), cmp_name);
	int rc = 0;
	for (size_t i = 1; rc == 0 && i < d->n; i++)
		if (strcmp(v[i - 1]->username, v[i]->username) == 0)
			rc = errf(err, errlen, "username \"%s\" appears twice",
			          v[i]->username);
	free(v);
	return rc;
}

/* Decodes user i of arr into d->users[i]; d->n counts the users to free. */
static int
decode_user(const json_t *arr, size_t i, struct account_dump *d, char *err, size_t errlen)
{
	const json_t *uj = json_array_get(arr, i);
	struct sftpgo_user *u = &d->users[i];
	char uerr[400];

	user_init(u);
	u->status = USER_STATUS_INACTIVE; /* SFTPGo: a user without "status" is 0 */
	d->n = i + 1;
	if (!json_is_object(uj))
		return errf(err, errlen, "user %zu: not a JSON object", i + 1);
	if (user_from_json(uj, u, uerr, sizeof(uerr)) != 0)
		return errf(err, errlen, "user %zu: %s", i + 1, uerr);
	if (u->username == NULL || u->username[0] == '\0')
		return errf(err, errlen, "user %zu: username: missing", i + 1);
	return 0;
}

int
account_dump_decode(const char *buf, size_t len, struct account_dump *out, char *err,
                    size_t errlen)
{
	json_error_t je;
	const json_t *arr;

	out->users = NULL;
	out->n = 0;
	if (len == 0 || len > ACCOUNT_DUMP_MAX_SIZE)
		return errf(err, errlen, "size %zu: must be 1 to %d bytes", len,
		            ACCOUNT_DUMP_MAX_SIZE);
	/* jansson rejects invalid UTF-8, NUL bytes and nesting deeper than 2048 */
	json_t *root =
	    json_loadb(buf, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return errf(err, errlen, "invalid JSON at line %d column %d: %s", je.line,
		            je.column, je.text);
	int rc = users_array(root, &arr, err, errlen);
	size_t n = arr != NULL ? json_array_size(arr) : 0;
	if (rc == 0 && n > 0) {
		out->users = calloc(n, sizeof(*out->users));
		if (out->users == NULL)
			rc = errf(err, errlen, "out of memory");
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = decode_user(arr, i, out, err, errlen);
	if (rc == 0)
		rc = check_unique_names(out, err, errlen);
	json_decref(root);
	if (rc != 0)
		account_dump_free(out);
	return rc;
}

static int
read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

int
account_dump_load_file(const char *path, struct account_dump *out, char *err,
                       size_t errlen)
{
	struct stat st;

	out->users = NULL;
	out->n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errf(err, errlen, "%s", strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return errf(err, errlen, "not a regular file");
	}
	if (st.st_size < 1 || st.st_size > ACCOUNT_DUMP_MAX_SIZE) {
		close(fd);
		return errf(err, errlen, "size %lld: must be 1 to %d bytes",
		            (long long)st.st_size, ACCOUNT_DUMP_MAX_SIZE);
	}
	size_t len = (size_t)st.st_size;
	char *buf = malloc(len);
	if (buf == NULL) {
		close(fd);
		return errf(err, errlen, "out of memory");
	}
	int rc = read_all(fd, buf, len);
	close(fd);
	if (rc != 0)
		rc = errf(err, errlen, "read error or the file shrank while read");
	else
		rc = account_dump_decode(buf, len, out, err, errlen);
	explicit_bzero(buf, len); /* password hashes */
	free(buf);
	return rc;
}
