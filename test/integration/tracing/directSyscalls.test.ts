// unlink(2), rmdir(2) and unlinkat(2) made directly, each reported as the
// syscall it was, with what it was given.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { ATTACH_MODES } from '../../../common/protocol';
import { run } from '../../support/programs';
import { makeTree } from '../../support/scratch';
import { traceProgram, traceWhile } from '../../support/traceCommand';
import { traceTest as it } from '../../support/traceTest';

describe.each(ATTACH_MODES)('deletion syscalls made directly (%s mode)', (mode) => {
  it('reports unlink(2) of a file as unlink', async ({ scratch, deleter }) => {
    const file = path.join(scratch, 'file.txt');
    makeTree(scratch, ['file.txt']);

    const { events, program } = await traceProgram({ mode, paths: [scratch] }, deleter, ['unlink', file]);

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      syscall: 'unlink',
      abi: 'x86_64',
      directory: false,
      path: file,
      pathArg: file,
      complete: true,
      result: 0,
      pid: program.pid,
      tid: program.pid,
      comm: 'deleter',
      cmdline: [deleter, 'unlink', file],
    });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('reports rmdir(2) of a directory as rmdir, a directory', async ({ scratch, deleter }) => {
    const directory = path.join(scratch, 'empty');
    fs.mkdirSync(directory);

    const { events } = await traceWhile({ mode, paths: [scratch] }, () => run(deleter, ['rmdir', directory]));

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      syscall: 'rmdir',
      directory: true,
      path: directory,
      pathArg: directory,
      result: 0,
    });
  });

  it('reports unlinkat(2) of a file relative to a directory descriptor', async ({ scratch, deleter }) => {
    makeTree(scratch, ['dir/file']);

    const { events } = await traceWhile({ mode, paths: [scratch] }, () =>
      run(deleter, ['unlinkat', path.join(scratch, 'dir'), 'file']),
    );

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      syscall: 'unlinkat',
      directory: false,
      path: `${scratch}/dir/file`,
      pathArg: 'file',
      complete: true,
    });
  });

  it('reports unlinkat(2) with AT_REMOVEDIR as a directory', async ({ scratch, deleter }) => {
    makeTree(scratch, ['dir/sub/.keep']);
    fs.rmSync(path.join(scratch, 'dir/sub/.keep'));

    const { events } = await traceWhile({ mode, paths: [scratch] }, () =>
      run(deleter, ['unlinkat-dir', path.join(scratch, 'dir'), 'sub']),
    );

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      syscall: 'unlinkat',
      directory: true,
      path: `${scratch}/dir/sub`,
      pathArg: 'sub',
    });
  });
});
