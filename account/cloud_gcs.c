/* SPDX-License-Identifier: BSD-2-Clause */
/* Google Cloud Storage fields of an account and their credentials file (see
 * account/cloud.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account/cloud.h"
#include "common/errf.h"

#define FIELD_MAX 1024

static char *credentials_dir;

void
cloud_set_credentials_dir(const char *dir)
{
	free(credentials_dir);
	credentials_dir = dir != NULL ? strdup(dir) : NULL;
}

/* The gcsconfig members this server honours; any other is refused by name. */
static const char *const gcs_fields[] = {
    "bucket",        "key_prefix", "credentials", "automatic_credentials",
    "storage_class", "endpoint",   NULL};

static const char *
gstr(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

/* base64 (standard alphabet, padded) to bytes; NULL when malformed. */
static unsigned char *
b64_decode(const char *in, size_t *outlen)
{
	size_t n = strlen(in);
	unsigned char *out;
	EVP_ENCODE_CTX *ctx;
	int a = 0, b = 0, ok;

	if (n == 0 || n % 4 != 0 || n > INT32_MAX ||
	    (out = malloc(n / 4 * 3 + 1)) == NULL)
		return NULL;
	ctx = EVP_ENCODE_CTX_new();
	EVP_DecodeInit(ctx);
	ok = ctx != NULL &&
	     EVP_DecodeUpdate(ctx, out, &a, (const unsigned char *)in, (int)n) >= 0 &&
	     EVP_DecodeFinal(ctx, out + a, &b) == 1;
	EVP_ENCODE_CTX_free(ctx);
	if (!ok || strspn(in, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                      "0123456789+/=") != n) {
		explicit_bzero(out, n / 4 * 3 + 1);
		free(out);
		return NULL;
	}
	*outlen = (size_t)(a + b);
	out[*outlen] = '\0';
	return out;
}

int
cloud_validate_gcs(const json_t *fs, char *err, size_t errlen)
{
	const json_t *g = json_object_get(fs, "gcsconfig");
	const json_t *v, *ac;
	const char *k, *ep;
	char prefix[FIELD_MAX + 2];

	if (!json_is_object(g))
		return errf(err, errlen, "filesystem.gcsconfig: must be an object");
	json_object_foreach((json_t *)g, k, v)
	{
		int known = 0;
		for (size_t i = 0; gcs_fields[i] != NULL; i++)
			known |= strcmp(gcs_fields[i], k) == 0;
		if (!known)
			return errf(err, errlen,
			            "filesystem.gcsconfig.%s: not supported (the fields "
			            "honoured are bucket, key_prefix, credentials, "
			            "automatic_credentials, storage_class, endpoint)",
			            k);
		if (strcmp(k, "automatic_credentials") == 0)
			continue;
		if (!json_is_string(v) && !json_is_null(v))
			return errf(err, errlen,
			            "filesystem.gcsconfig.%s: must be a string", k);
		if (strcmp(k, "credentials") != 0 && json_is_string(v) &&
		    strlen(json_string_value(v)) > FIELD_MAX)
			return errf(err, errlen,
			            "filesystem.gcsconfig.%s: longer than %d", k,
			            FIELD_MAX);
	}
	ac = json_object_get(g, "automatic_credentials");
	if (ac != NULL && !json_is_null(ac) &&
	    (!json_is_integer(ac) || json_integer_value(ac) < 0))
		return errf(err, errlen,
		            "filesystem.gcsconfig.automatic_credentials: must be 0 or 1");
	if (gstr(g, "bucket")[0] == '\0')
		return errf(err, errlen, "filesystem.gcsconfig.bucket: required");
	if (cloud_clean_prefix(gstr(g, "key_prefix"), prefix, sizeof(prefix)) != 0)
		return errf(err, errlen,
		            "filesystem.gcsconfig.key_prefix: must be relative, without "
		            "\".\" or \"..\" components");
	ep = gstr(g, "endpoint");
	if (ep[0] != '\0' && strncmp(ep, "http://", 7) != 0 &&
	    strncmp(ep, "https://", 8) != 0)
		return errf(
		    err, errlen,
		    "filesystem.gcsconfig.endpoint: must be an http:// or https:// URL");
	if (strlen(gstr(g, "credentials")) > CLOUD_GCS_CREDENTIALS_MAX * 4 / 3 + 4)
		return errf(err, errlen,
		            "filesystem.gcsconfig.credentials: too large (over %d "
		            "bytes once decoded)",
		            CLOUD_GCS_CREDENTIALS_MAX);
	return 0;
}

int
cloud_gcs_automatic(const json_t *fs)
{
	const json_t *ac =
	    json_object_get(json_object_get(fs, "gcsconfig"), "automatic_credentials");

	return json_is_integer(ac) && json_integer_value(ac) > 0;
}

int
cloud_gcs_credentials_file(const char *username, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o;

	if (credentials_dir == NULL || username == NULL || username[0] == '\0')
		return -1;
	o = (size_t)snprintf(out, outsz, "%s/", credentials_dir);
	/* SFTPGo's <username>_gcs_credentials.json, with every byte that could
	 * make it a path ("/", a leading ".") or an odd name percent-encoded: no
	 * username names a file outside credentials_path */
	for (const unsigned char *p = (const unsigned char *)username; *p != '\0'; p++) {
		int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		            (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		            *p == '@' ||
		            (*p == '.' && p != (const unsigned char *)username);
		if (o + 4 >= outsz)
			return -1;
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	if (strlcat(out, "_gcs_credentials.json", outsz) >= outsz)
		return -1;
	return 0;
}

/* The file's bytes (0600, replaced atomically, never through a symlink). */
static int
write_credentials(const char *path, const unsigned char *data, size_t n, char *err,
                  size_t errlen)
{
	char tmp[4200];
	int fd;
	size_t off = 0;

	if (mkdir(credentials_dir, 0700) != 0 && errno != EEXIST)
		return errf(err, errlen, "could not save GCS credentials: %s: %s",
		            credentials_dir, strerror(errno));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >=
	    sizeof(tmp))
		return errf(err, errlen, "could not save GCS credentials: name too long");
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errf(err, errlen, "could not save GCS credentials: %s",
		            strerror(errno));
	while (off < n) {
		ssize_t w = write(fd, data + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	int bad = off != n || fsync(fd) != 0, e = off != n ? EIO : errno;
	if (close(fd) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	if (!bad && rename(tmp, path) != 0) {
		bad = 1;
		e = errno;
	}
	if (bad) {
		unlink(tmp);
		return errf(err, errlen, "could not save GCS credentials: %s",
		            strerror(e));
	}
	return 0;
}

int
cloud_gcs_prepare_for_store(json_t *fs, const char *username, char *err, size_t errlen)
{
	json_t *g = json_object_get(fs, "gcsconfig");
	char path[4096], prefix[FIELD_MAX + 2];
	const char *b64;
	unsigned char *data;
	size_t n = 0;
	json_t *j;
	struct stat st;
	int rc;

	if (cloud_provider(fs) != 2 || !json_is_object(g))
		return 0;
	if (cloud_clean_prefix(gstr(g, "key_prefix"), prefix, sizeof(prefix)) != 0)
		return errf(err, errlen, "filesystem.gcsconfig.key_prefix: invalid");
	if (json_object_set_new(g, "key_prefix", json_string(prefix)) != 0)
		return errf(err, errlen, "out of memory");
	b64 = gstr(g, "credentials");
	if (cloud_gcs_credentials_file(username, path, sizeof(path)) != 0)
		return errf(err, errlen,
		            "filesystem.gcsconfig: no credentials_path for the "
		            "credentials file");
	if (b64[0] == '\0') {
		if (cloud_gcs_automatic(fs))
			return 0;
		/* SFTPGo: the stored file must exist and not be empty */
		if (stat(path, &st) != 0)
			return errf(err, errlen,
			            "could not validate GCS config: invalid credentials "
			            "%s: %s",
			            path, strerror(errno));
		if (st.st_size == 0)
			return errf(
			    err, errlen,
			    "could not validate GCS config: credentials cannot be "
			    "empty");
		return 0;
	}
	if ((data = b64_decode(b64, &n)) == NULL)
		return errf(err, errlen,
		            "could not validate GCS credentials: "
		            "filesystem.gcsconfig.credentials: not base64 (standard "
		            "alphabet, padded)");
	j = n <= CLOUD_GCS_CREDENTIALS_MAX ? json_loadb((const char *)data, n, 0, NULL)
	                                   : NULL;
	if (n > CLOUD_GCS_CREDENTIALS_MAX)
		rc = errf(err, errlen,
		          "could not validate GCS credentials: "
		          "filesystem.gcsconfig.credentials: %zu bytes once decoded, "
		          "over the limit of %d",
		          n, CLOUD_GCS_CREDENTIALS_MAX);
	else if (!json_is_object(j))
		rc = errf(err, errlen,
		          "could not validate GCS credentials: "
		          "filesystem.gcsconfig.credentials: not a JSON key file (the "
		          "decoded bytes are not a JSON object)");
	else
		rc = write_credentials(path, data, n, err, errlen);
	json_decref(j);
	explicit_bzero(data, n);
	free(data);
	if (rc != 0)
		return -1;
	explicit_bzero((char *)b64, strlen(b64));
	json_object_del(g, "credentials");
	return 0;
}

/* path's bytes (NUL-terminated, *len of them): a regular file of 1 ..
 * CLOUD_GCS_CREDENTIALS_MAX bytes, never through a symlink. 0, or the errno
 * (EINVAL: empty, too large or not a regular file) with err. */
static int
read_key_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), e = 0;
	struct stat st;
	char *buf = NULL;
	size_t n = 0;

	*out = NULL;
	if (fd < 0 || fstat(fd, &st) != 0)
		e = errno;
	else if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
	         st.st_size > CLOUD_GCS_CREDENTIALS_MAX)
		e = EINVAL;
	else if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		e = ENOMEM;
	while (e == 0 && n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			e = r < 0 ? errno : EIO;
		else
			n += (size_t)r;
	}
	if (fd >= 0)
		close(fd);
	if (e != 0) {
		if (buf != NULL)
			explicit_bzero(buf, (size_t)st.st_size);
		free(buf);
		errf(err, errlen, "GCS credentials %s: %s", path,
		     e == EINVAL ? "empty, too large or not a file" : strerror(e));
		return e;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int
cloud_gcs_read_credentials(const char *path, char **out, char *err, size_t errlen)
{
	size_t n;

	return read_key_file(path, out, &n, err, errlen) == 0 ? 0 : -1;
}

int
cloud_gcs_embed_credentials(json_t *fs, const char *username, char *err, size_t errlen)
{
	json_t *g = json_object_get(fs, "gcsconfig");
	char path[4096], *text = NULL, *b64;
	size_t n, bn;
	int rc, e;

	if (cloud_provider(fs) != 2 || !json_is_object(g) || cloud_gcs_automatic(fs))
		return 0;
	if (cloud_gcs_credentials_file(username, path, sizeof(path)) != 0) {
		errf(err, errlen, "GCS credentials of user \"%s\": no credentials_path",
		     username);
		return -1;
	}
	if ((e = read_key_file(path, &text, &n, err, errlen)) != 0) {
		/* SFTPGo's not-found OS error: the caller answers 400, anything
		 * else (a symlink, not a regular file, too large) 500 */
		char m[600];
		snprintf(m, sizeof(m), "%s", err);
		errf(err, errlen, "GCS credentials of user \"%s\": %s", username,
		     strncmp(m, "GCS credentials ", 16) == 0 ? m + 16 : m);
		return e == ENOENT ? 1 : -1;
	}
	bn = (n + 2) / 3 * 4 + 1;
	b64 = malloc(bn);
	if (b64 != NULL)
		EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)text,
		                (int)n);
	rc = b64 != NULL && json_object_set_new(g, "credentials", json_string(b64)) == 0
	         ? 0
	         : errf(err, errlen, "out of memory");
	explicit_bzero(text, n);
	free(text);
	if (b64 != NULL)
		explicit_bzero(b64, bn);
	free(b64);
	return rc;
}

void
cloud_gcs_wipe_credentials(json_t *fs)
{
	json_t *c = json_object_get(json_object_get(fs, "gcsconfig"), "credentials");

	if (json_is_string(c))
		explicit_bzero((char *)json_string_value(c), json_string_length(c));
}

int
cloud_gcs_set_key_file(json_t *gcs, const char *path, char *err, size_t errlen)
{
	unsigned char *buf = malloc(CLOUD_GCS_CREDENTIALS_MAX + 1);
	char *b64 = malloc(CLOUD_GCS_CREDENTIALS_MAX / 3 * 4 + 8);
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	size_t n = 0;
	ssize_t r = 0;

	if (buf == NULL || b64 == NULL) {
		rc = -1;
		errf(err, errlen, "out of memory");
		goto out;
	}
	if (fd < 0) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
		rc = 1;
		goto out;
	}
	while (n <= CLOUD_GCS_CREDENTIALS_MAX &&
	       (r = read(fd, buf + n, CLOUD_GCS_CREDENTIALS_MAX + 1 - n)) > 0)
		n += (size_t)r;
	if (r < 0 || n == 0 || n > CLOUD_GCS_CREDENTIALS_MAX) {
		errf(err, errlen, "%s: %s", path,
		     r < 0 ? strerror(errno) : "empty or larger than 64 KiB");
		rc = 1;
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)b64, buf, (int)n);
	if (json_object_set_new(gcs, "credentials", json_string(b64)) != 0 ||
	    json_object_set_new(gcs, "automatic_credentials", json_integer(0)) != 0) {
		rc = -1;
		errf(err, errlen, "out of memory");
	}
out:
	if (fd >= 0)
		close(fd);
	if (buf != NULL)
		explicit_bzero(buf, CLOUD_GCS_CREDENTIALS_MAX + 1);
	if (b64 != NULL)
		explicit_bzero(b64, CLOUD_GCS_CREDENTIALS_MAX / 3 * 4 + 8);
	free(buf);
	free(b64);
	return rc;
}
