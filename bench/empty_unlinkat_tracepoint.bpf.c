// SPDX-License-Identifier: GPL-2.0
// A program that returns at once on the syscall tracepoint of unlinkat alone.
// The kernel calls it only for unlinkat, not for every syscall.
#include "empty_programs.bpf.h"

EMPTY_PROGRAM("tracepoint/syscalls/sys_enter_unlinkat", empty_enter_unlinkat)
