// SPDX-License-Identifier: GPL-2.0
// An empty raw_tp/sys_enter program with empty programs on the exit
// tracepoints of unlink, unlinkat and rmdir: the floor of a tracer that takes
// each call's arguments on the raw tracepoint but its result only where the
// call is a deletion, instead of on raw_tp/sys_exit after every syscall.
#include "empty_programs.bpf.h"

EMPTY_RAW_SYS_ENTER
EMPTY_SYSCALL_TRACEPOINT(sys_exit_unlink)
EMPTY_SYSCALL_TRACEPOINT(sys_exit_unlinkat)
EMPTY_SYSCALL_TRACEPOINT(sys_exit_rmdir)
