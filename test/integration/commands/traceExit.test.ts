// The end of a trace: SIGINT (Ctrl-C) or SIGTERM the moment a deleter has
// finished. Every deletion the kernel had handed over is written before the
// stats line, or counted in its `lost`: none is dropped in silence, whether
// the reader keeps up, lags behind (a pipe that is not read while the trace
// ends), or the user presses Ctrl-C a second time.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { TraceStats } from '../../../common/protocol';
import { mountTmpfs, unmount } from '../../support/mounts';
import { run } from '../../support/programs';
import { makeScratchDirectory, removeScratchDirectory } from '../../support/scratch';
import { HELPER_SCRIPT } from '../../support/traceCommand';

/** `tree` and 1,999 files in it: what `rm -rf tree` deletes is 2,000 entries. */
const DELETIONS = 2000;

interface ExitingTrace {
  child: ChildProcess;
  /** Resolves once the ready line has come. */
  ready: Promise<void>;
  /** Starts reading stdout, where the test held it back. */
  read(): void;
  /** Resolves once the process has exited (its pipes may still hold output). */
  exited: Promise<number | null>;
  /** Resolves once stdout and stderr are read to their end: the paths written, the stats line, stderr. */
  output: Promise<{ paths: string[]; stats: TraceStats | undefined; stderr: string }>;
}

const traces = new Set<ChildProcess>();

/** `trace --jsonl --path DIR`, its stdout a pipe this test reads, at once or only once `read()` is called. */
function startTrace(directory: string, { readAtOnce }: { readAtOnce: boolean }): ExitingTrace {
  const child = spawn(process.execPath, [HELPER_SCRIPT, 'trace', '--jsonl', '--path', directory], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  traces.add(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => (stderr += text));
  const stderrEnded = new Promise<void>((resolve) => child.stderr!.on('end', resolve));

  // The ready line is the first one; it is read at once, the rest as the test says.
  let text = '';
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    void exited.then((code) => reject(new Error(`the trace ended before it was ready (exit ${code}): ${stderr}`)));
  });
  let reading = readAtOnce;
  const onData = (chunk: string): void => {
    text += chunk;
    if (text.includes('\n') && text.startsWith('{"type":"ready"')) resolveReady();
    if (!reading && text.includes('\n')) child.stdout!.pause();
  };
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', onData);
  const stdoutEnded = new Promise<void>((resolve) => child.stdout!.on('end', resolve));

  const output = Promise.all([stdoutEnded, stderrEnded]).then(() => {
    const paths: string[] = [];
    let stats: TraceStats | undefined;
    const lines = text.split('\n');
    // An exit that did not wait for the reader may leave half a line, counted lost.
    lines.pop();
    for (const line of lines) {
      const message = JSON.parse(line) as { type: string; path?: string };
      if (message.type === 'deletion') paths.push(message.path!);
      else if (message.type === 'stats') stats = message as unknown as TraceStats;
    }
    return { paths, stats, stderr };
  });
  return {
    child,
    ready,
    read() {
      reading = true;
      child.stdout!.resume();
    },
    exited,
    output,
  };
}

/** The totals of the line a second signal leaves on stderr: `syscall-trace: N deletions, M lost (...)`. */
function stderrTotals(stderr: string): { events: number; lost: number } | undefined {
  const match = /(\d+) deletions, (\d+) lost/.exec(stderr);
  return match ? { events: Number(match[1]), lost: Number(match[2]) } : undefined;
}

describe('ending the trace right after an rm -rf of 2,000 entries', () => {
  let scratch: string;
  let tree: string;
  let expected: Set<string>;

  beforeEach(() => {
    scratch = makeScratchDirectory();
    mountTmpfs(scratch, '64m');
    tree = path.join(scratch, 'tree');
    fs.mkdirSync(tree);
    expected = new Set([tree]);
    for (let i = 1; i < DELETIONS; i++) {
      const file = path.join(tree, `file${i}`);
      fs.writeFileSync(file, '');
      expected.add(file);
    }
  });
  afterEach(() => {
    for (const child of traces) child.kill('SIGKILL');
    traces.clear();
    unmount(scratch);
    removeScratchDirectory(scratch);
  });
  afterAll(() => {
    for (const child of traces) child.kill('SIGKILL');
  });

  it('writes every deletion before the stats line, with a reader that keeps up', async () => {
    const trace = startTrace(scratch, { readAtOnce: true });
    await trace.ready;
    await run('rm', ['-rf', 'tree'], { cwd: scratch });
    trace.child.kill('SIGINT');

    const { paths, stats } = await trace.output;
    expect(await trace.exited).toBe(0);
    expect(stats).toBeDefined();
    expect(paths.length + stats!.lost).toBe(DELETIONS);
    expect(new Set(paths)).toEqual(expected);
    expect(stats).toMatchObject({ events: DELETIONS, lost: 0 });
  });

  it('ends the same way on SIGTERM', async () => {
    const trace = startTrace(scratch, { readAtOnce: true });
    await trace.ready;
    await run('rm', ['-rf', 'tree'], { cwd: scratch });
    trace.child.kill('SIGTERM');

    const { paths, stats } = await trace.output;
    expect(await trace.exited).toBe(0);
    expect(new Set(paths)).toEqual(expected);
    expect(stats).toMatchObject({ events: DELETIONS, lost: 0 });
  });

  it('waits for a reader that is behind when the signal comes, and still writes every deletion', async () => {
    const trace = startTrace(scratch, { readAtOnce: false });
    await trace.ready;
    await run('rm', ['-rf', 'tree'], { cwd: scratch });
    trace.child.kill('SIGINT');
    // The command cannot exit while its output waits for the reader: it is
    // still there once the reader comes back.
    const exitedEarly = await Promise.race([
      trace.exited.then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), 500)),
    ]);
    expect(exitedEarly).toBe(false);
    trace.read();

    const { paths, stats } = await trace.output;
    expect(await trace.exited).toBe(0);
    expect(paths.length + stats!.lost).toBe(DELETIONS);
    expect(new Set(paths)).toEqual(expected);
    expect(stats).toMatchObject({ events: DELETIONS, lost: 0 });
  });

  it('exits at a second SIGINT without waiting for the reader, and counts what it did not write as lost', async () => {
    const trace = startTrace(scratch, { readAtOnce: false });
    await trace.ready;
    await run('rm', ['-rf', 'tree'], { cwd: scratch });
    trace.child.kill('SIGINT');
    // Two SIGINTs sent back to back are one to the kernel (a signal pending
    // is not queued twice): the second comes a moment later, as a person's would.
    await new Promise((resolve) => setTimeout(resolve, 300));
    trace.child.kill('SIGINT');
    // It exits with the reader still away.
    expect(await trace.exited).toBe(0);
    trace.read();

    const { paths, stats, stderr } = await trace.output;
    const totals = stderrTotals(stderr);
    expect(totals).toBeDefined();
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths.every((written) => expected.has(written))).toBe(true);
    // What was not yet written when it exited is counted as lost; a write
    // that was under way may still have reached the pipe, so the reader can
    // hold more lines than were counted written, never fewer.
    expect(totals!.events + totals!.lost).toBe(DELETIONS);
    expect(paths.length).toBeGreaterThanOrEqual(totals!.events);
    if (stats) expect(stats).toMatchObject(totals!);
  });
});
