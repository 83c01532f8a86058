/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Finding the directory that held a deleted name, from the path argument's
 * text, the way the kernel's own lookup did a moment before: from a base
 * directory (the process's root for an absolute argument, its working
 * directory or dirfd for a relative one), name by name through the dentry
 * cache, into mounts of the process's own mount namespace, out of them at
 * "..", and through symbolic links whose target the file system keeps in
 * memory. What it finds is a dentry and a mount, which the walk up
 * (directory_walk.bpf.h) then names physically.
 *
 * Each name was looked up by the syscall that just returned, so its dentry
 * is in the cache. Where a step cannot be taken (a name the cache no longer
 * holds, a directory with more children than the search looks at, a symbolic
 * link kept on disk only, too many links) the lookup says so, and the record
 * is marked DELETION_LOOKUP_FAILED: never a guess.
 *
 * Included by deletions.bpf.c only.
 */
#ifndef SYSCALL_TRACE_DIRECTORY_LOOKUP_BPF_H
#define SYSCALL_TRACE_DIRECTORY_LOOKUP_BPF_H

#define S_IFMT 00170000
#define S_IFDIR 0040000
#define S_IFLNK 0120000

/* Steps of a lookup: names, ".", "..", and restarts at symbolic links. */
#define LOOKUP_MAX_STEPS 128
/* Children of one directory compared against a name. */
#define LOOKUP_MAX_CHILDREN 16384
/* Children compared against a rename's own names (cached_entry()). A
 * destination that does not exist is compared with every child, at every
 * rename: in a directory of 20,000 names, 16,384 compares made each rename
 * cost about 600 us. The newest dentries come first (d_alloc() and d_move()
 * put them at the head), so a name just looked up or moved is among the
 * first; past these, the cache's answer is not known. */
#define ENTRY_MAX_CHILDREN 256
/* Mounts on one mount's dentries searched for the one on a given dentry,
 * and mounts stacked on one dentry. */
#define LOOKUP_MAX_CHILD_MOUNTS 1024
#define LOOKUP_MAX_STACKED_MOUNTS 8
#define LOOKUP_MAX_SYMLINKS 8
/* The text still to resolve: the directory part of the argument, or after a
 * symbolic link its target followed by what was left. */
#define LOOKUP_TEXT_MAX (2 * PATH_ARG_MAX)
/* Slashes after a path's last name that are looked past to find it. */
#define TRAILING_SLASHES_MAX 64
#define LOOKUP_TEXT_MASK (LOOKUP_TEXT_MAX - 1)

enum lookup_outcome {
	LOOKUP_GOING = 0,
	LOOKUP_FOUND = 1,
	LOOKUP_FAILED = 2,
};

struct lookup {
	struct place at;         /* the directory reached so far */
	struct dentry *root_dentry; /* the process's root: ".." stops there, absolute links start there */
	struct vfsmount *root_mnt;
	__u32 text;     /* which scratch text holds what is left */
	__u32 pos;      /* its next byte */
	__u32 len;      /* its length */
	__u32 name_len; /* the name being looked up, in scratch->name */
	__u32 symlinks;
	__u32 outcome;  /* enum lookup_outcome */
};

/* The children of a directory, compared with scratch->name one by one. */
struct child_search {
	void *node;      /* the next child's link: an hlist_node (6.8 and later) or a list_head */
	void *head;      /* a list_head's end: the directory's own d_subdirs */
	struct dentry *directory;
	struct dentry *found;
	__u32 name_len;
	/* Negative dentries match too: cached_entry() asks what the cache says
	 * of a name, which a negative dentry says is not there. */
	bool with_negative;
};

struct mount_search {
	struct list_head *node;  /* the next mount on the parent mount */
	struct list_head *head;
	struct dentry *mountpoint;
	struct mount *found;
};

struct text_scan {
	__u32 text; /* which scratch text */
	__u32 pos;  /* moves while the byte there is (skip_slashes) or is not (find end) a '/' */
	__u32 len;
	bool skip_slashes;
};

/*
 * A lookup in progress, in a per-CPU map: its steps and searches are global
 * functions, which take numbers only on 5.10, so they find it here.
 */
struct lookup_scratch {
	char text[2][LOOKUP_TEXT_MAX + FILE_NAME_MAX + 1];
	/* The name looked for and a candidate's name, as 8-byte words. */
	__u64 name[(FILE_NAME_MAX + 1) / 8];
	__u64 candidate[(FILE_NAME_MAX + 1) / 8];
	struct lookup lookup;
	struct place next;    /* the child found, before enter_mounts() */
	struct child_search children;
	struct mount_search mounts;
	struct text_scan scan;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lookup_scratch);
} lookup_scratch SEC(".maps");

static __always_inline struct lookup_scratch *lookup_in_progress(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&lookup_scratch, &zero);
}

/*
 * Children compared, mounts searched, or bytes scanned by one call of the
 * global functions below, each called from a plain loop: every kernel's
 * verifier follows such a loop in a few instructions a turn, so a search
 * runs to thousands of turns without bpf_loop(), which came in 5.17.
 */
#define LOOKUP_STRIDE 64
#define SCAN_STRIDE 256
_Static_assert(LOOKUP_MAX_CHILDREN % LOOKUP_STRIDE == 0 && ENTRY_MAX_CHILDREN % LOOKUP_STRIDE == 0 && LOOKUP_MAX_CHILD_MOUNTS % LOOKUP_STRIDE == 0,
	       "whole strides");
_Static_assert(LOOKUP_TEXT_MAX % SCAN_STRIDE == 0 && SCAN_STRIDE == FILE_NAME_MAX + 1, "whole strides");

static __always_inline __u32 mounted_flag(void)
{
	/* BIT(15) since Linux 6.15; 0x10000 before, when it was a #define. */
	if (bpf_core_enum_value_exists(enum dentry_flags, DCACHE_MOUNTED))
		return bpf_core_enum_value(enum dentry_flags, DCACHE_MOUNTED);
	return 0x10000;
}

static __always_inline struct dentry *dentry_of_sibling(struct hlist_node *node)
{
	return (void *)node - bpf_core_field_offset(struct dentry, d_sib);
}

static __always_inline struct dentry *dentry_of_child_link(struct list_head *node)
{
	return (void *)node - bpf_core_field_offset(struct dentry___lists, d_child);
}

static __always_inline struct mount *mount_of_child_link(struct list_head *node)
{
	return (void *)node - bpf_core_field_offset(struct mount, mnt_child);
}

/*
 * Whether scratch->candidate, `len` bytes, is scratch->name. A global
 * function: inlined, its loop was followed again for each child that a
 * stride of compare_children() compares.
 */
__noinline int candidate_is_name(__u32 len)
{
	struct lookup_scratch *scratch = lookup_in_progress();

	if (!scratch)
		return 0;
	for (__u32 word = 0; word < (FILE_NAME_MAX + 1) / 8; word++) {
		__u32 start = word * 8;

		if (start >= len)
			return 1;
		__u64 difference = scratch->name[word] ^ scratch->candidate[word];
		/* Bytes past the name's end hold anything: little-endian, they are the high ones. */
		if (len - start < 8)
			difference &= (1ULL << ((len - start) * 8)) - 1;
		if (difference)
			return 0;
	}
	return 1;
}

/* Whether a candidate's name, len bytes at `name`, is scratch->name. */
static __always_inline bool same_name(struct lookup_scratch *scratch, const unsigned char *name, __u32 len)
{
	len &= FILE_NAME_MAX;
	if (len == 0 || bpf_probe_read_kernel(scratch->candidate, len, name))
		return false;
	return candidate_is_name(len);
}

/* Whether `child` is the live entry named scratch->name (name_len bytes). */
static __always_inline bool is_named_child(struct lookup_scratch *scratch, struct dentry *child, __u32 name_len)
{
	if (BPF_CORE_READ(child, d_name.len) != name_len)
		return false;
	/* A dentry being killed is unhashed; a negative one names nothing. */
	if (!BPF_CORE_READ(child, d_hash.pprev))
		return false;
	if (!scratch->children.with_negative && !BPF_CORE_READ(child, d_inode))
		return false;
	return same_name(scratch, BPF_CORE_READ(child, d_name.name), name_len);
}

/* Linux 6.8 and later: the children are an hlist, d_children, through d_sib.
 * Returns whether the search has ended. */
static __always_inline bool compare_child(struct lookup_scratch *scratch)
{
	struct child_search *search = &scratch->children;
	struct hlist_node *node = search->node;

	if (!node)
		return true;
	search->node = BPF_CORE_READ(node, next);

	struct dentry *child = dentry_of_sibling(node);

	if (!is_named_child(scratch, child, search->name_len))
		return false;
	search->found = child;
	return true;
}

/* Before: a list, d_subdirs, through d_child, back to where it started. */
static __always_inline bool compare_listed_child(struct lookup_scratch *scratch)
{
	struct child_search *search = &scratch->children;
	struct list_head *node = search->node;

	if (!node || node == search->head)
		return true;
	search->node = BPF_CORE_READ(node, next);

	struct dentry *child = dentry_of_child_link(node);

	if (!is_named_child(scratch, child, search->name_len))
		return false;
	search->found = child;
	return true;
}

/* LOOKUP_STRIDE children of the search in scratch->children; returns
 * whether it has ended. */
__noinline int compare_children(void)
{
	struct lookup_scratch *scratch = lookup_in_progress();

	if (!scratch)
		return 1;

	struct dentry *directory = scratch->children.directory;

	if (bpf_core_field_exists(directory->d_children)) {
		for (int i = 0; i < LOOKUP_STRIDE; i++) {
			if (compare_child(scratch))
				return 1;
		}
		return 0;
	}
	for (int i = 0; i < LOOKUP_STRIDE; i++) {
		if (compare_listed_child(scratch))
			return 1;
	}
	return 0;
}

/* The child of `directory` named scratch->name, or NULL, among its first
 * `max_children` (a multiple of LOOKUP_STRIDE). */
static __always_inline struct dentry *find_child(struct lookup_scratch *scratch, struct dentry *directory,
						 __u32 name_len, int max_children)
{
	struct child_search *search = &scratch->children;

	search->directory = directory;
	search->found = NULL;
	search->name_len = name_len;
	/* Left as it is: cached_entry() sets it around its own search. */
	if (bpf_core_field_exists(directory->d_children)) {
		search->node = BPF_CORE_READ(directory, d_children.first);
		search->head = NULL;
	} else {
		struct dentry___lists *listed = (void *)directory;

		search->node = BPF_CORE_READ(listed, d_subdirs.next);
		search->head = (void *)directory + bpf_core_field_offset(struct dentry___lists, d_subdirs);
	}
	for (int i = 0; i < max_children / LOOKUP_STRIDE; i++) {
		if (compare_children())
			break;
	}
	return search->found;
}

/* Returns whether the search in scratch->mounts has ended. */
static __always_inline bool compare_mount(struct mount_search *search)
{
	struct list_head *node = search->node;

	if (!node || node == search->head)
		return true;
	search->node = BPF_CORE_READ(node, next);

	struct mount *child = mount_of_child_link(node);

	if (BPF_CORE_READ(child, mnt_mountpoint) != search->mountpoint)
		return false;
	search->found = child;
	return true;
}

/* LOOKUP_STRIDE mounts of the search in scratch->mounts; returns whether it has ended. */
__noinline int compare_mounts(void)
{
	struct lookup_scratch *scratch = lookup_in_progress();

	if (!scratch)
		return 1;
	for (int i = 0; i < LOOKUP_STRIDE; i++) {
		if (compare_mount(&scratch->mounts))
			return 1;
	}
	return 0;
}

/* Which place of the lookup in progress enter_mounts() enters. */
enum lookup_place {
	LOOKUP_AT = 0,   /* scratch->lookup.at */
	LOOKUP_NEXT = 1, /* scratch->next */
};

/*
 * Into whatever is mounted on the directory reached, as path lookup's
 * traverse_mounts() does; mounts stacked on one dentry are entered in turn.
 * A global function: the verifier checks its loop once, not at each of the
 * lookup's steps that enter mounts.
 */
__noinline int enter_mounts(int which)
{
	struct lookup_scratch *scratch = lookup_in_progress();

	if (!scratch)
		return 0;

	struct place *at = which == LOOKUP_NEXT ? &scratch->next : &scratch->lookup.at;

	for (int i = 0; i < LOOKUP_MAX_STACKED_MOUNTS; i++) {
		struct dentry *dentry = at->dentry;

		if (!(BPF_CORE_READ(dentry, d_flags) & mounted_flag()))
			return 0;

		struct mount *mnt = real_mount(at->vfsmnt);

		scratch->mounts = (struct mount_search){
			.node = BPF_CORE_READ(mnt, mnt_mounts.next),
			.head = (void *)mnt + bpf_core_field_offset(struct mount, mnt_mounts),
			.mountpoint = dentry,
		};
		for (int j = 0; j < LOOKUP_MAX_CHILD_MOUNTS / LOOKUP_STRIDE; j++) {
			if (compare_mounts())
				break;
		}
		if (!scratch->mounts.found)
			return 0; /* mounted in some other namespace only */

		struct vfsmount *vfsmnt = vfs_mount(scratch->mounts.found);

		at->vfsmnt = vfsmnt;
		at->dentry = BPF_CORE_READ(vfsmnt, mnt_root);
	}
	return 0;
}

/* "..": follow_dotdot() (fs/namei.c). Not above the process's root; out of
 * a mount's root to the dentry it is mounted on first. */
static __always_inline void go_up(struct lookup *l)
{
	for (int i = 0; i < LOOKUP_MAX_STACKED_MOUNTS; i++) {
		struct dentry *dentry = l->at.dentry;
		struct vfsmount *vfsmnt = l->at.vfsmnt;

		if (dentry == l->root_dentry && vfsmnt == l->root_mnt)
			return;
		if (dentry != BPF_CORE_READ(vfsmnt, mnt_root))
			break;

		struct mount *mnt = real_mount(vfsmnt);
		struct mount *parent = BPF_CORE_READ(mnt, mnt_parent);

		if (parent == mnt)
			return; /* the top: ".." of the root is the root */
		l->at.dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		l->at.vfsmnt = vfs_mount(parent);
	}

	struct dentry *dentry = l->at.dentry;

	l->at.dentry = BPF_CORE_READ(dentry, d_parent);
	enter_mounts(LOOKUP_AT);
}

/*
 * Continues at a symbolic link: what is left of the text is appended to the
 * link's target, in the other scratch text. An absolute target starts again
 * at the process's root, a relative one in the directory holding the link.
 */
static __always_inline bool follow_link(struct lookup *l, struct lookup_scratch *scratch,
					struct dentry *link)
{
	const char *target = BPF_CORE_READ(link, d_inode, i_link);

	if (!target || ++l->symlinks > LOOKUP_MAX_SYMLINKS)
		return false;

	char *to = scratch->text[(l->text + 1) & 1];
	char *from = scratch->text[l->text & 1];
	long n = bpf_probe_read_kernel_str(to, PATH_ARG_MAX, target);

	if (n <= 1)
		return false;

	__u32 target_len = (n - 1) & (PATH_ARG_MAX - 1);
	__u32 rest = l->pos < l->len ? l->len - l->pos : 0;

	if (rest > PATH_ARG_MAX)
		return false;
	to[target_len] = '/';
	if (rest && bpf_probe_read_kernel(&to[target_len + 1], rest & (PATH_ARG_MAX - 1),
					  &from[l->pos & LOOKUP_TEXT_MASK]))
		return false;
	if (to[0] == '/') {
		l->at.dentry = l->root_dentry;
		l->at.vfsmnt = l->root_mnt;
	}
	l->text = (l->text + 1) & 1;
	l->pos = 0;
	l->len = target_len + 1 + rest;
	return true;
}

static __always_inline bool scan_byte(struct lookup_scratch *scratch, struct text_scan *scan)
{
	if (scan->pos >= scan->len)
		return true;
	bool slash = scratch->text[scan->text & 1][scan->pos & LOOKUP_TEXT_MASK] == '/';

	if (slash != scan->skip_slashes)
		return true;
	scan->pos++;
	return false;
}

/* SCAN_STRIDE bytes of the scan in scratch->scan; returns whether it has ended. */
__noinline int scan_text(void)
{
	struct lookup_scratch *scratch = lookup_in_progress();

	if (!scratch)
		return 1;
	for (int i = 0; i < SCAN_STRIDE; i++) {
		if (scan_byte(scratch, &scratch->scan))
			return 1;
	}
	return 0;
}

/* Copies the next name of the text into scratch->name; false where none is left. */
static __always_inline bool next_name(struct lookup *l, struct lookup_scratch *scratch)
{
	struct text_scan *scan = &scratch->scan;

	scan->text = l->text;
	scan->pos = l->pos;
	scan->len = l->len;
	scan->skip_slashes = true;
	for (int i = 0; i < LOOKUP_TEXT_MAX / SCAN_STRIDE; i++) {
		if (scan_text())
			break;
	}
	if (scan->pos >= l->len) {
		l->pos = scan->pos;
		return false;
	}

	__u32 start = scan->pos;

	scan->skip_slashes = false;
	scan_text(); /* a name: FILE_NAME_MAX + 1 bytes at most, one stride */

	__u32 end = scan->pos;
	__u32 len = end - start;
	__u32 copied = len;
	const char *text = scratch->text[l->text & 1];

	/* Keeps the compiler from folding the mask into the test above, which
	 * would leave the verifier without a bound on the size. */
	barrier_var(copied);
	if (len == 0 || len > FILE_NAME_MAX ||
	    bpf_probe_read_kernel(scratch->name, copied & FILE_NAME_MAX, &text[start & LOOKUP_TEXT_MASK])) {
		/* A name too long to exist. */
		l->outcome = LOOKUP_FAILED;
		return false;
	}
	l->name_len = len;
	l->pos = end;
	return true;
}

/*
 * One step of the lookup: the next name of the text; returns whether the
 * lookup has ended (l->outcome says how). A global function, called from a
 * plain loop: the verifier checks a step once, on its own, and the loop
 * around it costs it a few instructions a step. Inlined, or as a bpf_loop()
 * callback, every way a step can end multiplied what it walked through,
 * past its limit on some kernels.
 */
__noinline int lookup_next_name(void)
{
	struct lookup_scratch *scratch = lookup_in_progress();

	if (!scratch)
		return 1;

	struct lookup *l = &scratch->lookup;

	if (!next_name(l, scratch)) {
		if (l->outcome == LOOKUP_GOING)
			l->outcome = LOOKUP_FOUND;
		return 1;
	}

	char *name = (char *)scratch->name;

	if (l->name_len == 1 && name[0] == '.')
		return 0;
	if (l->name_len == 2 && name[0] == '.' && name[1] == '.') {
		go_up(l);
		return 0;
	}

	struct dentry *found_child = find_child(scratch, l->at.dentry, l->name_len, LOOKUP_MAX_CHILDREN);

	if (!found_child) {
		l->outcome = LOOKUP_FAILED;
		return 1;
	}

	scratch->next.dentry = found_child;
	scratch->next.vfsmnt = l->at.vfsmnt;
	enter_mounts(LOOKUP_NEXT);

	struct dentry *found = scratch->next.dentry;
	__u16 mode = BPF_CORE_READ(found, d_inode, i_mode);

	if ((mode & S_IFMT) == S_IFLNK) {
		if (!follow_link(l, scratch, found))
			l->outcome = LOOKUP_FAILED;
		return l->outcome != LOOKUP_GOING;
	}
	if ((mode & S_IFMT) != S_IFDIR) {
		l->outcome = LOOKUP_FAILED; /* the call failed with ENOTDIR */
		return 1;
	}
	l->at = scratch->next;
	return 0;
}

/*
 * Resolves data[from, to) of the record (directory names only: the deleted
 * entry's own name is not part of it) from (*dentry, *vfsmnt); on success
 * they are the directory found.
 */
static __always_inline bool lookup_directory(struct deletion_record *rec, __u32 from, __u32 to,
					     struct dentry **dentry, struct vfsmount **vfsmnt,
					     struct dentry *root_dentry, struct vfsmount *root_mnt)
{
	struct lookup_scratch *scratch = lookup_in_progress();

	if (!scratch || from >= to || to > PATH_ARG_MAX)
		return false;
	if (bpf_probe_read_kernel(scratch->text[0], (to - from) & (PATH_ARG_MAX - 1),
				  &rec->data[from & (PATH_ARG_MAX - 1)]))
		return false;

	struct lookup *l = &scratch->lookup;

	*l = (struct lookup){
		.at = { .dentry = *dentry, .vfsmnt = *vfsmnt },
		.root_dentry = root_dentry,
		.root_mnt = root_mnt,
		.len = to - from,
	};
	for (int step = 0; step < LOOKUP_MAX_STEPS; step++) {
		if (lookup_next_name())
			break;
	}
	if (l->outcome != LOOKUP_FOUND)
		return false;
	*dentry = l->at.dentry;
	*vfsmnt = l->at.vfsmnt;
	return true;
}

/* cached_entry(): the cache held no dentry of the name, or none could be
 * looked for. No dentry lies at these addresses. */
#define ENTRY_NONE 0
#define ENTRY_NOT_SEARCHED 1

/*
 * The dentry the cache holds for the record's own name (the path argument's
 * last name, data[name_at, ...) without trailing slashes) in the directory
 * resolve_directory() just found (walk_in_progress()->found), positive or
 * negative: what the kernel's own lookup of that name would start from.
 * ENTRY_NONE where the directory's children were searched to their end
 * without it; ENTRY_NOT_SEARCHED where they were not (more children than
 * ENTRY_MAX_CHILDREN, "." or "..", a name that could not be read).
 */
__noinline __u64 cached_entry(__u32 slot, __u32 path_len)
{
	struct deletion_record *rec = record_of_slot(slot);
	struct walk *walk = walk_in_progress();
	struct lookup_scratch *scratch = lookup_in_progress();

	if (!rec || !walk || !scratch || path_len > PATH_ARG_MAX)
		return ENTRY_NOT_SEARCHED;

	__u32 start = rec->name_at;
	__u32 end = path_len;

	for (int i = 0; i < TRAILING_SLASHES_MAX && end > start && rec->data[(end - 1) & (PATH_ARG_MAX - 1)] == '/'; i++)
		end--;
	if (end <= start || end - start > FILE_NAME_MAX || start >= PATH_ARG_MAX)
		return ENTRY_NOT_SEARCHED;

	__u32 len = end - start;
	__u32 copied = len;

	barrier_var(copied);
	if (bpf_probe_read_kernel(scratch->name, copied & FILE_NAME_MAX, &rec->data[start & (PATH_ARG_MAX - 1)]))
		return ENTRY_NOT_SEARCHED;

	char *name = (char *)scratch->name;

	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return ENTRY_NOT_SEARCHED;

	scratch->children.with_negative = true;

	struct dentry *found = find_child(scratch, walk->found.dentry, len, ENTRY_MAX_CHILDREN);

	scratch->children.with_negative = false;
	if (found)
		return (__u64)found;

	/* The search ended at the list's end, or ran out of turns first. */
	struct child_search *search = &scratch->children;
	bool ended = !search->node || (search->head && search->node == search->head);

	return ended ? ENTRY_NONE : ENTRY_NOT_SEARCHED;
}

#endif /* SYSCALL_TRACE_DIRECTORY_LOOKUP_BPF_H */
