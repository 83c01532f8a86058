import { describe, expect, it } from 'vitest';

import type { DeletionEvent } from '../../../../common/protocol';
import { DeletionStore } from '../../../../extension/view/deletionStore';
import { HistoryFeed, mergeBySeq } from '../../../../extension/recorder/historyFeed';
import { deletion } from '../../../support/deletionEvents';

/** A deletion as the recorder numbers it: `seq` is its number in the recording. */
const recorded = (seq: number): DeletionEvent => deletion({ path: `/w/file-${seq}`, seq });
const recordedRange = (from: number, to: number): DeletionEvent[] =>
  Array.from({ length: to - from + 1 }, (_, i) => recorded(from + i));
const seqsIn = (store: DeletionStore): number[] => store.oldestFirst().map(({ event }) => event.seq);

function feedOf(maxEvents = 1000): { store: DeletionStore; feed: HistoryFeed } {
  const store = new DeletionStore({ maxEvents });
  return { store, feed: new HistoryFeed(store) };
}

describe('live deletions and history in one view', () => {
  it('shows a deletion that came both live and in the history once', () => {
    const { store, feed } = feedOf();
    const load = feed.beginLoad('fresh');
    // trace/start came first: 5 and 6 arrive live while the history is asked for, and are in it too.
    feed.addLive(recordedRange(5, 6));
    feed.endLoad(load, recordedRange(1, 6));
    feed.addLive(recordedRange(6, 8));
    expect(seqsIn(store)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('puts the history before the live deletions that arrived while it loaded', () => {
    const { store, feed } = feedOf();
    const load = feed.beginLoad('fresh');
    feed.addLive(recordedRange(10, 12));
    expect(seqsIn(store)).toEqual([10, 11, 12]);
    feed.endLoad(load, recordedRange(1, 9));
    expect(seqsIn(store)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('replaces what the view showed with the history of another range, keeping what came live meanwhile', () => {
    const { store, feed } = feedOf();
    feed.endLoad(feed.beginLoad('fresh'), recordedRange(1, 5));
    const load = feed.beginLoad('fresh');
    feed.addLive([recorded(9)]);
    feed.endLoad(load, recordedRange(4, 5));
    expect(seqsIn(store)).toEqual([4, 5, 9]);
  });

  it('adds only what happened since the view’s newest deletion when tracing starts after history was shown', () => {
    const { store, feed } = feedOf();
    feed.endLoad(feed.beginLoad('fresh'), recordedRange(1, 3));
    const load = feed.beginLoad('newer');
    expect(load).toMatchObject({ kind: 'newer', newerThan: 3 });
    // 4 and 5 happened between the history and trace/start; 6 came live.
    feed.addLive([recorded(6)]);
    feed.endLoad(load, recordedRange(4, 6));
    expect(seqsIn(store)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('keeps the counts of lost deletions when the history is put in order', () => {
    const { store, feed } = feedOf();
    store.addLost(7);
    feed.endLoad(feed.beginLoad('fresh'), recordedRange(1, 3));
    expect(store.lost).toBe(7);
  });

  it('takes only the latest of two loads: an earlier answer changes nothing', () => {
    const { store, feed } = feedOf();
    const first = feed.beginLoad('fresh');
    const second = feed.beginLoad('fresh');
    expect(feed.endLoad(second, recordedRange(3, 4))).toBe(true);
    expect(feed.endLoad(first, recordedRange(1, 4))).toBe(false);
    expect(seqsIn(store)).toEqual([3, 4]);
  });

  it('makes a load begun while a fresh one is under way fresh too, so that the old history goes', () => {
    const { store, feed } = feedOf();
    feed.endLoad(feed.beginLoad('fresh'), recordedRange(1, 3));
    feed.beginLoad('fresh');
    const newer = feed.beginLoad('newer');
    expect(newer).toMatchObject({ kind: 'fresh', newerThan: 0 });
    feed.endLoad(newer, recordedRange(2, 3));
    expect(seqsIn(store)).toEqual([2, 3]);
  });

  it('keeps only the live deletions when the history cannot be read', () => {
    const { store, feed } = feedOf();
    feed.endLoad(feed.beginLoad('fresh'), recordedRange(1, 3));
    const load = feed.beginLoad('fresh');
    feed.addLive([recorded(4)]);
    feed.endLoad(load, undefined);
    expect(seqsIn(store)).toEqual([4]);
  });

  it('replaces the helper’s deletions, whose seq means nothing to the recorder, at the next load', () => {
    const { store, feed } = feedOf();
    feed.forget();
    store.add([deletion({ path: '/w/helper-1', seq: 1 }), deletion({ path: '/w/helper-2', seq: 2 })]);
    const load = feed.beginLoad('newer');
    expect(load).toMatchObject({ kind: 'fresh', newerThan: 0 });
    feed.endLoad(load, recordedRange(1, 2));
    expect(store.oldestFirst().map(({ event }) => event.path)).toEqual(['/w/file-1', '/w/file-2']);
  });

  it('keeps the newest within the store’s limit, and counts the older ones as dropped', () => {
    const { store, feed } = feedOf(3);
    feed.endLoad(feed.beginLoad('fresh'), recordedRange(1, 5));
    expect(seqsIn(store)).toEqual([3, 4, 5]);
    expect(store.dropped).toBe(2);
  });

  it('does not bring back what Clear emptied when only newer deletions are added', () => {
    const { store, feed } = feedOf();
    feed.endLoad(feed.beginLoad('fresh'), recordedRange(1, 3));
    store.clear();
    const load = feed.beginLoad('newer');
    feed.endLoad(load, recordedRange(4, 5));
    expect(seqsIn(store)).toEqual([4, 5]);
  });
});

describe('merging by seq', () => {
  it('interleaves two ordered lists and keeps each seq once', () => {
    expect(mergeBySeq([1, 3, 5].map(recorded), [2, 3, 4, 6].map(recorded)).map((event) => event.seq)).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
  });
});
