// What bpf/deletions.bpf.c needs of the kernel, probed through libbpf: a
// kernel older than Linux 5.17 refuses the programs with a bare EINVAL, so
// the helper asks first and names what is missing (ARCHITECTURE.md,
// "Requirements"). Probed by what the kernel has, not by its version:
// distributions backport features to older releases.
#pragma once

#include <string>
#include <vector>

struct KernelFeature {
  std::string name;   // "bpf_loop()", in the words README and the messages use
  std::string since;  // the upstream release that brought it, "5.17"
};

// The features this kernel lacks, oldest first; empty where it has them all.
// Probing loads small programs and creates maps, so it needs the privileges
// that loading does (root, or CAP_BPF and CAP_PERFMON): without them every
// feature would seem missing. A probe that fails for another reason counts
// the feature as present, and loading says what is wrong.
std::vector<KernelFeature> MissingKernelFeatures();
