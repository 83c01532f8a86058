// SPDX-License-Identifier: GPL-2.0
// Programs that return at once on the enter and exit tracepoints of unlink,
// unlinkat and rmdir: the floor of a tracer built on the syscall tracepoints
// that also reports each call's result.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define EMPTY_PROGRAM(tracepoint)                  \
	SEC("tracepoint/syscalls/" #tracepoint)    \
	int empty_##tracepoint(void *ctx)          \
	{                                          \
		return 0;                          \
	}

EMPTY_PROGRAM(sys_enter_unlink)
EMPTY_PROGRAM(sys_exit_unlink)
EMPTY_PROGRAM(sys_enter_unlinkat)
EMPTY_PROGRAM(sys_exit_unlinkat)
EMPTY_PROGRAM(sys_enter_rmdir)
EMPTY_PROGRAM(sys_exit_rmdir)
