// Turns libbpf's failures into sentences a user can act on.
#pragma once

#include <string>

// Collects what libbpf says at warning level while it is alive. libbpf speaks
// through one process-wide print callback; the verifier's log of a rejected
// program reaches user space this way.
class LibbpfLogCapture {
 public:
  LibbpfLogCapture();
  ~LibbpfLogCapture();
  LibbpfLogCapture(const LibbpfLogCapture&) = delete;
  LibbpfLogCapture& operator=(const LibbpfLogCapture&) = delete;

  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// The last `count` lines of the verifier log inside libbpf's output; empty
// when the output holds no verifier log.
std::string VerifierLogTail(const std::string& libbpf_output, size_t count);

// Throws a SystemError that explains why loading failed.
[[noreturn]] void ThrowLoadError(int error_number, const std::string& libbpf_output);

// Throws a SystemError for any other failing step ("attaching to sys_enter").
[[noreturn]] void ThrowStepError(int error_number, const std::string& step);
