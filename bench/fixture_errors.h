// How the fixture programs (test/bench/*.c) give up: a wrong command line
// prints the usage line and exits 2; a failed call prints what failed, with
// errno's text, and exits 1. The benchmarks show stderr when a fixture fails.
#ifndef FIXTURE_ERRORS_H
#define FIXTURE_ERRORS_H

#include <stdio.h>
#include <stdlib.h>

/* `text` is the program's name and arguments: "make_tree ROOT DIRECTORIES FILES". */
static inline __attribute__((noreturn)) void exit_with_usage(const char *text)
{
	fprintf(stderr, "usage: %s\n", text);
	exit(2);
}

/* Exactly `count` arguments after the program's name, or the usage line. */
static inline void expect_arguments(int argc, int count, const char *text)
{
	if (argc != count + 1)
		exit_with_usage(text);
}

/* For a call that set errno; `what` names the call or the file it was about. */
static inline __attribute__((noreturn)) void exit_with_error(const char *what)
{
	perror(what);
	exit(1);
}

#endif
