// A kernel deletion record, made into the DeletionEvent users see.
import type { DeletionEvent, DeletionSyscall } from '../../common/protocol';
import type { KnownDirectory } from '../paths/directoryNames';
import type { WallClock } from './clock';
import { errnoName } from './errno';
import type { RecordLayout } from '../native';
import {
  binaryOf,
  directoryFromNames,
  resolveDeletionPath,
  textOfBinary,
  UNKNOWN_START,
  type HostPathOf,
  type ResolvedPath,
  type TextWithBytes,
} from '../paths/kernelPaths';
import type { ProcessInfo } from './processes';
import type { DeletionRecord } from './records';
import { renameOutcome } from './renames';

const UNREADABLE_PATH = binaryOf(UNKNOWN_START);

/** `directory`: the kernel's directory of the record, named once for all its records (directoryNames.ts). */
export function deletionPath(
  record: DeletionRecord,
  layout: RecordLayout,
  hostPathOf: HostPathOf,
  directory?: KnownDirectory,
): ResolvedPath {
  const flags = layout.deletionFlags;
  if (record.flags & flags.pathUnreadable) {
    // The argument is unknown: nothing about the path is.
    return { binary: UNREADABLE_PATH, complete: false };
  }
  const resolved = resolveDeletionPath(
    {
      pathArg: record.pathArg,
      nameAt: record.nameAt,
      lookupFrom: record.lookupFrom,
      lookupFailed: (record.flags & flags.lookupFailed) !== 0,
      directoryNames: record.directoryNames,
      directoryPath: directory === undefined ? undefined : (directory.path ??= directoryFromNames(directory.names)),
      directoryComplete: (record.flags & flags.directoryIncomplete) === 0,
      namesBelowRoot: record.namesBelowRoot,
      foreign:
        (record.flags & flags.foreignNamespace) === 0
          ? undefined
          : {
              filesystemDev: record.filesystemDev,
              namesBelowMountRoot: record.namesBelowMountRoot,
              filesystemNames: record.filesystemNames,
              filesystemComplete: (record.flags & flags.filesystemPathIncomplete) === 0,
            },
    },
    hostPathOf,
  );
  if (record.flags & flags.pathTruncated) resolved.complete = false;
  return resolved;
}

/** `path` is the text of `resolved` (kernelPaths.ts, textOfBinary), which the scope check needed first. */
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
    pathArg: textOfBinary(record.pathArg).text,
    complete: resolved.complete,
    mountNamespace: record.mountNamespace,
    result: record.result,
    pid: record.process.tgid,
    tid: record.tid,
    ppid: record.ppid,
    uid: record.uid,
    cgroupId: record.cgroupId,
    comm: record.comm,
    cmdline: process?.cmdline ?? [],
    ancestors: process?.ancestors ?? [],
  };
  if (path.base64 !== undefined) event.pathBytes = path.base64;
  if (resolved.processBinary !== undefined) {
    const processPath = textOfBinary(resolved.processBinary);
    event.processPath = processPath.text;
    if (processPath.base64 !== undefined) event.processPathBytes = processPath.base64;
  }
  if (process?.container !== undefined) event.container = process.container;
  if (record.result < 0) event.error = errnoName(record.result);
  if (record.flags & layout.deletionFlags.resultNotPosted) event.resultUnknown = true;
  if (record.threadName !== record.comm) event.threadName = record.threadName;
  return event;
}

/** A rename's destination, as its event gives it; undefined where its record never came. */
export interface MovedTo {
  path: TextWithBytes;
  complete: boolean;
}

/** Makes the event of a rename's source record the rename's: where it went, and what it replaced. */
export function addRenameFields(
  event: DeletionEvent,
  record: DeletionRecord,
  movedTo: MovedTo | undefined,
  layout: RecordLayout,
): void {
  event.movedTo = movedTo?.path.text ?? UNKNOWN_START;
  if (movedTo?.path.base64 !== undefined) event.movedToBytes = movedTo.path.base64;
  event.movedToComplete = movedTo?.complete ?? false;
  Object.assign(event, renameOutcome(record.rename, record.result, event.resultUnknown === true, layout));
}
