// Loads a BPF object, attaches each of its programs where its section name
// says, prints "attached", and keeps them attached until its standard input
// closes or a signal ends it. The links are file descriptors of this process,
// so the programs detach when it exits, however it exits: nothing is pinned,
// nothing can be left behind.
//   attach_bpf_object OBJECT.bpf.o
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fixture_errors.h"

int main(int argc, char **argv)
{
	expect_arguments(argc, 1, "attach_bpf_object OBJECT.bpf.o");
	struct bpf_object *object = bpf_object__open_file(argv[1], NULL);

	if (!object) {
		fprintf(stderr, "%s: cannot open: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (bpf_object__load(object)) {
		fprintf(stderr, "%s: cannot load: %s\n", argv[1], strerror(errno));
		return 1;
	}
	struct bpf_program *program;

	bpf_object__for_each_program(program, object) {
		if (!bpf_program__attach(program)) {
			fprintf(stderr, "%s: cannot attach %s: %s\n", argv[1],
				bpf_program__name(program), strerror(errno));
			return 1;
		}
	}
	printf("attached\n");
	fflush(stdout);

	char buffer[256];

	while (read(STDIN_FILENO, buffer, sizeof buffer) > 0)
		;
	return 0;
}
