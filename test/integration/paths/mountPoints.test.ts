// A tree on another file system, mounted inside the traced directory: the
// kernel's walk from the directory a name is relative to crosses the mount
// point on its way to the root.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { ATTACH_MODES } from '../../../common/protocol';
import { bindMount, mountTmpfs, unmount } from '../../support/mounts';
import { run } from '../../support/programs';
import { listTree, makeTree } from '../../support/scratch';
import { traceWhile } from '../../support/traceCommand';
import { traceTest } from '../../support/traceTest';

/** Every test runs with a tmpfs mounted at scratch/mounted, unmounted after it. */
const it = traceTest.extend('mountPoint', { auto: true }, async ({ scratch }, { onCleanup }) => {
  const mountPoint = path.join(scratch, 'mounted');
  fs.mkdirSync(mountPoint);
  mountTmpfs(mountPoint, '16m');
  onCleanup(() => unmount(mountPoint));
  return mountPoint;
});

describe.each(ATTACH_MODES)('deletions behind a mount point (%s mode)', (mode) => {
  it('reports a name relative to a directory on the mounted file system by its whole path', async ({
    scratch,
    deleter,
    mountPoint,
  }) => {
    makeTree(mountPoint, ['inner/dir/file']);
    const dir = path.join(mountPoint, 'inner/dir');

    const { events } = await traceWhile({ mode, paths: [scratch] }, () => run(deleter, ['unlinkat', dir, 'file']));

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ path: `${scratch}/mounted/inner/dir/file`, pathArg: 'file', complete: true });
  });

  it("reports a name relative to the mounted file system's root directory", async ({
    scratch,
    deleter,
    mountPoint,
  }) => {
    makeTree(mountPoint, ['at-root']);

    const { events } = await traceWhile({ mode, paths: [scratch] }, () =>
      run(deleter, ['unlinkat', mountPoint, 'at-root']),
    );

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ path: `${scratch}/mounted/at-root`, complete: true });
  });

  it('reports the path through a bind mount of a subdirectory, not the path of its source', async ({
    scratch,
    deleter,
  }) => {
    makeTree(scratch, ['source/sub/dir/file']);
    const bound = path.join(scratch, 'bound');
    fs.mkdirSync(bound);
    bindMount(path.join(scratch, 'source/sub'), bound);
    try {
      const { events } = await traceWhile({ mode, paths: [scratch] }, () =>
        run(deleter, ['unlinkat', `${bound}/dir`, 'file']),
      );

      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ path: `${scratch}/bound/dir/file`, complete: true });
    } finally {
      unmount(bound);
    }
  });

  it('reports every entry of a tree that rm -r deletes there', async ({ scratch, mountPoint }) => {
    makeTree(mountPoint, ['tree/a/b/file', 'tree/c']);
    const expected = [path.join(mountPoint, 'tree'), ...listTree(path.join(mountPoint, 'tree'))];

    const { events } = await traceWhile({ mode, paths: [scratch] }, () =>
      run('rm', ['-r', 'tree'], { cwd: mountPoint }),
    );

    expect(events.map((event) => event.path).sort()).toEqual(expected.sort());
    expect(events.every((event) => event.complete)).toBe(true);
  });
});
