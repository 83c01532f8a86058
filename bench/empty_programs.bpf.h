// SPDX-License-Identifier: GPL-2.0
// What the empty programs (empty_*.bpf.c) are made of: programs that return
// at once, so that attaching them measures what the attachment alone costs
// every syscall, before a tracer does any work of its own.
#ifndef EMPTY_PROGRAMS_BPF_H
#define EMPTY_PROGRAMS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* A program called `name` in section `section` that returns at once. */
#define EMPTY_PROGRAM(section, name) \
	SEC(section)                 \
	int name(void *ctx)          \
	{                            \
		return 0;            \
	}

/* On the syscall tracepoint `tracepoint` (sys_enter_unlinkat, sys_exit_rmdir...), named empty_<tracepoint>. */
#define EMPTY_SYSCALL_TRACEPOINT(tracepoint) EMPTY_PROGRAM("tracepoint/syscalls/" #tracepoint, empty_##tracepoint)

/* On raw_tp/sys_enter, which the kernel calls on every syscall of the machine. */
#define EMPTY_RAW_SYS_ENTER EMPTY_PROGRAM("raw_tp/sys_enter", empty_sys_enter)

#endif
