// Calls getppid(2) N times, in CHUNKS equal chunks, and prints two figures in
// nanoseconds per call: the mean over all calls, and the mean of the fastest
// chunk. getppid does next to no work in the kernel, so what a tracer attached
// to every syscall adds shows up whole; the fastest chunk is the one least
// disturbed by other work on the machine.
//   getppid_loop N CHUNKS
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "fixture_errors.h"

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 1000000;
	long chunks = argc > 2 ? atol(argv[2]) : 1;
	volatile pid_t sink;

	if (calls <= 0 || chunks <= 0 || calls < chunks)
		exit_with_usage("getppid_loop N CHUNKS");
	long per_chunk = calls / chunks;

	/* Warm the caches and the branch predictors before the clock starts. */
	for (long i = 0; i < 10000; i++)
		sink = getppid();

	double fastest = 0;
	double start = now_ns();
	for (long chunk = 0; chunk < chunks; chunk++) {
		double chunk_start = now_ns();

		for (long i = 0; i < per_chunk; i++)
			sink = getppid();

		double per_call = (now_ns() - chunk_start) / (double)per_chunk;

		if (chunk == 0 || per_call < fastest)
			fastest = per_call;
	}
	double end = now_ns();

	(void)sink;
	printf("%.3f %.3f\n", (end - start) / (double)(per_chunk * chunks), fastest);
	return 0;
}
