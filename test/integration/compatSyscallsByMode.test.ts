// What each attach mode sees of 32-bit x86 programs. The raw tracepoints see
// every syscall; the syscall tracepoints are never shown the calls of a
// 32-bit task on a 64-bit kernel (ARCH_TRACE_IGNORE_COMPAT_SYSCALLS: the
// kernel would have to look their numbers up in the 64-bit table), so the
// tracepoint mode does not see their deletions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { buildFixture, run } from './support/programs';
import { makeScratchDirectory, makeTree, removeScratchDirectory } from './support/scratch';
import { killRunningTraces, traceWhile } from './support/traceCommand';

describe('a 32-bit program deleting a file, in each attach mode', () => {
  let deleter32: string;
  let scratch: string;
  beforeAll(() => {
    deleter32 = buildFixture('deleter', { bits32: true });
  });
  beforeEach(() => {
    scratch = makeScratchDirectory();
    makeTree(scratch, ['by-32-bit', 'by-64-bit']);
  });
  afterEach(() => {
    killRunningTraces();
    removeScratchDirectory(scratch);
  });

  async function deleteBoth(): Promise<void> {
    await run(deleter32, ['unlink', path.join(scratch, 'by-32-bit')]);
    fs.unlinkSync(path.join(scratch, 'by-64-bit'));
  }

  it('is reported in raw mode', async () => {
    const { events } = await traceWhile({ mode: 'raw', paths: [scratch] }, deleteBoth);

    expect(events.map((event) => [event.abi, event.path])).toEqual([
      ['ia32', path.join(scratch, 'by-32-bit')],
      ['x86_64', path.join(scratch, 'by-64-bit')],
    ]);
  });

  it('goes unseen in tracepoint mode, while a 64-bit deletion beside it is reported', async () => {
    const { events, stats } = await traceWhile({ mode: 'tracepoint', paths: [scratch] }, deleteBoth);

    expect(fs.existsSync(path.join(scratch, 'by-32-bit'))).toBe(false);
    expect(events.map((event) => [event.abi, event.path])).toEqual([['x86_64', path.join(scratch, 'by-64-bit')]]);
    expect(stats.lost).toBe(0);
  });
});
