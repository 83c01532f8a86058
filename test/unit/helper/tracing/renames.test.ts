// What a rename did at its destination, from the kernel's facts and its
// result (helper/tracing/renames.ts), and the joining of its two records.
import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../../../helper/native';
import type { DeletionRecord } from '../../../../helper/tracing/records';
import { RenameDestinations, renameOutcome } from '../../../../helper/tracing/renames';

const layout = loadAddon().layout;
const facts = layout.renameFacts;
const NOREPLACE = 1;
const EXCHANGE = 2;
const WHITEOUT = 4;

describe('renameOutcome', () => {
  it('says a file was replaced only where the cache held one there and the rename worked', () => {
    expect(renameOutcome(facts.targetExisted, 0, false, layout)).toEqual({ replaced: true, exchanged: false });
    expect(renameOutcome(facts.targetExisted, -13, false, layout)).toEqual({ replaced: false, exchanged: false });
  });

  it('says nothing was replaced where nothing was there', () => {
    expect(renameOutcome(facts.targetAbsent, 0, false, layout)).toEqual({ replaced: false, exchanged: false });
  });

  it('says it does not know, and never false, where the cache could not say', () => {
    const outcome = renameOutcome(0, 0, false, layout);
    expect(outcome).toEqual({ replacedUnknown: true, exchanged: false });
    expect(outcome.replaced).toBeUndefined();
  });

  it('knows RENAME_NOREPLACE replaces nothing, whatever the cache held', () => {
    expect(renameOutcome(NOREPLACE, 0, false, layout)).toEqual({
      replaced: false,
      exchanged: false,
      renameFlags: ['RENAME_NOREPLACE'],
    });
  });

  it('says an exchange that worked swapped both files and replaced none; one that failed swapped nothing', () => {
    expect(renameOutcome(EXCHANGE | facts.targetExisted, 0, false, layout)).toEqual({
      replaced: false,
      exchanged: true,
      renameFlags: ['RENAME_EXCHANGE'],
    });
    expect(renameOutcome(EXCHANGE, -2, false, layout)).toEqual({
      replaced: false,
      exchanged: false,
      renameFlags: ['RENAME_EXCHANGE'],
    });
  });

  it('replaces nothing where both names were links to one file', () => {
    expect(renameOutcome(facts.targetExisted | facts.sameFile, 0, false, layout).replaced).toBe(false);
  });

  it('treats RENAME_WHITEOUT as a plain rename at the destination', () => {
    expect(renameOutcome(WHITEOUT | facts.targetExisted, 0, false, layout)).toEqual({
      replaced: true,
      exchanged: false,
      renameFlags: ['RENAME_WHITEOUT'],
    });
  });

  it('does not claim a replacement whose result io_uring never posted', () => {
    expect(renameOutcome(facts.targetExisted, 0, true, layout)).toEqual({ replacedUnknown: true, exchanged: false });
    expect(renameOutcome(facts.targetAbsent, 0, true, layout)).toEqual({ replaced: false, exchanged: false });
  });
});

describe('RenameDestinations', () => {
  const record = (tid: number, startNs: number): DeletionRecord => ({ tid, startNs }) as DeletionRecord;
  const destination = (path: string) => ({ resolved: { binary: path, complete: true }, inScope: false });

  it("gives each source its own call's destination, once", () => {
    const waiting = new RenameDestinations();
    waiting.keep(record(7, 100), destination('/a'));
    waiting.keep(record(8, 100), destination('/b'));
    expect(waiting.take(record(8, 100))?.resolved.binary).toBe('/b');
    expect(waiting.take(record(7, 100))?.resolved.binary).toBe('/a');
    expect(waiting.take(record(7, 100))).toBeUndefined();
  });

  it('forgets the oldest destinations whose source never came, and keeps the newest', () => {
    const waiting = new RenameDestinations();
    for (let i = 0; i < 5000; i++) waiting.keep(record(1, i), destination(`/d${i}`));
    expect(waiting.take(record(1, 0))).toBeUndefined();
    expect(waiting.take(record(1, 4999))?.resolved.binary).toBe('/d4999');
  });
});
