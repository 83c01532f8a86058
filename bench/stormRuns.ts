// One traced run of a deletion storm, as every storm benchmark measures it:
// the tracer started and ready, the workload timed from fork to exit, the
// tracer given time to catch up, then stopped and asked what it recorded of
// the deleters' deletions; and the rounds of such runs a storm benchmark
// interleaves. The figures the storms' tables take from the runs are in
// stormFigures.ts.
import * as fs from 'node:fs';

import type { BenchContext } from './benchmark';
import { readProcessUsage, runMeasured, waitUntilFileStopsGrowing, type MeasuredRun } from './childProcesses';
import type { DeletionTrees } from './deletionTree';
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

export async function measureStormRun(
  context: BenchContext,
  tracer: Tracer,
  target: TraceTarget,
  workload: StormWorkload,
): Promise<StormRun> {
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

/** A storm's workload with the trees it deletes, and where the tracers are pointed. */
export interface StormSetup extends Omit<StormWorkload, 'expected'> {
  target: TraceTarget;
  /** Made afresh before each run: their entries are the run's `expected`. */
  trees: DeletionTrees;
}

/** A storm benchmark's runs: `repetitions` rounds, each running the workload once under every entry. */
export interface StormRounds<Entry> extends StormSetup {
  /** What the rounds compare: tracers, or the sizes of our ring buffer. */
  entries: readonly Entry[];
  repetitions: number;
  tracer(entry: Entry): Tracer;
  /** First in each round (the mixed workload times its compiler loop alone there). */
  beforeRound?(): Promise<void>;
  /** The progress lines: "LABEL 2/5 ENTRY: RUN", the entry by its tracer's name and the run by describeRun unless told otherwise. */
  label: string;
  entryName?(entry: Entry): string;
  describe?(run: StormRun): string;
}

/**
 * Every entry's runs, in the order of the rounds. The entries run interleaved
 * (A B C … A B C …) so that whatever else the machine does falls on each alike.
 */
export async function measureStormRounds<Entry>(
  context: BenchContext,
  rounds: StormRounds<Entry>,
): Promise<Map<Entry, StormRun[]>> {
  const { entries, repetitions, trees } = rounds;
  const runs = new Map<Entry, StormRun[]>(entries.map((entry) => [entry, []]));
  for (let repetition = 1; repetition <= repetitions; repetition++) {
    await rounds.beforeRound?.();
    for (const entry of entries) {
      const tracer = rounds.tracer(entry);
      const workload = { argv: rounds.argv, expected: trees.make(), deleters: rounds.deleters };
      const run = await measureStormRun(context, tracer, rounds.target, workload).finally(() => trees.remove());
      runs.get(entry)!.push(run);
      context.log(
        `${rounds.label} ${repetition}/${repetitions} ${rounds.entryName?.(entry) ?? tracer.name}: ${(rounds.describe ?? describeRun)(run)}`,
      );
    }
  }
  return runs;
}

/**
 * `rm -rf` of the target's tree under a tracer already started, untimed,
 * then the wait until the tracer has written all it will: for what a storm
 * leaves in the tracer rather than how long it takes.
 */
export async function deleteTraced(context: BenchContext, target: TraceTarget): Promise<void> {
  await runMeasured(context.fixtures.measureCommand, ['rm', '-rf', target.directory]);
  await waitUntilFileStopsGrowing(target.outputFile);
}
