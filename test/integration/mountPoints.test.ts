// A tree on another file system, mounted inside the traced directory: the
// kernel's walk from the directory a name is relative to crosses the mount
// point on its way to the root.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { ATTACH_MODES } from '../../common/protocol';
import { buildFixture, run } from './support/programs';
import { listTree, makeScratchDirectory, makeTree, removeScratchDirectory } from './support/scratch';
import { killRunningTraces, traceWhile } from './support/traceCommand';

describe.each(ATTACH_MODES)('deletions behind a mount point (%s mode)', (mode) => {
  let deleter: string;
  let scratch: string;
  let mountPoint: string;
  beforeAll(() => {
    deleter = buildFixture('deleter');
  });
  beforeEach(() => {
    scratch = makeScratchDirectory();
    mountPoint = path.join(scratch, 'mounted');
    fs.mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'syscall-trace-test', mountPoint]);
  });
  afterEach(() => {
    killRunningTraces();
    execFileSync('umount', [mountPoint]);
    removeScratchDirectory(scratch);
  });

  it('reports a name relative to a directory on the mounted file system by its whole path', async () => {
    makeTree(mountPoint, ['inner/dir/file']);
    const dir = path.join(mountPoint, 'inner/dir');

    const { events } = await traceWhile({ mode, paths: [scratch] }, () => run(deleter, ['unlinkat', dir, 'file']));

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ path: `${scratch}/mounted/inner/dir/file`, pathArg: 'file', complete: true });
  });

  it('reports a name relative to the mounted file system\'s root directory', async () => {
    makeTree(mountPoint, ['at-root']);

    const { events } = await traceWhile({ mode, paths: [scratch] }, () => run(deleter, ['unlinkat', mountPoint, 'at-root']));

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ path: `${scratch}/mounted/at-root`, complete: true });
  });

  it('reports the path through a bind mount of a subdirectory, not the path of its source', async () => {
    makeTree(scratch, ['source/sub/dir/file']);
    const bound = path.join(scratch, 'bound');
    fs.mkdirSync(bound);
    execFileSync('mount', ['--bind', path.join(scratch, 'source/sub'), bound]);
    try {
      const { events } = await traceWhile({ mode, paths: [scratch] }, () => run(deleter, ['unlinkat', `${bound}/dir`, 'file']));

      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ path: `${scratch}/bound/dir/file`, complete: true });
    } finally {
      execFileSync('umount', [bound]);
    }
  });

  it('reports every entry of a tree that rm -r deletes there', async () => {
    makeTree(mountPoint, ['tree/a/b/file', 'tree/c']);
    const expected = [path.join(mountPoint, 'tree'), ...listTree(path.join(mountPoint, 'tree'))];

    const { events } = await traceWhile({ mode, paths: [scratch] }, () => run('rm', ['-r', 'tree'], { cwd: mountPoint }));

    expect(events.map((event) => event.path).sort()).toEqual(expected.sort());
    expect(events.every((event) => event.complete)).toBe(true);
  });
});
