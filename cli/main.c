/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "common/version.h"
#include "monitor/monitor.h"

static void
usage(FILE *f)
{
	fprintf(
	    f, "Usage:\n"
	       "  sftpgo [command]\n\n"
	       "Available Commands:\n"
	       "  serve         Start the SFTP Server\n"
	       "  initprovider  Create the data provider's tables\n"
	       "  user          Add, update, delete, list and show users\n"
	       "  quota         Recount the used quota from disk (quota scan)\n"
	       "  defender      List or unban the hosts the running server's defender "
	       "bans\n"
	       "  portable      Serve a single directory\n"
	       "  help          Help about any command\n\n"
	       "Flags:\n"
	       "  -h, --help      help for sftpgo\n"
	       "  -v, --version\n\n"
	       "Use \"sftpgo [command] --help\" for more information about a command.\n");
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (cmd == NULL) {
		usage(stderr);
		return 2;
	}
	if (strcmp(cmd, "-v") == 0 || strcmp(cmd, "--version") == 0) {
		printf("SFTPGo version: %s\n", sftpgo_version());
		return 0;
	}
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "serve") == 0)
		return monitor_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "initprovider") == 0 || strcmp(cmd, "user") == 0)
		return admin_main(argc - 1, argv + 1);
	if (strcmp(cmd, "portable") == 0)
		return portable_main(argc - 1, argv + 1);
	if (strcmp(cmd, "quota") == 0)
		return quota_main(argc - 1, argv + 1);
	if (strcmp(cmd, "defender") == 0)
		return defender_main(argc - 1, argv + 1);
	fprintf(stderr, "sftpgo: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return 2;
}
