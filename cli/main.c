#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/version.h"

int
main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0)) {
		printf("SFTPGo version: %s\n", sftpgo_version());
		return 0;
	}
	fprintf(stderr, "usage: sftpgo [-v] command [flags]\n");
	return 2;
}
