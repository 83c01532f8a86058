// The report's word on scale beyond the machine it ran on: what a run with
// as many deleters as a large machine has cores would show, and the command
// that measures it there, since a 2-core machine cannot.
import type { MachineDescription } from './machine';
import { code } from './markdown';
import { benchSettings, type BenchSettings } from './settings';
import { formatNumber } from './stats';

/** The machine size the scale question is about. */
const LARGE_MACHINE_CORES = 16;
/** The issue's target there: as many deleters as cores, each deleting this many files, none of them lost. */
const TARGET_FILES_PER_DELETER = 25_000;

/** The scale target as the report states it. */
export function scaleTarget(): string {
  return (
    `${LARGE_MACHINE_CORES} deleters × ${formatNumber(TARGET_FILES_PER_DELETER)} files on a ${LARGE_MACHINE_CORES}-core machine ` +
    'at default settings: 0 lost, in both modes'
  );
}

/** Why this run's parallel deleters are not the scale target's, or undefined where they are. */
export function scaleNotMeasured(settings: BenchSettings, cores: number): string | undefined {
  const { deleters, directoriesPerDeleter, filesPerDirectory } = settings.parallelDeleters;
  if (cores < LARGE_MACHINE_CORES) {
    return `no machine with ${LARGE_MACHINE_CORES} cores was available to this run (it ran on ${cores} cores with ${deleters} parallel deleters)`;
  }
  if (deleters < LARGE_MACHINE_CORES || directoriesPerDeleter * filesPerDirectory < TARGET_FILES_PER_DELETER) {
    return `this run had ${cores} cores, but ${deleters} parallel deleters of ${formatNumber(directoriesPerDeleter * filesPerDirectory)} files each (BENCH_DELETERS, BENCH_QUICK)`;
  }
  return undefined;
}

export function scaleSection(settings: BenchSettings, machine: MachineDescription): string {
  const ranHere = settings.only === undefined || settings.only.has('parallel-deleters');
  const notMeasured = scaleNotMeasured(settings, machine.cores);
  if (ranHere && notMeasured === undefined) {
    return (
      `This run had ${machine.cores} cores and ${settings.parallelDeleters.deleters} parallel deleters: ` +
      'the sections "Parallel deleters" and "Ring-buffer size against loss" above are the measurement.'
    );
  }
  // The command runs the full suite's sizes (no BENCH_QUICK), whatever this run's were.
  const { deleters, directoriesPerDeleter, filesPerDirectory } = benchSettings({
    BENCH_DELETERS: String(LARGE_MACHINE_CORES),
  }).parallelDeleters;
  return (
    `**Not measured**: ${notMeasured ?? 'the parallel deleters were not run (BENCH_ONLY)'}. The target is ${scaleTarget()}. ` +
    `On such a machine, as root after ${code('npm run setup')}: ` +
    `${code(`BENCH_ONLY=parallel-deleters,ring-buffer BENCH_DELETERS=${deleters} BENCH_REPORT=build/bench/BENCHMARKS.${LARGE_MACHINE_CORES}-cores.md npm run bench`)} ` +
    `(${deleters} × rm -rf of ${formatNumber(directoriesPerDeleter)} directories × ${formatNumber(filesPerDirectory)} files each, every tracer and ours in both modes ` +
    "at default settings, then the ring buffer at each size): it answers whether the addon's drain thread and its queue keep up with as many deleters as cores, " +
    'and how large a ring buffer the thread then needs to lose nothing.'
  );
}
