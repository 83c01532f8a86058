// Decodes the batches the addon delivers into the records of bpf/deletions.h.
// A batch is a run of (uint32 length, record bytes); every record starts with
// its kind. Byte buffers are views into the batch, not copies. The kernel and
// this code share a machine, so integers are in its (little-endian) order.
//
// A storm brings hundreds of thousands of records, so a deletion record is
// decoded with as few allocations as it can be: numbers that fit a double
// are read as two 32-bit halves rather than through a BigInt, names are
// decoded straight from the batch, and empty runs of names share one array.
import type { RecordLayout, StructLayout } from '../native';

/** One program image of one process: see struct process_key. */
export interface ProcessKey {
  tgid: number;
  execId: number;
  startTime: bigint;
}

export interface DeletionRecord {
  kind: 'deletion';
  syscall: string;
  abi: string;
  flags: number;
  dirfd: number;
  result: number;
  /** CLOCK_MONOTONIC at the call's entry, in nanoseconds (a double: exact to 128 ns after 30 years of uptime). */
  startNs: number;
  cgroupId: number;
  process: ProcessKey;
  tid: number;
  ppid: number;
  uid: number;
  /** Inode number of the process's mount namespace. */
  mountNamespace: number;
  /** The directory's file system (kernel dev_t encoding), for another mount namespace. */
  filesystemDev: number;
  /** The process's name (its main thread's), decoded as UTF-8. */
  comm: string;
  /** The deleting (or submitting) thread's name: `comm` itself where its bytes are the same. */
  threadName: string;
  /** The path argument as a binary string: one character per byte (latin1), so that no byte is lost. */
  pathArg: string;
  /** Where the deleted entry's own name starts in pathArg. */
  nameAt: number;
  /** Where the part of pathArg relative to the lookup's base starts. */
  lookupFrom: number;
  /**
   * The kernel's name for the directory where the record's flags say
   * directoryNamed (the names here are its) or directoryKnown (no names
   * here: they came with an earlier record; directoryNames.ts finds them); 0
   * otherwise. The deleting thread's id and its count of directories named.
   */
  directoryId: number;
  /** The directory's names, innermost first, up to where the kernel's walk ended. */
  directoryNames: readonly Buffer[];
  /** How many of directoryNames lie below the process's root; undefined if the walk never passed it. */
  namesBelowRoot: number | undefined;
  /** How many lie below the directory's mount root (read for another mount namespace only). */
  namesBelowMountRoot: number | undefined;
  /** From that mount root up to its file system's root, innermost first (another mount namespace only). */
  filesystemNames: readonly Buffer[];
  /** enum rename_facts: 0 for a deletion; for a rename, what its record says beyond one (renames.ts). */
  rename: number;
}

export interface Ancestor {
  pid: number;
  comm: Buffer;
}

export interface ProcessRecord {
  kind: 'process';
  process: ProcessKey;
  flags: number;
  /** Parent first. */
  ancestors: Ancestor[];
  /** argv, each argument as it ended at its NUL. */
  cmdline: Buffer[];
  /** The names of the process's cgroup directory and the one above it. */
  cgroupName: Buffer;
  cgroupParentName: Buffer;
}

export type TraceRecord = DeletionRecord | ProcessRecord;

/** A record that does not fit its own layout: a bug, never a user's doing. */
export class MalformedRecordError extends Error {}

const LENGTH_BYTES = 4;

export function decodeBatch(batch: Buffer, layout: RecordLayout): TraceRecord[] {
  const records: TraceRecord[] = [];
  let offset = 0;
  while (offset < batch.length) {
    if (offset + LENGTH_BYTES > batch.length) {
      throw new MalformedRecordError(`batch ends inside a record length at byte ${offset}`);
    }
    const length = batch.readUInt32LE(offset);
    offset += LENGTH_BYTES;
    if (offset + length > batch.length) {
      throw new MalformedRecordError(`record of ${length} bytes at byte ${offset} runs past the batch`);
    }
    records.push(decodeRecordAt(batch, offset, length, layout));
    offset += length;
  }
  return records;
}

export function decodeRecord(record: Buffer, layout: RecordLayout): TraceRecord {
  return decodeRecordAt(record, 0, record.length, layout);
}

/** The record of `length` bytes at `start` in `bytes`: read in place, with no view made of it. */
function decodeRecordAt(bytes: Buffer, start: number, length: number, layout: RecordLayout): TraceRecord {
  const kind = length > 0 ? bytes[start] : -1;
  if (kind === layout.recordKinds.deletion) return decodeDeletion(bytes, start, length, layout);
  if (kind === layout.recordKinds.process) return decodeProcess(bytes.subarray(start, start + length), layout);
  throw new MalformedRecordError(`record of unknown kind ${kind}`);
}

/** Little-endian integers at an offset the caller has checked lies within the record. */
const u16 = (bytes: Buffer, at: number): number => bytes[at] | (bytes[at + 1] << 8);
const u32 = (bytes: Buffer, at: number): number =>
  (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16)) + bytes[at + 3] * 2 ** 24;
const s32 = (bytes: Buffer, at: number): number =>
  bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
/** A 64-bit integer that fits a double exactly where it is below 2^53 (ids, results, nanoseconds since boot to within 128 ns). */
const u64 = (bytes: Buffer, at: number): number => u32(bytes, at + 4) * 2 ** 32 + u32(bytes, at);

function decodeDeletion(bytes: Buffer, base: number, length: number, layout: RecordLayout): DeletionRecord {
  const at = layout.deletion;
  if (length < at.data) {
    throw new MalformedRecordError(`deletion record of ${length} bytes is shorter than its ${at.data}-byte header`);
  }
  const pathLength = u16(bytes, base + at.path_len);
  const namesLength = u16(bytes, base + at.directory_names_len);
  const filesystemNamesLength = u16(bytes, base + at.filesystem_names_len);
  const pathStart = base + at.data;
  const pathEnd = pathStart + pathLength;
  const namesEnd = pathEnd + namesLength;
  if (at.data + pathLength + namesLength + filesystemNamesLength > length) {
    throw new MalformedRecordError(
      `deletion record of ${length} bytes says it holds ${pathLength} + ${namesLength} + ${filesystemNamesLength} bytes of names`,
    );
  }
  const nameAt = u16(bytes, base + at.name_at);
  const lookupFrom = u16(bytes, base + at.lookup_from);
  if (nameAt > pathLength || lookupFrom > nameAt) {
    throw new MalformedRecordError(
      `deletion record puts the name at ${nameAt} and the lookup at ${lookupFrom} of ${pathLength} bytes`,
    );
  }
  const names = namesLength === 0 ? EMPTY : bytes.subarray(pathEnd, namesEnd);
  const directoryNames = namesLength === 0 ? NO_NAMES : splitAtNul(names);
  const comm = cText(bytes, base + at.comm, layout.taskCommLen);
  const flags = u16(bytes, base + at.flags);
  // Names sent earlier: how many lie below the root is known once they are found.
  const namesKnownElsewhere = (flags & layout.deletionFlags.directoryKnown) !== 0;
  const syscall = bytes[base + at.syscall];
  const abi = bytes[base + at.abi];
  return {
    kind: 'deletion',
    syscall: layout.syscalls[syscall] ?? `syscall ${syscall}`,
    abi: layout.abis[abi] ?? `abi ${abi}`,
    flags,
    dirfd: s32(bytes, base + at.dirfd),
    result: s32(bytes, base + at.result + 4) * 2 ** 32 + u32(bytes, base + at.result),
    startNs: u64(bytes, base + at.start_ns),
    cgroupId: u64(bytes, base + at.cgroup_id),
    directoryId: directoryIdAt(bytes, base + at.directory_id),
    process: decodeProcessKey(bytes, base + at.process, layout.processKey),
    tid: u32(bytes, base + at.tid),
    ppid: u32(bytes, base + at.ppid),
    uid: u32(bytes, base + at.uid),
    mountNamespace: u32(bytes, base + at.mount_namespace),
    filesystemDev: u32(bytes, base + at.filesystem_dev),
    comm,
    threadName: sameBytes(bytes, base + at.comm, base + at.thread_name, layout.taskCommLen)
      ? comm
      : cText(bytes, base + at.thread_name, layout.taskCommLen),
    pathArg: bytes.toString('latin1', pathStart, pathEnd),
    nameAt,
    lookupFrom,
    directoryNames,
    namesBelowRoot: namesKnownElsewhere
      ? undefined
      : namesBelow(names, directoryNames.length, u16(bytes, base + at.directory_names_at_root), layout),
    namesBelowMountRoot: namesBelow(
      names,
      directoryNames.length,
      u16(bytes, base + at.directory_names_at_mount_root),
      layout,
    ),
    filesystemNames:
      filesystemNamesLength === 0 ? NO_NAMES : splitAtNul(bytes.subarray(namesEnd, namesEnd + filesystemNamesLength)),
    rename: bytes[base + at.rename],
  };
}

function sameBytes(bytes: Buffer, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (bytes[a + i] !== bytes[b + i]) return false;
  return true;
}

/**
 * The kernel's 64-bit directory id (thread id above, count below) as a
 * number: the count's low 30 bits under the thread id stay below 2^53, and
 * a thread that named 2^30 directories has long replaced the one that
 * shares those bits.
 */
function directoryIdAt(record: Buffer, offset: number): number {
  return u32(record, offset + 4) * 2 ** 30 + (u32(record, offset) & (2 ** 30 - 1));
}

/** How many NUL-ended names the first `bytes` of `names` hold; undefined for the kernel's "not passed". */
function namesBelow(names: Buffer, total: number, bytes: number, layout: RecordLayout): number | undefined {
  if (bytes === layout.rootNotPassed) return undefined;
  // The usual answer, for a process whose root is the host's: all of them.
  if (bytes === names.length) return total;
  if (bytes > names.length)
    throw new MalformedRecordError(`deletion record marks byte ${bytes} of ${names.length} bytes of names`);
  let count = 0;
  for (let i = 0; i < bytes; i++) if (names[i] === 0) count++;
  return count;
}

function decodeProcess(record: Buffer, layout: RecordLayout): ProcessRecord {
  const at = layout.process;
  requireLength(record, at.cmdline, 'process');
  const count = record[at.ancestor_count];
  const cmdlineLength = record.readUInt32LE(at.cmdline_len);
  if (at.cmdline + cmdlineLength > record.length) {
    throw new MalformedRecordError(
      `process record of ${record.length} bytes says its command line has ${cmdlineLength}`,
    );
  }
  const ancestors: Ancestor[] = [];
  for (let i = 0; i < count; i++) {
    const start = at.ancestors + i * layout.ancestor.size;
    if (start + layout.ancestor.size > at.cmdline) {
      throw new MalformedRecordError(`process record claims ${count} ancestors`);
    }
    ancestors.push({
      pid: record.readUInt32LE(start + layout.ancestor.pid),
      comm: cString(record.subarray(start + layout.ancestor.comm, start + layout.ancestor.comm + layout.taskCommLen)),
    });
  }
  return {
    kind: 'process',
    process: decodeProcessKey(record, at.process, layout.processKey),
    flags: record[at.flags],
    ancestors,
    cmdline: splitAtNul(record.subarray(at.cmdline, at.cmdline + cmdlineLength)),
    cgroupName: cString(record.subarray(at.cgroup_name, at.cgroup_name + layout.cgroupNameMax)),
    cgroupParentName: cString(record.subarray(at.cgroup_parent_name, at.cgroup_parent_name + layout.cgroupNameMax)),
  };
}

function decodeProcessKey(record: Buffer, offset: number, at: StructLayout): ProcessKey {
  return {
    tgid: u32(record, offset + at.tgid),
    execId: u32(record, offset + at.exec_id),
    startTime: record.readBigUInt64LE(offset + at.start_time),
  };
}

function requireLength(record: Buffer, length: number, what: string): void {
  if (record.length < length) {
    throw new MalformedRecordError(
      `${what} record of ${record.length} bytes is shorter than its ${length}-byte header`,
    );
  }
}

const EMPTY = Buffer.alloc(0);
/** The names of a record that carries none: shared, never changed (a record gets another array, not this one filled). */
const NO_NAMES: readonly Buffer[] = Object.freeze([]) as readonly Buffer[];

/** The UTF-8 text of the bytes at [start, start + length) before the first NUL. */
function cText(record: Buffer, start: number, length: number): string {
  const nul = record.indexOf(0, start);
  const end = nul === -1 || nul > start + length ? start + length : nul;
  return record.toString('utf8', start, end);
}

/** The bytes before the first NUL. */
function cString(bytes: Buffer): Buffer {
  const end = bytes.indexOf(0);
  return end === -1 ? bytes : bytes.subarray(0, end);
}

/** Splits NUL-terminated names; a last name without its NUL still counts. */
function splitAtNul(bytes: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(0, start);
    if (end === -1) {
      parts.push(bytes.subarray(start));
      break;
    }
    parts.push(bytes.subarray(start, end));
    start = end + 1;
  }
  return parts;
}
