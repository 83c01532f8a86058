/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Path arguments that go through /proc's links to a process's own
 * directories: /proc/self/fd/N/..., /proc/thread-self/fd/N/...,
 * /dev/fd/N/... (a symbolic link to /proc/self/fd), /proc/PID/cwd/...,
 * /proc/PID/root/... and /proc/PID/fd/N/.... The kernel follows these
 * "magic" links to the file or directory itself, with no text in between,
 * so the lookup cannot follow them by name; they are recognised here and
 * the directory they lead to becomes the lookup's base.
 *
 * PID is looked for among the caller and its ancestors, by the number its
 * own PID namespace gives them: `rm /proc/$$/cwd/x` names the shell that
 * started rm. Any other process's links are not followed, and the record
 * says so (DELETION_PROC_LINK_UNRESOLVED).
 *
 * Included by deletions.bpf.c only.
 */
#ifndef SYSCALL_TRACE_PROC_LINKS_BPF_H
#define SYSCALL_TRACE_PROC_LINKS_BPF_H

#define PROC_PID_DIGITS_MAX 10

enum proc_link_kind {
	PROC_LINK_NONE = 0,
	PROC_LINK_FOUND = 1,
	PROC_LINK_UNRESOLVED = 2, /* a /proc/PID/ link of a process not at hand */
};

/* The first (up to) 8 bytes of a string literal as one little-endian word. */
#define LITERAL_BYTE(s, i) (sizeof(s) - 1 > (i) ? (__u64)(unsigned char)(s)[(i) < sizeof(s) ? (i) : 0] << (8 * (i)) : 0)
#define LITERAL_WORD(s)                                                                                    \
	(LITERAL_BYTE(s, 0) | LITERAL_BYTE(s, 1) | LITERAL_BYTE(s, 2) | LITERAL_BYTE(s, 3) | LITERAL_BYTE(s, 4) | \
	 LITERAL_BYTE(s, 5) | LITERAL_BYTE(s, 6) | LITERAL_BYTE(s, 7))

/*
 * Whether data[at...] starts with the `len` (at most 8) bytes whose word is
 * `word`. One load and one comparison rather than a loop of them: the
 * verifier follows each early exit of a loop as a path of its own, and the
 * prefixes below, one after another, multiplied them by the thousand.
 */
static __always_inline bool has_word(const char *data, __u32 path_len, __u32 at, __u64 word, __u32 len)
{
	if (at + len > path_len)
		return false;

	/* data[] runs well past PATH_ARG_MAX, so the 8 bytes are inside it. */
	__u64 bytes = *(const __u64 *)&data[at & (PATH_ARG_MAX - 1)];
	__u64 mask = len >= 8 ? ~0ULL : (1ULL << (8 * len)) - 1;

	return (bytes & mask) == word;
}

/* A literal of up to 8 bytes: longer ones are compared in parts. */
#define HAS_PREFIX(data, path_len, at, literal)                                                                  \
	({                                                                                                        \
		_Static_assert(sizeof(literal) - 1 <= 8, "compare longer literals in parts");                     \
		has_word(data, path_len, at, LITERAL_WORD(literal), sizeof(literal) - 1);                         \
	})

/*
 * A decimal number at rec->data[rec->lookup_from...] ended by '/': returns
 * it, and moves lookup_from past the '/'; -1 where there is none. While a
 * link is recognised, lookup_from is where it has read to (the rest of the
 * argument starts there once it is). A global function, so that the
 * verifier checks its loop once, not at each place a PID or a file
 * descriptor is read, with each of the ways there.
 */
__noinline int number_then_slash(__u32 slot, __u32 path_len)
{
	struct deletion_record *rec = record_of_slot(slot);

	if (!rec || path_len > PATH_ARG_MAX)
		return -1;

	const char *data = rec->data;
	__u32 pos = rec->lookup_from;
	__u64 number = 0;
	int digits = 0;

	for (int i = 0; i < PROC_PID_DIGITS_MAX; i++, pos++) {
		if (pos >= path_len)
			return -1;
		char c = data[pos & (PATH_ARG_MAX - 1)];

		if (c < '0' || c > '9')
			break;
		number = number * 10 + (c - '0');
		digits++;
	}
	if (digits == 0 || number > 0x7fffffff || pos >= path_len || data[pos & (PATH_ARG_MAX - 1)] != '/')
		return -1;
	rec->lookup_from = pos + 1;
	return number;
}

/* The task's thread-group id as its own PID namespace numbers it, which is
 * what its /proc shows. */
static __always_inline __u32 pid_in_own_namespace(struct task_struct *task, struct task_struct *leader)
{
	unsigned int level = BPF_CORE_READ(task, thread_pid, level);
	struct pid *pid = BPF_CORE_READ(leader, thread_pid);
	struct upid upid = {};

	/* numbers[] grows with the nesting level: read it past its declared size. */
	bpf_core_read(&upid, sizeof(upid), &pid->numbers[level & 31]);
	return upid.nr;
}

/* The caller, or the ancestor whose thread-group id is `pid` in the caller's namespace. */
static __always_inline struct task_struct *task_with_pid(struct task_struct *task, __u32 pid)
{
	struct task_struct *candidate = task;

	for (int i = 0; i <= ANCESTORS_MAX; i++) {
		struct task_struct *leader = BPF_CORE_READ(candidate, group_leader);

		if (pid_in_own_namespace(task, leader) == pid)
			return candidate;
		struct task_struct *parent = BPF_CORE_READ(candidate, real_parent);

		if (!parent || parent == candidate)
			break;
		candidate = parent;
	}
	return NULL;
}

/* The file open at `fd` in `task`. */
static __always_inline bool file_of(struct task_struct *task, int fd, struct dentry **dentry, struct vfsmount **vfsmnt)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;
	struct path path;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return false;
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return false;
	if (bpf_core_read(&path, sizeof(path), &file->f_path))
		return false;
	*dentry = path.dentry;
	*vfsmnt = path.mnt;
	return *dentry && *vfsmnt;
}

/*
 * Recognises a magic link at the start of the absolute argument in the
 * slot's record. Where it is one, rec->lookup_from is where the rest of the
 * argument, relative to it, starts; on PROC_LINK_FOUND, walk_in_progress()->
 * found is where it leads. A global function: every path through the text
 * it matches is checked once, here, and its caller sees one number.
 */
__noinline int proc_link_base(__u32 slot, __u32 path_len)
{
	struct deletion_record *rec = record_of_slot(slot);
	struct walk *walk = walk_in_progress();

	if (!rec || !walk || path_len > PATH_ARG_MAX)
		return PROC_LINK_NONE;

	struct place *base = &walk->found;
	struct task_struct *task = current_task();
	struct task_struct *owner = task;
	const char *data = rec->data;
	int number;
	__u32 at;

	if (HAS_PREFIX(data, path_len, 0, "/dev/fd/")) {
		rec->lookup_from = sizeof("/dev/fd/") - 1;
		goto fd;
	}
	if (!HAS_PREFIX(data, path_len, 0, "/proc/"))
		return PROC_LINK_NONE;
	at = sizeof("/proc/") - 1;
	if (HAS_PREFIX(data, path_len, at, "self/")) {
		at += sizeof("self/") - 1;
	} else if (HAS_PREFIX(data, path_len, at, "thread-s") && HAS_PREFIX(data, path_len, at + 8, "elf/")) {
		at += sizeof("thread-self/") - 1;
	} else {
		rec->lookup_from = at;
		number = number_then_slash(slot, path_len);
		if (number < 0)
			return PROC_LINK_NONE;
		at = rec->lookup_from;
		owner = task_with_pid(task, number);
	}

	if (HAS_PREFIX(data, path_len, at, "cwd/")) {
		rec->lookup_from = at + sizeof("cwd/") - 1;
		if (!owner)
			return PROC_LINK_UNRESOLVED;
		base->dentry = BPF_CORE_READ(owner, fs, pwd.dentry);
		base->vfsmnt = BPF_CORE_READ(owner, fs, pwd.mnt);
		return base->dentry && base->vfsmnt ? PROC_LINK_FOUND : PROC_LINK_UNRESOLVED;
	}
	if (HAS_PREFIX(data, path_len, at, "root/")) {
		rec->lookup_from = at + sizeof("root/") - 1;
		if (!owner)
			return PROC_LINK_UNRESOLVED;
		base->dentry = BPF_CORE_READ(owner, fs, root.dentry);
		base->vfsmnt = BPF_CORE_READ(owner, fs, root.mnt);
		return base->dentry && base->vfsmnt ? PROC_LINK_FOUND : PROC_LINK_UNRESOLVED;
	}
	if (!HAS_PREFIX(data, path_len, at, "fd/"))
		return PROC_LINK_NONE;
	rec->lookup_from = at + sizeof("fd/") - 1;
fd:
	number = number_then_slash(slot, path_len);
	if (number < 0)
		return PROC_LINK_NONE;
	if (!owner)
		return PROC_LINK_UNRESOLVED;
	return file_of(owner, number, &base->dentry, &base->vfsmnt) ? PROC_LINK_FOUND : PROC_LINK_UNRESOLVED;
}

#endif /* SYSCALL_TRACE_PROC_LINKS_BPF_H */
