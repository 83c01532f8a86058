// What the two objects built from bpf/deletions.bpf.c need of the kernel,
// probed through libbpf: a kernel that lacks one refuses the programs with a
// bare EINVAL, so the helper asks first, chooses the set this kernel can run
// and names what is missing where it can run neither (docs/architecture.md,
// "Requirements", "Two program sets"). Probed by what the kernel has, not by
// its version: distributions backport features to older releases.
#pragma once

#include <string>
#include <vector>

// The two objects of bpf/Makefile: the same maps, programs and globals,
// built for two generations of kernels (bpf/kernel_compat.bpf.h).
enum class ProgramSet {
  // deletions.bpf.o: task storage and bpf_get_current_task_btf() in tracing
  // programs (Linux 5.12 and later).
  kNewer,
  // deletions_older.bpf.o: per-thread hash maps and CO-RE reads of the
  // current task, for kernels from Linux 5.10.
  kOlder,
};

struct KernelFeature {
  std::string name;   // "task storage map", in the words README and the messages use
  std::string since;  // the upstream release that brought it, "5.11"
};

// The features this kernel lacks for `set`, oldest first; empty where it has
// them all. Probing loads small programs and creates maps, so it needs the
// privileges that loading does (root, or CAP_BPF and CAP_PERFMON): without
// them every feature would seem missing. A probe that fails for another
// reason counts the feature as present, and loading says what is wrong.
std::vector<KernelFeature> MissingKernelFeatures(ProgramSet set);
