// One set of programs failing is not nothing traced: where the set that
// `complete` chose does not load, it takes the other, traces with it, and
// says in `unseen` what it then cannot see and why; the explicit modes fail
// with the error (docs/kernel-programs.md, "Two attach modes, one code path").
//
// The raw set is made to fail through the addon's test seam
// (SYSCALL_TRACE_TEST_REFUSE_PROGRAMS), as a verifier of another version
// might refuse it. The tracepoint set fails for a genuine cause: in a mount
// namespace of its own, the helper sees a tracefs without the syscall
// tracepoints (a kernel built without CONFIG_FTRACE_SYSCALLS), and a kernel
// command line with ia32_emulation=0, so that `complete` chooses that set.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';

import { HelperErrorCodes, StartRequest } from '../../../common/protocol';
import { kernelRuns32BitPrograms, readKernelFacts } from '../../../helper/tracing/attachModes';
import { initialize, restartAndDeleteFiles } from '../../support/helperServer';
import { errorOf, helperTest as it } from '../../support/helperTest';
import { deleteFiles } from '../../support/scratch';

const REFUSE_RAW = { SYSCALL_TRACE_TEST_REFUSE_PROGRAMS: 'raw' };
const SEAM_REFUSAL =
  'the raw programs were refused before loading, as SYSCALL_TRACE_TEST_REFUSE_PROGRAMS=raw (a seam for tests) asks';

describe('where the raw programs do not load', () => {
  it.runIf(kernelRuns32BitPrograms(readKernelFacts()))(
    "complete traces with the tracepoint programs, and says that 32-bit programs' deletions go unseen, and why",
    async ({ scratch, spawnHelper }) => {
      const helper = spawnHelper({ env: REFUSE_RAW });
      const info = await initialize(helper);
      expect(info).toMatchObject({ modeChoice: 'complete', attachMode: 'tracepoint' });
      expect(info.unseen).toContain(
        `deletions by 32-bit programs: the raw programs did not load on this kernel (${SEAM_REFUSAL})`,
      );
      expect(helper.stderr()).toContain(
        `the raw programs did not load on this kernel, so complete mode tries the tracepoint programs: ${SEAM_REFUSAL}`,
      );

      await helper.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
      const { files, stats } = await restartAndDeleteFiles(helper, scratch, 3);
      expect(helper.deletions.map((event) => event.path).sort()).toEqual(files.sort());
      expect(stats).toMatchObject({ events: 3, lost: 0 });
    },
  );

  it('raw mode fails with the reason', async ({ scratch, spawnHelper }) => {
    const helper = spawnHelper({ env: REFUSE_RAW, attachMode: 'raw' });
    await initialize(helper);
    const error = await errorOf(helper.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } }));
    expect(error.code).toBe(HelperErrorCodes.TracingFailed);
    expect(error.message).toBe(`trace/start: ${SEAM_REFUSAL}`);
  });
});

describe('on a kernel without the syscall tracepoints that runs no 32-bit programs', () => {
  let commandLine = '';
  beforeAll(() => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'syscall-trace-cmdline-'));
    commandLine = path.join(directory, 'cmdline');
    // First: what follows a "--" is init's, not the kernel's.
    fs.writeFileSync(commandLine, `ia32_emulation=0 ${fs.readFileSync('/proc/cmdline', 'utf8').trim()}\n`);
  });
  afterAll(() => fs.rmSync(path.dirname(commandLine), { recursive: true, force: true }));

  /** The helper in a mount namespace where tracefs has no syscall tracepoints and the kernel's command line says ia32_emulation=0. */
  const withoutSyscallTracepoints = (): string[] => [
    'unshare',
    '-m',
    '--propagation',
    'private',
    'sh',
    '-c',
    'mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing; ' +
      'mount -t tmpfs none /sys/kernel/tracing/events/syscalls && mount --bind "$0" /proc/cmdline && exec "$@"',
    commandLine,
  ];

  it('complete traces with the raw programs, which miss nothing, and logs why the tracepoint programs did not load', async ({
    scratch,
    spawnHelper,
  }) => {
    const helper = spawnHelper({ prefix: withoutSyscallTracepoints() });
    const info = await initialize(helper);
    expect(info).toMatchObject({ modeChoice: 'complete', attachMode: 'raw' });
    expect(info.unseen.filter((blindSpot) => blindSpot.startsWith('deletions by 32-bit programs'))).toEqual([]);
    expect(helper.stderr()).toMatch(
      /the tracepoint programs did not load on this kernel, so complete mode tries the raw programs: this kernel has no tracepoint syscalls\/sys_\w+ \(it needs CONFIG_FTRACE_SYSCALLS=y\)/,
    );

    await helper.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
    const files = deleteFiles(scratch, 2);
    const { files: moreFiles } = await restartAndDeleteFiles(helper, scratch, 2);
    expect(helper.deletions.map((event) => event.path).sort()).toEqual([...files, ...moreFiles].sort());
  });

  it('tracepoint-without-32-bit fails with the reason', async ({ scratch, spawnHelper }) => {
    const helper = spawnHelper({ prefix: withoutSyscallTracepoints(), attachMode: 'tracepoint' });
    await initialize(helper);
    const error = await errorOf(helper.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } }));
    expect(error.code).toBe(HelperErrorCodes.TracingFailed);
    expect(error.message).toMatch(
      /^trace\/start: this kernel has no tracepoint syscalls\/sys_\w+ \(it needs CONFIG_FTRACE_SYSCALLS=y\)/,
    );
  });
});
