// A 32-bit x86 program on the 64-bit kernel deletes through the ia32 syscall
// table, whose numbers and argument registers differ from the 64-bit ones.
// The default mode sees them (it takes the raw tracepoints on a kernel that
// runs 32-bit programs, as this one does); the syscall tracepoints alone do
// not (compatSyscallsByMode.test.ts). Every trace here is in the default mode.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { buildFixture, kernelRuns32BitCode, run } from '../../support/programs';
import { makeTree } from '../../support/scratch';
import { traceProgram, traceWhile } from '../../support/traceCommand';
import { traceTest as it } from '../../support/traceTest';

describe('32-bit programs', () => {
  const runs32BitCode = kernelRuns32BitCode();

  it.skipIf(!runs32BitCode)(
    'reports a 32-bit unlink(2) as unlink through the ia32 table',
    async ({ scratch, deleter32 }) => {
      const file = path.join(scratch, 'file');
      makeTree(scratch, ['file']);

      const { events, program } = await traceProgram({ paths: [scratch] }, deleter32, ['unlink', file]);

      expect(events).toHaveLength(1);
      // The call, as read from the ia32 table's numbers and registers...
      expect(events[0]).toMatchObject({
        syscall: 'unlink',
        abi: 'ia32',
        directory: false,
        path: file,
        pathArg: file,
        result: 0,
      });
      // ...and the 32-bit program that made it.
      expect(events[0]).toMatchObject({ pid: program.pid, comm: 'deleter-32', cmdline: [deleter32, 'unlink', file] });
    },
  );

  it.skipIf(!runs32BitCode)('reports a 32-bit rmdir(2) as rmdir, a directory', async ({ scratch, deleter32 }) => {
    const directory = path.join(scratch, 'empty');
    fs.mkdirSync(directory);

    const { events } = await traceWhile({ paths: [scratch] }, () => run(deleter32, ['rmdir', directory]));

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ syscall: 'rmdir', abi: 'ia32', directory: true, path: directory });
  });

  it.skipIf(!runs32BitCode)(
    'reports a 32-bit unlinkat(2) with its directory descriptor and flags',
    async ({ scratch, deleter32 }) => {
      makeTree(scratch, ['dir/file', 'dir/sub/.keep']);
      fs.rmSync(path.join(scratch, 'dir/sub/.keep'));
      const dir = path.join(scratch, 'dir');

      const { events } = await traceWhile({ paths: [scratch] }, async () => {
        await run(deleter32, ['unlinkat', dir, 'file']);
        await run(deleter32, ['unlinkat-dir', dir, 'sub']);
      });

      expect(events).toHaveLength(2);
      expect(events[0]).toMatchObject({
        syscall: 'unlinkat',
        abi: 'ia32',
        directory: false,
        path: `${dir}/file`,
        pathArg: 'file',
      });
      expect(events[1]).toMatchObject({
        syscall: 'unlinkat',
        abi: 'ia32',
        directory: true,
        path: `${dir}/sub`,
        pathArg: 'sub',
      });
    },
  );

  it.skipIf(!runs32BitCode)(
    'reports a 32-bit unlink that a 64-bit program makes with int $0x80 as ia32',
    async ({ scratch }) => {
      const file = path.join(scratch, 'file');
      makeTree(scratch, ['file']);
      const int80Unlink = buildFixture('int80_unlink');

      const { events } = await traceWhile({ paths: [scratch] }, () => run(int80Unlink, [file]));

      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ syscall: 'unlink', abi: 'ia32', path: file, result: 0 });
    },
  );

  it('does not take a 64-bit mprotect(2), number 10 like the 32-bit unlink, for a deletion', async ({ scratch }) => {
    const notAPath = path.join(scratch, 'not-deleted');
    makeTree(scratch, ['not-deleted']);
    const notADeletion = buildFixture('not_a_deletion');

    const { events } = await traceWhile({ paths: [scratch], failed: true }, () => run(notADeletion, [notAPath]));

    expect(events).toEqual([]);
    expect(fs.existsSync(notAPath)).toBe(true);
  });
});
