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

/* Whether data[at...] starts with the `len` bytes of `prefix`. */
static __always_inline bool has_prefix(const char *data, __u32 path_len, __u32 at, const char *prefix, __u32 len)
{
	if (at + len > path_len)
		return false;
	for (__u32 i = 0; i < len; i++)
		if (data[(at + i) & (PATH_ARG_MAX - 1)] != prefix[i])
			return false;
	return true;
}

#define HAS_PREFIX(data, path_len, at, literal) has_prefix(data, path_len, at, literal, sizeof(literal) - 1)

/* A decimal number at data[*at...] ended by '/'; *at moves past the '/'. */
static __always_inline bool number_then_slash(const char *data, __u32 path_len, __u32 *at, __u32 *value)
{
	__u32 pos = *at;
	__u64 number = 0;
	int digits = 0;

	for (int i = 0; i < PROC_PID_DIGITS_MAX; i++, pos++) {
		if (pos >= path_len)
			return false;
		char c = data[pos & (PATH_ARG_MAX - 1)];

		if (c < '0' || c > '9')
			break;
		number = number * 10 + (c - '0');
		digits++;
	}
	if (digits == 0 || number > 0x7fffffff || pos >= path_len || data[pos & (PATH_ARG_MAX - 1)] != '/')
		return false;
	*value = number;
	*at = pos + 1;
	return true;
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
 * Recognises a magic link at the start of an absolute argument. Where it is
 * one, *after is where the rest of the argument, relative to it, starts; on
 * PROC_LINK_FOUND, (*dentry, *vfsmnt) is where it leads.
 */
static __always_inline enum proc_link_kind proc_link_base(struct task_struct *task, const char *data, __u32 path_len,
							 __u32 *after, struct dentry **dentry,
							 struct vfsmount **vfsmnt)
{
	struct task_struct *owner = task;
	__u32 at;
	__u32 number;

	if (HAS_PREFIX(data, path_len, 0, "/dev/fd/")) {
		at = sizeof("/dev/fd/") - 1;
		goto fd;
	}
	if (!HAS_PREFIX(data, path_len, 0, "/proc/"))
		return PROC_LINK_NONE;
	at = sizeof("/proc/") - 1;
	if (HAS_PREFIX(data, path_len, at, "self/")) {
		at += sizeof("self/") - 1;
	} else if (HAS_PREFIX(data, path_len, at, "thread-self/")) {
		at += sizeof("thread-self/") - 1;
	} else if (number_then_slash(data, path_len, &at, &number)) {
		owner = task_with_pid(task, number);
	} else {
		return PROC_LINK_NONE;
	}

	if (HAS_PREFIX(data, path_len, at, "cwd/")) {
		at += sizeof("cwd/") - 1;
		*after = at;
		if (!owner)
			return PROC_LINK_UNRESOLVED;
		*dentry = BPF_CORE_READ(owner, fs, pwd.dentry);
		*vfsmnt = BPF_CORE_READ(owner, fs, pwd.mnt);
		return *dentry && *vfsmnt ? PROC_LINK_FOUND : PROC_LINK_UNRESOLVED;
	}
	if (HAS_PREFIX(data, path_len, at, "root/")) {
		at += sizeof("root/") - 1;
		*after = at;
		if (!owner)
			return PROC_LINK_UNRESOLVED;
		*dentry = BPF_CORE_READ(owner, fs, root.dentry);
		*vfsmnt = BPF_CORE_READ(owner, fs, root.mnt);
		return *dentry && *vfsmnt ? PROC_LINK_FOUND : PROC_LINK_UNRESOLVED;
	}
	if (!HAS_PREFIX(data, path_len, at, "fd/"))
		return PROC_LINK_NONE;
	at += sizeof("fd/") - 1;
fd:
	if (!number_then_slash(data, path_len, &at, &number))
		return PROC_LINK_NONE;
	*after = at;
	if (!owner)
		return PROC_LINK_UNRESOLVED;
	return file_of(owner, number, dentry, vfsmnt) ? PROC_LINK_FOUND : PROC_LINK_UNRESOLVED;
}

#endif /* SYSCALL_TRACE_PROC_LINKS_BPF_H */
