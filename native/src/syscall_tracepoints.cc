#include "syscall_tracepoints.h"

#include <linux/perf_event.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "system_error.h"

namespace {

constexpr const char* kTracefs = "/sys/kernel/tracing";
constexpr const char* kUseRawMode = "or use the raw attach mode";

}  // namespace

// An empty /sys/kernel/tracing is where tracefs is not mounted (a minimal
// system, some containers); the kernel itself always has it.
Tracefs::Tracefs() {
  std::string events = std::string(kTracefs) + "/events";
  if (access(events.c_str(), F_OK) == 0) return;
  int error_number = errno;
  if (error_number == ENOENT && mount("nodev", kTracefs, "tracefs", 0, nullptr) == 0) {
    mounted_here_ = true;
    return;
  }
  if (error_number == ENOENT) error_number = errno;
  throw SystemError(error_number, std::string("the syscall tracepoints need tracefs at ") + kTracefs +
                                      ", which could not be reached or mounted (" + ErrnoText(error_number) +
                                      "): mount it as root with `mount -t tracefs nodev " + kTracefs + "`, " +
                                      kUseRawMode);
}

// Detached lazily: a perf event opened on a tracepoint does not hold tracefs,
// and nothing else of the helper's does either.
Tracefs::~Tracefs() {
  if (mounted_here_) umount2(kTracefs, MNT_DETACH);
}

int Tracefs::TracepointId(const std::string& event) const {
  std::string file = std::string(kTracefs) + "/events/" + event + "/id";
  errno = 0;
  std::ifstream input(file);
  int id = -1;
  if (input >> id) return id;
  int error_number = errno != 0 ? errno : EINVAL;
  if (error_number == ENOENT) {
    throw SystemError(
        ENOENT, "this kernel has no tracepoint " + event + " (it needs CONFIG_FTRACE_SYSCALLS=y): " + kUseRawMode);
  }
  if (error_number == EACCES) {
    throw SystemError(EACCES, std::string("the syscall tracepoints are numbered in tracefs (") + kTracefs +
                                  "), which only root may read: start the helper as root, " + kUseRawMode);
  }
  throw SystemError(error_number, "reading " + file + " failed: " + ErrnoText(error_number));
}

int OpenTracepointEvent(int id) {
  perf_event_attr attr = {};
  attr.type = PERF_TYPE_TRACEPOINT;
  attr.size = sizeof(attr);
  attr.config = static_cast<uint64_t>(id);
  // pid -1 and cpu 0 (as libbpf does it): a BPF program on a tracepoint runs
  // wherever the tracepoint fires, in every task on every CPU.
  return static_cast<int>(syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC));
}
