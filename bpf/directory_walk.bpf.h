/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Walking up from a directory to name it: the host's path, the path the
 * process saw, and the directory's path inside its own file system.
 *
 * Included by deletions.bpf.c only; ARCHITECTURE.md, "Path resolution",
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

/* Where the walk up stops, and what it notes on the way. */
struct walk_ends {
	struct dentry *root_dentry;  /* the process's root */
	struct vfsmount *root_mnt;
	struct mount *namespace_root; /* the root mount of the process's mount namespace */
	/* Another mount namespace than the helper's: stop at the process's root,
	 * since the host's path comes from the file system's path instead. */
	bool foreign;
};

/*
 * Appends a name to the record's names at names_off + *len; false where it
 * does not fit or cannot be read. The length lives in the record, not in a
 * local: the verifier does not track what map memory holds, so at every step
 * of a walk it knows only the bound tested here. Every step then looks the
 * same to it and the loops verify in linear time; an exact local length
 * would make each mix of mount crossings and names a state of its own.
 */
static __always_inline bool append_name(struct deletion_record *rec, __u32 names_off, __u16 *len,
					struct dentry *dentry)
{
	__u32 used = *len;

	if (used > DIRECTORY_NAMES_MAX - (FILE_NAME_MAX + 1))
		return false;

	const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
	long n = bpf_probe_read_kernel_str(&rec->data[(names_off + used) & DATA_INDEX_MASK],
					   FILE_NAME_MAX + 1, name);
	if (n <= 0)
		return false;
	*len = used + n;
	return true;
}

/*
 * Write the names of the directories from (dentry, vfsmnt) upwards into
 * rec->data at names_off, innermost first, each ended by a NUL: the walk of
 * prepend_path() (fs/d_path.c), up d_parent within a mount and, at a mount's
 * root, over to the dentry it is mounted on in the parent mount.
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
static __always_inline bool walk_to_root(struct deletion_record *rec, __u32 names_off,
					 struct dentry *dentry, struct vfsmount *vfsmnt,
					 const struct walk_ends *ends)
{
	struct mount *mnt = real_mount(vfsmnt);
	struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);

	rec->directory_names_len = 0;
	rec->directory_names_at_root = ROOT_NOT_PASSED;
	rec->directory_names_at_mount_root = ROOT_NOT_PASSED;
	for (int step = 0; step < DIRECTORY_WALK_MAX_STEPS; step++) {
		if (dentry == ends->root_dentry && vfsmnt == ends->root_mnt) {
			rec->directory_names_at_root = rec->directory_names_len;
			if (ends->foreign) {
				if (rec->directory_names_at_mount_root == ROOT_NOT_PASSED)
					rec->directory_names_at_mount_root = rec->directory_names_len;
				return true;
			}
		}
		if (dentry == mnt_root) {
			struct mount *parent_mnt = BPF_CORE_READ(mnt, mnt_parent);

			if (rec->directory_names_at_mount_root == ROOT_NOT_PASSED)
				rec->directory_names_at_mount_root = rec->directory_names_len;
			if (parent_mnt == mnt)
				return mnt == ends->namespace_root;
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = parent_mnt;
			vfsmnt = vfs_mount(mnt);
			mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
			continue;
		}

		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);

		if (parent == dentry || !append_name(rec, names_off, &rec->directory_names_len, dentry))
			return false;
		dentry = parent;
	}
	return false;
}

/*
 * The names from `from` (a mount's root, or where walk_to_root() stopped) up
 * d_parent to the root of its file system, without crossing into any other
 * mount: with directory_names_at_mount_root bytes of the directory names
 * below it, they are the directory's path inside its file system, which the
 * helper finds on the host through its own mount table. Written after the
 * directory names; returns whether the file system's root was reached.
 */
static __always_inline bool walk_to_filesystem_root(struct deletion_record *rec, __u32 names_off,
						    struct dentry *from)
{
	struct dentry *dentry = from;

	rec->filesystem_names_len = 0;
	for (int step = 0; step < DIRECTORY_WALK_MAX_STEPS; step++) {
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);

		if (parent == dentry)
			return true;
		/* Both runs of names share DIRECTORY_NAMES_MAX, so the offset
		 * includes the directory names (and the check covers both). */
		__u16 used = rec->directory_names_len + rec->filesystem_names_len;

		if (!append_name(rec, names_off, &used, dentry))
			return false;
		rec->filesystem_names_len = used - rec->directory_names_len;
		dentry = parent;
	}
	return false;
}

#endif /* SYSCALL_TRACE_DIRECTORY_WALK_BPF_H */
