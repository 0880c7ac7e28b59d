/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The brute-force defender's state (SFTPGo 2.x's model, common.defender): scores per
 * source address group (an IPv4 address; an IPv6 /64), bans, the safe list and the
 * block list. Pure: every function takes the current time, nothing here does I/O
 * except the list and ban-file loaders and the atomic ban-file writer, so the
 * scoring, expiry and grouping are unit-tested with Check (check_defender). The
 * monitor (monitor/defender.c) owns one and tells the listener what to refuse.
 */
#ifndef SFTPGO_DEFENDER_DEFENDER_H
#define SFTPGO_DEFENDER_DEFENDER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "account/cidr.h"

/* "2001:db8:1:2::/64" fits (an IPv6 text address plus "/64"). */
#define DEFENDER_KEY_MAX 64
/* Entries the listener can hold: bans (entries_hard_limit) + the block list. */
#define DEFENDER_HOSTS_MAX 4096
#define DEFENDER_LIST_MAX 4096
/* A ban that ended is remembered this long: a new ban then is a repeat. */
#define DEFENDER_REPEAT_MEMORY_S (24 * 3600)
/* Events kept per host (a score of at least 1 each, so more than any sane
 * threshold needs; the oldest go first). */
#define DEFENDER_EVENTS_MAX 1024

enum defender_event {
	DEFENDER_EV_VALID,   /* failed login of an existing user: score_valid */
	DEFENDER_EV_INVALID, /* unknown user, bad protocol, never authenticated */
	DEFENDER_EV_LIMIT,   /* max_startups_per_ip exceeded: score_limit_exceeded */
};

/* common.defender in seconds and points (the config keys are in minutes). */
struct defender_params {
	int ban_time_s;
	int ban_time_increment; /* percent of ban_time per earlier ban */
	int threshold;
	int score_valid, score_invalid, score_limit_exceeded;
	int observation_s;
	int soft_limit, hard_limit; /* entries_soft_limit, entries_hard_limit */
};

struct defender_host {
	char key[DEFENDER_KEY_MAX];
	time_t *ev_time; /* events in the observation window, oldest first */
	int *ev_score;
	size_t n_ev;
	time_t last_event;
	uint64_t last_seq;   /* order of the last events (seconds tie: swap-removal
	                      * reorders the table) */
	time_t banned_until; /* 0: not banned */
	time_t ban_ended;    /* when the last ban ended (repeat memory) */
	unsigned bans;       /* bans so far (within DEFENDER_REPEAT_MEMORY_S) */
};

struct defender {
	struct defender_params p;
	struct defender_host *hosts;
	size_t n_hosts, cap_hosts;
	struct cidr *safe, *block;
	size_t n_safe, n_block;
	uint64_t seq; /* events so far: struct defender_host.last_seq */
};

/* The group an address is scored and banned as: "192.0.2.1" (IPv4-mapped folded),
 * "2001:db8:1:2::/64". 0, or -1 for a text that is no address. */
int defender_key(const char *ip, char *key, size_t keylen);

void defender_init(struct defender *d, const struct defender_params *p);
void defender_free(struct defender *d);
/* New lists (taken: the arrays are the defender's to free). */
void defender_set_lists(struct defender *d, struct cidr *safe, size_t n_safe,
                        struct cidr *block, size_t n_block);

int defender_is_safe(const struct defender *d, const char *ip);
int defender_is_blocked(const struct defender *d, const char *ip);
/* Blocked, or banned and the ban not over at now. */
int defender_is_banned(const struct defender *d, const char *ip, time_t now);

/*
 * Scores one event of ip at now. Returns 1 when it banned the address (*key_out
 * and *until set), 0 otherwise (safe-listed, already banned, below threshold, bad
 * address). *dropped_bans counts bans the entry limits removed (the listener must
 * be resynchronised).
 */
int defender_add_event(struct defender *d, const char *ip, enum defender_event ev,
                       time_t now, char key_out[DEFENDER_KEY_MAX], time_t *until,
                       size_t *dropped_bans);
/* Forgets the address group's ban and score. 1 done, 0 not known, -1 bad address. */
int defender_unban(struct defender *d, const char *ip);
/* Drops what is over at now (ended bans past the repeat memory, old events). */
void defender_expire(struct defender *d, time_t now);
/* The score of the address group in the observation window at now. */
int defender_score(const struct defender *d, const char *ip, time_t now);

/* SFTPGo's REST shape: [{"id","ip","score"} or {"id","ip","ban_time"}], from entry
 * offset, until max_bytes of JSON; *next: the entry to continue from, 0 = done. A
 * malloc'd string, NULL when out of memory. */
char *defender_list_json(const struct defender *d, time_t now, size_t offset,
                         size_t max_bytes, size_t *next);

/* An IP/CIDR list file: one address or network per line ('#' comments, blank
 * lines), or SFTPGo's JSON {"addresses": [...], "networks": [...]}. "" = empty.
 * 0, or -1 with err naming the file and line. */
int defender_load_list(const char *path, struct cidr **out, size_t *n, char *err,
                       size_t errlen);

/* The ban file: {"version":1,"hosts":[{"ip","ban_until","bans"}]} (ban_until: Unix
 * seconds, 0 = not banned, only remembered for a repeat). Written to path.tmp,
 * fsync'd and renamed over path, mode 0600. 0 or -1 with err. */
int defender_save(const struct defender *d, const char *path, time_t now, char *err,
                  size_t errlen);
/* Restores what is still relevant at now (a missing file is empty). 0 or -1. */
int defender_load(struct defender *d, const char *path, time_t now, char *err,
                  size_t errlen);

#endif
