/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include "common/version.h"

const char *
sftpgo_version(void)
{
	return PACKAGE_VERSION;
}
