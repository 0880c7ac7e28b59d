/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of config/conf.c: defaults, file parsing, validation, env, paths. */
#include "config.h"

#include <check.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/conf.h"
#include "regress/unit/check_main.h"

/* The "full example showing the default config" of SFTPGo 0.9's README, verbatim. */
static const char spec_example[] =
    "{\n"
    "  \"sftpd\": {\n"
    "    \"bind_port\": 2022,\n"
    "    \"bind_address\": \"\",\n"
    "    \"idle_timeout\": 15,\n"
    "    \"max_auth_tries\": 0,\n"
    "    \"umask\": \"0022\",\n"
    "    \"banner\": \"\",\n"
    "    \"upload_mode\": 0,\n"
    "    \"actions\": {\n"
    "      \"execute_on\": [],\n"
    "      \"command\": \"\",\n"
    "      \"http_notification_url\": \"\"\n"
    "    },\n"
    "    \"keys\": [],\n"
    "    \"enable_scp\": false,\n"
    "    \"kex_algorithms\": [],\n"
    "    \"ciphers\": [],\n"
    "    \"macs\": [],\n"
    "    \"login_banner_file\": \"\",\n"
    "    \"setstat_mode\": 0,\n"
    "    \"enabled_ssh_commands\": [\"md5sum\", \"sha1sum\", \"cd\", \"pwd\"],\n"
    "    \"keyboard_interactive_auth_program\": \"\"\n"
    "  },\n"
    "  \"data_provider\": {\n"
    "    \"driver\": \"sqlite\",\n"
    "    \"name\": \"sftpgo.db\",\n"
    "    \"host\": \"\",\n"
    "    \"port\": 5432,\n"
    "    \"username\": \"\",\n"
    "    \"password\": \"\",\n"
    "    \"sslmode\": 0,\n"
    "    \"connection_string\": \"\",\n"
    "    \"users_table\": \"users\",\n"
    "    \"manage_users\": 1,\n"
    "    \"track_quota\": 2,\n"
    "    \"pool_size\": 0,\n"
    "    \"users_base_dir\": \"\",\n"
    "    \"actions\": {\n"
    "      \"execute_on\": [],\n"
    "      \"command\": \"\",\n"
    "      \"http_notification_url\": \"\"\n"
    "    },\n"
    "    \"external_auth_program\": \"\",\n"
    "    \"external_auth_scope\": 0,\n"
    "    \"credentials_path\": \"credentials\"\n"
    "  },\n"
    "  \"httpd\": {\n"
    "    \"bind_port\": 8080,\n"
    "    \"bind_address\": \"127.0.0.1\",\n"
    "    \"templates_path\": \"templates\",\n"
    "    \"static_files_path\": \"static\",\n"
    "    \"backups_path\": \"backups\",\n"
    "    \"auth_user_file\": \"\",\n"
    "    \"certificate_file\": \"\",\n"
    "    \"certificate_key_file\": \"\"\n"
    "  }\n"
    "}\n";

static char dir[64];
static char err[1024];

static int
rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_conf.XXXXXX");
	char *real;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* the loader stores the resolved directory */
	real = realpath(dir, NULL);
	ck_assert_ptr_nonnull(real);
	snprintf(dir, sizeof(dir), "%s", real);
	free(real);
	err[0] = '\0';
}

static void
teardown(void)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
write_file(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static char *
in_dir(const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

/* Loads text as <dir>/sftpgo.json; returns config_load's result. */
static int
load_text(struct sftpgo_config *c, const char *text)
{
	write_file("sftpgo.json", text);
	return config_load(c, dir, NULL, err, sizeof(err));
}

static void
assert_err_has(const char *what)
{
	ck_assert_msg(strstr(err, what) != NULL, "error \"%s\" lacks \"%s\"", err, what);
}

/* Loads {"<section>": {<body>}} and expects failure naming key and reason. */
static void
expect_bad(const char *section, const char *body, const char *key, const char *reason)
{
	struct sftpgo_config c;
	char text[1024];

	snprintf(text, sizeof(text), "{\"%s\": {%s}}", section, body);
	err[0] = '\0';
	ck_assert_msg(load_text(&c, text) == -1, "accepted %s", text);
	assert_err_has(key);
	assert_err_has(reason);
	assert_err_has("sftpgo.json");
}

static void
expect_good(const char *section, const char *body)
{
	struct sftpgo_config c;
	char text[1024];

	snprintf(text, sizeof(text), "{\"%s\": {%s}}", section, body);
	ck_assert_msg(load_text(&c, text) == 0, "rejected %s: %s", text, err);
	config_free(&c);
}

static void
assert_list(const struct strlist *l, size_t n, const char *const *want)
{
	ck_assert_uint_eq(l->n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(l->v[i], want[i]);
}

/* Every value of the README's default example (relative paths as given). */
static void
assert_spec_defaults(const struct sftpgo_config *c, const char *base)
{
	static const char *const cmds[] = {"md5sum", "sha1sum", "cd", "pwd"};
	char p[512];

	ck_assert_int_eq(c->sftpd.bind_port, 2022);
	ck_assert_str_eq(c->sftpd.bind_address, "");
	ck_assert_int_eq(c->sftpd.idle_timeout, 15);
	ck_assert_int_eq(c->sftpd.max_auth_tries, 0);
	ck_assert_str_eq(c->sftpd.umask, "0022");
	ck_assert_int_eq(c->sftpd.umask_mode, 022);
	ck_assert_str_eq(c->sftpd.banner, "");
	ck_assert_int_eq(c->sftpd.upload_mode, 0);
	ck_assert_uint_eq(c->sftpd.actions.execute_on.n, 0);
	ck_assert_str_eq(c->sftpd.actions.command, "");
	ck_assert_str_eq(c->sftpd.actions.http_notification_url, "");
	ck_assert_uint_eq(c->sftpd.keys.n, 0);
	ck_assert(!c->sftpd.enable_scp);
	ck_assert_uint_eq(c->sftpd.kex_algorithms.n, 0);
	ck_assert_uint_eq(c->sftpd.ciphers.n, 0);
	ck_assert_uint_eq(c->sftpd.macs.n, 0);
	ck_assert_str_eq(c->sftpd.login_banner_file, "");
	ck_assert_int_eq(c->sftpd.setstat_mode, 0);
	assert_list(&c->sftpd.enabled_ssh_commands, 4, cmds);
	ck_assert_str_eq(c->sftpd.keyboard_interactive_auth_program, "");
	ck_assert_int_eq(c->sftpd.session_pool_size, 4);
	ck_assert_str_eq(c->sftpd.unprivileged_user, "");
	ck_assert_int_eq(c->sftpd.max_startups_per_ip, 20);
	ck_assert_int_eq(c->sftpd.proxy_protocol, 0);
	ck_assert_uint_eq(c->sftpd.proxy_allowed.n, 0);
	ck_assert_int_eq(c->sftpd.max_channels_per_connection, 10);
	ck_assert_str_eq(c->sftpd.uid0_service_account, "");
	ck_assert_str_eq(c->data_provider.pre_login_program, "");

	ck_assert_str_eq(c->data_provider.driver, "sqlite");
	snprintf(p, sizeof(p), "%s%s", base, "sftpgo.db");
	ck_assert_str_eq(c->data_provider.name, p);
	ck_assert_str_eq(c->data_provider.host, "");
	ck_assert_int_eq(c->data_provider.port, 5432);
	ck_assert_str_eq(c->data_provider.username, "");
	ck_assert_str_eq(c->data_provider.password, "");
	ck_assert_int_eq(c->data_provider.sslmode, 0);
	ck_assert_str_eq(c->data_provider.connection_string, "");
	ck_assert_str_eq(c->data_provider.users_table, "users");
	ck_assert_int_eq(c->data_provider.manage_users, 1);
	ck_assert_int_eq(c->data_provider.track_quota, 2);
	ck_assert_int_eq(c->data_provider.pool_size, 0);
	ck_assert_str_eq(c->data_provider.users_base_dir, "");
	ck_assert_uint_eq(c->data_provider.actions.execute_on.n, 0);
	ck_assert_str_eq(c->data_provider.actions.command, "");
	ck_assert_str_eq(c->data_provider.actions.http_notification_url, "");
	ck_assert_str_eq(c->data_provider.external_auth_program, "");
	ck_assert_int_eq(c->data_provider.external_auth_scope, 0);
	snprintf(p, sizeof(p), "%s%s", base, "credentials");
	ck_assert_str_eq(c->data_provider.credentials_path, p);

	ck_assert_int_eq(c->httpd.bind_port, 8080);
	ck_assert_str_eq(c->httpd.bind_address, "127.0.0.1");
	snprintf(p, sizeof(p), "%s%s", base, "templates");
	ck_assert_str_eq(c->httpd.templates_path, p);
	snprintf(p, sizeof(p), "%s%s", base, "static");
	ck_assert_str_eq(c->httpd.static_files_path, p);
	snprintf(p, sizeof(p), "%s%s", base, "backups");
	ck_assert_str_eq(c->httpd.backups_path, p);
	ck_assert_str_eq(c->httpd.auth_user_file, "");
	ck_assert_str_eq(c->httpd.certificate_file, "");
	ck_assert_str_eq(c->httpd.certificate_key_file, "");

	snprintf(p, sizeof(p), "%s%s", base, "sftpgo.log");
	ck_assert_str_eq(c->log.file_path, p);
	ck_assert_int_eq(c->log.max_size_mb, 10);
	ck_assert_int_eq(c->log.max_backups, 5);
	ck_assert_int_eq(c->log.max_age_days, 28);
	ck_assert(!c->log.compress);
	ck_assert(c->log.verbose);
}

START_TEST(defaults_are_the_spec_example)
{
	struct sftpgo_config c;

	config_defaults(&c);
	assert_spec_defaults(&c, "");
	ck_assert_ptr_null(c.config_dir);
	config_free(&c);
}
END_TEST

START_TEST(spec_example_file_loads_to_defaults)
{
	struct sftpgo_config c;
	char base[256];

	ck_assert_int_eq(load_text(&c, spec_example), 0);
	snprintf(base, sizeof(base), "%s/", c.config_dir);
	assert_spec_defaults(&c, base);
	ck_assert_str_eq(c.config_file_used, in_dir("sftpgo.json"));
	config_free(&c);
}
END_TEST

START_TEST(default_json_is_spec_example_plus_our_keys)
{
	char *s = config_default_json();
	json_error_t je;
	json_t *ours, *spec, *sftpd;

	ck_assert_ptr_nonnull(s);
	ours = json_loads(s, 0, &je);
	ck_assert_ptr_nonnull(ours);
	spec = json_loads(spec_example, 0, &je);
	ck_assert_ptr_nonnull(spec);
	sftpd = json_object_get(ours, "sftpd");
	ck_assert_int_eq(json_integer_value(json_object_get(sftpd, "session_pool_size")),
	                 4);
	ck_assert_str_eq(json_string_value(json_object_get(sftpd, "unprivileged_user")),
	                 "");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(sftpd, "max_startups_per_ip")), 20);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(sftpd, "max_channels_per_connection")),
	    10);
	json_object_del(sftpd, "session_pool_size");
	json_object_del(sftpd, "unprivileged_user");
	json_object_del(sftpd, "max_startups_per_ip");
	json_object_del(sftpd, "max_channels_per_connection");
	json_object_del(sftpd, "uid0_service_account");
	json_object_del(sftpd, "hooks_run_as_root");
	/* SFTPGo 0.9.6's additions to the README's 0.9 example (see sample_096_loads) */
	json_object_del(sftpd, "proxy_protocol");
	json_object_del(sftpd, "proxy_allowed");
	json_object_del(json_object_get(ours, "data_provider"), "pre_login_program");
	/* SFTPGo 2.x's common.defender, off by default */
	ck_assert(json_is_false(json_object_get(
	    json_object_get(json_object_get(ours, "common"), "defender"), "enabled")));
	json_object_del(ours, "common");
	ck_assert(json_equal(ours, spec));
	/* same key order as the README's example */
	ck_assert_ptr_nonnull(
	    strstr(s, "  \"sftpd\": {\n    \"bind_port\": 2022,\n    \"bind_address\""));
	ck_assert(strstr(s, "\"connection_string\"") < strstr(s, "\"users_table\""));
	ck_assert(strstr(s, "\"templates_path\"") <
	          strstr(s, "\"certificate_key_file\""));
	json_decref(ours);
	json_decref(spec);
	free(s);
}
END_TEST

/* contrib/sftpgo.json is generated from config_default_json: they must not drift. */
/* The text of a file of the source tree (malloc'd). */
static char *
source_file(const char *rel)
{
	char p[1024], *text;
	const char *top = getenv("top_srcdir");
	FILE *f;
	long n;

	snprintf(p, sizeof(p), "%s/%s", top != NULL ? top : TOP_SRCDIR, rel);
	f = fopen(p, "r");
	ck_assert_msg(f != NULL, "cannot open %s", p);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

START_TEST(sample_file_matches_default_json)
{
	char *want = config_default_json();
	char *got = source_file("contrib/sftpgo.json");

	ck_assert_msg(
	    strcmp(got, want) == 0,
	    "contrib/sftpgo.json differs from config_default_json(): regenerate it");
	free(got);
	free(want);
}
END_TEST

START_TEST(sample_file_loads)
{
	struct sftpgo_config c;
	char *s = config_default_json();
	char base[256];

	ck_assert_int_eq(load_text(&c, s), 0);
	snprintf(base, sizeof(base), "%s/", c.config_dir);
	assert_spec_defaults(&c, base);
	config_free(&c);
	free(s);
}
END_TEST

START_TEST(missing_file_gives_defaults)
{
	struct sftpgo_config c;
	char base[256];

	ck_assert_int_eq(config_load(&c, dir, NULL, err, sizeof(err)), 0);
	ck_assert_ptr_null(c.config_file_used);
	ck_assert_str_eq(c.config_dir, dir);
	snprintf(base, sizeof(base), "%s/", dir);
	assert_spec_defaults(&c, base);
	config_free(&c);
}
END_TEST

START_TEST(dir_and_file_from_environment)
{
	struct sftpgo_config c;

	write_file("other.json", "{\"sftpd\": {\"bind_port\": 2200}}");
	setenv("SFTPGO_CONFIG_DIR", dir, 1);
	setenv("SFTPGO_CONFIG_FILE", "other", 1);
	ck_assert_int_eq(config_load(&c, NULL, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(c.config_dir, dir);
	ck_assert_str_eq(c.config_file_used, in_dir("other.json"));
	ck_assert_int_eq(c.sftpd.bind_port, 2200);
	config_free(&c);
	/* explicit arguments win over the environment */
	ck_assert_int_eq(config_load(&c, dir, "sftpgo", err, sizeof(err)), 0);
	ck_assert_ptr_null(c.config_file_used);
	config_free(&c);
	/* a name with the extension is accepted too */
	ck_assert_int_eq(config_load(&c, dir, "other.json", err, sizeof(err)), 0);
	ck_assert_int_eq(c.sftpd.bind_port, 2200);
	config_free(&c);
	unsetenv("SFTPGO_CONFIG_DIR");
	unsetenv("SFTPGO_CONFIG_FILE");
}
END_TEST

START_TEST(relative_config_dir_made_absolute)
{
	struct sftpgo_config c;
	char cwd[512];

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(config_load(&c, NULL, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(c.config_dir, dir);
	config_free(&c);
	mkdir(in_dir("sub"), 0700);
	ck_assert_int_eq(config_load(&c, "sub", NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(c.config_dir, in_dir("sub"));
	config_free(&c);
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

START_TEST(file_name_with_path_rejected)
{
	struct sftpgo_config c;

	ck_assert_int_eq(config_load(&c, dir, "../etc/sftpgo", err, sizeof(err)), -1);
	assert_err_has("../etc/sftpgo");
	ck_assert_int_eq(config_load(&c, dir, "/etc/sftpgo", err, sizeof(err)), -1);
}
END_TEST

START_TEST(parse_error_has_line_and_column)
{
	struct sftpgo_config c;

	ck_assert_int_eq(
	    load_text(&c, "{\n  \"sftpd\": {\n    \"bind_port\": 2022,,\n  }\n}\n"), -1);
	assert_err_has("sftpgo.json:3:");
	ck_assert_int_eq(load_text(&c, ""), -1);
	assert_err_has("sftpgo.json:");
	ck_assert_int_eq(load_text(&c, "[]"), -1);
	assert_err_has("must be an object");
	ck_assert_int_eq(
	    load_text(&c, "{\"sftpd\": {\"bind_port\": 1, \"bind_port\": 2}}"), -1);
	assert_err_has("duplicate");
}
END_TEST

START_TEST(formats_search_order)
{
	struct sftpgo_config c;
	/* SFTPGo's order: json, toml, yaml, yml, properties, props, prop, hcl,
	 * dotenv, env, ini; the first that exists is read */
	write_file("sftpgo.ini", "x = 1\n");
	write_file("sftpgo.env", "sftpd.bind_port=2204\n");
	ck_assert_int_eq(config_load(&c, dir, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(c.sftpd.bind_port, 2204);
	config_free(&c);
	write_file("sftpgo.properties", "sftpd.bind_port=2203\n");
	ck_assert_int_eq(config_load(&c, dir, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(c.sftpd.bind_port, 2203);
	config_free(&c);
	write_file("sftpgo.yml", "sftpd: {bind_port: 2202}\n");
	ck_assert_int_eq(config_load(&c, dir, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(c.sftpd.bind_port, 2202);
	ck_assert_str_eq(c.config_file_used, in_dir("sftpgo.yml"));
	config_free(&c);
	write_file("sftpgo.json", "{}");
	ck_assert_int_eq(config_load(&c, dir, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(c.sftpd.bind_port, 2022);
	config_free(&c);
}
END_TEST

/* One configuration in every format read: the same effective configuration. */
static const char *const same_config[][2] = {
    {"sftpgo.json", "{\"sftpd\": {\"bind_port\": 2200, \"bind_address\": \"127.0.0.1\", "
                    "\"idle_timeout\": 5, \"umask\": \"0077\", \"banner\": \"hi there\", "
                    "\"upload_mode\": 1, \"enable_scp\": true, "
                    "\"kex_algorithms\": [\"curve25519-sha256@libssh.org\"], "
                    "\"enabled_ssh_commands\": [\"md5sum\", \"rsync\"], "
                    "\"keys\": [{\"private_key\": \"k1\"}, {\"private_key\": \"/k2\"}], "
                    "\"actions\": {\"execute_on\": []}}, "
                    "\"data_provider\": {\"name\": \"users.db\", \"track_quota\": 1}, "
                    "\"httpd\": {\"bind_port\": 0}}"},
    {"sftpgo.yaml", "# comment\n"
                    "sftpd:\n"
                    "  bind_port: 2200\n"
                    "  bind_address: 127.0.0.1\n"
                    "  idle_timeout: 5\n"
                    "  umask: \"0077\"\n"
                    "  banner: hi there\n"
                    "  upload_mode: 1\n"
                    "  enable_scp: true\n"
                    "  kex_algorithms: [curve25519-sha256@libssh.org]\n"
                    "  enabled_ssh_commands:\n"
                    "    - md5sum\n"
                    "    - rsync\n"
                    "  keys:\n"
                    "    - private_key: k1\n"
                    "    - {private_key: /k2}\n"
                    "  actions:\n"
                    "    execute_on: []\n"
                    "data_provider:\n"
                    "  name: 'users.db'\n"
                    "  track_quota: 1\n"
                    "httpd: {bind_port: 0}\n"},
    {"sftpgo.toml", "# comment\n"
                    "[sftpd]\n"
                    "bind_port = 2_200\n"
                    "bind_address = \"127.0.0.1\" # trailing comment\n"
                    "idle_timeout = +5\n"
                    "umask = '0077'\n"
                    "banner = \"hi there\"\n"
                    "upload_mode = 1\n"
                    "enable_scp = true\n"
                    "kex_algorithms = [\"curve25519-sha256@libssh.org\"]\n"
                    "enabled_ssh_commands = [\n"
                    "  \"md5sum\", # the first\n"
                    "  'rsync',\n"
                    "]\n"
                    "actions.execute_on = []\n"
                    "[[sftpd.keys]]\n"
                    "private_key = \"k1\"\n"
                    "[[sftpd.keys]]\n"
                    "private_key = \"/k2\"\n"
                    "[data_provider]\n"
                    "name = \"users.db\"\n"
                    "track_quota = 1\n"
                    "[httpd]\n"
                    "bind_port = 0\n"},
    {"sftpgo.hcl", "# comment\n"
                   "sftpd {\n"
                   "  bind_port = 2200 // trailing\n"
                   "  bind_address = \"127.0.0.1\"\n"
                   "  /* a block\n"
                   "     comment */\n"
                   "  idle_timeout = 5, umask = \"0077\"\n"
                   "  banner = \"hi there\"\n"
                   "  upload_mode = 1\n"
                   "  enable_scp = true\n"
                   "  kex_algorithms = [\"curve25519-sha256@libssh.org\"]\n"
                   "  enabled_ssh_commands = [\n"
                   "    \"md5sum\",\n"
                   "    \"rsync\",\n"
                   "  ]\n"
                   "  keys = [{ private_key = \"k1\" }, {\n"
                   "    private_key = \"/k2\"\n"
                   "  }]\n"
                   "  actions = { execute_on = [] }\n"
                   "}\n"
                   "data_provider {\n"
                   "  name = \"users.db\"\n"
                   "  track_quota = 1\n"
                   "}\n"
                   "httpd = { bind_port = 0 }\n"},
    {"sftpgo.ini", "; comment\n"
                   "[sftpd]\n"
                   "bind_port = 2200\n"
                   "bind_address = 127.0.0.1\n"
                   "idle_timeout = 5\n"
                   "umask = \"0077\"\n"
                   "banner = hi there\n"
                   "upload_mode = 1\n"
                   "enable_scp = true\n"
                   "kex_algorithms = curve25519-sha256@libssh.org\n"
                   "enabled_ssh_commands = md5sum,rsync\n"
                   "keys = k1, /k2\n"
                   "[ sftpd.actions ]\n"
                   "execute_on =\n"
                   "# comment\n"
                   "[data_provider]\n"
                   "name = users.db\n"
                   "track_quota = 1\n"
                   "[httpd]\n"
                   "bind_port = 0\n"},
    {"sftpgo.properties", "# comment\n"
                          "! another\n"
                          "sftpd.bind_port = 2200\n"
                          "sftpd.bind_address: 127.0.0.1\n"
                          "sftpd.idle_timeout=5\n"
                          "sftpd.umask=0077\n"
                          "sftpd.banner = hi there\n"
                          "SFTPD.UPLOAD_MODE = 1\n"
                          "sftpd.enable_scp = true\n"
                          "sftpd.kex_algorithms = curve25519-sha256@libssh.org\n"
                          "sftpd.enabled_ssh_commands = md5sum, rsync\n"
                          "sftpd.keys = k1,/k2\n"
                          "sftpd.actions.execute_on =\n"
                          "data_provider.name = users.db\n"
                          "data_provider.track_quota = 1\n"
                          "httpd.bind_port = 0\n"},
    {"sftpgo.env", "# comment\n"
                   "sftpd.bind_port=2200\n"
                   "export sftpd.bind_address=127.0.0.1\n"
                   "sftpd.idle_timeout=5\n"
                   "sftpd.umask='0077'\n"
                   "sftpd.banner=\"hi there\"\n"
                   "sftpd.upload_mode=1\n"
                   "sftpd.enable_scp=1\n"
                   "sftpd.kex_algorithms=curve25519-sha256@libssh.org\n"
                   "sftpd.enabled_ssh_commands=md5sum,rsync\n"
                   "sftpd.keys=k1,/k2\n"
                   "sftpd.actions.execute_on=\n"
                   "data_provider.name=users.db\r\n"
                   "data_provider.track_quota=1\n"
                   "httpd.bind_port=0"},
};

START_TEST(every_format_same_config)
{
	struct sftpgo_config c;
	char *want = NULL;

	for (size_t i = 0; i < sizeof(same_config) / sizeof(same_config[0]); i++) {
		write_file(same_config[i][0], same_config[i][1]);
		ck_assert_msg(config_load(&c, dir, NULL, err, sizeof(err)) == 0, "%s: %s",
		              same_config[i][0], err);
		ck_assert_str_eq(c.config_file_used, in_dir(same_config[i][0]));
		char *got = config_to_json(&c);
		ck_assert_ptr_nonnull(got);
		if (want == NULL) {
			ck_assert_int_eq(c.sftpd.bind_port, 2200);
			ck_assert_int_eq(c.sftpd.upload_mode, 1);
			want = got;
		} else {
			ck_assert_msg(strcmp(got, want) == 0, "%s:\n%s\nvs JSON:\n%s",
			              same_config[i][0], got, want);
			free(got);
		}
		config_free(&c);
		ck_assert_int_eq(unlink(in_dir(same_config[i][0])), 0);
	}
	free(want);
}
END_TEST

/* Bad input in each format: refused, with the file and a reason. */
static const char *const bad_formats[][3] = {
    {"sftpgo.yaml", "a: &x 1\nb: *x\n", "anchors, aliases and tags"},
    {"sftpgo.yaml", "sftpd:\n  bind_port: 1\n  bind_port: 2\n", "duplicate key"},
    {"sftpgo.yaml", "sftpd: {}\n---\nsftpd: {}\n", "one document only"},
    {"sftpgo.yaml", "- a\n- b\n", "must be a mapping"},
    {"sftpgo.yaml", "sftpd:\n  bind_port: !!str 22\n", "anchors, aliases and tags"},
    {"sftpgo.yaml", "sftpd: [\n", "sftpgo.yaml:"},
    {"sftpgo.yaml", "sftpd:\n  bind_port: \"22\"\n", "sftpd.bind_port"},
    {"sftpgo.yaml", "sftpd:\n  bind_port: 99999999999999999999\n", "out of range"},
    {"sftpgo.yaml", "sftpd:\n  bindport: 22\n", "sftpd.bindport"},
    {"sftpgo.yaml", "? [a]\n: 1\n", "a key must be a plain string"},
    {"sftpgo.toml", "[sftpd]\nbind_port = 1\nbind_port = 2\n", "line 3: duplicate key"},
    {"sftpgo.toml", "[sftpd]\n[sftpd]\n", "line 2: table defined twice"},
    {"sftpgo.toml", "[sftpd]\nbind_port = 1.5\n", "floats, dates"},
    {"sftpgo.toml", "[sftpd]\nbind_port = 022\n", "not a decimal integer"},
    {"sftpgo.toml", "[sftpd]\nbanner = \"\"\"x\"\"\"\n", "multi-line strings"},
    {"sftpgo.toml", "[sftpd]\nbanner = \"a\\u0041\"\n", "unsupported escape"},
    {"sftpgo.toml", "[sftpd]\nbanner = \"abc\n", "unterminated string"},
    {"sftpgo.toml", "[sftpd]\n\"bind_port\" = 1\n", "quoted keys"},
    {"sftpgo.toml", "[sftpd]\nbind_port = 1 2\n", "end of the line"},
    {"sftpgo.toml", "[sftpd]\nciphers = [\"a\" \"b\"]\n", "expected , or ]"},
    {"sftpgo.toml", "[sftpd\n", "expected ]"},
    {"sftpgo.toml", "[sftpd]\nbind_port = \"22\"\n", "sftpd.bind_port"},
    {"sftpgo.toml", "sftpd = 1\n[sftpd.x]\n", "both a value and a table"},
    {"sftpgo.toml", "[sftpd]\n[[sftpd]]\n", "not an array of tables"},
    {"sftpgo.hcl", "sftpd {\n bind_port = 1\n}\nsftpd {\n}\n",
     "line 4: duplicate key or block"},
    {"sftpgo.hcl", "sftpd \"x\" {\n}\n", "block labels"},
    {"sftpgo.hcl", "sftpd {\n bind_port = 1\n", "expected }"},
    {"sftpgo.hcl", "sftpd {\n bind_port = 1 2\n}\n", "end of the line"},
    {"sftpgo.hcl", "sftpd { bind_port = 1.5 }\n", "floats"},
    {"sftpgo.hcl", "sftpd { bind_prot = 1 }\n", "sftpd.bind_prot"},
    {"sftpgo.ini", "bind_port = 1\n", "line 1: a key before any [section]"},
    {"sftpgo.ini", "[sftpd\nbind_port = 1\n", "line 1: bad section header"},
    {"sftpgo.ini", "[sftpd]\nbind_port = 1\n[sftpd]\nbind_port = 2\n",
     "line 4: key given twice"},
    {"sftpgo.ini", "[sftpd]\nbind_port = x\n", "sftpd.bind_port: not an integer"},
    {"sftpgo.env", "sftpd.bind_port=1\nsftpd.bind_port=2\n", "line 2: key given twice"},
    {"sftpgo.env", "sftpd.bind_port\n", "line 1: expected key=value"},
    {"sftpgo.env", "sftpd.banner=\"hi\n", "unterminated quote"},
    {"sftpgo.env", "sftpd..bind_port=1\n", "empty key"},
    {"sftpgo.env", "sftpd=1\nsftpd.bind_port=1\n", "both a value and a parent"},
    {"sftpgo.env", "sftpd.bind_port=22x\n", "sftpd.bind_port: not an integer"},
    {"sftpgo.env", "sftpd.enable_scp=yes\n", "sftpd.enable_scp: must be true"},
    {"sftpgo.env", "sftpd.enabled_ssh_commands=md5sum,,cd\n", "empty list item"},
    {"sftpgo.env", "sftpd.enabled_ssh_commands=ls\n", "sftpd.enabled_ssh_commands"},
    {"sftpgo.properties", "sftpd.banner=a\\\n  b\n", "line continuation"},
    {"sftpgo.properties", "sftpd.banner=\\u0041\n", "unsupported escape"},
    {"sftpgo.properties", "sftpd.bind_port=0x10\n", "not an integer"},
    {"sftpgo.properties", "sftpd.bind_port=70000\n", "sftpd.bind_port"},
    {"sftpgo.properties", "sftpd.nokey=1\n", "sftpd.nokey"},
};

START_TEST(bad_formats_named)
{
	struct sftpgo_config c;

	for (size_t i = 0; i < sizeof(bad_formats) / sizeof(bad_formats[0]); i++) {
		write_file(bad_formats[i][0], bad_formats[i][1]);
		ck_assert_msg(config_load(&c, dir, NULL, err, sizeof(err)) == -1,
		              "%s: %s", bad_formats[i][0], bad_formats[i][1]);
		ck_assert_msg(strstr(err, bad_formats[i][2]) != NULL &&
		                  strstr(err, bad_formats[i][0]) != NULL,
		              "%s: got \"%s\", want \"%s\"", bad_formats[i][1], err,
		              bad_formats[i][2]);
		ck_assert_int_eq(unlink(in_dir(bad_formats[i][0])), 0);
	}
}
END_TEST

START_TEST(unknown_keys_named_in_full)
{
	struct sftpgo_config c;

	ck_assert_int_eq(load_text(&c, "{\"sftp\": {}}"), -1);
	assert_err_has("sftp: unknown key");
	expect_bad("sftpd", "\"bind_prot\": 22", "sftpd.bind_prot: unknown key", "");
	expect_bad("sftpd", "\"actions\": {\"execute\": []}",
	           "sftpd.actions.execute: unknown key", "");
	expect_bad("data_provider", "\"actions\": {\"cmd\": \"\"}",
	           "data_provider.actions.cmd: unknown key", "");
	expect_bad("sftpd",
	           "\"keys\": [{\"private_key\": \"a\"}, {\"privatekey\": \"b\"}]",
	           "sftpd.keys[1].privatekey: unknown key", "");
	expect_bad("httpd", "\"bind_port\": 80, \"cert_file\": \"\"",
	           "httpd.cert_file: unknown key", "");
	/* the log settings are serve flags, not file keys (as in SFTPGo) */
	ck_assert_int_eq(load_text(&c, "{\"log\": {\"verbose\": false}}"), -1);
	assert_err_has("log: unknown key");
}
END_TEST

START_TEST(wrong_types_named)
{
	expect_bad("sftpd", "\"bind_port\": \"2022\"", "sftpd.bind_port",
	           "must be an integer");
	expect_bad("sftpd", "\"bind_port\": 2022.5", "sftpd.bind_port",
	           "must be an integer");
	expect_bad("sftpd", "\"enable_scp\": 1", "sftpd.enable_scp", "boolean");
	expect_bad("sftpd", "\"umask\": 22", "sftpd.umask", "must be a string");
	expect_bad("sftpd", "\"ciphers\": \"aes128-ctr\"", "sftpd.ciphers",
	           "list of strings");
	expect_bad("sftpd", "\"macs\": [\"a\", 1]", "sftpd.macs[1]", "must be a string");
	expect_bad("sftpd", "\"actions\": []", "sftpd.actions", "must be an object");
	expect_bad("sftpd", "\"keys\": {}", "sftpd.keys", "list of objects");
	expect_bad("sftpd", "\"keys\": [\"id_rsa\"]", "sftpd.keys[0]",
	           "must be an object");
	expect_bad("sftpd", "\"keys\": [{\"private_key\": 1}]",
	           "sftpd.keys[0].private_key", "must be a string");
	expect_bad("sftpd", "\"keys\": [{}]", "sftpd.keys[0].private_key", "missing");
	expect_bad("data_provider", "\"port\": null", "data_provider.port", "not null");
	expect_bad("httpd", "\"bind_address\": false", "httpd.bind_address",
	           "must be a string");
	ck_assert_int_eq(load_text(&(struct sftpgo_config){0}, "{\"sftpd\": 1}"), -1);
	assert_err_has("sftpd: must be an object");
}
END_TEST

/* section, body, what the error must name, why */
static const char *const bad_values[][4] = {
    {"sftpd", "\"bind_port\": 0", "sftpd.bind_port", "between 1 and 65535"},
    {"sftpd", "\"bind_port\": 65536", "sftpd.bind_port", "between 1 and 65535"},
    {"sftpd", "\"bind_port\": 99999999999999", "sftpd.bind_port", "between"},
    {"sftpd", "\"idle_timeout\": -1", "sftpd.idle_timeout", ">= 0"},
    {"sftpd", "\"upload_mode\": 3", "sftpd.upload_mode", "between 0 and 2"},
    {"sftpd", "\"upload_mode\": -1", "sftpd.upload_mode", "between 0 and 2"},
    {"sftpd", "\"setstat_mode\": 2", "sftpd.setstat_mode", "between 0 and 1"},
    {"sftpd", "\"umask\": \"0888\"", "sftpd.umask", "octal"},
    {"sftpd", "\"umask\": \"1022\"", "sftpd.umask", "octal"},
    {"sftpd", "\"umask\": \"\"", "sftpd.umask", "octal"},
    {"sftpd", "\"umask\": \"00022\"", "sftpd.umask", "octal"},
    {"sftpd", "\"umask\": \"-022\"", "sftpd.umask", "octal"},
    {"sftpd", "\"actions\": {\"execute_on\": [\"upload\", \"add\"]}",
     "sftpd.actions.execute_on[1]", "unknown value \"add\""},
    {"data_provider", "\"actions\": {\"execute_on\": [\"upload\"]}",
     "data_provider.actions.execute_on[0]", "unknown value"},
    {"sftpd", "\"actions\": {\"command\": \"notify.sh\"}", "sftpd.actions.command",
     "absolute"},
    {"sftpd", "\"actions\": {\"http_notification_url\": \"ftp://x/\"}",
     "sftpd.actions.http_notification_url", "URL"},
    {"data_provider", "\"actions\": {\"http_notification_url\": \"http://\"}",
     "data_provider.actions.http_notification_url", "no host"},
    {"sftpd", "\"actions\": {\"http_notification_url\": \"http://a b/\"}",
     "http_notification_url", "URL"},
    {"sftpd", "\"actions\": {\"http_notification_url\": \"http://h:99999/\"}",
     "http_notification_url", "port"},
    {"sftpd", "\"actions\": {\"http_notification_url\": \"http://h:/\"}",
     "http_notification_url", "port"},
    {"sftpd", "\"enabled_ssh_commands\": [\"md5sum\", \"bash\"]",
     "sftpd.enabled_ssh_commands[1]", "unknown value \"bash\""},
    {"sftpd", "\"kex_algorithms\": [\"\"]", "sftpd.kex_algorithms[0]", "empty"},
    {"sftpd", "\"keyboard_interactive_auth_program\": \"kbd\"",
     "sftpd.keyboard_interactive_auth_program", "absolute"},
    {"sftpd", "\"session_pool_size\": 0", "sftpd.session_pool_size",
     "between 1 and 1024"},
    {"sftpd", "\"session_pool_size\": 1025", "sftpd.session_pool_size", "between"},
    {"sftpd", "\"max_startups_per_ip\": 0", "sftpd.max_startups_per_ip", "between"},
    {"sftpd", "\"unprivileged_user\": \"no-such-user-sftpgo-test\"",
     "sftpd.unprivileged_user", "no such system user"},
    {"data_provider", "\"driver\": \"oracle\"", "data_provider.driver",
     "unsupported driver"},
    {"data_provider", "\"driver\": \"\"", "data_provider.driver", "unsupported"},
    {"data_provider", "\"port\": 70000", "data_provider.port", "between 0 and 65535"},
    {"data_provider", "\"sslmode\": 4", "data_provider.sslmode", "between 0 and 3"},
    {"data_provider", "\"track_quota\": 3", "data_provider.track_quota",
     "between 0 and 2"},
    {"data_provider", "\"manage_users\": 2", "data_provider.manage_users",
     "between 0 and 1"},
    {"data_provider", "\"external_auth_scope\": 8", "data_provider.external_auth_scope",
     "between 0 and 7"},
    {"data_provider", "\"external_auth_scope\": -1", "data_provider.external_auth_scope",
     "between 0 and 7"},
    {"data_provider", "\"pool_size\": -1", "data_provider.pool_size", ">= 0"},
    {"data_provider", "\"external_auth_program\": \"auth\"",
     "data_provider.external_auth_program", "absolute"},
    {"httpd", "\"bind_port\": -1", "httpd.bind_port", "between 0 and 65535"},
    {"httpd", "\"bind_port\": 65536", "httpd.bind_port", "between 0 and 65535"},
};

START_TEST(bad_values_named)
{
	for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++)
		expect_bad(bad_values[i][0], bad_values[i][1], bad_values[i][2],
		           bad_values[i][3]);
}
END_TEST

START_TEST(good_values_accepted)
{
	expect_good("httpd", "\"bind_port\": 0");
	expect_good("sftpd", "\"bind_port\": 65535, \"max_auth_tries\": -1");
	expect_good("sftpd", "\"umask\": \"0777\"");
	expect_good("sftpd", "\"umask\": \"000\"");
	expect_good("sftpd", "\"unprivileged_user\": \"root\"");
	/* hooks (issue 13) */
	expect_good("sftpd",
	            "\"actions\": {\"http_notification_url\": \"https://h:8443/p?q=1\"}");
	expect_good(
	    "sftpd",
	    "\"actions\": {\"execute_on\": [\"download\", \"upload\", \"delete\", "
	    "\"rename\", \"ssh_cmd\"]}, \"hooks_run_as_root\": true");
	expect_good("sftpd", "\"actions\": {\"command\": \"/bin/true\"}");
	expect_good("data_provider", "\"actions\": {\"execute_on\": [\"add\"]}");
	expect_good("data_provider", "\"external_auth_scope\": 7");
	/* valid values of keys whose feature is not built: refused, naming the key */
	expect_good("data_provider", "\"pre_login_program\": \"/bin/true\"");
	expect_good("data_provider", "\"credentials_path\": \"/var/creds\"");
	expect_good("data_provider", "\"manage_users\": 0");
	expect_good("httpd", "\"certificate_file\": \"/c.pem\", "
	                     "\"certificate_key_file\": \"/k.pem\"");
	expect_good("httpd", "\"bind_port\": 8081, \"bind_address\": \"\", "
	                     "\"backups_path\": \"/b\"");
	expect_good("httpd", "\"templates_path\": \"/t\", \"static_files_path\": \"s\"");
	/* the default value of such a key loads silently */
	expect_good("data_provider", "\"sslmode\": 0, \"manage_users\": 1");
	expect_good("httpd", "\"bind_port\": 8080, \"templates_path\": \"templates\"");
	expect_good("sftpd", "\"proxy_protocol\": 2, \"proxy_allowed\": [\"10.0.0.0/8\", "
	                     "\"::1\", \"192.0.2.7\"]");
	expect_bad("sftpd", "\"proxy_allowed\": [\"10.0.0.0/33\"]",
	           "sftpd.proxy_allowed[0]", "CIDR");
	expect_bad("sftpd", "\"proxy_allowed\": [\"host\"]", "sftpd.proxy_allowed[0]",
	           "CIDR");
	expect_bad("sftpd", "\"proxy_protocol\": 3", "sftpd.proxy_protocol",
	           "between 0 and 2");
	expect_bad("sftpd", "\"max_channels_per_connection\": 0",
	           "sftpd.max_channels_per_connection", "between 1 and 256");
	expect_good("data_provider", "\"driver\": \"mysql\"");
	expect_good("data_provider", "\"driver\": \"postgresql\"");
	expect_good("data_provider", "\"driver\": \"bolt\"");
	expect_good("data_provider", "\"driver\": \"memory\"");
}
END_TEST

START_TEST(values_from_file)
{
	struct sftpgo_config c;
	static const char *const kex[] = {"curve25519-sha256@libssh.org"};

	ck_assert_int_eq(
	    load_text(
	        &c,
	        "{\"sftpd\": {\"bind_port\": 2200, \"umask\": \"0077\", "
	        "\"upload_mode\": 2, \"banner\": \"hi\", "
	        "\"kex_algorithms\": [\"curve25519-sha256@libssh.org\"], "
	        "\"session_pool_size\": 8}, "
	        "\"data_provider\": {\"driver\": \"postgresql\", \"name\": \"sftpgo\"}, "
	        "\"httpd\": {\"bind_port\": 0}}"),
	    0);
	ck_assert_int_eq(c.sftpd.bind_port, 2200);
	ck_assert_str_eq(c.sftpd.umask, "0077");
	ck_assert_int_eq(c.sftpd.umask_mode, 077);
	ck_assert_int_eq(c.sftpd.upload_mode, 2);
	ck_assert_str_eq(c.sftpd.banner, "hi");
	assert_list(&c.sftpd.kex_algorithms, 1, kex);
	ck_assert_int_eq(c.sftpd.session_pool_size, 8);
	ck_assert_str_eq(c.data_provider.driver, "postgresql");
	/* a database name, not a path, for the network drivers */
	ck_assert_str_eq(c.data_provider.name, "sftpgo");
	ck_assert_int_eq(c.httpd.bind_port, 0);
	/* keys absent from the file keep their defaults */
	ck_assert_int_eq(c.sftpd.idle_timeout, 15);
	ck_assert_int_eq(c.data_provider.port, 5432);
	config_free(&c);
}
END_TEST

START_TEST(ssh_commands_star_and_enable_scp)
{
	struct sftpgo_config c;

	ck_assert_int_eq(
	    load_text(&c, "{\"sftpd\": {\"enabled_ssh_commands\": [\"*\"]}}"), 0);
	ck_assert(strlist_contains(&c.sftpd.enabled_ssh_commands, "scp"));
	ck_assert(strlist_contains(&c.sftpd.enabled_ssh_commands, "rsync"));
	ck_assert(strlist_contains(&c.sftpd.enabled_ssh_commands, "git-upload-pack"));
	ck_assert(!strlist_contains(&c.sftpd.enabled_ssh_commands, "*"));
	ck_assert_uint_eq(c.sftpd.enabled_ssh_commands.n, 12);
	config_free(&c);
	ck_assert_int_eq(load_text(&c, "{\"sftpd\": {\"enable_scp\": true}}"), 0);
	ck_assert(c.sftpd.enable_scp);
	ck_assert(strlist_contains(&c.sftpd.enabled_ssh_commands, "scp"));
	ck_assert(strlist_contains(&c.sftpd.enabled_ssh_commands, "md5sum"));
	config_free(&c);
	ck_assert_int_eq(load_text(&c, "{\"sftpd\": {\"enabled_ssh_commands\": []}}"), 0);
	ck_assert_uint_eq(c.sftpd.enabled_ssh_commands.n, 0);
	config_free(&c);
}
END_TEST

START_TEST(connection_string_alias)
{
	struct sftpgo_config c;

	/* the alias is read into the key */
	ck_assert_int_eq(
	    load_text(&c, "{\"data_provider\": {\"connectionstring\": \"x\"}}"), 0);
	ck_assert_str_eq(c.data_provider.connection_string, "x");
	config_free(&c);
	ck_assert_int_eq(
	    load_text(&c, "{\"data_provider\": {\"connectionstring\": \"\"}}"), 0);
	config_free(&c);
	ck_assert_int_eq(load_text(&c,
	                           "{\"data_provider\": {\"connectionstring\": \"x\", "
	                           "\"connection_string\": \"y\"}}"),
	                 -1);
	assert_err_has("data_provider.connectionstring");
	assert_err_has("alias");
}
END_TEST

START_TEST(relative_paths_resolved)
{
	struct sftpgo_config c;
	char want[512];

	ck_assert_int_eq(
	    load_text(
	        &c,
	        "{\"sftpd\": {\"keys\": [{\"private_key\": \"id_rsa\"}, "
	        "{\"private_key\": \"/etc/ssh/k\"}, {\"private_key\": \"sub/id_ed\"}], "
	        "\"login_banner_file\": \"banner.txt\"}, "
	        "\"data_provider\": {\"name\": \"db/users.db\"}}"),
	    0);
	ck_assert_uint_eq(c.sftpd.keys.n, 3);
	ck_assert_str_eq(c.sftpd.keys.v[0], in_dir("id_rsa"));
	ck_assert_str_eq(c.sftpd.keys.v[1], "/etc/ssh/k");
	ck_assert_str_eq(c.sftpd.keys.v[2], in_dir("sub/id_ed"));
	ck_assert_str_eq(c.sftpd.login_banner_file, in_dir("banner.txt"));
	ck_assert_str_eq(c.data_provider.name, in_dir("db/users.db"));
	ck_assert_str_eq(c.data_provider.credentials_path, in_dir("credentials"));
	ck_assert_str_eq(c.httpd.templates_path, in_dir("templates"));
	ck_assert_str_eq(c.httpd.static_files_path, in_dir("static"));
	ck_assert_str_eq(c.httpd.backups_path, in_dir("backups"));
	ck_assert_str_eq(c.httpd.auth_user_file, "");
	ck_assert_str_eq(c.log.file_path, in_dir("sftpgo.log"));
	/* empty means "none" and stays empty */
	ck_assert_str_eq(c.sftpd.keyboard_interactive_auth_program, "");
	snprintf(want, sizeof(want), "%s/x", dir);
	{
		char *p = config_path(&c, "x");
		ck_assert_str_eq(p, want);
		free(p);
		p = config_path(&c, "/abs");
		ck_assert_str_eq(p, "/abs");
		free(p);
		p = config_path(&c, "");
		ck_assert_str_eq(p, "");
		free(p);
	}
	config_free(&c);
	/* bolt and memory names are files too; mysql's is a database name */
	ck_assert_int_eq(
	    load_text(&c, "{\"data_provider\": {\"driver\": \"memory\", \"name\": "
	                  "\"dump.json\"}}"),
	    0);
	ck_assert_str_eq(c.data_provider.name, in_dir("dump.json"));
	config_free(&c);
	ck_assert_int_eq(
	    load_text(&c, "{\"data_provider\": {\"driver\": \"memory\", \"name\": "
	                  "\"\"}}"),
	    0);
	ck_assert_str_eq(c.data_provider.name, "");
	config_free(&c);
	ck_assert_int_eq(
	    load_text(&c, "{\"data_provider\": {\"driver\": \"mysql\", \"name\": "
	                  "\"sftpgo\"}}"),
	    0);
	ck_assert_str_eq(c.data_provider.name, "sftpgo");
	config_free(&c);
}
END_TEST

START_TEST(env_overrides_file)
{
	struct sftpgo_config c;
	static const char *const allowed[] = {"127.0.0.1", "10.0.0.0/8"};
	static const char *const ciphers[] = {"aes128-ctr", "aes256-gcm@openssh.com"};

	setenv("SFTPGO_SFTPD__BIND_PORT", "2300", 1);
	setenv("SFTPGO_SFTPD__ACTIONS__EXECUTE_ON", "", 1);
	setenv("SFTPGO_SFTPD__PROXY_PROTOCOL", "1", 1);
	setenv("SFTPGO_SFTPD__PROXY_ALLOWED", "127.0.0.1, 10.0.0.0/8", 1);
	setenv("SFTPGO_DATA_PROVIDER__PRE_LOGIN_PROGRAM", "", 1);
	setenv("SFTPGO_SFTPD__CIPHERS", "aes128-ctr, aes256-gcm@openssh.com", 1);
	setenv("SFTPGO_SFTPD__ENABLE_SCP", "true", 1);
	setenv("SFTPGO_SFTPD__UMASK", "0027", 1);
	setenv("SFTPGO_SFTPD__KEYS", "id_ecdsa,/k/id_rsa", 1);
	setenv("SFTPGO_SFTPD__ENABLED_SSH_COMMANDS", "", 1);
	setenv("SFTPGO_DATA_PROVIDER__DRIVER", "memory", 1);
	setenv("SFTPGO_DATA_PROVIDER__ACTIONS__COMMAND", "", 1);
	setenv("SFTPGO_HTTPD__BIND_PORT", "0", 1);
	setenv("SFTPGO_LOG_FILE_PATH", "logs/s.log", 1);
	setenv("SFTPGO_LOG_MAX_SIZE", "1", 1);
	setenv("SFTPGO_LOG_MAX_BACKUPS", "0", 1);
	setenv("SFTPGO_LOG_MAX_AGE", "3", 1);
	setenv("SFTPGO_LOG_COMPRESS", "1", 1);
	setenv("SFTPGO_LOG_VERBOSE", "false", 1);
	ck_assert_int_eq(
	    load_text(&c, "{\"sftpd\": {\"bind_port\": 2200, \"idle_timeout\": 5}}"), 0);
	ck_assert_int_eq(c.sftpd.bind_port, 2300);
	ck_assert_int_eq(c.sftpd.idle_timeout, 5);
	ck_assert_uint_eq(c.sftpd.actions.execute_on.n, 0);
	ck_assert_int_eq(c.sftpd.proxy_protocol, 1);
	assert_list(&c.sftpd.proxy_allowed, 2, allowed);
	assert_list(&c.sftpd.ciphers, 2, ciphers);
	ck_assert(c.sftpd.enable_scp);
	ck_assert_int_eq(c.sftpd.umask_mode, 027);
	ck_assert_uint_eq(c.sftpd.keys.n, 2);
	ck_assert_str_eq(c.sftpd.keys.v[0], in_dir("id_ecdsa"));
	ck_assert_str_eq(c.sftpd.keys.v[1], "/k/id_rsa");
	/* emptied by the environment, then scp added by enable_scp */
	ck_assert_uint_eq(c.sftpd.enabled_ssh_commands.n, 1);
	ck_assert_str_eq(c.data_provider.driver, "memory");
	ck_assert_str_eq(c.data_provider.actions.command, "");
	ck_assert_int_eq(c.httpd.bind_port, 0);
	ck_assert_str_eq(c.log.file_path, in_dir("logs/s.log"));
	ck_assert_int_eq(c.log.max_size_mb, 1);
	ck_assert_int_eq(c.log.max_backups, 0);
	ck_assert_int_eq(c.log.max_age_days, 3);
	ck_assert(c.log.compress);
	ck_assert(!c.log.verbose);
	config_free(&c);
}
END_TEST

/* SFTPGo needed a config file for env overrides; we apply them always. */
START_TEST(env_applies_without_file)
{
	struct sftpgo_config c;

	setenv("SFTPGO_SFTPD__BIND_PORT", "2400", 1);
	setenv("SFTPGO_LOG_FILE_PATH", "", 1);
	ck_assert_int_eq(config_load(&c, dir, NULL, err, sizeof(err)), 0);
	ck_assert_ptr_null(c.config_file_used);
	ck_assert_int_eq(c.sftpd.bind_port, 2400);
	ck_assert_str_eq(c.log.file_path, "");
	config_free(&c);
}
END_TEST

static void
expect_env_bad(const char *var, const char *value, const char *reason)
{
	struct sftpgo_config c;

	setenv(var, value, 1);
	err[0] = '\0';
	ck_assert_msg(config_load(&c, dir, NULL, err, sizeof(err)) == -1,
	              "%s=%s accepted", var, value);
	assert_err_has(var);
	assert_err_has(reason);
	unsetenv(var);
}

START_TEST(env_bad_values_named)
{
	expect_env_bad("SFTPGO_SFTPD__BIND_PORT", "abc", "not an integer");
	expect_env_bad("SFTPGO_SFTPD__BIND_PORT", "22x", "not an integer");
	expect_env_bad("SFTPGO_SFTPD__BIND_PORT", " 22", "not an integer");
	expect_env_bad("SFTPGO_SFTPD__BIND_PORT", "+22", "not an integer");
	expect_env_bad("SFTPGO_SFTPD__BIND_PORT", "", "not an integer");
	expect_env_bad("SFTPGO_SFTPD__BIND_PORT", "99999999999999999999999",
	               "not an integer");
	expect_env_bad("SFTPGO_SFTPD__BIND_PORT", "0", "between 1 and 65535");
	expect_env_bad("SFTPGO_SFTPD__ENABLE_SCP", "yes", "true, false, 1 or 0");
	expect_env_bad("SFTPGO_SFTPD__ENABLE_SCP", "TRUE", "true, false, 1 or 0");
	expect_env_bad("SFTPGO_SFTPD__UMASK", "999", "octal");
	expect_env_bad("SFTPGO_SFTPD__ACTIONS__EXECUTE_ON", "upload,add",
	               "unknown value \"add\"");
	expect_env_bad("SFTPGO_SFTPD__ACTIONS__EXECUTE_ON", "upload,,delete", "empty");
	expect_env_bad("SFTPGO_SFTPD__ACTIONS__EXECUTE_ON", "upload,", "empty");
	expect_env_bad("SFTPGO_SFTPD__ACTIONS__HTTP_NOTIFICATION_URL", "localhost:80",
	               "URL");
	expect_env_bad("SFTPGO_SFTPD__ENABLED_SSH_COMMANDS", "md5sum,sh",
	               "unknown value \"sh\"");
	expect_env_bad("SFTPGO_SFTPD__UNPRIVILEGED_USER", "no-such-user-sftpgo-test",
	               "no such system user");
	expect_env_bad("SFTPGO_SFTPD__SESSION_POOL_SIZE", "0", "between 1 and 1024");
	expect_env_bad("SFTPGO_DATA_PROVIDER__DRIVER", "sqlite3", "unsupported driver");
	expect_env_bad("SFTPGO_DATA_PROVIDER__ACTIONS__EXECUTE_ON", "download",
	               "unknown value");
	expect_env_bad("SFTPGO_DATA_PROVIDER__TRACK_QUOTA", "5", "between 0 and 2");
	expect_env_bad("SFTPGO_HTTPD__BIND_PORT", "-1", "between 0 and 65535");
	expect_env_bad("SFTPGO_LOG_MAX_SIZE", "0", "between 1 and");
	expect_env_bad("SFTPGO_LOG_MAX_BACKUPS", "-1", "between 0 and");
	expect_env_bad("SFTPGO_LOG_MAX_AGE", "x", "not an integer");
	expect_env_bad("SFTPGO_LOG_COMPRESS", "on", "true, false, 1 or 0");
	expect_env_bad("SFTPGO_LOG_VERBOSE", "2", "true, false, 1 or 0");
	/* a typo in a variable name is caught like a typo in the file */
	expect_env_bad("SFTPGO_SFTPD__BIND_PROT", "22", "unknown key");
	expect_env_bad("SFTPGO_SFTPD__ACTIONS__EXECUTE", "upload", "unknown key");
	expect_env_bad("SFTPGO_HTTPD__", "1", "unknown key");
	expect_env_bad("SFTPGO_DATA_PROVIDER__CONNECTIONSTRING", "x", "unknown key");
}
END_TEST

/*
 * SFTPGo 0.9.6's own sample sftpgo.json (regress/sftpgo-0.9.6.json, rebuilt from its
 * key list and defaults) loads unchanged, to the defaults, and so do the environment
 * overrides of its 0.9.6 keys at their defaults.
 */
START_TEST(sample_096_loads)
{
	struct sftpgo_config c;
	char base[256], *text = source_file("regress/sftpgo-0.9.6.json");

	ck_assert_msg(load_text(&c, text) == 0, "0.9.6 sample refused: %s", err);
	snprintf(base, sizeof(base), "%s/", c.config_dir);
	assert_spec_defaults(&c, base);
	config_free(&c);
	setenv("SFTPGO_SFTPD__PROXY_PROTOCOL", "0", 1);
	setenv("SFTPGO_SFTPD__PROXY_ALLOWED", "", 1);
	setenv("SFTPGO_DATA_PROVIDER__PRE_LOGIN_PROGRAM", "", 1);
	setenv("SFTPGO_HTTPD__BIND_PORT", "8080", 1);
	ck_assert_msg(load_text(&c, text) == 0, "0.9.6 sample + env refused: %s", err);
	config_free(&c);
	unsetenv("SFTPGO_SFTPD__PROXY_PROTOCOL");
	unsetenv("SFTPGO_SFTPD__PROXY_ALLOWED");
	unsetenv("SFTPGO_DATA_PROVIDER__PRE_LOGIN_PROGRAM");
	unsetenv("SFTPGO_HTTPD__BIND_PORT");
	free(text);
}
END_TEST

/* A bad value from the environment is refused naming the key, as from the file. */
START_TEST(env_refused_named)
{
	expect_env_bad("SFTPGO_SFTPD__PROXY_ALLOWED", "10.0.0.0/99", "CIDR");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults_are_the_spec_example);
	tcase_add_test(tc, spec_example_file_loads_to_defaults);
	tcase_add_test(tc, default_json_is_spec_example_plus_our_keys);
	tcase_add_test(tc, sample_file_matches_default_json);
	tcase_add_test(tc, sample_file_loads);
	tcase_add_test(tc, missing_file_gives_defaults);
	tcase_add_test(tc, dir_and_file_from_environment);
	tcase_add_test(tc, relative_config_dir_made_absolute);
	tcase_add_test(tc, file_name_with_path_rejected);
	tcase_add_test(tc, parse_error_has_line_and_column);
	tcase_add_test(tc, formats_search_order);
	tcase_add_test(tc, unknown_keys_named_in_full);
	tcase_add_test(tc, wrong_types_named);
	tcase_add_test(tc, bad_values_named);
	tcase_add_test(tc, good_values_accepted);
	tcase_add_test(tc, values_from_file);
	tcase_add_test(tc, ssh_commands_star_and_enable_scp);
	tcase_add_test(tc, connection_string_alias);
	tcase_add_test(tc, relative_paths_resolved);
	tcase_add_test(tc, env_overrides_file);
	tcase_add_test(tc, env_applies_without_file);
	tcase_add_test(tc, env_bad_values_named);
	tcase_add_test(tc, sample_096_loads);
	tcase_add_test(tc, env_refused_named);
	tcase_add_test(tc, every_format_same_config);
	tcase_add_test(tc, bad_formats_named);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
