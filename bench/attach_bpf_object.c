// Loads a BPF object, attaches its programs where their section names say,
// prints "attached", and keeps them attached until its standard input closes
// or a signal ends it. The links are file descriptors of this process, so the
// programs detach when it exits, however it exits: nothing is pinned, nothing
// can be left behind.
//   attach_bpf_object OBJECT.bpf.o [PROGRAM...]
// With PROGRAM names, only those programs are loaded and attached: the
// helper's own object (bpf/deletions.bpf.c) holds programs for every attach
// mode, and the helper loads one mode's. A ring buffer whose size the object
// leaves to user space (as the helper's does) gets RING_BUFFER_BYTES.
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fixture_errors.h"

#define RING_BUFFER_BYTES (256 * 1024)

static bool is_named(const char *name, int count, char **names)
{
	for (int i = 0; i < count; i++) {
		if (strcmp(name, names[i]) == 0)
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		exit_with_usage("attach_bpf_object OBJECT.bpf.o [PROGRAM...]");
	int named = argc - 2;
	char **names = argv + 2;
	struct bpf_object *object = bpf_object__open_file(argv[1], NULL);

	if (!object) {
		fprintf(stderr, "%s: cannot open: %s\n", argv[1], strerror(errno));
		return 1;
	}
	struct bpf_program *program;
	int found = 0;

	bpf_object__for_each_program(program, object) {
		bool wanted = named == 0 || is_named(bpf_program__name(program), named, names);

		bpf_program__set_autoload(program, wanted);
		found += wanted;
	}
	if (named > 0 && found != named) {
		fprintf(stderr, "%s: holds %d of the %d programs named\n", argv[1], found, named);
		return 1;
	}
	struct bpf_map *map;

	bpf_object__for_each_map(map, object) {
		if (bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF && bpf_map__max_entries(map) == 0)
			bpf_map__set_max_entries(map, RING_BUFFER_BYTES);
	}
	if (bpf_object__load(object)) {
		fprintf(stderr, "%s: cannot load: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(program, object) {
		if (!bpf_program__autoload(program))
			continue;
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
