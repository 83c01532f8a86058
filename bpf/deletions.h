/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The records the deletion tracer sends from the kernel to user space.
 *
 * This header is the contract between bpf/deletions.bpf.c, which writes the
 * records into a BPF ring buffer, and native/, which reads them; nothing else
 * is shared. Plain fixed-width types only, so that clang's BPF target and the
 * host compiler lay every struct out identically. ARCHITECTURE.md, "Record
 * layout", describes each field.
 */
#ifndef SYSCALL_TRACE_DELETIONS_H
#define SYSCALL_TRACE_DELETIONS_H

#define TASK_COMM_LEN 16
/* The kernel refuses a path argument of PATH_MAX bytes or more (ENAMETOOLONG). */
#define PATH_ARG_MAX 4096
/* A single file name, without its terminating NUL. */
#define FILE_NAME_MAX 255
/* Bytes of directory names a record can carry, and how many dentries (and
 * mount crossings) the walk to the root may visit before it gives up. */
#define DIRECTORY_NAMES_MAX 4096
#define DIRECTORY_WALK_MAX_STEPS 128
#define CMDLINE_MAX 4096
#define ANCESTORS_MAX 8

enum record_kind {
	RECORD_DELETION = 1,
	RECORD_PROCESS = 2,
};

enum deletion_syscall {
	DELETION_UNLINK = 1,
	DELETION_UNLINKAT = 2,
	DELETION_RMDIR = 3,
};

/* Which syscall table the call came through. */
enum syscall_abi {
	ABI_X86_64 = 1,
	ABI_IA32 = 2,    /* 32-bit x86 code on an x86_64 kernel */
	ABI_ARM64 = 3,
	ABI_AARCH32 = 4, /* 32-bit Arm code on an arm64 kernel */
};

/* deletion_record.flags */
enum deletion_flags {
	/* rmdir, or unlinkat with AT_REMOVEDIR */
	DELETION_DIRECTORY = 1 << 0,
	/* The path argument is relative: directory_names holds the directory it
	 * is relative to (the working directory, or the one open at dirfd). */
	DELETION_RELATIVE = 1 << 1,
	/* The walk from that directory towards the root stopped before reaching
	 * the process's root: directory_names is only the innermost part. */
	DELETION_DIRECTORY_INCOMPLETE = 1 << 2,
	/* The path argument could not be read from the process's memory. */
	DELETION_PATH_UNREADABLE = 1 << 3,
	/* The path argument filled PATH_ARG_MAX: it may be cut short. */
	DELETION_PATH_TRUNCATED = 1 << 4,
};

/* process_record.flags */
enum process_flags {
	PROCESS_CMDLINE_TRUNCATED = 1 << 0,
	PROCESS_CMDLINE_UNREADABLE = 1 << 1,
};

/* Indexes of the per-CPU loss counters. */
enum lost_counter {
	LOST_DELETIONS = 0,  /* a deletion record found the ring buffer full */
	LOST_PROCESSES = 1,  /* a process record found the ring buffer full */
	LOST_IN_FLIGHT = 2,  /* no task storage to remember a call between enter and exit */
	LOST_COUNTERS,
};

/*
 * A process as it was when it deleted something: pid reuse gives a new
 * start_time, and every execve a new exec_id, so the key names one program
 * image of one process. The command line is sent once per key.
 */
struct process_key {
	__u32 tgid;
	__u32 exec_id;
	__u64 start_time;
};

struct deletion_record {
	__u8 kind;     /* RECORD_DELETION */
	__u8 syscall;  /* enum deletion_syscall */
	__u8 abi;      /* enum syscall_abi */
	__u8 flags;    /* enum deletion_flags */
	__s32 dirfd;   /* as passed to unlinkat; AT_FDCWD for unlink and rmdir */
	__s64 result;  /* the syscall's return value: 0 or -errno */
	__u64 start_ns;   /* CLOCK_MONOTONIC at syscall entry */
	__u64 cgroup_id;
	struct process_key process;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u16 path_len;            /* bytes of the path argument in data[] */
	__u16 directory_names_len; /* bytes of directory names after it */
	char comm[TASK_COMM_LEN];
	/*
	 * The path argument exactly as passed (path_len bytes, no NUL), then,
	 * for a relative one, the names of the directories from the one it is
	 * relative to up to the process's root, innermost first, each ended by
	 * a NUL (a name can hold any byte but '/' and NUL). Records are sent
	 * with only the used part of data[].
	 */
	char data[PATH_ARG_MAX + DIRECTORY_NAMES_MAX + FILE_NAME_MAX + 1];
};

struct ancestor {
	__u32 pid;
	char comm[TASK_COMM_LEN];
};

struct process_record {
	__u8 kind;            /* RECORD_PROCESS */
	__u8 flags;           /* enum process_flags */
	__u8 ancestor_count;
	__u8 reserved;
	__u32 cmdline_len;    /* bytes in cmdline[] */
	struct process_key process;
	struct ancestor ancestors[ANCESTORS_MAX]; /* parent first */
	/* argv as the process holds it: NUL-separated arguments. Records are
	 * sent with only the used part of cmdline[]. */
	char cmdline[CMDLINE_MAX];
};

#endif /* SYSCALL_TRACE_DELETIONS_H */
