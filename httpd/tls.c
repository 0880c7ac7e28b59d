/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * HTTPS in sftpgo-httpd: the SSL_CTX built from the PEM the monitor sends
 * (HTTPD_TLS; httpd never opens a file), TLS 1.2 at least, and each accepted
 * connection wrapped in libevent's bufferevent_openssl. A new pair (SIGHUP)
 * makes a new SSL_CTX for the connections accepted from then on; each open
 * connection's SSL holds a reference to the context it started with, so it
 * finishes on that one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/log.h"
#include "common/rpc.h"
#include "httpd/internal.h"

static SSL_CTX *tls_ctx;

void
httpd_tls_init(void)
{
	/* before the chroot and the filter, also without HTTPS (the password checks
	 * use libcrypto): no openssl.cnf is read, ever */
	if (OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1)
		fatal("httpd: cannot initialise OpenSSL");
	SSL_CTX *warm = SSL_CTX_new(TLS_server_method()); /* the provider's tables */
	if (warm == NULL)
		fatal("httpd: cannot initialise OpenSSL");
	SSL_CTX_free(warm);
}

/* The certificate's SHA-256 fingerprint, "AB:CD:..." (the test compares it). */
static void
fingerprint(X509 *x, char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t at = 0;

	out[0] = '\0';
	if (X509_digest(x, EVP_sha256(), md, &n) != 1)
		return;
	for (unsigned int i = 0; i < n && at + 4 <= outlen; i++)
		at +=
		    (size_t)snprintf(out + at, outlen - at, i ? ":%02X" : "%02X", md[i]);
}

static const char *
ssl_error(void)
{
	static char buf[256];
	unsigned long e = ERR_get_error();

	if (e == 0)
		return "unknown error";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

/* The context of one pair: leaf first, then the chain, then the key. */
static SSL_CTX *
build_ctx(const struct rpc_httpd_tls *m, X509 **leaf, const char **why)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	BIO *cb = BIO_new_mem_buf(m->cert, (int)m->cert_len);
	BIO *kb = BIO_new_mem_buf(m->key, (int)m->key_len);
	EVP_PKEY *k = NULL;
	X509 *x = NULL;

	*leaf = NULL;
	*why = "out of memory";
	if (ctx == NULL || cb == NULL || kb == NULL)
		goto bad;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		goto ssl_bad;
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	                             SSL_OP_CIPHER_SERVER_PREFERENCE |
	                             SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if ((x = PEM_read_bio_X509(cb, NULL, NULL, NULL)) == NULL ||
	    SSL_CTX_use_certificate(ctx, x) != 1)
		goto ssl_bad;
	for (X509 *c; (c = PEM_read_bio_X509(cb, NULL, NULL, NULL)) != NULL;)
		if (SSL_CTX_add0_chain_cert(ctx, c) != 1) {
			X509_free(c);
			goto ssl_bad;
		}
	ERR_clear_error(); /* the end of the chain */
	if ((k = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL)) == NULL ||
	    SSL_CTX_use_PrivateKey(ctx, k) != 1 || SSL_CTX_check_private_key(ctx) != 1)
		goto ssl_bad;
	EVP_PKEY_free(k);
	BIO_free(cb);
	BIO_free(kb);
	*leaf = x;
	return ctx;
ssl_bad:
	*why = ssl_error();
bad:
	EVP_PKEY_free(k);
	X509_free(x);
	BIO_free(cb);
	BIO_free(kb);
	SSL_CTX_free(ctx);
	return NULL;
}

int
httpd_tls_set(const struct rpc_httpd_tls *m)
{
	const char *why;
	char fp[100];
	X509 *leaf;
	SSL_CTX *ctx = build_ctx(m, &leaf, &why);

	if (ctx == NULL) {
		log_error("httpd: the TLS certificate and key were refused (%s): %s", why,
		          tls_ctx ? "the current ones are kept" : "no HTTPS");
		return -1;
	}
	fingerprint(leaf, fp, sizeof(fp));
	X509_free(leaf);
	SSL_CTX_free(tls_ctx); /* open connections keep their reference */
	tls_ctx = ctx;
	log_info("httpd: serving HTTPS with the certificate of SHA-256 fingerprint %s",
	         fp);
	return 0;
}

struct bufferevent *
httpd_tls_bev(struct event_base *base, void *arg)
{
	(void)arg;
	/* never NULL: evhttp would serve the connection in plain HTTP */
	SSL *ssl = tls_ctx ? SSL_new(tls_ctx) : NULL;
	struct bufferevent *bev =
	    ssl ? bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
	                                         BEV_OPT_CLOSE_ON_FREE)
	        : NULL;
	if (bev == NULL) /* out of memory: the monitor starts a fresh httpd */
		fatal("httpd: cannot set up a TLS connection: %s", ssl_error());
	/* clients that close without close_notify are normal (curl, browsers) */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}
