// The rename benchmark's workload: renames DIRECTORY/fNNNNNN to
// DIRECTORY/gNNNNNN for each of the COUNT files make_tree made there, one
// rename(2) after the other as fast as it can, and prints how many it made.
//   rename_loop DIRECTORY COUNT
#include <stdio.h>
#include <stdlib.h>

#include "fixture_errors.h"

int main(int argc, char **argv)
{
	expect_arguments(argc, 2, "rename_loop DIRECTORY COUNT");
	const char *directory = argv[1];
	long count = atol(argv[2]);
	char source[4096];
	char destination[4096];

	for (long i = 0; i < count; i++) {
		/* make_tree's names: "f%06ld" */
		snprintf(source, sizeof source, "%s/f%06ld", directory, i);
		snprintf(destination, sizeof destination, "%s/g%06ld", directory, i);
		if (rename(source, destination) != 0)
			exit_with_error(source);
	}
	printf("%ld\n", count);
	return 0;
}
