// A DeletionEvent as the recording keeps it, and back (docs/flight-recorder.md,
// "Recording"). A storm deletes many files of few directories by one
// process, so the directory's path and the process's facts are kept once in
// their own tables and a deletion row holds their ids, its file name and a
// few small integers: the bytes per recorded deletion are mostly the name.
// What is rare (undecodable bytes, a path seen otherwise from a container,
// a thread's own name) goes into one JSON column that is NULL otherwise. A
// rename is one row too: its destination is a directory id and a name in two
// columns that are NULL on every other deletion, and its facts are bits of
// `facts`.
import type { Ancestor, Container, DeletionEvent, DeletionSyscall } from '../../common/protocol';
import { messageOf } from '../../common/errors';
import { errnoName } from '../tracing/errno';

/** By their number in `facts`: version 2 had the first three only, in two bits that the third bit now extends. */
const SYSCALLS: readonly DeletionSyscall[] = ['unlink', 'unlinkat', 'rmdir', 'rename', 'renameat', 'renameat2'];
const ABIS: readonly string[] = ['x86_64', 'ia32', 'arm64', 'aarch32', 'io_uring'];
/** facts: an ABI that is not in ABIS, kept in `extra`. */
const OTHER_ABI = 15;

/** Bits of the `facts` column. */
const Facts = {
  directory: 1 << 0,
  complete: 1 << 1,
  resultUnknown: 1 << 2,
  syscallShift: 4,
  abiShift: 8,
  // A rename's, each optional boolean in two bits (optionalBits()).
  movedToCompleteShift: 12,
  replacedShift: 14,
  exchangedShift: 16,
  replacedUnknown: 1 << 18,
  /** renameFlags present, as RENAME_FLAGS' bits above it; flags it cannot say so are in `extra`. */
  renameFlags: 1 << 19,
  renameFlagsShift: 20,
} as const;

/** renameat2's flags in the kernel's order (1, 2, 4), each a bit above Facts.renameFlagsShift; listed in another order, they are kept in `extra`. */
const RENAME_FLAGS: readonly string[] = ['RENAME_NOREPLACE', 'RENAME_EXCHANGE', 'RENAME_WHITEOUT'];

/** An optional boolean as two bits: 0 absent, 1 false, 3 true. */
function optionalBits(value: boolean | undefined, shift: number): number {
  return value === undefined ? 0 : (value ? 3 : 1) << shift;
}

function optionalOfBits(facts: number, shift: number): boolean | undefined {
  const bits = (facts >> shift) & 3;
  return bits === 0 ? undefined : bits === 3;
}

/** renameFlags as bits above Facts.renameFlagsShift, or undefined where bits cannot say them as they are. */
function renameFlagBits(flags: readonly string[]): number | undefined {
  let bits = 0;
  let last = -1;
  for (const flag of flags) {
    const index = RENAME_FLAGS.indexOf(flag);
    // Unknown, repeated or out of order: kept in `extra` as given.
    if (index <= last) return undefined;
    bits |= 1 << index;
    last = index;
  }
  return bits;
}

/** A path cut into the directory that holds it and its last name. */
export interface PathParts {
  directory: string;
  name: string;
}

/**
 * "/a/b" → "/a" and "b"; "/b" → "/" and "b"; "…/b" → "…" and "b". A path
 * without a slash (none is reported so) keeps it all as its name.
 */
export function splitPath(path: string): PathParts {
  const slash = path.lastIndexOf('/');
  if (slash < 0) return { directory: '', name: path };
  return { directory: slash === 0 ? '/' : path.slice(0, slash), name: path.slice(slash + 1) };
}

export function joinPath({ directory, name }: PathParts): string {
  if (directory === '') return name;
  return directory === '/' ? `/${name}` : `${directory}/${name}`;
}

/** The process's facts, one row for all the deletions that share them. */
export interface ProcessRow {
  pid: number;
  ppid: number;
  uid: number;
  comm: string;
  cmdline: readonly string[];
  ancestors: readonly Ancestor[];
  container: Container | undefined;
  mountNamespace: number;
  cgroupId: number;
}

export function processRowOf(event: DeletionEvent): ProcessRow {
  return {
    pid: event.pid,
    ppid: event.ppid,
    uid: event.uid,
    comm: event.comm,
    cmdline: event.cmdline,
    ancestors: event.ancestors,
    container: event.container,
    mountNamespace: event.mountNamespace,
    cgroupId: event.cgroupId,
  };
}

/** The columns of `processes` after its id, in order. */
export const PROCESS_COLUMNS = [
  'pid',
  'ppid',
  'uid',
  'comm',
  'cmdline',
  'ancestors',
  'container',
  'mount_namespace',
  'cgroup_id',
] as const;

export function processValues(row: ProcessRow): (string | number | null)[] {
  return [
    row.pid,
    row.ppid,
    row.uid,
    row.comm,
    JSON.stringify(row.cmdline),
    JSON.stringify(row.ancestors),
    row.container === undefined ? null : JSON.stringify(row.container),
    row.mountNamespace,
    row.cgroupId,
  ];
}

/** The rare fields, where any is present. */
interface Extra {
  pathBytes?: string;
  processPath?: string;
  processPathBytes?: string;
  threadName?: string;
  abi?: string;
  movedToBytes?: string;
  /** Rename flags that the bits of `facts` cannot say. */
  renameFlags?: string[];
}

/** Where a rename's destination is kept: its directory's id and its last name. */
export interface MovedToRow {
  directoryId: number;
  name: string;
}

/**
 * A batch of deletion rows, a column per field in the order of the
 * deletions table, for Statement.runColumns(): numbers in Float64Arrays,
 * which the addon reads in one step each.
 */
export class DeletionColumns {
  readonly seq: Float64Array;
  readonly time: Float64Array;
  readonly directoryId: Float64Array;
  readonly name: string[];
  readonly processId: Float64Array;
  readonly tid: Float64Array;
  readonly result: Float64Array;
  readonly facts: Float64Array;
  /** NULL where it is the name, as it mostly is (rm -rf, git clean: unlinkat relative to the directory). */
  readonly pathArg: (string | null)[];
  readonly extra: (string | null)[];
  /** The process's, again: size retention and a query by uid read it from the deletion's own index. */
  readonly uid: Float64Array;
  /** A rename's destination; NULL on every other deletion. */
  readonly movedToDirectoryId: (number | null)[];
  readonly movedToName: (string | null)[];

  constructor(readonly length: number) {
    this.seq = new Float64Array(length);
    this.time = new Float64Array(length);
    this.directoryId = new Float64Array(length);
    this.name = new Array<string>(length);
    this.processId = new Float64Array(length);
    this.tid = new Float64Array(length);
    this.result = new Float64Array(length);
    this.facts = new Float64Array(length);
    this.pathArg = new Array<string | null>(length);
    this.extra = new Array<string | null>(length);
    this.uid = new Float64Array(length);
    this.movedToDirectoryId = new Array<number | null>(length);
    this.movedToName = new Array<string | null>(length);
  }

  /** `movedTo`: where the rename's destination is kept; undefined for a deletion that is no rename. */
  set(
    row: number,
    event: DeletionEvent,
    timeMs: number,
    directoryId: number,
    name: string,
    processId: number,
    movedTo?: MovedToRow,
  ): void {
    this.seq[row] = event.seq;
    this.time[row] = timeMs;
    this.directoryId[row] = directoryId;
    this.name[row] = name;
    this.processId[row] = processId;
    this.tid[row] = event.tid;
    this.result[row] = event.result;
    let abi = ABIS.indexOf(event.abi);
    if (abi < 0) abi = OTHER_ABI;
    const flagBits = event.renameFlags === undefined ? undefined : renameFlagBits(event.renameFlags);
    this.facts[row] =
      (event.directory ? Facts.directory : 0) |
      (event.complete ? Facts.complete : 0) |
      (event.resultUnknown ? Facts.resultUnknown : 0) |
      (SYSCALLS.indexOf(event.syscall) << Facts.syscallShift) |
      (abi << Facts.abiShift) |
      optionalBits(event.movedToComplete, Facts.movedToCompleteShift) |
      optionalBits(event.replaced, Facts.replacedShift) |
      optionalBits(event.exchanged, Facts.exchangedShift) |
      (event.replacedUnknown ? Facts.replacedUnknown : 0) |
      (flagBits === undefined ? 0 : Facts.renameFlags | (flagBits << Facts.renameFlagsShift));
    this.pathArg[row] = event.pathArg === name ? null : event.pathArg;
    this.extra[row] = extraOf(event, abi === OTHER_ABI, event.renameFlags !== undefined && flagBits === undefined);
    this.uid[row] = event.uid;
    this.movedToDirectoryId[row] = movedTo?.directoryId ?? null;
    this.movedToName[row] = movedTo?.name ?? null;
  }

  /** The columns in the order of DELETION_INSERT. */
  columns(): (Float64Array | (string | number | null)[])[] {
    return [
      this.seq,
      this.time,
      this.directoryId,
      this.name,
      this.processId,
      this.tid,
      this.result,
      this.facts,
      this.pathArg,
      this.extra,
      this.uid,
      this.movedToDirectoryId,
      this.movedToName,
    ];
  }
}

/** The statement DeletionColumns.columns() are run with. */
export const DELETION_INSERT =
  'INSERT INTO deletions (seq, time, directory_id, name, process_id, tid, result, facts, path_arg, extra, uid, moved_to_directory_id, moved_to_name) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** The tag that marks an error of a row that cannot be read back (eventOf(), processOfRow()). */
export class UnreadableRow extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what}: ${messageOf(cause)}`);
  }
}

/** The rare fields as JSON, or null where none is present. */
function extraOf(event: DeletionEvent, otherAbi: boolean, otherRenameFlags: boolean): string | null {
  if (
    !otherAbi &&
    !otherRenameFlags &&
    event.pathBytes === undefined &&
    event.processPath === undefined &&
    event.threadName === undefined &&
    event.movedToBytes === undefined
  ) {
    return null;
  }
  const extra: Extra = {};
  if (otherAbi) extra.abi = event.abi;
  if (event.pathBytes !== undefined) extra.pathBytes = event.pathBytes;
  if (event.processPath !== undefined) extra.processPath = event.processPath;
  if (event.processPathBytes !== undefined) extra.processPathBytes = event.processPathBytes;
  if (event.threadName !== undefined) extra.threadName = event.threadName;
  if (event.movedToBytes !== undefined) extra.movedToBytes = event.movedToBytes;
  if (otherRenameFlags) extra.renameFlags = event.renameFlags;
  return JSON.stringify(extra);
}

/**
 * The SQL that reads deletions back, in the order eventOf() takes; their
 * directories and processes are read apart (DIRECTORIES_SELECT,
 * PROCESSES_SELECT), once each for a page of thousands of deletions that
 * share a few of them, rather than joined to every row.
 */
export const DELETION_SELECT =
  'SELECT d.seq, d.time, d.directory_id, d.name, d.tid, d.result, d.facts, d.path_arg, d.extra, d.process_id, d.moved_to_directory_id, d.moved_to_name FROM deletions d';
/** DELETION_SELECT from a recording of a schema before 3, which has no renames (the history command reads it as it is). */
export const DELETION_SELECT_WITHOUT_RENAMES =
  'SELECT d.seq, d.time, d.directory_id, d.name, d.tid, d.result, d.facts, d.path_arg, d.extra, d.process_id, NULL, NULL FROM deletions d';
/** Directories by id, from a JSON array of ids. */
export const DIRECTORIES_SELECT = 'SELECT id, path FROM directories WHERE id IN (SELECT value FROM json_each(?))';
/** Processes by id, from a JSON array of ids: the id, then PROCESS_COLUMNS. */
export const PROCESSES_SELECT = `SELECT id, ${PROCESS_COLUMNS.join(', ')} FROM processes WHERE id IN (SELECT value FROM json_each(?))`;

/** A deletion row's directory and process ids, and its destination's directory id where it is a rename. */
export function idsOfRow(row: readonly unknown[]): {
  directoryId: number;
  processId: number;
  movedToDirectoryId: number | null;
} {
  return { directoryId: row[2] as number, processId: row[9] as number, movedToDirectoryId: row[10] as number | null };
}

/**
 * A deletion that succeeded, or whose result is unknown (reported whether or
 * not failures are wanted): an unknown result is 0 (docs/wire-protocol.md, "Types"),
 * so `result` alone tells, and the index on (directory_id, time, result)
 * answers it without reading the row.
 */
export const SUCCEEDED_SQL = 'd.result = 0';

/** A row of PROCESSES_SELECT, after its id. */
export function processOfRow(row: readonly unknown[]): ProcessRow {
  try {
    return processOf(row);
  } catch (error) {
    throw new UnreadableRow(`a process of pid ${String(row[0])}`, error);
  }
}

function processOf(row: readonly unknown[]): ProcessRow {
  const [pid, ppid, uid, comm, cmdline, ancestors, container, mountNamespace, cgroupId] = row as [
    number,
    number,
    number,
    string,
    string,
    string,
    string | null,
    number,
    number,
  ];
  return {
    pid,
    ppid,
    uid,
    comm,
    cmdline: JSON.parse(cmdline) as string[],
    ancestors: JSON.parse(ancestors) as Ancestor[],
    container: container === null ? undefined : (JSON.parse(container) as Container),
    mountNamespace,
    cgroupId,
  };
}

/**
 * A row of DELETION_SELECT, with its directory's path, its process and, for
 * a rename, its destination's directory's path: the event that was
 * recorded, field for field.
 */
export function eventOf(
  row: readonly unknown[],
  directory: string,
  process: ProcessRow,
  movedToDirectory?: string,
): DeletionEvent {
  try {
    return eventOfRow(row, directory, process, movedToDirectory);
  } catch (error) {
    throw new UnreadableRow(`deletion ${String(row[0])}`, error);
  }
}

function eventOfRow(
  row: readonly unknown[],
  directory: string,
  process: ProcessRow,
  movedToDirectory: string | undefined,
): DeletionEvent {
  const [seq, time, , name, tid, result, facts, pathArg, extraText, , , movedToName] = row as [
    number,
    number,
    number,
    string,
    number,
    number,
    number,
    string | null,
    string | null,
    number,
    number | null,
    string | null,
  ];
  const extra = extraText === null ? {} : (JSON.parse(extraText) as Extra);
  const abiIndex = (facts >> Facts.abiShift) & 0xf;
  const event: DeletionEvent = {
    seq,
    time: new Date(time).toISOString(),
    syscall: SYSCALLS[(facts >> Facts.syscallShift) & 0x7] ?? 'unlinkat',
    abi: abiIndex === OTHER_ABI ? (extra.abi ?? 'unknown') : (ABIS[abiIndex] ?? 'unknown'),
    directory: (facts & Facts.directory) !== 0,
    path: joinPath({ directory, name }),
    pathArg: pathArg ?? name,
    complete: (facts & Facts.complete) !== 0,
    mountNamespace: process.mountNamespace,
    result,
    pid: process.pid,
    tid,
    ppid: process.ppid,
    uid: process.uid,
    cgroupId: process.cgroupId,
    comm: process.comm,
    // The process's arrays, shared by its events, as the helper's live events share them.
    cmdline: process.cmdline as string[],
    ancestors: process.ancestors as Ancestor[],
  };
  if (extra.pathBytes !== undefined) event.pathBytes = extra.pathBytes;
  if (extra.processPath !== undefined) event.processPath = extra.processPath;
  if (extra.processPathBytes !== undefined) event.processPathBytes = extra.processPathBytes;
  if (process.container !== undefined) event.container = process.container;
  if (result < 0) event.error = errnoName(result);
  if ((facts & Facts.resultUnknown) !== 0) event.resultUnknown = true;
  if (extra.threadName !== undefined) event.threadName = extra.threadName;
  if (movedToName !== null) {
    if (movedToDirectory === undefined) throw new Error(`its destination's directory ${String(row[10])} is missing`);
    event.movedTo = joinPath({ directory: movedToDirectory, name: movedToName });
  }
  addRenameFacts(event, facts, extra);
  return event;
}

/** The fields of a rename that `facts` and `extra` hold. */
function addRenameFacts(event: DeletionEvent, facts: number, extra: Extra): void {
  if (extra.movedToBytes !== undefined) event.movedToBytes = extra.movedToBytes;
  const movedToComplete = optionalOfBits(facts, Facts.movedToCompleteShift);
  if (movedToComplete !== undefined) event.movedToComplete = movedToComplete;
  const replaced = optionalOfBits(facts, Facts.replacedShift);
  if (replaced !== undefined) event.replaced = replaced;
  if ((facts & Facts.replacedUnknown) !== 0) event.replacedUnknown = true;
  const exchanged = optionalOfBits(facts, Facts.exchangedShift);
  if (exchanged !== undefined) event.exchanged = exchanged;
  if (extra.renameFlags !== undefined) event.renameFlags = extra.renameFlags;
  else if ((facts & Facts.renameFlags) !== 0)
    event.renameFlags = RENAME_FLAGS.filter((_, index) => (facts >> (Facts.renameFlagsShift + index)) & 1);
}
