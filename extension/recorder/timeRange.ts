// How far back the Deletions view shows the recorder's history: *Time
// Range…* picks one of these, and the workspace remembers it.

export type TimeRange = 'hour' | 'day' | 'week' | 'all';

/** Until a time range is chosen: far enough back for "what deleted this yesterday?". */
export const DEFAULT_TIME_RANGE: TimeRange = 'day';

const HOUR_MS = 60 * 60 * 1000;

interface TimeRangeFacts {
  range: TimeRange;
  /** In the quick pick. */
  label: string;
  /** In the view's description. */
  shortLabel: string;
  /** Undefined: everything the recorder keeps. */
  ms: number | undefined;
}

export const TIME_RANGES: readonly TimeRangeFacts[] = [
  { range: 'hour', label: 'Last Hour', shortLabel: 'last hour', ms: HOUR_MS },
  { range: 'day', label: 'Last Day', shortLabel: 'last day', ms: 24 * HOUR_MS },
  { range: 'week', label: 'Last Week', shortLabel: 'last week', ms: 7 * 24 * HOUR_MS },
  { range: 'all', label: 'All', shortLabel: 'all recorded', ms: undefined },
];

/** A value read back from the workspace's memory, where anything may have been kept: a range, or undefined. */
export function asTimeRange(value: unknown): TimeRange | undefined {
  return TIME_RANGES.find((facts) => facts.range === value)?.range;
}

/** ISO-8601 time from which the range shows deletions, at `now`; undefined for all of them. */
export function rangeStart(range: TimeRange, now: number): string | undefined {
  const ms = factsOf(range).ms;
  return ms === undefined ? undefined : new Date(now - ms).toISOString();
}

export function rangeLabel(range: TimeRange): string {
  return factsOf(range).shortLabel;
}

function factsOf(range: TimeRange): TimeRangeFacts {
  return TIME_RANGES.find((facts) => facts.range === range)!;
}
