/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "common/log.h"
#include "monitor/monitor.h"

#define MAX_KEY_FILE (32 * 1024)

static char *
read_small_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *buf = NULL;

	if (fd < 0) {
		snprintf(err, errlen, "host key %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_KEY_FILE) {
		snprintf(err, errlen,
		         "host key %s: not a regular file of at most %d bytes", path,
		         MAX_KEY_FILE);
		goto out;
	}
	buf = calloc(1, (size_t)st.st_size + 1);
	if (buf == NULL || read(fd, buf, (size_t)st.st_size) != st.st_size) {
		snprintf(err, errlen, "host key %s: read failed", path);
		free(buf);
		buf = NULL;
	}
out:
	close(fd);
	return buf;
}

static int
generate_key(const char *path, enum ssh_keytypes_e type, int bits, char *err,
             size_t errlen)
{
	ssh_key key = NULL;
	int rc = -1;

	if (ssh_pki_generate(type, bits, &key) != SSH_OK) {
		snprintf(err, errlen, "host key %s: generation failed", path);
		return -1;
	}
	mode_t old = umask(077);
	if (ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path) != SSH_OK)
		snprintf(err, errlen, "host key %s: cannot write it", path);
	else if (chmod(path, 0600) != 0)
		snprintf(err, errlen, "host key %s: chmod: %s", path, strerror(errno));
	else
		rc = 0;
	umask(old);
	ssh_key_free(key);
	if (rc == 0)
		log_info("generated host key %s", path);
	return rc;
}

static int
add_key(struct hostkeys *hk, const char *path, char *err, size_t errlen)
{
	ssh_key key = NULL;
	char *pem = read_small_file(path, err, errlen);

	if (pem == NULL)
		return -1;
	if (ssh_pki_import_privkey_base64(pem, NULL, NULL, NULL, &key) != SSH_OK) {
		snprintf(err, errlen,
		         "host key %s: not a private key libssh can load "
		         "(unencrypted OpenSSH or PEM format expected)",
		         path);
		explicit_bzero(pem, strlen(pem));
		free(pem);
		return -1;
	}
	ssh_key_free(key);
	int rc = strlist_add(&hk->pem, pem) | strlist_add(&hk->path, path);
	explicit_bzero(pem, strlen(pem));
	free(pem);
	if (rc != 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

int
hostkey_ensure(const char *path, int ecdsa, int *generated, char *err, size_t errlen)
{
	*generated = 0;
	if (access(path, F_OK) == 0)
		return 0;
	if (errno != ENOENT) {
		snprintf(err, errlen, "host key %s: %s", path, strerror(errno));
		return -1;
	}
	if (generate_key(path, ecdsa ? SSH_KEYTYPE_ECDSA_P256 : SSH_KEYTYPE_RSA,
	                 ecdsa ? 0 : 3072, err, errlen) != 0)
		return -1;
	*generated = 1;
	return 0;
}

int
hostkeys_load(const struct sftpgo_config *cfg, int generate, struct hostkeys *hk,
              char *err, size_t errlen)
{
	memset(hk, 0, sizeof(*hk));
	if (cfg->sftpd.keys.n > 0) {
		for (size_t i = 0; i < cfg->sftpd.keys.n; i++)
			if (add_key(hk, cfg->sftpd.keys.v[i], err, errlen) != 0)
				goto fail;
		return 0;
	}
	static const struct {
		const char *name;
		enum ssh_keytypes_e type;
		int bits;
	} defaults[] = {{"id_rsa", SSH_KEYTYPE_RSA, 3072},
	                {"id_ed25519", SSH_KEYTYPE_ED25519, 0}};
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		char *path = config_path(cfg, defaults[i].name);
		if (path == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		int rc = 0;
		if (access(path, F_OK) != 0) {
			if (generate)
				rc = generate_key(path, defaults[i].type,
				                  defaults[i].bits, err, errlen);
			else {
				free(path); /* --test-config: it will be generated at
				               start */
				continue;
			}
		}
		if (rc == 0)
			rc = add_key(hk, path, err, errlen);
		free(path);
		if (rc != 0)
			goto fail;
	}
	return 0;
fail:
	hostkeys_free(hk);
	return -1;
}

void
hostkeys_free(struct hostkeys *hk)
{
	for (size_t i = 0; i < hk->pem.n; i++)
		explicit_bzero(hk->pem.v[i], strlen(hk->pem.v[i]));
	strlist_free(&hk->pem);
	strlist_free(&hk->path);
}
