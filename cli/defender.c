/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `sftpgo defender list|unban`: asks the running server over its admin socket
 * (<config dir>/admin.sock, root only, created while common.defender is enabled).
 * The monitor validates every request (common/rpc_msgs.def, ADMIN_DEFENDER_*);
 * this side only formats.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/commands.h"
#include "common/rpc.h"
#include "config/conf.h"

#define EXIT_RUNTIME 1
#define EXIT_BAD_INPUT 2

struct defender_opts {
	const char *config_dir, *config_file, *ip;
	int json;
};

static void
usage(FILE *f)
{
	fprintf(f, "Usage:\n"
	           "  sftpgo defender list [--json] [--config-dir D] [--config-file F]\n"
	           "  sftpgo defender unban --ip ADDRESS [--config-dir D] "
	           "[--config-file F]\n\n"
	           "Lists the hosts the running server's defender scores or bans, or "
	           "lifts\nthe ban of an address (its IPv6 /64). See sftpgo(8).\n");
}

static int
parse(int argc, char **argv, struct defender_opts *o)
{
	static const struct option longopts[] = {
	    {"ip", required_argument, NULL, 'i'},
	    {"json", no_argument, NULL, 'j'},
	    {"config-dir", required_argument, NULL, 'c'},
	    {"config-file", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->ip = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'c':
			o->config_dir = optarg;
			break;
		case 'f':
			o->config_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return EXIT_BAD_INPUT;
		}
	}
	return optind == argc ? 0 : (usage(stderr), EXIT_BAD_INPUT);
}

/* The server's admin socket, connected; -1 with a message on stderr. */
static int
admin_connect(const struct defender_opts *o)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct sftpgo_config cfg;
	char err[512];
	int fd, n;

	memset(&cfg, 0, sizeof(cfg));
	if (config_load(&cfg, o->config_dir, o->config_file, err, sizeof(err)) != 0) {
		fprintf(stderr, "sftpgo: %s\n", err);
		config_free(&cfg);
		return -1;
	}
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/admin.sock", cfg.config_dir);
	config_free(&cfg);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		fprintf(stderr,
		        "sftpgo: the config dir's path is too long for a socket\n");
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr,
		        "sftpgo: cannot reach the server at %s: %s (is sftpgo serve "
		        "running with common.defender.enabled?)\n",
		        sa.sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The answer to the request just sent; 0 (m to free) or -1 with a message. */
static int
admin_answer(int fd, struct rpc_msg *m)
{
	char err[256];

	if (rpc_recv(fd, m, err, sizeof(err)) <= 0 || m->type != RPC_ADMIN_RESULT) {
		fprintf(stderr, "sftpgo: no answer from the server\n");
		return -1;
	}
	if (!m->admin_result.ok) {
		fprintf(stderr, "sftpgo: %s\n", m->admin_result.text);
		rpc_msg_free(m);
		return -1;
	}
	return 0;
}

static void
print_host(const json_t *h)
{
	const char *ip = json_string_value(json_object_get(h, "ip"));
	const char *ban = json_string_value(json_object_get(h, "ban_time"));

	if (ban != NULL)
		printf("%s banned until %s\n", ip, ban);
	else
		printf("%s score %lld\n", ip,
		       (long long)json_integer_value(json_object_get(h, "score")));
}

static int
do_list(int fd, const struct defender_opts *o)
{
	json_t *all = json_array();
	uint32_t offset = 0;
	int rc = 0;

	do {
		struct rpc_admin_defender_list q = {.fd = -1, .offset = offset};
		struct rpc_msg m;
		json_t *page;

		if (rpc_send_admin_defender_list(fd, &q) != 0 ||
		    admin_answer(fd, &m) != 0) {
			rc = -1;
			break;
		}
		page = json_loads(m.admin_result.text, 0, NULL);
		offset = m.admin_result.next;
		rpc_msg_free(&m);
		if (!json_is_array(page) || json_array_extend(all, page) != 0) {
			json_decref(page);
			fprintf(stderr, "sftpgo: malformed answer from the server\n");
			rc = -1;
			break;
		}
		json_decref(page);
	} while (offset != 0);
	if (rc == 0 && o->json) {
		char *s = json_dumps(all, JSON_INDENT(2));
		if (s != NULL)
			printf("%s\n", s);
		free(s);
	} else if (rc == 0) {
		size_t i;
		json_t *h;
		json_array_foreach(all, i, h) print_host(h);
	}
	json_decref(all);
	return rc;
}

static int
do_unban(int fd, const char *ip)
{
	struct rpc_admin_defender_unban q = {.fd = -1, .ip = ip};
	struct rpc_msg m;

	if (strlen(ip) >= RPC_IP_MAX) {
		fprintf(stderr, "sftpgo: --ip: not an IP address\n");
		return -1;
	}
	if (rpc_send_admin_defender_unban(fd, &q) != 0 || admin_answer(fd, &m) != 0)
		return -1;
	printf("%s\n", m.admin_result.text);
	rpc_msg_free(&m);
	return 0;
}

int
defender_main(int argc, char **argv)
{
	struct defender_opts o;
	const char *sub = argc > 1 ? argv[1] : "";
	int rc, fd;

	if (strcmp(sub, "list") != 0 && strcmp(sub, "unban") != 0) {
		usage(strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ? stdout
		                                                           : stderr);
		return strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0
		           ? 0
		           : EXIT_BAD_INPUT;
	}
	rc = parse(argc - 1, argv + 1, &o);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (strcmp(sub, "unban") == 0 && o.ip == NULL) {
		fprintf(stderr, "sftpgo: defender unban: --ip is required\n");
		return EXIT_BAD_INPUT;
	}
	fd = admin_connect(&o);
	if (fd < 0)
		return EXIT_RUNTIME;
	rc = strcmp(sub, "list") == 0 ? do_list(fd, &o) : do_unban(fd, o.ip);
	close(fd);
	return rc == 0 ? 0 : EXIT_RUNTIME;
}
