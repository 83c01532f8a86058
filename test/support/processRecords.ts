// The addon's deletion records of one process, for the tests that look at
// what the kernel sent (flags, directory ids, scope) and not only at the
// events the helper makes of it: decoded and made into paths by the
// helper's own code (records.ts, directoryNames.ts, deletionEvents.ts).
import { spawn } from 'node:child_process';
import * as readline from 'node:readline';

import type { AttachMode } from '../../common/protocol';
import { deletionPath } from '../../helper/tracing/deletionEvents';
import { DirectoryNames } from '../../helper/paths/directoryNames';
import { loadAddon, type DeletionPrograms } from '../../helper/native';
import { textOfBinary } from '../../helper/paths/kernelPaths';
import { decodeBatch, type DeletionRecord } from '../../helper/tracing/records';
import { suiteProgramSet } from './programSet';

const { layout } = loadAddon();
export const deletionFlags = layout.deletionFlags;

/** How the kernel named a record's directory. */
export type Naming = 'named' | 'known' | 'in full';

export interface SeenDeletion {
  naming: Naming;
  id: number;
  path: string;
  complete: boolean;
  flags: number;
}

export class ProcessRecords {
  readonly programs: DeletionPrograms;
  private readonly directories = new DirectoryNames(1024, () => this.programs.forgetDirectories());
  private readonly seen: SeenDeletion[] = [];
  /** The process whose deletions are kept; every other one's only pass through the directory names. */
  pid = -1;

  constructor(mode: AttachMode) {
    const { DeletionPrograms } = loadAddon();
    this.programs = new DeletionPrograms((batch) => this.take(batch), { attachMode: mode, ...suiteProgramSet() });
    this.programs.setReportFailed(false);
    this.programs.attach();
  }

  /** Everything the process's deletions brought: detaches, and takes what the ring buffer still holds. */
  collect(): SeenDeletion[] {
    this.programs.detach();
    while (!this.programs.deliverWaiting()) {
      // Paused by no one: deliverWaiting() returns true once it has taken everything.
    }
    return this.seen;
  }

  close(): void {
    this.programs.close();
  }

  private take(batch: Buffer): void {
    for (const record of decodeBatch(batch, layout)) {
      if (record.kind !== 'deletion') continue;
      const directory = this.directories.complete(
        record,
        deletionFlags.directoryNamed,
        deletionFlags.directoryKnown,
        deletionFlags.directoryIncomplete,
      );
      if (record.process.tgid !== this.pid || record.flags & deletionFlags.dropped) continue;
      const resolved = deletionPath(record, layout, () => undefined, directory);
      this.seen.push({
        naming: namingOf(record),
        id: record.directoryId,
        path: textOfBinary(resolved.binary).text,
        complete: resolved.complete,
        flags: record.flags,
      });
    }
  }
}

function namingOf(record: DeletionRecord): Naming {
  if (record.flags & deletionFlags.directoryNamed) return 'named';
  if (record.flags & deletionFlags.directoryKnown) return 'known';
  return 'in full';
}

export interface StepDeleter {
  pid: number;
  /** One line to test/fixtures/step_deleter.c; rejects unless it answered "ok". */
  do(line: string): Promise<void>;
  end(): Promise<void>;
}

export function startStepDeleter(program: string): StepDeleter {
  const child = spawn(program, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answers = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    pid: child.pid!,
    async do(line: string): Promise<void> {
      child.stdin.write(`${line}\n`);
      const answer = await answers.next();
      if (answer.done || answer.value !== 'ok')
        throw new Error(`step_deleter: "${line}" gave ${answer.done ? 'no answer' : answer.value}`);
    },
    end(): Promise<void> {
      child.stdin.end();
      return closed;
    },
  };
}

/** Runs `steps` in a fresh step_deleter while its records are taken, and returns what its deletions brought. */
export async function recordSteps(
  mode: AttachMode,
  program: string,
  steps: (deleter: StepDeleter, records: ProcessRecords) => Promise<void>,
): Promise<SeenDeletion[]> {
  const records = new ProcessRecords(mode);
  const deleter = startStepDeleter(program);
  records.pid = deleter.pid;
  try {
    await steps(deleter, records);
    await deleter.end();
    return records.collect();
  } finally {
    records.close();
  }
}
