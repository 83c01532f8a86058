// How much kernel memory the ring buffer needs so that nothing is lost: the
// parallel deleters' storm, the hardest load of the suite, traced with the
// ring buffer at each size in turn (SYSCALL_TRACE_RING_BUFFER_BYTES). Where
// deletions come faster than the helper takes them, the ring buffer holds
// the difference; what does not fit, the kernel counts as lost.
import * as fs from 'node:fs';
import * as os from 'node:os';

import { CHOICE_FOR_PROGRAMS } from '../../common/protocol';
import { RING_BUFFER_BYTES_VARIABLE } from '../../helper/deletionTracer';
import type { BenchContext } from './benchmark';
import { code, section, shellCommand, table } from './markdown';
import { parallelDeletersWorkload } from './parallelDeletersWorkload';
import { formatMebibytes, formatNumber } from './stats';
import { completeness, everyDeletionRecorded, medianWall, peakRssText, totalLost } from './stormFigures';
import { measureStormRounds } from './stormRuns';
import { DEFAULT_PROGRAMS, syscallTrace } from './tracers';
import { freshWorkDirectory } from './workDirectory';

export async function ringBuffer(context: BenchContext): Promise<string> {
  const { deleters, directoriesPerDeleter, filesPerDirectory } = context.settings.parallelDeleters;
  const { sizes, repetitions } = context.settings.ringBuffer;
  const workDirectory = freshWorkDirectory(context.settings, 'ring-buffer');
  const workload = parallelDeletersWorkload(context, workDirectory);
  const runs = await measureStormRounds(context, {
    label: 'ring buffer',
    entries: sizes,
    tracer: (size) => syscallTrace(context.helperScript, DEFAULT_PROGRAMS, size),
    entryName: (size) => formatMebibytes(size),
    repetitions,
    ...workload,
  });
  fs.rmSync(workDirectory, { recursive: true, force: true });

  const rows = sizes.map((size) => {
    const all = runs.get(size)!;
    return [formatSize(size), formatNumber(medianWall(all), 2), completeness(all), formatNumber(totalLost(all)), peakRssText(all)];
  });
  const lossless = sizes.filter((size) => totalLost(runs.get(size)!) === 0 && everyDeletionRecorded(runs.get(size)!));
  const smallestLossless = lossless.length ? Math.min(...lossless) : undefined;
  const reading = [
    `- ${deleters} deleters on ${os.cpus().length} cores, ${formatNumber(runs.get(sizes[0])![0].expected)} deletions per run: ` +
      (smallestLossless === undefined
        ? '**every size lost deletions** in some run.'
        : `the smallest ring buffer that lost nothing in any of the ${repetitions} run(s) was **${formatSize(smallestLossless)}**` +
          (sizes.some((size) => size > smallestLossless && !lossless.includes(size)) ? ', though a larger one lost some (see the table).' : '.')),
    '- A loss is the kernel\'s count (the helper\'s stats line); the extension hears it as trace/lost and the Deletions view shows "N deletions lost by the kernel". ' +
      `The helper's resident memory counts the ring buffer twice (it is mapped twice in a row), so each MiB of ring buffer is 2 MiB of the helper's RSS; see "Helper cost".`,
  ];

  return section({
    description:
      `The parallel deleters' workload (${deleters} × ${code('rm -rf')} of ${formatNumber(directoriesPerDeleter * filesPerDirectory)} files, started together), ` +
      `traced by ${code(`${RING_BUFFER_BYTES_VARIABLE}=N node dist/helper.js trace --jsonl --mode ${CHOICE_FOR_PROGRAMS[DEFAULT_PROGRAMS]} --path DIR`)} (the programs of the default mode on this kernel) ` +
      `with its output to a file on tmpfs, so that the helper itself, not a slow reader, is what empties the ring buffer. ` +
      `Sizes interleaved, ${repetitions} round(s).`,
    tables: [table(['ring buffer', 'wall s', 'recorded / deleted (worst run)', 'lost (all runs)', 'helper peak RSS'], rows)],
    reading,
    commands: [
      `**Command**: ${code(`${RING_BUFFER_BYTES_VARIABLE}=N ${shellCommand(['node', 'dist/helper.js', 'trace', '--jsonl', '--mode', CHOICE_FOR_PROGRAMS[DEFAULT_PROGRAMS], '--path', workload.treesDirectory])} > OUT`)} ` +
        `while ${code('build/bench/run_together -- rm -rf TREE00 -- …')} runs.`,
    ],
  });
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}
