// SPDX-License-Identifier: GPL-2.0
// A program that returns at once on the syscall tracepoint of unlinkat alone.
// The kernel calls it only for unlinkat, not for every syscall.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int empty_enter_unlinkat(void *ctx)
{
	return 0;
}
