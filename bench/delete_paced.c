// A light, steady load: creates and deletes COUNT files in DIRECTORY, one
// deletion every INTERVAL_MS milliseconds, the way an editor or a build tool
// deletes now and then.
//   delete_paced DIRECTORY COUNT INTERVAL_MS
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "fixture_errors.h"

int main(int argc, char **argv)
{
	expect_arguments(argc, 3, "delete_paced DIRECTORY COUNT INTERVAL_MS");
	const char *directory = argv[1];
	long count = atol(argv[2]);
	long interval_ms = atol(argv[3]);
	struct timespec interval = { interval_ms / 1000, (interval_ms % 1000) * 1000000L };
	char path[4096];

	for (long i = 0; i < count; i++) {
		snprintf(path, sizeof path, "%s/paced%06ld", directory, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || close(fd) != 0 || unlink(path) != 0)
			exit_with_error(path);
		nanosleep(&interval, NULL);
	}
	return 0;
}
