// The queue between the kernel's ring buffer and JavaScript
// (native/src/ring_buffer_drain.h): a thread of the addon empties the ring
// buffer whatever JavaScript is doing, so a ring buffer far too small for a
// burst loses none of it while JavaScript is paused; what the queue has no
// room for is counted, never more than its budget is held, and a process
// whose record the queue dropped is sent again by the kernel.
//
// These tests drive the addon directly, with a 256 KiB ring buffer: the
// deletions here make records of ~155 bytes, so it would be full after about
// 1,700 of them. It is not smaller so that the thread, woken within 1 ms
// when the machine is idle, has some 20 ms to be scheduled on a busy one.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';

import { loadAddon, type DeletionPrograms, type DeletionProgramsOptions } from '../../../helper/native';
import { deletionPath } from '../../../helper/tracing/deletionEvents';
import { DirectoryNames } from '../../../helper/paths/directoryNames';
import {
  decodeBatch,
  type DeletionRecord,
  type ProcessRecord,
  type TraceRecord,
} from '../../../helper/tracing/records';
import { suiteProgramSet } from '../../support/programSet';
import { deleteFiles, makeScratchDirectory, makeTree, removeScratchDirectory } from '../../support/scratch';

const RING_BUFFER_BYTES = 256 << 10;
/** About six times what the ring buffer holds. */
const LARGE_BURST = 10_000;
/** The smallest queue the addon takes. */
const SMALL_QUEUE_BYTES = 64 << 10;
/** About seven times what the small queue holds. */
const SMALL_BURST = 3000;

interface LoadedPrograms {
  programs: DeletionPrograms;
  /** Every record delivered to onRecords, in order, decoded. */
  records: TraceRecord[];
}

const it = test
  .extend('scratch', ({}, { onCleanup }) => {
    const directory = makeScratchDirectory();
    onCleanup(() => removeScratchDirectory(directory));
    return directory;
  })
  .extend('loadPrograms', ({}, { onCleanup }) => {
    const loaded: DeletionPrograms[] = [];
    onCleanup(() => loaded.forEach((programs) => programs.close()));
    return (options: DeletionProgramsOptions): LoadedPrograms => {
      const { DeletionPrograms, layout } = loadAddon();
      const records: TraceRecord[] = [];
      const programs = new DeletionPrograms(
        (batch) => {
          for (const record of decodeBatch(batch, layout)) records.push(record);
        },
        { ringBufferBytes: RING_BUFFER_BYTES, ...suiteProgramSet(), ...options },
      );
      loaded.push(programs);
      return { programs, records };
    };
  });

/** The paths of the deletions below `directory`, in the order delivered: other processes on the machine delete too. */
/** The deletions delivered under `directory`: not those the queue dropped and kept for their directory names alone. */
function deletionsBelow(records: TraceRecord[], directory: string): string[] {
  const dropped = loadAddon().layout.deletionFlags.dropped;
  return records.flatMap((record) =>
    record.kind === 'deletion' && !(record.flags & dropped) && record.pathArg.toString().startsWith(`${directory}/`)
      ? [record.pathArg.toString()]
      : [],
  );
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); await sleep(10)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
  }
}

/** Waits until the drain thread has taken in what the ring buffer held: the queue and the counts stay as they are for 100 ms. */
async function settled(programs: DeletionPrograms): Promise<void> {
  const state = () => JSON.stringify([programs.queuedBytes, programs.lost()]);
  for (let previous = state(), stableSince = Date.now(); Date.now() - stableSince < 100; await sleep(10)) {
    const now = state();
    if (now !== previous) [previous, stableSince] = [now, Date.now()];
  }
}

/** Detaches, then delivers what is still waiting, as a stopping tracer does. */
function detachAndDeliverAll(programs: DeletionPrograms): void {
  programs.detach();
  expect(programs.deliverWaiting()).toBe(true);
}

/** Fills the small queue while paused, from this process: returns once the queue has begun to drop. */
async function fillQueue(programs: DeletionPrograms, directory: string): Promise<void> {
  fs.mkdirSync(directory);
  deleteFiles(directory, SMALL_BURST);
  await settled(programs);
  expect(programs.lost().queueFull).toBeGreaterThan(0);
}

describe('the drain thread, while JavaScript is paused', () => {
  it('takes a burst many times the ring buffer in, and delivers all of it once resumed', async ({
    scratch,
    loadPrograms,
  }) => {
    const { programs, records } = loadPrograms({ queueBytes: 64 << 20 });
    programs.pause();
    programs.attach();

    // Synchronous: JavaScript does nothing else until every file is deleted.
    const deleted = deleteFiles(scratch, LARGE_BURST);
    await settled(programs);
    const queuedWhilePaused = programs.queuedBytes;
    const deliveredWhilePaused = records.length;
    programs.resume();
    await until(() => programs.queuedBytes === 0, 'the queue is delivered');
    detachAndDeliverAll(programs);

    expect(deliveredWhilePaused).toBe(0);
    expect(queuedWhilePaused).toBeGreaterThan(4 * RING_BUFFER_BYTES);
    expect(programs.lost()).toMatchObject({ deletions: 0, queueFull: 0 });
    expect(deletionsBelow(records, scratch)).toEqual(deleted);
  });

  it('drops what a full queue has no room for, counts it, and never holds more than its budget', async ({
    scratch,
    loadPrograms,
  }) => {
    const { programs, records } = loadPrograms({ queueBytes: SMALL_QUEUE_BYTES });
    programs.pause();
    programs.attach();

    const deleted = deleteFiles(scratch, SMALL_BURST);
    await settled(programs);
    const peak = programs.peakQueuedBytes;
    programs.resume();
    detachAndDeliverAll(programs);
    const lost = programs.lost();
    const delivered = deletionsBelow(records, scratch);

    expect(lost.queueFull).toBeGreaterThan(0);
    // The budget, and the eighth beyond it where dropped records keep their
    // directory names (none of this test's: its deletions share a directory).
    expect(peak).toBeLessThanOrEqual(SMALL_QUEUE_BYTES + SMALL_QUEUE_BYTES / 8);
    // Full: no room left for one more of these records.
    expect(peak).toBeGreaterThan(SMALL_QUEUE_BYTES - 1024);
    // The oldest are kept and the newest dropped, none of them twice.
    expect(delivered.length).toBeLessThan(deleted.length);
    expect(delivered).toEqual(deleted.slice(0, delivered.length));
    // Each deletion is delivered or counted lost. The counts are the
    // machine's: a deletion elsewhere that found the queue full meanwhile
    // adds to them (rare in the moments it is full).
    const accounted = delivered.length + lost.queueFull + lost.deletions;
    expect(accounted).toBeGreaterThanOrEqual(deleted.length);
    expect(accounted - deleted.length).toBeLessThan(50);
  });

  it('has the kernel send a process again whose record the full queue dropped', async ({ scratch, loadPrograms }) => {
    const { programs, records } = loadPrograms({ queueBytes: SMALL_QUEUE_BYTES });
    programs.pause();
    programs.attach();
    await fillQueue(programs, path.join(scratch, 'filler'));
    const whenFull = programs.lost();

    // Longer names than the filler's: these records cannot fit where the filler's no longer did.
    const [first, second] = ['first-deletion-of-the-stepping-child', 'second-deletion-of-the-stepping-child'].map(
      (name) => path.join(scratch, name),
    );
    makeTree(scratch, [path.basename(first), path.basename(second)]);
    const child = startSteppingDeleter(first, second);
    expect(await child.said()).toBe('first');
    await until(() => programs.lost().processes > whenFull.processes, 'the queue drops the process record');
    const afterFirst = programs.lost();

    programs.resume();
    await until(() => programs.queuedBytes === 0, 'the queue is delivered');
    child.goOn();
    expect(await child.said()).toBe('second');
    expect(await child.exited).toBe(0);
    await until(() => deletionsBelow(records, scratch).includes(second), 'the second deletion is delivered');
    detachAndDeliverAll(programs);

    // The queue, not the ring buffer, dropped both records of the first deletion.
    expect(afterFirst.deletions).toBe(whenFull.deletions);
    expect(afterFirst.queueFull).toBeGreaterThan(whenFull.queueFull);
    const delivered = deletionsBelow(records, scratch);
    expect(delivered).not.toContain(first);
    expect(delivered).toContain(second);
    // Sent again with the next deletion, and only once.
    const sent = records.filter(
      (record): record is ProcessRecord => record.kind === 'process' && record.process.tgid === child.pid,
    );
    expect(sent).toHaveLength(1);
    expect(sent[0].cmdline.map(String)).toEqual([process.execPath, '-e', STEPPING_DELETER, first, second]);
  });
});

describe('a deletion the full queue dropped', () => {
  it('keeps its directory names for the deletions that name that directory by id', async ({
    scratch,
    loadPrograms,
  }) => {
    const { programs, records } = loadPrograms({ queueBytes: SMALL_QUEUE_BYTES });
    programs.pause();
    programs.attach();
    await fillQueue(programs, path.join(scratch, 'filler'));

    // Its first deletion names the new directory in full, and finds the queue full.
    const directory = path.join(scratch, 'named-while-full');
    makeTree(directory, ['dropped', 'delivered']);
    fs.unlinkSync(path.join(directory, 'dropped'));
    await settled(programs);
    programs.resume();
    await until(() => programs.queuedBytes === 0, 'the queue is delivered');
    // The next one, in the same directory from the same thread, names it by id alone.
    fs.unlinkSync(path.join(directory, 'delivered'));
    detachAndDeliverAll(programs);

    const { layout } = loadAddon();
    const flags = layout.deletionFlags;
    const names = new DirectoryNames(1024, () => undefined);
    const mine = records.filter(
      (record): record is DeletionRecord =>
        record.kind === 'deletion' && record.pathArg.toString().startsWith(`${directory}/`),
    );
    for (const record of mine)
      names.complete(record, flags.directoryNamed, flags.directoryKnown, flags.directoryIncomplete);
    const [dropped, delivered] = mine;

    expect(mine).toHaveLength(2);
    expect(dropped.flags & (flags.dropped | flags.directoryNamed)).toBe(flags.dropped | flags.directoryNamed);
    expect(delivered.flags & (flags.dropped | flags.directoryKnown)).toBe(flags.directoryKnown);
    expect(delivered.directoryId).toBe(dropped.directoryId);
    const resolved = deletionPath(delivered, layout, () => undefined, undefined);
    expect(resolved).toMatchObject({ binary: path.join(directory, 'delivered'), complete: true });
  });
});

/** Deletes its first argument, says "first", waits for a line, deletes its second, says "second" and exits. */
const STEPPING_DELETER = `
const fs = require('node:fs');
const [first, second] = process.argv.slice(1);
fs.unlinkSync(first);
console.log('first');
process.stdin.once('data', () => {
  fs.unlinkSync(second);
  console.log('second');
  process.exit(0);
});`;

function startSteppingDeleter(first: string, second: string) {
  const child = spawn(process.execPath, ['-e', STEPPING_DELETER, first, second], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const words = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    pid: child.pid!,
    exited: new Promise<number | null>((resolve) => child.on('close', resolve)),
    async said(): Promise<string> {
      const next = await words.next();
      if (next.done) throw new Error('the stepping deleter ended early');
      return next.value;
    },
    goOn: () => child.stdin.write('\n'),
  };
}
