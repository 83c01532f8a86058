#include "kernel_features.h"

#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <unistd.h>

namespace {

// libbpf's probes answer 1 (the kernel has it), 0 (it has not), or a
// negative error where the probe itself could not run.
bool Lacks(int probe_result) { return probe_result == 0; }

// The programs are raw tracepoints (raw_tp/...) and tracepoints; libbpf
// cannot probe helpers for BPF_PROG_TYPE_TRACING, and the raw tracepoint's
// helpers are the tracing ones.
constexpr bpf_prog_type kProgramType = BPF_PROG_TYPE_RAW_TRACEPOINT;

bool LacksHelper(bpf_func_id helper) { return Lacks(libbpf_probe_bpf_helper(kProgramType, helper, nullptr)); }

bool LacksMap(bpf_map_type type) { return Lacks(libbpf_probe_bpf_map_type(type, nullptr)); }

// CO-RE fits both sets to the kernel's own layout of its structures, which
// only the kernel's BTF describes.
bool LacksKernelBtf() { return access("/sys/kernel/btf/vmlinux", R_OK) != 0; }

// What each thread keeps between a call's entry and its exit lives in task
// storage, and the current task is read as a BTF pointer.
void AddNewerMissing(std::vector<KernelFeature>& missing) {
  if (LacksMap(BPF_MAP_TYPE_TASK_STORAGE)) missing.push_back({"task storage map", "5.11"});
  if (LacksHelper(BPF_FUNC_get_current_task_btf)) missing.push_back({"bpf_get_current_task_btf()", "5.11"});
  // The map came for LSM programs in 5.11; tracing programs may use it from 5.12.
  if (LacksHelper(BPF_FUNC_task_storage_get)) missing.push_back({"bpf_task_storage_get() in tracing programs", "5.12"});
}

}  // namespace

// The older set reads the current task and all it leads to through probe
// reads. Its walks are global functions (5.6), which libbpf cannot probe:
// every upstream kernel with the ring buffer (5.8) has them.
std::vector<KernelFeature> MissingKernelFeatures(ProgramSet set) {
  std::vector<KernelFeature> missing;
  if (LacksKernelBtf())
    missing.push_back({"the kernel's BTF at /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF=y)", "5.4"});
  if (set == ProgramSet::kOlder && LacksHelper(BPF_FUNC_probe_read_kernel)) {
    missing.push_back({"bpf_probe_read_kernel()", "5.5"});
  }
  // Both sets send their records through a BPF ring buffer.
  if (LacksMap(BPF_MAP_TYPE_RINGBUF)) missing.push_back({"BPF ring buffer map", "5.8"});
  if (set == ProgramSet::kNewer) AddNewerMissing(missing);
  return missing;
}
