import { describe, expect, it } from 'vitest';

import { kernelRuns32BitPrograms, programsFor, UNSEEN_32_BIT, UNSEEN_IO_URING, unseenBy, type KernelFacts } from '../../helper/attachModes';

const WITH_IA32 = 'CONFIG_X86_64=y\nCONFIG_IA32_EMULATION=y\n# CONFIG_IA32_EMULATION_DEFAULT_DISABLED is not set\n';
const WITHOUT_IA32 = 'CONFIG_X86_64=y\n# CONFIG_IA32_EMULATION is not set\n';
const IA32_OFF_BY_DEFAULT = 'CONFIG_IA32_EMULATION=y\nCONFIG_IA32_EMULATION_DEFAULT_DISABLED=y\n';

const x64 = (config: string | undefined, commandLine = 'console=ttyS0 quiet'): KernelFacts => ({ arch: 'x64', config, commandLine });

describe('kernelRuns32BitPrograms', () => {
  it('follows the kernel configuration', () => {
    expect(kernelRuns32BitPrograms(x64(WITH_IA32))).toBe(true);
    expect(kernelRuns32BitPrograms(x64(WITHOUT_IA32))).toBe(false);
    expect(kernelRuns32BitPrograms(x64(IA32_OFF_BY_DEFAULT))).toBe(false);
  });

  it('follows ia32_emulation= on the command line, read as the kernel reads a boolean, the last one winning', () => {
    expect(kernelRuns32BitPrograms(x64(WITH_IA32, 'quiet ia32_emulation=0'))).toBe(false);
    expect(kernelRuns32BitPrograms(x64(WITH_IA32, 'ia32_emulation=off'))).toBe(false);
    expect(kernelRuns32BitPrograms(x64(IA32_OFF_BY_DEFAULT, 'ia32_emulation=1'))).toBe(true);
    expect(kernelRuns32BitPrograms(x64(IA32_OFF_BY_DEFAULT, 'ia32_emulation=Y'))).toBe(true);
    expect(kernelRuns32BitPrograms(x64(WITH_IA32, 'ia32_emulation=0 ia32_emulation=on'))).toBe(true);
    // After "--" the words are init's, not the kernel's.
    expect(kernelRuns32BitPrograms(x64(WITH_IA32, 'quiet -- ia32_emulation=0'))).toBe(true);
    // Without the emulation built in, no parameter brings it.
    expect(kernelRuns32BitPrograms(x64(WITHOUT_IA32, 'ia32_emulation=1'))).toBe(false);
  });

  it('takes an unreadable configuration to mean yes: a wrong yes costs speed, a wrong no deletions', () => {
    expect(kernelRuns32BitPrograms(x64(undefined))).toBe(true);
    expect(kernelRuns32BitPrograms(x64(undefined, 'ia32_emulation=0'))).toBe(false);
    expect(kernelRuns32BitPrograms({ arch: 'arm64', config: undefined, commandLine: '' })).toBe(true);
    expect(kernelRuns32BitPrograms({ arch: 'arm64', config: '# CONFIG_COMPAT is not set\n', commandLine: '' })).toBe(false);
  });
});

describe('programsFor', () => {
  it('takes raw for "complete" where 32-bit programs can run, and the cheaper tracepoints where they cannot', () => {
    expect(programsFor('complete', x64(WITH_IA32))).toBe('raw');
    expect(programsFor('complete', x64(WITHOUT_IA32))).toBe('tracepoint');
    expect(programsFor('complete', x64(WITH_IA32, 'ia32_emulation=0'))).toBe('tracepoint');
  });

  it('takes what the other modes name, on every kernel', () => {
    for (const facts of [x64(WITH_IA32), x64(WITHOUT_IA32)]) {
      expect(programsFor('raw', facts)).toBe('raw');
      expect(programsFor('tracepoint-without-32-bit', facts)).toBe('tracepoint');
    }
  });
});

describe('unseenBy', () => {
  it('names the 32-bit blind spot only where the kernel runs 32-bit programs', () => {
    expect(unseenBy('tracepoint', true, x64(WITH_IA32))).toEqual([UNSEEN_32_BIT]);
    expect(unseenBy('tracepoint', true, x64(WITHOUT_IA32))).toEqual([]);
    expect(unseenBy('raw', true, x64(WITH_IA32))).toEqual([]);
  });

  it('names io_uring where its tracepoints are missing', () => {
    expect(unseenBy('raw', false, x64(WITH_IA32))).toEqual([UNSEEN_IO_URING]);
  });
});
