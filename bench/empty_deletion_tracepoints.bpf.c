// SPDX-License-Identifier: GPL-2.0
// Programs that return at once on the enter and exit tracepoints of unlink,
// unlinkat and rmdir: the floor of a tracer built on the syscall tracepoints
// that also reports each call's result.
#include "empty_programs.bpf.h"

EMPTY_SYSCALL_TRACEPOINT(sys_enter_unlink)
EMPTY_SYSCALL_TRACEPOINT(sys_exit_unlink)
EMPTY_SYSCALL_TRACEPOINT(sys_enter_unlinkat)
EMPTY_SYSCALL_TRACEPOINT(sys_exit_unlinkat)
EMPTY_SYSCALL_TRACEPOINT(sys_enter_rmdir)
EMPTY_SYSCALL_TRACEPOINT(sys_exit_rmdir)
