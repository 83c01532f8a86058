// What each attach mode sees of 32-bit x86 programs. The raw tracepoints see
// every syscall; the syscall tracepoints are never shown the calls of a
// 32-bit task on a 64-bit kernel (ARCH_TRACE_IGNORE_COMPAT_SYSCALLS: the
// kernel would have to look their numbers up in the 64-bit table), so the
// "tracepoint-without-32-bit" mode does not see their deletions, and says so;
// the default, "complete", does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { UNSEEN_32_BIT } from '../../../helper/tracing/attachModes';
import { kernelRuns32BitCode, run } from '../../support/programs';
import { makeTree } from '../../support/scratch';
import { traceWhile } from '../../support/traceCommand';
import { traceTest as it } from '../../support/traceTest';

describe.skipIf(!kernelRuns32BitCode())('a 32-bit program deleting a file, in each attach mode', () => {
  it.beforeEach(({ scratch }) => {
    makeTree(scratch, ['by-32-bit', 'by-64-bit']);
  });

  /** Deletes one file with the 32-bit deleter, then the other from this 64-bit process. */
  async function deleteBoth(scratch: string, deleter32: string): Promise<void> {
    await run(deleter32, ['unlink', path.join(scratch, 'by-32-bit')]);
    fs.unlinkSync(path.join(scratch, 'by-64-bit'));
  }

  it.for(['raw', 'complete', undefined] as const)(
    'is reported in mode %s (undefined: the default)',
    async (mode, { scratch, deleter32 }) => {
      const { events, stderr } = await traceWhile({ mode, paths: [scratch] }, () => deleteBoth(scratch, deleter32));

      expect(events.map((event) => [event.abi, event.path])).toEqual([
        ['ia32', path.join(scratch, 'by-32-bit')],
        ['x86_64', path.join(scratch, 'by-64-bit')],
      ]);
      expect(stderr).not.toContain('not seen');
    },
  );

  it('goes unseen in tracepoint-without-32-bit mode, which says so, while a 64-bit deletion beside it is reported', async ({
    scratch,
    deleter32,
  }) => {
    const { events, stats, stderr } = await traceWhile({ mode: 'tracepoint-without-32-bit', paths: [scratch] }, () =>
      deleteBoth(scratch, deleter32),
    );

    expect(fs.existsSync(path.join(scratch, 'by-32-bit'))).toBe(false);
    expect(events.map((event) => [event.abi, event.path])).toEqual([['x86_64', path.join(scratch, 'by-64-bit')]]);
    expect(stats.lost).toBe(0);
    expect(stderr).toContain(`syscall-trace: not seen: ${UNSEEN_32_BIT}`);
  });
});
