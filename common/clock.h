/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Wall-clock milliseconds since the epoch: the unit of SFTPGo's stored times
 * (last_login, last_quota_update, expiration_date).
 */
#ifndef SFTPGO_COMMON_CLOCK_H
#define SFTPGO_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t
epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds on CLOCK_MONOTONIC: durations (hooks' elapsed times). */
static inline int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
