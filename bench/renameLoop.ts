// A loop of 20,000 renames (rename_loop.c: f$i -> g$i in one directory, as
// fast as it can), untraced and under each tracer: whether every rename was
// reported, how much slower the loop runs, and what the tracer itself spent.
// The runs are the deletion storm's (stormRuns.ts), with the tracers pointed
// at renames (renameTracers.ts). The same count of renames spread over
// smaller directories, under ours alone, shows what a directory's size adds.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { DEFAULT_MODE_CHOICE } from '../common/protocol';
import type { BenchContext } from './benchmark';
import { makeDeletionTree, type DeletionTrees } from './deletionTree';
import type { Fixtures } from './fixtures';
import { code, section, shellCommand, table } from './markdown';
import { bpftraceOnRenames, countingRenames, inotifywaitOnRenames, straceOnRenames } from './renameTracers';
import { commandsDeleting, runTogetherArgv } from './runTogether';
import { fileSystemAt } from './settings';
import { formatNumber, formatRange, formatRatio, median } from './stats';
import {
  completeness,
  everyDeletionRecorded,
  lossSentence,
  lostText,
  medianDeleterCpu,
  medianOrNull,
  medianWall,
  peakRssText,
  runsOf,
  totalLost,
  tracerCpuText,
  valuesOf,
} from './stormFigures';
import { measureStormRounds, type StormRun } from './stormRuns';
import { DEFAULT_PROGRAMS, oursInDefaultMode, oursInEachMode, tracerCommands, untraced, type Tracer } from './tracers';
import { freshWorkDirectory, traceTarget } from './workDirectory';

export async function renameLoop(context: BenchContext): Promise<string> {
  const { fixtures, settings } = context;
  const { renames, spreadDirectories, repetitions } = settings.renameLoop;
  const workDirectory = freshWorkDirectory(settings, 'renames');
  const root = path.join(workDirectory, 'tree');
  const target = traceTarget(workDirectory, root);
  const ourModes = oursInEachMode(context.helperScript).map(countingRenames);
  const ourDefault = oursInDefaultMode(ourModes);
  const tracers = [untraced, ...ourModes, straceOnRenames, bpftraceOnRenames, inotifywaitOnRenames];
  const oneDirectory: Layout = { directories: 1, files: renames };
  const spread: Layout = { directories: spreadDirectories, files: renames / spreadDirectories };
  const layoutRuns = (layout: Layout, entries: readonly Tracer[]): Promise<Map<Tracer, StormRun[]>> =>
    measureStormRounds(context, {
      label: `rename loop (${layoutText(layout)})`,
      entries,
      tracer: (tracer) => tracer,
      repetitions,
      target,
      trees: filesToRename(fixtures, root, layout),
      // Through run_together, which names the loop's pid even where strace runs it as its own child.
      argv: runTogetherArgv(fixtures.runTogether, [renameLoopArgv(fixtures, root, layout)]),
      deleters: commandsDeleting(root),
    });
  const runs = await layoutRuns(oneDirectory, tracers);
  const spreadRuns = await layoutRuns(spread, [untraced, ourDefault]);
  fs.rmSync(workDirectory, { recursive: true, force: true });

  const medianWallOf = (tracer: Tracer): number => medianWall(runs.get(tracer)!);
  const base = medianWallOf(untraced);
  const ourRuns = runsOf(ourModes, runs);
  const renamesMade = madeInEveryRun(runs.get(untraced)!);
  // The loop's CPU time above the untraced loop's, over its renames: what the programs cost inside each rename.
  const programMicrosecondsPerRename = (tracer: Tracer, inLayout = runs): number =>
    ((medianDeleterCpu(inLayout.get(tracer)!) - medianDeleterCpu(inLayout.get(untraced)!)) / renames) * 1e6;
  const reading = [
    `- Target: every rename of the loop reported, with 0 lost, while ${code('trace --jsonl --path DIR')} runs in the default mode ` +
      `(${DEFAULT_MODE_CHOICE}, which takes the ${DEFAULT_PROGRAMS} programs on this kernel: ${ourDefault.name}). Measured: ` +
      `${completeness(runs.get(ourDefault)!)} reported in its worst run, ${formatNumber(totalLost(runs.get(ourDefault)!))} lost over all its runs — ` +
      (everyDeletionRecorded(runs.get(ourDefault)!) && totalLost(runs.get(ourDefault)!) === 0
        ? '**met**.'
        : '**not met**.') +
      ` In both modes: ${everyDeletionRecorded(ourRuns) ? 'every rename in every run' : 'fewer renames than were made in some runs (see the table)'}; ${lossSentence(totalLost(ourRuns))}.`,
    `- A rename is reported as one line with ${code('"movedTo"')} set (the source in ${code('"path"')}), counted only where it names the loop's process, succeeded and has its source within the directory traced.`,
    `- The loop's wall time, ${formatNumber(base, 3)} s untraced for ${renamesMade}, is ` +
      `${ourModes.map((mode) => `${formatRatio(medianWallOf(mode), base)} traced (${mode.name})`).join(' and ')}; ` +
      `its own CPU time ${formatNumber(medianDeleterCpu(runs.get(untraced)!), 3)} s untraced against ` +
      `${ourModes.map((mode) => `${formatNumber(medianDeleterCpu(runs.get(mode)!), 3)} s`).join(' and ')}: the programs run inside its syscalls, ` +
      `${ourModes.map((mode) => `${formatNumber(programMicrosecondsPerRename(mode), 1)} µs`).join(' and ')} per rename.`,
    `- strace -f is ${formatRatio(medianWallOf(straceOnRenames), base)} untraced; bpftrace ${formatRatio(medianWallOf(bpftraceOnRenames), base)} ` +
      '(the calls as they begin, with both paths as passed, not their results); ' +
      `inotifywait -m -r ${formatRatio(medianWallOf(inotifywaitOnRenames), base)}, with ${completeness(runs.get(inotifywaitOnRenames)!)} in its worst run ` +
      '(a rename counted where both its MOVED_FROM and its MOVED_TO came, joined by their cookie; it names no process and reports no loss).',
    `- The size of the directory: spread over ${layoutText(spread)}, the same ${formatNumber(renames)} renames take ` +
      `${formatRatio(medianWall(spreadRuns.get(ourDefault)!), medianWall(spreadRuns.get(untraced)!))} the untraced loop's wall time (${ourDefault.name}), ` +
      `${formatNumber(programMicrosecondsPerRename(ourDefault, spreadRuns), 1)} µs of the programs per rename against ${formatNumber(programMicrosecondsPerRename(ourDefault), 1)} µs ` +
      `in ${layoutText(oneDirectory)}, with ${completeness(spreadRuns.get(ourDefault)!)} reported in its worst run and ${formatNumber(totalLost(spreadRuns.get(ourDefault)!))} lost. ` +
      "At entry the destination's name, not there yet, is compared with the newest 256 of its directory's cached children (ENTRY_MAX_CHILDREN, bpf/directory_lookup.bpf.h), " +
      "and no more: so a rename costs about as much in a directory of thousands as in one of a few hundred, and the loop's renames onto fresh names are reported with replacedUnknown.",
    "- The columns are the deletion storm's: \"loop CPU\" is the loop's own user + system time (with strace: strace's too), " +
      '"tracer CPU" the tracer process\'s from just before the loop until its output stopped growing, "caught up" how long after the loop ended it was still writing.',
  ];

  return section({
    description:
      `The files to rename, ${layoutText(oneDirectory)}, are made fresh and flushed (${code('sync')}) before each run, outside the timed part, ` +
      `in ${code(root)} (${fileSystemAt(root)}; the tracers write their output beside it). The timed part is ${code(shellCommand(renameLoopArgv(fixtures, root, oneDirectory)))}, ` +
      `one rename(2) per file (fNNNNNN to gNNNNNN, in the same directory) as fast as it can, started by ${code('build/bench/run_together')} ` +
      `and timed by ${code('build/bench/measure_command')} from fork to exit. The tracers run interleaved (${repetitions} rounds); ` +
      'times are medians with their range, completeness and loss the worst and the total over all runs. ' +
      `The second table is the same loop over ${layoutText(spread)}, untraced and under ours in the default mode only.`,
    tables: [
      `**${upperFirst(layoutText(oneDirectory))}**\n\n${renameTable(runs)}`,
      `**${upperFirst(layoutText(spread))}**\n\n${renameTable(spreadRuns)}`,
    ],
    reading,
    commands: [
      '**Commands**',
      '',
      `- files: ${code(shellCommand([path.relative(settings.repositoryRoot, fixtures.makeTree), 'ROOT', '1', String(renames)]))} ` +
        `(${code(shellCommand(['ROOT', String(spread.directories), String(spread.files)]))} for the second table) then ${code('sync')}`,
      ...tracerCommands(tracers, target),
    ],
  });
}

/** Where the files to rename are: make_tree's ROOT/dNNNN/fNNNNNN, `files` in each of `directories`. */
interface Layout {
  directories: number;
  files: number;
}

function layoutText({ directories, files }: Layout): string {
  return directories === 1
    ? `one directory of ${formatNumber(files)} files`
    : `${formatNumber(directories)} directories of ${formatNumber(files)} files`;
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function renameLoopArgv(fixtures: Fixtures, root: string, { directories, files }: Layout): string[] {
  return [fixtures.renameLoop, root, String(directories), String(files)];
}

/** The layout's files, made afresh before each run: the loop renames each once. */
function filesToRename(fixtures: Fixtures, root: string, { directories, files }: Layout): DeletionTrees {
  return {
    make: () => {
      makeDeletionTree(fixtures, root, directories, files);
      return directories * files;
    },
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** What rename_loop printed (the renames it made), checked alike in every run. */
function madeInEveryRun(runs: readonly StormRun[]): string {
  const made = new Set(runs.map((run) => /^(\d+)$/m.exec(run.workloadOutput)?.[1] ?? '?'));
  return made.size === 1
    ? `${formatNumber(Number([...made][0]))} renames`
    : `renames made ${[...made].join(', ')} in different runs`;
}

function renameTable(runs: ReadonlyMap<Tracer, StormRun[]>): string {
  const base = medianWall(runs.get(untraced)!);
  const rows = [...runs].map(([tracer, all]) => [
    tracer.name,
    formatNumber(medianWall(all), 3),
    formatRange(
      all.map((run) => run.wallSeconds),
      3,
    ),
    formatRatio(medianWall(all), base),
    formatNumber(medianDeleterCpu(all), 3),
    completeness(all),
    lostText(all),
    tracerCpuText(all),
    peakRssText(all),
    formatNumber(medianOrNull(valuesOf(all, (run) => run.catchUpSeconds)), 2),
    tracer === untraced ? '–' : formatNumber(median(all.map((run) => run.readySeconds)), 2),
  ]);
  return table(
    [
      'tracer',
      'wall s',
      'range',
      '× untraced',
      'loop CPU s',
      'reported / renamed (worst run)',
      'lost (all runs)',
      'tracer CPU s',
      'peak RSS',
      'caught up after s',
      'ready after s',
    ],
    rows,
  );
}
