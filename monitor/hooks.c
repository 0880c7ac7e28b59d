/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The monitor's side of hooks/ (doc/design-notes.md "Hooks"): it decides which
 * hook runs, for whom and as whom; hooks/ runs it beside the event loop. File
 * actions come from the workers' events, external authentication sits between an
 * auth request and the pool thread that saves and verifies the user.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "hooks/hooks.h"
#include "monitor/internal.h"

static int started;

/* Whom the auth programs and provider actions run as: never root unless
 * sftpd.hooks_run_as_root says so; unchanged when the server is not root. */
static struct hooks_ids
service_ids(void)
{
	struct hooks_ids ids = {-1, -1};

	if (geteuid() == 0 && !M.p->cfg->sftpd.hooks_run_as_root) {
		ids.service_uid = (long long)M.p->unpriv_uid;
		ids.service_gid = (long long)M.p->unpriv_gid;
	}
	return ids;
}

int
mhooks_auth_argv(const char *prog, char *path, size_t pathlen, char *uid, char *gid,
                 char *argv[5])
{
	struct hooks_ids ids = service_ids();

	if (snprintf(path, pathlen, "%s/sftpgo-hookexec", M.p->libexec_dir) >=
	    (int)pathlen)
		return -1;
	snprintf(uid, 24, "%lld", ids.service_uid);
	snprintf(gid, 24, "%lld", ids.service_gid);
	argv[0] = "sftpgo-hookexec";
	argv[1] = uid;
	argv[2] = gid;
	argv[3] = (char *)prog;
	argv[4] = NULL;
	return 0;
}

int
mhooks_start(void)
{
	char err[256];
	struct hooks_params hp = {.base = M.base, .libexec_dir = M.p->libexec_dir};
	const char *xp = M.p->cfg->data_provider.external_auth_program;

	const char *pp = M.p->cfg->data_provider.pre_login_program;

	/* SFTPGo: a missing external auth or pre-login program makes startup fail */
	if (xp != NULL && xp[0] != '\0' && access(xp, X_OK) != 0) {
		log_error("data_provider.external_auth_program: cannot run %s: %s", xp,
		          strerror(errno));
		return -1;
	}
	if (pp != NULL && pp[0] != '\0' && access(pp, X_OK) != 0) {
		log_error("data_provider.pre_login_program: cannot run %s: %s", pp,
		          strerror(errno));
		return -1;
	}
	if (hooks_init(&hp, err, sizeof(err)) != 0) {
		log_error("hooks: %s", err);
		return -1;
	}
	started = 1;
	return 0;
}

void
mhooks_stop(void)
{
	if (started)
		hooks_shutdown();
	started = 0;
}

int
mhooks_user_changed(const char *action, const struct sftpgo_user *u)
{
	struct hooks_ids ids = service_ids();
	return hooks_user_changed(&M.p->cfg->data_provider, &ids, action, u);
}

/* ---- file actions ---- */

static void
file_action(const struct mworker *w, const char *action, const char *path,
            const char *target, const char *ssh_cmd, int64_t size)
{
	struct hook_file_event e = {.action = action,
	                            .username = w->username,
	                            .path = path,
	                            .target_path = target,
	                            .ssh_cmd = ssh_cmd,
	                            .file_size = size,
	                            .uid = w->uid,
	                            .gid = w->gid};

	if (geteuid() != 0 || M.p->cfg->sftpd.hooks_run_as_root)
		e.uid = e.gid = -1; /* as the server */
	hooks_file_action(&M.p->cfg->sftpd.actions, &e);
}

void
mhooks_transfer(const struct mworker *w, const char *sender, const char *fs_path,
                int64_t size, int ok)
{
	/* never for a transfer that ended in error; an SSH command's reads (the
	 * digests) are not downloads */
	if (!ok || strcmp(w->protocol, "SSH") == 0)
		return;
	if (strcmp(sender, "Upload") == 0)
		file_action(w, "upload", fs_path, "", "", size);
	else if (strcmp(sender, "Download") == 0)
		file_action(w, "download", fs_path, "", "", size);
}

void
mhooks_command(struct mworker *w, const char *sender, const char *fs_path,
               const char *fs_target, int64_t size)
{
	if (strcmp(sender, "Remove") == 0) {
		file_action(w, "delete", fs_path, "", "", size);
	} else if (strcmp(sender, "Rename") == 0) {
		file_action(w, "rename", fs_path, fs_target, "", 0);
	} else if (strcmp(sender, "SSHCommand") == 0) {
		free(w->last_cmd_path);
		w->last_cmd_path = strdup(fs_path);
	}
}

/* An SSH command (not scp) that ended with status 0: ssh_cmd with the command's
 * name and its last argument's FS path ("" without arguments). */
void
mhooks_command_done(const struct mworker *w, int status)
{
	char name[32];

	if (w->command == NULL || strcmp(w->protocol, "SSH") != 0 || status != 0)
		return;
	size_t n = strcspn(w->command, " \t");
	if (n == 0 || n >= sizeof(name))
		return;
	memcpy(name, w->command, n);
	name[n] = '\0';
	int has_args = w->command[n + strspn(w->command + n, " \t")] != '\0';
	file_action(w, "ssh_cmd",
	            has_args && w->last_cmd_path != NULL ? w->last_cmd_path : "", "",
	            name, 0);
}

/* ---- external authentication (spec section 3) ---- */

static int
in_scope(enum job_kind k)
{
	const struct provider_config *pc = &M.p->cfg->data_provider;
	int bit = k == JOB_PASSWORD ? 1 : k == JOB_KBDINT ? 4 : 2;

	if (pc->external_auth_program == NULL || pc->external_auth_program[0] == '\0')
		return 0;
	return pc->external_auth_scope == 0 || (pc->external_auth_scope & bit) != 0;
}

/* "user\ntype base64": the key a publickey query just had checked externally */
static char *
key_id(const struct job *j)
{
	char *s = NULL;
	if (asprintf(&s, "%s\n%s %s", j->username, j->key_type, j->key_b64) < 0)
		return NULL;
	return s;
}

/* fmt with two string arguments (a format may use fewer), malloc'd or NULL */
static char *
fmt(const char *f, const char *a, const char *b)
{
	char *s = NULL;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (asprintf(&s, f, a, b) < 0)
		s = NULL;
#pragma GCC diagnostic pop
	return s;
}

/* An authentication program's run: external auth or pre-login. */
enum auth_prog { PROG_EXTAUTH, PROG_PRELOGIN };
static const struct {
	const char *who, *prefix; /* for the log line, for connection_failed */
} progs[] = {
    [PROG_EXTAUTH] = {"external auth program", "External auth error"},
    [PROG_PRELOGIN] = {"pre-login program", "Before login program error"},
};

static void
prog_failed(struct msess *s, struct job *j, enum auth_prog which, const char *why)
{
	log_warn("%s for user %s: %s", progs[which].who, j->username, why);
	snprintf(j->error, sizeof(j->error), "%s: %.200s", progs[which].prefix, why);
	s->job_pending = 0;
	auth_failed(s, j);
	job_free(j);
}

/* Its result: the job goes to a pool thread (monitor/extauth.c) with the output,
 * or the login fails here. */
static void
prog_done(struct hook_result *r, struct job *j, enum auth_prog which)
{
	struct msess *s = session_by_id(j->sess_id);

	if (s == NULL || s->state != S_PREAUTH || !s->job_pending) {
		job_free(j); /* the client left while it ran */
		return;
	}
	if (!r->started || r->err[0] != '\0') {
		prog_failed(s, j, which, r->started ? hooks_outcome(r) : r->err);
		return;
	}
	if (which == PROG_EXTAUTH) {
		j->ext_out = r->out;
		j->ext_out_len = r->out_len;
	} else {
		j->pre_out = r->out;
		j->pre_out_len = r->out_len;
		j->prelogin = 2;
		j->ok = 0;
	}
	r->out = NULL;
	if (j->kind == JOB_PUBKEY_QUERY) {
		free(s->extauth_key);
		s->extauth_key = key_id(j);
	}
	authpool_submit(j);
}

static void
extauth_done(struct hook_result *r, void *arg)
{
	prog_done(r, arg, PROG_EXTAUTH);
}

static void
prelogin_done(struct hook_result *r, void *arg)
{
	prog_done(r, arg, PROG_PRELOGIN);
}

/* Runs prog with env (env[0] is PATH, env[1..nenv-1] malloc'd, wiped and freed here,
 * NULL when out of memory; env[nenv] NULL) as the service account. */
static void
prog_start(struct msess *s, struct job *j, enum auth_prog which, const char *prog,
           char **env, int nenv)
{
	char *const argv[] = {(char *)prog, NULL};
	struct hooks_ids ids = service_ids();
	int complete = 1, rc = -1;

	for (int i = 1; i < nenv; i++)
		complete &= env[i] != NULL;
	if (complete)
		rc = hooks_exec(HOOK_AUTH, argv, env, ids.service_uid, ids.service_gid,
		                HOOK_AUTH_SECS, HOOK_OUT_MAX,
		                which == PROG_EXTAUTH ? extauth_done : prelogin_done, j);
	for (int i = 1; i < nenv; i++) {
		if (env[i] != NULL)
			explicit_bzero(env[i], strlen(env[i]));
		free(env[i]);
	}
	if (rc != 0)
		prog_failed(s, j, which,
		            complete ? "not started: too many authentication programs "
		                       "running"
		                     : "out of memory");
}

/* A publickey request whose query already ran the program for this very key. */
static int
key_done_before(const struct msess *s, const struct job *j)
{
	if (j->kind != JOB_PUBKEY || s->extauth_key == NULL)
		return 0;
	char *id = key_id(j);
	int same = id != NULL && strcmp(id, s->extauth_key) == 0;
	free(id);
	return same;
}

int
mhooks_extauth(struct msess *s, struct job *j)
{
	const char *prog = M.p->cfg->data_provider.external_auth_program;
	char *env[6] = {
	    "PATH=/usr/local/bin:/usr/bin:/bin", NULL, NULL, NULL, NULL, NULL};
	int kbd = j->kind == JOB_KBDINT, key = j->key_type != NULL;

	if (!in_scope(j->kind) || key_done_before(s, j))
		return 0;
	env[1] = fmt("SFTPGO_AUTHD_USERNAME=%s", j->username, "");
	env[2] = fmt("SFTPGO_AUTHD_PASSWORD=%s",
	             j->kind == JOB_PASSWORD && j->password ? j->password : "", "");
	/* SFTPGo's form: "type base64" and a newline */
	env[3] = key ? fmt("SFTPGO_AUTHD_PUBLIC_KEY=%s %s\n", j->key_type, j->key_b64)
	             : fmt("SFTPGO_AUTHD_PUBLIC_KEY=%s%s", "", "");
	env[4] = fmt("SFTPGO_AUTHD_KEYBOARD_INTERACTIVE=%s", kbd ? "1" : "", "");
	prog_start(s, j, PROG_EXTAUTH, prog, env, 5);
	return 1;
}

/* ---- the pre-login program (spec section 4) ---- */

int
mhooks_prelogin_wanted(struct msess *s, const struct job *j)
{
	const char *pp = M.p->cfg->data_provider.pre_login_program;

	return pp != NULL && pp[0] != '\0' && !key_done_before(s, j);
}

/* The user was read (j->pre_user): run the program; the job goes on from
 * prelogin_done. */
void
mhooks_prelogin(struct msess *s, struct job *j)
{
	char *env[4] = {"PATH=/usr/local/bin:/usr/bin:/bin", NULL, NULL, NULL};

	env[1] = fmt("SFTPGO_LOGIND_USER=%s%s", j->pre_user, "");
	env[2] = fmt("SFTPGO_LOGIND_METHOD=%s%s", job_method(j->kind), "");
	prog_start(s, j, PROG_PRELOGIN, M.p->cfg->data_provider.pre_login_program, env,
	           3);
}
