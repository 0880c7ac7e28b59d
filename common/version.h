/* SPDX-License-Identifier: BSD-2-Clause */
/* Version string shared by every program of the suite. */
#ifndef SFTPGO_COMMON_VERSION_H
#define SFTPGO_COMMON_VERSION_H

const char *sftpgo_version(void);

#endif
