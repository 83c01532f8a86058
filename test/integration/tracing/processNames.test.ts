// Processes are named as processes: `comm` is the process's name (its main
// thread's), whichever thread deleted; that thread's own name, which it may
// have set itself (PR_SET_NAME, as thread pools do), is `threadName`. The
// process is one key, so one command-line record, however many of its
// threads delete; and its ancestors are named by process too.
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { ATTACH_MODES } from '../../../common/protocol';
import { mapEntriesOf } from '../../support/bpfMaps';
import { buildFixture, run } from '../../support/programs';
import { makeTree } from '../../support/scratch';
import { startTrace, traceWhile } from '../../support/traceCommand';
import { traceTest } from '../../support/traceTest';

const it = traceTest.extend('threadPoolDelete', { scope: 'file' }, () =>
  buildFixture('thread_pool_delete', { pthread: true }),
);

/** A key of the kernel's processes_reported map: a process whose command line user space has. */
interface ReportedProcess {
  key: { tgid: number; exec_id: number; start_time: number };
}

const PYTHON = 'python3';

describe.each(ATTACH_MODES)('names (%s mode)', (mode) => {
  it("gives a pool of named threads one process: its name, its command line sent once, each thread's own name beside it", async ({
    scratch,
    threadPoolDelete,
  }) => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    makeTree(scratch, names);
    const files = names.map((name) => path.join(scratch, name));

    const trace = await startTrace({ mode, paths: [scratch] });
    const program = await run(threadPoolDelete, ['3', ...files]);
    const reported = mapEntriesOf<ReportedProcess>(trace.pid, 'processes_reported').filter(
      (entry) => entry.key.tgid === program.pid,
    );
    const { events } = await trace.stop();

    const deletedBy = new Map(
      program.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(' '))
        .map(([file, name, tid]) => [file, { name, tid: Number(tid) }]),
    );
    expect(events.map((event) => event.path).sort()).toEqual(files);
    for (const event of events) {
      expect(event).toMatchObject({
        pid: program.pid,
        comm: 'thread_pool_del', // the kernel keeps 15 characters of a name
        threadName: deletedBy.get(event.path)?.name,
        tid: deletedBy.get(event.path)?.tid,
        cmdline: [threadPoolDelete, '3', ...files],
      });
      expect(event.threadName).toMatch(/^pool-worker-[123]$/);
    }
    expect(new Set(events.map((event) => event.threadName)).size).toBe(3);
    // One key for the process, however many of its threads deleted.
    expect(reported).toHaveLength(1);
  });

  it('names a Python process by its name where a worker thread renamed itself', async ({ scratch }) => {
    makeTree(scratch, ['file']);
    const file = path.join(scratch, 'file');
    const script = [
      'import ctypes, os, threading',
      'def work():',
      "    ctypes.CDLL(None).prctl(15, b'pool-worker-1', 0, 0, 0)  # PR_SET_NAME",
      '    os.unlink(os.environ["FILE"])',
      'thread = threading.Thread(target=work)',
      'thread.start()',
      'thread.join()',
    ].join('\n');

    const { events } = await traceWhile({ mode, paths: [scratch] }, () => runWithFile(PYTHON, ['-c', script], file));

    expect(events).toHaveLength(1);
    expect(events[0].comm).toMatch(/^python3/);
    expect(events[0].threadName).toBe('pool-worker-1');
    expect(events[0].cmdline.slice(1)).toEqual(['-c', script]);
  });

  it("leaves threadName out where the deleting thread has the process's name", async ({ scratch }) => {
    makeTree(scratch, ['file']);
    const { events } = await traceWhile({ mode, paths: [scratch] }, () => run('rm', [path.join(scratch, 'file')]));

    expect(events).toHaveLength(1);
    expect(events[0].comm).toBe('rm');
    expect(events[0]).not.toHaveProperty('threadName');
  });

  it('names the parent by its process where the thread that started the deleter had a name of its own', async ({
    scratch,
  }) => {
    makeTree(scratch, ['file']);
    const file = path.join(scratch, 'file');
    const script = [
      'import ctypes, os, subprocess, threading',
      'def spawn():',
      "    ctypes.CDLL(None).prctl(15, b'spawner', 0, 0, 0)  # PR_SET_NAME",
      '    subprocess.run(["rm", os.environ["FILE"]], check=True)',
      'thread = threading.Thread(target=spawn)',
      'thread.start()',
      'thread.join()',
      'print(os.getpid())',
    ].join('\n');

    let parentPid = 0;
    const { events } = await traceWhile({ mode, paths: [scratch] }, async () => {
      parentPid = Number((await runWithFile(PYTHON, ['-c', script], file)).stdout.trim());
    });

    expect(events).toHaveLength(1);
    expect(events[0].comm).toBe('rm');
    expect(events[0].ppid).toBe(parentPid);
    expect(events[0].ancestors[0].pid).toBe(parentPid);
    expect(events[0].ancestors[0].comm).toMatch(/^python3/);
    expect(events[0].ancestors[1].pid).toBe(process.pid);
  });
});

/** Runs a program with FILE in its environment (run() passes the test's own environment on). */
async function runWithFile(file: string, args: string[], target: string) {
  process.env.FILE = target;
  try {
    return await run(file, args);
  } finally {
    delete process.env.FILE;
  }
}
