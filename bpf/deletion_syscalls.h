/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which syscalls delete (or rename, which takes a name away too), per ABI,
 * and where each ABI keeps their arguments.
 *
 * raw_tp/sys_enter reports the number as the calling task's own syscall table
 * knows it, so a number means nothing without the ABI: 10 is unlink for a
 * 32-bit x86 task and mprotect for a 64-bit one. Each table below is one ABI's
 * list of (number, syscall, name) triples, taken from the kernel's syscall
 * tables. x32 calls carry bit 30 in their number, so they never match these
 * tables. The native table's names are also those of the syscall tracepoints
 * (tracepoint/syscalls/sys_enter_<name>), which exist for the native ABI only.
 */
#ifndef SYSCALL_TRACE_DELETION_SYSCALLS_H
#define SYSCALL_TRACE_DELETION_SYSCALLS_H

#include "deletions.h"

#if defined(__TARGET_ARCH_x86)

/* arch/x86/entry/syscalls/syscall_64.tbl */
#define NATIVE_ABI ABI_X86_64
#define NATIVE_DELETION_SYSCALLS(X)    \
	X(87, DELETION_UNLINK, unlink)         \
	X(263, DELETION_UNLINKAT, unlinkat)    \
	X(84, DELETION_RMDIR, rmdir)           \
	X(82, DELETION_RENAME, rename)         \
	X(264, DELETION_RENAMEAT, renameat)    \
	X(316, DELETION_RENAMEAT2, renameat2)

/* The syscall convention passes the fourth argument in r10, not in rcx as a
 * function call does: the _SYSCALL readers know it. */
#define NATIVE_ARG4(regs) PT_REGS_PARM4_CORE_SYSCALL(regs)
#define NATIVE_ARG5(regs) PT_REGS_PARM5_CORE_SYSCALL(regs)

/* arch/x86/entry/syscalls/syscall_32.tbl */
#define COMPAT_ABI ABI_IA32
#define COMPAT_UNLINKAT_NR 301
#define COMPAT_RENAMEAT_NR 302
#define COMPAT_RENAMEAT2_NR 353

/* The 32-bit convention passes arguments in ebx, ecx, edx, esi, edi; the
 * kernel saves them in pt_regs as they were, without moving them to the
 * 64-bit places. */
#define COMPAT_ARG1(regs) BPF_CORE_READ(regs, bx)
#define COMPAT_ARG2(regs) BPF_CORE_READ(regs, cx)
#define COMPAT_ARG3(regs) BPF_CORE_READ(regs, dx)
#define COMPAT_ARG4(regs) BPF_CORE_READ(regs, si)
#define COMPAT_ARG5(regs) BPF_CORE_READ(regs, di)

/* arch/x86/include/asm/thread_info.h: set on entry to a 32-bit syscall and
 * cleared on the way back to user mode, so it is exact at sys_enter and
 * sys_exit, including for int $0x80 from 64-bit code. */
#define TS_COMPAT 0x0002

static __always_inline bool in_compat_syscall(struct task_struct *task)
{
	return TASK_READ(task, thread_info.status) & TS_COMPAT;
}

#elif defined(__TARGET_ARCH_arm64)

/* include/uapi/asm-generic/unistd.h: arm64 has no unlink, rmdir or rename. */
#define NATIVE_ABI ABI_ARM64
#define NATIVE_DELETION_SYSCALLS(X)        \
	X(35, DELETION_UNLINKAT, unlinkat)   \
	X(38, DELETION_RENAMEAT, renameat)   \
	X(276, DELETION_RENAMEAT2, renameat2)

#define NATIVE_ARG4(regs) PT_REGS_PARM4_CORE_SYSCALL(regs)
#define NATIVE_ARG5(regs) PT_REGS_PARM5_CORE_SYSCALL(regs)

/* arch/arm64/include/asm/unistd32.h */
#define COMPAT_ABI ABI_AARCH32
#define COMPAT_UNLINKAT_NR 328
#define COMPAT_RENAMEAT_NR 329
#define COMPAT_RENAMEAT2_NR 382

/* AArch32 passes arguments in r0-r4, saved where x0-x4 would be. */
#define COMPAT_ARG1(regs) PT_REGS_PARM1_CORE(regs)
#define COMPAT_ARG2(regs) PT_REGS_PARM2_CORE(regs)
#define COMPAT_ARG3(regs) PT_REGS_PARM3_CORE(regs)
#define COMPAT_ARG4(regs) PT_REGS_PARM4_CORE(regs)
#define COMPAT_ARG5(regs) PT_REGS_PARM5_CORE(regs)

/* arch/arm64/include/asm/thread_info.h: a whole task is AArch32 or not. */
#define TIF_32BIT 22

static __always_inline bool in_compat_syscall(struct task_struct *task)
{
	return TASK_READ(task, thread_info.flags) & (1UL << TIF_32BIT);
}

#else
#error "deletion syscalls are tabled for x86 and arm64 only"
#endif

/* Both 32-bit ABIs number unlink, rmdir and rename as i386 did; the *at
 * calls came later and have numbers of their own in each (above). */
#define COMPAT_DELETION_SYSCALLS(X)                           \
	X(10, DELETION_UNLINK, unlink)                        \
	X(COMPAT_UNLINKAT_NR, DELETION_UNLINKAT, unlinkat)    \
	X(40, DELETION_RMDIR, rmdir)                          \
	X(38, DELETION_RENAME, rename)                        \
	X(COMPAT_RENAMEAT_NR, DELETION_RENAMEAT, renameat)    \
	X(COMPAT_RENAMEAT2_NR, DELETION_RENAMEAT2, renameat2)

#endif /* SYSCALL_TRACE_DELETION_SYSCALLS_H */
