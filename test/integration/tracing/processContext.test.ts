// Who deleted: the process and thread, as the kernel knew them at the call,
// even where the thread is not the main one or the process is gone at once.
import * as path from 'node:path';
import { beforeAll, describe, expect } from 'vitest';

import { ATTACH_MODES } from '../../../common/protocol';
import { buildFixture, run } from '../../support/programs';
import { makeTree } from '../../support/scratch';
import { traceProgram, traceWhile } from '../../support/traceCommand';
import { traceTest as it } from '../../support/traceTest';

describe.each(ATTACH_MODES)('the deleting process (%s mode)', (mode) => {
  describe('a deletion from a thread other than the main one', () => {
    let deleteInThread: string;
    beforeAll(() => {
      deleteInThread = buildFixture('delete_in_thread', { pthread: true });
    });

    it('reports the process id as pid and the deleting thread id as tid', async ({ scratch }) => {
      const file = path.join(scratch, 'file');
      makeTree(scratch, ['file']);

      const { events, program } = await traceProgram({ mode, paths: [scratch] }, deleteInThread, [file]);

      const [pid, tid] = program.stdout.trim().split(' ').map(Number);
      expect(tid).not.toBe(pid);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ path: file, pid, tid, cmdline: [deleteInThread, file] });
    });
  });

  describe('a process that exits right after deleting', () => {
    let deleteAndExit: string;
    beforeAll(() => {
      deleteAndExit = buildFixture('delete_and_exit');
    });

    it('still reports its command line exactly, argument by argument', async ({ scratch }) => {
      const file = path.join(scratch, 'file');
      makeTree(scratch, ['file']);
      const args = [file, 'two words', '', '--flag=value', 'ünïcödé ✓', '"quoted"'];

      const { events, program } = await traceProgram({ mode, paths: [scratch] }, deleteAndExit, args);

      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        pid: program.pid,
        comm: 'delete_and_exit',
        cmdline: [deleteAndExit, ...args],
      });
    });

    it('reports its parent and ancestors', async ({ scratch }) => {
      const file = path.join(scratch, 'file');
      makeTree(scratch, ['file']);

      const { events } = await traceWhile({ mode, paths: [scratch] }, () => run(deleteAndExit, [file]));

      expect(events).toHaveLength(1);
      expect(events[0].ppid).toBe(process.pid);
      expect(events[0].ancestors[0]).toEqual({ pid: process.pid, comm: expect.any(String) });
      expect(events[0].ancestors[1]?.pid).toBe(process.ppid);
    });
  });

  it('reports the user id of the process', async ({ scratch }) => {
    makeTree(scratch, ['file']);
    // Owned by nobody, so that nobody may delete it.
    await run('chown', ['65534:65534', scratch, path.join(scratch, 'file')]);

    const { events } = await traceWhile({ mode, paths: [scratch] }, () =>
      run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'rm', 'file'], { cwd: scratch }),
    );

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ uid: 65534, comm: 'rm', path: `${scratch}/file` });
  });
});
