// Which program set a kernel gets, by what it lacks (the feature report
// injected, as the addon's probes would give it), and the one line a helper
// says where it can run neither: in the words the kernel-matrix test looks for.
import { describe, expect, it } from 'vitest';

import {
  chooseProgramSet,
  describeProgramSet,
  MINIMUM_KERNEL,
  parseProgramsOverride,
  ProgramsOverrideError,
  unsupportedKernelMessage,
} from '../../../../helper/tracing/kernelRequirements';
import type { MissingKernelFeatures } from '../../../../helper/native';

const RELEASE = '5.10.0-35-cloud-amd64';

/** Debian 11's 5.10: no task storage for tracing programs, everything the older set needs. */
const DEBIAN_11: MissingKernelFeatures = {
  newer: [
    { feature: 'task storage map', since: '5.11' },
    { feature: 'bpf_get_current_task_btf()', since: '5.11' },
    { feature: 'bpf_task_storage_get() in tracing programs', since: '5.12' },
  ],
  older: [],
};
/** A 5.11 that has the map but not its helper in tracing programs. */
const LINUX_5_11: MissingKernelFeatures = {
  newer: [{ feature: 'bpf_task_storage_get() in tracing programs', since: '5.12' }],
  older: [],
};
const EVERYTHING: MissingKernelFeatures = { newer: [], older: [] };
/** A 5.4 with BTF: neither set runs. */
const LINUX_5_4: MissingKernelFeatures = {
  newer: [{ feature: 'BPF ring buffer map', since: '5.8' }, ...DEBIAN_11.newer],
  older: [
    { feature: 'bpf_probe_read_kernel()', since: '5.5' },
    { feature: 'BPF ring buffer map', since: '5.8' },
  ],
};

describe('chooseProgramSet', () => {
  it('takes the newer set where the kernel has all it needs, which the older may stand in for', () => {
    expect(chooseProgramSet(EVERYTHING, undefined, RELEASE)).toEqual({ programSet: 'newer', olderMayStandIn: true });
  });

  it('takes the older set where the newer lacks anything, and says what', () => {
    expect(chooseProgramSet(DEBIAN_11, undefined, RELEASE)).toEqual({
      programSet: 'older',
      reason:
        'this kernel lacks task storage map, bpf_get_current_task_btf(), bpf_task_storage_get() in tracing programs',
      olderMayStandIn: false,
    });
    expect(chooseProgramSet(LINUX_5_11, undefined, RELEASE)).toMatchObject({
      programSet: 'older',
      reason: 'this kernel lacks bpf_task_storage_get() in tracing programs',
    });
  });

  it('refuses a kernel that lacks what the older set needs, in one line naming 5.10 and what is missing', () => {
    const choice = chooseProgramSet(LINUX_5_4, undefined, '5.4.0-42-generic');
    expect(choice).toEqual({
      unsupported:
        'this kernel, Linux 5.4.0-42-generic, is too old for Syscall Trace, which needs Linux 5.10 or later: it lacks ' +
        'bpf_probe_read_kernel() (Linux 5.5), BPF ring buffer map (Linux 5.8)',
    });
  });

  it('takes the set the environment asks for, where the kernel has what it needs, with nothing to stand in', () => {
    expect(chooseProgramSet(EVERYTHING, 'older', RELEASE)).toEqual({
      programSet: 'older',
      reason: 'as SYSCALL_TRACE_PROGRAMS=older asks',
      olderMayStandIn: false,
    });
    expect(chooseProgramSet(EVERYTHING, 'newer', RELEASE)).toEqual({
      programSet: 'newer',
      reason: 'as SYSCALL_TRACE_PROGRAMS=newer asks',
      olderMayStandIn: false,
    });
    expect(chooseProgramSet(DEBIAN_11, 'older', RELEASE)).toMatchObject({
      programSet: 'older',
      reason: 'as SYSCALL_TRACE_PROGRAMS=older asks',
    });
  });

  it('refuses the newer set asked for on a kernel that lacks what it needs, in one line', () => {
    expect(chooseProgramSet(LINUX_5_11, 'newer', RELEASE)).toEqual({
      unsupported: `this kernel, Linux ${RELEASE}, cannot run the newer programs that SYSCALL_TRACE_PROGRAMS=newer asks for: it lacks bpf_task_storage_get() in tracing programs (Linux 5.12)`,
    });
  });

  it('refuses the older set asked for on a kernel too old for it, as it refuses any', () => {
    expect(chooseProgramSet(LINUX_5_4, 'older', RELEASE)).toEqual({
      unsupported: unsupportedKernelMessage(RELEASE, LINUX_5_4.older),
    });
  });
});

describe('parseProgramsOverride', () => {
  it("reads a set's name, and nothing where the variable is unset or empty", () => {
    expect(parseProgramsOverride('newer')).toBe('newer');
    expect(parseProgramsOverride('older')).toBe('older');
    expect(parseProgramsOverride(undefined)).toBeUndefined();
    expect(parseProgramsOverride('')).toBeUndefined();
  });

  it('refuses anything else, saying what it takes', () => {
    for (const wrong of ['old', 'Newer', 'newer ', 'raw']) {
      expect(() => parseProgramsOverride(wrong)).toThrow(ProgramsOverrideError);
    }
    expect(() => parseProgramsOverride('old')).toThrow(
      'SYSCALL_TRACE_PROGRAMS must be "newer" or "older" (or unset), not "old"',
    );
  });
});

describe('describeProgramSet', () => {
  it('says the set, and why where there is a reason', () => {
    expect(describeProgramSet('newer', undefined)).toBe('newer');
    expect(describeProgramSet('older', 'this kernel lacks task storage map')).toBe(
      'older (this kernel lacks task storage map)',
    );
  });
});

describe('unsupportedKernelMessage', () => {
  it('names the running kernel, the release needed and every feature missing, in one line', () => {
    const message = unsupportedKernelMessage('4.19.0-27-amd64', [
      { feature: "the kernel's BTF at /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF=y)", since: '5.4' },
      { feature: 'BPF ring buffer map', since: '5.8' },
    ]);
    expect(message).toBe(
      "this kernel, Linux 4.19.0-27-amd64, is too old for Syscall Trace, which needs Linux 5.10 or later: it lacks the kernel's BTF at " +
        '/sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF=y) (Linux 5.4), BPF ring buffer map (Linux 5.8)',
    );
    expect(message).not.toContain('\n');
  });

  it('names a single missing feature', () => {
    const message = unsupportedKernelMessage('5.8.0-63-generic', [
      { feature: 'bpf_probe_read_kernel()', since: '5.5' },
    ]);
    expect(message).toContain('Linux 5.8.0-63-generic');
    expect(message).toContain(`Linux ${MINIMUM_KERNEL} or later`);
    expect(message).toMatch(/it lacks bpf_probe_read_kernel\(\) \(Linux 5\.5\)$/);
  });
});
