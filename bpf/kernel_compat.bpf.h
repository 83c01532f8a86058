/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the two objects built from deletions.bpf.c
 * (docs/kernel-programs.md, "Two program sets"):
 *   deletions.bpf.o, for kernels whose tracing programs have task storage
 *     (5.12) and bpf_get_current_task_btf() (5.11): the current task is a
 *     BTF pointer whose fields are plain loads, and what a thread keeps
 *     between a call's entry and its exit lives in task storage, which dies
 *     with the task;
 *   deletions_older.bpf.o, built with OLDER_KERNELS, for kernels from 5.10:
 *     the current task is a number, read through CO-RE (probe) reads, and a
 *     thread's call in flight is kept in a hash keyed by its thread id and
 *     deleted at the call's exit, its directory memo in an LRU hash.
 * Neither uses bpf_loop() (5.17): the long searches are bounded loops in
 * global functions, which take only numbers (5.10's verifier accepts no
 * pointer arguments to them) and find their state in per-CPU maps.
 *
 * Included by deletions.bpf.c only, ahead of the rest.
 */
#ifndef SYSCALL_TRACE_KERNEL_COMPAT_BPF_H
#define SYSCALL_TRACE_KERNEL_COMPAT_BPF_H

/* Deletion calls that threads may have between entry and exit at once, on
 * kernels without task storage; more are lost, counted (LOST_IN_FLIGHT). */
#define CALLS_IN_FLIGHT_MAX 16384

#ifdef OLDER_KERNELS

#define current_task() ((struct task_struct *)bpf_get_current_task())
/* A field of the current task, or of what it leads to: TASK_READ(task, fs, root). */
#define TASK_READ(from, ...) BPF_CORE_READ(from, __VA_ARGS__)

/* One value per thread: a hash keyed by thread id, preallocated (older
 * verifiers warn of run-time allocation in tracing programs). */
#define PER_THREAD_MAP(value_type)                       \
	__uint(type, BPF_MAP_TYPE_HASH);                 \
	__uint(max_entries, CALLS_IN_FLIGHT_MAX);        \
	__type(key, __u32);                              \
	__type(value, value_type)

/* The current thread's value in `map`; with `initial`, created from it where
 * there is none. NULL where there is none, or no room. */
static __always_inline void *thread_value(void *map, const void *initial)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	void *value = bpf_map_lookup_elem(map, &tid);

	if (value || !initial)
		return value;
	bpf_map_update_elem(map, &tid, initial, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, &tid);
}

/* Frees the current thread's value once it is no longer needed. */
static __always_inline void forget_thread_value(void *map)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(map, &tid);
}

/* The directory memo (directory_walk.bpf.h), 1 KiB a thread, for the
 * threads that deleted last: a thread whose memo was evicted names its next
 * directory in full. A new memo starts as a copy of the never-written
 * blank_memos. */
#define DIRECTORY_MEMOS_MAX 1024
#define DIRECTORY_MEMO_MAP(value_type)              \
	__uint(type, BPF_MAP_TYPE_LRU_HASH);        \
	__uint(max_entries, DIRECTORY_MEMOS_MAX);   \
	__type(key, __u32);                         \
	__type(value, value_type)

#define DIRECTORY_MEMO_BLANK(value_type)            \
	struct {                                    \
		__uint(type, BPF_MAP_TYPE_ARRAY);   \
		__uint(max_entries, 1);             \
		__type(key, __u32);                 \
		__type(value, value_type);          \
	} blank_memos SEC(".maps")

/* The current thread's memo, created where `create` and there is none. A
 * macro: the maps it names are declared after this header. */
#define THREAD_DIRECTORY_MEMO(create) \
	((struct directory_memo *)thread_value(&directory_memos, (create) ? blank_memo() : NULL))
#define blank_memo() ({ __u32 zero = 0; bpf_map_lookup_elem(&blank_memos, &zero); })

#else /* kernels with task storage and BTF tasks in tracing programs */

#define current_task() bpf_get_current_task_btf()
#define TASK_READ(from, ...) ___arrow(from, __VA_ARGS__)

/* Task storage dies with its task, so a thread that dies inside a call
 * leaves nothing behind, and memory is bounded by the number of threads. */
#define PER_THREAD_MAP(value_type)                       \
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);         \
	__uint(map_flags, BPF_F_NO_PREALLOC);            \
	__type(key, int);                                \
	__type(value, value_type)

static __always_inline void *thread_value(void *map, const void *initial)
{
	/* Created zeroed: `initial` only says whether to create it. */
	return bpf_task_storage_get(map, bpf_get_current_task_btf(), 0, initial ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

static __always_inline void forget_thread_value(void *map)
{
	/* Kept until the task dies: the next call reuses it. */
}

/* One memo per thread: its last directory is the one it deletes in next. */
#define DIRECTORY_MEMO_MAP(value_type) PER_THREAD_MAP(value_type)
#define DIRECTORY_MEMO_BLANK(value_type) /* task storage starts zeroed */

#define THREAD_DIRECTORY_MEMO(create)                                                          \
	((struct directory_memo *)bpf_task_storage_get(&directory_memos, bpf_get_current_task_btf(), 0, \
						       (create) ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0))

#endif /* OLDER_KERNELS */

#endif /* SYSCALL_TRACE_KERNEL_COMPAT_BPF_H */
