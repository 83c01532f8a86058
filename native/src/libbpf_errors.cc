#include "libbpf_errors.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <vector>

#include "system_error.h"

namespace {

// The capture in progress, if any. Loading happens on one thread (the
// JavaScript thread), so one slot is enough.
std::string* active_capture = nullptr;

int OnLibbpfPrint(enum libbpf_print_level level, const char* format, va_list args) {
  if (active_capture == nullptr || level > LIBBPF_WARN) return 0;
  char line[1024];
  va_list copy;
  va_copy(copy, args);
  int length = vsnprintf(line, sizeof(line), format, copy);
  va_end(copy);
  if (length < 0) return 0;
  if (static_cast<size_t>(length) < sizeof(line)) {
    active_capture->append(line, length);
  } else {
    std::vector<char> long_line(length + 1);
    vsnprintf(long_line.data(), long_line.size(), format, args);
    active_capture->append(long_line.data(), length);
  }
  return length;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::string LastLibbpfLine(const std::string& libbpf_output) {
  std::vector<std::string> lines = Lines(libbpf_output);
  return lines.empty() ? "" : lines.back();
}

}  // namespace

LibbpfLogCapture::LibbpfLogCapture() {
  libbpf_set_print(OnLibbpfPrint);
  active_capture = &text_;
}

LibbpfLogCapture::~LibbpfLogCapture() { active_capture = nullptr; }

std::string VerifierLogTail(const std::string& libbpf_output, size_t count) {
  const std::string begin = "-- BEGIN PROG LOAD LOG --";
  const std::string end = "-- END PROG LOAD LOG --";
  size_t start = libbpf_output.find(begin);
  if (start == std::string::npos) return "";
  start += begin.size();
  size_t stop = libbpf_output.find(end, start);
  std::vector<std::string> lines =
      Lines(libbpf_output.substr(start, stop == std::string::npos ? std::string::npos : stop - start));
  std::string tail;
  for (size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); i++) {
    tail += lines[i] + "\n";
  }
  return tail;
}

void ThrowLoadError(int error_number, const std::string& libbpf_output) {
  std::string verifier = VerifierLogTail(libbpf_output, 8);
  if (!verifier.empty()) {
    throw SystemError(error_number, "the kernel's verifier rejected the BPF program (" + ErrnoText(error_number) +
                                        "); its last words:\n" + verifier);
  }
  if (error_number == EPERM || error_number == EACCES) {
    throw SystemError(error_number, "loading BPF needs root, or the CAP_BPF and CAP_PERFMON capabilities");
  }
  std::string detail = LastLibbpfLine(libbpf_output);
  throw SystemError(error_number, "loading the BPF program failed: " + ErrnoText(error_number) +
                                      (detail.empty() ? "" : "; libbpf said: " + detail));
}

void ThrowStepError(int error_number, const std::string& step) {
  if (error_number == EPERM || error_number == EACCES) {
    throw SystemError(error_number, step + " needs root, or the CAP_BPF and CAP_PERFMON capabilities");
  }
  throw SystemError(error_number, step + " failed: " + ErrnoText(error_number));
}
