// The syscall tracepoints (tracepoint/syscalls/sys_enter_<name>) as perf
// events. The kernel names a tracepoint by a number that only tracefs tells
// (events/<category>/<name>/id); a BPF program runs on it through a perf
// event opened for that number.
//
// The numbers are read once, while the helper may still read tracefs (it is
// root's alone, mode 0700), and the perf events are opened at each attach
// from the numbers: that needs CAP_PERFMON but no access to tracefs, so a
// helper that has become the user who asked for it can attach again.
#pragma once

#include <string>

// tracefs, for as long as the numbers are read. Where nothing is mounted at
// /sys/kernel/tracing (a minimal system, some containers), it mounts tracefs
// there (root only), and unmounts it again when destroyed: the helper leaves
// the machine's mounts as it found them.
class Tracefs {
 public:
  Tracefs();
  ~Tracefs();
  Tracefs(const Tracefs&) = delete;
  Tracefs& operator=(const Tracefs&) = delete;

  // The number of tracepoint `event`, e.g. "syscalls/sys_enter_unlinkat".
  // Throws SystemError with a sentence that says what to do.
  int TracepointId(const std::string& event) const;

 private:
  bool mounted_here_ = false;
};

// A perf event for tracepoint `id` in every task, to attach a BPF program to.
// Returns its file descriptor, or -1 with errno set.
int OpenTracepointEvent(int id);
