#include "kernel_features.h"

#include <bpf/libbpf.h>
#include <linux/bpf.h>

namespace {

// libbpf's probes answer 1 (the kernel has it), 0 (it has not), or a
// negative error where the probe itself could not run.
bool Lacks(int probe_result) { return probe_result == 0; }

// The programs are raw tracepoints (raw_tp/...) and tracepoints; libbpf
// cannot probe helpers for BPF_PROG_TYPE_TRACING, and the raw tracepoint's
// helpers are the tracing ones.
constexpr bpf_prog_type kProgramType = BPF_PROG_TYPE_RAW_TRACEPOINT;

}  // namespace

std::vector<KernelFeature> MissingKernelFeatures() {
  std::vector<KernelFeature> missing;
  if (Lacks(libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr))) missing.push_back({"BPF ring buffer map", "5.8"});
  if (Lacks(libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, nullptr))) missing.push_back({"task storage map", "5.11"});
  // The map came for LSM programs in 5.11; tracing programs may use it from 5.12.
  if (Lacks(libbpf_probe_bpf_helper(kProgramType, BPF_FUNC_task_storage_get, nullptr))) {
    missing.push_back({"bpf_task_storage_get() in tracing programs", "5.12"});
  }
  if (Lacks(libbpf_probe_bpf_helper(kProgramType, BPF_FUNC_get_current_task_btf, nullptr))) {
    missing.push_back({"bpf_get_current_task_btf()", "5.11"});
  }
  if (Lacks(libbpf_probe_bpf_helper(kProgramType, BPF_FUNC_loop, nullptr))) missing.push_back({"bpf_loop()", "5.17"});
  return missing;
}
