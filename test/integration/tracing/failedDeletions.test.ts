// A deletion that fails is reported only when asked for with --failed, and
// then with its result and errno name.
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { ATTACH_MODES } from '../../../common/protocol';
import { run } from '../../support/programs';
import { makeTree } from '../../support/scratch';
import { traceProgram, traceWhile } from '../../support/traceCommand';
import { traceTest as it } from '../../support/traceTest';

describe.each(ATTACH_MODES)('failed deletions (%s mode)', (mode) => {
  it('leaves out an attempt to delete a missing file by default', async ({ scratch, deleter }) => {
    const missing = path.join(scratch, 'missing');

    const { events } = await traceWhile({ mode, paths: [scratch] }, () =>
      run(deleter, ['unlink', missing], { mayFail: true }),
    );

    expect(events).toEqual([]);
  });

  it('reports an attempt to delete a missing file with --failed, as ENOENT', async ({ scratch, deleter }) => {
    const missing = path.join(scratch, 'missing');

    const { events, program } = await traceProgram(
      { mode, paths: [scratch], failed: true },
      deleter,
      ['unlink', missing],
      { mayFail: true },
    );

    expect(program.status).toBe(1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      syscall: 'unlink',
      path: missing,
      result: -2,
      error: 'ENOENT',
      pid: program.pid,
    });
  });

  it('reports an rmdir(2) of a directory that is not empty with --failed, as ENOTEMPTY', async ({
    scratch,
    deleter,
  }) => {
    makeTree(scratch, ['full/file']);
    const full = path.join(scratch, 'full');

    const { events } = await traceWhile({ mode, paths: [scratch], failed: true }, () =>
      run(deleter, ['rmdir', full], { mayFail: true }),
    );

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ syscall: 'rmdir', directory: true, path: full, result: -39, error: 'ENOTEMPTY' });
  });

  it('gives a deletion that succeeds no error with --failed', async ({ scratch, deleter }) => {
    const { events } = await traceWhile({ mode, paths: [scratch], failed: true }, async () => {
      await run('touch', ['present'], { cwd: scratch });
      await run(deleter, ['unlink', path.join(scratch, 'present')]);
    });

    expect(events).toHaveLength(1);
    expect(events[0].result).toBe(0);
    expect(events[0]).not.toHaveProperty('error');
  });
});
