// Several `rm -rf` at once, each of its own tree, started together: on a
// machine with fewer cores than deleters, the deleters, the tracer and its
// output all wait for the same cores, which is where a tracer that keeps up
// with one deleter can fall behind.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { Benchmark } from './benchmark';
import { makeDeletionTree } from './deletionTree';
import { code, shellCommand, table } from './markdown';
import { finishedCommands, runTogetherArgv } from './runTogether';
import { formatMebibytes, formatNumber, formatRatio, maximum, median, minimum } from './stats';
import {
  completeness,
  describeRun,
  everyDeletionRecorded,
  lossSentence,
  lostText,
  maxOrNull,
  measureStormRun,
  medianOrNull,
  totalLost,
  valuesOf,
  type StormRun,
} from './stormRuns';
import { bpftrace, inotifywait, strace, syscallTrace, untraced, type TraceTarget, type Tracer } from './tracers';

export const parallelDeleters: Benchmark = {
  id: 'parallel-deleters',
  title: 'Parallel deleters',
  async run(context) {
    const { fixtures, settings } = context;
    const { deleters, directoriesPerDeleter, filesPerDirectory, repetitions } = settings.parallelDeleters;
    const cores = os.cpus().length;
    const workDirectory = path.join(settings.treeDirectory, 'parallel');
    const treesDirectory = path.join(workDirectory, 'trees');
    fs.rmSync(workDirectory, { recursive: true, force: true });
    fs.mkdirSync(treesDirectory, { recursive: true });
    const roots = Array.from({ length: deleters }, (_, index) => path.join(treesDirectory, `tree${String(index).padStart(2, '0')}`));
    const target: TraceTarget = { directory: treesDirectory, outputFile: path.join(workDirectory, 'trace.out') };
    const argv = runTogetherArgv(
      fixtures.runTogether,
      roots.map((root) => ['rm', '-rf', root]),
    );

    const ourModes = [syscallTrace(context.helperScript, 'raw'), syscallTrace(context.helperScript, 'tracepoint')];
    const tracers = [untraced, ...ourModes, strace, bpftrace, inotifywait];
    const runs = new Map<Tracer, StormRun[]>(tracers.map((tracer) => [tracer, []]));

    for (let repetition = 1; repetition <= repetitions; repetition++) {
      for (const tracer of tracers) {
        const expected = roots.reduce((sum, root) => sum + makeDeletionTree(fixtures, root, directoriesPerDeleter, filesPerDirectory).entries, 0);
        let run: StormRun;
        try {
          run = await measureStormRun(context, tracer, target, {
            argv,
            expected,
            deleters: (workload) => ({ pids: finishedCommands(workload.stdout).map((command) => command.pid), directory: treesDirectory }),
          });
        } finally {
          for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
        }
        runs.get(tracer)!.push(run);
        context.log(`parallel deleters ${repetition}/${repetitions} ${tracer.name}: ${describeRun(run)}`);
      }
    }
    fs.rmSync(workDirectory, { recursive: true, force: true });

    const medianWall = (tracer: Tracer): number => median(runs.get(tracer)!.map((run) => run.wallSeconds));
    const base = medianWall(untraced);
    const expected = runs.get(untraced)![0].expected;
    const slowestDeleter = (run: StormRun): number => maximum(finishedCommands(run.workloadOutput).map((command) => command.seconds));
    const fastestDeleter = (run: StormRun): number => minimum(finishedCommands(run.workloadOutput).map((command) => command.seconds));
    const rows = tracers.map((tracer) => {
      const all = runs.get(tracer)!;
      const walls = all.map((run) => run.wallSeconds);
      const cpu = valuesOf(all, (run) => run.tracerCpuSeconds);
      const medianCpu = medianOrNull(cpu);
      return [
        tracer.name,
        formatNumber(median(walls), 2),
        `${formatNumber(minimum(walls), 2)}–${formatNumber(maximum(walls), 2)}`,
        formatRatio(median(walls), base),
        `${formatNumber(median(all.map(fastestDeleter)), 2)}–${formatNumber(median(all.map(slowestDeleter)), 2)}`,
        formatNumber(median(all.map((run) => run.deleterCpuSeconds)), 2),
        completeness(all),
        lostText(all),
        formatNumber(medianCpu, 2),
        medianCpu === null ? '–' : formatNumber((medianCpu / expected) * 100_000, 2),
        formatMebibytes(maxOrNull(valuesOf(all, (run) => run.tracerPeakRssBytes))),
        formatNumber(medianOrNull(valuesOf(all, (run) => run.catchUpSeconds)), 2),
      ];
    });

    const medianMachineCpu = (tracer: Tracer): number =>
      median(runs.get(tracer)!.map((run) => run.deleterCpuSeconds + (run.tracerCpuSeconds ?? 0)));
    const best = ourModes.reduce((fastest, mode) => (medianWall(mode) < medianWall(fastest) ? mode : fastest));
    const ourRuns = ourModes.flatMap((mode) => runs.get(mode)!);
    const reading = [
      `- ${deleters} deleters on ${cores} cores. Ours: ${ourModes.map((mode) => `${formatRatio(medianWall(mode), base)} (${mode.name})`).join(', ')} ` +
        `the untraced wall time; the best mode, ${best.name}, ${medianWall(best) / base <= 1.3 ? 'meets' : 'does not meet'} the 1.3× target here. ` +
        `The CPU time the machine spent on the storm (deleters and tracer together): ${formatNumber(medianMachineCpu(untraced), 2)} s untraced, ` +
        `${ourModes.map((mode) => `${formatNumber(medianMachineCpu(mode), 2)} s (${mode.name}, ${formatRatio(medianMachineCpu(mode), medianMachineCpu(untraced))})`).join(', ')}` +
        (deleters >= cores ? `: with at least as many deleters as cores, every CPU-second the helper spends is one a deleter waits for.` : '.'),
      `- Completeness: ours recorded ${everyDeletionRecorded(ourRuns) ? 'every deletion of every deleter in every run, in both modes' : 'fewer deletions than were made in some runs (see the table)'}, ` +
        `each put down to the rm that made it; ${lossSentence(totalLost(ourRuns))}.`,
      `- strace -f: ${formatRatio(medianWall(strace), base)}; bpftrace: ${formatRatio(medianWall(bpftrace), base)}; inotifywait -m -r: ${formatRatio(medianWall(inotifywait), base)}, ` +
        `${completeness(runs.get(inotifywait)!)} in its worst run, no process named, losses unreported; bpftrace ` +
        `${completeness(runs.get(bpftrace)!)} in its worst run, ${lostText(runs.get(bpftrace)!)} lost in all (its own count: "Lost N events" when its perf buffer is full).`,
      '- "each deleter s" is the median over the runs of the fastest and of the slowest deleter (from the common start to its exit); ' +
        '"deleters CPU s" is their user + system time together (with strace: strace\'s too). The other columns are as in the storm above.',
    ];

    return [
      `${deleters} × ${code('rm -rf')}, each of its own tree of ${formatNumber(directoriesPerDeleter)} directories × ${formatNumber(filesPerDirectory)} empty files ` +
        `(${formatNumber(expected)} entries in all), started at the same moment by ${code('build/bench/run_together')} on this machine's ${cores} cores; ` +
        `the trees are made fresh and flushed before each run in ${code(treesDirectory)}, which the tracers are pointed at. ` +
        `The timed part is the whole, from the common start to the exit of the last deleter. Tracers interleaved, ${repetitions} rounds; ` +
        `the deleter count is BENCH_DELETERS (${deleters} in this run).`,
      '',
      table(
        ['tracer', 'wall s', 'range', '× untraced', 'each deleter s', 'deleters CPU s', 'recorded / deleted (worst run)', 'lost (all runs)', 'tracer CPU s', 'CPU s per 100,000', 'peak RSS', 'caught up after s'],
        rows,
      ),
      '',
      '**Reading**',
      '',
      ...reading,
      '',
      '**Commands**',
      '',
      `- workload: ${code(shellCommand(argv))}`,
      ...tracers.filter((tracer) => tracer !== untraced).map((tracer) => `- ${tracer.name}: ${code(tracer.command(target))}`),
    ].join('\n');
  },
};
