// SPDX-License-Identifier: GPL-2.0
// The floor of the raw-tracepoint technique: a program on raw_tp/sys_enter
// that returns at once. It runs on every syscall of the machine.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("raw_tp/sys_enter")
int empty_sys_enter(void *ctx)
{
	return 0;
}
