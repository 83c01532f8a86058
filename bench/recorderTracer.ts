// The flight recorder as a tracer of the storms: `node dist/helper.js record`
// on a database and socket of the benchmark's own, tracing the whole system
// as the installed service does. What it recorded is counted in its
// database once it has stopped (and so committed everything), not in any
// output: a deletion counts only if the recording holds it.
import * as fs from 'node:fs';

import { isAtOrBelow } from '../common/directories';
import { ensureRecorderAccount } from '../helper/recorder/accountSetup';
import { Recording } from '../helper/recorder/recording';
import { startProcess, stopProcess, waitUntilReady } from './childProcesses';
import { shellCommand } from './markdown';
import type { Deleter, TraceTarget, Tracer } from './tracers';

/** What the recorder says as it ends: its loss (the kernel's and its queue's) and what it could not write. */
const STOPPED_LINE = /stopped: (\d+) deletions recorded, (\d+) lost, (\d+) unrecorded/;

export function flightRecorder(helperScript: string): Tracer {
  // In a directory the recorder makes its own account's (accountSetup.ts): one left by an earlier run is removed first.
  const directory = (target: TraceTarget): string => `${target.outputFile}.recorder`;
  const files = (target: TraceTarget): { db: string; socket: string } => ({
    db: `${directory(target)}/deletions.db`,
    socket: `${directory(target)}/recorder.sock`,
  });
  const argv = (target: TraceTarget): string[] => {
    const { db, socket } = files(target);
    return [
      'node',
      helperScript,
      'record',
      '--db',
      db,
      '--socket',
      socket,
      '--retain-days',
      '3650',
      '--retain-mib',
      '1000000',
    ];
  };
  return {
    name: 'Syscall Trace recorder (record, into SQLite)',
    attaches: 'as ours in the default mode, for the whole system',
    command: (target) => shellCommand(argv(target)),
    async start(target) {
      const { db } = files(target);
      ensureRecorderAccount();
      fs.rmSync(directory(target), { recursive: true, force: true });
      const recorder = startProcess(argv(target), 'text');
      await waitUntilReady(recorder, 'the recorder', () =>
        recorder.stderrTail().includes('syscall-trace: recording deletions into'),
      );
      return {
        pid: recorder.pid,
        wrap: (workload) => [...workload],
        async stop(deleter) {
          await stopProcess(recorder, 'SIGTERM', 'the recorder');
          const stopped = STOPPED_LINE.exec(recorder.stderrTail());
          const lost = stopped === null ? null : Number(stopped[2]) + Number(stopped[3]);
          return { recorded: deleter === undefined ? null : countRecorded(db, deleter), lost };
        },
      };
    },
  };
}

/** The deleters' successful deletions the recording holds, each with the right process and path. */
function countRecorded(db: string, deleter: Deleter): number {
  const recording = Recording.openForReading(db);
  const pids = new Set(deleter.pids);
  let recorded = 0;
  try {
    for (const event of recording.iterate({ scope: { paths: [deleter.directory] }, includeFailed: false })) {
      if (pids.has(event.pid) && isAtOrBelow(event.path, deleter.directory)) recorded++;
    }
  } finally {
    recording.close();
  }
  return recorded;
}
