// Several `rm -rf` at once, each of its own tree, started together: on a
// machine with fewer cores than deleters, the deleters, the tracer and its
// output all wait for the same cores, which is where a tracer that keeps up
// with one deleter can fall behind.
import * as fs from 'node:fs';
import * as os from 'node:os';

import type { BenchContext } from './benchmark';
import { TARGET_RATIO_TO_UNTRACED } from './deletionStorm';
import { code, section, shellCommand } from './markdown';
import { parallelDeletersWorkload } from './parallelDeletersWorkload';
import { finishedCommands } from './runTogether';
import { formatNumber, formatRatio, maximum, median, minimum } from './stats';
import { scaleNotMeasured, scaleTarget } from './scale';
import {
  completeness,
  everyDeletionRecorded,
  lossSentence,
  lostText,
  medianDeleterCpu,
  medianWall,
  runsOf,
  stormTable,
  totalLost,
} from './stormFigures';
import { measureStormRounds, type StormRun } from './stormRuns';
import {
  bpftrace,
  inotifywait,
  oursInDefaultMode,
  oursInEachMode,
  stormTracers,
  strace,
  tracerCommands,
  untraced,
  type Tracer,
} from './tracers';
import { freshWorkDirectory } from './workDirectory';

export async function parallelDeleters(context: BenchContext): Promise<string> {
  const { deleters, directoriesPerDeleter, filesPerDirectory, repetitions } = context.settings.parallelDeleters;
  const cores = os.cpus().length;
  const workDirectory = freshWorkDirectory(context.settings, 'parallel');
  const workload = parallelDeletersWorkload(context, workDirectory);
  const ourModes = oursInEachMode(context.helperScript);
  const tracers = stormTracers(ourModes);
  const runs = await measureStormRounds(context, {
    label: 'parallel deleters',
    entries: tracers,
    tracer: (tracer) => tracer,
    repetitions,
    ...workload,
  });
  fs.rmSync(workDirectory, { recursive: true, force: true });

  const medianWallOf = (tracer: Tracer): number => medianWall(runs.get(tracer)!);
  const base = medianWallOf(untraced);
  const expected = runs.get(untraced)![0].expected;
  const slowestDeleter = (run: StormRun): number =>
    maximum(finishedCommands(run.workloadOutput).map((command) => command.seconds));
  const fastestDeleter = (run: StormRun): number =>
    minimum(finishedCommands(run.workloadOutput).map((command) => command.seconds));
  const medianMachineCpu = (tracer: Tracer): number =>
    median(runs.get(tracer)!.map((run) => run.deleterCpuSeconds + (run.tracerCpuSeconds ?? 0)));
  const ourDefault = oursInDefaultMode(ourModes);
  const ourRuns = runsOf(ourModes, runs);
  const lostInEachMode = ourModes
    .map((mode) => `${formatNumber(totalLost(runs.get(mode)!))} lost (${mode.name})`)
    .join(', ');
  const notAtScale = scaleNotMeasured(context.settings, cores);
  const reading = [
    `- ${deleters} deleters on ${cores} cores. Ours: ${ourModes.map((mode) => `${formatRatio(medianWallOf(mode), base)} (${mode.name})`).join(', ')} ` +
      `the untraced wall time; the default mode's programs, ${ourDefault.name}, are ${medianWallOf(ourDefault) / base <= TARGET_RATIO_TO_UNTRACED ? 'within' : 'above'} ` +
      `the deletion storm's ${TARGET_RATIO_TO_UNTRACED}× target here. ` +
      `The CPU time the machine spent on the storm (deleters and tracer together): ${formatNumber(medianMachineCpu(untraced), 2)} s untraced, ` +
      `${ourModes.map((mode) => `${formatNumber(medianMachineCpu(mode), 2)} s (${mode.name}, ${formatRatio(medianMachineCpu(mode), medianMachineCpu(untraced))})`).join(', ')}` +
      (deleters >= cores
        ? `: with at least as many deleters as cores, every CPU-second the helper spends is one a deleter waits for.`
        : '.'),
    `- Completeness: ours recorded ${everyDeletionRecorded(ourRuns) ? 'every deletion of every deleter in every run, in both modes' : 'fewer deletions than were made in some runs (see the table)'}, ` +
      `each put down to the rm that made it; ${lossSentence(totalLost(ourRuns))}.`,
    `- Target: ${scaleTarget()}. ` +
      (notAtScale === undefined
        ? `Measured: ${lostInEachMode} — ${ourModes.every((mode) => totalLost(runs.get(mode)!) === 0) ? '**met**' : '**not met**'}.`
        : `**Not measured**: ${notAtScale}; "Scale beyond this machine" below gives the command that measures it. ` +
          `The stand-in here, ${deleters} deleters × ${formatNumber(directoriesPerDeleter * filesPerDirectory)} files on ${cores} cores: ${lostInEachMode}.`),
    `- strace -f: ${formatRatio(medianWallOf(strace), base)}; bpftrace: ${formatRatio(medianWallOf(bpftrace), base)}; inotifywait -m -r: ${formatRatio(medianWallOf(inotifywait), base)}, ` +
      `${completeness(runs.get(inotifywait)!)} in its worst run, no process named, losses unreported; bpftrace ` +
      `${completeness(runs.get(bpftrace)!)} in its worst run, ${lostText(runs.get(bpftrace)!)} lost in all (its own count: "Lost N events" when its perf buffer is full).`,
    '- "each deleter s" is the median over the runs of the fastest and of the slowest deleter (from the common start to its exit); ' +
      '"deleters CPU s" is their user + system time together (with strace: strace\'s too). The other columns are as in the storm above.',
  ];

  return section({
    description:
      `${deleters} × ${code('rm -rf')}, each of its own tree of ${formatNumber(directoriesPerDeleter)} directories × ${formatNumber(filesPerDirectory)} empty files ` +
      `(${formatNumber(expected)} entries in all), started at the same moment by ${code('build/bench/run_together')} on this machine's ${cores} cores; ` +
      `the trees are made fresh and flushed before each run in ${code(workload.treesDirectory)}, which the tracers are pointed at. ` +
      `The timed part is the whole, from the common start to the exit of the last deleter. Tracers interleaved, ${repetitions} rounds; ` +
      `the deleter count is BENCH_DELETERS (${deleters} in this run).`,
    tables: [
      stormTable(runs, [
        {
          header: 'each deleter s',
          cell: (all) =>
            `${formatNumber(median(all.map(fastestDeleter)), 2)}–${formatNumber(median(all.map(slowestDeleter)), 2)}`,
        },
        { header: 'deleters CPU s', cell: (all) => formatNumber(medianDeleterCpu(all), 2) },
      ]),
    ],
    reading,
    commands: [
      '**Commands**',
      '',
      `- workload: ${code(shellCommand(workload.argv))}`,
      ...tracerCommands(tracers, workload.target),
    ],
  });
}
