// A build's output deleted while a compiler runs: the `make clean` beside a
// build that a developer tracing deletions would actually have. Both are
// timed: how much slower the deletion is, and how much of the compiler's
// time the tracing takes, the cost a user feels in the rest of their work.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { BenchContext, Benchmark } from './benchmark';
import { runMeasured } from './childProcesses';
import { makeDeletionTree } from './deletionTree';
import { code, shellCommand, table } from './markdown';
import { finishedCommands, runTogetherArgv } from './runTogether';
import { formatDifference, formatMebibytes, formatNumber, formatRatio, median } from './stats';
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

/** run_together's order: the deletion first, then the compiler loop. */
const DELETION = 0;
const COMPILER = 1;

export const mixedWorkload: Benchmark = {
  id: 'mixed-workload',
  title: 'Mixed workload (a build tree deleted while a compiler runs)',
  async run(context) {
    const { fixtures, settings } = context;
    const { directories, filesPerDirectory, compiles, functionsPerUnit, repetitions } = settings.mixedWorkload;
    const workDirectory = path.join(settings.treeDirectory, 'mixed');
    fs.rmSync(workDirectory, { recursive: true, force: true });
    fs.mkdirSync(workDirectory, { recursive: true });
    const buildTree = path.join(workDirectory, 'build');
    const unit = writeCompileUnit(workDirectory, functionsPerUnit);
    const compilerLoop = compileLoop(unit, path.join(workDirectory, 'unit.o'), compiles);
    const target: TraceTarget = { directory: buildTree, outputFile: path.join(workDirectory, 'trace.out') };
    const argv = runTogetherArgv(fixtures.runTogether, [['rm', '-rf', buildTree], compilerLoop]);

    const ourModes = [syscallTrace(context.helperScript, 'raw'), syscallTrace(context.helperScript, 'tracepoint')];
    const tracers = [untraced, ...ourModes, strace, bpftrace, inotifywait];
    const runs = new Map<Tracer, StormRun[]>(tracers.map((tracer) => [tracer, []]));
    const compilerAlone: number[] = [];

    for (let repetition = 1; repetition <= repetitions; repetition++) {
      compilerAlone.push(await timeCompilerAlone(context, compilerLoop));
      for (const tracer of tracers) {
        const tree = makeDeletionTree(fixtures, buildTree, directories, filesPerDirectory);
        let run: StormRun;
        try {
          run = await measureStormRun(context, tracer, target, {
            argv,
            expected: tree.entries,
            deleters: (workload) => ({ pids: [finishedCommands(workload.stdout)[DELETION].pid], directory: buildTree }),
          });
        } finally {
          fs.rmSync(buildTree, { recursive: true, force: true });
        }
        runs.get(tracer)!.push(run);
        context.log(
          `mixed workload ${repetition}/${repetitions} ${tracer.name}: deletion ${secondsOf(run, DELETION).toFixed(2)} s, ` +
            `compiler ${secondsOf(run, COMPILER).toFixed(2)} s; whole ${describeRun(run)}`,
        );
      }
    }
    fs.rmSync(workDirectory, { recursive: true, force: true });

    const medianOf = (tracer: Tracer, command: number): number => median(runs.get(tracer)!.map((run) => secondsOf(run, command)));
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
        formatNumber(medianOrNull(valuesOf(all, (run) => run.tracerCpuSeconds)), 2),
        formatMebibytes(maxOrNull(valuesOf(all, (run) => run.tracerPeakRssBytes))),
      ];
    });
    const alone = median(compilerAlone);
    rows.unshift(['compiler loop alone (untraced, nothing deleted)', '–', '–', formatNumber(alone, 2), formatRatio(alone, compilerBase), '–', compilesPerMinute(alone), '–', '–', '–', '–']);

    const ourRuns = ourModes.flatMap((mode) => runs.get(mode)!);
    const reading = [
      `- The deletion under ours: ${ourModes.map((mode) => `${formatRatio(medianOf(mode, DELETION), deletionBase)} (${mode.name})`).join(', ')} the untraced one; ` +
        `the compiler loop beside it: ${ourModes.map((mode) => `${formatDifference(medianOf(mode, COMPILER) - compilerBase, 2)} s (${mode.name})`).join(', ')} ` +
        `on ${formatNumber(compilerBase, 2)} s untraced. On ${os.cpus().length} cores the deletion and the compiler each hold one, so the helper's CPU time ` +
        'comes out of one or the other: the compiler\'s loss is the part of the tracing a user feels in the rest of their work.',
      `- Completeness: ours recorded ${everyDeletionRecorded(ourRuns) ? 'every deletion of the build tree in every run, in both modes' : 'fewer deletions than were made in some runs (see the table)'}; ` +
        `${lossSentence(totalLost(ourRuns))}. The compiler's own deletions (gcc removes its temporary files) fall outside the traced directory: ours filters them out, ` +
        'strace -f records them along with everything else its workload deletes, and every syscall of the compiler is stopped by ptrace under strace -f.',
      `- strace -f: deletion ${formatRatio(medianOf(strace, DELETION), deletionBase)}, compiler ${formatRatio(medianOf(strace, COMPILER), compilerBase)}; ` +
        `bpftrace: ${formatRatio(medianOf(bpftrace, DELETION), deletionBase)}, ${formatRatio(medianOf(bpftrace, COMPILER), compilerBase)}; ` +
        `inotifywait -m -r: ${formatRatio(medianOf(inotifywait, DELETION), deletionBase)}, ${formatRatio(medianOf(inotifywait, COMPILER), compilerBase)}.`,
      `- The compiler loop alone takes ${formatNumber(alone, 2)} s, against ${formatNumber(compilerBase, 2)} s beside the untraced deletion: ` +
        'the difference is what the deletion itself takes from the compiler, tracing apart.',
      '- Times are from run_together\'s common start to each command\'s exit, medians of the runs; "compiles per minute" is the loop\'s throughput.',
    ];

    return [
      `A tree shaped like a build's output, ${formatNumber(directories)} directories × ${formatNumber(filesPerDirectory)} empty files ` +
        `(${formatNumber(expected)} entries), is deleted by ${code('rm -rf')} while a compiler loop runs: ${compiles} × ${code('gcc -O2 -c')} of a generated unit ` +
        `of ${functionsPerUnit} functions, one after the other. ${code('build/bench/run_together')} starts both at the same moment; the tracers are pointed at the build tree ` +
        `(strace -f runs both, as it would a build script). Tracers interleaved, ${repetitions} rounds, with a run of the compiler loop alone in each round.`,
      '',
      table(
        ['tracer', 'deletion s', '× untraced', 'compiler loop s', '× untraced', 'compiler +s', 'compiles per minute', 'recorded / deleted (worst run)', 'lost (all runs)', 'tracer CPU s', 'peak RSS'],
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
