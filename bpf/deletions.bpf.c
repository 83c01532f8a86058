// SPDX-License-Identifier: GPL-2.0
/*
 * Every file deletion on the machine: which path, which process, what result.
 *
 * At a deletion call's entry, remember_call() keeps its arguments for the
 * thread (kernel_compat.bpf.h says where, on each kernel). At its exit,
 * report_call() builds the record while the deleting task is still current:
 * the path argument (the kernel has just copied it, so its page is
 * resident), the directory a relative path is relative to, resolved to the
 * root, the process context, and the result. Records go to
 * user space through one ring buffer; a command line goes once per process
 * image, ahead of that process's first deletion.
 *
 * Two sets of programs call them; user space loads one set or the other:
 *   raw: raw_tp/sys_enter and raw_tp/sys_exit run for every syscall of every
 *     task and keep only the deletion syscalls, by number, in every ABI of the
 *     architecture (32-bit programs included).
 *   tracepoint: tracepoint/syscalls/sys_{enter,exit}_<name>, one pair per
 *     deletion syscall, run for those syscalls alone, so no other syscall pays
 *     for a program. The kernel does not report 32-bit calls on a 64-bit
 *     kernel through these tracepoints (ARCH_TRACE_IGNORE_COMPAT_SYSCALLS), so
 *     this set cannot see them.
 *
 * Both sets are joined by the io_uring programs, which see IORING_OP_UNLINKAT
 * requests: the record is built when the request is submitted (the path
 * argument is then the kernel's copy, which the request frees as it runs) and
 * sent with the result at its completion.
 *
 * docs/kernel-programs.md, "Kernel programs (bpf/)" and "Path resolution", tells the
 * whole story and what each mode costs.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "kernel_compat.bpf.h"
#include "deletions.h"
#include "deletion_syscalls.h"

#define AT_FDCWD -100
#define AT_REMOVEDIR 0x200
#define ENAMETOOLONG 36

char LICENSE[] SEC("license") = "GPL";

/*
 * Written by user space through the skeleton's mmapped data sections.
 *
 * generation: bumped before each attach, so that a call left between enter and
 * exit by an earlier attach (detached in the middle) is never reported with
 * the result of some later syscall.
 * deletions_in_flight: deletion calls between entry and exit. raw_tp/sys_exit
 * runs after every syscall of the machine and returns at once while it is 0;
 * user space zeroes it with each new generation.
 * report_failed: whether calls that failed are reported too.
 * host_mount_namespace: set once, before load.
 */
__u32 generation = 1;
__u64 deletions_in_flight;
bool report_failed;
/* The helper's own mount namespace (its inode number): a deletion in any
 * other is named on the host through its file system (see walk_to_root()). */
__u32 host_mount_namespace;
/* User space moves it to make every task forget the directory it remembers
 * (user space has forgotten their names). */
__u32 directory_epoch;

/* The tracepoint set's gates, where user space keeps its perf events on a
 * kernel without BPF links for them (before 5.15): a program put on such an
 * event runs until the event is closed, so it stays on from the first attach
 * to the end, and user space closes these instead of detaching it. Open
 * (false) wherever the programs are attached and detached through links. */
bool tracepoint_entries_closed;
bool tracepoint_exits_closed;

/*
 * The traced folders, by their dentries (docs/path-resolution.md, "Scope in the
 * kernel"). User space holds each folder open, so its dentry cannot be freed
 * and its address stands for it alone; it shows them to the kernel by
 * deleting the empty name in each (unlinkat(fd, "", 0) fails with ENOENT)
 * while scope_learning is set, and report_call() writes down the dentry of
 * that call's directory in scope_directories. scope_parents are the folders'
 * own directories, where a folder itself may be deleted. While scope_active
 * is false every deletion goes to user space; scope_generation moves with
 * every change, so that no task's memo keeps a verdict from another scope.
 */
bool scope_active;
bool scope_learning;
__u32 helper_tgid;
__u32 scope_generation;
__u32 scope_count;
__u64 scope_parents[SCOPE_DIRECTORIES_MAX];

/* A hash, not an array searched in a loop: every step of every walk asks
 * it, and a loop there multiplied what the verifier walks through. User
 * space empties it with each new scope. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SCOPE_DIRECTORIES_MAX);
	__type(key, __u64);
	__type(value, __u8);
} scope_directories SEC(".maps");

struct call_in_flight {
	__u64 start_ns;
	__u64 path;       /* address of the path argument: the process's, or the kernel's where path_in_kernel */
	__u64 new_path;   /* a rename's destination argument, likewise */
	/* A rename's destination inode as the call began (RENAME_TARGET_EXISTED),
	 * to tell at its exit a rename between two links to one file. */
	__u64 target;
	__s32 dirfd;
	__s32 new_dirfd;  /* a rename's destination dirfd */
	__u32 generation; /* 0 once the call has been reported */
	__u8 syscall;
	__u8 abi;
	bool directory;
	bool path_in_kernel;
	__u8 rename;      /* enum rename_facts known at entry: the flags, and what the destination held */
};

/* Each thread's call between entry and exit (kernel_compat.bpf.h). */
struct {
	PER_THREAD_MAP(struct call_in_flight);
} calls_in_flight SEC(".maps");

/* Size is set by user space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
} records SEC(".maps");

/* A record being built, with the generation of the attach that saw its call
 * begin: io_uring keeps it whole, by request, until the request completes. */
struct record_in_progress {
	__u32 generation;
	__u32 reserved;
	struct deletion_record record;
};

/* Where records are built, then sent with only their used bytes: slots for
 * the syscalls and for io_uring's requests, each with one for a rename's
 * destination. Global functions find the record here by its slot, since
 * 5.10's verifier lets them take numbers only. */
enum record_slot {
	SYSCALL_RECORD = 0,
	IO_URING_RECORD = 1,
	SYSCALL_DESTINATION_RECORD = 2,
	IO_URING_DESTINATION_RECORD = 3,
	RECORD_SLOTS,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RECORD_SLOTS);
	__type(key, __u32);
	__type(value, struct record_in_progress);
} deletion_scratch SEC(".maps");

static __always_inline struct record_in_progress *record_in_slot(__u32 slot)
{
	return bpf_map_lookup_elem(&deletion_scratch, &slot);
}

static __always_inline struct deletion_record *record_of_slot(__u32 slot)
{
	struct record_in_progress *built = record_in_slot(slot);

	return built ? &built->record : NULL;
}

/* The call being reported (a copy of the thread's, or an io_uring request's),
 * by record slot (SYSCALL_RECORD, IO_URING_RECORD): kept off the stack, which
 * the programs and the functions they call share, 512 bytes in all. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct call_in_flight);
} call_scratch SEC(".maps");

static __always_inline struct call_in_flight *call_in_slot(__u32 slot)
{
	return bpf_map_lookup_elem(&call_scratch, &slot);
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct process_record);
} process_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LOST_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* Process images whose command line user space has. Eviction only means a
 * command line is sent again; user space also deletes keys it forgets. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct process_key);
	__type(value, __u8);
} processes_reported SEC(".maps");

static __always_inline void count_lost(__u32 counter)
{
	__u64 *count = bpf_map_lookup_elem(&lost, &counter);

	/* Atomic although per-CPU: a program on an io_uring tracepoint can run
	 * inside another's interrupted increment on the same CPU. */
	if (count)
		__sync_fetch_and_add(count, 1);
}

#define CANDIDATE_NUMBER(nr, syscall, name) case nr:
#define SYSCALL_FOR_NUMBER(nr, syscall, name) case nr: return syscall;

/* True for every number that is a deletion in some ABI of this architecture. */
static __always_inline bool might_delete(long nr)
{
	switch (nr) {
	NATIVE_DELETION_SYSCALLS(CANDIDATE_NUMBER)
	COMPAT_DELETION_SYSCALLS(CANDIDATE_NUMBER)
		return true;
	default:
		return false;
	}
}

static __always_inline __u8 native_deletion(long nr)
{
	switch (nr) {
	NATIVE_DELETION_SYSCALLS(SYSCALL_FOR_NUMBER)
	default:
		return 0;
	}
}

static __always_inline __u8 compat_deletion(long nr)
{
	switch (nr) {
	COMPAT_DELETION_SYSCALLS(SYSCALL_FOR_NUMBER)
	default:
		return 0;
	}
}

static __always_inline bool is_rename(__u8 syscall)
{
	return syscall == DELETION_RENAME || syscall == DELETION_RENAMEAT || syscall == DELETION_RENAMEAT2;
}

#include "directory_walk.bpf.h"
#include "directory_lookup.bpf.h"
#include "proc_links.bpf.h"

/* The directory a relative path is relative to: the working directory, or
 * the file open at dirfd. False where dirfd names no open file. */
static __always_inline bool directory_of(struct task_struct *task, int dirfd,
					 struct dentry **dentry, struct vfsmount **vfsmnt)
{
	if (dirfd == AT_FDCWD) {
		read_path(&TASK_READ(task, fs)->pwd, dentry, vfsmnt);
		return *dentry && *vfsmnt;
	}

	/* Where the current task is a BTF pointer, its file table is plain
	 * loads (file_of() serves any task, through helper reads). */
	struct fdtable *fdt = TASK_READ(task, files, fdt);
	struct file **fds = TASK_READ(fdt, fd);
	struct file *file = NULL;

	if (dirfd < 0 || (unsigned int)dirfd >= TASK_READ(fdt, max_fds))
		return false;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[dirfd]) || !file)
		return false;
	read_path(&file->f_path, dentry, vfsmnt);
	return *dentry && *vfsmnt;
}

/*
 * Where the deleted entry's own name starts in the path argument: after the
 * last '/' that is followed by something other than slashes ("a/b/" names
 * b). A name longer than a name can be, or after more trailing slashes than
 * are looked at, gives 0: the whole argument is then joined as text.
 *
 * Plain loops, far cheaper per byte than bpf_loop()'s indirect calls; a
 * global function, so that the verifier follows each of their ends once,
 * here, and the caller sees only a number.
 */
__noinline int own_name_start(__u32 slot, __u32 path_len)
{
	struct deletion_record *rec = record_of_slot(slot);

	if (!rec || path_len > PATH_ARG_MAX)
		return 0;

	__u32 end = path_len;

	for (int i = 0; i < TRAILING_SLASHES_MAX && end > 1 && rec->data[(end - 1) & (PATH_ARG_MAX - 1)] == '/'; i++)
		end--;
	if (end > 1 && rec->data[(end - 1) & (PATH_ARG_MAX - 1)] == '/')
		return 0;
	for (int i = 0; i < FILE_NAME_MAX + 1; i++) {
		if (end == 0 || rec->data[(end - 1) & (PATH_ARG_MAX - 1)] == '/')
			return end;
		end--;
	}
	return 0;
}

/* User space shows the kernel a traced folder with unlinkat(fd, "", 0):
 * the directory of that call goes into scope_directories. */
static __always_inline void learn_scope_directory(struct task_struct *task, struct call_in_flight *call)
{
	__u32 index = scope_count;
	char first = 1;
	struct dentry *dentry;
	struct vfsmount *vfsmnt;

	if (call->syscall != DELETION_UNLINKAT || call->dirfd < 0 || index >= SCOPE_DIRECTORIES_MAX)
		return;
	if (bpf_probe_read_user(&first, 1, (void *)call->path) || first != 0)
		return;
	if (!directory_of(task, call->dirfd, &dentry, &vfsmnt))
		return;
	static const __u8 traced = 1;
	__u64 key = (__u64)dentry;

	if (bpf_map_update_elem(&scope_directories, &key, &traced, BPF_ANY))
		return;
	scope_parents[index & (SCOPE_DIRECTORIES_MAX - 1)] = (__u64)BPF_CORE_READ(dentry, d_parent);
	scope_count = index + 1;
}

static __always_inline void report_process(struct task_struct *task, struct process_key *key)
{
	static const __u8 reported = 1;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(&processes_reported, key))
		return;

	struct process_record *rec = bpf_map_lookup_elem(&process_scratch, &zero);
	if (!rec)
		return;

	rec->kind = RECORD_PROCESS;
	rec->flags = 0;
	rec->process = *key;

	/* A parent is the thread that forked, which may have a name of its own:
	 * each ancestor is named by its process's main thread. */
	struct task_struct *ancestor = TASK_READ(task, real_parent);
	__u8 count = 0;

	for (int i = 0; i < ANCESTORS_MAX; i++) {
		int pid = TASK_READ(ancestor, tgid);

		if (pid <= 0)
			break; /* past init, at the idle task */
		rec->ancestors[i].pid = pid;
		bpf_probe_read_kernel_str(rec->ancestors[i].comm, TASK_COMM_LEN, TASK_READ(ancestor, group_leader)->comm);
		count++;
		ancestor = TASK_READ(ancestor, group_leader, real_parent);
	}
	rec->ancestor_count = count;

	struct kernfs_node *cgroup = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn);
	struct kernfs_node *cgroup_parent;

	if (bpf_core_field_exists(cgroup->__parent))
		cgroup_parent = BPF_CORE_READ(cgroup, __parent);
	else
		cgroup_parent = BPF_CORE_READ((struct kernfs_node___old *)cgroup, parent);
	rec->cgroup_name[0] = 0;
	rec->cgroup_parent_name[0] = 0;
	if (cgroup)
		bpf_probe_read_kernel_str(rec->cgroup_name, CGROUP_NAME_MAX, BPF_CORE_READ(cgroup, name));
	if (cgroup_parent)
		bpf_probe_read_kernel_str(rec->cgroup_parent_name, CGROUP_NAME_MAX, BPF_CORE_READ(cgroup_parent, name));

	struct mm_struct *mm = TASK_READ(task, mm);
	unsigned long arg_start = TASK_READ(mm, arg_start);
	unsigned long len = TASK_READ(mm, arg_end) - arg_start;

	if (len > CMDLINE_MAX) {
		len = CMDLINE_MAX;
		rec->flags |= PROCESS_CMDLINE_TRUNCATED;
	}
	if (bpf_probe_read_user(rec->cmdline, len, (void *)arg_start)) {
		len = 0;
		rec->flags |= PROCESS_CMDLINE_UNREADABLE;
	}
	rec->cmdline_len = len;

	if (bpf_ringbuf_output(&records, rec, offsetof(struct process_record, cmdline) + len, 0)) {
		count_lost(LOST_PROCESSES);
		return; /* not marked as reported: the next deletion tries again */
	}
	/* A command line whose pages were out of memory is not marked either:
	 * the next deletion tries again (reads here cannot fault pages in). */
	if (!(rec->flags & PROCESS_CMDLINE_UNREADABLE))
		bpf_map_update_elem(&processes_reported, key, &reported, BPF_ANY);
}

/*
 * In scope or out, where the kernel can tell (docs/path-resolution.md, "Scope in the
 * kernel"): out only where the walk reached the root of the helper's own
 * mount namespace without meeting a traced folder, and the directory is not
 * one that holds a traced folder (which may itself be what was deleted).
 * What the kernel cannot tell (another mount namespace, whose host path
 * user space finds; a failed lookup, whose text user space joins) is left to
 * user space. `complete`: whether walk_to_root() reached its end.
 */
static __always_inline void decide_scope(struct deletion_record *rec, struct walk *walk, struct dentry *dentry,
					 struct vfsmount *vfsmnt, bool complete)
{
	const struct walk_ends *ends = &walk->ends;

	if (!scope_active)
		return;
	if (rec->flags & DELETION_LOOKUP_FAILED) {
		/* The text may climb out of what the names name. */
		rec->flags &= ~DELETION_IN_SCOPE;
		return;
	}
	if ((rec->flags & DELETION_IN_SCOPE) || ends->foreign || scope_set_holds(scope_parents, (__u64)dentry))
		return;
	if (!complete) {
		enum scope_walk_end end = walk_to_scope(walk, dentry, vfsmnt);

		if (end == SCOPE_WALK_MET)
			rec->flags |= DELETION_IN_SCOPE;
		else if (end == SCOPE_WALK_TOP)
			rec->flags |= DELETION_OUT_OF_SCOPE;
		return;
	}
	rec->flags |= DELETION_OUT_OF_SCOPE;
}

/*
 * Writes the names of the directory resolve_directory() found (in
 * walk_in_progress()->found) into the slot's record, after the path
 * argument: see walk_to_root(). A global function of its own, for the reason
 * resolve_directory() is one: the verifier then checks the walks once, not
 * once for every way the lookup before them can end. Like every global
 * function here it takes numbers only, which is all 5.10 lets them take.
 */
__noinline int name_directory(__u32 slot, __u32 path_len, int memoize)
{
	struct deletion_record *rec = record_of_slot(slot);
	struct walk *walk = walk_in_progress();

	if (!rec || !walk)
		return 0;

	struct task_struct *task = current_task();
	struct dentry *dentry = walk->found.dentry;
	struct vfsmount *vfsmnt = walk->found.vfsmnt;

	walk->ends.start_mnt = vfsmnt;
	walk->ends.foreign = (rec->flags & DELETION_FOREIGN_NAMESPACE) != 0;
	read_walk_ends(task, &walk->ends);

	/* Another mount namespace is named through its file system as well,
	 * which the memo does not cover: it is always named in full. */
	struct directory_memo *memo = NULL;

	if (memoize && !walk->ends.foreign)
		memo = THREAD_DIRECTORY_MEMO(true);
	if (memo && memo_matches()) {
		rec->flags |= DELETION_DIRECTORY_KNOWN | memo->scope_verdict;
		rec->directory_id = memo->id;
		rec->directory_names_at_root = memo->at_root;
		return 0;
	}
	if (memo)
		memo->id = 0; /* until the walk below has been remembered in full */

	start_walk(walk, path_len, dentry, vfsmnt);

	bool complete = walk_to_root(slot, rec, walk, memo);

	if (!complete)
		rec->flags |= DELETION_DIRECTORY_INCOMPLETE;
	if (walk->ends.foreign) {
		/* Where the walk left the directory's mount, or stopped inside it. */
		struct dentry *mount_top = rec->directory_names_at_root == rec->directory_names_at_mount_root &&
						   rec->directory_names_at_root != ROOT_NOT_PASSED
					   ? walk->ends.root_dentry
					   : BPF_CORE_READ(vfsmnt, mnt_root);

		rec->filesystem_dev = BPF_CORE_READ(vfsmnt, mnt_sb, s_dev);
		if (!walk_to_filesystem_root(slot, rec, walk, mount_top))
			rec->flags |= DELETION_FILESYSTEM_PATH_INCOMPLETE;
	}
	decide_scope(rec, walk, dentry, vfsmnt, complete);

	if (complete && memo && memo->steps <= DIRECTORY_MEMO_MAX_STEPS) {
		/* Only the task writes its memo, so its count needs no atomics. */
		if (++memo->named == 0)
			memo->named = 1; /* 0 would be no id */
		memo->id = ((__u64)TASK_READ(task, pid) << 32) | memo->named;
		memo->epoch = directory_epoch;
		memo->root_dentry = (__u64)walk->ends.root_dentry;
		memo->root_mnt = (__u64)walk->ends.root_mnt;
		memo->at_root = rec->directory_names_at_root;
		memo->scope_generation = scope_generation;
		memo->scope_verdict = rec->flags & (DELETION_IN_SCOPE | DELETION_OUT_OF_SCOPE);
		rec->directory_id = memo->id;
		rec->flags |= DELETION_DIRECTORY_NAMED;
	}
	return 0;
}

/* What resolve_directory() found for name_directory() to name. */
enum directory_found {
	DIRECTORY_NOT_FOUND = 0,    /* not even the base: the argument's text is all there is */
	DIRECTORY_FOUND = 1,
	DIRECTORY_BASE_ONLY = 2,    /* the lookup failed: the base is named, the text finishes it */
};

/*
 * Finds the directory that held the deleted name, from the path argument in
 * the slot's record: see docs/path-resolution.md, "Path resolution". Returns an enum
 * directory_found, and the directory in walk_in_progress()->found.
 *
 * A global function, so that the verifier checks it once, on its own, rather
 * than once for every state the caller reaches it in. Its caller, not it,
 * calls name_directory(): chained, the two global functions' stacks and
 * those of the functions each calls added up past the 512 bytes a program
 * may use on kernels without private stacks.
 */
__noinline int resolve_directory(__u32 slot, __u32 path_len, int dirfd)
{
	struct deletion_record *rec = record_of_slot(slot);
	struct walk *walk = walk_in_progress();

	if (!rec || !walk)
		return DIRECTORY_NOT_FOUND;

	struct task_struct *task = current_task();
	struct place *found = &walk->found;
	/* The process's root, read only where an absolute argument or a lookup
	 * needs it: not for the usual name relative to a dirfd. */
	struct dentry *root_dentry = NULL;
	struct vfsmount *root_mnt = NULL;
	struct dentry *dentry = NULL;
	struct vfsmount *vfsmnt = NULL;
	__u32 lookup_from = 0;
	bool base_found;

	rec->mount_namespace = TASK_READ(task, nsproxy, mnt_ns, ns.inum);
	if (host_mount_namespace && rec->mount_namespace != host_mount_namespace)
		rec->flags |= DELETION_FOREIGN_NAMESPACE;

	if (rec->data[0] != '/') {
		base_found = directory_of(task, dirfd, &dentry, &vfsmnt);
	} else {
		/* It leaves where the link leads in *found, and where the rest
		 * of the argument starts in rec->lookup_from. */
		found->dentry = NULL;
		found->vfsmnt = NULL;
		rec->lookup_from = 0;

		int link = proc_link_base(slot, path_len);

		lookup_from = link == PROC_LINK_NONE ? 0 : rec->lookup_from;
		dentry = found->dentry;
		vfsmnt = found->vfsmnt;
		if (link == PROC_LINK_UNRESOLVED)
			rec->flags |= DELETION_PROC_LINK_UNRESOLVED;
		if (link == PROC_LINK_NONE) {
			read_path(&TASK_READ(task, fs)->root, &root_dentry, &root_mnt);
			dentry = root_dentry;
			vfsmnt = root_mnt;
		}
		base_found = link != PROC_LINK_UNRESOLVED && dentry && vfsmnt;
	}

	/* Both go through the record, whose contents the verifier does not
	 * track, so that it need not follow each possible value on its own. */
	rec->lookup_from = lookup_from;
	rec->name_at = own_name_start(slot, path_len);
	if (rec->name_at < rec->lookup_from)
		rec->name_at = rec->lookup_from;
	lookup_from = rec->lookup_from;

	__u32 name_at = rec->name_at;
	if (!base_found) {
		rec->flags |= DELETION_LOOKUP_FAILED | DELETION_DIRECTORY_INCOMPLETE;
		return DIRECTORY_NOT_FOUND;
	}
	found->dentry = dentry;
	found->vfsmnt = vfsmnt;
	if (name_at <= lookup_from)
		return DIRECTORY_FOUND;

	if (!root_dentry)
		read_path(&TASK_READ(task, fs)->root, &root_dentry, &root_mnt);
	if (lookup_directory(rec, lookup_from, name_at, &dentry, &vfsmnt, root_dentry, root_mnt)) {
		found->dentry = dentry;
		found->vfsmnt = vfsmnt;
		return DIRECTORY_FOUND;
	}
	/* Where the lookup fails, the names are the base's, and the record's
	 * own text finishes them: only a directory found is remembered. */
	rec->flags |= DELETION_LOOKUP_FAILED;
	return DIRECTORY_BASE_ONLY;
}

/*
 * Builds the record of the call in rec, as the current task made it, with
 * `result`: the part of a deletion's report that the syscalls and io_uring
 * share, and a rename's for each of its two paths. `path` and `dirfd` are
 * the call's (or, for a rename's destination, its new_path and new_dirfd).
 * With `find_entry`, returns what cached_entry() finds for the path's own
 * name in the directory that holds it; else, or where that directory was
 * not found, ENTRY_NOT_SEARCHED.
 */
static __always_inline __u64 build_deletion(__u32 slot, struct deletion_record *rec, struct task_struct *task,
					    struct call_in_flight *call, __u64 path, int dirfd, long result,
					    struct process_key *key, bool memoize, bool find_entry)
{
	rec->kind = RECORD_DELETION;
	rec->syscall = call->syscall;
	rec->abi = call->abi;
	rec->flags = call->directory ? DELETION_DIRECTORY : 0;
	rec->dirfd = dirfd;
	rec->result = result;
	rec->start_ns = call->start_ns;
	rec->cgroup_id = bpf_get_current_cgroup_id();
	rec->process = *key;
	rec->tid = TASK_READ(task, pid);
	rec->ppid = TASK_READ(task, real_parent, tgid);
	rec->uid = (__u32)bpf_get_current_uid_gid();
	bpf_probe_read_kernel_str(rec->comm, sizeof(rec->comm), TASK_READ(task, group_leader)->comm);
	bpf_get_current_comm(rec->thread_name, sizeof(rec->thread_name));
	rec->mount_namespace = 0;
	rec->filesystem_dev = 0;
	rec->directory_id = 0;
	rec->name_at = 0;
	rec->lookup_from = 0;
	rec->directory_names_len = 0;
	rec->directory_names_at_root = ROOT_NOT_PASSED;
	rec->directory_names_at_mount_root = ROOT_NOT_PASSED;
	rec->filesystem_names_len = 0;
	rec->rename = 0;

	long n = call->path_in_kernel ? bpf_probe_read_kernel_str(rec->data, PATH_ARG_MAX, (void *)path)
				      : bpf_probe_read_user_str(rec->data, PATH_ARG_MAX, (void *)path);
	__u32 path_len = 0;
	__u64 entry = ENTRY_NOT_SEARCHED;

	if (n <= 0) {
		rec->flags |= DELETION_PATH_UNREADABLE;
	} else {
		path_len = (n - 1) & (PATH_ARG_MAX - 1);
		if (n == PATH_ARG_MAX && result == -ENAMETOOLONG)
			rec->flags |= DELETION_PATH_TRUNCATED;

		int found = resolve_directory(slot, path_len, dirfd);

		/* Before name_directory(), which walks on from the directory found. */
		if (find_entry && found == DIRECTORY_FOUND)
			entry = cached_entry(slot, path_len);
		if (found != DIRECTORY_NOT_FOUND)
			name_directory(slot, path_len, memoize && found == DIRECTORY_FOUND);
	}
	rec->path_len = path_len;
	return entry;
}

/* Writes a built record into the ring buffer with only its used bytes;
 * false where it found no room. */
static __always_inline bool output_record(struct deletion_record *rec)
{
	__u32 size = offsetof(struct deletion_record, data) + rec->path_len + rec->directory_names_len +
		     rec->filesystem_names_len;

	if (size > sizeof(*rec))
		return false; /* cannot happen; tells the verifier the size is bounded */
	return bpf_ringbuf_output(&records, rec, size, 0) == 0;
}

/* Sends a built deletion's record; false where it was lost. One out of
 * scope is counted and not sent. */
static __always_inline bool send_deletion(struct deletion_record *rec)
{
	if (rec->flags & DELETION_OUT_OF_SCOPE) {
		count_lost(FILTERED_OUT_OF_SCOPE);
		return true;
	}
	if (!output_record(rec)) {
		count_lost(LOST_DELETIONS);
		return false;
	}
	return true;
}

static __always_inline struct process_key process_key_of(struct task_struct *task)
{
	struct task_struct *leader = TASK_READ(task, group_leader);
	struct process_key key = {
		.tgid = TASK_READ(task, tgid),
		.exec_id = (__u32)TASK_READ(leader, self_exec_id),
		.start_time = TASK_READ(leader, start_boottime),
	};
	return key;
}

#include "renames.bpf.h"

/*
 * Remembers a deletion or rename call at its entry, for report_call() at its
 * exit. arg1..arg5 are the call's arguments as the task passed them
 * (unlinkat: dirfd, path, flags; unlink and rmdir: path; rename: old, new;
 * renameat: olddirfd, old, newdirfd, new; renameat2: the same and flags);
 * compat says they come from a 32-bit task.
 */
static __always_inline void remember_call(__u8 syscall, bool compat, unsigned long arg1, unsigned long arg2,
					  unsigned long arg3, unsigned long arg4, unsigned long arg5)
{
	struct call_in_flight none = {};
	struct call_in_flight *call = thread_value(&calls_in_flight, &none);

	if (!call) {
		count_lost(LOST_IN_FLIGHT);
		return;
	}

	/* Which arguments are the paths and the dirfds: the *at calls take a dirfd first. */
	bool at = syscall == DELETION_UNLINKAT || syscall == DELETION_RENAMEAT || syscall == DELETION_RENAMEAT2;
	bool rename = is_rename(syscall);
	unsigned long path = at ? arg2 : arg1;
	unsigned long new_path = syscall == DELETION_RENAME ? arg2 : arg4;

	if (compat) {
		/* the upper half of the register is not part of a 32-bit pointer */
		path = (__u32)path;
		new_path = (__u32)new_path;
	}

	if (call->generation != generation)
		__sync_fetch_and_add(&deletions_in_flight, 1);
	call->start_ns = bpf_ktime_get_ns();
	call->path = path;
	call->dirfd = at ? (int)arg1 : AT_FDCWD; /* the kernel takes these arguments as int */
	call->syscall = syscall;
	call->abi = compat ? COMPAT_ABI : NATIVE_ABI;
	call->directory = syscall == DELETION_RMDIR || (syscall == DELETION_UNLINKAT && ((int)arg3 & AT_REMOVEDIR));
	call->path_in_kernel = false;
	call->rename = 0;
	call->target = 0;
	if (rename) {
		call->new_path = new_path;
		call->new_dirfd = at ? (int)arg3 : AT_FDCWD;
		if (syscall == DELETION_RENAMEAT2)
			call->rename = (__u32)arg5 & RENAME_FLAGS;
		/* Before the kernel's own lookup of it: what is there now. */
		call->rename |= destination_at_entry(call);
	}
	call->generation = generation;
}

SEC("raw_tp/sys_enter")
int trace_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	long nr = ctx->args[1];

	/* The common path: any syscall that cannot be a deletion ends here. */
	if (!might_delete(nr))
		return 0;

	struct task_struct *task = current_task();
	bool compat = in_compat_syscall(task);
	__u8 syscall = compat ? compat_deletion(nr) : native_deletion(nr);

	if (!syscall)
		return 0; /* a deletion's number, but in the other ABI's table */

	/* ctx->args[0] is the task's saved user registers. raw_tp arguments are
	 * untyped to the verifier, so they are read through CO-RE (probe) reads. */
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];

	if (compat)
		remember_call(syscall, true, COMPAT_ARG1(regs), COMPAT_ARG2(regs), COMPAT_ARG3(regs),
			      is_rename(syscall) ? COMPAT_ARG4(regs) : 0, is_rename(syscall) ? COMPAT_ARG5(regs) : 0);
	else
		remember_call(syscall, false, PT_REGS_PARM1_CORE(regs), PT_REGS_PARM2_CORE(regs),
			      PT_REGS_PARM3_CORE(regs), is_rename(syscall) ? NATIVE_ARG4(regs) : 0,
			      is_rename(syscall) ? NATIVE_ARG5(regs) : 0);
	return 0;
}

/* Reports the deletion or rename call that the current task remembered at
 * its entry, now that it returned `result`. */
static __always_inline void report_call(long result)
{
	struct task_struct *task = current_task();
	struct call_in_flight *stored = thread_value(&calls_in_flight, NULL);
	struct call_in_flight *call = call_in_slot(SYSCALL_RECORD);

	if (!stored)
		return;
	if (stored->generation != generation || !call) {
		forget_thread_value(&calls_in_flight); /* an earlier attach's */
		return;
	}

	/* A copy: where the thread's value is freed now, its memory may serve
	 * another thread's call at once. */
	*call = *stored;

	stored->generation = 0;
	forget_thread_value(&calls_in_flight);
	__sync_fetch_and_add(&deletions_in_flight, -1);

	if (scope_learning && TASK_READ(task, tgid) == helper_tgid) {
		learn_scope_directory(task, call);
		return;
	}

	if (result < 0 && !report_failed)
		return;

	struct process_key key = process_key_of(task);

	if (is_rename(call->syscall)) {
		report_rename(task, call, result, &key);
		return;
	}

	struct deletion_record *rec = record_of_slot(SYSCALL_RECORD);

	if (!rec)
		return;
	build_deletion(SYSCALL_RECORD, rec, task, call, call->path, call->dirfd, result, &key, true, false);
	/* Ahead of the deletion in the ring buffer; not for one out of scope. */
	if (!(rec->flags & DELETION_OUT_OF_SCOPE))
		report_process(task, &key);
	if (!send_deletion(rec) && (rec->flags & DELETION_DIRECTORY_NAMED)) {
		/* The names never reached user space: no later record may name them by id. */
		struct directory_memo *memo = THREAD_DIRECTORY_MEMO(false);

		if (memo)
			memo->id = 0;
	}
}

SEC("raw_tp/sys_exit")
int trace_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	/* The common path: no deletion is in progress anywhere. */
	if (!deletions_in_flight)
		return 0;

	report_call(ctx->args[1]);
	return 0;
}

/*
 * The tracepoint set: for each deletion or rename syscall of the native table, a program
 * on its entry and one on its exit, named enter_<name> and exit_<name>.
 */
static __always_inline void remember_native_call(__u8 syscall, struct syscall_enter_event *ctx)
{
	struct task_struct *task = current_task();

	/* The kernel keeps 32-bit calls away from these tracepoints, because it
	 * would look their numbers up in the native table (the 32-bit swapon is
	 * number 87, unlink's). Checked here too, so that a kernel built without
	 * that rule still reports no other call as a deletion. */
	if (tracepoint_entries_closed || in_compat_syscall(task))
		return;
	/* Only the arguments a call has are read: after inlining, each
	 * program loads no more of its context than its syscall's arguments,
	 * which is all the kernel lets it read. */
	remember_call(syscall, false, ctx->args[0], ctx->args[1], ctx->args[2], ctx->args[3], ctx->args[4]);
}

#define SYSCALL_TRACEPOINT_PROGRAMS(nr, syscall, name)          \
	SEC("tracepoint/syscalls/sys_enter_" #name)              \
	int enter_##name(struct syscall_enter_event *ctx)         \
	{                                                         \
		remember_native_call(syscall, ctx);               \
		return 0;                                         \
	}                                                         \
	SEC("tracepoint/syscalls/sys_exit_" #name)               \
	int exit_##name(struct syscall_exit_event *ctx)           \
	{                                                         \
		if (!tracepoint_exits_closed)                     \
			report_call(ctx->ret);                    \
		return 0;                                         \
	}

NATIVE_DELETION_SYSCALLS(SYSCALL_TRACEPOINT_PROGRAMS)

#include "io_uring_requests.bpf.h"
