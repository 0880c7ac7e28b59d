/* Placeholder until the daemon lands (monitor module work). */
#include "config.h"

#include <stdio.h>

#include "cli/commands.h"

int
serve_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "sftpgo: serve: not built yet\n");
	return 2;
}
