/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The records the deletion tracer sends from the kernel to user space.
 *
 * This header is the contract between bpf/deletions.bpf.c, which writes the
 * records into a BPF ring buffer, and native/, which reads them; nothing else
 * is shared. Plain fixed-width types only, so that clang's BPF target and the
 * host compiler lay every struct out identically. docs/wire-protocol.md, "Record
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
/* Traced folders the kernel itself can tell deletions apart by (docs/path-resolution.md,
 * "Scope in the kernel"); with more, user space alone does. */
#define SCOPE_DIRECTORIES_MAX 16
/* Steps taken above where the names ran out, looking for a traced folder only. */
#define SCOPE_WALK_MAX_STEPS 4096
/* Steps of a walk that a task remembers to name its directory again without
 * its names (see DELETION_DIRECTORY_KNOWN); a longer walk is never remembered. */
#define DIRECTORY_MEMO_MAX_STEPS 32
#define CMDLINE_MAX 4096
#define ANCESTORS_MAX 8
/* Bytes of a cgroup's directory name that a process record carries
 * ("docker-<64 hex digits>.scope" is 77). */
#define CGROUP_NAME_MAX 128
/* directory_names_at_root when the walk never passed the process's root. */
#define ROOT_NOT_PASSED 0xffff

enum record_kind {
	RECORD_DELETION = 1,
	RECORD_PROCESS = 2,
};

enum deletion_syscall {
	DELETION_UNLINK = 1,
	DELETION_UNLINKAT = 2,
	DELETION_RMDIR = 3,
	/* A rename takes a name away too: its source's, and where a file was at
	 * its destination, that file's. docs/kernel-programs.md, "Renames". */
	DELETION_RENAME = 4,
	DELETION_RENAMEAT = 5,
	DELETION_RENAMEAT2 = 6,
};

/* Which syscall table the call came through, or io_uring's queue. */
enum syscall_abi {
	ABI_X86_64 = 1,
	ABI_IA32 = 2,    /* 32-bit x86 code on an x86_64 kernel */
	ABI_ARM64 = 3,
	ABI_AARCH32 = 4, /* 32-bit Arm code on an arm64 kernel */
	/* An IORING_OP_UNLINKAT or IORING_OP_RENAMEAT request, submitted through
	 * an io_uring (by the process, or by its ring's SQ-poll thread): syscall
	 * is DELETION_UNLINKAT or DELETION_RENAMEAT. */
	ABI_IO_URING = 5,
};

/* deletion_record.flags */
enum deletion_flags {
	/* rmdir, or unlinkat with AT_REMOVEDIR */
	DELETION_DIRECTORY = 1 << 0,
	/* The directory that holds the deleted name could not be found from the
	 * base directory: directory_names name the base, and the path argument
	 * from lookup_from on must be joined to it as text. */
	DELETION_LOOKUP_FAILED = 1 << 1,
	/* The walk up from the directory stopped before the top it was after
	 * (the host's root, or the process's own in another mount namespace). */
	DELETION_DIRECTORY_INCOMPLETE = 1 << 2,
	/* The path argument could not be read from the process's memory. */
	DELETION_PATH_UNREADABLE = 1 << 3,
	/* The path argument filled PATH_ARG_MAX: it may be cut short. */
	DELETION_PATH_TRUNCATED = 1 << 4,
	/* The process is in another mount namespace than the helper's: the host's
	 * path comes from filesystem_dev and the filesystem names. */
	DELETION_FOREIGN_NAMESPACE = 1 << 5,
	/* The walk from the directory's mount root to its filesystem's root stopped short. */
	DELETION_FILESYSTEM_PATH_INCOMPLETE = 1 << 6,
	/* The argument went through /proc/<pid>/... of a process that is neither the
	 * caller nor one of its ancestors: its base directory is unknown. */
	DELETION_PROC_LINK_UNRESOLVED = 1 << 7,
	/* An io_uring request that io_uring posted no completion entry for
	 * (IOSQE_CQE_SKIP_SUCCESS: the kernel's unlinkat then posts none, failed
	 * or not; or a completion queue that overflowed): its result is not
	 * known, and result is 0. */
	DELETION_RESULT_NOT_POSTED = 1 << 8,
	/* The directory names in this record are those of directory_id: user
	 * space keeps them, for the records that name the directory by its id. */
	DELETION_DIRECTORY_NAMED = 1 << 9,
	/* No directory names in this record (directory_names_len is 0): the
	 * directory is the one an earlier record from the same task sent, with
	 * DELETION_DIRECTORY_NAMED, as directory_id, and nothing on its way to the
	 * root has changed since (docs/path-resolution.md, "Directory names, once").
	 * directory_names_at_root counts bytes of those names. */
	DELETION_DIRECTORY_KNOWN = 1 << 10,
	/* The walk up from the directory met a traced folder: the deletion is in
	 * scope, even where its path is known only in part (a directory too deep
	 * to name in full). */
	DELETION_IN_SCOPE = 1 << 11,
	/* Kernel only, never sent: the walk reached the top without meeting a
	 * traced folder, so the deletion is out of scope. */
	DELETION_OUT_OF_SCOPE = 1 << 12,
	/* Set by user space, never by the kernel: the record was dropped on its
	 * way to JavaScript (the queue was full) and is kept only for its
	 * directory names, which later records may name by directory_id. */
	DELETION_DROPPED = 1 << 15,
};

/*
 * deletion_record.rename: what a rename's records say beyond a deletion's.
 * A rename is sent as two records, one after the other from the same task:
 * first its destination's (RENAME_DESTINATION), then its source's, which
 * carries the rest. Both are built like a deletion's record of their path
 * argument; user space joins them by tid and start_ns.
 */
enum rename_facts {
	/* renameat2's flags as passed (include/uapi/linux/fs.h): RENAME_NOREPLACE 1,
	 * RENAME_EXCHANGE 2, RENAME_WHITEOUT 4. */
	RENAME_FLAGS = 0x7,
	/* What the dentry cache held at the destination as the call began (or
	 * the io_uring request was submitted): a file, or nothing. Neither bit:
	 * not known (no dentry, on a file system that keeps names on disk; a
	 * file system that revalidates its dentries; a name that could not be
	 * read or looked up). */
	RENAME_TARGET_EXISTED = 1 << 3,
	RENAME_TARGET_ABSENT = 1 << 4,
	/* Source and destination were links to one inode: the kernel did nothing. */
	RENAME_SAME_FILE = 1 << 5,
	/* This record is the destination of the rename whose source record follows. */
	RENAME_DESTINATION = 1 << 6,
	/* The destination's record found the ring buffer full: its path is unknown. */
	RENAME_DESTINATION_LOST = 1 << 7,
};

/* process_record.flags */
enum process_flags {
	PROCESS_CMDLINE_TRUNCATED = 1 << 0,
	/* Its pages were not in memory: the kernel sends the process again with
	 * its next deletion, and user space may read /proc meanwhile. */
	PROCESS_CMDLINE_UNREADABLE = 1 << 1,
};

/* Indexes of the per-CPU loss counters. */
enum lost_counter {
	LOST_DELETIONS = 0,  /* a deletion record found the ring buffer full */
	LOST_PROCESSES = 1,  /* a process record found the ring buffer full */
	/* no room to remember a call between enter and exit, nor
	 * to remember an io_uring request between submission and completion */
	LOST_IN_FLIGHT = 2,
	/* Not lost: deletions the kernel found out of scope and did not send. */
	FILTERED_OUT_OF_SCOPE = 3,
	LOST_COUNTERS,
};

/*
 * A process as it was when it deleted something: pid reuse gives a new
 * start_time, and every execve a new exec_id, so the key names one program
 * image of one process, whichever of its threads deleted. The command line is
 * sent once per key. Both come from the process's main thread; start_time is
 * its start_boottime, as /proc/PID/stat gives it (in clock ticks there).
 */
struct process_key {
	__u32 tgid;
	__u32 exec_id;
	__u64 start_time;
};

struct deletion_record {
	__u8 kind;     /* RECORD_DELETION */
	__u8 syscall;  /* enum deletion_syscall */
	__u16 flags;   /* enum deletion_flags */
	__s32 dirfd;   /* as passed to unlinkat; AT_FDCWD for unlink and rmdir */
	__s64 result;  /* the syscall's return value: 0 or -errno */
	__u64 start_ns;   /* CLOCK_MONOTONIC at syscall entry */
	__u64 cgroup_id;
	/* Names the directory for DELETION_DIRECTORY_NAMED and _KNOWN, 0 otherwise:
	 * the deleting thread's id in the high half, and in the low half how many
	 * directories it had named in full, so that no other record can have
	 * chosen the same id while that thread lived (a thread that reuses a dead
	 * one's id sends its names after all of the dead one's records). */
	__u64 directory_id;
	struct process_key process;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 mount_namespace; /* inode number of the task's mount namespace */
	__u32 filesystem_dev;  /* the directory's file system, as the kernel encodes a dev_t */
	__u16 path_len;        /* bytes of the path argument in data[] */
	/* Where, in the path argument, the deleted entry's own name starts. */
	__u16 name_at;
	/* Where the part of the path argument that is relative to the lookup's
	 * base starts: 0, or past a /proc link ("/proc/self/fd/3/"). What is
	 * joined to the base as text when the lookup failed. */
	__u16 lookup_from;
	/* Bytes of directory names: from the directory holding the deleted entry
	 * up to the host's root (or, for another mount namespace, the process's). */
	__u16 directory_names_len;
	/* Bytes of those names below the process's root; ROOT_NOT_PASSED if the
	 * walk never passed it. */
	__u16 directory_names_at_root;
	/* Bytes of those names below the directory's mount root, or below the
	 * process's root where the walk stopped there first; ROOT_NOT_PASSED
	 * where it reached neither. Read for another mount namespace only. */
	__u16 directory_names_at_mount_root;
	/* Bytes of names, after the directory names, from that mount root up to
	 * its file system's root. Another mount namespace only. */
	__u16 filesystem_names_len;
	__u8 abi;      /* enum syscall_abi */
	__u8 rename;   /* enum rename_facts: 0 for a deletion */
	/* The process's name (its main thread's), and the name of the thread
	 * that deleted, which a thread may set for itself (PR_SET_NAME). */
	char comm[TASK_COMM_LEN];
	char thread_name[TASK_COMM_LEN];
	/*
	 * The path argument exactly as passed (path_len bytes, no NUL), then the
	 * directory names, then the file system names: innermost first, each
	 * ended by a NUL (a name can hold any byte but '/' and NUL). Records are
	 * sent with only the used part of data[].
	 */
	char data[PATH_ARG_MAX + DIRECTORY_NAMES_MAX + FILE_NAME_MAX + 1];
};

/* A process above the deleting one: its pid and its name (its main thread's). */
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
	/* The names of the process's cgroup (v2) directory and of the one above
	 * it, NUL-terminated: where a container engine names its container. */
	char cgroup_name[CGROUP_NAME_MAX];
	char cgroup_parent_name[CGROUP_NAME_MAX];
	/* argv as the process holds it: NUL-separated arguments. Records are
	 * sent with only the used part of cmdline[]. */
	char cmdline[CMDLINE_MAX];
};

#endif /* SYSCALL_TRACE_DELETIONS_H */
