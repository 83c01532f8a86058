// Deletions made through io_uring (IORING_OP_UNLINKAT): no deletion syscall
// is made, so only io_uring's own tracepoints see them. They are reported
// with the same fields as a syscall's, in every attach mode: the host path
// (the directory file descriptor resolved), the result, and the process that
// submitted the request, also where the ring's SQ-poll thread submitted it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import type { DeletionEvent } from '../../../common/protocol';
import { buildFixture, run } from '../../support/programs';
import { makeTree } from '../../support/scratch';
import { traceProgram, traceWhile } from '../../support/traceCommand';
import { traceTest } from '../../support/traceTest';

const it = traceTest.extend('ioUringUnlink', { scope: 'file' }, () =>
  buildFixture('io_uring_unlink', { libs: ['uring'] }),
);

/** The fields a deletion through io_uring shares with a syscall's, and what says it came through io_uring. */
function summary(event: DeletionEvent) {
  return {
    path: event.path,
    complete: event.complete,
    abi: event.abi,
    syscall: event.syscall,
    directory: event.directory,
    result: event.result,
  };
}

describe.each(['complete', 'tracepoint-without-32-bit'] as const)('io_uring unlink requests, in %s mode', (mode) => {
  it('reports a file, with the process that submitted it', async ({ scratch, ioUringUnlink }) => {
    makeTree(scratch, ['gone']);
    const file = path.join(scratch, 'gone');
    const { events, program } = await traceProgram({ mode, paths: [scratch] }, ioUringUnlink, [file]);

    expect(program.stdout).toBe(`${file} 0\n`);
    expect(fs.existsSync(file)).toBe(false);
    expect(events.map(summary)).toEqual([
      { path: file, complete: true, abi: 'io_uring', syscall: 'unlinkat', directory: false, result: 0 },
    ]);
    expect(events[0]).toMatchObject({
      pid: program.pid,
      comm: 'io_uring_unlink',
      cmdline: [ioUringUnlink, file],
      pathArg: file,
    });
    expect(events[0].resultUnknown).toBeUndefined();
  });

  it('leaves out a request outside the traced folder, counted as filtered, and keeps the one inside', async ({
    scratch,
    ioUringUnlink,
  }) => {
    makeTree(scratch, ['traced/inside', 'elsewhere/outside']);
    const [inside, outside] = [path.join(scratch, 'traced/inside'), path.join(scratch, 'elsewhere/outside')];
    const { events, stats } = await traceWhile({ mode, paths: [path.join(scratch, 'traced')] }, async () => {
      await run(ioUringUnlink, [outside]);
      await run(ioUringUnlink, [inside]);
    });

    expect(fs.existsSync(outside)).toBe(false);
    expect(events.map((event) => event.path)).toEqual([inside]);
    expect(stats.filtered).toBeGreaterThanOrEqual(1);
  });

  it('reports a directory removed with AT_REMOVEDIR', async ({ scratch, ioUringUnlink }) => {
    fs.mkdirSync(path.join(scratch, 'empty'));
    const directory = path.join(scratch, 'empty');
    const { events } = await traceProgram({ mode, paths: [scratch] }, ioUringUnlink, ['--rmdir', directory]);

    expect(events.map(summary)).toEqual([
      { path: directory, complete: true, abi: 'io_uring', syscall: 'unlinkat', directory: true, result: 0 },
    ]);
  });

  it('reports a request that failed, with its errno, where failures are asked for', async ({
    scratch,
    ioUringUnlink,
  }) => {
    const missing = path.join(scratch, 'never-there');
    const { events, program } = await traceProgram({ mode, paths: [scratch], failed: true }, ioUringUnlink, [missing]);

    expect(program.stdout).toBe(`${missing} -2\n`);
    expect(events.map(summary)).toEqual([
      { path: missing, complete: true, abi: 'io_uring', syscall: 'unlinkat', directory: false, result: -2 },
    ]);
    expect(events[0].error).toBe('ENOENT');
  });

  it('leaves a failed request out where failures are not asked for', async ({ scratch, ioUringUnlink }) => {
    const { events, stats } = await traceProgram({ mode, paths: [scratch] }, ioUringUnlink, [
      path.join(scratch, 'never-there'),
    ]);

    expect(events).toEqual([]);
    expect(stats.lost).toBe(0);
  });

  it("resolves a path relative to the request's directory file descriptor, whatever the working directory", async ({
    scratch,
    ioUringUnlink,
  }) => {
    makeTree(scratch, ['sub/a', 'sub/deeper/b']);
    const { events } = await traceProgram(
      { mode, paths: [scratch] },
      ioUringUnlink,
      ['--dirfd', path.join(scratch, 'sub'), 'a', 'deeper/b'],
      { cwd: '/' },
    );

    // Requests in flight together complete in any order.
    expect(events.map((event) => [event.path, event.pathArg, event.complete]).sort()).toEqual([
      [path.join(scratch, 'sub', 'a'), 'a', true],
      [path.join(scratch, 'sub', 'deeper', 'b'), 'deeper/b', true],
    ]);
  });

  it("puts a request that the ring's SQ-poll thread submitted down to the process that owns the ring", async ({
    scratch,
    ioUringUnlink,
  }) => {
    makeTree(scratch, ['one', 'two']);
    const files = ['one', 'two'].map((name) => path.join(scratch, name));
    const { events, program } = await traceProgram({ mode, paths: [scratch] }, ioUringUnlink, ['--sqpoll', ...files]);

    expect(events.map(summary).sort((a, b) => a.path.localeCompare(b.path))).toEqual(
      files.map((file) => ({
        path: file,
        complete: true,
        abi: 'io_uring',
        syscall: 'unlinkat',
        directory: false,
        result: 0,
      })),
    );
    for (const event of events) {
      expect(event).toMatchObject({
        pid: program.pid,
        comm: 'io_uring_unlink',
        cmdline: [ioUringUnlink, '--sqpoll', ...files],
      });
      // The kernel's SQ-poll thread, a thread of that process, made the submission.
      expect(event.tid).not.toBe(program.pid);
      expect(event.threadName).toBe(`iou-sqp-${program.pid}`);
    }
  });

  it('reports requests that post no completion (IOSQE_CQE_SKIP_SUCCESS) at submission, their result marked unknown', async ({
    scratch,
    ioUringUnlink,
  }) => {
    makeTree(scratch, ['quiet']);
    const file = path.join(scratch, 'quiet');
    const missing = path.join(scratch, 'never-there');
    // Whatever --failed says: with no completion, whether it failed is not known.
    const { events, program } = await traceProgram({ mode, paths: [scratch] }, ioUringUnlink, [
      '--skip-success',
      file,
      missing,
    ]);

    expect(program.stdout).toBe(`${file} skipped\n${missing} skipped\n`);
    expect(fs.existsSync(file)).toBe(false);
    expect(events.map(summary)).toEqual(
      [file, missing].map((deleted) => ({
        path: deleted,
        complete: true,
        abi: 'io_uring',
        syscall: 'unlinkat',
        directory: false,
        result: 0,
      })),
    );
    expect(events.map((event) => event.resultUnknown)).toEqual([true, true]);
  });

  it("gives the host's path of a request submitted in another mount namespace, through a bind mount, and by an ordinary user", async ({
    scratch,
    ioUringUnlink,
  }) => {
    const workspace = path.join(scratch, 'workspace');
    makeTree(workspace, ['absolute', 'relative']);
    const inside = path.join(scratch, 'inside');
    fs.mkdirSync(inside);
    // Nobody's to delete, and reachable by nobody.
    await run('chown', ['-R', '65534:65534', workspace]);
    fs.chmodSync(scratch, 0o755);
    const script =
      'mount --bind "$1" "$2" && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$3" --sqpoll "$2/absolute"';
    const dirfdScript =
      'mount --bind "$1" "$2" && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$3" --dirfd "$2" relative';

    const { events } = await traceWhile({ mode, paths: [workspace] }, async () => {
      await run('unshare', [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        script,
        'sh',
        workspace,
        inside,
        ioUringUnlink,
      ]);
      await run('unshare', [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        dirfdScript,
        'sh',
        workspace,
        inside,
        ioUringUnlink,
      ]);
    });

    expect(events.map((event) => [event.path, event.complete, event.processPath, event.abi, event.uid])).toEqual([
      [path.join(workspace, 'absolute'), true, path.join(inside, 'absolute'), 'io_uring', 65534],
      [path.join(workspace, 'relative'), true, path.join(inside, 'relative'), 'io_uring', 65534],
    ]);
  });

  it('reports every request of a ring that keeps many in flight', async ({ scratch, ioUringUnlink }) => {
    const names = Array.from({ length: 300 }, (_, i) => `f${i}`);
    makeTree(scratch, names);
    const files = names.map((name) => path.join(scratch, name));
    const { events, stats } = await traceProgram({ mode, paths: [scratch] }, ioUringUnlink, files);

    expect(events.map((event) => event.path).sort()).toEqual([...files].sort());
    expect(events.every((event) => event.result === 0 && event.abi === 'io_uring')).toBe(true);
    expect(stats.lost).toBe(0);
  });
});
