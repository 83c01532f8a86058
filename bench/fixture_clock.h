// The clocks of the fixtures that time commands (measure_command,
// run_together): wall time from CLOCK_MONOTONIC, which no change of the
// system's time moves, and CPU time as wait4 reports it.
#ifndef FIXTURE_CLOCK_H
#define FIXTURE_CLOCK_H

#include <sys/time.h>
#include <time.h>

static inline double monotonic_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A struct rusage's ru_utime or ru_stime. */
static inline double timeval_seconds(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

#endif
