/* SPDX-License-Identifier: BSD-2-Clause */
/* The permission name table: the only place that spells SFTPGo's permission names. */
#include "config.h"

#include <string.h>

#include "account/perm.h"

static const struct {
	const char *name;
	unsigned bit;
} perm_names[] = {
    {"list", PERM_LIST},
    {"download", PERM_DOWNLOAD},
    {"upload", PERM_UPLOAD},
    {"overwrite", PERM_OVERWRITE},
    {"delete", PERM_DELETE},
    {"rename", PERM_RENAME},
    {"create_dirs", PERM_CREATE_DIRS},
    {"create_symlinks", PERM_CREATE_SYMLINKS},
    {"chmod", PERM_CHMOD},
    {"chown", PERM_CHOWN},
    {"chtimes", PERM_CHTIMES},
    {"*", PERM_ALL},
};
#define N_PERM_NAMES (sizeof(perm_names) / sizeof(perm_names[0]))

unsigned
perm_from_name(const char *name)
{
	if (name == NULL)
		return 0;
	for (size_t i = 0; i < N_PERM_NAMES; i++)
		if (strcmp(perm_names[i].name, name) == 0)
			return perm_names[i].bit;
	return 0;
}

const char *
perm_name(unsigned bit)
{
	for (size_t i = 0; i < N_PERM_NAMES; i++)
		if (perm_names[i].bit == bit)
			return perm_names[i].name;
	return "?";
}
