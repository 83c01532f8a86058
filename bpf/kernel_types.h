/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel types the deletion tracer reads, declared for CO-RE.
 *
 * This stands in for the multi-megabyte vmlinux.h that bpftool can dump: every
 * struct carries preserve_access_index, so each field access is recorded as a
 * relocation and libbpf rewrites it at load time to the running kernel's layout
 * (read from /sys/kernel/btf/vmlinux). Only the fields used are declared, and
 * their order here means nothing. Fields that sit inside anonymous unions in
 * some kernels (dentry.d_name, file.f_path in 6.x) are matched by name through
 * those unions, so they are declared as plain members.
 */
#ifndef SYSCALL_TRACE_KERNEL_TYPES_H
#define SYSCALL_TRACE_KERNEL_TYPES_H

/* bpf_tracing.h picks the kernel's pt_regs field names (di, si, ...) when
 * it sees vmlinux.h's guard; this header plays vmlinux.h's part. */
#ifndef __VMLINUX_H__
#define __VMLINUX_H__
#endif

#include <linux/types.h>
#include <linux/bpf.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;
typedef _Bool bool;
#define true 1
#define false 0

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

#if defined(__TARGET_ARCH_x86)
struct pt_regs {
	unsigned long r10; /* a syscall's fourth argument */
	unsigned long r8;  /* its fifth */
	unsigned long bx;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
	unsigned long sp;
	unsigned long ip;
	unsigned long ax;
};
#elif defined(__TARGET_ARCH_arm64)
/* bpf_tracing.h reads arm64 registers through the UAPI user_pt_regs. */
struct user_pt_regs {
	__u64 regs[31];
	__u64 sp;
	__u64 pc;
	__u64 pstate;
};
struct pt_regs {
	__u64 regs[31];
	__u64 orig_x0;
	__s32 syscallno;
};
#endif

struct thread_info {
	unsigned long flags;
	u32 status;
};

struct qstr {
	u32 len;
	u64 hash_len; /* the name's hash and length in one word: changes with the name */
	const unsigned char *name;
};

/* include/linux/seqlock_types.h: d_seq's count moves with every d_move() of
 * its dentry (a rename, or a move to another parent). */
struct seqcount {
	unsigned int sequence;
};

struct seqcount_spinlock {
	struct seqcount seqcount;
};

struct hlist_node {
	struct hlist_node *next;
};

struct hlist_head {
	struct hlist_node *first;
};

struct hlist_bl_node {
	struct hlist_bl_node *next, **pprev;
};

struct list_head {
	struct list_head *next;
};

struct inode {
	unsigned short i_mode;
	char *i_link; /* a symlink's target, where the file system keeps it in memory */
};

struct super_block {
	u32 s_dev;
	unsigned long s_magic;
};

/* Children are an hlist (d_children, linked through d_sib) since Linux 6.8. */
struct dentry {
	unsigned int d_flags;
	struct seqcount_spinlock d_seq;
	struct hlist_bl_node d_hash;
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
	struct super_block *d_sb;
	struct hlist_node d_sib;
	struct hlist_head d_children;
};

/* Before Linux 6.8 a directory's children were a list: d_subdirs, linked
 * through each child's d_child. */
struct dentry___lists {
	struct list_head d_child;
	struct list_head d_subdirs;
};

/* include/linux/dcache.h: bits of d_flags, enum members since Linux 6.15. */
enum dentry_flags {
	DCACHE_OP_REVALIDATE = 1 << 2,
	DCACHE_MOUNTED = 1 << 15,
};

struct vfsmount {
	struct dentry *mnt_root;
	struct super_block *mnt_sb;
};

/* fs/mount.h: the vfsmount that paths point to is embedded in a mount. */
struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
	struct list_head mnt_mounts; /* mounts on this one's dentries, linked through their mnt_child */
	struct list_head mnt_child;
};

struct ns_common {
	unsigned int inum;
};

struct mnt_namespace {
	struct ns_common ns;
	struct mount *root;
};

struct nsproxy {
	struct mnt_namespace *mnt_ns;
};

struct upid {
	int nr;
};

struct pid {
	unsigned int level;
	struct upid numbers[1];
};

struct kernfs_node {
	const char *name;
	struct kernfs_node *__parent; /* "parent" before Linux 6.15 */
};

struct kernfs_node___old {
	struct kernfs_node *parent;
};

struct cgroup {
	struct kernfs_node *kn;
};

struct css_set {
	struct cgroup *dfl_cgrp;
};

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

struct fs_struct {
	struct path root;
	struct path pwd;
};

struct file {
	struct path f_path;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
};

struct task_struct {
	struct thread_info thread_info;
	int pid;
	int tgid;
	struct task_struct *real_parent;
	char comm[16];
	u64 start_time;
	u64 start_boottime;
	u64 self_exec_id;
	struct fs_struct *fs;
	struct files_struct *files;
	struct mm_struct *mm;
	struct nsproxy *nsproxy;
	struct pid *thread_pid;
	struct task_struct *group_leader;
	struct css_set *cgroups;
};

/* io_uring (io_uring/io_uring.h, io_uring/fs.c): a request, and the command
 * an IORING_OP_UNLINKAT request carries at its start (io_kiocb_to_cmd()). */
struct filename {
	const char *name; /* the kernel's copy of the path argument */
};

struct io_unlink {
	int dfd;
	int flags;
	struct filename *filename;
};

/* Linux 6.19 and later: the copy is held through a struct delayed_filename,
 * whose one member points to it. libbpf takes this flavour for struct
 * io_unlink wherever its filename is a struct rather than a pointer. */
struct delayed_filename {
	struct filename *__incomplete_filename;
};

struct io_unlink___delayed {
	struct delayed_filename filename;
};

/* An IORING_OP_RENAMEAT request's command, likewise. */
struct io_rename {
	int old_dfd;
	int new_dfd;
	struct filename *oldpath;
	struct filename *newpath;
	int flags;
};

struct io_rename___delayed {
	struct delayed_filename oldpath;
	struct delayed_filename newpath;
};

struct io_cqe {
	s32 res;
};

struct io_kiocb {
	u8 opcode;
	u64 flags;
	struct io_cqe cqe;
};

#pragma clang attribute pop

/*
 * The context of tracepoint/syscalls/sys_enter_<name> and sys_exit_<name>
 * programs: the event record, laid out as
 * /sys/kernel/tracing/events/syscalls/sys_enter_unlinkat/format shows it
 * (kernel/trace/trace_syscalls.c: struct syscall_trace_enter and _exit). That
 * format is a user-space interface, so these are plain structs, not CO-RE
 * relocated: each argument is widened to 8 bytes, whatever its C type.
 */
struct syscall_enter_event {
	__u64 common;         /* common_type, common_flags, common_preempt_count, common_pid */
	__s32 nr;             /* __syscall_nr */
	__u64 args[6];        /* only the syscall's own arguments are there */
};

struct syscall_exit_event {
	__u64 common;
	__s32 nr;
	__s64 ret;
};

#endif /* SYSCALL_TRACE_KERNEL_TYPES_H */
