// The recorder's history of one scope and time range, fetched newest first,
// a page (history/query) at a time, until there is no more, or what the view
// already holds is reached, or the store could keep no more: the store keeps
// the newest deletions, so older pages would only be dropped again.
import {
  HISTORY_PAGE_MAX,
  type DeletionEvent,
  type HistoryParams,
  type HistoryResult,
  type Scope,
} from '../../common/protocol';
import { ownBytes } from '../view/deletionStore';

export interface HistoryWanted {
  scope: Scope;
  /** ISO-8601: from this time on; absent: all that is kept. */
  since?: string;
  includeFailed: boolean;
  /** Only deletions with a larger seq: the view holds the others already. 0: all. */
  newerThan: number;
  /** The store's limits: beyond these the oldest would be dropped. */
  maxEvents: number;
  maxBytes: number;
}

export interface FetchedHistory {
  /** Oldest first, each seq above `newerThan`. */
  events: DeletionEvent[];
  /** Older deletions of the range match too, but the store could not keep them. */
  cut: boolean;
}

export type HistoryQuery = (params: HistoryParams) => Promise<HistoryResult>;

export async function fetchHistory(query: HistoryQuery, wanted: HistoryWanted): Promise<FetchedHistory> {
  const newestPageFirst: DeletionEvent[][] = [];
  let count = 0;
  let bytes = 0;
  let before: number | undefined;
  for (;;) {
    const limit = Math.min(HISTORY_PAGE_MAX, wanted.maxEvents - count);
    const params: HistoryParams = { scope: wanted.scope, limit, includeFailed: wanted.includeFailed };
    if (wanted.since !== undefined) params.since = wanted.since;
    if (before !== undefined) params.before = before;
    const page = await query(params);
    // Only what was asked for: a page that does not go back in time would be asked for again and again.
    const bound = before;
    const older = bound === undefined ? page.events : page.events.filter((event) => event.seq < bound);
    const firstNew = older.findIndex((event) => event.seq > wanted.newerThan);
    const fresh = firstNew < 0 ? [] : older.slice(firstNew);
    newestPageFirst.push(fresh);
    count += fresh.length;
    for (const event of fresh) bytes += ownBytes(event);
    const reachedWhatIsHeld = fresh.length < older.length;
    if (reachedWhatIsHeld || !page.more || older.length === 0) break;
    if (count >= wanted.maxEvents || bytes >= wanted.maxBytes)
      return { events: oldestFirst(newestPageFirst), cut: true };
    before = older[0].seq;
  }
  return { events: oldestFirst(newestPageFirst), cut: false };
}

function oldestFirst(newestPageFirst: DeletionEvent[][]): DeletionEvent[] {
  return newestPageFirst.reverse().flat();
}
