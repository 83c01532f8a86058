// --path DIR: only deletions at or below DIR are reported; the rest are
// counted as filtered in the stats line.
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { run } from '../../support/programs';
import { makeTree } from '../../support/scratch';
import { traceWhile } from '../../support/traceCommand';
import { traceTest as it } from '../../support/traceTest';

describe('scoping with --path', () => {
  it('reports a deletion below the directory and not one outside it', async ({ scratch }) => {
    makeTree(scratch, ['inside/file', 'outside/file']);

    const { events, stats } = await traceWhile({ paths: [path.join(scratch, 'inside')] }, async () => {
      await run('rm', ['outside/file'], { cwd: scratch });
      await run('rm', ['inside/file'], { cwd: scratch });
    });

    expect(events.map((event) => event.path)).toEqual([`${scratch}/inside/file`]);
    expect(stats.events).toBe(1);
    expect(stats.filtered).toBeGreaterThanOrEqual(1);
  });

  it("does not take a sibling that shares the directory's name as its start for a part of it", async ({ scratch }) => {
    makeTree(scratch, ['data/file', 'database/file']);

    const { events } = await traceWhile({ paths: [path.join(scratch, 'data')] }, () =>
      run('rm', ['database/file', 'data/file'], { cwd: scratch }),
    );

    expect(events.map((event) => event.path)).toEqual([`${scratch}/data/file`]);
  });

  it('reports the deletion of the directory itself', async ({ scratch }) => {
    makeTree(scratch, ['gone/file']);

    const { events } = await traceWhile({ paths: [path.join(scratch, 'gone')] }, () =>
      run('rm', ['-r', 'gone'], { cwd: scratch }),
    );

    expect(events.map((event) => event.path).sort()).toEqual([`${scratch}/gone`, `${scratch}/gone/file`]);
  });

  it('reports deletions below any of several directories', async ({ scratch }) => {
    makeTree(scratch, ['one/file', 'two/file', 'three/file']);

    const { events } = await traceWhile({ paths: [path.join(scratch, 'one'), path.join(scratch, 'two')] }, () =>
      run('rm', ['one/file', 'two/file', 'three/file'], { cwd: scratch }),
    );

    expect(events.map((event) => event.path)).toEqual([`${scratch}/one/file`, `${scratch}/two/file`]);
  });

  it('matches a directory reached through a symbolic link by the directory it names', async ({ scratch }) => {
    makeTree(scratch, ['real/file', 'other/.keep']);
    await run('ln', ['-s', path.join(scratch, 'real'), path.join(scratch, 'other/link')]);

    // The scope names the link; rm, working in the real directory, names the file relative to it.
    const { events } = await traceWhile({ paths: [path.join(scratch, 'other/link')] }, () =>
      run('rm', ['file'], { cwd: path.join(scratch, 'real') }),
    );

    expect(events.map((event) => event.path)).toEqual([`${scratch}/real/file`]);
  });
});
