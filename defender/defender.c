/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The defender's bookkeeping (defender.h). One table of hosts, each with its events
 * in the observation window and its ban; lookups are linear, the table being bounded
 * by entries_hard_limit (at most DEFENDER_HOSTS_MAX).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/io.h"
#include "defender/defender.h"

#define LIST_FILE_MAX (1024 * 1024)
#define BAN_FILE_MAX (4 * 1024 * 1024)
/* Longest ban, whatever the increments add up to (a year). */
#define BAN_MAX_S (365LL * 24 * 3600)
/* A listed entry's JSON is shorter than this ("id" is the key in hex). */
#define LIST_ENTRY_MAX (3 * DEFENDER_KEY_MAX + 96)

/* The key of a parsed network that is an address group: IPv4 /32 or IPv6 /64. */
static int
key_of_cidr(const struct cidr *c, char *key, size_t keylen)
{
	char text[INET6_ADDRSTRLEN];

	if (!inet_ntop(c->family, c->addr, text, sizeof(text)))
		return -1;
	if (c->family == AF_INET && c->prefix == 32)
		return snprintf(key, keylen, "%s", text) < (int)keylen ? 0 : -1;
	if (c->family == AF_INET6 && c->prefix == 64)
		return snprintf(key, keylen, "%s/64", text) < (int)keylen ? 0 : -1;
	return -1;
}

int
defender_key(const char *ip, char *key, size_t keylen)
{
	char net[DEFENDER_KEY_MAX + 8];
	struct cidr c;

	if (ip == NULL || strchr(ip, '/') != NULL || cidr_parse(ip, &c) != 0)
		return -1;
	if (c.family == AF_INET)
		return key_of_cidr(&c, key, keylen);
	/* an IPv6 client usually owns its /64: score and ban the whole of it */
	if (snprintf(net, sizeof(net), "%s/64", ip) >= (int)sizeof(net) ||
	    cidr_parse(net, &c) != 0)
		return -1;
	return key_of_cidr(&c, key, keylen);
}

void
defender_init(struct defender *d, const struct defender_params *p)
{
	memset(d, 0, sizeof(*d));
	d->p = *p;
}

static void
host_free(struct defender_host *h)
{
	free(h->ev_time);
	free(h->ev_score);
}

void
defender_free(struct defender *d)
{
	for (size_t i = 0; i < d->n_hosts; i++)
		host_free(&d->hosts[i]);
	free(d->hosts);
	free(d->safe);
	free(d->block);
	memset(d, 0, sizeof(*d));
}

void
defender_set_lists(struct defender *d, struct cidr *safe, size_t n_safe,
                   struct cidr *block, size_t n_block)
{
	free(d->safe);
	free(d->block);
	d->safe = safe;
	d->n_safe = n_safe;
	d->block = block;
	d->n_block = n_block;
}

static int
in_list(const struct cidr *l, size_t n, const char *ip)
{
	for (size_t i = 0; i < n; i++)
		if (cidr_contains(&l[i], ip))
			return 1;
	return 0;
}

int
defender_is_safe(const struct defender *d, const char *ip)
{
	return in_list(d->safe, d->n_safe, ip);
}

int
defender_is_blocked(const struct defender *d, const char *ip)
{
	return in_list(d->block, d->n_block, ip);
}

static struct defender_host *
host_find(const struct defender *d, const char *key)
{
	for (size_t i = 0; i < d->n_hosts; i++)
		if (strcmp(d->hosts[i].key, key) == 0)
			return &d->hosts[i];
	return NULL;
}

int
defender_is_banned(const struct defender *d, const char *ip, time_t now)
{
	char key[DEFENDER_KEY_MAX];
	const struct defender_host *h;

	if (defender_is_blocked(d, ip))
		return 1;
	if (defender_key(ip, key, sizeof(key)) != 0 || (h = host_find(d, key)) == NULL)
		return 0;
	return h->banned_until > now;
}

/* Events older than the observation window go; an ended ban becomes history. */
static void
host_age(const struct defender *d, struct defender_host *h, time_t now)
{
	size_t old = 0;

	while (old < h->n_ev && h->ev_time[old] <= now - d->p.observation_s)
		old++;
	if (old > 0) {
		memmove(h->ev_time, h->ev_time + old, (h->n_ev - old) * sizeof(time_t));
		memmove(h->ev_score, h->ev_score + old, (h->n_ev - old) * sizeof(int));
		h->n_ev -= old;
	}
	if (h->banned_until != 0 && h->banned_until <= now) {
		h->ban_ended = h->banned_until;
		h->banned_until = 0;
	}
	if (h->bans > 0 && h->banned_until == 0 &&
	    now - h->ban_ended > DEFENDER_REPEAT_MEMORY_S)
		h->bans = 0;
}

static int
host_idle(const struct defender_host *h)
{
	return h->n_ev == 0 && h->banned_until == 0 && h->bans == 0;
}

static void
host_remove(struct defender *d, size_t i)
{
	host_free(&d->hosts[i]);
	d->hosts[i] = d->hosts[d->n_hosts - 1];
	d->n_hosts--;
}

void
defender_expire(struct defender *d, time_t now)
{
	for (size_t i = d->n_hosts; i-- > 0;) {
		host_age(d, &d->hosts[i], now);
		if (host_idle(&d->hosts[i]))
			host_remove(d, i);
	}
}

/* The index of the entry to drop first: the host not banned whose last event is
 * oldest (by event order: several fall in one second), else the ban that ends
 * first. */
static size_t
victim(const struct defender *d, int *is_ban)
{
	size_t best = 0;
	int best_ban = 1;

	for (size_t i = 0; i < d->n_hosts; i++) {
		const struct defender_host *h = &d->hosts[i];
		int ban = h->banned_until != 0;

		if (i == 0 || ban < best_ban ||
		    (ban == best_ban &&
		     (ban ? h->banned_until < d->hosts[best].banned_until
		          : h->last_seq < d->hosts[best].last_seq))) {
			best = i;
			best_ban = ban;
		}
	}
	*is_ban = best_ban;
	return best;
}

/* SFTPGo's limits: above the hard limit, drop down to the soft limit. */
static size_t
enforce_limits(struct defender *d, time_t now)
{
	size_t dropped = 0;

	if (d->n_hosts <= (size_t)d->p.hard_limit)
		return 0;
	defender_expire(d, now);
	while (d->n_hosts > (size_t)d->p.soft_limit && d->n_hosts > 0) {
		int is_ban;
		size_t i = victim(d, &is_ban);

		dropped += is_ban ? 1 : 0;
		host_remove(d, i);
	}
	return dropped;
}

static struct defender_host *
host_add(struct defender *d, const char *key)
{
	struct defender_host *h;

	if (d->n_hosts == d->cap_hosts) {
		size_t cap = d->cap_hosts ? d->cap_hosts * 2 : 16;
		struct defender_host *n = reallocarray(d->hosts, cap, sizeof(*n));
		if (n == NULL)
			return NULL;
		d->hosts = n;
		d->cap_hosts = cap;
	}
	h = &d->hosts[d->n_hosts++];
	memset(h, 0, sizeof(*h));
	snprintf(h->key, sizeof(h->key), "%s", key);
	return h;
}

static int
host_push_event(struct defender_host *h, time_t now, int score)
{
	if (h->n_ev == DEFENDER_EVENTS_MAX) {
		memmove(h->ev_time, h->ev_time + 1, (h->n_ev - 1) * sizeof(time_t));
		memmove(h->ev_score, h->ev_score + 1, (h->n_ev - 1) * sizeof(int));
		h->n_ev--;
	}
	if (h->ev_time == NULL) {
		h->ev_time = calloc(DEFENDER_EVENTS_MAX, sizeof(time_t));
		h->ev_score = calloc(DEFENDER_EVENTS_MAX, sizeof(int));
		if (h->ev_time == NULL || h->ev_score == NULL)
			return -1;
	}
	h->ev_time[h->n_ev] = now;
	h->ev_score[h->n_ev] = score;
	h->n_ev++;
	h->last_event = now;
	return 0;
}

static long long
host_total(const struct defender_host *h)
{
	long long t = 0;

	for (size_t i = 0; i < h->n_ev; i++)
		t += h->ev_score[i];
	return t;
}

/* ban_time plus ban_time_increment percent of it per earlier ban (SFTPGo's
 * increment, applied to a repeat ban: see design-notes "Defender"). */
static time_t
ban_length(const struct defender_params *p, unsigned earlier)
{
	long long s = p->ban_time_s + (long long)p->ban_time_s * p->ban_time_increment /
	                                  100 * (long long)earlier;

	return (time_t)(s > BAN_MAX_S ? BAN_MAX_S : s);
}

static int
event_score(const struct defender_params *p, enum defender_event ev)
{
	switch (ev) {
	case DEFENDER_EV_VALID:
		return p->score_valid;
	case DEFENDER_EV_INVALID:
		return p->score_invalid;
	case DEFENDER_EV_LIMIT:
		return p->score_limit_exceeded;
	}
	return 0;
}

int
defender_add_event(struct defender *d, const char *ip, enum defender_event ev, time_t now,
                   char key_out[DEFENDER_KEY_MAX], time_t *until, size_t *dropped_bans)
{
	char key[DEFENDER_KEY_MAX];
	int score = event_score(&d->p, ev);
	struct defender_host *h;

	*dropped_bans = 0;
	if (score <= 0 || defender_key(ip, key, sizeof(key)) != 0 ||
	    defender_is_safe(d, ip) || defender_is_blocked(d, ip))
		return 0;
	h = host_find(d, key);
	if (h == NULL && (h = host_add(d, key)) == NULL)
		return 0;
	host_age(d, h, now);
	/* A banned host has no score (SFTPGo): its connections are refused. */
	if (h->banned_until == 0)
		h->last_seq = ++d->seq;
	if (h->banned_until != 0 || host_push_event(h, now, score) != 0)
		return 0;
	if (host_total(h) < d->p.threshold) {
		*dropped_bans = enforce_limits(d, now);
		return 0;
	}
	h->banned_until = now + ban_length(&d->p, h->bans);
	h->bans++;
	h->n_ev = 0;
	snprintf(key_out, DEFENDER_KEY_MAX, "%s", key);
	*until = h->banned_until;
	*dropped_bans = enforce_limits(d, now);
	return 1;
}

int
defender_unban(struct defender *d, const char *ip)
{
	char key[DEFENDER_KEY_MAX];

	if (defender_key(ip, key, sizeof(key)) != 0)
		return -1;
	for (size_t i = 0; i < d->n_hosts; i++)
		if (strcmp(d->hosts[i].key, key) == 0) {
			host_remove(d, i);
			return 1;
		}
	return 0;
}

static int
host_score(const struct defender *d, const struct defender_host *h, time_t now)
{
	long long t = 0;

	for (size_t i = 0; i < h->n_ev; i++)
		if (h->ev_time[i] > now - d->p.observation_s)
			t += h->ev_score[i];
	return (int)(t > 0x7fffffff ? 0x7fffffff : t);
}

int
defender_score(const struct defender *d, const char *ip, time_t now)
{
	char key[DEFENDER_KEY_MAX];
	const struct defender_host *h;

	if (defender_key(ip, key, sizeof(key)) != 0 || (h = host_find(d, key)) == NULL)
		return 0;
	return host_score(d, h, now);
}

static void
utc_rfc3339(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *
host_json(const struct defender *d, const struct defender_host *h, time_t now)
{
	char id[2 * DEFENDER_KEY_MAX + 1], when[32];
	size_t n = strlen(h->key);
	json_t *o;

	for (size_t i = 0; i < n; i++)
		snprintf(id + 2 * i, 3, "%02x", (unsigned char)h->key[i]);
	id[2 * n] = '\0';
	if (h->banned_until > now) {
		utc_rfc3339(h->banned_until, when, sizeof(when));
		o = json_pack("{s:s,s:s,s:s}", "id", id, "ip", h->key, "ban_time", when);
	} else {
		int score = host_score(d, h, now);
		if (score <= 0)
			return NULL;
		o = json_pack("{s:s,s:s,s:i}", "id", id, "ip", h->key, "score", score);
	}
	return o;
}

char *
defender_list_json(const struct defender *d, time_t now, size_t offset, size_t max_bytes,
                   size_t *next)
{
	json_t *a = json_array();
	size_t budget = max_bytes / LIST_ENTRY_MAX, i;
	char *s;

	*next = 0;
	if (a == NULL)
		return NULL;
	for (i = offset; i < d->n_hosts && budget > 0; i++) {
		json_t *o = host_json(d, &d->hosts[i], now);
		if (o == NULL)
			continue;
		json_array_append_new(a, o);
		budget--;
	}
	if (i < d->n_hosts)
		*next = i;
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

/* ---- files ---- */

static int
read_file(const char *path, size_t max, char **out, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		snprintf(err, errlen, "%s: not a regular file of at most %zu bytes", path,
		         max);
		close(fd);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL || io_read_full(fd, buf, (size_t)st.st_size) != 0) {
		snprintf(err, errlen, "%s: cannot read it", path);
		free(buf);
		close(fd);
		return -1;
	}
	buf[st.st_size] = '\0';
	close(fd);
	*out = buf;
	return 0;
}

static int
list_add(struct cidr *l, size_t *n, const char *entry, int want_net)
{
	if (*n == DEFENDER_LIST_MAX || cidr_parse(entry, &l[*n]) != 0)
		return -1;
	if (want_net >= 0 && (strchr(entry, '/') != NULL) != want_net)
		return -1;
	(*n)++;
	return 0;
}

/* SFTPGo 2.x's {"addresses": [...], "networks": [...]}. */
static int
list_from_json(const char *path, const char *text, struct cidr *l, size_t *n, char *err,
               size_t errlen)
{
	static const char *const names[] = {"addresses", "networks"};
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	int rc = 0;

	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s: not a JSON object (line %d: %s)", path,
		         je.line, je.text);
		json_decref(root);
		return -1;
	}
	for (int k = 0; k < 2 && rc == 0; k++) {
		json_t *arr = json_object_get(root, names[k]), *v;
		size_t i;
		if (arr != NULL && !json_is_array(arr)) {
			snprintf(err, errlen, "%s: %s is not a list", path, names[k]);
			rc = -1;
			break;
		}
		json_array_foreach(arr, i, v)
		{
			if (!json_is_string(v) ||
			    list_add(l, n, json_string_value(v), k) != 0) {
				snprintf(
				    err, errlen,
				    "%s: %s entry %zu: not a valid %s (or more than %d "
				    "entries)",
				    path, names[k], i, k ? "network" : "address",
				    DEFENDER_LIST_MAX);
				rc = -1;
				break;
			}
		}
	}
	json_decref(root);
	return rc;
}

static int
list_from_lines(const char *path, char *text, struct cidr *l, size_t *n, char *err,
                size_t errlen)
{
	int line = 0;

	for (char *p = text; p != NULL && *p != '\0';) {
		char *eol = strchr(p, '\n'), *e;
		line++;
		if (eol != NULL)
			*eol = '\0';
		if ((e = strchr(p, '#')) != NULL)
			*e = '\0';
		while (isspace((unsigned char)*p))
			p++;
		e = p + strlen(p);
		while (e > p && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*p != '\0' && list_add(l, n, p, -1) != 0) {
			snprintf(
			    err, errlen,
			    "%s line %d: not an IP address or network (or more than %d "
			    "entries)",
			    path, line, DEFENDER_LIST_MAX);
			return -1;
		}
		p = eol != NULL ? eol + 1 : NULL;
	}
	return 0;
}

int
defender_load_list(const char *path, struct cidr **out, size_t *n, char *err,
                   size_t errlen)
{
	struct cidr *l;
	char *text, *p;
	int rc;

	*out = NULL;
	*n = 0;
	if (path == NULL || path[0] == '\0')
		return 0;
	if (read_file(path, LIST_FILE_MAX, &text, err, errlen) != 0)
		return -1;
	l = calloc(DEFENDER_LIST_MAX, sizeof(*l));
	if (l == NULL) {
		free(text);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	for (p = text; isspace((unsigned char)*p); p++)
		;
	rc = *p == '{' ? list_from_json(path, text, l, n, err, errlen)
	               : list_from_lines(path, text, l, n, err, errlen);
	free(text);
	if (rc != 0) {
		free(l);
		*n = 0;
		return -1;
	}
	*out = l;
	return 0;
}

int
defender_save(const struct defender *d, const char *path, time_t now, char *err,
              size_t errlen)
{
	char tmp[4096];
	json_t *hosts = json_array(), *root;
	char *text;
	int fd, rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp) ||
	    hosts == NULL) {
		json_decref(hosts);
		snprintf(err, errlen, "%s: path too long or out of memory", path);
		return -1;
	}
	for (size_t i = 0; i < d->n_hosts; i++) {
		const struct defender_host *h = &d->hosts[i];
		if (h->bans == 0)
			continue;
		json_array_append_new(
		    hosts,
		    json_pack("{s:s,s:I,s:I,s:i}", "ip", h->key, "ban_until",
		              (json_int_t)(h->banned_until > now ? h->banned_until : 0),
		              "ban_ended", (json_int_t)h->ban_ended, "bans",
		              (int)h->bans));
	}
	root = json_pack("{s:i,s:o}", "version", 1, "hosts", hosts);
	text = root != NULL ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	if (text == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0 && io_write_all(fd, text, strlen(text), NULL) == 0 &&
	    io_write_all(fd, "\n", 1, NULL) == 0 && fsync(fd) == 0 && close(fd) == 0) {
		fd = -1;
		rc = rename(tmp, path);
	}
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
	free(text);
	return rc;
}

static void
restore_host(struct defender *d, json_t *v, time_t now)
{
	const char *ip = json_string_value(json_object_get(v, "ip"));
	json_int_t until = json_integer_value(json_object_get(v, "ban_until"));
	json_int_t ended = json_integer_value(json_object_get(v, "ban_ended"));
	json_int_t bans = json_integer_value(json_object_get(v, "bans"));
	char key[DEFENDER_KEY_MAX];
	struct defender_host *h;
	struct cidr c;

	if (ip == NULL || cidr_parse(ip, &c) != 0 ||
	    key_of_cidr(&c, key, sizeof(key)) != 0 || bans <= 0 || bans > 1000000 ||
	    until < 0 || until > now + BAN_MAX_S || ended < 0 ||
	    host_find(d, key) != NULL || d->n_hosts >= (size_t)d->p.hard_limit)
		return;
	if ((h = host_add(d, key)) == NULL)
		return;
	h->banned_until = until > now ? (time_t)until : 0;
	h->ban_ended = until > 0 && until <= now ? (time_t)until : (time_t)ended;
	h->bans = (unsigned)bans;
	host_age(d, h, now);
	if (host_idle(h))
		host_remove(d, d->n_hosts - 1);
}

int
defender_load(struct defender *d, const char *path, time_t now, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *hosts, *v;
	char *text;
	size_t i;

	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if (read_file(path, BAN_FILE_MAX, &text, err, errlen) != 0)
		return -1;
	root = json_loads(text, 0, &je);
	free(text);
	hosts = json_object_get(root, "hosts");
	if (!json_is_array(hosts) ||
	    json_integer_value(json_object_get(root, "version")) != 1) {
		snprintf(err, errlen, "%s: not a ban file of version 1", path);
		json_decref(root);
		return -1;
	}
	json_array_foreach(hosts, i, v) restore_host(d, v, now);
	json_decref(root);
	return 0;
}
