// SPDX-License-Identifier: GPL-2.0
// Two programs that return at once, on raw_tp/sys_enter and raw_tp/sys_exit:
// the floor of a tracer that, like ours, also needs each call's result.
#include "empty_programs.bpf.h"

EMPTY_RAW_SYS_ENTER
EMPTY_PROGRAM("raw_tp/sys_exit", empty_sys_exit)
