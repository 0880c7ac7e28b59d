/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * GET /metrics (issue 12, ../shared/spec/rest-api-v1.md section 13): the monitor's
 * counters, bumped on the event loop where each event is seen (transfers and
 * commands in workers.c, login verdicts in auth.c, finished HTTP requests in
 * httpd_link.c), and the text SFTPGo's Prometheus handler serves (exposition
 * format 0.0.4), built when httpd asks for it (ADMIN_METRICS). The monitor's own
 * process_* metrics come from getrusage and /proc/self.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include "monitor/internal.h"

enum counter {
	C_UPLOADS,
	C_DOWNLOADS,
	C_UPLOAD_ERRORS,
	C_DOWNLOAD_ERRORS,
	C_UPLOAD_SIZE,
	C_DOWNLOAD_SIZE,
	C_SSH_COMMANDS,
	C_SSH_COMMAND_ERRORS,
	C_LOGIN_ATTEMPTS,
	C_LOGIN_OK,
	C_LOGIN_KO,
	C_PASSWORD_ATTEMPTS,
	C_PASSWORD_OK,
	C_PASSWORD_KO,
	C_PUBKEY_ATTEMPTS,
	C_PUBKEY_OK,
	C_PUBKEY_KO,
	C_KBDINT_ATTEMPTS,
	C_KBDINT_OK,
	C_KBDINT_KO,
	C_HTTP_REQ,
	C_HTTP_OK,
	C_HTTP_4XX,
	C_HTTP_5XX,
	C_COUNT
};

/* Names and help texts as SFTPGo 0.9.6 registers them (metrics/metrics.go). */
static const struct {
	const char *name, *help;
} counters[C_COUNT] = {
    [C_UPLOADS] = {"sftpgo_uploads_total",
                   "The total number of successful SFTP/SCP uploads"},
    [C_DOWNLOADS] = {"sftpgo_downloads_total",
                     "The total number of successful SFTP/SCP downloads"},
    [C_UPLOAD_ERRORS] = {"sftpgo_upload_errors_total",
                         "The total number of SFTP/SCP upload errors"},
    [C_DOWNLOAD_ERRORS] = {"sftpgo_download_errors_total",
                           "The total number of SFTP/SCP download errors"},
    [C_UPLOAD_SIZE] = {"sftpgo_upload_size",
                       "The total SFTP/SCP upload size as bytes, partial uploads are "
                       "included"},
    [C_DOWNLOAD_SIZE] = {"sftpgo_download_size",
                         "The total SFTP/SCP download size as bytes, partial downloads "
                         "are included"},
    [C_SSH_COMMANDS] = {"sftpgo_ssh_commands_total",
                        "The total number of executed SSH commands"},
    [C_SSH_COMMAND_ERRORS] = {"sftpgo_ssh_command_errors_total",
                              "The total number of SSH command errors"},
    [C_LOGIN_ATTEMPTS] = {"sftpgo_login_attempts_total",
                          "The total number of login attempts"},
    [C_LOGIN_OK] = {"sftpgo_login_ok_total", "The total number of successful logins"},
    [C_LOGIN_KO] = {"sftpgo_login_ko_total", "The total number of failed logins"},
    [C_PASSWORD_ATTEMPTS] = {"sftpgo_password_login_attempts_total",
                             "The total number of login attempts using a password"},
    [C_PASSWORD_OK] = {"sftpgo_password_login_ok_total",
                       "The total number of successful logins using a password"},
    [C_PASSWORD_KO] = {"sftpgo_password_login_ko_total",
                       "The total number of failed logins using a password"},
    [C_PUBKEY_ATTEMPTS] = {"sftpgo_public_key_login_attempts_total",
                           "The total number of login attempts using a public key"},
    [C_PUBKEY_OK] = {"sftpgo_public_key_login_ok_total",
                     "The total number of successful logins using a public key"},
    [C_PUBKEY_KO] = {"sftpgo_public_key_login_ko_total",
                     "The total number of failed logins using a public key"},
    [C_KBDINT_ATTEMPTS] = {"sftpgo_keyboard_interactive_login_attempts_total",
                           "The total number of login attempts using keyboard "
                           "interactive authentication"},
    [C_KBDINT_OK] = {"sftpgo_keyboard_interactive_login_ok_total",
                     "The total number of successful logins using keyboard interactive "
                     "authentication"},
    [C_KBDINT_KO] = {"sftpgo_keyboard_interactive_login_ko_total",
                     "The total number of failed logins using keyboard interactive "
                     "authentication"},
    [C_HTTP_REQ] = {"sftpgo_http_req_total", "The total number of HTTP requests served"},
    [C_HTTP_OK] = {"sftpgo_http_req_ok_total",
                   "The total number of HTTP requests served with 2xx status code"},
    [C_HTTP_4XX] = {"sftpgo_http_client_errors_total",
                    "The total number of HTTP requests served with 4xx status code"},
    [C_HTTP_5XX] = {"sftpgo_http_server_errors_total",
                    "The total number of HTTP requests served with 5xx status code"},
};

static uint64_t count[C_COUNT];

static void
add(enum counter c, uint64_t n)
{
	count[c] = count[c] > UINT64_MAX - n ? UINT64_MAX : count[c] + n;
}

void
metrics_transfer(int upload, int ok, int64_t bytes)
{
	add(upload ? (ok ? C_UPLOADS : C_UPLOAD_ERRORS)
	           : (ok ? C_DOWNLOADS : C_DOWNLOAD_ERRORS),
	    1);
	if (bytes > 0)
		add(upload ? C_UPLOAD_SIZE : C_DOWNLOAD_SIZE, (uint64_t)bytes);
}

void
metrics_ssh_command(int ok)
{
	add(ok ? C_SSH_COMMANDS : C_SSH_COMMAND_ERRORS, 1);
}

void
metrics_login(enum metrics_method m, int ok)
{
	static const enum counter first[] = {
	    [METRICS_PASSWORD] = C_PASSWORD_ATTEMPTS,
	    [METRICS_PUBLICKEY] = C_PUBKEY_ATTEMPTS,
	    [METRICS_KBDINT] = C_KBDINT_ATTEMPTS,
	};

	add(C_LOGIN_ATTEMPTS, 1);
	add(ok ? C_LOGIN_OK : C_LOGIN_KO, 1);
	add(first[m], 1);
	add(first[m] + (ok ? 1 : 2), 1);
}

void
metrics_http(unsigned status)
{
	add(C_HTTP_REQ, 1);
	if (status >= 200 && status < 300)
		add(C_HTTP_OK, 1);
	else if (status >= 400 && status < 500)
		add(C_HTTP_4XX, 1);
	else if (status >= 500)
		add(C_HTTP_5XX, 1);
}

static void
metric(FILE *f, const char *name, const char *type, const char *help, double v)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name,
	        v);
}

/* Seconds since the epoch the process started (/proc/self/stat field 22), 0 when
 * unknown. */
static double
start_time(void)
{
	char buf[1024];
	unsigned long long ticks = 0, btime = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f != NULL)
		fclose(f);
	buf[n] = '\0';
	/* after the command's closing parenthesis: field 3 onwards */
	const char *p = strrchr(buf, ')');
	if (p == NULL || hz <= 0 ||
	    sscanf(p + 1,
	           " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
	           "%*d %*d %*d %*d %llu",
	           &ticks) != 1)
		return 0;
	if ((f = fopen("/proc/stat", "r")) == NULL)
		return 0;
	char line[256];
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "btime %llu", &btime) == 1)
			break;
	fclose(f);
	return btime > 0 ? (double)btime + (double)ticks / (double)hz : 0;
}

static void
process_metrics(FILE *f)
{
	struct rusage ru;
	struct rlimit rl;
	unsigned long long vm = 0, rss = 0;
	long page = sysconf(_SC_PAGESIZE);
	double fds = 0;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		metric(f, "process_cpu_seconds_total", "counter",
		       "Total user and system CPU time spent in seconds.",
		       (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
		           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) /
		               1e6);
	DIR *d = opendir("/proc/self/fd");
	if (d != NULL) {
		while (readdir(d) != NULL)
			fds++;
		closedir(d);
		/* ".", ".." and the directory's own descriptor */
		metric(f, "process_open_fds", "gauge", "Number of open file descriptors.",
		       fds > 3 ? fds - 3 : 0);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		metric(f, "process_max_fds", "gauge",
		       "Maximum number of open file descriptors.",
		       rl.rlim_cur == RLIM_INFINITY ? -1 : (double)rl.rlim_cur);
	FILE *s = fopen("/proc/self/statm", "r");
	if (s != NULL) {
		if (fscanf(s, "%llu %llu", &vm, &rss) == 2 && page > 0) {
			metric(f, "process_virtual_memory_bytes", "gauge",
			       "Virtual memory size in bytes.",
			       (double)vm * (double)page);
			metric(f, "process_resident_memory_bytes", "gauge",
			       "Resident memory size in bytes.",
			       (double)rss * (double)page);
		}
		fclose(s);
	}
	double st = start_time();
	if (st > 0)
		metric(f, "process_start_time_seconds", "gauge",
		       "Start time of the process since unix epoch in seconds.", st);
}

char *
metrics_text(int provider_ok, unsigned active_connections, unsigned quota_scans)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return NULL;
	metric(f, "sftpgo_dataprovider_availability", "gauge",
	       "Availability for the configured data provider, 1 means OK, 0 KO",
	       provider_ok ? 1 : 0);
	metric(f, "sftpgo_active_connections", "gauge", "Total number of logged in users",
	       active_connections);
	for (int c = 0; c < C_COUNT; c++)
		metric(f, counters[c].name, "counter", counters[c].help,
		       (double)count[c]);
	metric(f, "sftpgo_quota_scans_in_progress", "gauge",
	       "Number of quota scans running (not in SFTPGo 0.9.6)", quota_scans);
	process_metrics(f);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
