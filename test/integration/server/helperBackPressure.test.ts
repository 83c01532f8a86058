// Back-pressure between the kernel and a JSON-RPC client. While the client is
// behind, the helper hands JavaScript no more records: the addon's thread
// keeps taking them from the kernel's ring buffer into its queue, up to the
// queue's budget. A client that reads gets every deletion of a storm; one
// that does not read leaves the helper's memory bounded, never holds up a
// deleting process, and the deletions the queue (or the ring buffer) had no
// room for are counted and reported as lost.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { QUEUE_BYTES_VARIABLE, RING_BUFFER_BYTES_VARIABLE } from '../../../helper/tracing/deletionTracer';
import { StatsRequest, StopRequest, type TraceStats } from '../../../common/protocol';
import { residentBytes, spawnHelper, startTracing, type HelperUnderTest } from '../../support/helperServer';
import { run } from '../../support/programs';
import { makeScratchDirectory, removeScratchDirectory } from '../../support/scratch';
import { makeStormTree, removeStormTree, type StormTree } from '../../support/stormTree';

describe('a client that does not read', () => {
  /** Far more than the helper holds for a client, a 1 MiB ring buffer and a 1 MiB queue together (about 15,000 records). */
  const DELETIONS = 40_000;
  /** Node and V8, the addon and its ring buffer, and the deletions waiting for the client. */
  const MEMORY_BOUND_BYTES = 200 * 1024 * 1024;

  let helper: HelperUnderTest;
  let scratch: string;
  let residentWhileNotReading = 0;
  let receivedWhileNotReading = -1;
  const deleted = new Set<string>();
  let stopped: TraceStats;
  let statsAfterwards: TraceStats;

  beforeAll(async () => {
    scratch = makeScratchDirectory();
    // A small ring buffer and queue, so that they overflow within a test's worth of deletions.
    helper = spawnHelper({
      env: { [RING_BUFFER_BYTES_VARIABLE]: String(1 << 20), [QUEUE_BYTES_VARIABLE]: String(1 << 20) },
    });
    await startTracing(helper, scratch);

    helper.child.stdout.pause();
    for (let i = 0; i < DELETIONS; i++) fs.writeFileSync(path.join(scratch, `f${i}`), '');
    for (let i = 0; i < DELETIONS; i++) {
      const file = path.join(scratch, `f${i}`);
      fs.unlinkSync(file);
      deleted.add(file);
      if (i % 5000 === 0) residentWhileNotReading = Math.max(residentWhileNotReading, residentBytes(helper.pid));
    }
    // Let the helper take in what it will before looking at it once more.
    await new Promise((resolve) => setTimeout(resolve, 500));
    residentWhileNotReading = Math.max(residentWhileNotReading, residentBytes(helper.pid));
    receivedWhileNotReading = helper.deletions.length;
    helper.child.stdout.resume();

    stopped = await helper.connection.sendRequest(StopRequest, {});
    // One trace/lost waits in the queue at a time; the newest total follows the
    // one ahead of the answer above, so it has arrived by the next answer.
    statsAfterwards = await helper.connection.sendRequest(StatsRequest, {});
  });

  afterAll(async () => {
    await helper.dispose();
    removeScratchDirectory(scratch);
  });

  it('keeps the helper under its memory bound', () => {
    expect(residentWhileNotReading).toBeGreaterThan(0);
    expect(residentWhileNotReading).toBeLessThan(MEMORY_BOUND_BYTES);
  });

  it('does not hold up the deleting process: every deletion finished while the client read nothing', () => {
    expect(receivedWhileNotReading).toBe(0);
  });

  it('receives, once it reads again, each deletion the helper reported, once', () => {
    expect(helper.deletions).toHaveLength(stopped.events);
    const paths = new Set(helper.deletions.map((event) => event.path));
    expect(paths.size).toBe(helper.deletions.length);
    expect([...paths].filter((reported) => !deleted.has(reported))).toEqual([]);
  });

  it('loses what the queue and the ring buffer could not hold, and only that: received and lost make up every deletion', () => {
    expect(stopped.lost).toBeGreaterThan(0);
    expect(helper.deletions.length).toBeLessThan(DELETIONS);
    // The kernel counts losses before the scope is applied, so a deletion
    // elsewhere on the machine during the overflow adds to the count too.
    expect(helper.deletions.length + stopped.lost).toBeGreaterThanOrEqual(DELETIONS);
  });

  it('is told the loss in trace/lost and in trace/stats', () => {
    expect(statsAfterwards.lost).toBe(stopped.lost);
    expect(helper.lostTotals.at(-1)).toBe(stopped.lost);
  });
});

describe('a client that reads, during rm -rf of 100,000 files', () => {
  let helper: HelperUnderTest;
  let storm: StormTree;
  let stopped: TraceStats;

  beforeAll(async () => {
    storm = makeStormTree();
    helper = spawnHelper();
    await startTracing(helper, storm.directory);
    await run('rm', ['-rf', 'tree'], { cwd: storm.directory });
    stopped = await helper.connection.sendRequest(StopRequest, {});
  });

  afterAll(async () => {
    await helper?.dispose();
    removeStormTree(storm);
  });

  it('receives every deletion, each once, and none is lost', () => {
    const deleted = storm.paths;
    expect(stopped.lost).toBe(0);
    expect(helper.deletions).toHaveLength(deleted.size);
    const paths = new Set(helper.deletions.map((event) => event.path));
    expect(paths.size).toBe(deleted.size);
    expect([...deleted].filter((entry) => !paths.has(entry))).toEqual([]);
  });

  it('counts the same deletions in the answer to trace/stop', () => {
    expect(stopped).toMatchObject({ events: storm.paths.size, lost: 0 });
  });
});
