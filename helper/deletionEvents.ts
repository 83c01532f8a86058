// A kernel deletion record, made into the DeletionEvent users see.
import type { DeletionEvent, DeletionSyscall } from '../common/protocol';
import type { WallClock } from './clock';
import { errnoName } from './errno';
import type { RecordLayout } from './native';
import { binaryOf, resolveDeletionPath, UNKNOWN_START, type RealDirectory, type ResolvedPath, type TextWithBytes } from './paths';
import type { ProcessInfo } from './processes';
import type { DeletionRecord } from './records';

const UNREADABLE_PATH = binaryOf(UNKNOWN_START);

export function deletionPath(record: DeletionRecord, layout: RecordLayout, realDirectory: RealDirectory): ResolvedPath {
  const flags = layout.deletionFlags;
  if (record.flags & flags.pathUnreadable) {
    // The argument is unknown: nothing about the path is.
    return { binary: UNREADABLE_PATH, complete: false };
  }
  const relative = (record.flags & flags.relative) !== 0;
  const resolved = resolveDeletionPath(
    {
      pathArg: record.pathArg,
      directoryNames: relative ? record.directoryNames : undefined,
      directoryComplete: (record.flags & flags.directoryIncomplete) === 0,
    },
    realDirectory,
  );
  if (record.flags & flags.pathTruncated) resolved.complete = false;
  return resolved;
}

/** `path` is the text of `resolved` (paths.ts, textOfBinary), which the scope check needed first. */
export function toDeletionEvent(
  seq: number,
  record: DeletionRecord,
  resolved: ResolvedPath,
  path: TextWithBytes,
  process: ProcessInfo | undefined,
  layout: RecordLayout,
  clock: WallClock,
): DeletionEvent {
  const event: DeletionEvent = {
    seq,
    time: clock.toIso(record.startNs),
    syscall: record.syscall as DeletionSyscall,
    abi: record.abi,
    directory: (record.flags & layout.deletionFlags.directory) !== 0,
    path: path.text,
    pathArg: record.pathArg.toString('utf8'),
    complete: resolved.complete,
    result: record.result,
    pid: record.process.tgid,
    tid: record.tid,
    ppid: record.ppid,
    uid: record.uid,
    cgroupId: Number(record.cgroupId),
    comm: record.comm.toString('utf8'),
    cmdline: process?.cmdline ?? [],
    ancestors: process?.ancestors ?? [],
  };
  if (path.base64 !== undefined) event.pathBytes = path.base64;
  if (record.result < 0) event.error = errnoName(record.result);
  return event;
}
