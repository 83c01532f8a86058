// Whether this kernel has what the BPF programs need (ARCHITECTURE.md,
// "Requirements"). A kernel older than Linux 5.17 refuses them with a bare
// EINVAL; the helper asks the kernel first, through libbpf's probes, and
// says in one line which kernel runs, which one is needed and what it lacks.
// It asks by feature, not by version: distributions backport features into
// older releases, and a 5.15 with bpf_loop() would run the programs.
import * as os from 'node:os';

import { loadAddon, type KernelFeature } from './native';

/** The oldest upstream release with every feature the programs need. */
export const MINIMUM_KERNEL = '5.17';

/**
 * One line: the running kernel's release, the release needed, and each
 * feature missing with the release that brought it. The kernel-matrix test
 * reads it on Debian 11's 5.10 (the release, "5.17" and "bpf_loop()").
 */
export function unsupportedKernelMessage(release: string, missing: readonly KernelFeature[]): string {
  const features = missing.map(({ feature, since }) => `${feature} (Linux ${since})`).join(', ');
  return `this kernel, Linux ${release}, is too old for Syscall Trace, which needs Linux ${MINIMUM_KERNEL} or later: it lacks ${features}`;
}

/**
 * Why this kernel cannot run the programs, in one line; undefined where it
 * can. Needs the privileges to load (the probes load programs).
 */
export function unsupportedKernel(): string | undefined {
  const missing = loadAddon().missingKernelFeatures();
  return missing.length === 0 ? undefined : unsupportedKernelMessage(os.release(), missing);
}
