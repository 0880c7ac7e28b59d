/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `sftpgo portable`: serves one directory on demand as the user who runs it, with
 * SFTPGo 0.9's flags, no configuration file and no database. It writes a private
 * configuration (a memory provider holding the one account) into a fresh 0700
 * temporary directory, runs the ordinary `sftpgo serve` on it, advertises the
 * service over mDNS through Avahi, and removes the directory at exit. Without
 * root nothing can chroot or change ids: every process runs as the caller and
 * the worker's openat2(RESOLVE_IN_ROOT) lookups keep the client inside the
 * directory (sftpgo(8), PORTABLE MODE). Syntax in sftpgo(8).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "account/cloud.h"
#include "account/extfilter.h"
#include "cli/commands.h"
#include "cli/mdns.h"
#include "common/strlist.h"
#include "common/version.h"
#include "monitor/monitor.h"

#define EXIT_BAD_INPUT 2
#define EXIT_RUNTIME 1

/* --s3-* flags, in the order of their s3config members */
enum {
	S3_BUCKET,
	S3_REGION,
	S3_ACCESS_KEY,
	S3_ACCESS_SECRET,
	S3_ENDPOINT,
	S3_STORAGE_CLASS,
	S3_KEY_PREFIX,
	S3_PART_SIZE,
	S3_CONCURRENCY,
	S3_FLAGS
};
static const char *const s3_flag_name[S3_FLAGS] = {
    "bucket",        "region",     "access-key",       "access-secret",     "endpoint",
    "storage-class", "key-prefix", "upload-part-size", "upload-concurrency"};
static const char *const s3_member[S3_FLAGS] = {
    "bucket",        "region",     "access_key",       "access_secret",     "endpoint",
    "storage_class", "key_prefix", "upload_part_size", "upload_concurrency"};

/* --gcs-* flags: the gcsconfig string members first, in this order */
enum {
	GCS_BUCKET,
	GCS_KEY_PREFIX,
	GCS_STORAGE_CLASS,
	GCS_ENDPOINT, /* an extension, as in `sftpgo user add` (SFTPGo has none) */
	GCS_CREDENTIALS_FILE,
	GCS_AUTOMATIC,
	GCS_FLAGS
};
static const char *const gcs_flag_name[GCS_FLAGS] = {
    "bucket",   "key-prefix",       "storage-class",
    "endpoint", "credentials-file", "automatic-credentials"};
static const char *const gcs_member[GCS_CREDENTIALS_FILE] = {"bucket", "key_prefix",
                                                             "storage_class", "endpoint"};

struct portable {
	const char *directory, *username, *password, *log_file, *libexec_dir;
	struct strlist keys, perms, commands;
	struct strlist ext[2]; /* --allowed-extensions, --denied-extensions */
	long fs_provider;
	const char *s3[S3_FLAGS];
	const char *gcs[GCS_FLAGS];
	int perms_given, commands_given;
	long port;
	int advertise, advertise_credentials;
	char dir[PATH_MAX]; /* the served directory, absolute */
	char tmp[PATH_MAX]; /* the private config dir */
	char generated_pw[16];
	char
	    cloud_prefix[1100]; /* the cleaned key prefix (S3, GCS), for the ready line */
	char creds[PATH_MAX];   /* data_provider.credentials_path: tmp/credentials */
};

/* The SSH commands served in process; git and rsync need the jail (root). */
static const char *const inprocess_commands[] = {
    "scp", "md5sum", "sha1sum", "sha256sum", "sha384sum", "sha512sum", "cd", "pwd", NULL};

static int
bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "sftpgo portable: ");
	fprintf(stderr, "%s", fmt);
	if (arg != NULL)
		fprintf(stderr, " \"%s\"", arg);
	fputc('\n', stderr);
	return EXIT_BAD_INPUT;
}

static void
usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage:\n  sftpgo portable [flags]\n\nFlags:\n"
	    "  -C, --advertise-credentials   put username/password in the mDNS TXT "
	    "record\n"
	    "  -S, --advertise-service[=false]  advertise over mDNS (default true)\n"
	    "  -d, --directory string        directory to serve (default \".\")\n"
	    "  -l, --log-file-path string    JSON log file (empty: standard error)\n"
	    "  -p, --password string         empty: a generated one\n"
	    "  -g, --permissions strings     permissions for / (default list,download)\n"
	    "  -k, --public-key strings      authorized_keys lines\n"
	    "  -s, --sftpd-port int          0: a random free port in 49152..64151\n"
	    "  -c, --ssh-commands strings    (default md5sum,sha1sum,cd,pwd)\n"
	    "  -u, --username string         empty: \"user\"\n"
	    "  -f, --fs-provider int         0 local, 1 S3, 2 Google Cloud Storage\n"
	    "      --s3-bucket, --s3-region, --s3-access-key, --s3-access-secret,\n"
	    "      --s3-endpoint, --s3-storage-class, --s3-key-prefix string\n"
	    "      --s3-upload-part-size int (MiB), --s3-upload-concurrency int\n"
	    "      --gcs-bucket, --gcs-key-prefix, --gcs-storage-class string\n"
	    "      --gcs-credentials-file string  a service account's JSON key file\n"
	    "      --gcs-automatic-credentials int  1: the environment's credentials "
	    "(default 1)\n"
	    "      --gcs-endpoint string     (an extension) an emulator's URL\n"
	    "      --allowed-extensions, --denied-extensions \"/dir::.ext1,.ext2\"\n"
	    "See sftpgo(8), PORTABLE MODE.\n");
}

/* cobra's string lists: comma-separated, repeatable; the first use replaces the
 * default. */
static int
add_list(struct strlist *l, int *given, const char *arg)
{
	if (given != NULL && !*given) {
		strlist_free(l);
		*given = 1;
	}
	return strlist_add_split(l, arg);
}

static int
bool_arg(const char *arg, int *out)
{
	if (arg == NULL || strcmp(arg, "true") == 0 || strcmp(arg, "1") == 0)
		*out = 1;
	else if (strcmp(arg, "false") == 0 || strcmp(arg, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int
parse_port(struct portable *p, const char *arg)
{
	char *end;

	errno = 0;
	p->port = strtol(arg, &end, 10);
	if (arg[0] == '\0' || *end != '\0' || errno != 0 || p->port < 0 ||
	    p->port > 65535)
		return bad("--sftpd-port: not a port number in [0, 65535]:", arg);
	return 0;
}

/* 0, -1 for --help, or an exit status. */
static int
parse_flags(struct portable *p, int argc, char **argv)
{
	enum {
		O_LIBEXEC = 256,
		O_ALLOWED_EXT,
		O_DENIED_EXT,
		O_S3,
		O_GCS = O_S3 + S3_FLAGS
	};
	static const struct option opts[] = {
	    {"advertise-credentials", optional_argument, NULL, 'C'},
	    {"advertise-service", optional_argument, NULL, 'S'},
	    {"directory", required_argument, NULL, 'd'},
	    {"log-file-path", required_argument, NULL, 'l'},
	    {"password", required_argument, NULL, 'p'},
	    {"permissions", required_argument, NULL, 'g'},
	    {"public-key", required_argument, NULL, 'k'},
	    {"sftpd-port", required_argument, NULL, 's'},
	    {"ssh-commands", required_argument, NULL, 'c'},
	    {"username", required_argument, NULL, 'u'},
	    {"fs-provider", required_argument, NULL, 'f'},
	    {"libexec-dir", required_argument, NULL, O_LIBEXEC},
	    {"s3-bucket", required_argument, NULL, O_S3 + S3_BUCKET},
	    {"s3-region", required_argument, NULL, O_S3 + S3_REGION},
	    {"s3-access-key", required_argument, NULL, O_S3 + S3_ACCESS_KEY},
	    {"s3-access-secret", required_argument, NULL, O_S3 + S3_ACCESS_SECRET},
	    {"s3-endpoint", required_argument, NULL, O_S3 + S3_ENDPOINT},
	    {"s3-storage-class", required_argument, NULL, O_S3 + S3_STORAGE_CLASS},
	    {"s3-key-prefix", required_argument, NULL, O_S3 + S3_KEY_PREFIX},
	    {"s3-upload-part-size", required_argument, NULL, O_S3 + S3_PART_SIZE},
	    {"s3-upload-concurrency", required_argument, NULL, O_S3 + S3_CONCURRENCY},
	    {"gcs-bucket", required_argument, NULL, O_GCS + GCS_BUCKET},
	    {"gcs-credentials-file", required_argument, NULL,
	     O_GCS + GCS_CREDENTIALS_FILE},
	    {"gcs-key-prefix", required_argument, NULL, O_GCS + GCS_KEY_PREFIX},
	    {"gcs-storage-class", required_argument, NULL, O_GCS + GCS_STORAGE_CLASS},
	    {"gcs-automatic-credentials", required_argument, NULL, O_GCS + GCS_AUTOMATIC},
	    {"gcs-endpoint", required_argument, NULL, O_GCS + GCS_ENDPOINT},
	    {"allowed-extensions", required_argument, NULL, O_ALLOWED_EXT},
	    {"denied-extensions", required_argument, NULL, O_DENIED_EXT},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, rc = 0;

	opterr = 0;
	optind = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, "+:CSd:l:p:g:k:s:c:u:f:h", opts,
	                                   NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return -1;
		case 'C':
			rc = bool_arg(optarg, &p->advertise_credentials)
			         ? bad("-C: not a boolean:", optarg)
			         : 0;
			break;
		case 'S':
			rc = bool_arg(optarg, &p->advertise)
			         ? bad("-S: not a boolean:", optarg)
			         : 0;
			break;
		case 'd':
			p->directory = optarg;
			break;
		case 'l':
			p->log_file = optarg;
			break;
		case 'p':
			p->password = optarg;
			break;
		case 'u':
			p->username = optarg;
			break;
		case 'g':
			rc = add_list(&p->perms, &p->perms_given, optarg) ? EXIT_RUNTIME
			                                                  : 0;
			break;
		case 'k':
			rc = strlist_add(&p->keys, optarg) ? EXIT_RUNTIME : 0;
			break;
		case 'c':
			rc = add_list(&p->commands, &p->commands_given, optarg)
			         ? EXIT_RUNTIME
			         : 0;
			break;
		case 's':
			rc = parse_port(p, optarg);
			break;
		case 'f':
			if (strcmp(optarg, "0") == 0 || strcmp(optarg, "1") == 0 ||
			    strcmp(optarg, "2") == 0)
				p->fs_provider = optarg[0] - '0';
			else
				rc = bad(
				    "--fs-provider: not 0 (local), 1 (S3) or 2 (GCS):",
				    optarg);
			break;
		case O_ALLOWED_EXT:
		case O_DENIED_EXT:
			rc = strlist_add(&p->ext[c == O_DENIED_EXT], optarg)
			         ? EXIT_RUNTIME
			         : 0;
			break;
		case O_LIBEXEC:
			p->libexec_dir = optarg;
			break;
		case O_S3 + S3_BUCKET:
		case O_S3 + S3_REGION:
		case O_S3 + S3_ACCESS_KEY:
		case O_S3 + S3_ACCESS_SECRET:
		case O_S3 + S3_ENDPOINT:
		case O_S3 + S3_STORAGE_CLASS:
		case O_S3 + S3_KEY_PREFIX:
		case O_S3 + S3_PART_SIZE:
		case O_S3 + S3_CONCURRENCY:
			p->s3[c - O_S3] = optarg;
			break;
		case O_GCS + GCS_BUCKET:
		case O_GCS + GCS_KEY_PREFIX:
		case O_GCS + GCS_STORAGE_CLASS:
		case O_GCS + GCS_ENDPOINT:
		case O_GCS + GCS_CREDENTIALS_FILE:
		case O_GCS + GCS_AUTOMATIC:
			p->gcs[c - O_GCS] = optarg;
			break;
		case ':':
			rc = bad("flag needs a value:", argv[optind - 1]);
			break;
		default:
			rc = bad("unknown flag", argv[optind - 1]);
			break;
		}
	}
	if (rc == 0 && optind < argc)
		rc = bad("unexpected argument", argv[optind]);
	return rc;
}

/* "*" is every command served in process; git and rsync are refused (the jail
 * that confines them needs root, which portable mode does not have). */
static int
check_commands(struct portable *p)
{
	if (strlist_contains(&p->commands, "*")) {
		strlist_free(&p->commands);
		for (const char *const *c = inprocess_commands; *c != NULL; c++)
			if (strlist_add(&p->commands, *c) != 0)
				return EXIT_RUNTIME;
		return 0;
	}
	for (size_t i = 0; i < p->commands.n; i++) {
		const char *c = p->commands.v[i];
		int known = 0;
		for (const char *const *k = inprocess_commands; *k != NULL; k++)
			known |= strcmp(*k, c) == 0;
		if (!known)
			return bad(
			    strncmp(c, "git-", 4) == 0 || strcmp(c, "rsync") == 0
			        ? "--ssh-commands: git and rsync run in a jail that "
			          "needs "
			          "root; portable mode runs as you and cannot offer"
			        : "--ssh-commands: unknown SSH command",
			    c);
	}
	return 0;
}

/* SFTPGo's generated password: 8 characters of [A-Za-z0-9], here from getrandom. */
static int
generate_password(char *out, size_t n)
{
	static const char alphabet[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t i = 0;

	while (i + 1 < n && i < 8) {
		unsigned char b;
		if (getrandom(&b, 1, 0) != 1)
			return -1;
		if (b >= 248) /* 248 = 4 * 62: no modulo bias */
			continue;
		out[i++] = alphabet[b % 62];
	}
	out[i] = '\0';
	return 0;
}

/* A free port in 49152..64151 (SFTPGo's range), checked by binding it. */
static int
random_port(long *port)
{
	for (int tries = 0; tries < 50; tries++) {
		uint16_t r;
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			return -1;
		long candidate = 49152 + r % 15000;
		int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in6 a = {.sin6_family = AF_INET6,
		                         .sin6_port = htons((uint16_t)candidate)};
		if (fd < 0)
			return -1;
		int ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		close(fd);
		if (ok) {
			*port = candidate;
			return 0;
		}
	}
	return -1;
}

static json_t *
string_array(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < l->n; i++)
		if (json_array_append_new(a, json_string(l->v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static int
write_json(const char *dir, const char *name, json_t *j)
{
	char path[PATH_MAX];
	int rc = -1;

	if (j != NULL &&
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) < sizeof(path))
		rc = json_dump_file(j, path, JSON_INDENT(1));
	if (rc == 0)
		rc = chmod(path, 0600);
	json_decref(j);
	return rc;
}

/*
 * filesystem for -f 1: the --s3-* values as s3config, checked like any account's
 * (cloud_validate, naming the field) and in the stored form (the secret as
 * $aes$, the key prefix cleaned). NULL for the local provider; *rc set on error.
 */
static json_t *
s3_filesystem(struct portable *p, int *rc)
{
	json_t *fs, *s3;
	char err[512];

	*rc = 0;
	if (p->fs_provider != 1)
		return NULL;
	s3 = json_object();
	fs = json_pack("{s:i, s:o}", "provider", 1, "s3config", s3);
	if (fs == NULL) {
		*rc = EXIT_RUNTIME;
		return NULL;
	}
	for (int i = 0; i < S3_FLAGS && *rc == 0; i++) {
		json_t *v;
		if (p->s3[i] == NULL)
			continue;
		if (i == S3_PART_SIZE || i == S3_CONCURRENCY) {
			char *end;
			errno = 0;
			long long n = strtoll(p->s3[i], &end, 10);
			if (p->s3[i][0] == '\0' || *end != '\0' || errno != 0 || n < 0 ||
			    n > (i == S3_PART_SIZE ? 5120 : 64)) {
				fprintf(stderr,
				        "sftpgo portable: --s3-%s: \"%s\" is not an "
				        "integer in [0, %d]\n",
				        s3_flag_name[i], p->s3[i],
				        i == S3_PART_SIZE ? 5120 : 64);
				*rc = EXIT_BAD_INPUT;
				break;
			}
			v = json_integer(n);
		} else {
			v = json_string(p->s3[i]);
		}
		if (v == NULL || json_object_set_new(s3, s3_member[i], v) != 0)
			*rc = EXIT_RUNTIME;
	}
	if (*rc == 0 &&
	    (cloud_validate(fs, err, sizeof(err)) != 0 ||
	     cloud_prepare_for_store(fs, p->username, err, sizeof(err)) != 0)) {
		fprintf(stderr, "sftpgo portable: S3 storage: %s\n", err);
		*rc = EXIT_BAD_INPUT;
	}
	if (*rc == 0)
		snprintf(p->cloud_prefix, sizeof(p->cloud_prefix), "%s",
		         json_string_value(json_object_get(s3, "key_prefix")) != NULL
		             ? json_string_value(json_object_get(s3, "key_prefix"))
		             : "");
	if (*rc != 0) {
		json_decref(fs);
		return NULL;
	}
	return fs;
}

/*
 * filesystem for -f 2: the --gcs-* values as gcsconfig, checked like any account's;
 * the key file (--gcs-credentials-file) is stored as an account's would be, in
 * <tmp>/credentials/<user>_gcs_credentials.json (0600; data_provider.
 * credentials_path of the private config), not in the dump. NULL for the other
 * providers; *rc set on error.
 */
static json_t *
gcs_filesystem(struct portable *p, int *rc)
{
	const char *ac = p->gcs[GCS_AUTOMATIC];
	json_t *fs, *gcs;
	char err[600];
	long long automatic = 1; /* SFTPGo's default */

	*rc = 0;
	if (p->fs_provider != 2)
		return NULL;
	if (ac != NULL) {
		char *end;
		errno = 0;
		automatic = strtoll(ac, &end, 10);
		if (ac[0] == '\0' || *end != '\0' || errno != 0 || automatic < 0 ||
		    automatic > 1) {
			bad("--gcs-automatic-credentials: not 0 or 1:", ac);
			*rc = EXIT_BAD_INPUT;
			return NULL;
		}
	}
	if (automatic == 0 && p->gcs[GCS_CREDENTIALS_FILE] == NULL) {
		bad("--gcs-automatic-credentials 0 needs --gcs-credentials-file", NULL);
		*rc = EXIT_BAD_INPUT;
		return NULL;
	}
	gcs = json_object();
	fs = json_pack("{s:i, s:o}", "provider", 2, "gcsconfig", gcs);
	if (fs == NULL || json_object_set_new(gcs, "automatic_credentials",
	                                      json_integer(automatic)) != 0) {
		json_decref(fs);
		*rc = EXIT_RUNTIME;
		return NULL;
	}
	for (int i = 0; i < GCS_CREDENTIALS_FILE && *rc == 0; i++)
		if (p->gcs[i] != NULL &&
		    json_object_set_new(gcs, gcs_member[i], json_string(p->gcs[i])) != 0)
			*rc = EXIT_RUNTIME;
	/* SFTPGo: a key file sets automatic_credentials to 0; one that cannot be
	 * read ends the command (0.9.6 carried on: spec 12, fix 45) */
	if (*rc == 0 && p->gcs[GCS_CREDENTIALS_FILE] != NULL) {
		int r = cloud_gcs_set_key_file(gcs, p->gcs[GCS_CREDENTIALS_FILE], err,
		                               sizeof(err));
		if (r > 0)
			fprintf(stderr, "sftpgo portable: --gcs-credentials-file: %s\n",
			        err);
		*rc = r > 0 ? EXIT_BAD_INPUT : r < 0 ? EXIT_RUNTIME : 0;
	}
	if (*rc == 0 && ((size_t)snprintf(p->creds, sizeof(p->creds), "%s/credentials",
	                                  p->tmp) >= sizeof(p->creds)))
		*rc = EXIT_RUNTIME;
	if (*rc == 0) {
		cloud_set_credentials_dir(p->creds);
		if (cloud_validate(fs, err, sizeof(err)) != 0 ||
		    cloud_prepare_for_store(fs, p->username, err, sizeof(err)) != 0) {
			fprintf(stderr, "sftpgo portable: Google Cloud Storage: %s\n",
			        err);
			*rc = EXIT_BAD_INPUT;
		}
	}
	if (*rc == 0)
		snprintf(p->cloud_prefix, sizeof(p->cloud_prefix), "%s",
		         json_string_value(json_object_get(gcs, "key_prefix")) != NULL
		             ? json_string_value(json_object_get(gcs, "key_prefix"))
		             : "");
	if (*rc != 0) {
		json_decref(fs);
		return NULL;
	}
	return fs;
}

/* --allowed-extensions and --denied-extensions as filters.file_extensions (NULL
 * when none is given); *rc set on error. */
static json_t *
ext_filters(const struct portable *p, int *rc)
{
	static const char *const flag[2] = {"--allowed-extensions",
	                                    "--denied-extensions"};
	json_t *list;
	char err[4200];

	*rc = 0;
	if (p->ext[0].n == 0 && p->ext[1].n == 0)
		return NULL;
	if ((list = json_array()) == NULL) {
		*rc = EXIT_RUNTIME;
		return NULL;
	}
	for (int k = 0; k < 2 && *rc == 0; k++)
		for (size_t i = 0; i < p->ext[k].n && *rc == 0; i++) {
			int r = extfilter_add(list, p->ext[k].v[i], k, err, sizeof(err));
			if (r > 0)
				fprintf(stderr, "sftpgo portable: %s: %s\n", flag[k],
				        err);
			*rc = r > 0 ? EXIT_BAD_INPUT : r < 0 ? EXIT_RUNTIME : 0;
		}
	if (*rc != 0) {
		json_decref(list);
		return NULL;
	}
	extfilter_finish(list);
	return list;
}

/* SFTPGo's portable host keys: id_rsa and id_ecdsa in the current directory,
 * generated there when missing, so that a client sees the same host key on every
 * run from that directory. Not when the current directory is served (a client
 * could download the server's private key) nor when a key cannot be made there:
 * then keys made for this run in the private dir, and a note says why. NULL
 * then (sftpd.keys left empty). */
static json_t *
cwd_host_keys(const struct portable *p)
{
	static const char *const names[] = {"id_rsa", "id_ecdsa"};
	char cwd[PATH_MAX], path[PATH_MAX + 16], err[PATH_MAX + 128];
	size_t dl = strlen(p->dir);
	json_t *keys = json_array();
	int made;

	if (keys == NULL || getcwd(cwd, sizeof(cwd)) == NULL) {
		json_decref(keys);
		printf("Host keys: the current directory is not usable: new host keys "
		       "for this run\n");
		return NULL;
	}
	if (p->fs_provider == 0 && strncmp(cwd, p->dir, dl) == 0 &&
	    (cwd[dl] == '\0' || cwd[dl] == '/' || dl == 1)) {
		json_decref(keys);
		printf("Host keys: the current directory is served, so its id_rsa and "
		       "id_ecdsa are not used: new host keys for this run\n");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", cwd, names[i]);
		if (hostkey_ensure(path, i == 1, &made, err, sizeof(err)) != 0) {
			json_decref(keys);
			printf("Host keys: %s: new host keys for this run\n", err);
			return NULL;
		}
		(void)made; /* hostkey_ensure logs the generation */
		json_array_append_new(keys, json_pack("{s:s}", "private_key", path));
	}
	return keys;
}

/* sftpgo.json and the memory provider's dump with the one account. */
static int
write_config(const struct portable *p, const char *password, json_t *fs, json_t *exts)
{
	char dump[PATH_MAX + 16];
	json_t *hostkeys = cwd_host_keys(p);

	snprintf(dump, sizeof(dump), "%s/users.json", p->tmp);
	json_t *cfg = json_pack("{s:{s:I, s:s, s:i, s:o}, s:{s:s, s:s}, s:{s:i}}",
	                        "sftpd", "bind_port", (json_int_t)p->port, "bind_address",
	                        "", "max_auth_tries", 12, "enabled_ssh_commands",
	                        string_array(&p->commands), "data_provider", "driver",
	                        "memory", "name", dump, "httpd", "bind_port", 0);
	if (cfg != NULL && hostkeys != NULL)
		json_object_set_new(json_object_get(cfg, "sftpd"), "keys", hostkeys);
	else
		json_decref(hostkeys);
	/* GCS: where gcs_filesystem() stored the key file */
	if (cfg != NULL && p->creds[0] != '\0' &&
	    json_object_set_new(json_object_get(cfg, "data_provider"), "credentials_path",
	                        json_string(p->creds)) != 0) {
		json_decref(cfg);
		cfg = NULL;
	}
	json_t *user = json_pack(
	    "{s:s, s:s?, s:o, s:s, s:I, s:I, s:{s:o}, s:i}", "username", p->username,
	    "password", password, "public_keys", string_array(&p->keys), "home_dir",
	    p->dir, "uid", (json_int_t)getuid(), "gid", (json_int_t)getgid(),
	    "permissions", "/", string_array(&p->perms), "status", 1);
	if (user != NULL && fs != NULL)
		json_object_set(user, "filesystem", fs);
	if (user != NULL && exts != NULL)
		json_object_set_new(user, "filters",
		                    json_pack("{s:O}", "file_extensions", exts));
	json_t *users = user != NULL ? json_pack("{s:[o]}", "users", user) : NULL;
	int rc = write_json(p->tmp, "users.json", users);
	if (write_json(p->tmp, "sftpgo.json", cfg) != 0)
		rc = -1;
	return rc;
}

/* Everything the server left in the private dir (config, dump, host keys, a
 * database journal if any, the GCS key file), then the dir. */
static void
remove_tmp(const struct portable *p)
{
	const char *tmp = p->tmp;
	static const char *const names[] = {"sftpgo.json", "users.json", "id_rsa",
	                                    "id_rsa.pub",  "id_ed25519", "id_ed25519.pub",
	                                    NULL};
	char path[PATH_MAX + 32];

	for (const char *const *n = names; *n != NULL; n++) {
		snprintf(path, sizeof(path), "%s/%s", tmp, *n);
		(void)unlink(path);
	}
	if (p->creds[0] != '\0') {
		if (cloud_gcs_credentials_file(p->username, path, sizeof(path)) == 0)
			(void)unlink(path);
		(void)rmdir(p->creds);
	}
	if (rmdir(tmp) != 0)
		fprintf(stderr, "sftpgo portable: cannot remove %s: %s\n", tmp,
		        strerror(errno));
}

static int
prepare(struct portable *p, const char **password)
{
	const char *tmpdir = getenv("TMPDIR");
	json_t *fs, *exts;
	int rc;

	if (geteuid() == 0)
		return bad(
		    "portable mode serves a directory as the user who runs it; as "
		    "root the files would belong to sftpd.uid0_service_account: run "
		    "it as the directory's owner",
		    NULL);
	if ((rc = check_commands(p)) != 0)
		return rc;
	for (int i = 0; i < S3_FLAGS && p->fs_provider != 1; i++)
		if (p->s3[i] != NULL) {
			fprintf(stderr,
			        "sftpgo portable: --s3-%s needs --fs-provider 1 (S3)\n",
			        s3_flag_name[i]);
			return EXIT_BAD_INPUT;
		}
	for (int i = 0; i < GCS_FLAGS && p->fs_provider != 2; i++)
		if (p->gcs[i] != NULL) {
			fprintf(stderr,
			        "sftpgo portable: --gcs-%s needs --fs-provider 2 (Google "
			        "Cloud Storage)\n",
			        gcs_flag_name[i]);
			return EXIT_BAD_INPUT;
		}
	/* S3, GCS: the directory is only the local spool for uploads; SFTPGo takes
	 * the system's temporary directory unless an absolute one is given */
	if (p->fs_provider != 0 && p->directory[0] != '/')
		p->directory = tmpdir != NULL && tmpdir[0] == '/' ? tmpdir : "/tmp";
	if (realpath(p->directory, p->dir) == NULL)
		return bad("--directory: cannot use", p->directory);
	*password = p->password != NULL && p->password[0] != '\0' ? p->password : NULL;
	if (*password == NULL && p->keys.n == 0) {
		if (generate_password(p->generated_pw, sizeof(p->generated_pw)) != 0)
			return EXIT_RUNTIME;
		*password = p->generated_pw;
	}
	if (p->port == 0 && random_port(&p->port) != 0) {
		fprintf(stderr, "sftpgo portable: no free port found in 49152..64151\n");
		return EXIT_RUNTIME;
	}
	snprintf(p->tmp, sizeof(p->tmp), "%s/sftpgo-portable-XXXXXX",
	         tmpdir != NULL && tmpdir[0] == '/' ? tmpdir : "/tmp");
	if (mkdtemp(p->tmp) == NULL) {
		fprintf(stderr, "sftpgo portable: mkdtemp %s: %s\n", p->tmp,
		        strerror(errno));
		return EXIT_RUNTIME;
	}
	fs = p->fs_provider == 2 ? gcs_filesystem(p, &rc) : s3_filesystem(p, &rc);
	exts = rc == 0 ? ext_filters(p, &rc) : NULL;
	if (rc == 0 && write_config(p, *password, fs, exts) != 0) {
		fprintf(stderr, "sftpgo portable: cannot write the configuration in %s\n",
		        p->tmp);
		rc = EXIT_RUNTIME;
	}
	json_decref(fs);
	json_decref(exts);
	if (rc != 0)
		remove_tmp(p);
	return rc;
}

static void
print_ready(const struct portable *p, const char *password)
{
	printf(
	    "Portable mode ready, SFTP port: %ld, user: \"%s\", password: \"%s\", public "
	    "keys: %zu, directory: \"%s\", permissions: ",
	    p->port, p->username, password != NULL ? password : "", p->keys.n, p->dir);
	for (size_t i = 0; i < p->perms.n; i++)
		printf("%s%s", i ? "," : "", p->perms.v[i]);
	printf(", ssh commands: ");
	for (size_t i = 0; i < p->commands.n; i++)
		printf("%s%s", i ? "," : "", p->commands.v[i]);
	if (p->fs_provider == 1)
		printf(", S3 bucket: \"%s\", key prefix: \"%s\"", p->s3[S3_BUCKET],
		       p->cloud_prefix);
	if (p->fs_provider == 2)
		printf(", GCS bucket: \"%s\", key prefix: \"%s\"", p->gcs[GCS_BUCKET],
		       p->cloud_prefix);
	printf("\n");
	fflush(stdout);
}

static struct mdns *
advertise(const struct portable *p, const char *password)
{
	char err[256];
	struct mdns *m;
	const char *user = p->advertise_credentials ? p->username : NULL;

	if (!p->advertise)
		return NULL;
	if (p->advertise_credentials && password == NULL)
		printf(
		    "mDNS: the account has no password (public keys only): no password "
		    "record\n");
	m = mdns_advertise((int)p->port, sftpgo_version(), user,
	                   p->advertise_credentials ? password : NULL, err, sizeof(err));
	if (m == NULL)
		fprintf(
		    stderr,
		    "sftpgo portable: warning: the service is not advertised over mDNS: "
		    "%s; start avahi-daemon (with D-Bus) or pass "
		    "--advertise-service=false\n",
		    err);
	else
		printf("mDNS: advertised as \"SFTPGo portable %ld\" (_sftp-ssh._tcp)%s\n",
		       p->port, user != NULL ? " with the credentials" : "");
	fflush(stdout);
	return m;
}

static int
serve(const struct portable *p)
{
	char *argv[10];
	int argc = 0;

	argv[argc++] = "serve";
	argv[argc++] = "--config-dir";
	argv[argc++] = (char *)p->tmp;
	argv[argc++] = "--log-file-path";
	argv[argc++] = (char *)(p->log_file != NULL ? p->log_file : "");
	if (p->libexec_dir != NULL) {
		argv[argc++] = "--libexec-dir";
		argv[argc++] = (char *)p->libexec_dir;
	}
	argv[argc] = NULL;
	return monitor_serve(argc, argv);
}

int
portable_main(int argc, char **argv)
{
	struct portable p = {.directory = ".", .username = "user", .advertise = 1};
	const char *password = NULL;
	int rc;

	if (add_list(&p.perms, NULL, "list,download") != 0 ||
	    add_list(&p.commands, NULL, "md5sum,sha1sum,cd,pwd") != 0)
		return EXIT_RUNTIME;
	rc = parse_flags(&p, argc, argv);
	if (rc == 0)
		rc = prepare(&p, &password);
	if (rc == 0) {
		print_ready(&p, password);
		struct mdns *m = advertise(&p, password);
		rc = serve(&p);
		mdns_stop(m);
		remove_tmp(&p);
	}
	explicit_bzero(p.generated_pw, sizeof(p.generated_pw));
	strlist_free(&p.keys);
	strlist_free(&p.perms);
	strlist_free(&p.commands);
	strlist_free(&p.ext[0]);
	strlist_free(&p.ext[1]);
	return rc < 0 ? 0 : rc;
}
