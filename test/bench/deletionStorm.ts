// `rm -rf` of a tree of 100,000 files in nested directories, untraced and
// under each tracer: how much slower the deletion runs, whether every
// deletion was recorded, and what the tracer itself spent.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { Benchmark } from './benchmark';
import { makeDeletionTree } from './deletionTree';
import { code, shellCommand, table } from './markdown';
import { finishedCommands, runTogetherArgv } from './runTogether';
import { formatMebibytes, formatNumber, formatRatio, maximum, median, minimum } from './stats';
import { fileSystemAt } from './settings';
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

/** The targets: ours at most 1.3× the untraced deletion, the helper at most 100 MB resident. */
const TARGET_RATIO_TO_UNTRACED = 1.3;
const TARGET_PEAK_RSS_BYTES = 100_000_000;

export const deletionStorm: Benchmark = {
  id: 'deletion-storm',
  title: 'Deletion storm (rm -rf)',
  async run(context) {
    const { fixtures, settings } = context;
    const { directories, filesPerDirectory, repetitions } = settings.deletionStorm;
    const stormDirectory = path.join(settings.treeDirectory, 'storm');
    fs.mkdirSync(stormDirectory, { recursive: true });
    const root = path.join(stormDirectory, 'tree');
    const target: TraceTarget = { directory: root, outputFile: path.join(stormDirectory, 'trace.out') };
    const workload = ['rm', '-rf', root];
    // Through run_together, which names rm's pid even where strace runs it as its own child.
    const argv = runTogetherArgv(fixtures.runTogether, [workload]);

    const ourModes = [syscallTrace(context.helperScript, 'raw'), syscallTrace(context.helperScript, 'tracepoint')];
    const tracers = [untraced, ...ourModes, strace, bpftrace, inotifywait];
    const runs = new Map<Tracer, StormRun[]>(tracers.map((tracer) => [tracer, []]));

    for (let repetition = 1; repetition <= repetitions; repetition++) {
      for (const tracer of tracers) {
        const tree = makeDeletionTree(fixtures, root, directories, filesPerDirectory);
        let run: StormRun;
        try {
          run = await measureStormRun(context, tracer, target, {
            argv,
            expected: tree.entries,
            deleters: (deletion) => ({ pids: finishedCommands(deletion.stdout).map((command) => command.pid), directory: root }),
          });
        } finally {
          fs.rmSync(root, { recursive: true, force: true });
        }
        runs.get(tracer)!.push(run);
        context.log(`deletion storm ${repetition}/${repetitions} ${tracer.name}: ${describeRun(run)}`);
      }
    }

    fs.rmSync(stormDirectory, { recursive: true, force: true });

    const medianWall = (tracer: Tracer): number => median(runs.get(tracer)!.map((run) => run.wallSeconds));
    const base = medianWall(untraced);
    const expected = runs.get(untraced)![0].expected;
    const rows = tracers.map((tracer) => {
      const all = runs.get(tracer)!;
      const walls = all.map((run) => run.wallSeconds);
      const cpu = valuesOf(all, (run) => run.tracerCpuSeconds);
      const medianCpu = cpu.length ? median(cpu) : null;
      return [
        tracer.name,
        formatNumber(median(walls), 2),
        `${formatNumber(minimum(walls), 2)}–${formatNumber(maximum(walls), 2)}`,
        formatRatio(median(walls), base),
        formatNumber(median(all.map((run) => run.deleterCpuSeconds)), 2),
        tracer === untraced ? '–' : formatNumber(median(all.map((run) => run.readySeconds)), 2),
        completeness(all),
        lostText(all),
        formatNumber(medianCpu, 2),
        medianCpu === null ? '–' : formatNumber((medianCpu / expected) * 100_000, 2),
        formatMebibytes(maxOrNull(valuesOf(all, (run) => run.tracerPeakRssBytes))),
        formatNumber(medianOrNull(valuesOf(all, (run) => run.catchUpSeconds)), 2),
      ];
    });

    const medianDeleterCpu = (tracer: Tracer): number => median(runs.get(tracer)!.map((run) => run.deleterCpuSeconds));
    const best = ourModes.reduce((fastest, mode) => (medianWall(mode) < medianWall(fastest) ? mode : fastest));
    const ourRuns = ourModes.flatMap((mode) => runs.get(mode)!);
    const ourPeak = maximum(valuesOf(ourRuns, (run) => run.tracerPeakRssBytes));
    const everyDeletion = everyDeletionRecorded(ourRuns);
    const ourLost = totalLost(ourRuns);
    const helperCpu = (mode: Tracer): string => formatNumber(medianOrNull(valuesOf(runs.get(mode)!, (run) => run.tracerCpuSeconds)), 2);
    const reading = [
      `- Target: ours at most 1.3× the untraced deletion in the best mode. Measured: ${formatRatio(medianWall(best), base)} (${best.name}) — ` +
        (medianWall(best) / base <= TARGET_RATIO_TO_UNTRACED ? '**met**.' : '**not met**.') +
        ` ${ourModes.map((mode) => `${mode.name}: ${formatRatio(medianWall(mode), base)}`).join('; ')}.`,
      `- Completeness: ours recorded ${everyDeletion ? 'every deletion in every run, in both modes' : 'fewer deletions than were made in some runs (see the table)'}, ` +
        `with absolute paths and the deleting process (a deletion counts only with both right); ${lossSentence(ourLost)}.`,
      `- Where ours' time goes: rm's own CPU time grows from ${formatNumber(medianDeleterCpu(untraced), 2)} s untraced to ` +
        `${ourModes.map((mode) => `${formatNumber(medianDeleterCpu(mode), 2)} s (${mode.name})`).join(' and ')}: the BPF programs run inside its syscalls. ` +
        `The rest of its wall time is waiting for a core: the helper, which spends ${ourModes.map((mode) => `${helperCpu(mode)} s`).join(' and ')} of CPU ` +
        `on the storm, holds one of this machine's ${os.cpus().length}. With a core to spare for the helper, the wall-time ratio would fall ` +
        `towards rm's CPU-time ratio, ${ourModes.map((mode) => `${formatRatio(medianDeleterCpu(mode), medianDeleterCpu(untraced))} (${mode.name})`).join(' and ')}, ` +
        'and no lower while the programs cost what they do per deletion.',
      `- Cost: the helper peaked at ${formatMebibytes(ourPeak)} resident (the most of any run); target at most 100 MB (${formatMebibytes(TARGET_PEAK_RSS_BYTES)}) — ` +
        (ourPeak <= TARGET_PEAK_RSS_BYTES ? '**met**.' : '**not met**.') +
        ' "Helper cost" below says where that memory is.',
      `- strace -f is ${formatRatio(medianWall(strace), base)} untraced; bpftrace ${formatRatio(medianWall(bpftrace), base)}. ` +
        'Both record only the path argument as passed: rm -rf passes names relative to a directory file descriptor, ' +
        'so neither says which directory a name was in; bpftrace also records calls as they begin, not their results.',
      `- inotifywait -m -r is ${formatRatio(medianWall(inotifywait), base)} untraced and recorded ${completeness(runs.get(inotifywait)!)} in its worst run: ` +
        `it must set up a watch on every directory before the deletion (${formatNumber(median(runs.get(inotifywait)!.map((run) => run.readySeconds)), 2)} s here, ` +
        'growing with the directories, and a tree made after it started is seen only once it has added watches there), it sees a deletion only as a name in a watched directory, ' +
        'never the process that deleted it, and it reports no loss: where its output misses deletions, the likely cause is the kernel\'s inotify queue ' +
        `overflowing (more than fs.inotify.max_queued_events events waiting), which inotifywait does not report (its manual: "It is assumed the inotify event queue will never overflow"). ` +
        'Its count here is of the paths it reported, whoever deleted them.',
      '- "tracer CPU" is the tracer process\'s own user + system time (/proc/PID/stat) from just before the deletion until its output stopped growing; ' +
        'the kernel-side cost of the BPF programs is charged to the deleting process and shows in its wall time. ' +
        '"deleter CPU" is the user + system time of rm (with strace: of strace and rm together), from wait4. ' +
        '"peak RSS" is the tracer process\'s VmHWM over its whole life; "caught up" is how long after rm ended it was still writing; ' +
        '"ready after" is from starting the tracer to its being able to see deletions (programs attached, watches set up), outside the timed part.',
    ];

    return [
      `A tree of ${formatNumber(directories)} directories × ${formatNumber(filesPerDirectory)} empty files ` +
        `(${formatNumber(expected)} entries with the directories and the root) is made fresh and flushed (${code('sync')}) before each run, ` +
        `outside the timed part, in ${code(root)} (${fileSystemAt(root)}; the tracers write their output beside it). The timed part is ` +
        `${code(shellCommand(workload))}, started by ${code('build/bench/run_together')} (which names rm's pid to the tracers that name processes, even where strace runs it) ` +
        `and timed by ${code('build/bench/measure_command')} from fork to exit. The tracers run interleaved ` +
        `(${repetitions} rounds); times are medians, completeness and loss the worst and the total over all runs.`,
      '',
      table(
        ['tracer', 'wall s', 'range', '× untraced', 'deleter CPU s', 'ready after s', 'recorded / deleted (worst run)', 'lost (all runs)', 'tracer CPU s', 'CPU s per 100,000', 'peak RSS', 'caught up after s'],
        rows,
      ),
      '',
      '**Reading**',
      '',
      ...reading,
      '',
      '**Commands**',
      '',
      `- tree: ${code(shellCommand([path.relative(settings.repositoryRoot, fixtures.makeTree), 'ROOT', String(directories), String(filesPerDirectory)]))} then ${code('sync')}`,
      ...tracers.filter((tracer) => tracer !== untraced).map((tracer) => `- ${tracer.name}: ${code(tracer.command(target))}`),
    ].join('\n');
  },
};
