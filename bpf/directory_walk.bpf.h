/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Walking up from a directory to name it: the host's path, the path the
 * process saw, and the directory's path inside its own file system.
 *
 * Included by deletions.bpf.c only; docs/path-resolution.md, "Path resolution",
 * tells why each of the three is needed.
 */
#ifndef SYSCALL_TRACE_DIRECTORY_WALK_BPF_H
#define SYSCALL_TRACE_DIRECTORY_WALK_BPF_H

/* data[] indexes are masked with this so the verifier can bound every write. */
#define DATA_INDEX_MASK (PATH_ARG_MAX + DIRECTORY_NAMES_MAX - 1)
_Static_assert((DATA_INDEX_MASK & (DATA_INDEX_MASK + 1)) == 0, "mask must be 2^n - 1");

/* struct mount embeds the vfsmount that paths point to (fs/mount.h). */
static __always_inline struct mount *real_mount(struct vfsmount *vfsmnt)
{
	return (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt);
}

static __always_inline struct vfsmount *vfs_mount(struct mount *mnt)
{
	return (void *)mnt + bpf_core_field_offset(struct mount, mnt);
}

/* Whether `dentry` is one of the first scope_count entries of `set`
 * (scope_parents, in deletions.bpf.c). */
static __always_inline bool scope_set_holds(const __u64 *set, __u64 dentry)
{
	__u32 count = scope_count;

	for (int i = 0; i < SCOPE_DIRECTORIES_MAX; i++) {
		if (i >= count)
			return false;
		if (set[i] == dentry)
			return true;
	}
	return false;
}

static __always_inline bool is_traced_folder(struct dentry *dentry)
{
	__u64 key = (__u64)dentry;

	return bpf_map_lookup_elem(&scope_directories, &key) != NULL;
}

/* Notes a traced folder met on the way up. */
static __always_inline void note_scope(struct deletion_record *rec, struct dentry *dentry)
{
	if (scope_active && is_traced_folder(dentry))
		rec->flags |= DELETION_IN_SCOPE;
}

/* Out of a mount's root, over to the dentry it is mounted on in the parent
 * mount: the step prepend_path() takes there. */
static __always_inline void leave_mount(struct dentry **dentry, struct mount **mnt, struct vfsmount **vfsmnt,
					struct dentry **mnt_root, struct mount *parent_mnt)
{
	*dentry = BPF_CORE_READ(*mnt, mnt_mountpoint);
	*mnt = parent_mnt;
	*vfsmnt = vfs_mount(parent_mnt);
	*mnt_root = BPF_CORE_READ(*vfsmnt, mnt_root);
}

/* A directory and the mount it is reached through. */
struct place {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
};

/* Where the walk up stops, and what it notes on the way. */
struct walk_ends {
	struct vfsmount *start_mnt;  /* the directory's own mount */
	struct dentry *root_dentry;  /* the process's root */
	struct vfsmount *root_mnt;
	struct mount *namespace_root; /* the root mount of the process's mount namespace */
	/* Another mount namespace than the helper's: stop at the process's root,
	 * since the host's path comes from the file system's path instead. */
	bool foreign;
};

/*
 * What a step of a walk reads of a dentry, in one read: the fields lie
 * together at the head of struct dentry in every kernel since 3.x (d_seq,
 * d_hash, d_parent, d_name), so one bpf_probe_read_kernel() of that span
 * costs a third of reading them one by one, and walks are most of what a
 * deletion costs the deleting process.
 */
struct dentry_facts {
	__u32 seq;      /* d_seq: moves with each rename or move of the dentry */
	struct dentry *parent;
	__u64 hash_len; /* d_name's hash and length */
	const unsigned char *name;
};

#define DENTRY_SPAN_MAX 64

static __always_inline bool read_dentry_facts(struct dentry *dentry, struct dentry_facts *facts)
{
	/* Offsets are relocated to the running kernel's at load time: constants to the verifier. */
	__u32 seq_at = bpf_core_field_offset(struct dentry, d_seq.seqcount.sequence);
	__u32 parent_at = bpf_core_field_offset(struct dentry, d_parent);
	__u32 hash_at = bpf_core_field_offset(struct dentry, d_name.hash_len);
	__u32 name_at = bpf_core_field_offset(struct dentry, d_name.name);
	__u32 start = seq_at & ~7u; /* 8-aligned, so that each field read back is aligned too */
	__u64 span[DENTRY_SPAN_MAX / 8];

	if (parent_at < start || hash_at < start || name_at < start || name_at + 8 - start > DENTRY_SPAN_MAX ||
	    parent_at + 8 - start > DENTRY_SPAN_MAX || hash_at + 8 - start > DENTRY_SPAN_MAX) {
		/* Some other layout: field by field. */
		facts->seq = BPF_CORE_READ(dentry, d_seq.seqcount.sequence);
		facts->parent = BPF_CORE_READ(dentry, d_parent);
		facts->hash_len = BPF_CORE_READ(dentry, d_name.hash_len);
		facts->name = BPF_CORE_READ(dentry, d_name.name);
		return facts->parent != NULL;
	}
	if (bpf_probe_read_kernel(span, sizeof(span), (void *)dentry + start))
		return false;

	__u32 seq_off = seq_at - start, parent_off = parent_at - start, hash_off = hash_at - start,
	      name_off = name_at - start;

	/* Plain offsets, lest the compiler fold them into bit operations on
	 * the pointer, which the verifier refuses. */
	barrier_var(seq_off);
	barrier_var(parent_off);
	barrier_var(hash_off);
	barrier_var(name_off);
	facts->seq = *(__u32 *)((void *)span + seq_off);
	facts->parent = *(struct dentry **)((void *)span + parent_off);
	facts->hash_len = *(__u64 *)((void *)span + hash_off);
	facts->name = *(const unsigned char **)((void *)span + name_off);
	return facts->parent != NULL;
}

/*
 * A path of the task's (its root, its working directory) in one read. What
 * is read here through the helper is a number to the verifier, which is
 * what global functions take: a BTF pointer could not be passed on to them.
 */
static __always_inline void read_path(struct path *from, struct dentry **dentry, struct vfsmount **vfsmnt)
{
	struct path path = {};

	bpf_core_read(&path, sizeof(path), from);
	*dentry = path.dentry;
	*vfsmnt = path.mnt;
}

static __always_inline void read_walk_ends(struct task_struct *task, struct walk_ends *ends)
{
	read_path(&TASK_READ(task, fs)->root, &ends->root_dentry, &ends->root_mnt);
	struct mnt_namespace *namespace = TASK_READ(task, nsproxy, mnt_ns);

	ends->namespace_root = NULL;
	bpf_core_read(&ends->namespace_root, sizeof(ends->namespace_root), &namespace->root);
}

/*
 * Appends a name to the record's names at names_off + *len; false where it
 * does not fit or cannot be read. The length lives in the record, not in a
 * local: the verifier does not track what map memory holds, so at every step
 * of a walk it knows only the bound tested here. Every step then looks the
 * same to it and the loops verify in linear time; an exact local length
 * would make each mix of mount crossings and names a state of its own.
 */
static __always_inline bool append_name(struct deletion_record *rec, __u32 names_off, __u16 *len,
					const unsigned char *name)
{
	__u32 used = *len;

	if (used > DIRECTORY_NAMES_MAX - (FILE_NAME_MAX + 1))
		return false;

	long n = bpf_probe_read_kernel_str(&rec->data[(names_off + used) & DATA_INDEX_MASK],
					   FILE_NAME_MAX + 1, name);
	if (n <= 0)
		return false;
	*len = used + n;
	return true;
}

/*
 * What a task remembers of the last directory it named in full: each step of
 * the walk, so that the next deletion there can check, step by step, that
 * every dentry and mount on the way to the root is the one named then and
 * has not been renamed or moved since; the record then carries the
 * directory's id instead of its names. A dentry that was freed and whose
 * memory now holds another would have to match in d_seq and in its name's
 * hash and length, and so would each of its ancestors.
 */
struct memo_step {
	__u64 dentry;
	__u64 vfsmnt;
	__u64 hash_len; /* 0 at a mount's root, where no name is taken */
	__u32 seq;
	__u32 reserved;
};

struct directory_memo {
	__u64 id;    /* the directory_id its names were sent as; 0 for none */
	__u32 epoch; /* directory_epoch then: user space forgets every id by moving it */
	__u32 named; /* directories the task has named in full: the low half of their ids */
	__u32 scope_generation; /* scope_generation then, for which scope_verdict holds */
	__u32 scope_verdict;    /* DELETION_IN_SCOPE, DELETION_OUT_OF_SCOPE or 0 */
	__u64 root_dentry; /* the task's root then, which directory_names_at_root depends on */
	__u64 root_mnt;
	__u16 at_root;
	__u16 steps;
	__u32 reserved;
	struct memo_step step[DIRECTORY_MEMO_MAX_STEPS];
};

/* The directory each thread named last, to name it again by id; see
 * kernel_compat.bpf.h. Each has one writer, the thread itself. */
struct {
	DIRECTORY_MEMO_MAP(struct directory_memo);
} directory_memos SEC(".maps");

DIRECTORY_MEMO_BLANK(struct directory_memo);

/*
 * Above where the names ran out (a directory deeper than a record can name),
 * the walk goes on without names, only to learn whether a traced folder lies
 * above: such a deletion is in scope although its path is known only in part.
 */
enum scope_walk_end {
	SCOPE_WALK_GOING = 0,
	SCOPE_WALK_MET = 1,   /* a traced folder */
	SCOPE_WALK_TOP = 2,   /* the namespace's root, without one */
	SCOPE_WALK_STOPPED = 3, /* out of steps, or a broken chain: nothing known */
};

struct scope_walk {
	struct dentry *dentry;
	struct mount *mnt;
	struct dentry *mnt_root;
	struct mount *namespace_root;
	__u32 end;
};

/*
 * A walk up, between its steps: where it is, where it stops (walk_ends),
 * and what the step just taken passed, for the memo. It lives in a per-CPU
 * map, walk_in_progress(): each step is a global function, which may take
 * numbers only on 5.10, and the stack's 512 bytes are shared with the
 * functions that call it.
 */
enum walk_end {
	WALK_GOING = 0,
	WALK_COMPLETE = 1, /* the top it was after */
	WALK_STOPPED = 2,  /* out of room, a name not read, a top that is not the namespace's */
};

struct walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *mnt_root;
	struct walk_ends ends;
	__u32 names_off; /* where in rec->data the names start */
	__u32 end;       /* enum walk_end */
	bool passed;     /* the step passed a dentry the memo keeps: `last` */
	struct memo_step last;
	/* Before the walk: the directory resolve_directory() found for it. */
	struct place found;
	/* After it, where the names ran out: the walk on to a traced folder. */
	struct scope_walk scope;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk);
} walk_scratch SEC(".maps");

static __always_inline struct walk *walk_in_progress(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&walk_scratch, &zero);
}

static __always_inline void start_walk(struct walk *walk, __u32 names_off, struct dentry *dentry,
				       struct vfsmount *vfsmnt)
{
	walk->dentry = dentry;
	walk->vfsmnt = vfsmnt;
	walk->mnt = real_mount(vfsmnt);
	walk->mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	walk->names_off = names_off;
	walk->end = WALK_GOING;
	walk->passed = false;
}

static __always_inline void remember_step(struct directory_memo *memo, int step, const struct memo_step *passed)
{
	if (!memo)
		return;
	if (step >= DIRECTORY_MEMO_MAX_STEPS) {
		memo->steps = DIRECTORY_MEMO_MAX_STEPS + 1; /* too long to remember */
		return;
	}
	memo->step[step & (DIRECTORY_MEMO_MAX_STEPS - 1)] = *passed;
	memo->steps = step + 1;
}

/*
 * One step of walk_to_root(): a name, or a mount crossed; returns whether
 * the walk has ended (walk->end says how). A global function, so that the
 * verifier checks a step once, on its own: inlined into the loop, every way
 * a step can go was walked through again at each of its 128 turns.
 */
__noinline int walk_up_one(__u32 slot)
{
	struct deletion_record *rec = record_of_slot(slot);
	struct walk *walk = walk_in_progress();

	if (!rec || !walk)
		return 1;

	struct dentry *dentry = walk->dentry;
	struct vfsmount *vfsmnt = walk->vfsmnt;
	const struct walk_ends *ends = &walk->ends;

	walk->passed = false;
	/* In another mount namespace, a traced folder counts only within the
	 * directory's own mount (and its file system, walk_to_filesystem_root()):
	 * the mounts above are the namespace's, which the host may not have. */
	if (!ends->foreign || vfsmnt == ends->start_mnt)
		note_scope(rec, dentry);
	if (dentry == ends->root_dentry && vfsmnt == ends->root_mnt) {
		rec->directory_names_at_root = rec->directory_names_len;
		if (ends->foreign) {
			if (rec->directory_names_at_mount_root == ROOT_NOT_PASSED)
				rec->directory_names_at_mount_root = rec->directory_names_len;
			walk->end = WALK_COMPLETE;
			return 1;
		}
	}
	if (dentry == walk->mnt_root) {
		struct mount *mnt = walk->mnt;
		struct mount *parent_mnt = BPF_CORE_READ(mnt, mnt_parent);

		walk->last = (struct memo_step){ .dentry = (__u64)dentry, .vfsmnt = (__u64)vfsmnt };
		walk->passed = true;
		if (rec->directory_names_at_mount_root == ROOT_NOT_PASSED)
			rec->directory_names_at_mount_root = rec->directory_names_len;
		if (parent_mnt == mnt) {
			walk->end = mnt == ends->namespace_root ? WALK_COMPLETE : WALK_STOPPED;
			return 1;
		}
		leave_mount(&walk->dentry, &walk->mnt, &walk->vfsmnt, &walk->mnt_root, parent_mnt);
		return 0;
	}

	struct dentry_facts facts;

	if (!read_dentry_facts(dentry, &facts) || facts.parent == dentry ||
	    !append_name(rec, walk->names_off, &rec->directory_names_len, facts.name)) {
		walk->end = WALK_STOPPED;
		return 1;
	}
	walk->last = (struct memo_step){
		.dentry = (__u64)dentry,
		.vfsmnt = (__u64)vfsmnt,
		.hash_len = facts.hash_len,
		.seq = facts.seq,
	};
	walk->passed = true;
	walk->dentry = facts.parent;
	return 0;
}

/*
 * Write the names of the directories from the walk's start upwards into
 * rec->data at walk->names_off, innermost first, each ended by a NUL: the
 * walk of prepend_path() (fs/d_path.c), up d_parent within a mount and, at a
 * mount's root, over to the dentry it is mounted on in the parent mount.
 *
 * For the helper's own mount namespace it goes on past the process's root
 * (a chroot) up to the namespace's root, so the names are the host's path;
 * directory_names_at_root says how many bytes of them the process saw. For
 * another namespace it stops at the process's root, and notes in
 * directory_names_at_mount_root how many bytes lie below the directory's own
 * mount root (or below that stop, if it came first).
 *
 * Returns whether the walk reached its end: not when it ran out of steps or
 * room, or met a top that is not the namespace's root (a disconnected
 * dentry, a detached mount).
 */
static __always_inline bool walk_to_root(__u32 slot, struct deletion_record *rec, struct walk *walk,
					 struct directory_memo *memo)
{
	rec->directory_names_len = 0;
	rec->directory_names_at_root = ROOT_NOT_PASSED;
	rec->directory_names_at_mount_root = ROOT_NOT_PASSED;
	if (memo)
		memo->steps = 0;
	for (int step = 0; step < DIRECTORY_WALK_MAX_STEPS; step++) {
		int ended = walk_up_one(slot);

		if (walk->passed)
			remember_step(memo, step, &walk->last);
		if (ended)
			break;
	}
	return walk->end == WALK_COMPLETE;
}

/*
 * Whether the directory the walk is about to name (walk->found) is the one
 * the memo names, with the same path: walks up as walk_to_root() would,
 * comparing each step with the memo's instead of reading names. A global
 * function, so that the verifier checks its loop once.
 */
__noinline int memo_matches(void)
{
	struct directory_memo *memo = THREAD_DIRECTORY_MEMO(false);
	struct walk *walk = walk_in_progress();

	if (!memo || !walk || memo->id == 0 || memo->epoch != directory_epoch ||
	    memo->scope_generation != scope_generation)
		return 0;

	const struct walk_ends *ends = &walk->ends;

	if (memo->root_dentry != (__u64)ends->root_dentry || memo->root_mnt != (__u64)ends->root_mnt)
		return 0;

	struct dentry *dentry = walk->found.dentry;
	struct vfsmount *vfsmnt = walk->found.vfsmnt;
	struct mount *mnt = real_mount(vfsmnt);
	struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	__u32 steps = memo->steps;

	for (int step = 0; step < DIRECTORY_MEMO_MAX_STEPS; step++) {
		struct memo_step *s = &memo->step[step & (DIRECTORY_MEMO_MAX_STEPS - 1)];

		if (step >= steps || s->dentry != (__u64)dentry || s->vfsmnt != (__u64)vfsmnt)
			return 0;
		if (dentry == mnt_root) {
			struct mount *parent_mnt = BPF_CORE_READ(mnt, mnt_parent);

			if (parent_mnt == mnt)
				return step + 1 == steps && mnt == ends->namespace_root;
			leave_mount(&dentry, &mnt, &vfsmnt, &mnt_root, parent_mnt);
			continue;
		}

		struct dentry_facts facts;

		if (!read_dentry_facts(dentry, &facts) || facts.seq != s->seq || facts.hash_len != s->hash_len ||
		    facts.parent == dentry)
			return 0;
		dentry = facts.parent;
	}
	return 0;
}

/*
 * One step of walk_to_filesystem_root(), a global function for the reason
 * walk_up_one() is one.
 */
__noinline int walk_up_filesystem_one(__u32 slot)
{
	struct deletion_record *rec = record_of_slot(slot);
	struct walk *walk = walk_in_progress();

	if (!rec || !walk)
		return 1;

	struct dentry *dentry = walk->dentry;
	struct dentry_facts facts;

	note_scope(rec, dentry);
	if (!read_dentry_facts(dentry, &facts)) {
		walk->end = WALK_STOPPED;
		return 1;
	}
	if (facts.parent == dentry) {
		walk->end = WALK_COMPLETE;
		return 1;
	}
	/* Both runs of names share DIRECTORY_NAMES_MAX, so the offset
	 * includes the directory names (and the check covers both). */
	__u16 used = rec->directory_names_len + rec->filesystem_names_len;

	if (!append_name(rec, walk->names_off, &used, facts.name)) {
		walk->end = WALK_STOPPED;
		return 1;
	}
	rec->filesystem_names_len = used - rec->directory_names_len;
	walk->dentry = facts.parent;
	return 0;
}

/*
 * The names from `from` (a mount's root, or where walk_to_root() stopped) up
 * d_parent to the root of its file system, without crossing into any other
 * mount: with directory_names_at_mount_root bytes of the directory names
 * below it, they are the directory's path inside its file system, which the
 * helper finds on the host through its own mount table. Written after the
 * directory names; returns whether the file system's root was reached.
 */
static __always_inline bool walk_to_filesystem_root(__u32 slot, struct deletion_record *rec, struct walk *walk,
						    struct dentry *from)
{
	rec->filesystem_names_len = 0;
	walk->dentry = from;
	walk->end = WALK_GOING;
	for (int step = 0; step < DIRECTORY_WALK_MAX_STEPS; step++) {
		if (walk_up_filesystem_one(slot))
			break;
	}
	return walk->end == WALK_COMPLETE;
}

static __always_inline bool scope_walk_step(struct scope_walk *walk)
{
	struct dentry *dentry = walk->dentry;

	if (is_traced_folder(dentry)) {
		walk->end = SCOPE_WALK_MET;
		return 1;
	}
	if (dentry == walk->mnt_root) {
		struct mount *mnt = walk->mnt;
		struct mount *parent_mnt = BPF_CORE_READ(mnt, mnt_parent);

		if (parent_mnt == mnt) {
			walk->end = mnt == walk->namespace_root ? SCOPE_WALK_TOP : SCOPE_WALK_STOPPED;
			return 1;
		}
		walk->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		walk->mnt = parent_mnt;
		walk->mnt_root = BPF_CORE_READ(vfs_mount(parent_mnt), mnt_root);
		return 0;
	}

	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);

	if (!parent || parent == dentry) {
		walk->end = SCOPE_WALK_STOPPED;
		return 1;
	}
	walk->dentry = parent;
	return 0;
}

/*
 * SCOPE_WALK_STRIDE steps of the walk in walk_in_progress()->scope; returns
 * whether it has ended. A global function called from a plain loop, which
 * every kernel's verifier follows in a few instructions a turn: thousands of
 * steps without bpf_loop(), which came in 5.17.
 */
#define SCOPE_WALK_STRIDE 64
_Static_assert(SCOPE_WALK_MAX_STEPS % SCOPE_WALK_STRIDE == 0, "whole strides");

__noinline int scope_walk_stride(void)
{
	struct walk *walk = walk_in_progress();

	if (!walk)
		return 1;
	for (int i = 0; i < SCOPE_WALK_STRIDE; i++) {
		if (scope_walk_step(&walk->scope))
			return 1;
	}
	return 0;
}

static __always_inline enum scope_walk_end walk_to_scope(struct walk *walk, struct dentry *dentry,
							 struct vfsmount *vfsmnt)
{
	walk->scope = (struct scope_walk){
		.dentry = dentry,
		.mnt = real_mount(vfsmnt),
		.mnt_root = BPF_CORE_READ(vfsmnt, mnt_root),
		.namespace_root = walk->ends.namespace_root,
	};
	for (int i = 0; i < SCOPE_WALK_MAX_STEPS / SCOPE_WALK_STRIDE; i++) {
		if (scope_walk_stride())
			break;
	}
	return walk->scope.end == SCOPE_WALK_GOING ? SCOPE_WALK_STOPPED : walk->scope.end;
}

#endif /* SYSCALL_TRACE_DIRECTORY_WALK_BPF_H */
