// Runs a command and, once it has exited, prints one last line on stdout:
// "measured PID WALL_S USER_S SYSTEM_S", the command's process id, its wall
// time, and the CPU time it and the children it waited for used (wait4).
// Timing here rather than from Node keeps process start-up out of the wall
// time, and the CPU time shows what the deleting process paid itself (the BPF
// programs run in its syscalls) apart from waiting for a core.
//   measure_command COMMAND [ARG]...
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture_clock.h"
#include "fixture_errors.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		exit_with_usage("measure_command COMMAND [ARG]...");
	fflush(stdout);
	double start = monotonic_seconds();
	pid_t pid = fork();

	if (pid < 0)
		exit_with_error("fork");
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	int status;
	struct rusage usage;

	if (wait4(pid, &status, 0, &usage) < 0)
		exit_with_error("wait4");
	double wall = monotonic_seconds() - start;

	printf("measured %d %.6f %.6f %.6f\n", (int)pid, wall, timeval_seconds(usage.ru_utime), timeval_seconds(usage.ru_stime));
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
