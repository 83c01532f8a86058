// One traced run of a deletion storm, as every storm benchmark measures it:
// the tracer started and ready, the workload timed from fork to exit, the
// tracer given time to catch up, then stopped and asked what it recorded of
// the deleters' deletions. And the figures the storms' tables share.
import * as fs from 'node:fs';

import type { BenchContext } from './benchmark';
import { readProcessUsage, runMeasured, waitUntilFileStopsGrowing, type MeasuredRun } from './childProcesses';
import { formatNumber, maximum, median } from './stats';
import type { Deleter, TraceTarget, Tracer } from './tracers';

export interface StormRun {
  /** The whole workload, from fork to the exit of its last process. */
  wallSeconds: number;
  /** The workload's own CPU time (with strace: strace's too). */
  deleterCpuSeconds: number;
  /** What the workload deleted: the ground truth. */
  expected: number;
  recorded: number | null;
  lost: number | null;
  /** The tracer can lose events without saying so. */
  lossUnreported: boolean;
  /** From starting the tracer to its being ready to see deletions (BPF attached, watches set up). */
  readySeconds: number;
  /** The tracer's own CPU time from just before the workload to its last output. */
  tracerCpuSeconds: number | null;
  tracerPeakRssBytes: number | null;
  /** How long after the workload ended the tracer was still writing. */
  catchUpSeconds: number | null;
  /** What the workload printed (run_together's lines). */
  workloadOutput: string;
}

export interface StormWorkload {
  argv: readonly string[];
  /** Entries the workload deletes. */
  expected: number;
  /** The processes that delete, once the workload has run. */
  deleters(run: MeasuredRun): Deleter;
}

export async function measureStormRun(context: BenchContext, tracer: Tracer, target: TraceTarget, workload: StormWorkload): Promise<StormRun> {
  fs.rmSync(target.outputFile, { force: true });
  const starting = process.hrtime.bigint();
  const trace = await tracer.start(target);
  const readySeconds = Number(process.hrtime.bigint() - starting) / 1e9;
  try {
    const before = trace.pid === undefined ? undefined : readProcessUsage(trace.pid);
    const run = await runMeasured(context.fixtures.measureCommand, trace.wrap(workload.argv));
    const catchUpMs = fs.existsSync(target.outputFile) ? await waitUntilFileStopsGrowing(target.outputFile) : null;
    const after = trace.pid === undefined ? undefined : readProcessUsage(trace.pid);
    const outcome = await trace.stop(workload.deleters(run));
    return {
      wallSeconds: run.seconds,
      deleterCpuSeconds: run.cpuSeconds,
      expected: workload.expected,
      recorded: outcome.recorded,
      lost: outcome.lost,
      lossUnreported: outcome.lossUnreported ?? false,
      readySeconds,
      tracerCpuSeconds: before && after ? after.cpuSeconds - before.cpuSeconds : null,
      tracerPeakRssBytes: after?.peakRssBytes ?? null,
      catchUpSeconds: catchUpMs === null ? null : catchUpMs / 1000,
      workloadOutput: run.stdout,
    };
  } catch (error) {
    await trace.stop().catch(() => {});
    throw error;
  } finally {
    fs.rmSync(target.outputFile, { force: true });
  }
}

/** One progress line per run. */
export function describeRun(run: StormRun): string {
  return `${run.wallSeconds.toFixed(2)} s, recorded ${run.recorded ?? '–'}/${run.expected}, lost ${run.lossUnreported ? 'not reported' : (run.lost ?? '–')}`;
}

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
    ? 'no event was lost (the count is the kernel\'s, from the helper\'s stats line)'
    : `${formatNumber(lost)} events were lost in all (the kernel's count, from the helper's stats line); the extension hears the same count ` +
        'as trace/lost notifications whenever it grows, and the Deletions view shows "N deletions lost by the kernel"';
}
