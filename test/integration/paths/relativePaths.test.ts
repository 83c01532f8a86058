// A path argument relative to the working directory, with "." and ".." in it:
// reported as the absolute, normalised path of what was deleted, next to the
// argument exactly as the process passed it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { ATTACH_MODES } from '../../../common/protocol';
import { run } from '../../support/programs';
import { makeTree } from '../../support/scratch';
import { traceWhile } from '../../support/traceCommand';
import { traceTest as it } from '../../support/traceTest';

describe.each(ATTACH_MODES)('relative paths (%s mode)', (mode) => {
  it('resolves a path that climbs out of the working directory with ".."', async ({ scratch }) => {
    makeTree(scratch, ['project/src/.keep', 'victim.txt']);

    const { events } = await traceWhile({ mode, paths: [scratch] }, () =>
      run('rm', ['../../victim.txt'], { cwd: path.join(scratch, 'project/src') }),
    );

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      path: `${scratch}/victim.txt`,
      pathArg: '../../victim.txt',
      complete: true,
      result: 0,
    });
  });

  it('never calls a path through a symbolic link kept on disk complete', async ({ scratch }) => {
    // ext4 keeps a target of 60 bytes or more in a block of its own, where
    // the kernel's lookup does not read it: the argument's text is joined,
    // and the directory it names is not its own real path.
    const target = path.join(scratch, 'd'.repeat(80));
    makeTree(scratch, [`${'d'.repeat(80)}/file`]);
    fs.symlinkSync(target, path.join(scratch, 'link'));

    const { events } = await traceWhile({ mode, paths: [scratch] }, () => run('rm', ['link/file'], { cwd: scratch }));

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ pathArg: 'link/file', complete: false, result: 0 });
  });

  it('drops "." parts and repeated slashes', async ({ scratch }) => {
    makeTree(scratch, ['work/notes/todo.txt']);

    const { events } = await traceWhile({ mode, paths: [scratch] }, () =>
      run('rm', ['./notes//./todo.txt'], { cwd: path.join(scratch, 'work') }),
    );

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ path: `${scratch}/work/notes/todo.txt`, pathArg: './notes//./todo.txt' });
  });

  it('follows a symbolic link before ".." the way the kernel did', async ({ scratch }) => {
    // link/.. is the directory that holds the link's target, not the one that holds the link.
    makeTree(scratch, ['real/parent/target/.keep', 'real/parent/victim.txt', 'work/.keep']);
    fs.symlinkSync(path.join(scratch, 'real/parent/target'), path.join(scratch, 'work/link'));

    const { events } = await traceWhile({ mode, paths: [scratch] }, () =>
      run('rm', ['link/../victim.txt'], { cwd: path.join(scratch, 'work') }),
    );

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ path: `${scratch}/real/parent/victim.txt`, complete: true });
  });

  it('resolves a bare name against the working directory', async ({ scratch }) => {
    makeTree(scratch, ['here/file']);

    const { events } = await traceWhile({ mode, paths: [scratch] }, () =>
      run('rm', ['file'], { cwd: path.join(scratch, 'here') }),
    );

    expect(events.map((event) => event.path)).toEqual([`${scratch}/here/file`]);
  });
});
