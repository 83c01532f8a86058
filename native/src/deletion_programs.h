// The BPF programs of bpf/deletions.bpf.c as a plain C++ class: it opens,
// loads and attaches the bpftool skeleton of one program set and one attach
// mode, and hands out
// the records of its ring buffer (ring_buffer_drain.h empties it from a
// thread of its own). It knows nothing of N-API;
// deletion_programs_binding.cc converts between it and JavaScript, where
// helper/tracing/deletionTracer.ts turns its records into deletions (docs/helper.md,
// "The addon (native/)").
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kernel_features.h"  // ProgramSet
#include "system_error.h"

struct deletions;  // the bpftool skeleton (deletions.skel.h)
struct bpf_link;
struct bpf_program;
struct ring_buffer;
struct process_key;  // bpf/deletions.h

// Which of the two sets of programs in bpf/deletions.bpf.c carries the
// deletions; only that set is loaded.
enum class AttachMode {
  // raw_tp/sys_enter and raw_tp/sys_exit: a program runs at every syscall of
  // the machine; sees the deletions of 32-bit programs too.
  kRaw,
  // tracepoint/syscalls/sys_{enter,exit}_<deletion syscall>: a program runs
  // at deletion syscalls only; the kernel does not show these tracepoints the
  // deletions of 32-bit programs on a 64-bit kernel.
  kTracepoint,
};

struct ProgramOptions {
  AttachMode attach_mode = AttachMode::kRaw;
  // Which of the two objects is opened: both have the same maps, programs
  // and globals, so everything but the open is the same for either.
  ProgramSet program_set = ProgramSet::kNewer;
  // BTF describing the running kernel; empty means /sys/kernel/btf/vmlinux.
  std::string btf_path;
  // Kernel memory for records on their way to user space: a power of two,
  // and a multiple of the page size. It holds only what comes between two
  // passes of the addon's drain thread (a storm waits in its queue, not
  // here): 4 MiB hold some 30,000 deletions of short paths, a 16-core storm's
  // worth of 15 ms. The kernel maps all of it into the helper, twice over (the
  // second mapping makes a wrapped record readable in one piece), so every
  // MiB here is two of the helper's resident memory.
  uint32_t ring_buffer_bytes = 4u << 20;
  // Tracepoint mode: open the perf events that carry the programs now, while
  // the helper is privileged, and keep them until it ends, attaching each
  // time through a duplicate of each; otherwise they are opened anew at every
  // attach and closed at every detach. Kept events leave the kernel's syscall
  // tracepoints switched on while nothing is attached (a cost to every
  // syscall of the machine), so the helper keeps them only where it could not
  // open them again once unprivileged (docs/privileges.md, "Privileges").
  bool keep_tracepoint_events = false;
};

// What the kernel side could not deliver, summed over all CPUs.
struct LostCounts {
  uint64_t deletions = 0;  // deletion records that found the ring buffer full
  uint64_t processes = 0;  // command-line records that found it full
  uint64_t in_flight = 0;  // calls that found no task storage at entry
  uint64_t filtered = 0;   // not lost: deletions found out of scope in the kernel
};

class DeletionPrograms {
 public:
  // Opens and loads the BPF object: this is the step that needs privileges.
  explicit DeletionPrograms(const ProgramOptions& options);
  ~DeletionPrograms();
  DeletionPrograms(const DeletionPrograms&) = delete;
  DeletionPrograms& operator=(const DeletionPrograms&) = delete;

  // Attaching starts a new generation: calls caught half-way by an earlier
  // detach are forgotten rather than reported with a later call's result.
  void Attach();
  // Detaches the entry programs (and io_uring's submission) only: no call
  // starts that would be seen, while those under way are still reported at
  // their exit. Detach() then detaches the rest.
  void DetachEntries();
  void Detach();
  bool attached() const { return !links_.empty() || gates_open_; }
  // Deletion calls and io_uring unlinks of the latest attach that were seen
  // to start and not yet to end: waited for before the exits are detached,
  // and what is left then is lost, counted.
  uint64_t calls_in_flight() const;

  void SetReportFailed(bool report_failed);

  // Whether io_uring's unlink requests are traced: false on a kernel without
  // io_uring's submission and completion tracepoints, or where its programs
  // could not be loaded (io_uring_problem() says why).
  bool traces_io_uring() const { return traces_io_uring_; }
  const std::string& io_uring_problem() const { return io_uring_problem_; }

  // Readable (epoll) whenever records wait in the ring buffer.
  int poll_fd() const;

  // Takes one record (its bytes are the ring buffer's, valid during the
  // call): false to stop after it. It must not throw: libbpf's C code lies
  // between it and Consume's caller.
  using RecordTaker = std::function<bool(const uint8_t* record, size_t size)>;

  // Hands the waiting records to `take`, oldest first, until none waits or
  // `take` returns false; the record it returned false for is consumed all
  // the same. Returns whether records may still be waiting. libbpf's ring
  // buffer is not thread-safe: one thread at a time may call this (the drain
  // thread while it runs, the libuv loop's otherwise).
  bool Consume(const RecordTaker& take);

  LostCounts Lost() const;

  // User space no longer holds this process's command line: the kernel will
  // send it again with the process's next deletion. Safe from any thread.
  void ForgetProcess(const process_key& key);

  // User space has forgotten the directory names it kept by id: every
  // thread names its directory in full again (docs/path-resolution.md, "Directory
  // names, once").
  void ForgetDirectories();

  // The kernel's own scope (docs/path-resolution.md, "Scope in the kernel").
  // ClearScope: every deletion is sent again. LearnScope: shows the kernel
  // the folders open at `fds` (O_PATH) by calling unlinkat(fd, "", 0) on
  // each, which the attached programs take for a lesson; where it learned
  // them all, it sends no deletion it can tell is outside them. Returns how
  // many it learned. Call from one thread, while attached.
  void ClearScope();
  size_t LearnScope(const std::vector<int>& fds);

 private:
  // One program of the attach mode in use, and where it attaches.
  struct Hook {
    bpf_program* program;
    std::string tracepoint;  // "sys_exit", "io_uring_complete" (raw), "syscalls/sys_exit_unlinkat" (perf)
    bool at_exit;            // where a call or request ends: attached first, detached last
    bool perf_event;         // a tracepoint attached through a perf event, not a raw tracepoint
    int tracepoint_id;       // perf events: the tracepoint's number
    int kept_perf_event;     // perf events kept from the load (keep_tracepoint_events), or -1
    bool stays_attached;     // gated: the program is on its kept perf event until the end
  };

  static int OnRecord(void* context, void* data, size_t size);
  // Opens the skeleton and chooses the programs to load: those of `mode`, and
  // io_uring's where `io_uring` and the kernel has their tracepoints.
  void Open(const ProgramOptions& options, bool io_uring);
  void ChooseHooks(AttachMode mode, const std::string& btf_path, bool io_uring);
  // Tracepoint mode: reads each tracepoint's number while tracefs may still
  // be read (see syscall_tracepoints.h).
  void NumberTracepoints();
  // Older set: empties calls_in_flight of the calls an earlier attach left
  // between entry and exit (docs/kernel-programs.md, "Two program sets").
  void ForgetEarlierCalls();
  // Tracepoint mode with keep_tracepoint_events: opens each perf event while
  // the helper may still open them.
  void OpenKeptPerfEvents();
  void CloseKeptPerfEvents();
  bool HasPerfEventHooks() const;
  // Tracepoint mode: has libbpf choose how it attaches to perf events while
  // the helper may still load programs.
  void SettleAttachmentKind();
  // Gated tracepoints (kept perf events without BPF links, before Linux
  // 5.15): puts the hook's program on its kept perf event, where it stays.
  void AttachForGood(Hook& hook);
  void SetGates(bool entries_closed, bool exits_closed);
  bpf_link* AttachHook(const Hook& hook) const;
  // The perf event a perf-event hook attaches through: the link takes it, and
  // closes it at detach.
  int PerfEventToAttach(const Hook& hook) const;
  // For failures after the skeleton was loaded: frees it and the kept perf
  // events (ReleaseAfterLoad), then throws.
  void ReleaseAfterLoad();
  [[noreturn]] void ThrowAfterLoad(int error_number, const std::string& step);

  AttachMode attach_mode_;
  bool keep_tracepoint_events_;
  bool traces_io_uring_ = false;
  std::string io_uring_problem_;
  deletions* skeleton_ = nullptr;
  ring_buffer* ring_ = nullptr;
  std::vector<Hook> hooks_;
  std::vector<bpf_link*> links_;  // in the order they were attached
  // Kept perf events on a kernel without BPF links for them: a program put on
  // one through an ioctl runs until the event is closed, so the perf event
  // hooks stay attached from the first attach to the end, and attaching and
  // detaching open and close the programs' gates (docs/privileges.md, "Privileges").
  bool gated_perf_events_ = false;
  bool gates_open_ = false;
  size_t exit_links_ = 0;              // the first links_, those of the exits
  const RecordTaker* take_ = nullptr;  // set only during Consume
};
