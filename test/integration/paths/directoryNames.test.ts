// The kernel names a thread's directory in full once, then by id while
// nothing on the directory's way to the root has changed (docs/path-resolution.md,
// "Directory names, once"). These tests change directories between one
// thread's deletions (rename, move, remove, recreate, another directory made
// where one was removed) and check, record by record, what the kernel sent
// and the path the helper makes of it: an id may stand for names only while
// they are still the directory's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { ATTACH_MODES } from '../../../common/protocol';
import { recordSteps, type SeenDeletion, type StepDeleter } from '../../support/processRecords';
import { buildFixture } from '../../support/programs';
import { makeTree } from '../../support/scratch';
import { traceTest } from '../../support/traceTest';

const it = traceTest.extend('stepDeleter', { scope: 'file' }, () => buildFixture('step_deleter'));

describe.each(ATTACH_MODES)('directory names sent once (%s mode)', (mode) => {
  const traceSteps = (program: string, steps: (deleter: StepDeleter) => Promise<void>): Promise<SeenDeletion[]> =>
    recordSteps(mode, program, steps);

  it('names a directory once, then by its id', async ({ scratch, stepDeleter }) => {
    makeTree(scratch, ['a/1', 'a/2', 'a/3']);
    const seen = await traceSteps(stepDeleter, async (deleter) => {
      await deleter.do(`cd ${scratch}/a`);
      for (const name of ['1', '2', '3']) await deleter.do(`unlink ${name}`);
    });

    expect(seen.map(({ naming, path, complete }) => [naming, path, complete])).toEqual([
      ['named', `${scratch}/a/1`, true],
      ['known', `${scratch}/a/2`, true],
      ['known', `${scratch}/a/3`, true],
    ]);
    expect(new Set(seen.map((deletion) => deletion.id)).size).toBe(1);
  });

  it('names a renamed directory by its new name', async ({ scratch, stepDeleter }) => {
    makeTree(scratch, ['a/1', 'a/2', 'a/3']);
    const seen = await traceSteps(stepDeleter, async (deleter) => {
      await deleter.do(`cd ${scratch}/a`);
      await deleter.do('unlink 1');
      fs.renameSync(`${scratch}/a`, `${scratch}/b`);
      await deleter.do('unlink 2');
      // Renamed to a name as long as the first, in the same directory.
      fs.renameSync(`${scratch}/b`, `${scratch}/c`);
      await deleter.do('unlink 3');
    });

    expect(seen.map(({ naming, path }) => [naming, path])).toEqual([
      ['named', `${scratch}/a/1`],
      ['named', `${scratch}/b/2`],
      ['named', `${scratch}/c/3`],
    ]);
  });

  it("names a directory whose ancestor was renamed by the ancestor's new name", async ({ scratch, stepDeleter }) => {
    makeTree(scratch, ['p/q/r/1', 'p/q/r/2', 'p/q/r/3']);
    const seen = await traceSteps(stepDeleter, async (deleter) => {
      await deleter.do(`cd ${scratch}/p/q/r`);
      await deleter.do('unlink 1');
      fs.renameSync(`${scratch}/p`, `${scratch}/z`);
      await deleter.do('unlink 2');
      await deleter.do('unlink 3');
    });

    expect(seen.map(({ naming, path }) => [naming, path])).toEqual([
      ['named', `${scratch}/p/q/r/1`],
      ['named', `${scratch}/z/q/r/2`],
      ['known', `${scratch}/z/q/r/3`],
    ]);
  });

  it('names a directory moved under another parent where it is now', async ({ scratch, stepDeleter }) => {
    makeTree(scratch, ['x/d/1', 'x/d/2', 'y/.keep']);
    const seen = await traceSteps(stepDeleter, async (deleter) => {
      await deleter.do(`open ${scratch}/x/d`);
      await deleter.do('unlinkat 1');
      fs.renameSync(`${scratch}/x/d`, `${scratch}/y/d`);
      await deleter.do('unlinkat 2');
    });

    expect(seen.map(({ naming, path }) => [naming, path])).toEqual([
      ['named', `${scratch}/x/d/1`],
      ['named', `${scratch}/y/d/2`],
    ]);
  });

  it('never names a directory by the id of one removed before it was made', async ({ scratch, stepDeleter }) => {
    // Each round removes a directory and makes another, often in the dentry
    // the removed one left: a different name each time, or the same name again.
    const rounds = 40;
    const expected: string[] = [];
    const seen = await traceSteps(stepDeleter, async (deleter) => {
      for (let round = 0; round < rounds; round++) {
        const name = round % 4 === 3 ? `d${round - 1}` : `d${round}`;
        fs.mkdirSync(`${scratch}/${name}`, { recursive: true });
        fs.writeFileSync(`${scratch}/${name}/f${round}`, '');
        await deleter.do(`unlink ${scratch}/${name}/f${round}`);
        expected.push(`${scratch}/${name}/f${round}`);
        fs.rmdirSync(`${scratch}/${name}`);
      }
    });

    expect(seen.map((deletion) => deletion.path)).toEqual(expected);
    expect(seen.every((deletion) => deletion.complete)).toBe(true);
  });

  it('names a directory too deep to remember in full every time', async ({ scratch, stepDeleter }) => {
    const deep = path.join(scratch, ...Array.from({ length: 40 }, (_, i) => `n${i}`));
    makeTree(deep, ['1', '2']);
    const seen = await traceSteps(stepDeleter, async (deleter) => {
      await deleter.do(`cd ${deep}`);
      await deleter.do('unlink 1');
      await deleter.do('unlink 2');
    });

    expect(seen.map(({ naming, path }) => [naming, path])).toEqual([
      ['in full', `${deep}/1`],
      ['in full', `${deep}/2`],
    ]);
  });

  it('names every directory in full again once user space has forgotten them', async ({ scratch, stepDeleter }) => {
    makeTree(scratch, ['a/1', 'a/2', 'a/3']);
    const seen = await recordSteps(mode, stepDeleter, async (deleter, records) => {
      await deleter.do(`cd ${scratch}/a`);
      await deleter.do('unlink 1');
      await deleter.do('unlink 2');
      records.programs.forgetDirectories();
      await deleter.do('unlink 3');
    });

    expect(seen.map(({ naming }) => naming)).toEqual(['named', 'known', 'named']);
  });
});
