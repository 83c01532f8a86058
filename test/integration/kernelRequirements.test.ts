// The kernel's features, asked for before loading (helper/kernelRequirements.ts):
// this kernel has every one the programs need, so no helper here says it is
// too old. (The kernel matrix, test/kernels, runs the helper on Debian 11's
// 5.10, where it must.)
import { describe, expect, it } from 'vitest';

import { unsupportedKernel } from '../../helper/kernelRequirements';
import { loadAddon } from '../../helper/native';

describe('the kernel features the programs need', () => {
  it('are all here, by libbpf\'s probes', () => {
    expect(loadAddon().missingKernelFeatures()).toEqual([]);
    expect(unsupportedKernel()).toBeUndefined();
  });
});
