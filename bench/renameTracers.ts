// The tracers of the deletion storms (tracers.ts) pointed at renames instead:
// ours unchanged, counting its events that carry movedTo; strace, bpftrace
// and inotifywait with the rename syscalls and inotify's move events in place
// of the deletion syscalls and delete events. A "deleter" here is the process
// that renames, and `recorded` counts its renames.
import { isAtOrBelow } from '../common/directories';
import { startProcess, stopProcess, waitUntilReady } from './childProcesses';
import { shellCommand } from './markdown';
import { bpftraceOn, readLines, straceOn, type Deleter, type Tracer } from './tracers';

const RENAME_SYSCALLS = ['rename', 'renameat', 'renameat2'];

/** Ours as it is, its renames counted: the lines whose movedTo is set, of the renamer, succeeded, from within the directory. */
export function countingRenames(ours: Tracer): Tracer {
  return {
    ...ours,
    async start(target) {
      const trace = await ours.start(target);
      return {
        ...trace,
        async stop(renamer) {
          const outcome = await trace.stop(renamer);
          return { ...outcome, recorded: renamer ? await renamesInOutput(target.outputFile, renamer) : null };
        },
      };
    },
  };
}

async function renamesInOutput(file: string, renamer: Deleter): Promise<number> {
  let renames = 0;
  const renamerPids = new Set(renamer.pids);
  for await (const line of readLines(file)) {
    const record = JSON.parse(line) as { type: string; path?: string; movedTo?: string; result?: number; pid?: number };
    if (
      record.type === 'deletion' &&
      record.movedTo !== undefined &&
      record.result === 0 &&
      renamerPids.has(record.pid ?? -1) &&
      isAtOrBelow(record.path ?? '', renamer.directory)
    )
      renames++;
  }
  return renames;
}

/** `strace -f` on the rename syscalls: one line per call, nothing lost (ptrace stops each call). */
export const straceOnRenames: Tracer = straceOn(RENAME_SYSCALLS);

/** The one-liner a bpftrace user would write: each rename's pid, comm and both path arguments, as they begin. */
export const bpftraceOnRenames: Tracer = bpftraceOn(
  RENAME_SYSCALLS,
  '{ printf("%d %s %s %s\\n", pid, comm, str(args->oldname), str(args->newname)); }',
);

/**
 * inotify watches on every directory of the tree. A rename within the tree is
 * two events, MOVED_FROM in the source's directory and MOVED_TO in the
 * destination's, joined by one cookie: a rename counts as recorded where both
 * came. Like the deletions' inotifywait it reports no loss and no process.
 */
export const inotifywaitOnRenames: Tracer = {
  name: 'inotifywait -m -r',
  attaches: 'an inotify watch on each directory of the tree',
  command: (target) => shellCommand(inotifywaitArguments(target.directory, target.outputFile)),
  async start(target) {
    const watcher = startProcess(inotifywaitArguments(target.directory, target.outputFile), 'text');
    await waitUntilReady(watcher, 'inotifywait', () => watcher.stderrTail().includes('Watches established.'));
    return {
      pid: watcher.pid,
      wrap: (workload) => [...workload],
      async stop(renamer) {
        await stopProcess(watcher, 'SIGINT', 'inotifywait');
        const movedFrom = new Set<string>();
        const movedTo = new Set<string>();
        for await (const line of readLines(target.outputFile)) {
          // "MOVED_FROM 1234 /root/d0000/f000001", "MOVED_TO 1234 /root/d0000/g000001"
          const [events, cookie, file] = line.split(' ', 3);
          if (!renamer || !isAtOrBelow(file ?? '', renamer.directory)) continue;
          if (events.split(',').includes('MOVED_FROM')) movedFrom.add(cookie);
          else if (events.split(',').includes('MOVED_TO')) movedTo.add(cookie);
        }
        const recorded = [...movedTo].filter((cookie) => movedFrom.has(cookie)).length;
        return { recorded: renamer ? recorded : null, lost: null, lossUnreported: true };
      },
    };
  },
};

function inotifywaitArguments(directory: string, outputFile: string): string[] {
  return [
    'inotifywait',
    '-m',
    '-r',
    '-e',
    'moved_from',
    '-e',
    'moved_to',
    '--format',
    '%e %c %w%f',
    '-o',
    outputFile,
    directory,
  ];
}
