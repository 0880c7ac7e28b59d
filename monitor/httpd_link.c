/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpgo-httpd, the admin HTTP process: its start (exec'd like the listener, the
 * listening socket opened here), its restart with a back-off when it dies, what it
 * may send (the ADMIN_* requests, handled in monitor/admin.c; LOG; HTTP_LOG) and
 * the answers (ADMIN_REPLY, in chunks). SFTP never depends on it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/clock.h"
#include "common/io.h"
#include "logfile/logfile.h"
#include "monitor/internal.h"

#define HTTPD_RESTART_MAX_S 30

static int restart_delay_s;
static int64_t started_ms;
static struct event *restart_ev;
static struct log_rate http_lr;
static struct event *auth_timer;
static struct stat auth_seen; /* the auth_user_file last sent */
static int auth_seen_ok;

/* A small regular file (at most max bytes) read whole, NUL-terminated; err names
 * the config key and the file. */
static int
read_capped(const char *key, const char *path, size_t max, char **text, size_t *len,
            char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	ssize_t n = 0;

	*text = NULL;
	*len = 0;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uintmax_t)st.st_size > max) {
		if (fd < 0)
			snprintf(err, errlen, "%s %s: %s", key, path, strerror(errno));
		else
			snprintf(err, errlen,
			         "%s %s: not a regular file of at most %zu bytes", key,
			         path, max);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*text = malloc((size_t)st.st_size + 1);
	if (*text != NULL)
		n = read(fd, *text, (size_t)st.st_size);
	close(fd);
	if (*text == NULL || n != st.st_size) {
		snprintf(err, errlen, "%s %s: cannot read it", key, path);
		free(*text);
		*text = NULL;
		return -1;
	}
	(*text)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

int
httpd_auth_read(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	return read_capped("httpd.auth_user_file", path, RPC_ADMIN_CHUNK, text, len, err,
	                   errlen);
}

/* ---- HTTPS: the certificate pair httpd serves ---- */

/* The last pair accepted (at start or SIGHUP): what a restarted httpd gets. */
static struct {
	char *cert, *key;
	size_t cert_len, key_len;
} tls;

static void
tls_pair_free(char **cert, size_t *cert_len, char **key, size_t *key_len)
{
	if (*key != NULL) {
		explicit_bzero(*key, *key_len);
		free(*key);
	}
	free(*cert);
	*cert = *key = NULL;
	*cert_len = *key_len = 0;
}

/* The certificate chain and the key parse and belong together (libcrypto). */
static int
tls_pair_check(const struct httpd_config *hc, const char *cert, size_t cert_len,
               const char *key, size_t key_len, char *err, size_t errlen)
{
	BIO *cb = BIO_new_mem_buf(cert, (int)cert_len);
	BIO *kb = BIO_new_mem_buf(key, (int)key_len);
	X509 *x = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
	EVP_PKEY *k = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
	int rc = -1;

	if (x == NULL)
		snprintf(err, errlen,
		         "httpd.certificate_file %s: no PEM certificate in it",
		         hc->certificate_file);
	else if (k == NULL)
		snprintf(err, errlen,
		         "httpd.certificate_key_file %s: no PEM private key in it (or it "
		         "is encrypted)",
		         hc->certificate_key_file);
	else if (X509_check_private_key(x, k) != 1)
		snprintf(err, errlen,
		         "httpd.certificate_key_file %s: not the key of the certificate "
		         "in httpd.certificate_file %s",
		         hc->certificate_key_file, hc->certificate_file);
	else
		rc = 0;
	ERR_clear_error();
	X509_free(x);
	EVP_PKEY_free(k);
	BIO_free(cb);
	BIO_free(kb);
	return rc;
}

int
httpd_tls_load(const struct httpd_config *hc, char *err, size_t errlen)
{
	char *cert = NULL, *key = NULL;
	size_t cert_len = 0, key_len = 0;

	if (hc->certificate_file[0] == '\0' && hc->certificate_key_file[0] == '\0')
		return 0;
	if (hc->certificate_file[0] == '\0' || hc->certificate_key_file[0] == '\0') {
		snprintf(err, errlen, "%s: empty while %s is set",
		         hc->certificate_file[0] == '\0' ? "httpd.certificate_file"
		                                         : "httpd.certificate_key_file",
		         hc->certificate_file[0] == '\0' ? "httpd.certificate_key_file"
		                                         : "httpd.certificate_file");
		return -1;
	}
	if (read_capped("httpd.certificate_file", hc->certificate_file, RPC_TLS_CERT_MAX,
	                &cert, &cert_len, err, errlen) != 0 ||
	    read_capped("httpd.certificate_key_file", hc->certificate_key_file,
	                RPC_TLS_KEY_MAX, &key, &key_len, err, errlen) != 0 ||
	    tls_pair_check(hc, cert, cert_len, key, key_len, err, errlen) != 0) {
		tls_pair_free(&cert, &cert_len, &key, &key_len);
		return -1;
	}
	tls_pair_free(&tls.cert, &tls.cert_len, &tls.key, &tls.key_len);
	tls.cert = cert;
	tls.cert_len = cert_len;
	tls.key = key;
	tls.key_len = key_len;
	return 0;
}

/* The pair to httpd (HTTPD_TLS; the frame buffers holding the key are wiped). */
static void
send_tls(void)
{
	struct rpc_httpd_tls m = {.fd = -1,
	                          .cert = tls.cert,
	                          .cert_len = tls.cert_len,
	                          .key = tls.key,
	                          .key_len = tls.key_len};

	if (M.httpd_sock >= 0 && tls.cert != NULL &&
	    rpc_send_httpd_tls(M.httpd_sock, &m) != 0)
		log_error("httpd: cannot send the TLS certificate: %s", strerror(errno));
}

void
httpd_tls_reload(const struct httpd_config *nc)
{
	char err[1024];
	int on = tls.cert != NULL;

	if (M.p->httpd_listen_fd < 0)
		return;
	if (on !=
	    (nc->certificate_file[0] != '\0' || nc->certificate_key_file[0] != '\0')) {
		log_error(
		    "SIGHUP: httpd.certificate_file: HTTPS is switched %s only by a "
		    "restart: the REST API stays on %s",
		    on ? "off" : "on", on ? "HTTPS" : "plain HTTP");
		return;
	}
	if (!on)
		return;
	if (httpd_tls_load(nc, err, sizeof(err)) != 0) {
		log_error("SIGHUP: %s: the REST API keeps its current certificate", err);
		return;
	}
	log_info("SIGHUP: httpd.certificate_file %s read again: sent to httpd",
	         nc->certificate_file);
	send_tls();
}

void
httpd_tls_free(void)
{
	tls_pair_free(&tls.cert, &tls.cert_len, &tls.key, &tls.key_len);
}

/* The htpasswd text to httpd: at its start and when the file changed (a missing or
 * unreadable file is sent as invalid: every request is refused meanwhile). */
static void
send_auth(int force)
{
	const char *path = M.p->cfg->httpd.auth_user_file;
	struct stat st;
	char *text = NULL, err[512];
	size_t len = 0;
	int ok = stat(path, &st) == 0;

	if (!force && ok == auth_seen_ok &&
	    (!ok || (st.st_mtim.tv_sec == auth_seen.st_mtim.tv_sec &&
	             st.st_mtim.tv_nsec == auth_seen.st_mtim.tv_nsec &&
	             st.st_size == auth_seen.st_size && st.st_ino == auth_seen.st_ino)))
		return;
	auth_seen_ok = ok;
	if (ok)
		auth_seen = st;
	int valid = httpd_auth_read(path, &text, &len, err, sizeof(err)) == 0;
	if (!valid)
		log_error("%s: the REST API refuses every request until it is fixed",
		          err);
	else if (!force)
		log_info("httpd.auth_user_file %s changed: users read again", path);
	struct rpc_httpd_auth m = {.fd = -1,
	                           .valid = (uint32_t)valid,
	                           .users = text ? text : "",
	                           .users_len = len};
	if (M.httpd_sock >= 0 && rpc_send_httpd_auth(M.httpd_sock, &m) != 0)
		log_error("httpd: cannot send the users: %s", strerror(errno));
	if (text != NULL) {
		explicit_bzero(text, len);
		free(text);
	}
}

static void
on_auth_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	send_auth(0);
}

void
httpd_reply(uint32_t req, int status, const char *body)
{
	static const char oom[] = "{\"error\":\"out of memory\",\"message\":\"\","
	                          "\"status\":500}\n";
	size_t len, off = 0;

	if (body == NULL) {
		body = oom;
		status = 500;
	}
	len = strlen(body);
	if (M.httpd_sock < 0)
		return;
	do {
		size_t n = len - off > RPC_ADMIN_CHUNK ? RPC_ADMIN_CHUNK : len - off;
		struct rpc_admin_reply r = {.fd = -1,
		                            .req = req,
		                            .status = (uint32_t)status,
		                            .last = off + n == len,
		                            .body = body + off,
		                            .body_len = n};
		if (rpc_send_admin_reply(M.httpd_sock, &r) != 0) {
			log_error("httpd: cannot send an answer: %s", strerror(errno));
			return;
		}
		off += n;
	} while (off < len);
}

static int
httpd_log(struct rpc_msg *m)
{
	if (log_rate_ok(&http_lr, "httpd", (long)M.httpd_pid))
		log_app((enum log_level)m->log.level, "httpd", "%s", m->log.message);
	return 1;
}

static int
httpd_http_log(struct rpc_msg *m)
{
	const struct rpc_http_log *l = &m->http_log;

	/* not rate-limited: one line per request served, as SFTPGo */
	log_http(l->remote_addr, l->proto, l->method, l->user_agent, l->uri,
	         (int)l->resp_status, l->resp_size, l->elapsed_ms, l->request_id);
	metrics_http(l->resp_status);
	return 1;
}

static int
httpd_admin(struct rpc_msg *m)
{
	admin_request(m);
	return 1;
}

/* What httpd may send (common/rpc_msgs.def says when): one handler each. */
static const peer_handler httpd_handlers[RPC_TYPE_MAX] = {
    [RPC_LOG] = httpd_log,
    [RPC_HTTP_LOG] = httpd_http_log,
    [RPC_ADMIN_USER_LIST] = httpd_admin,
    [RPC_ADMIN_USER_GET] = httpd_admin,
    [RPC_ADMIN_USER_ADD] = httpd_admin,
    [RPC_ADMIN_USER_UPDATE] = httpd_admin,
    [RPC_ADMIN_USER_DELETE] = httpd_admin,
    [RPC_ADMIN_PROVIDER_STATUS] = httpd_admin,
    [RPC_ADMIN_CONN_LIST] = httpd_admin,
    [RPC_ADMIN_CONN_CLOSE] = httpd_admin,
    [RPC_ADMIN_SCAN_LIST] = httpd_admin,
    [RPC_ADMIN_SCAN_START] = httpd_admin,
    [RPC_ADMIN_DUMPDATA] = httpd_admin,
    [RPC_ADMIN_LOADDATA] = httpd_admin,
    [RPC_ADMIN_METRICS] = httpd_admin,
};

static void
on_httpd(evutil_socket_t fd, short what, void *arg)
{
	enum rpc_type type = RPC_TYPE_MAX;
	char err[256];
	(void)what;
	(void)arg;

	switch (
	    peer_dispatch(fd, RPC_PEER_HTTPD, httpd_handlers, &type, err, sizeof(err))) {
	case PEER_BROKEN: /* killed and started again */
		log_error("httpd: %s", err);
		if (M.httpd_pid > 0)
			kill(M.httpd_pid, SIGKILL);
		event_del(M.httpd_ev);
		break;
	case PEER_CLOSED:
		event_del(M.httpd_ev);
		break;
	case PEER_DENIED:
		log_error("httpd sent %s: not allowed, killing it", rpc_type_name(type));
		if (M.httpd_pid > 0)
			kill(M.httpd_pid, SIGKILL);
		break;
	case PEER_AGAIN:
	case PEER_DONE:
		break;
	}
}

int
httpd_open_socket(const struct httpd_config *hc, char *err, size_t errlen)
{
	char why[400];
	int fd = listen_socket("httpd.bind_address", hc->bind_address, hc->bind_port, why,
	                       sizeof(why));

	if (fd < 0) {
		snprintf(err, errlen, "httpd: %s", why);
		return fd;
	}
	/*
	 * No Nagle on the API's connections (Linux's accepted sockets inherit it from
	 * the listening one, so httpd needs no setsockopt under its filter). libevent
	 * writes a response in pieces of at most 16 KiB: without this, on a kept-alive
	 * connection the last piece waited for the client's delayed ACK, 40 ms per
	 * response over 16 KiB (GET /api/v1/user's page of 100 users: 37.5 req/s
	 * where 0.8 ms was the work; doc/performance.md, row h).
	 */
	int one = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
		log_warn("httpd: TCP_NODELAY: %s", strerror(errno));
	return fd;
}

/* Exec'd fresh, as the listener: nothing of the monitor's memory or fds. */
int
start_httpd(void)
{
	int auth = M.p->cfg->httpd.auth_user_file[0] != '\0';
	int sock;
	/* argv[4], a flags digit: 1 authentication, 2 HTTPS */
	char flags[2] = {(char)('0' + (auth ? 1 : 0) + (tls.cert != NULL ? 2 : 0)), '\0'};

	if (M.p->httpd_listen_fd < 0 || M.shutting_down)
		return 0;
	/* the web admin's directories: opened by httpd before its chroot */
	const char *const extra[] = {flags, M.p->web_templates, M.p->web_static, NULL};
	pid_t pid = spawn_confined("sftpgo-httpd", extra, M.p->httpd_listen_fd, &sock);
	if (pid < 0)
		return -1;
	M.httpd_pid = pid;
	M.httpd_sock = sock;
	M.httpd_ev = event_new(M.base, sock, EV_READ | EV_PERSIST, on_httpd, NULL);
	event_add(M.httpd_ev, NULL);
	started_ms = monotonic_ms();
	send_tls(); /* before anything is accepted, as the users */
	if (auth) { /* it accepts nothing before these; checked again every second */
		struct timeval sec = {1, 0};
		send_auth(1);
		if (auth_timer == NULL)
			auth_timer =
			    event_new(M.base, -1, EV_PERSIST, on_auth_timer, NULL);
		if (auth_timer != NULL)
			evtimer_add(auth_timer, &sec);
	}
	return 0;
}

static void
on_restart(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (start_httpd() != 0)
		httpd_gone(-1);
}

/* It ended (status from waitpid, -1: it could not be started): started again
 * after 1 s, doubling up to 30 s while it keeps dying within a minute. */
void
httpd_gone(int status)
{
	if (M.httpd_ev != NULL)
		event_free(M.httpd_ev);
	M.httpd_ev = NULL;
	if (M.httpd_sock >= 0)
		close(M.httpd_sock);
	M.httpd_sock = -1;
	M.httpd_pid = 0;
	if (M.shutting_down)
		return;
	if (monotonic_ms() - started_ms > 60000)
		restart_delay_s = 0;
	restart_delay_s = restart_delay_s == 0 ? 1 : restart_delay_s * 2;
	if (restart_delay_s > HTTPD_RESTART_MAX_S)
		restart_delay_s = HTTPD_RESTART_MAX_S;
	log_error("httpd exited (status %d), restarting it in %d s", status,
	          restart_delay_s);
	if (restart_ev == NULL)
		restart_ev = evtimer_new(M.base, on_restart, NULL);
	struct timeval tv = {restart_delay_s, 0};
	if (restart_ev != NULL)
		evtimer_add(restart_ev, &tv);
}

void
httpd_stop(void)
{
	if (restart_ev != NULL) {
		event_free(restart_ev);
		restart_ev = NULL;
	}
	if (auth_timer != NULL) {
		event_free(auth_timer);
		auth_timer = NULL;
	}
	if (M.httpd_pid > 0)
		kill(M.httpd_pid, SIGTERM);
}
