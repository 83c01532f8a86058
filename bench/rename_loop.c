// The rename benchmark's workload: renames ROOT/dNNNN/fNNNNNN to
// ROOT/dNNNN/gNNNNNN for each of the FILES files of each of the DIRECTORIES
// directories that make_tree (given the same arguments) made, one rename(2)
// after the other as fast as it can, and prints how many it made.
//   rename_loop ROOT DIRECTORIES FILES
#include <stdio.h>
#include <stdlib.h>

#include "fixture_errors.h"

int main(int argc, char **argv)
{
	expect_arguments(argc, 3, "rename_loop ROOT DIRECTORIES FILES");
	const char *root = argv[1];
	long directories = atol(argv[2]);
	long files = atol(argv[3]);
	long renames = 0;
	char source[4096];
	char destination[4096];

	for (long d = 0; d < directories; d++) {
		for (long f = 0; f < files; f++) {
			/* make_tree's names */
			snprintf(source, sizeof source, "%s/d%04ld/f%06ld", root, d, f);
			snprintf(destination, sizeof destination, "%s/d%04ld/g%06ld", root, d, f);
			if (rename(source, destination) != 0)
				exit_with_error(source);
			renames++;
		}
	}
	printf("%ld\n", renames);
	return 0;
}
