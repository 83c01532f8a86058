// How much kernel memory the ring buffer needs so that nothing is lost: the
// parallel deleters' storm, the hardest load of the suite, traced with the
// ring buffer at each size in turn (SYSCALL_TRACE_RING_BUFFER_BYTES). Where
// deletions come faster than the helper takes them, the ring buffer holds
// the difference; what does not fit, the kernel counts as lost.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { RING_BUFFER_BYTES_VARIABLE } from '../../helper/deletionTracer';
import { DEFAULT_ATTACH_MODE } from '../../common/protocol';
import type { Benchmark } from './benchmark';
import { makeDeletionTree } from './deletionTree';
import { code, shellCommand, table } from './markdown';
import { finishedCommands, runTogetherArgv } from './runTogether';
import { formatMebibytes, formatNumber, median } from './stats';
import { completeness, describeRun, maxOrNull, measureStormRun, totalLost, valuesOf, type StormRun } from './stormRuns';
import { syscallTrace, type TraceTarget } from './tracers';

export const ringBuffer: Benchmark = {
  id: 'ring-buffer',
  title: 'Ring-buffer size against loss',
  async run(context) {
    const { fixtures, settings } = context;
    const { deleters, directoriesPerDeleter, filesPerDirectory } = settings.parallelDeleters;
    const { sizes, repetitions } = settings.ringBuffer;
    const workDirectory = path.join(settings.treeDirectory, 'ring-buffer');
    const treesDirectory = path.join(workDirectory, 'trees');
    fs.rmSync(workDirectory, { recursive: true, force: true });
    fs.mkdirSync(treesDirectory, { recursive: true });
    const roots = Array.from({ length: deleters }, (_, index) => path.join(treesDirectory, `tree${String(index).padStart(2, '0')}`));
    const target: TraceTarget = { directory: treesDirectory, outputFile: path.join(workDirectory, 'trace.out') };
    const argv = runTogetherArgv(
      fixtures.runTogether,
      roots.map((root) => ['rm', '-rf', root]),
    );

    const runs = new Map<number, StormRun[]>(sizes.map((size) => [size, []]));
    for (let repetition = 1; repetition <= repetitions; repetition++) {
      for (const size of sizes) {
        const expected = roots.reduce((sum, root) => sum + makeDeletionTree(fixtures, root, directoriesPerDeleter, filesPerDirectory).entries, 0);
        let run: StormRun;
        try {
          run = await measureStormRun(context, syscallTrace(context.helperScript, DEFAULT_ATTACH_MODE, size), target, {
            argv,
            expected,
            deleters: (workload) => ({ pids: finishedCommands(workload.stdout).map((command) => command.pid), directory: treesDirectory }),
          });
        } finally {
          for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
        }
        runs.get(size)!.push(run);
        context.log(`ring buffer ${repetition}/${repetitions} ${formatMebibytes(size)}: ${describeRun(run)}`);
      }
    }
    fs.rmSync(workDirectory, { recursive: true, force: true });

    const rows = sizes.map((size) => {
      const all = runs.get(size)!;
      return [
        formatSize(size),
        formatNumber(median(all.map((run) => run.wallSeconds)), 2),
        completeness(all),
        formatNumber(totalLost(all)),
        formatMebibytes(maxOrNull(valuesOf(all, (run) => run.tracerPeakRssBytes))),
      ];
    });
    const lossless = sizes.filter((size) => totalLost(runs.get(size)!) === 0 && runs.get(size)!.every((run) => run.recorded === run.expected));
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

    return [
      `The parallel deleters' workload (${deleters} × ${code('rm -rf')} of ${formatNumber(directoriesPerDeleter * filesPerDirectory)} files, started together), ` +
        `traced by ${code(`${RING_BUFFER_BYTES_VARIABLE}=N node dist/helper.js trace --jsonl --mode ${DEFAULT_ATTACH_MODE} --path DIR`)} (the default mode) ` +
        `with its output to a file on tmpfs, so that the helper itself, not a slow reader, is what empties the ring buffer. ` +
        `Sizes interleaved, ${repetitions} round(s).`,
      '',
      table(['ring buffer', 'wall s', 'recorded / deleted (worst run)', 'lost (all runs)', 'helper peak RSS'], rows),
      '',
      '**Reading**',
      '',
      ...reading,
      '',
      `**Command**: ${code(`${RING_BUFFER_BYTES_VARIABLE}=N ${shellCommand(['node', 'dist/helper.js', 'trace', '--jsonl', '--mode', DEFAULT_ATTACH_MODE, '--path', treesDirectory])} > OUT`)} ` +
        `while ${code('build/bench/run_together -- rm -rf TREE00 -- …')} runs.`,
    ].join('\n');
  },
};

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}
