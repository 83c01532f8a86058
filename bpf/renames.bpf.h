/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Renames: a name taken away by moving its file elsewhere, and, where a file
 * was at the destination, that file's name and content gone with no unlink
 * at all (docs/kernel-programs.md, "Renames").
 *
 * A rename is sent as two deletion records, one for each of its paths,
 * built as a deletion's record is: first the destination's
 * (RENAME_DESTINATION), then the source's, which carries the call's facts in
 * `rename`. Neither uses the thread's directory memo: a rename's two
 * directories would take turns in it, and a record that named its
 * directory by id alone could follow one whose names went unsent because
 * it was out of scope. Both are always named in full.
 *
 * Whether a file was at the destination is read off the dentry cache before
 * the kernel's own lookup of it: at the call's entry, or at an io_uring
 * request's submission. At the exit, with the result, the destination holds
 * the moved file, which says whether a directory moved and whether source
 * and destination were one file.
 *
 * Included by deletions.bpf.c, after build_deletion().
 */
#ifndef SYSCALL_TRACE_RENAMES_BPF_H
#define SYSCALL_TRACE_RENAMES_BPF_H

/* include/uapi/linux/magic.h: file systems that keep every name of theirs in
 * the dentry cache (shmem pins each dentry it makes), so that no dentry
 * means no file. */
#define TMPFS_MAGIC 0x01021994
#define RAMFS_MAGIC 0x858458f6

static __always_inline __u32 revalidate_flag(void)
{
	if (bpf_core_enum_value_exists(enum dentry_flags, DCACHE_OP_REVALIDATE))
		return bpf_core_enum_value(enum dentry_flags, DCACHE_OP_REVALIDATE);
	return 0x4;
}

static __always_inline bool is_dentry(__u64 entry)
{
	return entry != ENTRY_NONE && entry != ENTRY_NOT_SEARCHED;
}

/*
 * RENAME_TARGET_EXISTED (and the inode in *target), RENAME_TARGET_ABSENT, or
 * 0 where the cache cannot say, from what cached_entry() found in
 * `directory`. A dentry of a file system that revalidates its dentries (a
 * network file system) may be stale, so it says nothing.
 */
static __always_inline __u8 target_facts(__u64 entry, struct dentry *directory, __u64 *target)
{
	if (entry == ENTRY_NOT_SEARCHED)
		return 0;
	if (entry == ENTRY_NONE) {
		unsigned long magic = BPF_CORE_READ(directory, d_sb, s_magic);

		return magic == TMPFS_MAGIC || magic == RAMFS_MAGIC ? RENAME_TARGET_ABSENT : 0;
	}

	struct dentry *dentry = (struct dentry *)entry;

	if (BPF_CORE_READ(dentry, d_flags) & revalidate_flag())
		return 0;

	struct inode *inode = BPF_CORE_READ(dentry, d_inode);

	if (!inode)
		return RENAME_TARGET_ABSENT;
	*target = (__u64)inode;
	return RENAME_TARGET_EXISTED;
}

/*
 * What is at the destination of the syscall remembered in `call` (new_path,
 * new_dirfd), at its entry, before the kernel looks it up: the
 * destination's directory is found as a deletion's is, and its children
 * searched for the name. The destination's record slot is scratch here: the
 * exit builds it again.
 */
static __always_inline __u8 destination_at_entry(struct call_in_flight *call)
{
	const __u32 slot = SYSCALL_DESTINATION_RECORD;
	struct deletion_record *rec = record_of_slot(slot);
	struct walk *walk = walk_in_progress();

	if (!rec || !walk)
		return 0;

	long n = bpf_probe_read_user_str(rec->data, PATH_ARG_MAX, (void *)call->new_path);

	if (n <= 1)
		return 0;

	__u32 path_len = (n - 1) & (PATH_ARG_MAX - 1);

	rec->flags = 0;
	if (resolve_directory(slot, path_len, call->new_dirfd) != DIRECTORY_FOUND)
		return 0;

	__u64 entry = cached_entry(slot, path_len);

	return target_facts(entry, walk->found.dentry, &call->target);
}

/* Whether a dentry that cached_entry() found is a directory's. */
static __always_inline bool entry_is_directory(__u64 entry)
{
	if (!is_dentry(entry))
		return false;
	return (BPF_CORE_READ((struct dentry *)entry, d_inode, i_mode) & S_IFMT) == S_IFDIR;
}

/*
 * Builds a rename's two records: the destination's into `destination_slot`,
 * the source's into `source_slot`, which gets the call's facts. After a
 * rename that worked, the destination's entry is the moved file; after one
 * that failed, the source's still is. `result_known`: false for an io_uring
 * request built at its submission, before it runs: what its destination
 * holds then is what the request finds there, read while the record is
 * built rather than by destination_at_entry(), and its source is looked at
 * then too.
 */
static __always_inline void build_rename(__u32 source_slot, __u32 destination_slot, struct task_struct *task,
					 struct call_in_flight *call, long result, struct process_key *key,
					 bool result_known)
{
	struct deletion_record *source = record_of_slot(source_slot);
	struct deletion_record *destination = record_of_slot(destination_slot);
	struct walk *walk = walk_in_progress();

	if (!source || !destination || !walk)
		return;

	__u64 moved = build_deletion(destination_slot, destination, task, call, call->new_path, call->new_dirfd,
				     result, key, false, !result_known || result == 0);

	/* walk->found is still the destination's directory, where cached_entry() searched. */
	if (!result_known)
		call->rename |= target_facts(moved, walk->found.dentry, &call->target);

	__u64 stayed = build_deletion(source_slot, source, task, call, call->path, call->dirfd, result, key, false,
				      !result_known || result < 0);
	__u64 file = result_known && result == 0 ? moved : stayed;
	__u8 facts = call->rename;

	if (entry_is_directory(file))
		source->flags |= DELETION_DIRECTORY;
	if (is_dentry(file) && call->target && (__u64)BPF_CORE_READ((struct dentry *)file, d_inode) == call->target)
		facts |= RENAME_SAME_FILE;
	source->rename = facts;
	destination->rename = RENAME_DESTINATION;
}

/* Whether neither of a rename's paths is in scope: then nothing is sent. */
static __always_inline bool rename_out_of_scope(struct deletion_record *source, struct deletion_record *destination)
{
	return (source->flags & DELETION_OUT_OF_SCOPE) && (destination->flags & DELETION_OUT_OF_SCOPE);
}

/*
 * Sends a built rename: its destination's record, then its source's. A
 * rename is in scope where either path is; one of its records out of scope
 * is sent all the same, for the other's sake. Where the destination's
 * record finds no room, the source's says so and still goes: the rename is
 * reported with its destination unknown. Only a lost source's record is a
 * rename lost.
 */
static __always_inline void send_rename(struct deletion_record *source, struct deletion_record *destination)
{
	if (rename_out_of_scope(source, destination)) {
		count_lost(FILTERED_OUT_OF_SCOPE);
		return;
	}
	source->flags &= ~DELETION_OUT_OF_SCOPE;
	destination->flags &= ~DELETION_OUT_OF_SCOPE;
	if (!output_record(destination))
		source->rename |= RENAME_DESTINATION_LOST;
	if (!output_record(source))
		count_lost(LOST_DELETIONS);
}

/* Reports the rename call that the current task remembered at its entry. */
static __always_inline void report_rename(struct task_struct *task, struct call_in_flight *call, long result,
					  struct process_key *key)
{
	struct deletion_record *source = record_of_slot(SYSCALL_RECORD);
	struct deletion_record *destination = record_of_slot(SYSCALL_DESTINATION_RECORD);

	if (!source || !destination)
		return;
	build_rename(SYSCALL_RECORD, SYSCALL_DESTINATION_RECORD, task, call, result, key, true);
	/* Ahead of the rename in the ring buffer; not for one out of scope. */
	if (!rename_out_of_scope(source, destination))
		report_process(task, key);
	send_rename(source, destination);
}

#endif /* SYSCALL_TRACE_RENAMES_BPF_H */
