// SPDX-License-Identifier: GPL-2.0
// The floor of the raw-tracepoint technique: a program on raw_tp/sys_enter
// that returns at once. It runs on every syscall of the machine.
#include "empty_programs.bpf.h"

EMPTY_RAW_SYS_ENTER
