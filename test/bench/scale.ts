// The report's word on scale beyond the machine it ran on: what a run with
// as many deleters as a large machine has cores would show, and the command
// that measures it there, since a 2-core machine cannot.
import type { MachineDescription } from './machine';
import { code } from './markdown';
import { formatNumber } from './stats';
import type { BenchSettings } from './settings';

/** The machine size the scale question is about. */
const LARGE_MACHINE_CORES = 16;

export function scaleSection(settings: BenchSettings, machine: MachineDescription): string {
  const { deleters, directoriesPerDeleter, filesPerDirectory } = settings.parallelDeleters;
  const ranHere = settings.only === undefined || settings.only.has('parallel-deleters');
  const measured =
    ranHere && machine.cores >= LARGE_MACHINE_CORES && deleters >= LARGE_MACHINE_CORES
      ? `This run had ${machine.cores} cores and ${deleters} parallel deleters: the section "Parallel deleters" above is the measurement.`
      : `**Not measured**: no machine with ${LARGE_MACHINE_CORES} cores was available to this run (it ran on ${machine.cores} cores with ${deleters} parallel deleters). ` +
        `On such a machine, as root after ${code('npm run setup')}: ` +
        `${code(`BENCH_ONLY=parallel-deleters BENCH_DELETERS=${LARGE_MACHINE_CORES} BENCH_REPORT=build/bench/BENCHMARKS.${LARGE_MACHINE_CORES}-cores.md npm run bench`)} ` +
        `(${LARGE_MACHINE_CORES} × rm -rf of ${formatNumber(directoriesPerDeleter * filesPerDirectory)} files each, every tracer).`;
  return [
    measured,
    '',
    'Ring-buffer size against loss: **not measured**. The helper creates its ring buffer at the default of DeletionTracer ' +
      '(16 MiB, ring_buffer_bytes in native/src/deletion_tracer.h; the addon takes ringBufferBytes), and neither the terminal command nor ' +
      'initialize lets a user choose another, so the suite has no size to vary. The storms above give the loss at the default size on this machine; ' +
      'the question is open where many deleters on many cores fill it faster than one helper thread empties it.',
  ].join('\n');
}
