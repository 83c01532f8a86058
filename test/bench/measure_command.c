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
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: measure_command COMMAND [ARG]...\n");
		return 2;
	}
	struct timespec start, end;

	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	int status;
	struct rusage usage;

	if (wait4(pid, &status, 0, &usage) < 0) {
		perror("wait4");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	double wall = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;

	printf("measured %d %.6f %.6f %.6f\n", (int)pid, wall, seconds(usage.ru_utime), seconds(usage.ru_stime));
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
