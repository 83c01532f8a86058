/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the two objects built from deletions.bpf.c: the
 * default one, for kernels with task storage and bpf_get_current_task_btf()
 * in tracing programs (5.12 and later), and the one built with OLDER_KERNELS,
 * for kernels from 5.10.
 *
 * Included by deletions.bpf.c only.
 */
#ifndef SYSCALL_TRACE_KERNEL_COMPAT_BPF_H
#define SYSCALL_TRACE_KERNEL_COMPAT_BPF_H

#endif /* SYSCALL_TRACE_KERNEL_COMPAT_BPF_H */
