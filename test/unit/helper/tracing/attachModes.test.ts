import { describe, expect, it } from 'vitest';

import {
  kernelRuns32BitPrograms,
  oneLineReason,
  otherSet,
  programsFor,
  UNSEEN_32_BIT,
  UNSEEN_IO_URING,
  unseenBy,
  type KernelFacts,
} from '../../../../helper/tracing/attachModes';

const WITH_IA32 = 'CONFIG_X86_64=y\nCONFIG_IA32_EMULATION=y\n# CONFIG_IA32_EMULATION_DEFAULT_DISABLED is not set\n';
const WITHOUT_IA32 = 'CONFIG_X86_64=y\n# CONFIG_IA32_EMULATION is not set\n';
const IA32_OFF_BY_DEFAULT = 'CONFIG_IA32_EMULATION=y\nCONFIG_IA32_EMULATION_DEFAULT_DISABLED=y\n';

const x64 = (config: string | undefined, commandLine = 'console=ttyS0 quiet'): KernelFacts => ({
  arch: 'x64',
  config,
  commandLine,
});

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
    expect(kernelRuns32BitPrograms({ arch: 'arm64', config: '# CONFIG_COMPAT is not set\n', commandLine: '' })).toBe(
      false,
    );
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

  it('says what the io_uring programs cannot tell where they were loaded all the same (results unknown before 5.18)', () => {
    const problem = "this kernel's io_uring_complete tracepoint does not name the request";
    expect(unseenBy('raw', true, x64(WITH_IA32), problem)).toEqual([
      `the results of deletions through io_uring: ${problem}`,
    ]);
    expect(unseenBy('raw', false, x64(WITH_IA32), problem)).toEqual([`deletions through io_uring: ${problem}`]);
  });
});

/** The addon's words for a verifier's refusal (native/src/libbpf_errors.cc), as seen on Linux 6.18. */
const VERIFIER_REFUSAL =
  "the kernel's verifier rejected the BPF program (Permission denied (EACCES)); its last words:\n" +
  "Func#8 ('memo_matches') is safe for any args that match its prototype\n" +
  'combined stack size of 4 calls is 592. Too large\n' +
  'processed 806361 insns (limit 1000000) max_states_per_insn 39 total_states 30328 peak_states 57855 mark_read 0\n';

describe('where the set complete chose does not load', () => {
  it('takes the other set', () => {
    expect(otherSet('raw')).toBe('tracepoint');
    expect(otherSet('tracepoint')).toBe('raw');
  });

  it("says that 32-bit programs go unseen because the raw programs did not load, and the verifier's reason in one line", () => {
    expect(unseenBy('tracepoint', true, x64(WITH_IA32), '', { programs: 'raw', reason: VERIFIER_REFUSAL })).toEqual([
      'deletions by 32-bit programs: the raw programs did not load on this kernel (the verifier: combined stack size of 4 calls is 592. Too large)',
    ]);
  });

  it('says nothing more where the raw programs it took instead see everything', () => {
    expect(
      unseenBy('raw', true, x64(WITH_IA32), '', {
        programs: 'tracepoint',
        reason: 'this kernel has no tracepoint syscalls/sys_enter_unlink',
      }),
    ).toEqual([]);
  });

  it('says nothing of 32-bit programs where the kernel runs none', () => {
    expect(unseenBy('tracepoint', true, x64(WITHOUT_IA32), '', { programs: 'raw', reason: VERIFIER_REFUSAL })).toEqual(
      [],
    );
  });
});

describe('oneLineReason', () => {
  it("is the verifier's last word on why, without its statistics", () => {
    expect(oneLineReason(VERIFIER_REFUSAL)).toBe('the verifier: combined stack size of 4 calls is 592. Too large');
  });

  it('is the first line of any other error', () => {
    expect(
      oneLineReason(
        'this kernel has no tracepoint syscalls/sys_enter_unlink (it needs CONFIG_FTRACE_SYSCALLS=y): or use the raw attach mode\n',
      ),
    ).toBe(
      'this kernel has no tracepoint syscalls/sys_enter_unlink (it needs CONFIG_FTRACE_SYSCALLS=y): or use the raw attach mode',
    );
  });
});
