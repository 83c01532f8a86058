// Giving up privileges in every thread of the process, once the BPF programs
// are loaded and attached. It knows nothing of N-API; addon.cc converts
// between it and JavaScript.
//
// Why every thread: credentials (uids, gids, capability sets, securebits,
// no_new_privs) belong to each thread, not to the process. capset(2) and
// prctl(2) change only the calling thread, and Node starts its V8 platform
// workers, libuv threadpool and inspector signal thread before any of our
// code runs, each with the capabilities the process was started with. A
// thread left privileged is as good as the whole process being privileged:
// all threads share one address space.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "system_error.h"

// What every thread keeps, and whom it becomes.
struct PrivilegeDrop {
  // Bit n set: capability n stays in the permitted, effective and bounding
  // sets. Everything else is removed from all of them, and from the ambient
  // and inheritable sets.
  uint64_t kept_capabilities = 0;
  // Switch real, effective and saved uid and gid to these (with `gid` as the
  // only group): the user who asked for the helper through sudo or pkexec.
  bool become_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Applies `drop` to every thread of this process, the caller's last, and sets
// no_new_privs so that no later execve can regain anything. Call it from one
// thread at a time. Throws SystemError if any thread could not be
// restricted.
void DropPrivilegesInEveryThread(const PrivilegeDrop& drop);
