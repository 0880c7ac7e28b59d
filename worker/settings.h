/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The worker's settings: the settings object of the worker protocol
 * (worker/proto.h, doc/design-notes.md "Worker protocol"), whether it comes from
 * the monitor (--monitor-fd) or from --settings FILE, applied to the engine's
 * configuration (sftp/settings.h).
 */
#ifndef SFTPGO_WORKER_SETTINGS_H
#define SFTPGO_WORKER_SETTINGS_H

#include <stddef.h>

#include "sftp/settings.h"

/*
 * Applies a JSON object over st. Unknown keys are ignored (forward compatible);
 * known keys with a wrong type or range, and unknown permission names, are errors
 * naming the key.
 */
int worker_settings_parse(struct sftp_settings *st, const char *json, size_t len,
                          char *err, size_t errlen);

#endif
