/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

/*
 * libFuzzer target for the SFTP engine: the input is a client byte stream
 * (u32 length + packet, repeated) fed packet by packet to sftp_process_packet()
 * after a synthetic INIT, on a scratch root directory. Besides memory errors
 * (ASan/UBSan), it checks confinement: a canary tree beside the root, reachable
 * through symlinks placed inside the root, must never change.
 *
 * Built with -DFUZZ_STREAM (target sftp_stream), the same input goes through
 * sftp_serve() from a memfd instead, so the stream framing is fuzzed as well.
 *
 * Built with -DFUZZ_SCP (target scp), the bytes after the profile byte up to the
 * first newline are an exec channel's command line for sshcmd_run() ("scp -t -r
 * /dir", "md5sum file", ...), and the rest is what the client sends on the
 * channel (from a memfd; the output goes to /dev/null).
 *
 * The first input byte picks a settings profile (permissions, upload mode,
 * read-only, setstat mode: see PROFILES), the rest is the stream.
 *
 * Environment: SFTP_FUZZ_DIR (scratch parent, default a fresh mkdtemp under
 * $TMPDIR or /tmp).
 */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "sftp/events.h"
#include "sftp/settings.h"
#include "worker/settings.h"
#include "sftp/sftp.h"
#ifdef FUZZ_SCP
#include "sftp/local.h"
#include "sshcmd/sshcmd.h"
#endif

/* scp -t -r inputs build ever deeper trees that every scp -r -f then walks, one
 * path resolution per entry and depth: the scp target starts afresh more often
 * (at 2000 it spent its time in send_entries' fstatat, 400 inputs/s). */
#ifdef FUZZ_SCP
#define RESET_EVERY 200
#else
#define RESET_EVERY 2000
#endif

static char root_dir[4096];
static char canary_dir[4096];
static char canary_file[4096];
static struct stat canary_st, canary_dir_st;
/* Settings profiles, chosen by the first input byte. */
/* All but the first (the defaults) with 32 handles: the default table of 256 is
 * 94 KB that ASan allocates and clears for every input, most of the time taken. */
static const char *const PROFILES[] = {
    "{}",
    "{\"upload_mode\":1,\"max_handles\":32}",
    "{\"upload_mode\":2,\"max_handles\":32}",
    "{\"permissions\":{\"/\":[\"list\",\"download\"],\"/dir\":[\"*\"],"
    "\"/dir/ro\":[\"list\"]},\"max_handles\":32}",
    "{\"read_only\":true,\"max_handles\":32}",
    "{\"setstat_mode\":1,\"umask\":\"0077\",\"max_handles\":4}",
    "{\"permissions\":{\"/\":[\"upload\",\"create_symlinks\",\"rename\"]},"
    "\"upload_mode\":1,\"max_packet\":34816,\"max_handles\":32}",
};
#define NPROFILES (sizeof(PROFILES) / sizeof(PROFILES[0]))
static struct sftp_settings profiles[NPROFILES];
static const struct sftp_settings *settings;
static unsigned long runs;

static void
die(const char *what)
{
	fprintf(stderr, "sftp_fuzz: %s: %s\n", what, strerror(errno));
	abort();
}

static void
write_file(const char *dir, const char *name, const char *content)
{
	char p[4200];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (f == NULL || fputs(content, f) < 0 || fclose(f) != 0)
		die(p);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	if (ftw->level == 0)
		return 0; /* keep the root itself */
	if (remove(path) != 0 && errno != ENOENT) {
		/* A directory the input chmod'ed to 0: make it writable, try again. */
		chmod(path, 0700);
		remove(path);
	}
	return 0;
}

/* Empties the root and puts back the starting tree, symlinks out included. */
static void
populate_root(void)
{
	char p[4200];

	chmod(root_dir, 0755);
	nftw(root_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	snprintf(p, sizeof(p), "%s/dir", root_dir);
	if (mkdir(p, 0755) != 0)
		die(p);
	write_file(root_dir, "file", "0123456789abcdef\n");
	write_file(root_dir, "dir/inner", "inner file\n");
	if (symlink(canary_file, (snprintf(p, sizeof(p), "%s/abs_out", root_dir), p)) !=
	        0 ||
	    symlink("../canary", (snprintf(p, sizeof(p), "%s/rel_out", root_dir), p)) !=
	        0 ||
	    symlink("file", (snprintf(p, sizeof(p), "%s/link", root_dir), p)) != 0 ||
	    symlink("/", (snprintf(p, sizeof(p), "%s/dir/up", root_dir), p)) != 0)
		die("symlink");
}

static void
check_canary(void)
{
	struct stat a, b;

	if (lstat(canary_file, &a) != 0 || lstat(canary_dir, &b) != 0)
		die("canary vanished");
	if (a.st_size != canary_st.st_size || a.st_mode != canary_st.st_mode ||
	    a.st_nlink != canary_st.st_nlink || a.st_uid != canary_st.st_uid ||
	    a.st_mtim.tv_sec != canary_st.st_mtim.tv_sec ||
	    a.st_mtim.tv_nsec != canary_st.st_mtim.tv_nsec ||
	    a.st_ctim.tv_nsec != canary_st.st_ctim.tv_nsec ||
	    b.st_mtim.tv_nsec != canary_dir_st.st_mtim.tv_nsec ||
	    b.st_mode != canary_dir_st.st_mode || b.st_nlink != canary_dir_st.st_nlink) {
		fprintf(stderr, "sftp_fuzz: the canary outside the root changed\n");
		abort();
	}
}

#ifdef FUZZ_SCP
/* A memfd holding bytes, positioned at its start (reads then hit EOF). */
static int
memfd_of(const uint8_t *data, size_t size)
{
	int fd = memfd_create("scp-in", MFD_CLOEXEC);

	if (fd < 0)
		die("memfd_create");
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		die("memfd write");
	if (lseek(fd, 0, SEEK_SET) != 0)
		die("lseek");
	return fd;
}

static void
feed_command(struct sftp_server *s, const uint8_t *data, size_t size)
{
	static char line[8200];
	char msg[1024];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - data) : size;

	if (n >= sizeof(line) || memchr(data, '\0', n) != NULL)
		return; /* an exec request's command is a C string of bounded length */
	memcpy(line, data, n);
	line[n] = '\0';
	size_t used = nl ? n + 1 : n;
	int in = memfd_of(data + used, size - used);
	int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct sftp_local *l = sftp_local_new(s);
	if (out < 0 || l == NULL)
		die("scp setup");
	sshcmd_run(l, in, out, line, msg, sizeof(msg));
	sftp_local_free(l);
	close(in);
	close(out);
}
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = getenv("SFTP_FUZZ_DIR");
	const char *tmp = getenv("TMPDIR");
	char templ[4096];
	/* Sparse writes at huge offsets must fail, not fill the disk. */
	struct rlimit fsize = {64u << 20, 64u << 20};
	char err[256];

	(void)argc;
	(void)argv;
	if (base == NULL) {
		snprintf(templ, sizeof(templ), "%s/sftp-fuzz.XXXXXX", tmp ? tmp : "/tmp");
		base = mkdtemp(templ);
		if (base == NULL)
			die("mkdtemp");
	}
	snprintf(root_dir, sizeof(root_dir), "%s/root", base);
	snprintf(canary_dir, sizeof(canary_dir), "%s/canary", base);
	snprintf(canary_file, sizeof(canary_file), "%s/canary/secret", base);
	mkdir(root_dir, 0755);
	mkdir(canary_dir, 0755);
	write_file(canary_dir, "secret", "outside the root\n");
	if (lstat(canary_file, &canary_st) != 0 || lstat(canary_dir, &canary_dir_st) != 0)
		die("canary");
	populate_root();

	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &fsize);
	umask(022);
	sftp_set_event_sink(NULL);     /* events dropped: the engine is under test */
	log_set_min_level(LOGL_QUIET); /* and its log lines */
	for (size_t i = 0; i < NPROFILES; i++) {
		if (sftp_settings_init(&profiles[i]) != 0)
			die("settings");
		if (worker_settings_parse(&profiles[i], PROFILES[i], strlen(PROFILES[i]),
		                          err, sizeof(err)) != 0) {
			fprintf(stderr, "sftp_fuzz: profile %zu: %s\n", i, err);
			abort();
		}
	}
	return 0;
}

#ifndef FUZZ_STREAM
/* Feeds one length-prefixed packet after the other; stops when the engine closes. */
static void
feed(struct sftp_server *s, const uint8_t *data, size_t size)
{
	static const uint8_t init[] = {1, 0, 0, 0, 3};
	size_t off = 0;

	if (sftp_process_packet(s, init, sizeof(init)) != 0)
		abort(); /* a valid INIT must be accepted */
	wbuf_reset(sftp_server_output(s));
	while (size - off >= 4) {
		uint32_t len = peek_u32(data + off);
		off += 4;
		/* Like the stream reader: a length over what is left ends the stream. */
		if (len == 0 || len > size - off || len > settings->max_packet)
			break;
		if (sftp_process_packet(s, data + off, len) != 0)
			break;
		off += len;
		wbuf_reset(sftp_server_output(s));
	}
}
#endif

#ifdef FUZZ_STREAM
/* The whole input as the client's byte stream, after an INIT, through sftp_serve(). */
static void
feed_stream(struct sftp_server *s, const uint8_t *data, size_t size)
{
	static const uint8_t init[] = {0, 0, 0, 5, 1, 0, 0, 0, 3};
	int in = memfd_create("sftp-fuzz-in", MFD_CLOEXEC);
	int out = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (in < 0 || out < 0)
		die("memfd/null");
	if (write(in, init, sizeof(init)) != (ssize_t)sizeof(init) ||
	    (size > 0 && write(in, data, size) != (ssize_t)size) ||
	    lseek(in, 0, SEEK_SET) != 0)
		die("memfd write");
	sftp_serve(s, in, out); /* ends with sftp_server_shutdown() itself */
	close(in);
	close(out);
}
#endif

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	int rootfd;
	struct sftp_server *s;

	if (size == 0)
		return 0;
	if (++runs % RESET_EVERY == 0)
		populate_root();
	chmod(root_dir, 0755); /* an input may have chmod'ed "/" */
	rootfd = open(root_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		die(root_dir);
	settings = &profiles[data[0] % NPROFILES];
	data++;
	size--;
	s = sftp_server_new(settings, rootfd, "/", 0, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "sftp_fuzz: %s\n", err);
		abort();
	}
#if defined(FUZZ_STREAM)
	feed_stream(s, data, size);
#elif defined(FUZZ_SCP)
	feed_command(s, data, size);
	sftp_server_shutdown(s, "fuzz input done");
#else
	feed(s, data, size);
	sftp_server_shutdown(s, "fuzz input done");
#endif
	sftp_server_free(s);
	check_canary();
	return 0;
}
