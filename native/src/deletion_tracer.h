// The kernel side of Syscall Trace as a plain C++ class: it opens, loads and
// attaches the BPF skeleton and drains its ring buffer. It knows nothing of
// N-API; addon.cc converts between it and JavaScript.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

struct deletions;    // the bpftool skeleton (deletions.skel.h)
struct bpf_link;
struct ring_buffer;
struct process_key;  // bpf/deletions.h

// A failure told in words a user can act on, with the errno behind it.
class TracerError : public std::runtime_error {
 public:
  TracerError(int error_number, const std::string& message)
      : std::runtime_error(message), error_number_(error_number) {}
  int error_number() const { return error_number_; }

 private:
  int error_number_;
};

struct TracerOptions {
  // BTF describing the running kernel; empty means /sys/kernel/btf/vmlinux.
  std::string btf_path;
  // Kernel memory for records on their way to user space: a power of two,
  // and a multiple of the page size.
  uint32_t ring_buffer_bytes = 16u << 20;
};

// What the kernel side could not deliver, summed over all CPUs.
struct LostCounts {
  uint64_t deletions = 0;  // deletion records that found the ring buffer full
  uint64_t processes = 0;  // command-line records that found it full
  uint64_t in_flight = 0;  // calls that found no task storage at entry
};

class DeletionTracer {
 public:
  // Opens and loads the BPF object: this is the step that needs privileges.
  explicit DeletionTracer(const TracerOptions& options);
  ~DeletionTracer();
  DeletionTracer(const DeletionTracer&) = delete;
  DeletionTracer& operator=(const DeletionTracer&) = delete;

  // Attaching starts a new generation: calls caught half-way by an earlier
  // detach are forgotten rather than reported with a later call's result.
  void Attach();
  void Detach();
  bool attached() const { return enter_link_ != nullptr; }

  void SetReportFailed(bool report_failed);

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
  static int OnRecord(void* context, void* data, size_t size);

  deletions* skeleton_ = nullptr;
  ring_buffer* ring_ = nullptr;
  bpf_link* enter_link_ = nullptr;
  bpf_link* exit_link_ = nullptr;
  std::vector<uint8_t>* batch_ = nullptr;  // set only during Drain
  size_t batch_limit_ = 0;
};
