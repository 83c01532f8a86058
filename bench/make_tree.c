// Creates ROOT with DIRECTORIES subdirectories of FILES empty files each, the
// tree a deletion storm removes, and prints how many entries it made (files,
// subdirectories and ROOT itself): the ground truth of what `rm -rf ROOT`
// deletes.
//   make_tree ROOT DIRECTORIES FILES
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture_errors.h"

int main(int argc, char **argv)
{
	expect_arguments(argc, 3, "make_tree ROOT DIRECTORIES FILES");
	const char *root = argv[1];
	long directories = atol(argv[2]);
	long files = atol(argv[3]);
	long entries = 0;
	char path[4096];

	if (mkdir(root, 0755) != 0)
		exit_with_error(root);
	entries++;
	for (long d = 0; d < directories; d++) {
		snprintf(path, sizeof path, "%s/d%04ld", root, d);
		if (mkdir(path, 0755) != 0)
			exit_with_error(path);
		entries++;
		for (long f = 0; f < files; f++) {
			snprintf(path, sizeof path, "%s/d%04ld/f%06ld", root, d, f);
			int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

			if (fd < 0)
				exit_with_error(path);
			close(fd);
			entries++;
		}
	}
	printf("%ld\n", entries);
	return 0;
}
