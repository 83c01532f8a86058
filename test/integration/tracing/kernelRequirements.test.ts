// The kernel's features, asked for before loading (helper/tracing/kernelRequirements.ts):
// this kernel has every one either program set needs, so no helper here says
// it is too old, and the newer set is the one taken. (The kernel matrix,
// test/kernels, runs the helper on Debian 11's 5.10, which has only what the
// older set needs.)
import { describe, expect, it } from 'vitest';

import { programSetForThisKernel } from '../../../helper/tracing/kernelRequirements';
import { loadAddon } from '../../../helper/native';

describe('the kernel features the programs need', () => {
  it("are all here, for both sets, by libbpf's probes", () => {
    expect(loadAddon().missingKernelFeatures()).toEqual({ newer: [], older: [] });
    expect(programSetForThisKernel(undefined)).toEqual({ programSet: 'newer', olderMayStandIn: true });
  });
});
