// The deletions the view holds: the newest of them, as many as fit both
// `maxEvents` and `maxBytes` (by an estimate of their memory), plus how many
// older ones were dropped to stay within those limits and how many the kernel
// lost. Knows nothing of VS Code, so that it can be tested and measured alone.
import type { Ancestor, DeletionEvent } from '../../common/protocol';

/** A deletion as the store keeps it: `id` is unique for the store's whole life, across helpers. */
export interface StoredDeletion {
  readonly id: number;
  readonly event: DeletionEvent;
}

export interface DeletionStoreOptions {
  /** The most deletions kept; older ones are dropped first. */
  maxEvents: number;
  /**
   * The most memory the deletions may take, as the store estimates it; older
   * ones are dropped first. A single deletion larger than this is still kept,
   * alone. Without it, only maxEvents bounds the store.
   */
  maxBytes?: number;
}

// The estimate is cheap and deterministic, and meant to err high; it is not a measurement.
// Per deletion: the event object with its numbers, its StoredDeletion and its
// slots in the ring. BENCHMARKS.md ("Event store and tree view") measures
// about 210 bytes per event beside the path, pathArg, time and comm strings.
const EVENT_OVERHEAD_BYTES = 256;
// Per process: its entry in `processes`, the record and its two arrays.
const PROCESS_OVERHEAD_BYTES = 128;
// Per argument of a command line and per ancestor: the array's slot and the string's header or the ancestor's object.
const PROCESS_ITEM_BYTES = 32;
// A string costs at most two bytes per UTF-16 code unit; the one-byte strings
// of ordinary paths cost half of that, which pays for the string headers left out.
const BYTES_PER_CHARACTER = 2;

/** The ring starts this small and doubles when full (up to maxEvents), so that a store that holds few deletions holds few slots. */
const FIRST_CAPACITY = 16;

/** A process's command line and ancestors, kept once for all its deletions that the store holds. */
interface HeldProcess {
  readonly key: string;
  readonly cmdline: string[];
  readonly ancestors: Ancestor[];
  readonly bytes: number;
  /** How many held deletions share it: its bytes count while this is above 0. */
  deletions: number;
}

export class DeletionStore {
  private maxEvents: number;
  private maxBytes: number;
  // A ring of `ring.length` slots holding `storedCount` deletions, the oldest at
  // `oldest`. Adding never moves the others, except when the ring doubles.
  private ring: (StoredDeletion | undefined)[] = [];
  // Beside each deletion, at the same index: its own bytes and its process,
  // to be taken off when it is dropped.
  private ringBytes: number[] = [];
  private ringProcesses: (HeldProcess | undefined)[] = [];
  private oldest = 0;
  private storedCount = 0;
  private storedBytes = 0;
  private nextId = 1;
  private droppedCount = 0;
  private lostCount = 0;
  private changeCount = 0;
  // One process deletes in bursts: its command line and ancestors arrive
  // with each of its deletions, but are kept (and counted) once.
  private readonly processes = new Map<string, HeldProcess>();

  constructor(options: DeletionStoreOptions) {
    this.maxEvents = checkedLimit(options.maxEvents);
    this.maxBytes = checkedByteLimit(options.maxBytes ?? Infinity);
  }

  /** Deletions held now. */
  get size(): number {
    return this.storedCount;
  }

  /** The memory the deletions held now take, by the store's estimate. */
  get bytes(): number {
    return this.storedBytes;
  }

  /** Older deletions dropped to stay within maxEvents or maxBytes since the last clear. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Deletions the kernel could not deliver since the last clear. */
  get lost(): number {
    return this.lostCount;
  }

  /** maxEvents. */
  get limit(): number {
    return this.maxEvents;
  }

  /** maxBytes: Infinity where the store was given none. */
  get byteLimit(): number {
    return this.maxBytes;
  }

  /** The id of the latest deletion added (0 before the first): those added later have larger ones. */
  get lastId(): number {
    return this.nextId - 1;
  }

  /** Grows with every change: a reader compares it to know whether what it built is stale. */
  get version(): number {
    return this.changeCount;
  }

  add(events: readonly DeletionEvent[]): void {
    if (events.length === 0) return;
    for (const event of events) this.addOne(event);
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
    this.ringBytes = [];
    this.ringProcesses = [];
    this.oldest = 0;
    this.storedCount = 0;
    this.storedBytes = 0;
    this.droppedCount = 0;
    this.lostCount = 0;
    this.processes.clear();
    this.changeCount++;
  }

  /**
   * Holds `events` (oldest first) instead of what it held, within the limits
   * as ever. The count of lost deletions stays, and that of dropped ones where
   * `keepDropped`: the history of the recorder is put in order this way.
   */
  replaceAll(events: readonly DeletionEvent[], keepDropped: boolean): void {
    const { lostCount, droppedCount } = this;
    this.clear();
    this.lostCount = lostCount;
    if (keepDropped) this.droppedCount = droppedCount;
    for (const event of events) this.addOne(event);
  }

  /** Changes maxEvents; if it shrinks below what is held, the oldest go and count as dropped. */
  setLimit(maxEvents: number): void {
    const limit = checkedLimit(maxEvents);
    if (limit === this.maxEvents) return;
    this.maxEvents = limit;
    while (this.storedCount > limit) this.dropOldest();
    // The ring never has more slots than maxEvents: the slots beyond would stay empty.
    if (this.ring.length > limit) this.relayout(limit);
    this.changeCount++;
  }

  /** Changes maxBytes; if it shrinks below what is held, the oldest go and count as dropped. */
  setByteLimit(maxBytes: number): void {
    const limit = checkedByteLimit(maxBytes);
    if (limit === this.maxBytes) return;
    this.maxBytes = limit;
    this.dropOldestOverBytes();
    this.changeCount++;
  }

  /** Every deletion held, oldest first, in a new array. */
  oldestFirst(): StoredDeletion[] {
    const out = new Array<StoredDeletion>(this.storedCount);
    for (let i = 0; i < this.storedCount; i++) out[i] = this.ring[(this.oldest + i) % this.ring.length]!;
    return out;
  }

  /** Every deletion held, newest first, in a new array. */
  newestFirst(): StoredDeletion[] {
    const out = new Array<StoredDeletion>(this.storedCount);
    const newest = this.oldest + this.storedCount - 1;
    for (let i = 0; i < this.storedCount; i++) out[i] = this.ring[(newest - i) % this.ring.length]!;
    return out;
  }

  private addOne(event: DeletionEvent): void {
    // Before its process is looked up: the deletion dropped here may have been
    // that process's last, and then its details are forgotten.
    if (this.storedCount === this.maxEvents) this.dropOldest();
    if (this.storedCount === this.ring.length)
      this.relayout(Math.min(this.maxEvents, Math.max(FIRST_CAPACITY, 2 * this.ring.length)));
    const slot = (this.oldest + this.storedCount) % this.ring.length;
    const bytes = ownBytes(event);
    this.ringProcesses[slot] = this.holdProcess(event);
    this.ring[slot] = { id: this.nextId++, event };
    this.ringBytes[slot] = bytes;
    this.storedCount++;
    this.storedBytes += bytes;
    // Only now, with the new deletion held, do the oldest make room for it in
    // bytes: its process's details, if they came with it, are counted already,
    // and can never be freed by these drops.
    this.dropOldestOverBytes();
  }

  // The newest deletion is never dropped here: alone, it is kept even when larger than maxBytes.
  private dropOldestOverBytes(): void {
    while (this.storedBytes > this.maxBytes && this.storedCount > 1) this.dropOldest();
  }

  private dropOldest(): void {
    const process = this.ringProcesses[this.oldest]!;
    this.storedBytes -= this.ringBytes[this.oldest]!;
    // Emptied, so that the dropped deletion's memory is freed now, not when its slot is reused.
    this.ring[this.oldest] = undefined;
    this.ringProcesses[this.oldest] = undefined;
    this.releaseProcess(process);
    this.oldest = (this.oldest + 1) % this.ring.length;
    this.storedCount--;
    this.droppedCount++;
  }

  /** Moves the deletions held, oldest first, to the start of a ring of `capacity` slots. */
  private relayout(capacity: number): void {
    const ring = new Array<StoredDeletion | undefined>(capacity);
    const ringBytes = new Array<number>(capacity);
    const ringProcesses = new Array<HeldProcess | undefined>(capacity);
    for (let i = 0; i < this.storedCount; i++) {
      const from = (this.oldest + i) % this.ring.length;
      ring[i] = this.ring[from];
      ringBytes[i] = this.ringBytes[from]!;
      ringProcesses[i] = this.ringProcesses[from];
    }
    this.ring = ring;
    this.ringBytes = ringBytes;
    this.ringProcesses = ringProcesses;
    this.oldest = 0;
  }

  /** The event's process as the store keeps it, shared with the held deletions of the same process and command line. */
  private holdProcess(event: DeletionEvent): HeldProcess {
    const key = `${event.pid}\0${event.comm}`;
    let process = this.processes.get(key);
    if (
      process !== undefined &&
      sameStrings(process.cmdline, event.cmdline) &&
      sameAncestors(process.ancestors, event.ancestors)
    ) {
      event.cmdline = process.cmdline;
      event.ancestors = process.ancestors;
    } else {
      // A new process, or the same pid after an exec: older deletions keep
      // (and still count) the details they came with.
      process = {
        key,
        cmdline: event.cmdline,
        ancestors: event.ancestors,
        bytes: processBytes(key, event),
        deletions: 0,
      };
      this.processes.set(key, process);
    }
    if (process.deletions === 0) this.storedBytes += process.bytes;
    process.deletions++;
    return process;
  }

  // A process whose deletions were all dropped need not be remembered.
  private releaseProcess(process: HeldProcess): void {
    process.deletions--;
    if (process.deletions > 0) return;
    this.storedBytes -= process.bytes;
    if (this.processes.get(process.key) === process) this.processes.delete(process.key);
  }
}

/** The estimate for what a deletion holds alone: everything but its process's command line and ancestors. */
export function ownBytes(event: DeletionEvent): number {
  const characters =
    event.time.length +
    event.syscall.length +
    event.abi.length +
    event.path.length +
    (event.pathBytes?.length ?? 0) +
    event.pathArg.length +
    (event.processPath?.length ?? 0) +
    (event.processPathBytes?.length ?? 0) +
    (event.container === undefined ? 0 : event.container.engine.length + event.container.id.length) +
    (event.error?.length ?? 0) +
    event.comm.length +
    (event.threadName?.length ?? 0) +
    // A rename's destination is a second path as long as the first.
    (event.movedTo?.length ?? 0) +
    (event.movedToBytes?.length ?? 0) +
    (event.renameFlags?.reduce((sum, flag) => sum + flag.length, 0) ?? 0);
  return EVENT_OVERHEAD_BYTES + BYTES_PER_CHARACTER * characters;
}

/** The estimate for a process's details, counted once however many of its deletions are held. */
function processBytes(key: string, event: DeletionEvent): number {
  let characters = key.length;
  for (const argument of event.cmdline) characters += argument.length;
  for (const ancestor of event.ancestors) characters += ancestor.comm.length;
  const items = event.cmdline.length + event.ancestors.length;
  return PROCESS_OVERHEAD_BYTES + PROCESS_ITEM_BYTES * items + BYTES_PER_CHARACTER * characters;
}

function checkedLimit(maxEvents: number): number {
  if (!Number.isInteger(maxEvents) || maxEvents < 1)
    throw new RangeError(`maxEvents must be a positive integer, not ${maxEvents}`);
  return maxEvents;
}

function checkedByteLimit(maxBytes: number): number {
  if (maxBytes !== Infinity && (!Number.isSafeInteger(maxBytes) || maxBytes < 1)) {
    throw new RangeError(`maxBytes must be a positive integer or Infinity, not ${maxBytes}`);
  }
  return maxBytes;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function sameAncestors(a: readonly Ancestor[], b: readonly Ancestor[]): boolean {
  return a.length === b.length && a.every((value, i) => value.pid === b[i].pid && value.comm === b[i].comm);
}
