/* SPDX-License-Identifier: BSD-2-Clause */
/* Test-only hooks of common/log.c (not part of the log.h contract). */
#ifndef SFTPGO_COMMON_LOG_INTERNAL_H
#define SFTPGO_COMMON_LOG_INTERNAL_H

#include <time.h>

/* Freezes the clock used for line times, backup names and age pruning; NULL = real. */
void log_test_set_clock(const struct timespec *now);

#endif
