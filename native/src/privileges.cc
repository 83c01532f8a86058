#include "privileges.h"

#include <dirent.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <vector>

namespace {

// glibc's own way of changing every thread's uid (setxid) is to signal each
// thread and have it make the system call itself. There is no such broadcast
// for capset(2), so this file does the same with the signal glibc reserves
// for pthread_cancel (SIGCANCEL, the first real-time signal). It is the only
// signal besides glibc's setxid signal that no thread can block: Node's
// inspector thread blocks all others, so an ordinary signal would never reach
// it. glibc installs its own SIGCANCEL handler only once pthread_cancel is
// first used, which Node never does; whatever was installed is put back.
constexpr int kBroadcastSignal = 32;
// Spare signal used for a moment to obtain glibc's form of a handler (see
// InstallBroadcastHandler).
constexpr int kSpareSignal = 64;  // SIGRTMAX on Linux
// How long the threads get to answer before the drop counts as failed.
constexpr int kAnswerTimeoutMs = 2000;
// Threads started while a round runs are caught by the next round.
constexpr int kMaxRounds = 8;

enum class Step : int {
  kNone = 0,
  kBoundingSet,
  kAmbientSet,
  kKeepCapabilities,
  kGroups,
  kGid,
  kUid,
  kCapabilities,
  kNoNewPrivileges,
};

const char* StepText(Step step) {
  switch (step) {
    case Step::kBoundingSet:
      return "dropping capabilities from the bounding set";
    case Step::kAmbientSet:
      return "clearing the ambient capabilities";
    case Step::kKeepCapabilities:
      return "keeping capabilities across the change of user";
    case Step::kGroups:
      return "setting the supplementary groups";
    case Step::kGid:
      return "switching group";
    case Step::kUid:
      return "switching user";
    case Step::kCapabilities:
      return "setting the capabilities";
    case Step::kNoNewPrivileges:
      return "setting no_new_privs";
    case Step::kNone:
      break;
  }
  return "giving up privileges";
}

// Read by the signal handler, so set before the broadcast and left alone
// while it runs.
PrivilegeDrop drop_in_progress;
int last_capability = 40;
bool may_shrink_bounding_set = false;
pid_t own_pid = 0;

std::atomic<int> threads_answered{0};
std::atomic<int> first_error{0};
std::atomic<int> failed_step{0};

void Fail(Step step, int error_number) {
  int none = 0;
  if (first_error.compare_exchange_strong(none, error_number)) failed_step.store(static_cast<int>(step));
}

bool Kept(int capability) { return (drop_in_progress.kept_capabilities >> capability) & 1; }

// Runs in each thread, from the signal handler for all but the caller: only
// raw system calls, no locks, no allocation. The order matters: the bounding
// set needs CAP_SETPCAP, which the uid change and capset take away.
void RestrictThisThread() {
  if (may_shrink_bounding_set) {
    for (int capability = 0; capability <= last_capability; capability++) {
      if (Kept(capability)) continue;
      if (syscall(SYS_prctl, PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 && errno != EINVAL) {
        Fail(Step::kBoundingSet, errno);
      }
    }
  }
  if (syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    Fail(Step::kAmbientSet, errno);
  }
  if (drop_in_progress.become_user) {
    // Leaving uid 0 clears the permitted set unless the thread asks to keep it.
    bool keep = drop_in_progress.kept_capabilities != 0;
    if (keep && syscall(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) Fail(Step::kKeepCapabilities, errno);
    gid_t gid = drop_in_progress.gid;
    uid_t uid = drop_in_progress.uid;
    if (syscall(SYS_setgroups, 1, &gid) != 0) Fail(Step::kGroups, errno);
    if (syscall(SYS_setresgid, gid, gid, gid) != 0) Fail(Step::kGid, errno);
    if (syscall(SYS_setresuid, uid, uid, uid) != 0) Fail(Step::kUid, errno);
    if (keep) syscall(SYS_prctl, PR_SET_KEEPCAPS, 0, 0, 0, 0);
  }
  __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  for (int word = 0; word < _LINUX_CAPABILITY_U32S_3; word++) {
    uint32_t kept = static_cast<uint32_t>(drop_in_progress.kept_capabilities >> (32 * word));
    data[word].permitted = kept;
    data[word].effective = kept;
    data[word].inheritable = 0;
  }
  if (syscall(SYS_capset, &header, data) != 0) Fail(Step::kCapabilities, errno);
  if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) Fail(Step::kNoNewPrivileges, errno);
}

void OnBroadcastSignal(int, siginfo_t* info, void*) {
  int saved_errno = errno;
  if (info->si_code == SI_TKILL && info->si_pid == own_pid) {
    RestrictThisThread();
    threads_answered.fetch_add(1);
  }
  errno = saved_errno;
}

// The kernel's struct sigaction (x86_64 and arm64 alike), as rt_sigaction(2)
// takes it.
struct KernelSigaction {
  void (*handler)(int, siginfo_t*, void*);
  unsigned long flags;
  void (*restorer)();
  uint64_t mask;
};

// glibc refuses sigaction() on the signals it reserves, and on x86_64 the
// kernel needs the return trampoline (sa_restorer) that glibc supplies. So
// the handler is installed through glibc on a spare signal, read back in the
// kernel's form, and that form is given to the broadcast signal.
KernelSigaction InstallBroadcastHandler() {
  struct sigaction glibc_form = {};
  struct sigaction spare_before = {};
  glibc_form.sa_sigaction = OnBroadcastSignal;
  glibc_form.sa_flags = SA_SIGINFO | SA_RESTART;
  sigfillset(&glibc_form.sa_mask);
  if (sigaction(kSpareSignal, &glibc_form, &spare_before) != 0) {
    throw SystemError(errno, "giving up privileges: installing a signal handler failed");
  }
  KernelSigaction kernel_form = {};
  long read_back = syscall(SYS_rt_sigaction, kSpareSignal, nullptr, &kernel_form, sizeof(uint64_t));
  int read_error = errno;
  sigaction(kSpareSignal, &spare_before, nullptr);
  if (read_back != 0) throw SystemError(read_error, "giving up privileges: reading a signal handler back failed");

  KernelSigaction previous = {};
  if (syscall(SYS_rt_sigaction, kBroadcastSignal, &kernel_form, &previous, sizeof(uint64_t)) != 0) {
    throw SystemError(errno, "giving up privileges: installing the broadcast signal handler failed");
  }
  return previous;
}

void RestoreBroadcastHandler(const KernelSigaction& previous) {
  syscall(SYS_rt_sigaction, kBroadcastSignal, &previous, nullptr, sizeof(uint64_t));
}

std::vector<pid_t> ThreadsOfThisProcess() {
  std::vector<pid_t> threads;
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) throw SystemError(errno, "giving up privileges: /proc/self/task cannot be read");
  while (dirent* entry = readdir(tasks)) {
    if (entry->d_name[0] == '.') continue;
    threads.push_back(static_cast<pid_t>(std::strtol(entry->d_name, nullptr, 10)));
  }
  closedir(tasks);
  return threads;
}

int LastCapability() {
  std::ifstream file("/proc/sys/kernel/cap_last_cap");
  int last = 0;
  if (file >> last) return last;
  return CAP_LAST_CAP;
}

bool HasEffectiveCapability(int capability) {
  __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  return (data[capability / 32].effective >> (capability % 32)) & 1;
}

bool WaitForAnswers(int expected) {
  timespec pause = {0, 1000 * 1000};
  for (int waited_ms = 0; waited_ms < kAnswerTimeoutMs; waited_ms++) {
    if (threads_answered.load() >= expected) return true;
    nanosleep(&pause, nullptr);
  }
  return threads_answered.load() >= expected;
}

}  // namespace

void DropPrivilegesInEveryThread(const PrivilegeDrop& drop) {
  drop_in_progress = drop;
  last_capability = LastCapability();
  may_shrink_bounding_set = HasEffectiveCapability(CAP_SETPCAP);
  own_pid = getpid();
  threads_answered.store(0);
  first_error.store(0);
  failed_step.store(0);

  const pid_t caller = static_cast<pid_t>(syscall(SYS_gettid));
  std::set<pid_t> signalled = {caller};
  KernelSigaction previous = InstallBroadcastHandler();
  int expected = 0;
  for (int round = 0; round < kMaxRounds; round++) {
    int sent = 0;
    for (pid_t thread : ThreadsOfThisProcess()) {
      if (!signalled.insert(thread).second) continue;
      // ESRCH: the thread ended since the listing, and took its credentials with it.
      if (syscall(SYS_tgkill, own_pid, thread, kBroadcastSignal) == 0) sent++;
    }
    if (sent == 0) break;
    expected += sent;
    if (!WaitForAnswers(expected)) {
      // A thread has yet to run the handler: leave it installed, since the
      // default action of this signal would end the process.
      throw SystemError(ETIMEDOUT, "giving up privileges: a thread did not answer within 2 seconds");
    }
  }
  RestoreBroadcastHandler(previous);
  RestrictThisThread();

  int error_number = first_error.load();
  if (error_number != 0) {
    throw SystemError(error_number, std::string(StepText(static_cast<Step>(failed_step.load()))) +
                                        " failed: " + ErrnoText(error_number));
  }
}
