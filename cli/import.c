/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `sftpgo user import`: accounts from the system's passwd + shadow files, from
 * Pure-FTPd's pureftpd.passwd or from ProFTPD's AuthUserFile, as SFTPGo 0.9's
 * converter (sftpgo_api_cli.py convert-users) did, but straight into the data
 * provider through the path of `sftpgo user add` (validation, storing policy,
 * provider actions). Password hashes are stored as they are and checked first
 * (auth_password_hash_problem), so an account is never imported with a hash that
 * could not match. Each line is imported, skipped (filters) or refused with its
 * reason; --dry-run says the same without writing. Syntax in sftpgo-user(8).
 * Exit status: 0 nothing refused, 2 some line refused (the others were imported)
 * or bad flags, 1 a runtime failure.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "account/cloud.h"
#include "account/account.h"
#include "account/user.h"
#include "auth/auth.h"
#include "cli/commands.h"
#include "cli/import_parse.h"
#include "common/strlist.h"
#include "config/conf.h"
#include "provider/provider.h"

#define EXIT_RUNTIME 1
#define EXIT_BAD_INPUT 2
#define FILE_MAX_BYTES (64L << 20)

struct import_opts {
	enum import_format format;
	const char *passwd_file, *shadow_file, *input_file;
	const char *config_dir, *config_file, *libexec_dir;
	int64_t min_uid, max_uid, force_uid, force_gid; /* -1: not given */
	struct strlist usernames;
	int dry_run;
};

/* One line of the input file, kept for the duplicate check. */
struct line {
	char *text;
	int lineno;
	enum import_verdict verdict;
	char why[300];
	struct import_record rec;
};

struct shadow_line {
	char *text;
	int lineno, duplicate;
	struct import_shadow s;
};

struct counts {
	int added, skipped, refused;
};

static const char *const format_names[] = {"unix-passwd", "pure-ftpd", "proftpd"};

static void
usage(FILE *f)
{
	fprintf(f,
	        "Usage:\n"
	        "  sftpgo user import [--format unix-passwd|pure-ftpd|proftpd]\n"
	        "      [--passwd-file F] [--shadow-file F]   (unix-passwd: /etc/passwd, "
	        "/etc/shadow)\n"
	        "      [--input-file F]                       (pure-ftpd, proftpd: "
	        "required)\n"
	        "      [--min-uid N] [--max-uid N] [--usernames a,b]... [--force-uid N] "
	        "[--force-gid N]\n"
	        "      [--dry-run] [--config-dir D] [--config-file F] [--libexec-dir D]\n"
	        "See sftpgo-user(8), IMPORT.\n");
}

static int __attribute__((format(printf, 1, 2))) bad_flag(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sftpgo user import: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_BAD_INPUT;
}

static int
parse_id_flag(const char *name, const char *arg, int64_t *out)
{
	char *end;

	errno = 0;
	long long v = strtoll(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0 ||
	    v > 2147483647LL) {
		fprintf(stderr,
		        "sftpgo user import: --%s: \"%s\" is not an integer in [0, "
		        "2147483647]\n",
		        name, arg);
		return EXIT_BAD_INPUT;
	}
	*out = v;
	return 0;
}

static int
set_format(struct import_opts *o, const char *arg)
{
	for (size_t i = 0; i < 3; i++)
		if (strcmp(arg, format_names[i]) == 0) {
			o->format = (enum import_format)i;
			return 0;
		}
	return bad_flag("--format: \"%s\" is not unix-passwd, pure-ftpd or proftpd", arg);
}

/* Parses the flags; 0, -1 for --help, or an exit status. */
static int
parse_flags(struct import_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"passwd-file", required_argument, NULL, 'p'},
	    {"shadow-file", required_argument, NULL, 's'},
	    {"input-file", required_argument, NULL, 'i'},
	    {"min-uid", required_argument, NULL, 'm'},
	    {"max-uid", required_argument, NULL, 'M'},
	    {"usernames", required_argument, NULL, 'n'},
	    {"force-uid", required_argument, NULL, 'u'},
	    {"force-gid", required_argument, NULL, 'g'},
	    {"dry-run", no_argument, NULL, 'd'},
	    {"config-dir", required_argument, NULL, 'c'},
	    {"config-file", required_argument, NULL, 'C'},
	    {"libexec-dir", required_argument, NULL, 'L'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int min_given = 0, max_given = 0, rc = 0;

	opterr = 0;
	optind = 0;
	for (int id;
	     rc == 0 && (id = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1;) {
		switch (id) {
		case 'h':
			usage(stdout);
			return -1;
		case 'f':
			rc = set_format(o, optarg);
			break;
		case 'p':
			o->passwd_file = optarg;
			break;
		case 's':
			o->shadow_file = optarg;
			break;
		case 'i':
			o->input_file = optarg;
			break;
		case 'm':
			min_given = 1;
			rc = parse_id_flag("min-uid", optarg, &o->min_uid);
			break;
		case 'M':
			max_given = 1;
			rc = parse_id_flag("max-uid", optarg, &o->max_uid);
			break;
		case 'u':
			rc = parse_id_flag("force-uid", optarg, &o->force_uid);
			break;
		case 'g':
			rc = parse_id_flag("force-gid", optarg, &o->force_gid);
			break;
		case 'n':
			rc = strlist_add_split(&o->usernames, optarg) != 0 ? EXIT_RUNTIME
			                                                   : 0;
			break;
		case 'd':
			o->dry_run = 1;
			break;
		case 'c':
			o->config_dir = optarg;
			break;
		case 'C':
			o->config_file = optarg;
			break;
		case 'L':
			o->libexec_dir = optarg;
			break;
		case ':':
			return bad_flag("flag \"%s\" needs a value", argv[optind - 1]);
		default:
			return bad_flag("unknown flag \"%s\"", argv[optind - 1]);
		}
	}
	if (rc != 0)
		return rc;
	if (optind < argc)
		return bad_flag("unexpected argument \"%s\"", argv[optind]);
	if (o->format == IMPORT_UNIX_PASSWD) {
		if (o->input_file != NULL)
			return bad_flag(
			    "--input-file is for pure-ftpd and proftpd; "
			    "unix-passwd reads --passwd-file and --shadow-file");
		/* System accounts (uid < 1000) and nobody are never wanted: Debian's
		 * UID_MIN and UID_MAX unless given. */
		if (!min_given)
			o->min_uid = 1000;
		if (!max_given)
			o->max_uid = 60000;
	} else if (o->passwd_file != NULL || o->shadow_file != NULL) {
		return bad_flag("--passwd-file and --shadow-file are for unix-passwd; "
		                "%s reads --input-file",
		                format_names[o->format]);
	} else if (o->input_file == NULL) {
		return bad_flag("--input-file is required for %s",
		                format_names[o->format]);
	}
	if (o->min_uid >= 0 && o->max_uid >= 0 && o->min_uid > o->max_uid)
		return bad_flag("--min-uid is above --max-uid");
	return 0;
}

/* Reads a whole regular file of at most FILE_MAX_BYTES into lines. The callback
 * gets each line without its '\n' (NULs kept: the parsers refuse them). */
static int
read_lines(const char *path, int (*cb)(char *text, size_t len, int lineno, void *arg),
           void *arg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	FILE *f;

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > FILE_MAX_BYTES || (f = fdopen(fd, "r")) == NULL) {
		int e = fd < 0 ? errno : 0;
		fprintf(stderr, "sftpgo user import: %s: %s\n", path,
		        e != 0                        ? strerror(e)
		        : !S_ISREG(st.st_mode)        ? "not a regular file"
		        : st.st_size > FILE_MAX_BYTES ? "larger than 64 MiB"
		                                      : strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_BAD_INPUT;
	}
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, rc = 0;
	long total = 0;
	while (rc == 0 && (n = getline(&buf, &cap, f)) > 0) {
		total += n;
		if (total > FILE_MAX_BYTES)
			break; /* the file grew while read */
		if (buf[n - 1] == '\n')
			buf[--n] = '\0';
		rc = cb(buf, (size_t)n, ++lineno, arg);
	}
	if (buf != NULL)
		explicit_bzero(buf, cap); /* a shadow line holds a hash */
	free(buf);
	fclose(f);
	return rc;
}

struct line_table {
	struct line *v;
	size_t n, cap;
	enum import_format format;
};

static int
keep_line(char *text, size_t len, int lineno, void *arg)
{
	struct line_table *t = arg;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct line *v = reallocarray(t->v, cap, sizeof(*v));
		if (v == NULL)
			return EXIT_RUNTIME;
		t->v = v;
		t->cap = cap;
	}
	struct line *l = &t->v[t->n];
	memset(l, 0, sizeof(*l));
	l->lineno = lineno;
	l->text = malloc(len + 1);
	if (l->text == NULL)
		return EXIT_RUNTIME;
	memcpy(l->text, text, len);
	l->text[len] = '\0';
	l->verdict =
	    import_parse_line(t->format, l->text, len, &l->rec, l->why, sizeof(l->why));
	t->n++;
	return 0;
}

struct shadow_table {
	struct shadow_line *v;
	size_t n, cap;
	int refused;
};

static int
keep_shadow(char *text, size_t len, int lineno, void *arg)
{
	struct shadow_table *t = arg;
	char why[300];

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct shadow_line *v = reallocarray(t->v, cap, sizeof(*v));
		if (v == NULL)
			return EXIT_RUNTIME;
		t->v = v;
		t->cap = cap;
	}
	struct shadow_line *l = &t->v[t->n];
	memset(l, 0, sizeof(*l));
	l->lineno = lineno;
	if ((l->text = strndup(text, len)) == NULL)
		return EXIT_RUNTIME;
	enum import_verdict v =
	    import_parse_shadow(l->text, len, &l->s, why, sizeof(why));
	if (v == IMPORT_REFUSED) {
		fprintf(stderr, "sftpgo user import: shadow line %d: refused: %s\n",
		        lineno, why);
		t->refused++;
	}
	if (v != IMPORT_OK) {
		explicit_bzero(l->text, len);
		free(l->text);
		return 0;
	}
	t->n++;
	return 0;
}

static int
cmp_shadow(const void *a, const void *b)
{
	return strcmp(((const struct shadow_line *)a)->s.name,
	              ((const struct shadow_line *)b)->s.name);
}

/* Sorted by name; every entry of a name given twice is marked (never used). */
static void
index_shadow(struct shadow_table *t)
{
	qsort(t->v, t->n, sizeof(*t->v), cmp_shadow);
	for (size_t i = 1; i < t->n; i++)
		if (strcmp(t->v[i].s.name, t->v[i - 1].s.name) == 0)
			t->v[i].duplicate = t->v[i - 1].duplicate = 1;
}

static const struct shadow_line *
find_shadow(const struct shadow_table *t, const char *name)
{
	struct shadow_line key = {.s.name = name};

	return t->n ? bsearch(&key, t->v, t->n, sizeof(*t->v), cmp_shadow) : NULL;
}

static int
cmp_line_name(const void *a, const void *b)
{
	const struct line *x = *(struct line *const *)a, *y = *(struct line *const *)b;
	int c = strcmp(x->rec.name, y->rec.name);

	return c != 0 ? c : x->lineno - y->lineno;
}

/* A name on two lines is ambiguous: every line that has it is refused. */
static int
mark_duplicates(struct line_table *t)
{
	struct line **idx = calloc(t->n ? t->n : 1, sizeof(*idx));
	size_t n = 0;

	if (idx == NULL)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].verdict == IMPORT_OK)
			idx[n++] = &t->v[i];
	qsort(idx, n, sizeof(*idx), cmp_line_name);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && strcmp(idx[j]->rec.name, idx[i]->rec.name) == 0)
			j++;
		for (size_t k = i; j - i > 1 && k < j; k++) {
			idx[k]->verdict = IMPORT_REFUSED;
			snprintf(
			    idx[k]->why, sizeof(idx[k]->why),
			    "%s: the name is on %zu lines (first %d): none is imported",
			    idx[k]->rec.name, j - i, idx[i]->lineno);
		}
		i = j;
	}
	free(idx);
	return 0;
}

/* A Pure-FTPd IP list ("192.0.2.1,10.0.0.0/8") as CIDR filters: a bare address
 * becomes a /32 or /128; the account's validation refuses a bad one. */
static int
add_ip_list(struct strlist *dst, const char *list)
{
	char *copy = strdup(list), *save = NULL;
	int rc = copy != NULL ? 0 : -1;

	for (char *t = copy != NULL ? strtok_r(copy, ",", &save) : NULL;
	     rc == 0 && t != NULL; t = strtok_r(NULL, ",", &save)) {
		char cidr[128];
		const char *suffix = strchr(t, '/') != NULL   ? ""
		                     : strchr(t, ':') != NULL ? "/128"
		                                              : "/32";
		if ((size_t)snprintf(cidr, sizeof(cidr), "%s%s", t, suffix) >=
		    sizeof(cidr))
			rc = -1;
		else
			rc = strlist_add(dst, cidr);
	}
	free(copy);
	return rc;
}

/* The account a record describes, as `sftpgo user add` would build it. */
static int
build_user(const struct import_opts *o, const struct import_record *r, const char *hash,
           int active, int64_t expiration_ms, struct sftpgo_user *u)
{
	u->username = strdup(r->name);
	u->password = strdup(hash);
	u->home_dir = strdup(r->home);
	if (u->username == NULL || u->password == NULL || u->home_dir == NULL ||
	    cli_user_perms_all(u) != 0)
		return -1;
	u->uid = o->force_uid >= 0 ? o->force_uid : r->uid;
	u->gid = o->force_gid >= 0 ? o->force_gid : r->gid;
	u->status = active ? USER_STATUS_ACTIVE : 0;
	u->expiration_date = expiration_ms;
	u->upload_bandwidth = r->upload_bw;
	u->download_bandwidth = r->download_bw;
	u->max_sessions = r->max_sessions;
	u->quota_files = r->quota_files;
	u->quota_size = r->quota_size;
	if (add_ip_list(&u->filters.allowed_ip, r->allowed_ip) != 0 ||
	    add_ip_list(&u->filters.denied_ip, r->denied_ip) != 0)
		return -1;
	return 0;
}

/* Why the record is not imported (filters: *skip set), or NULL. */
static const char *
filtered(const struct import_opts *o, const struct import_record *r, char *why,
         size_t whylen)
{
	if (o->usernames.n > 0 && !strlist_contains(&o->usernames, r->name))
		return "not in --usernames";
	if (o->min_uid >= 0 && r->uid < o->min_uid) {
		snprintf(why, whylen, "uid %lld below --min-uid %lld", (long long)r->uid,
		         (long long)o->min_uid);
		return why;
	}
	if (o->max_uid >= 0 && r->uid > o->max_uid) {
		snprintf(why, whylen, "uid %lld above --max-uid %lld", (long long)r->uid,
		         (long long)o->max_uid);
		return why;
	}
	return NULL;
}

/* The hash, status and expiration of a record: from the shadow file when the
 * passwd line says "x". NULL with the reason in why when there is none. */
static const char *
resolve_hash(const struct import_record *r, const struct shadow_table *sh, int *active,
             int64_t *expiration_ms, char *why, size_t whylen)
{
	const char *hash = r->hash, *problem;

	*active = 1;
	*expiration_ms = 0;
	if (r->hash_in_shadow) {
		const struct shadow_line *s = find_shadow(sh, r->name);
		if (s == NULL || s->duplicate) {
			snprintf(why, whylen, "%s: %s in the shadow file", r->name,
			         s == NULL ? "no entry" : "more than one entry");
			return NULL;
		}
		hash = s->s.hash;
		import_shadow_status(&s->s, (int64_t)(time(NULL) / 86400), active,
		                     expiration_ms);
	}
	if ((problem = import_password_locked(hash)) != NULL ||
	    (problem = auth_password_hash_problem(hash)) != NULL) {
		snprintf(why, whylen, "%s: %s", r->name, problem);
		return NULL;
	}
	return hash;
}

static const char *
scheme_of(const char *hash)
{
	static char scheme[16];
	const char *end = strchr(hash + 1, '$');
	size_t n = end != NULL ? (size_t)(end - hash) + 1 : 1;

	if (n >= sizeof(scheme))
		n = sizeof(scheme) - 1;
	memcpy(scheme, hash, n);
	scheme[n] = '\0';
	return scheme;
}

struct run {
	const struct import_opts *o;
	const struct sftpgo_config *cfg;
	struct provider *p;
	const char *file;
	struct counts n;
	int runtime_failure;
};

static void
refused(struct run *x, int lineno, const char *why)
{
	fprintf(stderr, "sftpgo user import: %s line %d: refused: %s\n", x->file, lineno,
	        why);
	x->n.refused++;
}

/* Stores (or, with --dry-run, checks) one account. */
static void
import_user(struct run *x, const struct line *l, struct sftpgo_user *u)
{
	char err[1024];
	const char *verb = x->o->dry_run ? "would add" : "added";

	if (x->o->dry_run) {
		struct sftpgo_user existing;
		user_init(&existing);
		int rc =
		    provider_user_by_name(x->p, u->username, &existing, err, sizeof(err));
		user_free(&existing);
		if (rc == 0)
			snprintf(err, sizeof(err), "username: user \"%s\" already exists",
			         u->username);
		if (rc <= 0 ||
		    account_prepare_for_store(u, NULL, err, sizeof(err)) != 0) {
			refused(x, l->lineno, err);
			return;
		}
	} else {
		int rc = cli_user_add_new(x->p, NULL, u, err, sizeof(err));
		if (rc != 0) {
			refused(x, l->lineno, err);
			return;
		}
	}
	printf("%s line %d: %s \"%s\": uid %lld, gid %lld, home %s, hash %s%s\n", x->file,
	       l->lineno, verb, u->username, (long long)u->uid, (long long)u->gid,
	       u->home_dir, scheme_of(u->password),
	       u->status == USER_STATUS_ACTIVE ? "" : ", inactive");
	fflush(stdout);
	x->n.added++;
	if (!x->o->dry_run)
		cli_user_stored(x->cfg, x->p, x->o->libexec_dir, "add", u->username,
		                "user import");
}

static void
import_line(struct run *x, const struct line *l, const struct shadow_table *sh)
{
	char why[400];
	const char *hash, *skip;
	int active;
	int64_t expiration_ms;

	if (l->verdict == IMPORT_IGNORE)
		return;
	if (l->verdict == IMPORT_REFUSED) {
		refused(x, l->lineno, l->why);
		return;
	}
	if ((skip = filtered(x->o, &l->rec, why, sizeof(why))) != NULL) {
		printf("%s line %d: skipped \"%s\": %s\n", x->file, l->lineno,
		       l->rec.name, skip);
		x->n.skipped++;
		return;
	}
	hash = resolve_hash(&l->rec, sh, &active, &expiration_ms, why, sizeof(why));
	if (hash == NULL) {
		refused(x, l->lineno, why);
		return;
	}
	struct sftpgo_user u;
	user_init(&u);
	if (build_user(x->o, &l->rec, hash, active, expiration_ms, &u) != 0) {
		fprintf(stderr, "sftpgo user import: out of memory\n");
		x->runtime_failure = 1;
	} else {
		import_user(x, l, &u);
	}
	user_free(&u);
}

static void
free_tables(struct line_table *t, struct shadow_table *sh)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].text);
	free(t->v);
	for (size_t i = 0; i < sh->n; i++) {
		explicit_bzero(sh->v[i].text, strlen(sh->v[i].text));
		free(sh->v[i].text);
	}
	free(sh->v);
}

/* Reads and checks the files: 0, or an exit status. */
static int
load_files(const struct import_opts *o, struct line_table *t, struct shadow_table *sh,
           const char **file)
{
	int rc;

	t->format = o->format;
	*file = o->format == IMPORT_UNIX_PASSWD
	            ? (o->passwd_file != NULL ? o->passwd_file : "/etc/passwd")
	            : o->input_file;
	if ((rc = read_lines(*file, keep_line, t)) != 0)
		return rc;
	if (o->format == IMPORT_UNIX_PASSWD) {
		const char *shadow =
		    o->shadow_file != NULL ? o->shadow_file : "/etc/shadow";
		if ((rc = read_lines(shadow, keep_shadow, sh)) != 0)
			return rc;
		index_shadow(sh);
	}
	return mark_duplicates(t) != 0 ? EXIT_RUNTIME : 0;
}

static int
open_provider(const struct import_opts *o, struct sftpgo_config *cfg, struct provider **p)
{
	char err[1024];
	const char *ro;

	if (config_load(cfg, o->config_dir, o->config_file, err, sizeof(err)) != 0) {
		fprintf(stderr, "sftpgo user import: configuration: %s\n", err);
		return EXIT_BAD_INPUT;
	}
	cloud_set_credentials_dir(cfg->data_provider.credentials_path);
	if (!o->dry_run && (ro = cli_provider_not_writable(cfg)) != NULL) {
		fprintf(stderr, "sftpgo user import: %s\n", ro);
		config_free(cfg);
		return EXIT_RUNTIME;
	}
	if (provider_open(cfg, p, err, sizeof(err)) != 0 ||
	    provider_schema_exists(*p, err, sizeof(err)) != 1) {
		fprintf(stderr, "sftpgo user import: %s\n",
		        err[0] != '\0' ? err
		                       : "the data provider has no users table; run "
		                         "\"sftpgo initprovider\" first");
		provider_close(*p);
		config_free(cfg);
		return EXIT_RUNTIME;
	}
	return 0;
}

static int
run_import(const struct import_opts *o)
{
	struct line_table t = {0};
	struct shadow_table sh = {0};
	struct sftpgo_config cfg;
	struct run x = {.o = o, .cfg = &cfg};
	int rc = load_files(o, &t, &sh, &x.file);

	if (rc == 0)
		rc = open_provider(o, &cfg, &x.p);
	if (rc != 0) {
		free_tables(&t, &sh);
		return rc;
	}
	x.n.refused = sh.refused;
	for (size_t i = 0; i < t.n && !x.runtime_failure; i++)
		import_line(&x, &t.v[i], &sh);
	printf("%d %s, %d skipped, %d refused%s\n", x.n.added,
	       o->dry_run ? "would be added" : "added", x.n.skipped, x.n.refused,
	       o->dry_run ? " (dry run: nothing written)" : "");
	provider_close(x.p);
	config_free(&cfg);
	free_tables(&t, &sh);
	if (x.runtime_failure)
		return EXIT_RUNTIME;
	return x.n.refused > 0 ? EXIT_BAD_INPUT : 0;
}

int
import_main(int argc, char **argv)
{
	struct import_opts o = {
	    .format = IMPORT_UNIX_PASSWD,
	    .libexec_dir = SFTPGO_LIBEXECDIR,
	    .min_uid = -1,
	    .max_uid = -1,
	    .force_uid = -1,
	    .force_gid = -1,
	};
	int rc = parse_flags(&o, argc, argv);

	if (rc == 0)
		rc = run_import(&o);
	else if (rc < 0)
		rc = 0;
	strlist_free(&o.usernames);
	return rc;
}
