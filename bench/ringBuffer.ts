// How much kernel memory the ring buffer needs so that nothing is lost: the
// parallel deleters' storm, the hardest load of the suite, traced with the
// ring buffer at each size in turn (SYSCALL_TRACE_RING_BUFFER_BYTES) and the
// addon's queue at its default. The addon's thread empties the ring buffer
// into the queue as fast as it is scheduled, so the ring buffer holds only
// what comes between two of its passes; what does not fit, the kernel counts
// as lost.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { CHOICE_FOR_PROGRAMS, QUEUE_MIB_DEFAULT } from '../common/protocol';
import { RING_BUFFER_BYTES_VARIABLE } from '../helper/tracing/deletionTracer';
import type { BenchContext } from './benchmark';
import { bpfMapsHeldBy } from './bpfMaps';
import { code, section, shellCommand, table } from './markdown';
import { parallelDeletersWorkload } from './parallelDeletersWorkload';
import { formatMebibytes, formatNumber } from './stats';
import { completeness, everyDeletionRecorded, medianWall, peakRssText, totalLost } from './stormFigures';
import { measureStormRounds } from './stormRuns';
import { DEFAULT_PROGRAMS, syscallTrace } from './tracers';
import { freshWorkDirectory, traceTarget } from './workDirectory';

/** The issue's target: the parallel deleters' 4 × 25,000 files with a 1 MiB ring buffer and the default queue lose nothing. */
const TARGET_RING_BUFFER_BYTES = 1 << 20;
const TARGET_DELETERS = 4;
const TARGET_FILES_PER_DELETER = 25_000;

export async function ringBuffer(context: BenchContext): Promise<string> {
  const { deleters, directoriesPerDeleter, filesPerDirectory } = context.settings.parallelDeleters;
  const { sizes, repetitions } = context.settings.ringBuffer;
  const workDirectory = freshWorkDirectory(context.settings, 'ring-buffer');
  const defaultBytes = await defaultRingBufferBytes(context, workDirectory);
  const workload = parallelDeletersWorkload(context, workDirectory);
  const runs = await measureStormRounds(context, {
    label: 'ring buffer',
    entries: sizes,
    tracer: (size) => syscallTrace(context.helperScript, DEFAULT_PROGRAMS, { ringBufferBytes: size }),
    entryName: (size) => formatMebibytes(size),
    repetitions,
    ...workload,
  });
  fs.rmSync(workDirectory, { recursive: true, force: true });

  const rows = sizes.map((size) => {
    const all = runs.get(size)!;
    return [
      `${formatSize(size)}${size === defaultBytes ? ' (default)' : ''}`,
      formatNumber(medianWall(all), 2),
      completeness(all),
      formatNumber(totalLost(all)),
      peakRssText(all),
    ];
  });
  const lossless = sizes.filter((size) => totalLost(runs.get(size)!) === 0 && everyDeletionRecorded(runs.get(size)!));
  const smallestLossless = lossless.length ? Math.min(...lossless) : undefined;
  const filesPerDeleter = directoriesPerDeleter * filesPerDirectory;
  const targetRuns = runs.get(TARGET_RING_BUFFER_BYTES);
  const defaultRuns = defaultBytes === undefined ? undefined : runs.get(defaultBytes);
  const reading = [
    `- Target: 0 lost for ${TARGET_DELETERS} deleters × ${formatNumber(TARGET_FILES_PER_DELETER)} files with a ${formatSize(TARGET_RING_BUFFER_BYTES)} ring buffer ` +
      `at the default queue settings. Measured${deleters === TARGET_DELETERS && filesPerDeleter === TARGET_FILES_PER_DELETER ? '' : ` (on ${deleters} × ${formatNumber(filesPerDeleter)} files instead)`}: ` +
      (targetRuns === undefined
        ? `nothing, this run had no ${formatSize(TARGET_RING_BUFFER_BYTES)} row.`
        : `${formatNumber(totalLost(targetRuns))} lost` +
          (everyDeletionRecorded(targetRuns) ? '' : `, ${completeness(targetRuns)} recorded in the worst run`) +
          ` — ${totalLost(targetRuns) === 0 && everyDeletionRecorded(targetRuns) ? '**met**' : '**not met**'}.`),
    `- ${deleters} deleters on ${os.cpus().length} cores, ${formatNumber(runs.get(sizes[0])![0].expected)} deletions per run: ` +
      (smallestLossless === undefined
        ? '**every size lost deletions** in some run.'
        : `the smallest ring buffer that lost nothing in any of the ${repetitions} run(s) was **${formatSize(smallestLossless)}**` +
          (sizes.some((size) => size > smallestLossless && !lossless.includes(size))
            ? ', though a larger one lost some (see the table).'
            : '.')),
    `- The addon's thread empties the ring buffer into its queue (${QUEUE_MIB_DEFAULT} MiB, the default of --queue-mib) as fast as the kernel fills it, ` +
      "whatever the helper's JavaScript is doing: the ring buffer only has to hold what comes between two passes of that thread, and the queue is where a storm waits. " +
      `So a loss here is the ring buffer filling before that thread was scheduled again (on ${os.cpus().length} cores it waits behind the deleters for one), ` +
      'unless the queue itself was full' +
      (defaultBytes === undefined
        ? '.'
        : defaultRuns === undefined
          ? `; the default size, ${formatSize(defaultBytes)}, was not among the sizes of this run.`
          : `; at the default size, ${formatSize(defaultBytes)}: ${formatNumber(totalLost(defaultRuns))} lost.`),
    "- A loss is counted where it happens, by the kernel (the ring buffer) or the addon (the queue), and reported as one figure (the helper's stats line); " +
      'the extension hears it as trace/lost and the Deletions view shows "N deletions lost by the kernel". ' +
      `The helper's resident memory counts the ring buffer twice (it is mapped twice in a row), so each MiB of ring buffer is 2 MiB of the helper's RSS; see "Helper cost".`,
  ];

  return section({
    description:
      `The parallel deleters' workload (${deleters} × ${code('rm -rf')} of ${formatNumber(directoriesPerDeleter * filesPerDirectory)} files, started together), ` +
      `traced by ${code(`${RING_BUFFER_BYTES_VARIABLE}=N node dist/helper.js trace --jsonl --mode ${CHOICE_FOR_PROGRAMS[DEFAULT_PROGRAMS]} --path DIR`)} (the programs of the default mode on this kernel) ` +
      `with the queue at its default and its output to a file on tmpfs, so that no slow reader holds the helper up: what is measured is whether the addon's thread ` +
      'empties the ring buffer in time. ' +
      `Sizes interleaved, ${repetitions} round(s).`,
    tables: [
      table(['ring buffer', 'wall s', 'recorded / deleted (worst run)', 'lost (all runs)', 'helper peak RSS'], rows),
    ],
    reading,
    commands: [
      `**Command**: ${code(`${RING_BUFFER_BYTES_VARIABLE}=N ${shellCommand(['node', 'dist/helper.js', 'trace', '--jsonl', '--mode', CHOICE_FOR_PROGRAMS[DEFAULT_PROGRAMS], '--path', workload.treesDirectory])} > OUT`)} ` +
        `while ${code('build/bench/run_together -- rm -rf TREE00 -- …')} runs.`,
    ],
  });
}

/** The ring buffer's size where nothing sets it: the ringbuf map of a helper started without SYSCALL_TRACE_RING_BUFFER_BYTES. */
async function defaultRingBufferBytes(context: BenchContext, workDirectory: string): Promise<number | undefined> {
  const directory = path.join(workDirectory, 'empty');
  fs.mkdirSync(directory);
  const target = traceTarget(workDirectory, directory);
  const trace = await syscallTrace(context.helperScript, DEFAULT_PROGRAMS).start(target);
  try {
    return bpfMapsHeldBy(trace.pid!).find((map) => map.type === 'ringbuf')?.maxEntries;
  } finally {
    await trace.stop();
    fs.rmSync(directory, { recursive: true, force: true });
    fs.rmSync(target.outputFile, { force: true });
  }
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}
