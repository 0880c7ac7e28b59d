/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <stddef.h>

#include "web/pages.h"

const char *const web_template_names[] = {
    "header", "footer", "users", "user", "connections", "message", "confirm", NULL,
};
