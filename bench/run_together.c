// Runs several commands at the same moment and waits for all of them: the
// parallel deleters and the mixed workload of the storms. Each command is
// forked first and held on a pipe; once all are forked, the pipe closes and
// they exec together, so that none has a head start of another's fork. Once
// all have exited it prints one line per command, in the order given:
// "finished INDEX PID WALL_S USER_S SYSTEM_S", its process id (a tracer that
// names processes is checked against these), the time from the common start
// to its exit, and the CPU time it and the children it waited for used.
//   run_together -- COMMAND [ARG]... [-- COMMAND [ARG]...]...
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture_clock.h"
#include "fixture_errors.h"

#define MAX_COMMANDS 256

struct command {
	char **argv;
	pid_t pid;
	double wall;
	struct rusage usage;
	int status;
};

int main(int argc, char **argv)
{
	static struct command commands[MAX_COMMANDS];
	int count = 0;

	if (argc < 3 || strcmp(argv[1], "--") != 0)
		exit_with_usage("run_together -- COMMAND [ARG]... [-- COMMAND [ARG]...]...");
	/* Each "--" ends the previous command's argv in place and starts the next. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") != 0)
			continue;
		argv[i] = NULL;
		if (i + 1 >= argc || strcmp(argv[i + 1], "--") == 0) {
			fprintf(stderr, "run_together: an empty command\n");
			return 2;
		}
		if (count == MAX_COMMANDS) {
			fprintf(stderr, "run_together: more than %d commands\n", MAX_COMMANDS);
			return 2;
		}
		commands[count++].argv = argv + i + 1;
	}

	int start[2];

	if (pipe(start) != 0)
		exit_with_error("pipe");
	fflush(stdout);
	for (int c = 0; c < count; c++) {
		pid_t pid = fork();

		if (pid < 0)
			exit_with_error("fork");
		if (pid == 0) {
			char byte;

			close(start[1]);
			/* Returns 0 (end of file) when the parent closes its end: the start signal. */
			if (read(start[0], &byte, 1) < 0)
				_exit(126);
			close(start[0]);
			execvp(commands[c].argv[0], commands[c].argv);
			perror(commands[c].argv[0]);
			_exit(127);
		}
		commands[c].pid = pid;
	}
	close(start[0]);
	double started = monotonic_seconds();

	close(start[1]);

	int failed = 0;

	for (int finished = 0; finished < count; finished++) {
		int status;
		struct rusage usage;
		pid_t pid = wait4(-1, &status, 0, &usage);

		if (pid < 0)
			exit_with_error("wait4");
		for (int c = 0; c < count; c++) {
			if (commands[c].pid != pid)
				continue;
			commands[c].wall = monotonic_seconds() - started;
			commands[c].usage = usage;
			commands[c].status = status;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
				fprintf(stderr, "run_together: %s (pid %d) failed\n", commands[c].argv[0], (int)pid);
				failed = 1;
			}
		}
	}
	for (int c = 0; c < count; c++)
		printf("finished %d %d %.6f %.6f %.6f\n", c, (int)commands[c].pid, commands[c].wall,
		       timeval_seconds(commands[c].usage.ru_utime), timeval_seconds(commands[c].usage.ru_stime));
	return failed;
}
