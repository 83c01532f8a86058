// Renames are events in the same stream as deletions: `path` is the name that
// is gone, `movedTo` where the file went, both host paths resolved as a
// deletion's are, with whether a file at the destination was replaced. Each
// test makes its renames with a real program (mv, sed, Python, C fixtures
// that make the syscalls by number, io_uring) and compares every field that
// says what the rename did. Traces run in the default mode unless a test
// says otherwise.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { ATTACH_MODES, isRename, type DeletionEvent } from '../../../common/protocol';
import { mountTmpfs, unmount } from '../../support/mounts';
import { buildFixture, kernelRuns32BitCode, run } from '../../support/programs';
import { makeTree } from '../../support/scratch';
import { traceProgram, traceWhile } from '../../support/traceCommand';
import { traceTest } from '../../support/traceTest';

const it = traceTest
  .extend('renameFlags', { scope: 'file' }, () => buildFixture('rename_flags'))
  .extend('renameLoop', { scope: 'file' }, () => buildFixture('rename_loop'))
  .extend('ioUringRename', { scope: 'file' }, () => buildFixture('io_uring_rename', { libs: ['uring'] }))
  // A tmpfs at scratch/tmpfs for the tests that name it, unmounted after them.
  .extend('tmpfs', async ({ scratch }, { onCleanup }) => {
    const mountPoint = path.join(scratch, 'tmpfs');
    fs.mkdirSync(mountPoint);
    mountTmpfs(mountPoint, '1m');
    onCleanup(() => unmount(mountPoint));
    return mountPoint;
  });

/** The fields that say what a rename did. */
function renameOf(event: DeletionEvent) {
  return {
    syscall: event.syscall,
    abi: event.abi,
    path: event.path,
    movedTo: event.movedTo,
    complete: event.complete,
    movedToComplete: event.movedToComplete,
    directory: event.directory,
    result: event.result,
    replaced: event.replaced,
    replacedUnknown: event.replacedUnknown,
    // Present on an exchange; on any other rename absent or false alike.
    exchanged: event.exchanged ?? false,
    renameFlags: event.renameFlags,
  };
}

type RenameSummary = ReturnType<typeof renameOf>;

/**
 * What renameOf() gives for a rename of a file by a 64-bit program that
 * succeeded, with both paths known in full, passed no flags and replaced
 * nothing it could know of; `fields` says what differs.
 */
function expectedRename(
  fields: Partial<RenameSummary> & Pick<RenameSummary, 'syscall' | 'path' | 'movedTo'>,
): RenameSummary {
  return {
    abi: 'x86_64',
    complete: true,
    movedToComplete: true,
    directory: false,
    result: 0,
    replaced: undefined,
    replacedUnknown: undefined,
    exchanged: false,
    renameFlags: undefined,
    ...fields,
  };
}

/**
 * A rename onto a name that nothing was at: the kernel knew it was free
 * (replaced false), or the name was not in the dentry cache of a file system
 * that keeps names on disk (replacedUnknown). Never replaced.
 */
function expectNothingReplaced(event: DeletionEvent): void {
  expect([{ replaced: false }, { replacedUnknown: true }]).toContainEqual({
    replaced: event.replaced,
    replacedUnknown: event.replacedUnknown,
  });
}

/** renameOf() but for the fields that expectNothingReplaced() checks. */
function renameOfWithoutReplacement(event: DeletionEvent): RenameSummary {
  return { ...renameOf(event), replaced: undefined, replacedUnknown: undefined };
}

/** The one rename among `events`, checked to be one. */
function onlyRename(events: DeletionEvent[]): DeletionEvent {
  const renames = events.filter(isRename);
  expect(renames, JSON.stringify(events)).toHaveLength(1);
  return renames[0];
}

describe('renames by everyday programs', () => {
  // mv (GNU coreutils 9.1 here) first tries renameat2(RENAME_NOREPLACE); where
  // the destination exists, that fails with EEXIST (a failed rename, left
  // out without --failed) and mv then calls renameat(2) or, for a
  // destination directory, renameat2 relative to that directory.

  it('reports mv of a file into a subdirectory as one rename, replacing nothing', async ({ scratch }) => {
    makeTree(scratch, ['a', 'sub/.keep']);

    const { events, program } = await traceProgram({ paths: [scratch] }, 'mv', ['a', 'sub/b'], { cwd: scratch });

    expect(events.map(renameOf)).toEqual([
      expectedRename({
        syscall: 'renameat2',
        path: `${scratch}/a`,
        movedTo: `${scratch}/sub/b`,
        replaced: false,
        renameFlags: ['RENAME_NOREPLACE'],
      }),
    ]);
    expect(events[0]).toMatchObject({ pathArg: 'a', pid: program.pid, comm: 'mv', cmdline: ['mv', 'a', 'sub/b'] });
    expect(fs.existsSync(path.join(scratch, 'sub/b'))).toBe(true);
  });

  it('reports a file moved out of the traced folder, for its source is in it', async ({ scratch }) => {
    makeTree(scratch, ['traced/x', 'elsewhere/.keep']);
    const traced = path.join(scratch, 'traced');
    const elsewhere = path.join(scratch, 'elsewhere');

    const { events } = await traceWhile({ paths: [traced] }, () => run('mv', [`${traced}/x`, `${elsewhere}/`]));

    expect(events.map(renameOf)).toEqual([
      expectedRename({
        syscall: 'renameat2',
        path: `${traced}/x`,
        movedTo: `${elsewhere}/x`,
        replaced: false,
        renameFlags: ['RENAME_NOREPLACE'],
      }),
    ]);
  });

  it('reports a file moved into the traced folder from outside it, for its destination is in it', async ({
    scratch,
  }) => {
    makeTree(scratch, ['traced/.keep', 'elsewhere/y']);
    const traced = path.join(scratch, 'traced');
    const elsewhere = path.join(scratch, 'elsewhere');

    const { events } = await traceWhile({ paths: [traced] }, () => run('mv', [`${elsewhere}/y`, `${traced}/y`]));

    expect(events.map(renameOf)).toEqual([
      expectedRename({
        syscall: 'renameat2',
        path: `${elsewhere}/y`,
        movedTo: `${traced}/y`,
        replaced: false,
        renameFlags: ['RENAME_NOREPLACE'],
      }),
    ]);
  });

  it('leaves out a rename whose source and destination are both outside the traced folder, counted as filtered', async ({
    scratch,
    renameFlags,
  }) => {
    makeTree(scratch, ['traced/in', 'elsewhere/out']);
    const traced = path.join(scratch, 'traced');
    const elsewhere = path.join(scratch, 'elsewhere');

    const { events, stats } = await traceWhile({ paths: [traced] }, async () => {
      await run(renameFlags, ['rename', `${elsewhere}/out`, `${elsewhere}/still-out`]);
      await run(renameFlags, ['rename', `${traced}/in`, `${traced}/still-in`]);
    });

    expect(fs.existsSync(`${elsewhere}/still-out`)).toBe(true);
    expect(events.map((event) => [event.path, event.movedTo])).toEqual([[`${traced}/in`, `${traced}/still-in`]]);
    expect(stats.filtered).toBeGreaterThanOrEqual(1);
  });

  it('reports mv -f over an existing file as a rename that replaced it', async ({ scratch }) => {
    fs.writeFileSync(path.join(scratch, 'new'), 'new content');
    fs.writeFileSync(path.join(scratch, 'old'), 'old content');

    const { events } = await traceWhile({ paths: [scratch] }, () => run('mv', ['-f', 'new', 'old'], { cwd: scratch }));

    expect(events.map(renameOf)).toEqual([
      expectedRename({ syscall: 'renameat', path: `${scratch}/new`, movedTo: `${scratch}/old`, replaced: true }),
    ]);
    expect(fs.readFileSync(path.join(scratch, 'old'), 'utf8')).toBe('new content');
  });

  it("reports mv's refused first try as well with --failed: EEXIST, nothing replaced", async ({ scratch }) => {
    makeTree(scratch, ['new', 'old']);

    const { events } = await traceWhile({ paths: [scratch], failed: true }, () =>
      run('mv', ['-f', 'new', 'old'], { cwd: scratch }),
    );

    expect(events.map(renameOf)).toEqual([
      expectedRename({
        syscall: 'renameat2',
        path: `${scratch}/new`,
        movedTo: `${scratch}/old`,
        result: -17,
        replaced: false,
        renameFlags: ['RENAME_NOREPLACE'],
      }),
      expectedRename({ syscall: 'renameat', path: `${scratch}/new`, movedTo: `${scratch}/old`, replaced: true }),
    ]);
    expect(events[0].error).toBe('EEXIST');
    expect(events[1]).not.toHaveProperty('error');
  });

  it('reports a directory moved, with what it holds, as one rename of a directory', async ({ scratch }) => {
    makeTree(scratch, ['tree/file', 'tree/deeper/file']);

    const { events } = await traceWhile({ paths: [scratch] }, () => run('mv', ['tree', 'moved'], { cwd: scratch }));

    expect(events.map(renameOf)).toEqual([
      expectedRename({
        syscall: 'renameat2',
        path: `${scratch}/tree`,
        movedTo: `${scratch}/moved`,
        directory: true,
        replaced: false,
        renameFlags: ['RENAME_NOREPLACE'],
      }),
    ]);
    expect(fs.existsSync(path.join(scratch, 'moved/deeper/file'))).toBe(true);
  });

  it('reports a directory that replaced an empty directory as a rename that replaced it', async ({ scratch }) => {
    makeTree(scratch, ['full/file']);
    fs.mkdirSync(path.join(scratch, 'empty'));

    const { events } = await traceWhile({ paths: [scratch] }, () =>
      run('mv', ['-T', 'full', 'empty'], { cwd: scratch }),
    );

    expect(events.map(renameOf)).toEqual([
      expectedRename({
        syscall: 'renameat',
        path: `${scratch}/full`,
        movedTo: `${scratch}/empty`,
        directory: true,
        replaced: true,
      }),
    ]);
    expect(fs.readdirSync(path.join(scratch, 'empty'))).toEqual(['file']);
  });

  it('reports sed -i as its temporary file renamed over the file it edits, which is replaced', async ({ scratch }) => {
    const conf = path.join(scratch, 'conf.txt');
    fs.writeFileSync(conf, 'a\n');

    const { events } = await traceWhile({ paths: [scratch] }, () =>
      run('sed', ['-i', 's/a/b/', 'conf.txt'], { cwd: scratch }),
    );

    // sed writes the new content into ./sedXXXXXX (mkostemp) and renames it with rename(2).
    const rename = onlyRename(events);
    expect(rename.path).toMatch(new RegExp(`^${scratch}/sed[A-Za-z0-9]{6}$`));
    expect(renameOf(rename)).toEqual(
      expectedRename({ syscall: 'rename', path: rename.path, movedTo: conf, replaced: true }),
    );
    expect(events).toHaveLength(1);
    expect(fs.readFileSync(conf, 'utf8')).toBe('b\n');
  });
});

/**
 * os.rename(argv[3], argv[4]) with src_dir_fd and dst_dir_fd: Python makes
 * that renameat(2) with the two directories' descriptors. With argv[5] ==
 * "create", the destination is created first with open(), so that its name
 * is in the dentry cache when the rename runs.
 */
const PYTHON_RENAMEAT = `
import os, sys
source_dir = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
destination_dir = os.open(sys.argv[2], os.O_RDONLY | os.O_DIRECTORY)
if sys.argv[5] == 'create':
    os.close(os.open(sys.argv[4], os.O_WRONLY | os.O_CREAT, dir_fd=destination_dir))
os.rename(sys.argv[3], sys.argv[4], src_dir_fd=source_dir, dst_dir_fd=destination_dir)
`;

describe('renames with two directory descriptors (Python)', () => {
  it('reports os.rename with src_dir_fd and dst_dir_fd onto an existing file as renameat that replaced it', async ({
    scratch,
  }) => {
    makeTree(scratch, ['from/src', 'to/.keep']);

    const { events } = await traceWhile({ paths: [scratch] }, () =>
      run('python3', ['-c', PYTHON_RENAMEAT, `${scratch}/from`, `${scratch}/to`, 'src', 'dst', 'create'], { cwd: '/' }),
    );

    expect(events.map(renameOf)).toEqual([
      expectedRename({
        syscall: 'renameat',
        path: `${scratch}/from/src`,
        movedTo: `${scratch}/to/dst`,
        replaced: true,
      }),
    ]);
    expect(events[0].pathArg).toBe('src');
  });

  it('reports os.rename with src_dir_fd and dst_dir_fd onto a fresh name as renameat that replaced nothing', async ({
    scratch,
  }) => {
    makeTree(scratch, ['from/src', 'to/.keep']);

    const { events } = await traceWhile({ paths: [scratch] }, () =>
      run('python3', ['-c', PYTHON_RENAMEAT, `${scratch}/from`, `${scratch}/to`, 'src', 'fresh', 'no'], { cwd: '/' }),
    );

    expect(events.map(renameOfWithoutReplacement)).toEqual([
      expectedRename({ syscall: 'renameat', path: `${scratch}/from/src`, movedTo: `${scratch}/to/fresh` }),
    ]);
    expectNothingReplaced(events[0]);
  });
});

describe('renames of unusual names', () => {
  it('reports a name with a newline as it is and carries a name that is not UTF-8 in movedToBytes and pathBytes', async ({
    scratch,
  }) => {
    fs.writeFileSync(path.join(scratch, 'line\nbreak'), '');
    const invalid = Buffer.concat([Buffer.from(`${scratch}/caf`), Buffer.from([0xe9])]); // "café" in Latin-1
    // Python takes the names as bytes, so they reach the kernel byte for byte.
    const script = "import os\nos.rename(b'line\\nbreak', b'caf\\xe9')\nos.rename(b'caf\\xe9', b'back\\nagain')\n";

    const { events } = await traceWhile({ paths: [scratch] }, () => run('python3', ['-c', script], { cwd: scratch }));

    expect(events.map((event) => [event.path, event.pathBytes, event.movedTo, event.movedToBytes])).toEqual([
      // The text form stands in for the bytes it cannot show with U+FFFD.
      [`${scratch}/line\nbreak`, undefined, `${scratch}/caf\ufffd`, invalid.toString('base64')],
      [`${scratch}/caf\ufffd`, invalid.toString('base64'), `${scratch}/back\nagain`, undefined],
    ]);
    expect(events.every((event) => event.complete && event.movedToComplete && event.result === 0)).toBe(true);
    expect(events[0]).not.toHaveProperty('pathBytes');
    expect(events[1]).not.toHaveProperty('movedToBytes');
  });
});

describe('rename(2), renameat(2) and renameat2(2) with each flag', () => {
  it('reports rename(2) onto an existing file as rename that replaced it', async ({ scratch, renameFlags }) => {
    makeTree(scratch, ['a', 'b']);

    const { events, program } = await traceProgram({ paths: [scratch] }, renameFlags, [
      'rename',
      `${scratch}/a`,
      `${scratch}/b`,
    ]);

    expect(events.map(renameOf)).toEqual([
      expectedRename({ syscall: 'rename', path: `${scratch}/a`, movedTo: `${scratch}/b`, replaced: true }),
    ]);
    expect(events[0]).toMatchObject({
      pathArg: `${scratch}/a`,
      pid: program.pid,
      tid: program.pid,
      comm: 'rename_flags',
    });
  });

  it('reports rename(2) onto a name just looked up and found free as rename that replaced nothing, known', async ({
    scratch,
    renameFlags,
  }) => {
    makeTree(scratch, ['a']);
    // The failed lookup leaves a negative dentry: the kernel knows the name is free.
    expect(fs.existsSync(path.join(scratch, 'b'))).toBe(false);

    const { events } = await traceProgram({ paths: [scratch] }, renameFlags, [
      'rename',
      `${scratch}/a`,
      `${scratch}/b`,
    ]);

    expect(events.map(renameOf)).toEqual([
      expectedRename({ syscall: 'rename', path: `${scratch}/a`, movedTo: `${scratch}/b`, replaced: false }),
    ]);
  });

  it('reports renameat(2) between two directory descriptors, each name resolved in its own directory', async ({
    scratch,
    renameFlags,
  }) => {
    makeTree(scratch, ['one/x', 'two/y']);

    const { events } = await traceProgram(
      { paths: [scratch] },
      renameFlags,
      ['renameat', `${scratch}/one`, 'x', `${scratch}/two`, 'y'],
      { cwd: '/' },
    );

    expect(events.map(renameOf)).toEqual([
      expectedRename({ syscall: 'renameat', path: `${scratch}/one/x`, movedTo: `${scratch}/two/y`, replaced: true }),
    ]);
    expect(events[0].pathArg).toBe('x');
  });

  it('reports renameat2(2) without flags onto an existing file as renameat2 that replaced it, with no flags named', async ({
    scratch,
    renameFlags,
  }) => {
    makeTree(scratch, ['a', 'b']);

    const { events } = await traceProgram({ paths: [scratch] }, renameFlags, ['renameat2', scratch, 'a', scratch, 'b']);

    expect(events.map(renameOf)).toEqual([
      expectedRename({ syscall: 'renameat2', path: `${scratch}/a`, movedTo: `${scratch}/b`, replaced: true }),
    ]);
    expect(events[0]).not.toHaveProperty('renameFlags');
  });

  it('reports renameat2(2) with RENAME_NOREPLACE onto a fresh name as replacing nothing', async ({
    scratch,
    renameFlags,
  }) => {
    makeTree(scratch, ['a']);

    const { events } = await traceProgram({ paths: [scratch] }, renameFlags, [
      'renameat2',
      scratch,
      'a',
      scratch,
      'b',
      'noreplace',
    ]);

    expect(events.map(renameOf)).toEqual([
      expectedRename({
        syscall: 'renameat2',
        path: `${scratch}/a`,
        movedTo: `${scratch}/b`,
        replaced: false,
        renameFlags: ['RENAME_NOREPLACE'],
      }),
    ]);
  });

  it('leaves out renameat2(2) with RENAME_NOREPLACE refused by an existing name where failures are not asked for', async ({
    scratch,
    renameFlags,
  }) => {
    makeTree(scratch, ['a', 'b']);

    const { events, program } = await traceProgram(
      { paths: [scratch] },
      renameFlags,
      ['renameat2', scratch, 'a', scratch, 'b', 'noreplace'],
      {
        mayFail: true,
      },
    );

    expect(program.stdout).toBe('-17\n');
    expect(events).toEqual([]);
  });

  it('reports renameat2(2) with RENAME_NOREPLACE refused by an existing name with --failed, as EEXIST', async ({
    scratch,
    renameFlags,
  }) => {
    makeTree(scratch, ['a', 'b']);

    const { events, program } = await traceProgram(
      { paths: [scratch], failed: true },
      renameFlags,
      ['renameat2', scratch, 'a', scratch, 'b', 'noreplace'],
      {
        mayFail: true,
      },
    );

    expect(program.stdout).toBe('-17\n');
    expect(events.map(renameOf)).toEqual([
      expectedRename({
        syscall: 'renameat2',
        path: `${scratch}/a`,
        movedTo: `${scratch}/b`,
        result: -17,
        replaced: false,
        renameFlags: ['RENAME_NOREPLACE'],
      }),
    ]);
    expect(events[0].error).toBe('EEXIST');
    expect([fs.existsSync(`${scratch}/a`), fs.existsSync(`${scratch}/b`)]).toEqual([true, true]);
  });

  it('reports renameat2(2) with RENAME_EXCHANGE as an exchange that replaced nothing', async ({
    scratch,
    renameFlags,
  }) => {
    fs.writeFileSync(path.join(scratch, 'one'), 'one');
    fs.writeFileSync(path.join(scratch, 'two'), 'two');

    const { events } = await traceProgram({ paths: [scratch] }, renameFlags, [
      'renameat2',
      scratch,
      'one',
      scratch,
      'two',
      'exchange',
    ]);

    expect(events.map(renameOf)).toEqual([
      expectedRename({
        syscall: 'renameat2',
        path: `${scratch}/one`,
        movedTo: `${scratch}/two`,
        exchanged: true,
        replaced: false,
        renameFlags: ['RENAME_EXCHANGE'],
      }),
    ]);
    expect(events[0].exchanged).toBe(true);
    expect([fs.readFileSync(`${scratch}/one`, 'utf8'), fs.readFileSync(`${scratch}/two`, 'utf8')]).toEqual([
      'two',
      'one',
    ]);
  });

  it('reports renameat2(2) with RENAME_WHITEOUT on a tmpfs with the result the kernel gave', async ({
    scratch,
    renameFlags,
    tmpfs,
  }) => {
    makeTree(tmpfs, ['a']);

    // RENAME_WHITEOUT needs CAP_MKNOD and a file system that makes whiteouts
    // (tmpfs does from Linux 4.x/5.x): whatever the kernel answered must be what is reported.
    const { events, program } = await traceProgram(
      { paths: [scratch], failed: true },
      renameFlags,
      ['renameat2', tmpfs, 'a', tmpfs, 'b', 'whiteout'],
      {
        mayFail: true,
      },
    );

    const result = Number(program.stdout.trim());
    expect(program.stdout).toMatch(/^(0|-\d+)\n$/);
    // On tmpfs every name is in the dentry cache: the kernel knows that b was free.
    expect(events.map(renameOf)).toEqual([
      expectedRename({
        syscall: 'renameat2',
        path: `${tmpfs}/a`,
        movedTo: `${tmpfs}/b`,
        result,
        replaced: false,
        renameFlags: ['RENAME_WHITEOUT'],
      }),
    ]);
    if (result === 0) {
      // The whiteout: a character device 0:0 where the source was.
      expect(fs.statSync(`${tmpfs}/a`).isCharacterDevice()).toBe(true);
    } else {
      expect(events[0].error).toMatch(/^E[A-Z]+$/);
    }
  });

  it('reports rename(2) onto a fresh name on a tmpfs, where every name is in the dentry cache, as replacing nothing, known', async ({
    scratch,
    renameFlags,
    tmpfs,
  }) => {
    makeTree(tmpfs, ['a']);

    const { events } = await traceProgram({ paths: [scratch] }, renameFlags, [
      'rename',
      `${tmpfs}/a`,
      `${tmpfs}/never-looked-up`,
    ]);

    expect(events.map(renameOf)).toEqual([
      expectedRename({ syscall: 'rename', path: `${tmpfs}/a`, movedTo: `${tmpfs}/never-looked-up`, replaced: false }),
    ]);
  });

  it("reports an unlink(2) beside a rename as the deletion it was, with none of a rename's fields", async ({
    scratch,
    deleter,
    renameFlags,
  }) => {
    makeTree(scratch, ['gone', 'kept']);

    const { events } = await traceWhile({ paths: [scratch] }, async () => {
      await run(deleter, ['unlink', `${scratch}/gone`]);
      await run(renameFlags, ['rename', `${scratch}/kept`, `${scratch}/moved`]);
    });

    expect(events.map((event) => [event.syscall, event.path, isRename(event)])).toEqual([
      ['unlink', `${scratch}/gone`, false],
      ['rename', `${scratch}/kept`, true],
    ]);
    expect(events[0]).toMatchObject({ abi: 'x86_64', directory: false, complete: true, result: 0 });
    for (const field of [
      'movedTo',
      'movedToBytes',
      'movedToComplete',
      'replaced',
      'replacedUnknown',
      'exchanged',
      'renameFlags',
    ]) {
      expect(events[0]).not.toHaveProperty(field);
    }
  });
});

describe.each(ATTACH_MODES)('renames in %s mode', (mode) => {
  it('reports rename(2), renameat(2) and renameat2(2), each as the syscall it was', async ({
    scratch,
    renameFlags,
  }) => {
    makeTree(scratch, ['a', 'b', 'c', 'd']);

    const { events } = await traceWhile({ mode, paths: [scratch] }, async () => {
      await run(renameFlags, ['rename', `${scratch}/a`, `${scratch}/b`]);
      await run(renameFlags, ['renameat', scratch, 'b', scratch, 'c']);
      await run(renameFlags, ['renameat2', scratch, 'c', scratch, 'd']);
    });

    expect(events.map(renameOf)).toEqual([
      expectedRename({ syscall: 'rename', path: `${scratch}/a`, movedTo: `${scratch}/b`, replaced: true }),
      expectedRename({ syscall: 'renameat', path: `${scratch}/b`, movedTo: `${scratch}/c`, replaced: true }),
      expectedRename({ syscall: 'renameat2', path: `${scratch}/c`, movedTo: `${scratch}/d`, replaced: true }),
    ]);
  });
});

describe('renames by 32-bit programs', () => {
  const runs32BitCode = kernelRuns32BitCode();

  it.skipIf(!runs32BitCode)(
    'reports rename, renameat and renameat2 through the ia32 table in the default mode',
    async ({ scratch }) => {
      const renameFlags32 = buildFixture('rename_flags', { bits32: true, static: true });
      makeTree(scratch, ['a', 'b', 'dir/c']);

      const { events } = await traceWhile({ paths: [scratch] }, async () => {
        await run(renameFlags32, ['rename', `${scratch}/a`, `${scratch}/b`]);
        await run(renameFlags32, ['renameat', scratch, 'b', `${scratch}/dir`, 'c']);
        await run(renameFlags32, ['renameat2', `${scratch}/dir`, 'c', scratch, 'e', 'noreplace']);
      });

      expect(events.map(renameOf)).toEqual([
        expectedRename({
          syscall: 'rename',
          abi: 'ia32',
          path: `${scratch}/a`,
          movedTo: `${scratch}/b`,
          replaced: true,
        }),
        expectedRename({
          syscall: 'renameat',
          abi: 'ia32',
          path: `${scratch}/b`,
          movedTo: `${scratch}/dir/c`,
          replaced: true,
        }),
        expectedRename({
          syscall: 'renameat2',
          abi: 'ia32',
          path: `${scratch}/dir/c`,
          movedTo: `${scratch}/e`,
          replaced: false,
          renameFlags: ['RENAME_NOREPLACE'],
        }),
      ]);
    },
  );
});

describe('renames through io_uring (IORING_OP_RENAMEAT)', () => {
  it('reports a request onto a fresh name as renameat through io_uring, with the process that submitted it', async ({
    scratch,
    ioUringRename,
  }) => {
    makeTree(scratch, ['a']);

    const { events, program } = await traceProgram({ paths: [scratch] }, ioUringRename, [
      `${scratch}/a`,
      `${scratch}/b`,
    ]);

    expect(program.stdout).toBe(`${scratch}/a ${scratch}/b 0\n`);
    expect(events.map(renameOfWithoutReplacement)).toEqual([
      expectedRename({ syscall: 'renameat', abi: 'io_uring', path: `${scratch}/a`, movedTo: `${scratch}/b` }),
    ]);
    expectNothingReplaced(events[0]);
    expect(events[0]).toMatchObject({
      pid: program.pid,
      comm: 'io_uring_rename',
      cmdline: [ioUringRename, `${scratch}/a`, `${scratch}/b`],
    });
  });

  it('reports a request onto an existing file in the dentry cache as one that replaced it', async ({
    scratch,
    ioUringRename,
  }) => {
    makeTree(scratch, ['a', 'b']);

    const { events } = await traceProgram({ paths: [scratch] }, ioUringRename, [`${scratch}/a`, `${scratch}/b`]);

    expect(events.map(renameOf)).toEqual([
      expectedRename({
        syscall: 'renameat',
        abi: 'io_uring',
        path: `${scratch}/a`,
        movedTo: `${scratch}/b`,
        replaced: true,
      }),
    ]);
  });

  it("resolves both names relative to the request's directory file descriptor, whatever the working directory", async ({
    scratch,
    ioUringRename,
  }) => {
    makeTree(scratch, ['sub/a', 'sub/deeper/b']);

    const { events } = await traceProgram(
      { paths: [scratch] },
      ioUringRename,
      ['--dirfd', `${scratch}/sub`, 'a', 'deeper/b'],
      { cwd: '/' },
    );

    expect(events.map(renameOf)).toEqual([
      expectedRename({
        syscall: 'renameat',
        abi: 'io_uring',
        path: `${scratch}/sub/a`,
        movedTo: `${scratch}/sub/deeper/b`,
        replaced: true,
      }),
    ]);
    expect(events[0].pathArg).toBe('a');
  });

  it('reports a request that failed with --failed, with its errno', async ({ scratch, ioUringRename }) => {
    const { events, program } = await traceProgram({ paths: [scratch], failed: true }, ioUringRename, [
      `${scratch}/never-there`,
      `${scratch}/b`,
    ]);

    expect(program.stdout).toBe(`${scratch}/never-there ${scratch}/b -2\n`);
    expect(events.map(renameOf)).toEqual([
      expectedRename({
        syscall: 'renameat',
        abi: 'io_uring',
        path: `${scratch}/never-there`,
        movedTo: `${scratch}/b`,
        result: -2,
        replaced: false,
      }),
    ]);
    expect(events[0].error).toBe('ENOENT');
  });
});

describe('renames in another mount namespace', () => {
  it("gives the host's paths of a rename made through a bind mount in a private mount namespace", async ({
    scratch,
    renameFlags,
  }) => {
    const workspace = path.join(scratch, 'workspace');
    makeTree(workspace, ['a', 'dir/c']);
    const inside = path.join(scratch, 'inside');
    fs.mkdirSync(inside);
    const script = 'mount --bind "$1" "$2" && "$3" rename "$2/a" "$2/b" && cd "$2" && exec "$3" renameat dir c . d';

    const { events } = await traceWhile({ paths: [workspace] }, () =>
      run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', workspace, inside, renameFlags]),
    );

    expect(events.map(renameOfWithoutReplacement)).toEqual([
      expectedRename({ syscall: 'rename', path: `${workspace}/a`, movedTo: `${workspace}/b` }),
      expectedRename({ syscall: 'renameat', path: `${workspace}/dir/c`, movedTo: `${workspace}/d` }),
    ]);
    events.forEach(expectNothingReplaced);
    // As the renaming process saw its source, through the bind mount.
    expect(events.map((event) => event.processPath)).toEqual([`${inside}/a`, `${inside}/dir/c`]);
  });
});

describe('20,000 renames', () => {
  it('reports every rename of a file renamed back and forth, in order, and loses none', async ({
    scratch,
    renameLoop,
  }) => {
    const count = 20_000;
    makeTree(scratch, ['a']);
    const [a, b] = [`${scratch}/a`, `${scratch}/b`];

    const { events, stats, exitCode } = await traceProgram({ paths: [scratch] }, renameLoop, [scratch, String(count)]);

    const renames = events.filter(isRename);
    expect(renames).toHaveLength(count);
    const outOfStep = renames.filter(
      (event, i) => event.path !== (i % 2 === 0 ? a : b) || event.movedTo !== (i % 2 === 0 ? b : a),
    );
    expect(outOfStep).toEqual([]);
    expect(renames.filter((event) => event.result !== 0 || event.replaced === true)).toEqual([]);
    expect(stats.lost).toBe(0);
    expect(exitCode).toBe(0);
  });
});
