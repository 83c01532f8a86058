// Gathers deletions into trace/deletions notifications: one message per
// 1,000 events in a storm instead of 1,000 messages, and yet no event waits
// more than 50 ms when deletions are few (docs/wire-protocol.md, "Wire protocol").
import { DELETIONS_FLUSH_COUNT, DELETIONS_FLUSH_MS, type DeletionEvent } from '../../common/protocol';

export interface BatchLimits {
  /** The oldest event of a batch is sent at most this long after it came. */
  flushMs: number;
  /** A batch is sent as soon as it holds this many events. */
  maxEvents: number;
}

export const PROTOCOL_BATCH_LIMITS: BatchLimits = { flushMs: DELETIONS_FLUSH_MS, maxEvents: DELETIONS_FLUSH_COUNT };

export class DeletionBatcher {
  private batch: DeletionEvent[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (events: DeletionEvent[]) => void,
    private readonly limits: BatchLimits = PROTOCOL_BATCH_LIMITS,
  ) {}

  /** Events waiting in the current batch. */
  get size(): number {
    return this.batch.length;
  }

  add(events: readonly DeletionEvent[]): void {
    for (const event of events) {
      this.batch.push(event);
      if (this.batch.length >= this.limits.maxEvents) this.flush();
    }
    if (this.batch.length > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), this.limits.flushMs);
    }
  }

  /** Sends what waits now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    this.send(events);
  }

  /** Forgets what waits, unsent. */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.batch = [];
  }
}
