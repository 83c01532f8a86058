// trace/deletions notifications are batched: flushed when 1,000 events wait,
// or 50 ms after the first of them came, whichever is first.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { DeletionBatcher, PROTOCOL_BATCH_LIMITS } from '../../../../helper/server/deletionBatcher';
import type { DeletionEvent } from '../../../../common/protocol';

function events(count: number, from = 1): DeletionEvent[] {
  return Array.from({ length: count }, (_, i) => ({ seq: from + i }) as DeletionEvent);
}

let sent: DeletionEvent[][];
let batcher: DeletionBatcher;

beforeEach(() => {
  vi.useFakeTimers();
  sent = [];
  batcher = new DeletionBatcher((batch) => sent.push(batch));
});

afterEach(() => {
  batcher.dispose();
  vi.useRealTimers();
});

describe('DeletionBatcher', () => {
  it('uses the protocol limits: 50 ms and 1,000 events', () => {
    expect(PROTOCOL_BATCH_LIMITS).toEqual({ flushMs: 50, maxEvents: 1000 });
  });

  it('sends a few events 50 ms after the first came, not before', () => {
    batcher.add(events(3));
    vi.advanceTimersByTime(49);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([events(3)]);
  });

  it("does not let later events push back the first one's deadline", () => {
    batcher.add(events(1));
    vi.advanceTimersByTime(40);
    batcher.add(events(1, 2));
    vi.advanceTimersByTime(10);
    expect(sent).toEqual([events(2)]);
  });

  it('sends a batch as soon as it holds 1,000 events, without waiting', () => {
    batcher.add(events(2500));
    expect(sent.map((batch) => batch.length)).toEqual([1000, 1000]);
    vi.advanceTimersByTime(50);
    expect(sent.map((batch) => batch.length)).toEqual([1000, 1000, 500]);
  });

  it('keeps the order of the events across batches', () => {
    batcher.add(events(1500));
    batcher.flush();
    expect(sent.flat().map((event) => event.seq)).toEqual(events(1500).map((event) => event.seq));
  });

  it('sends nothing when nothing waits', () => {
    batcher.add([]);
    batcher.flush();
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([]);
  });

  it('flush sends what waits at once', () => {
    batcher.add(events(5));
    batcher.flush();
    expect(sent).toEqual([events(5)]);
    vi.advanceTimersByTime(50);
    expect(sent).toHaveLength(1);
  });

  it('sends nothing after dispose', () => {
    batcher.add(events(5));
    batcher.dispose();
    vi.advanceTimersByTime(50);
    expect(sent).toEqual([]);
  });
});
