import { describe, expect, it } from 'vitest';

import { asTimeRange, rangeLabel, rangeStart, TIME_RANGES } from '../../../../extension/recorder/timeRange';

const NOW = Date.UTC(2026, 2, 29, 12, 30, 0);

describe('the history’s time range', () => {
  it('starts an hour, a day or a week before now', () => {
    expect(rangeStart('hour', NOW)).toBe('2026-03-29T11:30:00.000Z');
    expect(rangeStart('day', NOW)).toBe('2026-03-28T12:30:00.000Z');
    expect(rangeStart('week', NOW)).toBe('2026-03-22T12:30:00.000Z');
  });

  it('has no start for all that is recorded', () => {
    expect(rangeStart('all', NOW)).toBeUndefined();
  });

  it('counts in hours of real time, whatever the clocks of a time zone did that day', () => {
    // 2026-03-29 is the day central Europe moves its clocks forward: a day back is still 24 hours back.
    expect(Date.parse(rangeStart('day', NOW)!)).toBe(NOW - 24 * 60 * 60 * 1000);
  });

  it('offers the four ranges in order, from the shortest', () => {
    expect(TIME_RANGES.map(({ label }) => label)).toEqual(['Last Hour', 'Last Day', 'Last Week', 'All']);
    expect(rangeLabel('all')).toBe('all recorded');
  });

  it('reads back only a range it knows from the workspace’s memory', () => {
    expect(asTimeRange('week')).toBe('week');
    expect(asTimeRange('month')).toBeUndefined();
    expect(asTimeRange(undefined)).toBeUndefined();
    expect(asTimeRange({ range: 'day' })).toBeUndefined();
  });
});
