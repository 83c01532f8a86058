// The BPF programs of bpf/deletions.bpf.c as a plain C++ class: it opens,
// loads and attaches the bpftool skeleton of one attach mode, and drains its
// ring buffer into batches. It knows nothing of N-API;
// deletion_programs_binding.cc converts between it and JavaScript, where
// helper/deletionTracer.ts turns its records into deletions (ARCHITECTURE.md,
// "The addon (native/)").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "system_error.h"

struct deletions;    // the bpftool skeleton (deletions.skel.h)
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
  // BTF describing the running kernel; empty means /sys/kernel/btf/vmlinux.
  std::string btf_path;
  // Kernel memory for records on their way to user space: a power of two,
  // and a multiple of the page size. While the helper's output is behind,
  // this is where a storm waits: 16 MiB hold about 120,000 deletions of short
  // paths (a record is ~140 bytes). The kernel maps all of it into the
  // helper, twice over (the second mapping makes a wrapped record readable
  // in one piece), so every MiB here is two of the helper's resident memory.
  uint32_t ring_buffer_bytes = 16u << 20;
};

// What the kernel side could not deliver, summed over all CPUs.
struct LostCounts {
  uint64_t deletions = 0;  // deletion records that found the ring buffer full
  uint64_t processes = 0;  // command-line records that found it full
  uint64_t in_flight = 0;  // calls that found no task storage at entry
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
  void Detach();
  bool attached() const { return !links_.empty(); }

  void SetReportFailed(bool report_failed);

  // Whether io_uring's unlink requests are traced: false on a kernel without
  // io_uring's submission and completion tracepoints, or where its programs
  // could not be loaded (io_uring_problem() says why).
  bool traces_io_uring() const { return traces_io_uring_; }
  const std::string& io_uring_problem() const { return io_uring_problem_; }

  // Readable (epoll) whenever records wait in the ring buffer.
  int poll_fd() const;

  // Appends the waiting records to *batch, each as its length (uint32_t,
  // native byte order) followed by its bytes, until none wait or the batch
  // holds max_bytes or more. Returns whether records may still be waiting.
  bool Drain(std::vector<uint8_t>* batch, size_t max_bytes);

  LostCounts Lost() const;

  // User space no longer holds this process's command line: the kernel will
  // send it again with the process's next deletion.
  void ForgetProcess(const process_key& key);

 private:
  // One program of the attach mode in use, and where it attaches.
  struct Hook {
    bpf_program* program;
    std::string tracepoint;  // "sys_exit", "io_uring_complete" (raw), "syscalls/sys_exit_unlinkat" (perf)
    bool at_exit;            // where a call or request ends: attached first, detached last
    bool perf_event;         // a tracepoint attached through a perf event, not a raw tracepoint
    int tracepoint_id;       // perf events: the tracepoint's number
  };

  static int OnRecord(void* context, void* data, size_t size);
  // Opens the skeleton and chooses the programs to load: those of `mode`, and
  // io_uring's where `io_uring` and the kernel has their tracepoints.
  void Open(const ProgramOptions& options, bool io_uring);
  void ChooseHooks(AttachMode mode, const std::string& btf_path, bool io_uring);
  // Tracepoint mode: reads each tracepoint's number while tracefs may still
  // be read (see syscall_tracepoints.h).
  void NumberTracepoints();
  bool HasPerfEventHooks() const;
  // Tracepoint mode: has libbpf choose how it attaches to perf events while
  // the helper may still load programs.
  void SettleAttachmentKind();
  bpf_link* AttachHook(const Hook& hook) const;

  AttachMode attach_mode_;
  bool traces_io_uring_ = false;
  std::string io_uring_problem_;
  deletions* skeleton_ = nullptr;
  ring_buffer* ring_ = nullptr;
  std::vector<Hook> hooks_;
  std::vector<bpf_link*> links_;  // in the order they were attached
  std::vector<uint8_t>* batch_ = nullptr;  // set only during Drain
  size_t batch_limit_ = 0;
};
