// The report's word on scale beyond the machine it ran on: what a run with
// as many deleters as a large machine has cores would show, and the command
// that measures it there, since a 2-core machine cannot.
import type { MachineDescription } from './machine';
import { code } from './markdown';
import type { BenchSettings } from './settings';
import { formatNumber } from './stats';

/** The machine size the scale question is about. */
const LARGE_MACHINE_CORES = 16;

export function scaleSection(settings: BenchSettings, machine: MachineDescription): string {
  const { deleters, directoriesPerDeleter, filesPerDirectory } = settings.parallelDeleters;
  const ranHere = settings.only === undefined || settings.only.has('parallel-deleters');
  if (ranHere && machine.cores >= LARGE_MACHINE_CORES && deleters >= LARGE_MACHINE_CORES) {
    return `This run had ${machine.cores} cores and ${deleters} parallel deleters: the sections "Parallel deleters" and "Ring-buffer size against loss" above are the measurement.`;
  }
  return (
    `**Not measured**: no machine with ${LARGE_MACHINE_CORES} cores was available to this run (it ran on ${machine.cores} cores with ${deleters} parallel deleters). ` +
    `On such a machine, as root after ${code('npm run setup')}: ` +
    `${code(`BENCH_ONLY=parallel-deleters,ring-buffer BENCH_DELETERS=${LARGE_MACHINE_CORES} BENCH_REPORT=build/bench/BENCHMARKS.${LARGE_MACHINE_CORES}-cores.md npm run bench`)} ` +
    `(${LARGE_MACHINE_CORES} × rm -rf of ${formatNumber(directoriesPerDeleter * filesPerDirectory)} files each, every tracer, then the ring buffer at each size): ` +
    'it answers whether one helper thread keeps up with as many deleters as cores, and how large a ring buffer it then needs to lose nothing.'
  );
}
