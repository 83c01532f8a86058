// A rename reaches the helper as two kernel records, one after the other
// from the same thread (bpf/renames.bpf.h): its destination's, then its
// source's. This file joins them, and says from the kernel's facts what the
// rename did to whatever was at its destination (docs/kernel-programs.md, "Renames").
import { RENAME_SYSCALLS, type DeletionEvent } from '../../common/protocol';
import type { RecordLayout } from '../native';
import type { ResolvedPath } from '../paths/kernelPaths';
import type { DeletionRecord } from './records';

/** A destination resolved on arrival: its record's batch is not held for it. */
export interface RenameDestination {
  resolved: ResolvedPath;
  /** The kernel met a traced folder above it. */
  inScope: boolean;
}

/**
 * Destinations waiting for their source's record, which comes next from the
 * same thread, at most a few records later. One whose source was lost (the
 * ring buffer or the queue was full) would wait forever: the oldest go once
 * this many wait.
 */
const WAITING_MAX = 1024;

export class RenameDestinations {
  private readonly waiting = new Map<string, RenameDestination>();

  keep(record: DeletionRecord, destination: RenameDestination): void {
    if (this.waiting.size >= WAITING_MAX) this.waiting.delete(this.waiting.keys().next().value as string);
    this.waiting.set(callOf(record), destination);
  }

  /** The destination of the rename whose source record this is, where it came. */
  take(source: DeletionRecord): RenameDestination | undefined {
    const key = callOf(source);
    const destination = this.waiting.get(key);
    this.waiting.delete(key);
    return destination;
  }
}

/** A call of one thread: its two records share its thread and its start. */
function callOf(record: DeletionRecord): string {
  return `${record.tid}/${record.startNs}`;
}

/** Whether the record is a rename's source record, which carries the rename. */
export function isRenameSource(record: DeletionRecord): boolean {
  return (RENAME_SYSCALLS as readonly string[]).includes(record.syscall);
}

export function isRenameDestination(record: DeletionRecord, layout: RecordLayout): boolean {
  return (record.rename & layout.renameFacts.destination) !== 0;
}

/** include/uapi/linux/fs.h: renameat2's flags, by name. */
const RENAME_FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [1, 'RENAME_NOREPLACE'],
  [2, 'RENAME_EXCHANGE'],
  [4, 'RENAME_WHITEOUT'],
];
const RENAME_NOREPLACE = 1;
const RENAME_EXCHANGE = 2;

export type RenameOutcome = Pick<DeletionEvent, 'replaced' | 'replacedUnknown' | 'exchanged' | 'renameFlags'>;

/**
 * What a rename did to the file at its destination, from the kernel's facts
 * (`rename`, enum rename_facts) and its result. Replaced only where the
 * cache held a file there as the call began and the call worked; not where
 * nothing could be there (RENAME_NOREPLACE, RENAME_EXCHANGE, the same file,
 * a failure); and unknown, never a guess, where the cache could not say.
 */
export function renameOutcome(
  rename: number,
  result: number,
  resultUnknown: boolean,
  layout: RecordLayout,
): RenameOutcome {
  const facts = layout.renameFacts;
  const flags = rename & facts.flags;
  // A failed exchange swapped nothing; its renameFlags still say what was asked.
  const exchanged = (flags & RENAME_EXCHANGE) !== 0 && result >= 0;
  const outcome: RenameOutcome = { exchanged };
  const names = RENAME_FLAG_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name);
  if (names.length > 0) outcome.renameFlags = names;
  const nothingReplaced =
    result < 0 ||
    (flags & RENAME_EXCHANGE) !== 0 ||
    (flags & RENAME_NOREPLACE) !== 0 ||
    (rename & facts.sameFile) !== 0 ||
    (rename & facts.targetAbsent) !== 0;
  if (nothingReplaced) outcome.replaced = false;
  else if ((rename & facts.targetExisted) !== 0 && !resultUnknown) outcome.replaced = true;
  else outcome.replacedUnknown = true;
  return outcome;
}
