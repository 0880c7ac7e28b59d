/* Placeholder until the admin CLI lands (provider module work). */
#include "config.h"

#include <stdio.h>

#include "cli/commands.h"

int
admin_main(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "sftpgo: %s: not built yet\n", argv[0]);
	return 2;
}
