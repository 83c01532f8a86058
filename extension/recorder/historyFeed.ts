// The recorder's live deletions and its history into the one store, each
// deletion once and in order. Both carry the recorder's seq, its number in
// the recording, so a deletion that comes both live and in a history page is
// the same seq twice. Live deletions go into the store as they come; a
// history load ends by putting what the store holds and the history it
// fetched in seq order, once, while live deletions kept flowing meanwhile.
// Knows nothing of VS Code, so that it can be tested alone.
import type { DeletionEvent } from '../../common/protocol';
import type { DeletionStore } from '../view/deletionStore';

/**
 * A history load: "fresh" replaces what the view shows (another range or
 * scope, a new recorder); "newer" adds what came since the view's newest
 * deletion (tracing starts after the view showed history).
 */
export type LoadKind = 'fresh' | 'newer';

export interface HistoryLoad {
  readonly kind: LoadKind;
  /** Fetch only deletions with a larger seq: the store holds the others. */
  readonly newerThan: number;
  readonly generation: number;
}

export class HistoryFeed {
  /** The largest seq the store was given; 0 when it holds none of this recorder's. */
  private highestSeq = 0;
  private generation = 0;
  /** Set while a fresh load is under way: the id of the last deletion the store held when it began, which it replaces. */
  private replacedUpToId: number | undefined;
  /** The store holds what was not this recorder's (the helper's, or another recorder's): the next load must be fresh. */
  private holdsOthers = false;

  constructor(private readonly store: DeletionStore) {}

  /** Live deletions from the recorder, in seq order: those the store has from history already are left out. Answers how many were added. */
  addLive(events: readonly DeletionEvent[]): number {
    let first = 0;
    while (first < events.length && events[first].seq <= this.highestSeq) first++;
    if (first === events.length) return 0;
    const added = first === 0 ? events : events.slice(first);
    this.store.add(added);
    this.highestSeq = added[added.length - 1].seq;
    return added.length;
  }

  /** A load begins. One begun while a fresh one is under way is fresh too: it replaces the same deletions. */
  beginLoad(kind: LoadKind): HistoryLoad {
    const fresh = kind === 'fresh' || this.holdsOthers || this.replacedUpToId !== undefined;
    if (fresh) this.replacedUpToId ??= this.store.lastId;
    this.generation++;
    return { kind: fresh ? 'fresh' : 'newer', newerThan: fresh ? 0 : this.highestSeq, generation: this.generation };
  }

  /**
   * The load's history arrived (oldest first), or could not be had
   * (undefined). Answers false, changing nothing, where a later load has
   * begun since: that one's answer counts.
   */
  endLoad(load: HistoryLoad, history: readonly DeletionEvent[] | undefined): boolean {
    if (load.generation !== this.generation) return false;
    const held = this.store.oldestFirst();
    if (load.kind === 'fresh') {
      // What came live since the load began stays; what the store held before is replaced, history or not.
      const replacedUpTo = this.replacedUpToId ?? 0;
      this.replacedUpToId = undefined;
      this.holdsOthers = false;
      const live = held.filter((deletion) => deletion.id > replacedUpTo).map((deletion) => deletion.event);
      this.putInOrder(mergeBySeq(history ?? [], live), false);
    } else if (history !== undefined && history.length > 0) {
      this.putInOrder(
        mergeBySeq(
          held.map((deletion) => deletion.event),
          history,
        ),
        true,
      );
    }
    return true;
  }

  /** The store now holds deletions that are not this recorder's (or it is another recorder): the next load replaces them. */
  forget(): void {
    this.highestSeq = 0;
    this.holdsOthers = true;
    this.replacedUpToId = undefined;
    // A load under way belongs to what was: its answer changes nothing.
    this.generation++;
  }

  private putInOrder(events: DeletionEvent[], keepDropped: boolean): void {
    this.store.replaceAll(events, keepDropped);
    if (events.length > 0) this.highestSeq = Math.max(this.highestSeq, events[events.length - 1].seq);
  }
}

/** Two lists in seq order as one, each seq once. */
export function mergeBySeq(a: readonly DeletionEvent[], b: readonly DeletionEvent[]): DeletionEvent[] {
  const merged: DeletionEvent[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i].seq <= b[j].seq) ? a[i++] : b[j++];
    if (merged.length === 0 || merged[merged.length - 1].seq < next.seq) merged.push(next);
  }
  return merged;
}
