// A client that stops reading must neither make the helper grow without
// bound nor hold up the kernel side: the helper keeps draining the ring
// buffer, queues a bounded number of deletions for the client, drops the
// rest, and says how many in trace/lost and in its stats.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { StartRequest, StatsRequest, StopRequest, type TraceStats } from '../../helper/protocol';
import { initialize, residentBytes, spawnHelper, type HelperUnderTest } from './support/helperServer';
import { makeScratchDirectory, removeScratchDirectory } from './support/scratch';

/** More than the helper queues for a client (25,000 deletions) plus what a pipe holds. */
const DELETIONS = 40_000;
/** The helper's bound: Node and V8, the addon, and its queue of 25,000 deletions. */
const MEMORY_BOUND_BYTES = 200 * 1024 * 1024;

let helper: HelperUnderTest;
let scratch: string;
let residentWhileNotReading = 0;
let stats: TraceStats;

beforeAll(async () => {
  scratch = makeScratchDirectory();
  helper = spawnHelper();
  await initialize(helper);
  await helper.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });

  helper.child.stdout.pause();
  for (let i = 0; i < DELETIONS; i++) fs.writeFileSync(path.join(scratch, `f${i}`), '');
  for (let i = 0; i < DELETIONS; i++) {
    fs.unlinkSync(path.join(scratch, `f${i}`));
    if (i % 5000 === 0) residentWhileNotReading = Math.max(residentWhileNotReading, residentBytes(helper.pid));
  }
  // Let the helper take in what the kernel still holds before looking at it once more.
  await new Promise((resolve) => setTimeout(resolve, 500));
  residentWhileNotReading = Math.max(residentWhileNotReading, residentBytes(helper.pid));
  helper.child.stdout.resume();

  stats = await helper.connection.sendRequest(StopRequest, {});
  // One trace/lost waits in the queue at a time; the newest total follows the
  // one ahead of the answer above, so it has arrived by the next answer.
  await helper.connection.sendRequest(StatsRequest, {});
});

afterAll(async () => {
  await helper.dispose();
  removeScratchDirectory(scratch);
});

describe('a client that does not read', () => {
  it('keeps the helper under its memory bound', () => {
    expect(residentWhileNotReading).toBeGreaterThan(0);
    expect(residentWhileNotReading).toBeLessThan(MEMORY_BOUND_BYTES);
  });

  it('makes the helper drop deletions and count them as dropped', () => {
    expect(stats.dropped).toBeGreaterThan(0);
    expect(stats.events + stats.dropped).toBe(DELETIONS);
  });

  it('does not hold up the kernel side: nothing is lost there', () => {
    expect(stats.lost).toBe(stats.dropped);
  });

  it('receives every deletion that was not dropped, once it reads again', () => {
    expect(helper.deletions).toHaveLength(stats.events);
  });

  it('is told the loss in trace/lost', () => {
    expect(helper.lostTotals.at(-1)).toBe(stats.lost);
  });
});
