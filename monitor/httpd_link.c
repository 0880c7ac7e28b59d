/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sftpgo-httpd, the admin HTTP process: its start (exec'd like the listener, the
 * listening socket opened here), its restart with a back-off when it dies, what it
 * may send (the ADMIN_* requests, handled in monitor/admin.c; LOG; HTTP_LOG) and
 * the answers (ADMIN_REPLY, in chunks). SFTP never depends on it.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/io.h"
#include "logfile/logfile.h"
#include "monitor/internal.h"

#define HTTPD_RESTART_MAX_S 30

static int restart_delay_s;
static int64_t started_ms;
static struct event *restart_ev;
static struct log_rate http_lr;

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
	return 1;
}

static int
httpd_admin(struct rpc_msg *m)
{
	admin_request(m);
	return 1;
}

/* What httpd may send (common/rpc_msgs.def says when): one handler each. */
static int (*const httpd_handlers[RPC_TYPE_MAX])(struct rpc_msg *) = {
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
};

static void
on_httpd(evutil_socket_t fd, short what, void *arg)
{
	struct rpc_msg m;
	char err[256];
	(void)what;
	(void)arg;

	int rc = rpc_recv(fd, &m, err, sizeof(err));
	if (rc == 0 || (rc < 0 && errno != EAGAIN)) {
		if (rc < 0) { /* a broken frame: it is killed and started again */
			log_error("httpd: %s", err);
			if (M.httpd_pid > 0)
				kill(M.httpd_pid, SIGKILL);
		}
		event_del(M.httpd_ev);
		return;
	}
	if (rc < 0)
		return;
	if (!rpc_permitted(&m, RPC_PEER_HTTPD, RPC_ST_ANY) ||
	    httpd_handlers[m.type] == NULL || !httpd_handlers[m.type](&m)) {
		log_error("httpd sent %s: not allowed, killing it",
		          rpc_type_name(m.type));
		if (M.httpd_pid > 0)
			kill(M.httpd_pid, SIGKILL);
	}
	rpc_msg_free(&m);
}

int
httpd_open_socket(const struct httpd_config *hc, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	char port[16];
	const char *host = hc->bind_address[0] ? hc->bind_address : NULL;
	int one = 1, fd = -1;

	snprintf(port, sizeof(port), "%d", hc->bind_port);
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "httpd.bind_address \"%s\": %s", hc->bind_address,
		         gai_strerror(rc));
		return -1;
	}
	snprintf(err, errlen, "httpd: no address to listen on");
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0)
			break;
		snprintf(err, errlen, "httpd: cannot listen on %s port %s: %s",
		         host ? host : "*", port, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* Exec'd fresh, as the listener: nothing of the monitor's memory or fds. */
int
start_httpd(void)
{
	int sv[2];
	char uid[24], gid[24];
	char *const argv[] = {"sftpgo-httpd", (char *)M.p->empty_dir, uid, gid, NULL};

	if (M.p->httpd_listen_fd < 0 || M.shutting_down)
		return 0;
	snprintf(uid, sizeof(uid), "%ld",
	         M.p->unpriv_uid == (uid_t)-1 ? -1L : (long)M.p->unpriv_uid);
	snprintf(gid, sizeof(gid), "%ld",
	         M.p->unpriv_gid == (gid_t)-1 ? -1L : (long)M.p->unpriv_gid);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		log_error("socketpair: %s", strerror(errno));
		return -1;
	}
	pid_t pid = spawn("sftpgo-httpd", argv, M.p->httpd_listen_fd, sv[1]);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	io_set_nonblock(sv[0]);
	M.httpd_pid = pid;
	M.httpd_sock = sv[0];
	M.httpd_ev = event_new(M.base, sv[0], EV_READ | EV_PERSIST, on_httpd, NULL);
	event_add(M.httpd_ev, NULL);
	started_ms = monotonic_ms();
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
	if (M.httpd_pid > 0)
		kill(M.httpd_pid, SIGTERM);
}
