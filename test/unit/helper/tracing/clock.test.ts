// Wall-clock times for the kernel's monotonic timestamps (helper/tracing/clock.ts).
import { describe, expect, it } from 'vitest';

import { WallClock } from '../../../../helper/tracing/clock';

describe('WallClock', () => {
  it('gives a timestamp taken now as the wall-clock time now, to the millisecond', () => {
    const before = Date.now();
    const time = Date.parse(new WallClock().toIso(Number(process.hrtime.bigint())));
    const after = Date.now();
    expect(time).toBeGreaterThanOrEqual(before - 1);
    expect(time).toBeLessThanOrEqual(after + 1);
  });

  it('keeps the distance between timestamps, in whichever order they come', () => {
    const clock = new WallClock();
    const now = Number(process.hrtime.bigint());
    const first = clock.toIso(now);
    const later = clock.toIso(now + 1_000_000);
    const muchLater = clock.toIso(now + 5_000_000_000);
    expect(Date.parse(later) - Date.parse(first)).toBe(1);
    expect(Date.parse(muchLater) - Date.parse(first)).toBe(5000);
    expect(clock.toIso(now)).toBe(first);
  });
});
