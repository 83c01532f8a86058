// SPDX-License-Identifier: GPL-2.0
// Two programs that return at once, on raw_tp/sys_enter and raw_tp/sys_exit:
// the floor of a tracer that, like ours, also needs each call's result.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("raw_tp/sys_enter")
int empty_sys_enter(void *ctx)
{
	return 0;
}

SEC("raw_tp/sys_exit")
int empty_sys_exit(void *ctx)
{
	return 0;
}
