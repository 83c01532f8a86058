// The deletions the view holds: the newest `maxEvents` of them, plus how many
// older ones were dropped to stay within that limit and how many the kernel
// lost. Knows nothing of VS Code, so that it can be tested and measured alone.
import type { Ancestor, DeletionEvent } from '../common/protocol';

/** A deletion as the store keeps it: `id` is unique for the store's whole life, across helpers. */
export interface StoredDeletion {
  readonly id: number;
  readonly event: DeletionEvent;
}

export interface DeletionStoreOptions {
  /** The most deletions kept; older ones are dropped first. */
  maxEvents: number;
}

interface ProcessDetails {
  cmdline: string[];
  ancestors: Ancestor[];
}

export class DeletionStore {
  private maxEvents: number;
  // A ring: `size` deletions, the oldest at `oldest`. Adding never moves the others.
  private ring: (StoredDeletion | undefined)[] = [];
  private oldest = 0;
  private storedCount = 0;
  private nextId = 1;
  private droppedCount = 0;
  private lostCount = 0;
  private changeCount = 0;
  // One process deletes in bursts: its command line and ancestors arrive
  // with each of its deletions, but are kept once.
  private readonly processes = new Map<string, ProcessDetails>();

  constructor(options: DeletionStoreOptions) {
    this.maxEvents = checkedLimit(options.maxEvents);
  }

  /** Deletions held now. */
  get size(): number {
    return this.storedCount;
  }

  /** Older deletions dropped to stay within maxEvents since the last clear. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Deletions the kernel could not deliver since the last clear. */
  get lost(): number {
    return this.lostCount;
  }

  get limit(): number {
    return this.maxEvents;
  }

  /** Grows with every change: a reader compares it to know whether what it built is stale. */
  get version(): number {
    return this.changeCount;
  }

  add(events: readonly DeletionEvent[]): void {
    if (events.length === 0) return;
    for (const event of events) {
      const stored: StoredDeletion = { id: this.nextId++, event: this.sharingProcessDetails(event) };
      if (this.storedCount === this.maxEvents) {
        this.ring[this.oldest] = stored;
        this.oldest = (this.oldest + 1) % this.maxEvents;
        this.droppedCount++;
      } else {
        // Until the ring is full, the oldest is at 0 and the ring grows at its end.
        this.ring.push(stored);
        this.storedCount++;
      }
    }
    // At most maxEvents processes can still have deletions here; letting twice
    // as many accumulate before sweeping keeps the sweep's cost per event constant.
    if (this.processes.size > 2 * this.maxEvents) this.forgetUnusedProcesses();
    this.changeCount++;
  }

  /** Counts deletions that the kernel lost. */
  addLost(count: number): void {
    if (count <= 0) return;
    this.lostCount += count;
    this.changeCount++;
  }

  clear(): void {
    this.ring = [];
    this.oldest = 0;
    this.storedCount = 0;
    this.droppedCount = 0;
    this.lostCount = 0;
    this.processes.clear();
    this.changeCount++;
  }

  /** Changes the limit; if it shrinks below what is held, the oldest go and count as dropped. */
  setLimit(maxEvents: number): void {
    const limit = checkedLimit(maxEvents);
    if (limit === this.maxEvents) return;
    const kept = this.oldestFirst().slice(-limit);
    this.droppedCount += this.storedCount - kept.length;
    this.maxEvents = limit;
    this.ring = kept;
    this.oldest = 0;
    this.storedCount = kept.length;
    this.changeCount++;
  }

  /** Every deletion held, oldest first, in a new array. */
  oldestFirst(): StoredDeletion[] {
    const out = new Array<StoredDeletion>(this.storedCount);
    for (let i = 0; i < this.storedCount; i++) out[i] = this.ring[(this.oldest + i) % this.maxEvents]!;
    return out;
  }

  /** Every deletion held, newest first, in a new array. */
  newestFirst(): StoredDeletion[] {
    const out = new Array<StoredDeletion>(this.storedCount);
    const newest = this.oldest + this.storedCount - 1;
    for (let i = 0; i < this.storedCount; i++) out[i] = this.ring[(newest - i) % this.maxEvents]!;
    return out;
  }

  private sharingProcessDetails(event: DeletionEvent): DeletionEvent {
    const key = `${event.pid}\0${event.comm}`;
    const known = this.processes.get(key);
    if (known !== undefined && sameStrings(known.cmdline, event.cmdline) && sameAncestors(known.ancestors, event.ancestors)) {
      event.cmdline = known.cmdline;
      event.ancestors = known.ancestors;
    } else {
      this.processes.set(key, { cmdline: event.cmdline, ancestors: event.ancestors });
    }
    return event;
  }

  // Processes whose deletions were all dropped need not be remembered.
  private forgetUnusedProcesses(): void {
    const used = new Set<string>();
    for (const { event } of this.oldestFirst()) used.add(`${event.pid}\0${event.comm}`);
    for (const key of this.processes.keys()) if (!used.has(key)) this.processes.delete(key);
  }
}

function checkedLimit(maxEvents: number): number {
  if (!Number.isInteger(maxEvents) || maxEvents < 1) throw new RangeError(`maxEvents must be a positive integer, not ${maxEvents}`);
  return maxEvents;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function sameAncestors(a: readonly Ancestor[], b: readonly Ancestor[]): boolean {
  return a.length === b.length && a.every((value, i) => value.pid === b[i].pid && value.comm === b[i].comm);
}
