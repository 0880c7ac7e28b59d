/* SPDX-License-Identifier: BSD-2-Clause */
/* Test-only hooks of logfile/logfile.c (not part of the logfile.h contract). */
#ifndef SFTPGO_LOGFILE_INTERNAL_H
#define SFTPGO_LOGFILE_INTERNAL_H

#include <time.h>

/* Freezes the clock used for line times, backup names and age pruning; NULL = real. */
void log_test_set_clock(const struct timespec *now);

#endif
