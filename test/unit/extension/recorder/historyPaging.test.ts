import { describe, expect, it } from 'vitest';

import {
  HISTORY_PAGE_MAX,
  type DeletionEvent,
  type HistoryParams,
  type HistoryResult,
} from '../../../../common/protocol';
import { ownBytes } from '../../../../extension/view/deletionStore';
import { fetchHistory, type HistoryWanted } from '../../../../extension/recorder/historyPaging';
import { deletion } from '../../../support/deletionEvents';

const START = Date.UTC(2026, 0, 1);

/** Deletions 1..count, one a second from START. */
function recording(count: number): DeletionEvent[] {
  return Array.from({ length: count }, (_, i) =>
    deletion({ path: `/w/file-${i + 1}`, seq: i + 1, time: new Date(START + i * 1000).toISOString() }),
  );
}

/**
 * history/query as docs/flight-recorder.md, "Flight recorder", states it, over a list
 * of deletions: the newest `limit` that match (time at or after `since`, seq
 * below `before`), oldest first, and whether older ones match too. Every
 * query is kept, to see what was asked.
 */
function recorderOf(events: DeletionEvent[]): {
  query: (params: HistoryParams) => Promise<HistoryResult>;
  asked: HistoryParams[];
} {
  const asked: HistoryParams[] = [];
  return {
    asked,
    query: (params) => {
      asked.push(params);
      const matching = events.filter(
        (event) =>
          (params.since === undefined || event.time >= params.since) &&
          (params.before === undefined || event.seq < params.before),
      );
      const limit = params.limit ?? HISTORY_PAGE_MAX;
      if (limit < 1 || limit > HISTORY_PAGE_MAX) return Promise.reject(new Error(`limit ${limit} out of range`));
      return Promise.resolve({ events: matching.slice(-limit), more: matching.length > limit });
    },
  };
}

const wanted = (fields: Partial<HistoryWanted> = {}): HistoryWanted => ({
  scope: { paths: ['/w'] },
  includeFailed: true,
  newerThan: 0,
  maxEvents: 100_000,
  maxBytes: Infinity,
  ...fields,
});

const seqs = (events: DeletionEvent[]): number[] => events.map((event) => event.seq);

describe('fetching the recorder’s history', () => {
  it('asks page by page, newest first, each page before the last one’s oldest, and gives them oldest first', async () => {
    const recorder = recorderOf(recording(25_000));
    const fetched = await fetchHistory(recorder.query, wanted());
    expect(fetched.cut).toBe(false);
    expect(fetched.events).toHaveLength(25_000);
    expect(seqs(fetched.events.slice(0, 3))).toEqual([1, 2, 3]);
    expect(fetched.events.at(-1)?.seq).toBe(25_000);
    expect(recorder.asked.map((params) => [params.before, params.limit])).toEqual([
      [undefined, HISTORY_PAGE_MAX],
      [15_001, HISTORY_PAGE_MAX],
      [5_001, HISTORY_PAGE_MAX],
    ]);
  });

  it('asks for the scope, the range’s start and failed attempts too', async () => {
    const recorder = recorderOf(recording(3));
    const since = new Date(START + 1000).toISOString();
    const fetched = await fetchHistory(recorder.query, wanted({ since }));
    expect(seqs(fetched.events)).toEqual([2, 3]);
    expect(recorder.asked[0]).toEqual({
      scope: { paths: ['/w'] },
      since,
      limit: HISTORY_PAGE_MAX,
      includeFailed: true,
    });
  });

  it('stops at the store’s limit, asks for no more than fits, and says that older ones were left out', async () => {
    const recorder = recorderOf(recording(25_000));
    const fetched = await fetchHistory(recorder.query, wanted({ maxEvents: 12_000 }));
    expect(fetched).toMatchObject({ cut: true });
    expect(seqs(fetched.events)).toEqual(Array.from({ length: 12_000 }, (_, i) => 13_001 + i));
    expect(recorder.asked.map((params) => params.limit)).toEqual([HISTORY_PAGE_MAX, 2_000]);
  });

  it('stops once the store’s memory would be full', async () => {
    const events = recording(30_000);
    const recorder = recorderOf(events);
    const fetched = await fetchHistory(recorder.query, wanted({ maxBytes: ownBytes(events[0]) * 15_000 }));
    expect(fetched.cut).toBe(true);
    expect(recorder.asked).toHaveLength(2);
  });

  it('does not say anything was left out when the store holds exactly all there is', async () => {
    const fetched = await fetchHistory(recorderOf(recording(100)).query, wanted({ maxEvents: 100 }));
    expect(fetched).toMatchObject({ cut: false });
    expect(fetched.events).toHaveLength(100);
  });

  it('stops at the deletions the view holds already, and gives only the newer ones', async () => {
    const recorder = recorderOf(recording(25_000));
    const fetched = await fetchHistory(recorder.query, wanted({ newerThan: 24_990 }));
    expect(seqs(fetched.events)).toEqual([
      24_991, 24_992, 24_993, 24_994, 24_995, 24_996, 24_997, 24_998, 24_999, 25_000,
    ]);
    expect(recorder.asked).toHaveLength(1);
  });

  it('gives nothing, and asks once, where nothing matches', async () => {
    const recorder = recorderOf([]);
    expect(await fetchHistory(recorder.query, wanted())).toEqual({ events: [], cut: false });
    expect(recorder.asked).toHaveLength(1);
  });

  it('stops where a recorder says there is more but its page does not go back in time', async () => {
    const page = recording(3);
    let asked = 0;
    const fetched = await fetchHistory(() => {
      asked++;
      return Promise.resolve({ events: page, more: true });
    }, wanted());
    expect(asked).toBe(2);
    expect(seqs(fetched.events)).toEqual([1, 2, 3]);
  });

  it('passes on the recorder’s refusal', async () => {
    await expect(fetchHistory(() => Promise.reject(new Error('the recording is corrupt')), wanted())).rejects.toThrow(
      'the recording is corrupt',
    );
  });
});
