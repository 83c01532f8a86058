// `rm -r`: the way most trees are deleted, by names relative to a directory
// file descriptor (unlinkat(dirfd, name)), which the kernel must resolve.
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { ATTACH_MODES } from '../../../common/protocol';
import { run } from '../../support/programs';
import { listTree, makeTree } from '../../support/scratch';
import { traceProgram, traceWhile } from '../../support/traceCommand';
import { traceTest as it } from '../../support/traceTest';

describe.each(ATTACH_MODES)('rm -r of a tree (%s mode)', (mode) => {
  it('reports every file and directory of the tree by its absolute path', async ({ scratch }) => {
    const tree = path.join(scratch, 'tree');
    makeTree(tree, ['top.txt', 'src/main.c', 'src/lib/util.c', 'src/lib/util.h', 'docs/guide/intro.md', 'empty/.keep']);
    const expected = [tree, ...listTree(tree)];

    const { events } = await traceWhile({ mode, paths: [scratch] }, () => run('rm', ['-r', 'tree'], { cwd: scratch }));

    expect(events.map((event) => event.path).sort()).toEqual(expected.sort());
    expect(events.every((event) => event.complete && event.result === 0)).toBe(true);
  });

  it('marks the directories, and only them, as directories', async ({ scratch }) => {
    const tree = path.join(scratch, 'tree');
    makeTree(tree, ['a/b/file', 'a/other', 'c/file']);

    const { events } = await traceWhile({ mode, paths: [scratch] }, () => run('rm', ['-r', 'tree'], { cwd: scratch }));

    const directories = events.filter((event) => event.directory).map((event) => event.path);
    const files = events.filter((event) => !event.directory).map((event) => event.path);
    expect(directories.sort()).toEqual([tree, `${tree}/a`, `${tree}/a/b`, `${tree}/c`].sort());
    expect(files.sort()).toEqual([`${tree}/a/b/file`, `${tree}/a/other`, `${tree}/c/file`].sort());
  });

  it('resolves names that rm passes relative to a directory it holds open', async ({ scratch }) => {
    const tree = path.join(scratch, 'tree');
    makeTree(tree, ['deep/er/file']);

    const { events } = await traceWhile({ mode, paths: [scratch] }, () => run('rm', ['-r', 'tree'], { cwd: scratch }));

    const file = events.find((event) => event.path === `${tree}/deep/er/file`);
    // rm reached the file through directory file descriptors: the argument is
    // its bare name, and the rest of the path came from the kernel.
    expect(file).toMatchObject({ syscall: 'unlinkat', pathArg: 'file', directory: false, complete: true });
  });

  it('names rm as the process that deleted, with its command line', async ({ scratch }) => {
    makeTree(path.join(scratch, 'tree'), ['file']);

    const { events, program: rm } = await traceProgram({ mode, paths: [scratch] }, 'rm', ['-r', 'tree'], {
      cwd: scratch,
    });

    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event).toMatchObject({
        pid: rm.pid,
        tid: rm.pid,
        ppid: process.pid,
        uid: 0,
        comm: 'rm',
        cmdline: ['rm', '-r', 'tree'],
        abi: 'x86_64',
      });
    }
  });
});
