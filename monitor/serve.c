/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `sftpgo serve`: flags, configuration, start-up checks, then the monitor loop.
 * Runs in the foreground (systemd or a terminal supervises it).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account/cloud.h"
#include "config/conf.h"
#include "logfile/logfile.h"
#include "common/version.h"
#include "monitor/monitor.h"
#include "provider/provider.h"
#include "httpd/htpasswd.h"
#include "web/pages.h"
#include "web/template.h"

struct serve_flags {
	const char *config_dir;
	const char *config_file;
	const char *log_file_path;
	const char *log_max_size, *log_max_backups, *log_max_age;
	const char *log_compress, *log_verbose;
	const char *libexec_dir;
	int test_config;
};

static void
serve_usage(FILE *f)
{
	fprintf(
	    f,
	    "Start the SFTP server (in the foreground)\n\n"
	    "Usage:\n  sftpgo serve [flags]\n\nFlags:\n"
	    "  -c, --config-dir string      location of the config dir (env "
	    "SFTPGO_CONFIG_DIR)\n"
	    "  -f, --config-file string     config file name without extension (env "
	    "SFTPGO_CONFIG_FILE)\n"
	    "  -l, --log-file-path string   log file path, \"\" = stderr (env "
	    "SFTPGO_LOG_FILE_PATH)\n"
	    "  -s, --log-max-size int       MB before rotation (env "
	    "SFTPGO_LOG_MAX_SIZE)\n"
	    "  -b, --log-max-backups int    rotated files kept (env "
	    "SFTPGO_LOG_MAX_BACKUPS)\n"
	    "  -a, --log-max-age int        days to keep rotated files (env "
	    "SFTPGO_LOG_MAX_AGE)\n"
	    "  -z, --log-compress[=bool]    gzip rotated files (env "
	    "SFTPGO_LOG_COMPRESS)\n"
	    "  -v, --log-verbose[=bool]     debug logs (env SFTPGO_LOG_VERBOSE)\n"
	    "      --libexec-dir dir        where sftpgo-session and sftpgo-worker live\n"
	    "                               (default " SFTPGO_LIBEXECDIR ")\n"
	    "  -t, --test-config            check the configuration, host keys and "
	    "provider,\n"
	    "                               print \"configuration OK\" and exit\n"
	    "  -h, --help                   help for serve\n");
}

static int
parse_flags(int argc, char **argv, struct serve_flags *f)
{
	static const struct option opts[] = {
	    {"config-dir", required_argument, NULL, 'c'},
	    {"config-file", required_argument, NULL, 'f'},
	    {"log-file-path", required_argument, NULL, 'l'},
	    {"log-max-size", required_argument, NULL, 's'},
	    {"log-max-backups", required_argument, NULL, 'b'},
	    {"log-max-age", required_argument, NULL, 'a'},
	    {"log-compress", optional_argument, NULL, 'z'},
	    {"log-verbose", optional_argument, NULL, 'v'},
	    {"libexec-dir", required_argument, NULL, 'L'},
	    {"test-config", no_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	memset(f, 0, sizeof(*f));
	f->libexec_dir = SFTPGO_LIBEXECDIR;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:f:l:s:b:a:z::v::th", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			f->config_dir = optarg;
			break;
		case 'f':
			f->config_file = optarg;
			break;
		case 'l':
			f->log_file_path = optarg;
			break;
		case 's':
			f->log_max_size = optarg;
			break;
		case 'b':
			f->log_max_backups = optarg;
			break;
		case 'a':
			f->log_max_age = optarg;
			break;
		case 'z':
			f->log_compress = optarg ? optarg : "true";
			break;
		case 'v':
			f->log_verbose = optarg ? optarg : "true";
			break;
		case 'L':
			f->libexec_dir = optarg;
			break;
		case 't':
			f->test_config = 1;
			break;
		case 'h':
			serve_usage(stdout);
			exit(0);
		default:
			serve_usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sftpgo: serve: unexpected argument \"%s\"\n",
		        argv[optind]);
		return -1;
	}
	return 0;
}

static int
flag_int(const char *name, const char *v, int *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || end == v || n < 0 || n > 1000000) {
		fprintf(stderr, "sftpgo: serve: --%s: \"%s\" is not a valid number\n",
		        name, v);
		return -1;
	}
	*out = (int)n;
	return 0;
}

static int
flag_bool(const char *name, const char *v, bool *out)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = true;
	else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*out = false;
	else {
		fprintf(stderr, "sftpgo: serve: --%s: \"%s\" is not true or false\n",
		        name, v);
		return -1;
	}
	return 0;
}

/* Command-line log flags override the file and the environment. */
static int
apply_log_flags(const struct serve_flags *f, struct sftpgo_config *cfg)
{
	struct log_config *l = &cfg->log;

	if (f->log_file_path != NULL) {
		char *p =
		    f->log_file_path[0] ? config_path(cfg, f->log_file_path) : strdup("");
		if (p == NULL)
			return -1;
		free(l->file_path);
		l->file_path = p;
	}
	if ((f->log_max_size &&
	     flag_int("log-max-size", f->log_max_size, &l->max_size_mb)) ||
	    (f->log_max_backups &&
	     flag_int("log-max-backups", f->log_max_backups, &l->max_backups)) ||
	    (f->log_max_age &&
	     flag_int("log-max-age", f->log_max_age, &l->max_age_days)) ||
	    (f->log_compress &&
	     flag_bool("log-compress", f->log_compress, &l->compress)) ||
	    (f->log_verbose && flag_bool("log-verbose", f->log_verbose, &l->verbose)))
		return -1;
	return 0;
}

/* A directory we may chroot into: root-owned, not writable by others, empty. */
static int
empty_dir_ok(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 022) != 0)
		return 0;
	DIR *d = opendir(path);
	if (d == NULL)
		return 0;
	struct dirent *e;
	int empty = 1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
}

static const char *
find_empty_dir(char *err, size_t errlen)
{
	if (empty_dir_ok("/var/empty"))
		return "/var/empty";
	mkdir("/run/sftpgo", 0755);
	mkdir("/run/sftpgo/empty", 0555);
	if (empty_dir_ok("/run/sftpgo/empty"))
		return "/run/sftpgo/empty";
	snprintf(err, errlen,
	         "no usable empty directory for the chroot of the listener and "
	         "sessions (/var/empty or /run/sftpgo/empty: root-owned, mode "
	         "0755 or stricter, empty)");
	return NULL;
}

/* Is this bind address a loopback one only? */
static int
loopback_only(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0 ||
	       strcmp(addr, "localhost") == 0;
}

int
listen_socket(const char *key, const char *addr, int bind_port, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	char port[16];
	const char *host = addr && addr[0] ? addr : "::";
	int one = 1, zero = 0, fd = -1;

	snprintf(port, sizeof(port), "%d", bind_port);
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 && strcmp(host, "::") == 0) {
		host = "0.0.0.0";
		rc = getaddrinfo(host, port, &hints, &res);
	}
	if (rc != 0) {
		snprintf(err, errlen, "%s \"%s\": %s", key, host, gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0)
			break;
		snprintf(err, errlen, "cannot listen on %s port %s: %s", host, port,
		         strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/*
 * Opens the provider once at start-up. The embedded default (SQLite, no schema yet)
 * creates its tables and says how to add the first user. With held non-NULL the
 * open handle is given to the caller, who hands it to the first provider thread
 * (monitor_params.start_provider): data_provider.pool_size handles in all, and the
 * memory provider's store, loaded and hashed here, is not loaded a second time.
 */
static int
check_provider(const struct sftpgo_config *cfg, int create, struct provider **held,
               char *err, size_t errlen)
{
	struct provider *p = NULL;
	const struct provider_config *pc = &cfg->data_provider;

	if (strcmp(pc->driver, "sqlite") == 0 && access(pc->name, F_OK) != 0 &&
	    errno == ENOENT) {
		if (!create)
			return 0; /* --test-config: created at start */
		int fd = open(pc->name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			snprintf(err, errlen, "data_provider.name %s: %s", pc->name,
			         strerror(errno));
			return -1;
		}
		close(fd);
	}
	if (provider_open(cfg, &p, err, errlen) != 0)
		return -1;
	int rc = provider_schema_exists(p, err, errlen);
	if (rc == 0 && create && strcmp(cfg->data_provider.driver, "sqlite") == 0) {
		rc = provider_init_schema(p, err, errlen) == 0 ? 1 : -1;
		if (rc == 1) {
			char hint[1024];
			snprintf(
			    hint, sizeof(hint),
			    "created the SQLite data provider %s; add a first user with: "
			    "sftpgo user add --config-dir %s --username <name> "
			    "--password "
			    "<password> --home-dir <dir> --uid <uid> --gid <gid> "
			    "--create-home",
			    cfg->data_provider.name, cfg->config_dir);
			log_info("%s", hint);
			fprintf(stderr, "sftpgo: %s\n", hint);
		}
	} else if (rc == 0 && create) {
		snprintf(err, errlen,
		         "data provider: the schema does not exist; run "
		         "\"sftpgo initprovider\" first");
		rc = -1;
	} else if (rc == 0) {
		rc = 1; /* --test-config: SQLite will be created at start */
	}
	if (rc == 1 && held != NULL)
		*held = p;
	else
		provider_close(p);
	return rc == 1 ? 0 : -1;
}

/* The exec'd helpers must be there: better a start-up error than a retry loop.
 * sftpgo-httpd only when the REST API is on (httpd.bind_port 0: never started). */
static int
check_libexec(const struct sftpgo_config *cfg, const char *dir, char *err, size_t errlen)
{
	static const char *const progs[] = {"sftpgo-listener", "sftpgo-session",
	                                    "sftpgo-worker", "sftpgo-worker-cloud",
	                                    "sftpgo-httpd"};
	size_t n = sizeof(progs) / sizeof(progs[0]) - (cfg->httpd.bind_port == 0);
	char path[4096];

	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, progs[i]);
		if (access(path, X_OK) != 0) {
			snprintf(err, errlen, "%.400s: %s (see --libexec-dir)", path,
			         strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int
test_config(const struct sftpgo_config *cfg, const char *libexec_dir)
{
	struct hostkeys hk;
	char err[512];

	if (check_libexec(cfg, libexec_dir, err, sizeof(err)) != 0 ||
	    algos_check(&cfg->sftpd, err, sizeof(err)) != 0 ||
	    listener_config_check(&cfg->sftpd, err, sizeof(err)) != 0 ||
	    mdefender_check(&cfg->common.defender, err, sizeof(err)) != 0 ||
	    check_provider(cfg, 0, NULL, err, sizeof(err)) != 0 ||
	    (cfg->httpd.bind_port != 0 &&
	     httpd_tls_load(&cfg->httpd, err, sizeof(err)) != 0) ||
	    hostkeys_load(cfg, 0, &hk, err, sizeof(err)) != 0) {
		fprintf(stderr, "sftpgo: %s\n", err);
		httpd_tls_free();
		return 1;
	}
	httpd_tls_free();
	hostkeys_free(&hk);
	printf("configuration OK\n");
	return 0;
}

/* A web admin directory: the configured one (already resolved against the config
 * dir), else the installed copy under SFTPGO_DATADIR; "" when neither exists. */
static void
web_dir(const char *configured, const char *installed, char *out, size_t outlen)
{
	struct stat st;

	out[0] = '\0';
	if (stat(configured, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(out, outlen, "%s", configured);
	else if (stat(installed, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(out, outlen, "%s", installed);
}

/*
 * The web admin's templates and static files (spec section 12.5): a template that
 * is missing or does not parse stops the start (as SFTPGo), naming the key; no
 * directory at all (neither the configured nor the installed one) leaves /web
 * unserved, with a warning.
 */
static int
web_dirs(const struct httpd_config *hc, struct monitor_params *mp)
{
	char err[600];

	web_dir(hc->templates_path, SFTPGO_DATADIR "/templates", mp->web_templates,
	        sizeof(mp->web_templates));
	web_dir(hc->static_files_path, SFTPGO_DATADIR "/static", mp->web_static,
	        sizeof(mp->web_static));
	if (mp->web_templates[0] == '\0' || mp->web_static[0] == '\0') {
		if (mp->web_templates[0] == '\0')
			log_warn("httpd: no httpd.templates_path directory (%s, nor %s): "
			         "the web admin (/web) is not served",
			         hc->templates_path, SFTPGO_DATADIR "/templates");
		else
			log_warn("httpd: no httpd.static_files_path directory (%s, nor "
			         "%s): the web admin (/web) is not served",
			         hc->static_files_path, SFTPGO_DATADIR "/static");
		mp->web_templates[0] = mp->web_static[0] = '\0';
		return 0;
	}
	int dfd = open(mp->web_templates, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct tmpl_set *ts = tmpl_set_new();
	int rc = dfd >= 0 && ts != NULL
	             ? tmpl_set_load(ts, dfd, web_template_names, err, sizeof(err))
	             : -1;
	if (dfd < 0 || ts == NULL)
		snprintf(err, sizeof(err), "%s", strerror(errno));
	tmpl_set_free(ts);
	if (dfd >= 0)
		close(dfd);
	if (rc != 0) {
		log_error("httpd.templates_path %s: %s", mp->web_templates, err);
		fprintf(stderr, "sftpgo: httpd.templates_path %s: %s\n",
		        mp->web_templates, err);
		return -1;
	}
	return 0;
}

/*
 * The REST API's socket (httpd.bind_port 0: none). A port that cannot be bound is
 * logged and SFTP is served without the API (SFTPGo 0.9.6 stopped the whole
 * service: design-notes "Admin HTTP process").
 */
static int
open_httpd_socket(const struct sftpgo_config *cfg, struct monitor_params *mp)
{
	const struct httpd_config *hc = &cfg->httpd;
	char err[512];

	if (hc->bind_port == 0)
		return 0;
	if (hc->auth_user_file[0] != '\0') { /* SFTPGo: unreadable = no start */
		char *text;
		size_t len;
		struct htpasswd h;
		if (httpd_auth_read(hc->auth_user_file, &text, &len, err, sizeof(err)) !=
		        0 ||
		    htpasswd_parse(text, len, &h) != 0 || !h.valid) {
			if (text != NULL)
				snprintf(err, sizeof(err),
				         "httpd.auth_user_file %s: not an "
				         "htpasswd file (user:hash lines)",
				         hc->auth_user_file);
			log_error("%s", err);
			fprintf(stderr, "sftpgo: %s\n", err);
			free(text);
			return -1;
		}
		htpasswd_free(&h);
		explicit_bzero(text, len);
		free(text);
	}
	if (httpd_tls_load(hc, err, sizeof(err)) != 0) { /* as SFTPGo: no start */
		log_error("%s", err);
		fprintf(stderr, "sftpgo: %s\n", err);
		return -1;
	}
	if (web_dirs(hc, mp) != 0)
		return -1;
	mp->httpd_listen_fd = httpd_open_socket(hc, err, sizeof(err));
	if (mp->httpd_listen_fd < 0) {
		log_error("%s: the REST API is not served", err);
		return 0;
	}
	log_info("REST API listening on %s:%d%s",
	         hc->bind_address[0] ? hc->bind_address : "*", hc->bind_port,
	         hc->certificate_file[0] ? " (HTTPS)" : "");
	if (hc->auth_user_file[0] == '\0' && !loopback_only(hc->bind_address))
		log_warn(
		    "httpd: no httpd.auth_user_file: the REST API on %s:%d is open to "
		    "anyone who can reach it (no authentication, as SFTPGo)",
		    hc->bind_address[0] ? hc->bind_address : "*", hc->bind_port);
	return 0;
}

/* Settings that load but deserve a word at every start. */
static void
warn_config(const struct sftpgo_config *cfg)
{
	listener_config_warn(&cfg->sftpd);
}

/* fds 0-2 must be open, or a socket could land there and be inherited by a child
 * as its stdin/stdout/stderr (sshd does the same). */
static void
sanitise_stdfds(void)
{
	int fd;
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

int
monitor_serve(int argc, char **argv)
{
	struct serve_flags f;
	struct sftpgo_config cfg;
	struct hostkeys hk;
	struct provider *held =
	    NULL; /* check_provider's handle, until the pool owns it */
	char err[512];
	int rc = 1;

	sanitise_stdfds();
	log_file_install_sink(); /* JSON lines on stderr until the file is open */
	if (parse_flags(argc, argv, &f) != 0)
		return 2;
	memset(&cfg, 0, sizeof(cfg));
	if (config_load(&cfg, f.config_dir, f.config_file, err, sizeof(err)) != 0) {
		fprintf(stderr, "sftpgo: %s\n", err);
		config_free(&cfg);
		return 1;
	}
	/* GCS credentials files (not reloaded on SIGHUP) */
	cloud_set_credentials_dir(cfg.data_provider.credentials_path);
	if (apply_log_flags(&f, &cfg) != 0) {
		config_free(&cfg);
		return 2;
	}
	if (f.test_config) {
		rc = test_config(&cfg, f.libexec_dir);
		config_free(&cfg);
		return rc;
	}
	if (log_open(&cfg.log, err, sizeof(err)) != 0) {
		fprintf(stderr, "sftpgo: log: %s\n", err);
		config_free(&cfg);
		return 1;
	}
	log_info(
	    "starting SFTPGo %s, config dir: %s, config file: %s, log max size: %d MB, "
	    "max backups: %d, max age: %d days, verbose: %d, compress: %d",
	    sftpgo_version(), cfg.config_dir,
	    cfg.config_file_used ? cfg.config_file_used : "(defaults)",
	    cfg.log.max_size_mb, cfg.log.max_backups, cfg.log.max_age_days,
	    cfg.log.verbose, cfg.log.compress);
	warn_config(&cfg);

	struct monitor_params mp = {.cfg = &cfg,
	                            .keys = &hk,
	                            .libexec_dir = f.libexec_dir,
	                            .empty_dir = "",
	                            .unpriv_uid = (uid_t)-1,
	                            .unpriv_gid = (gid_t)-1,
	                            .listen_fd = -1,
	                            .httpd_listen_fd = -1,
	                            .config_dir_arg = f.config_dir,
	                            .config_file_arg = f.config_file};
	memset(&hk, 0, sizeof(hk));
	if (check_libexec(&cfg, f.libexec_dir, err, sizeof(err)) != 0 ||
	    algos_check(&cfg.sftpd, err, sizeof(err)) != 0 ||
	    listener_config_check(&cfg.sftpd, err, sizeof(err)) != 0 ||
	    mdefender_check(&cfg.common.defender, err, sizeof(err)) != 0)
		goto fail;
	if (geteuid() == 0) {
		mp.empty_dir = find_empty_dir(err, sizeof(err));
		if (mp.empty_dir == NULL ||
		    find_unprivileged(&cfg, &mp.unpriv_uid, &mp.unpriv_gid, err,
		                      sizeof(err)))
			goto fail;
		uid0_map_resolve(&cfg, mp.unpriv_uid, mp.unpriv_gid, &mp.uid0);
	}
	if (check_provider(&cfg, 1, &held, err, sizeof(err)) != 0 ||
	    hostkeys_load(&cfg, 1, &hk, err, sizeof(err)) != 0)
		goto fail;
	mp.listen_fd = listen_socket("sftpd.bind_address", cfg.sftpd.bind_address,
	                             cfg.sftpd.bind_port, err, sizeof(err));
	if (mp.listen_fd < 0)
		goto fail;
	log_info("SFTP server listening on %s:%d",
	         cfg.sftpd.bind_address && cfg.sftpd.bind_address[0]
	             ? cfg.sftpd.bind_address
	             : "[::]",
	         cfg.sftpd.bind_port);
	if (open_httpd_socket(&cfg, &mp) != 0) {
		httpd_tls_free();
		provider_close(held);
		close(mp.listen_fd);
		hostkeys_free(&hk);
		log_close();
		config_free(&cfg);
		return 1;
	}
	mp.start_provider = held;
	held = NULL;
	rc = monitor_run(&mp);
	httpd_tls_free();
	if (mp.httpd_listen_fd >= 0)
		close(mp.httpd_listen_fd);
	provider_close(mp.start_provider); /* NULL once the provider pool took it */
	close(mp.listen_fd);
	hostkeys_free(&hk);
	log_close();
	config_free(&cfg);
	return rc;
fail:
	log_error("%s", err);
	fprintf(stderr, "sftpgo: %s\n", err);
	provider_close(held);
	hostkeys_free(&hk);
	log_close();
	config_free(&cfg);
	return 1;
}
