// SPDX-License-Identifier: GPL-2.0
/*
 * Loads the deletion programs of bpf/deletions.bpf.o as the helper does, one
 * attach mode at a time, and prints what the kernel's verifier said of each
 * program as one JSON line: instructions processed, stack depth, and the
 * time the load took. The kernel matrix runs it in every guest, so that a
 * program drawing near the verifier's limits on some kernel is seen before a
 * user's kernel tips it over.
 *
 *   program_report OBJECT     as root
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Statistics alone take a few hundred bytes; a failure's last words more. */
#define LOG_SIZE (1u << 20)
#define PROGRAMS_MAX 64

static bool kernel_has_tracepoint(struct btf *btf, const char *name)
{
	char type[128];

	snprintf(type, sizeof(type), "btf_trace_%s", name);
	return btf && btf__find_by_name_kind(btf, type, BTF_KIND_TYPEDEF) > 0;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* The last "<key> N" of the log, or -1. */
static long log_number(const char *log, const char *key)
{
	const char *at = NULL;

	for (const char *p = strstr(log, key); p; p = strstr(p + 1, key))
		at = p;
	return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

/* The stack depths of the program and its subprograms, summed: "stack depth 8+96+0". */
static long stack_depth(const char *log)
{
	const char *at = strstr(log, "stack depth ");
	long total = 0;
	char *end;

	if (!at)
		return -1;
	at += strlen("stack depth ");
	for (;;) {
		total += strtol(at, &end, 10);
		if (*end != '+')
			return total;
		at = end + 1;
	}
}

static int report_mode(const char *object_path, bool raw, struct btf *btf)
{
	char *logs[PROGRAMS_MAX];
	struct bpf_program *programs[PROGRAMS_MAX];
	int count = 0;
	const char *submit = kernel_has_tracepoint(btf, "io_uring_submit_req")	 ? "io_uring_submit_req"
			     : kernel_has_tracepoint(btf, "io_uring_submit_sqe") ? "io_uring_submit_sqe"
										 : "";
	bool io_uring = *submit && kernel_has_tracepoint(btf, "io_uring_complete");
	struct bpf_object *obj = bpf_object__open_file(object_path, NULL);
	struct bpf_program *program;
	struct bpf_map *map;

	if (!obj)
		return 1;
	bpf_object__for_each_map(map, obj)
		if (bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF)
			bpf_map__set_max_entries(map, 4u << 20);
	bpf_object__for_each_program(program, obj) {
		const char *section = bpf_program__section_name(program);
		const char *tracepoint = strchr(section, '/') + 1;
		bool perf_event = bpf_program__type(program) == BPF_PROG_TYPE_TRACEPOINT;
		bool wanted = strncmp(tracepoint, "io_uring_", 9) == 0
				      ? io_uring && (!strcmp(tracepoint, "io_uring_complete") || !strcmp(tracepoint, submit))
				      : perf_event != raw;

		bpf_program__set_autoload(program, wanted);
		if (!wanted || count == PROGRAMS_MAX)
			continue;
		/* Level 4: statistics only, which is all that is printed. */
		bpf_program__set_log_level(program, 4);
		logs[count] = calloc(1, LOG_SIZE);
		bpf_program__set_log_buf(program, logs[count], LOG_SIZE);
		programs[count++] = program;
	}

	double start = now_ms();
	int error = bpf_object__load(obj);
	double load_ms = now_ms() - start;

	for (int i = 0; i < count; i++) {
		printf("{\"mode\":\"%s\",\"program\":\"%s\",\"loaded\":%s,\"instructions\":%ld,\"stack\":%ld,"
		       "\"verifyUs\":%ld,\"loadMs\":%.1f}\n",
		       raw ? "raw" : "tracepoint", bpf_program__name(programs[i]),
		       bpf_program__fd(programs[i]) >= 0 ? "true" : "false", log_number(logs[i], "processed "),
		       stack_depth(logs[i]), log_number(logs[i], "verification time "), load_ms);
	}
	for (int i = 0; i < count; i++) {
		/* A refusal's reason is the log's last lines before the statistics. */
		if (bpf_program__fd(programs[i]) < 0 && logs[i][0]) {
			size_t len = strlen(logs[i]);
			fprintf(stderr, "%s: ...%s\n", bpf_program__name(programs[i]),
				logs[i] + (len > 600 ? len - 600 : 0));
		}
	}
	if (error)
		printf("{\"mode\":\"%s\",\"error\":%d}\n", raw ? "raw" : "tracepoint", -error);
	bpf_object__close(obj);
	for (int i = 0; i < count; i++)
		free(logs[i]);
	return error != 0;
}

static int print_libbpf(enum libbpf_print_level level, const char *format, va_list args)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, format, args) : 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJECT\n", argv[0]);
		return 2;
	}
	libbpf_set_print(print_libbpf);

	struct btf *btf = btf__load_vmlinux_btf();
	int failed = report_mode(argv[1], true, btf) + report_mode(argv[1], false, btf);

	btf__free(btf);
	return failed ? 1 : 0;
}
