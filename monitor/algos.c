/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpd.kex_algorithms, ciphers and macs against the linked libssh, at load time.
 *
 * libssh silently drops the names it does not know from a list and fails only when
 * none is left, and it does so inside each pre-forked session: "macs":
 * ["hmac-sha1-96"] (valid in SFTPGo) passed --test-config and then every session died
 * at start. So each name is asked about alone, on a throwaway ssh_bind, before the
 * server starts (and on SIGHUP): libssh itself says what it supports, no table to
 * keep in step with its version. SFTPGo's names are libssh's names; the few SFTPGo
 * offered that libssh 0.10 lacks (arcfour*, hmac-sha1-96) have no equivalent and are
 * refused with the key, the value and what to use instead.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "monitor/monitor.h"

struct algo_key {
	const char *key;
	enum ssh_bind_options_e opt;
	const char *instead; /* a hint for the error */
};

static const struct algo_key algo_keys[] = {
    {"sftpd.kex_algorithms", SSH_BIND_OPTIONS_KEY_EXCHANGE,
     "curve25519-sha256, ecdh-sha2-nistp256, diffie-hellman-group14-sha256"},
    {"sftpd.ciphers", SSH_BIND_OPTIONS_CIPHERS_C_S,
     "aes128-gcm@openssh.com, chacha20-poly1305@openssh.com, aes128-ctr"},
    {"sftpd.macs", SSH_BIND_OPTIONS_HMAC_C_S,
     "hmac-sha2-256-etm@openssh.com, hmac-sha2-256, hmac-sha1"},
};

/* 1 when libssh accepts the single name for option opt. */
static int
libssh_knows(enum ssh_bind_options_e opt, const char *name)
{
	ssh_bind b = ssh_bind_new();
	int ok;

	if (b == NULL)
		return 0;
	/* a comma would make it a list, where unknown names are dropped silently */
	ok = strchr(name, ',') == NULL && ssh_bind_options_set(b, opt, name) == SSH_OK;
	ssh_bind_free(b);
	return ok;
}

int
algos_check(const struct sftpd_config *sc, char *err, size_t errlen)
{
	const struct strlist *lists[] = {&sc->kex_algorithms, &sc->ciphers, &sc->macs};

	for (size_t k = 0; k < sizeof(algo_keys) / sizeof(algo_keys[0]); k++) {
		const struct strlist *l = lists[k];

		for (size_t i = 0; i < l->n; i++) {
			if (libssh_knows(algo_keys[k].opt, l->v[i]))
				continue;
			snprintf(err, errlen,
			         "%s: \"%s\" is not supported by the linked libssh %s "
			         "(supported names include %s)",
			         algo_keys[k].key, l->v[i], ssh_version(0),
			         algo_keys[k].instead);
			return -1;
		}
	}
	return 0;
}
