// The one line a helper on a kernel too old for the programs says, in the
// words the kernel-matrix test looks for on Debian 11's 5.10.
import { describe, expect, it } from 'vitest';

import { MINIMUM_KERNEL, unsupportedKernelMessage } from '../../helper/kernelRequirements';

const DEBIAN_11_MISSING = [
  { feature: 'task storage map', since: '5.11' },
  { feature: 'bpf_task_storage_get() in tracing programs', since: '5.12' },
  { feature: 'bpf_get_current_task_btf()', since: '5.11' },
  { feature: 'bpf_loop()', since: '5.17' },
];

describe('unsupportedKernelMessage', () => {
  it('names the running kernel, the release needed and every feature missing, in one line', () => {
    const message = unsupportedKernelMessage('5.10.0-35-cloud-amd64', DEBIAN_11_MISSING);
    expect(message).toBe(
      'this kernel, Linux 5.10.0-35-cloud-amd64, is too old for Syscall Trace, which needs Linux 5.17 or later: it lacks ' +
        'task storage map (Linux 5.11), bpf_task_storage_get() in tracing programs (Linux 5.12), bpf_get_current_task_btf() (Linux 5.11), bpf_loop() (Linux 5.17)',
    );
    expect(message).not.toContain('\n');
  });

  it('names a single missing feature, as on a 5.15 without bpf_loop()', () => {
    const message = unsupportedKernelMessage('5.15.0-122-generic', [{ feature: 'bpf_loop()', since: '5.17' }]);
    expect(message).toContain('Linux 5.15.0-122-generic');
    expect(message).toContain(`Linux ${MINIMUM_KERNEL} or later`);
    expect(message).toMatch(/it lacks bpf_loop\(\) \(Linux 5\.17\)$/);
  });
});
