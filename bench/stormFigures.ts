// The figures the storms' tables and readings take from their runs
// (stormRuns.ts), and the table of the storms that compare every tracer on
// rm -rf alone.
import { table } from './markdown';
import { formatMebibytes, formatNumber, formatRange, formatRatio, maximum, median } from './stats';
import type { StormRun } from './stormRuns';
import { untraced, type Tracer } from './tracers';

export function valuesOf(runs: readonly StormRun[], value: (run: StormRun) => number | null): number[] {
  return runs.map(value).filter((entry): entry is number => entry !== null);
}

export function medianOrNull(values: readonly number[]): number | null {
  return values.length ? median(values) : null;
}

export function maxOrNull(values: readonly number[]): number | null {
  return values.length ? maximum(values) : null;
}

/** The worst run's recorded / deleted, or a dash for a tracer that records nothing. */
export function completeness(runs: readonly StormRun[]): string {
  const counted = runs.filter((run) => run.recorded !== null);
  if (counted.length === 0) return '–';
  const worst = counted.reduce((low, run) => (run.recorded! / run.expected < low.recorded! / low.expected ? run : low));
  return `${formatNumber(worst.recorded)} / ${formatNumber(worst.expected)} (${formatNumber((worst.recorded! / worst.expected) * 100, 1)}%)`;
}

export function everyDeletionRecorded(runs: readonly StormRun[]): boolean {
  return runs.every((run) => run.recorded === run.expected);
}

/** The total lost over all runs, as the tracer reported it. */
export function lostText(runs: readonly StormRun[]): string {
  if (runs.some((run) => run.lossUnreported)) return 'not reported';
  const lost = valuesOf(runs, (run) => run.lost);
  return lost.length ? formatNumber(lost.reduce((sum, value) => sum + value, 0)) : '–';
}

export function totalLost(runs: readonly StormRun[]): number {
  return runs.reduce((sum, run) => sum + (run.lost ?? 0), 0);
}

/** The sentence on ours' losses every storm's reading ends with. */
export function lossSentence(lost: number): string {
  return lost === 0
    ? "no event was lost (the count is the helper's stats line: what found the kernel's ring buffer or the addon's queue full)"
    : `${formatNumber(lost)} events were lost in all (the helper's stats line: what found the kernel's ring buffer or the addon's queue full); the extension hears the same count ` +
        'as trace/lost notifications whenever it grows, and the Deletions view shows "N deletions lost by the kernel"';
}

export function medianWall(runs: readonly StormRun[]): number {
  return median(runs.map((run) => run.wallSeconds));
}

/** The deleters' own CPU time (with strace: strace's too). */
export function medianDeleterCpu(runs: readonly StormRun[]): number {
  return median(runs.map((run) => run.deleterCpuSeconds));
}

/** The tracer's median CPU time; a dash for one without a process of its own. */
export function tracerCpuText(runs: readonly StormRun[]): string {
  return formatNumber(medianOrNull(valuesOf(runs, (run) => run.tracerCpuSeconds)), 2);
}

/** The most the tracer held resident in any run. */
export function peakRssText(runs: readonly StormRun[]): string {
  return formatMebibytes(maxOrNull(valuesOf(runs, (run) => run.tracerPeakRssBytes)));
}

/** The runs of these tracers together: ours in each mode, for a reading's totals. */
export function runsOf(tracers: readonly Tracer[], runs: ReadonlyMap<Tracer, StormRun[]>): StormRun[] {
  return tracers.flatMap((tracer) => runs.get(tracer)!);
}

/** A column that only some storm tables have, between the wall times and what the tracer recorded. */
export interface StormColumn {
  header: string;
  cell(runs: readonly StormRun[], tracer: Tracer): string;
}

/**
 * The table of a storm that compares every tracer (runs in the order of
 * stormTracers, untraced first): each one's wall time and its ratio to the
 * untraced run, the storm's own columns, then what it recorded and what it
 * cost.
 */
export function stormTable(runs: ReadonlyMap<Tracer, StormRun[]>, ownColumns: readonly StormColumn[]): string {
  const base = medianWall(runs.get(untraced)!);
  const expected = runs.get(untraced)![0].expected;
  const rows = [...runs].map(([tracer, all]) => {
    const medianCpu = medianOrNull(valuesOf(all, (run) => run.tracerCpuSeconds));
    return [
      tracer.name,
      formatNumber(medianWall(all), 2),
      formatRange(
        all.map((run) => run.wallSeconds),
        2,
      ),
      formatRatio(medianWall(all), base),
      ...ownColumns.map((column) => column.cell(all, tracer)),
      completeness(all),
      lostText(all),
      formatNumber(medianCpu, 2),
      medianCpu === null ? '–' : formatNumber((medianCpu / expected) * 100_000, 2),
      peakRssText(all),
      formatNumber(medianOrNull(valuesOf(all, (run) => run.catchUpSeconds)), 2),
    ];
  });
  const wallColumns = ['tracer', 'wall s', 'range', '× untraced'];
  const recordedAndCostColumns = [
    'recorded / deleted (worst run)',
    'lost (all runs)',
    'tracer CPU s',
    'CPU s per 100,000',
    'peak RSS',
    'caught up after s',
  ];
  return table([...wallColumns, ...ownColumns.map((column) => column.header), ...recordedAndCostColumns], rows);
}
