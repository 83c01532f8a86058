// A build's output deleted while a compiler runs: the `make clean` beside a
// build that a developer tracing deletions would actually have. Both are
// timed: how much slower the deletion is, and how much of the compiler's
// time the tracing takes, the cost a user feels in the rest of their work.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { BenchContext } from './benchmark';
import { runMeasured } from './childProcesses';
import { deletionTrees } from './deletionTree';
import { code, section, shellCommand, table } from './markdown';
import { commandsDeleting, finishedCommands, runTogetherArgv } from './runTogether';
import { formatDifference, formatNumber, formatRatio, median } from './stats';
import {
  completeness,
  everyDeletionRecorded,
  lossSentence,
  lostText,
  peakRssText,
  runsOf,
  totalLost,
  tracerCpuText,
} from './stormFigures';
import { describeRun, measureStormRounds, type StormRun } from './stormRuns';
import {
  bpftrace,
  inotifywait,
  oursInEachMode,
  stormTracers,
  strace,
  tracerCommands,
  untraced,
  type Tracer,
} from './tracers';
import { freshWorkDirectory, traceTarget } from './workDirectory';

/** run_together's order: the deletion first, then the compiler loop. */
const DELETION = 0;
const COMPILER = 1;

export async function mixedWorkload(context: BenchContext): Promise<string> {
  const { fixtures, settings } = context;
  const { directories, filesPerDirectory, compiles, functionsPerUnit, repetitions } = settings.mixedWorkload;
  const workDirectory = freshWorkDirectory(settings, 'mixed');
  const buildTree = path.join(workDirectory, 'build');
  const unit = writeCompileUnit(workDirectory, functionsPerUnit);
  const compilerLoop = compileLoop(unit, path.join(workDirectory, 'unit.o'), compiles);
  const target = traceTarget(workDirectory, buildTree);
  const argv = runTogetherArgv(fixtures.runTogether, [['rm', '-rf', buildTree], compilerLoop]);
  const ourModes = oursInEachMode(context.helperScript);
  const tracers = stormTracers(ourModes);
  const compilerAlone: number[] = [];
  const runs = await measureStormRounds(context, {
    label: 'mixed workload',
    entries: tracers,
    tracer: (tracer) => tracer,
    repetitions,
    beforeRound: async () => {
      compilerAlone.push(await timeCompilerAlone(context, compilerLoop));
    },
    describe: (run) =>
      `deletion ${secondsOf(run, DELETION).toFixed(2)} s, compiler ${secondsOf(run, COMPILER).toFixed(2)} s; whole ${describeRun(run)}`,
    target,
    trees: deletionTrees(fixtures, [buildTree], directories, filesPerDirectory),
    argv,
    deleters: commandsDeleting(buildTree, [DELETION]),
  });
  fs.rmSync(workDirectory, { recursive: true, force: true });

  const medianOf = (tracer: Tracer, command: number): number =>
    median(runs.get(tracer)!.map((run) => secondsOf(run, command)));
  const deletionBase = medianOf(untraced, DELETION);
  const compilerBase = medianOf(untraced, COMPILER);
  const expected = runs.get(untraced)![0].expected;
  const compilesPerMinute = (seconds: number): string => formatNumber((compiles / seconds) * 60, 1);
  const rows = tracers.map((tracer) => {
    const all = runs.get(tracer)!;
    const compiler = medianOf(tracer, COMPILER);
    return [
      tracer.name,
      formatNumber(medianOf(tracer, DELETION), 2),
      formatRatio(medianOf(tracer, DELETION), deletionBase),
      formatNumber(compiler, 2),
      formatRatio(compiler, compilerBase),
      tracer === untraced ? '–' : formatDifference(compiler - compilerBase, 2),
      compilesPerMinute(compiler),
      completeness(all),
      lostText(all),
      tracerCpuText(all),
      peakRssText(all),
    ];
  });
  const alone = median(compilerAlone);
  rows.unshift([
    'compiler loop alone (untraced, nothing deleted)',
    '–',
    '–',
    formatNumber(alone, 2),
    formatRatio(alone, compilerBase),
    '–',
    compilesPerMinute(alone),
    '–',
    '–',
    '–',
    '–',
  ]);

  const ourRuns = runsOf(ourModes, runs);
  const reading = [
    `- The deletion under ours: ${ourModes.map((mode) => `${formatRatio(medianOf(mode, DELETION), deletionBase)} (${mode.name})`).join(', ')} the untraced one; ` +
      `the compiler loop beside it: ${ourModes.map((mode) => `${formatDifference(medianOf(mode, COMPILER) - compilerBase, 2)} s (${mode.name})`).join(', ')} ` +
      `on ${formatNumber(compilerBase, 2)} s untraced. On ${os.cpus().length} cores the deletion and the compiler each hold one, so the helper's CPU time ` +
      "comes out of one or the other: the compiler's loss is the part of the tracing a user feels in the rest of their work.",
    `- Completeness: ours recorded ${everyDeletionRecorded(ourRuns) ? 'every deletion of the build tree in every run, in both modes' : 'fewer deletions than were made in some runs (see the table)'}; ` +
      `${lossSentence(totalLost(ourRuns))}. The compiler's own deletions (gcc removes its temporary files) fall outside the traced directory: ours leaves them out in the kernel, which knows the traced folder and counts them as filtered without sending them; ` +
      'strace -f records them along with everything else its workload deletes, and every syscall of the compiler is stopped by ptrace under strace -f.',
    `- strace -f: deletion ${formatRatio(medianOf(strace, DELETION), deletionBase)}, compiler ${formatRatio(medianOf(strace, COMPILER), compilerBase)}; ` +
      `bpftrace: ${formatRatio(medianOf(bpftrace, DELETION), deletionBase)}, ${formatRatio(medianOf(bpftrace, COMPILER), compilerBase)}; ` +
      `inotifywait -m -r: ${formatRatio(medianOf(inotifywait, DELETION), deletionBase)}, ${formatRatio(medianOf(inotifywait, COMPILER), compilerBase)}.`,
    `- The compiler loop alone takes ${formatNumber(alone, 2)} s, against ${formatNumber(compilerBase, 2)} s beside the untraced deletion: ` +
      'the difference is what the deletion itself takes from the compiler, tracing apart.',
    "- Times are from run_together's common start to each command's exit, medians of the runs; \"compiles per minute\" is the loop's throughput.",
  ];

  return section({
    description:
      `A tree shaped like a build's output, ${formatNumber(directories)} directories × ${formatNumber(filesPerDirectory)} empty files ` +
      `(${formatNumber(expected)} entries), is deleted by ${code('rm -rf')} while a compiler loop runs: ${compiles} × ${code('gcc -O2 -c')} of a generated unit ` +
      `of ${functionsPerUnit} functions, one after the other. ${code('build/bench/run_together')} starts both at the same moment; the tracers are pointed at the build tree ` +
      `(strace -f runs both, as it would a build script). Tracers interleaved, ${repetitions} rounds, with a run of the compiler loop alone in each round.`,
    tables: [
      table(
        [
          'tracer',
          'deletion s',
          '× untraced',
          'compiler loop s',
          '× untraced',
          'compiler +s',
          'compiles per minute',
          'recorded / deleted (worst run)',
          'lost (all runs)',
          'tracer CPU s',
          'peak RSS',
        ],
        rows,
      ),
    ],
    reading,
    commands: ['**Commands**', '', `- workload: ${code(shellCommand(argv))}`, ...tracerCommands(tracers, target)],
  });
}

function secondsOf(run: StormRun, command: number): number {
  return finishedCommands(run.workloadOutput)[command].seconds;
}

/** `sh -c` running gcc -O2 on the unit `compiles` times, stopping at the first failure. */
function compileLoop(unit: string, object: string, compiles: number): string[] {
  const gcc = shellCommand(['gcc', '-O2', '-c', unit, '-o', object]);
  return ['sh', '-c', `i=0; while [ $i -lt ${compiles} ]; do ${gcc} || exit 1; i=$((i + 1)); done`];
}

async function timeCompilerAlone(context: BenchContext, compilerLoop: readonly string[]): Promise<number> {
  const run = await runMeasured(context.fixtures.measureCommand, compilerLoop);
  return run.seconds;
}

/** A C unit whose functions gcc -O2 has real work to do on: loops with branches it vectorises and unrolls. */
function writeCompileUnit(directory: string, functions: number): string {
  const unit = path.join(directory, 'unit.c');
  const source = Array.from(
    { length: functions },
    (_, index) =>
      `int function_${index}(const int *values, int count)\n{\n\tint sum = ${index};\n\n` +
      `\tfor (int i = 0; i < count; i++) {\n\t\tif (values[i] % ${index + 2} == 0)\n\t\t\tsum += values[i] * ${index + 1};\n` +
      `\t\telse\n\t\t\tsum ^= values[i] << ${index % 7};\n\t}\n\treturn sum;\n}\n`,
  ).join('\n');
  fs.writeFileSync(unit, source);
  return unit;
}
