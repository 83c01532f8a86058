// SPDX-License-Identifier: GPL-2.0
// An empty raw_tp/sys_enter program with empty programs on the exit
// tracepoints of unlink, unlinkat and rmdir: the floor of a tracer that takes
// each call's arguments on the raw tracepoint but its result only where the
// call is a deletion, instead of on raw_tp/sys_exit after every syscall.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("raw_tp/sys_enter")
int empty_sys_enter(void *ctx)
{
	return 0;
}

#define EMPTY_PROGRAM(tracepoint)                  \
	SEC("tracepoint/syscalls/" #tracepoint)    \
	int empty_##tracepoint(void *ctx)          \
	{                                          \
		return 0;                          \
	}

EMPTY_PROGRAM(sys_exit_unlink)
EMPTY_PROGRAM(sys_exit_unlinkat)
EMPTY_PROGRAM(sys_exit_rmdir)
