// Decodes the batches the addon delivers into the records of bpf/deletions.h.
// A batch is a run of (uint32 length, record bytes); every record starts with
// its kind. Byte buffers are views into the batch, not copies. The kernel and
// this code share a machine, so integers are in its (little-endian) order.
import type { RecordLayout, StructLayout } from './native';

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
  startNs: bigint;
  cgroupId: bigint;
  process: ProcessKey;
  tid: number;
  ppid: number;
  uid: number;
  /** Inode number of the process's mount namespace. */
  mountNamespace: number;
  /** The directory's file system (kernel dev_t encoding), for another mount namespace. */
  filesystemDev: number;
  /** The process's name (its main thread's). */
  comm: Buffer;
  /** The deleting (or submitting) thread's name. */
  threadName: Buffer;
  pathArg: Buffer;
  /** Where the deleted entry's own name starts in pathArg. */
  nameAt: number;
  /** Where the part of pathArg relative to the lookup's base starts. */
  lookupFrom: number;
  /** The directory's names, innermost first, up to where the kernel's walk ended. */
  directoryNames: Buffer[];
  /** How many of directoryNames lie below the process's root; undefined if the walk never passed it. */
  namesBelowRoot: number | undefined;
  /** How many lie below the directory's mount root (read for another mount namespace only). */
  namesBelowMountRoot: number | undefined;
  /** From that mount root up to its file system's root, innermost first (another mount namespace only). */
  filesystemNames: Buffer[];
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
    records.push(decodeRecord(batch.subarray(offset, offset + length), layout));
    offset += length;
  }
  return records;
}

export function decodeRecord(record: Buffer, layout: RecordLayout): TraceRecord {
  const kind = record.length > 0 ? record[0] : -1;
  if (kind === layout.recordKinds.deletion) return decodeDeletion(record, layout);
  if (kind === layout.recordKinds.process) return decodeProcess(record, layout);
  throw new MalformedRecordError(`record of unknown kind ${kind}`);
}

function decodeDeletion(record: Buffer, layout: RecordLayout): DeletionRecord {
  const at = layout.deletion;
  requireLength(record, at.data, 'deletion');
  const pathLength = record.readUInt16LE(at.path_len);
  const namesLength = record.readUInt16LE(at.directory_names_len);
  const filesystemNamesLength = record.readUInt16LE(at.filesystem_names_len);
  const pathEnd = at.data + pathLength;
  const namesEnd = pathEnd + namesLength;
  if (namesEnd + filesystemNamesLength > record.length) {
    throw new MalformedRecordError(
      `deletion record of ${record.length} bytes says it holds ${pathLength} + ${namesLength} + ${filesystemNamesLength} bytes of names`,
    );
  }
  const nameAt = record.readUInt16LE(at.name_at);
  const lookupFrom = record.readUInt16LE(at.lookup_from);
  if (nameAt > pathLength || lookupFrom > nameAt) {
    throw new MalformedRecordError(`deletion record puts the name at ${nameAt} and the lookup at ${lookupFrom} of ${pathLength} bytes`);
  }
  const names = record.subarray(pathEnd, namesEnd);
  const directoryNames = splitAtNul(names);
  return {
    kind: 'deletion',
    syscall: layout.syscalls[record[at.syscall]] ?? `syscall ${record[at.syscall]}`,
    abi: layout.abis[record[at.abi]] ?? `abi ${record[at.abi]}`,
    flags: record.readUInt16LE(at.flags),
    dirfd: record.readInt32LE(at.dirfd),
    result: Number(record.readBigInt64LE(at.result)),
    startNs: record.readBigUInt64LE(at.start_ns),
    cgroupId: record.readBigUInt64LE(at.cgroup_id),
    process: decodeProcessKey(record, at.process, layout.processKey),
    tid: record.readUInt32LE(at.tid),
    ppid: record.readUInt32LE(at.ppid),
    uid: record.readUInt32LE(at.uid),
    mountNamespace: record.readUInt32LE(at.mount_namespace),
    filesystemDev: record.readUInt32LE(at.filesystem_dev),
    comm: cString(record.subarray(at.comm, at.comm + layout.taskCommLen)),
    threadName: cString(record.subarray(at.thread_name, at.thread_name + layout.taskCommLen)),
    pathArg: record.subarray(at.data, pathEnd),
    nameAt,
    lookupFrom,
    directoryNames,
    namesBelowRoot: namesBelow(names, directoryNames.length, record.readUInt16LE(at.directory_names_at_root), layout),
    namesBelowMountRoot: namesBelow(names, directoryNames.length, record.readUInt16LE(at.directory_names_at_mount_root), layout),
    filesystemNames: splitAtNul(record.subarray(namesEnd, namesEnd + filesystemNamesLength)),
  };
}

/** How many NUL-ended names the first `bytes` of `names` hold; undefined for the kernel's "not passed". */
function namesBelow(names: Buffer, total: number, bytes: number, layout: RecordLayout): number | undefined {
  if (bytes === layout.rootNotPassed) return undefined;
  // The usual answer, for a process whose root is the host's: all of them.
  if (bytes === names.length) return total;
  if (bytes > names.length) throw new MalformedRecordError(`deletion record marks byte ${bytes} of ${names.length} bytes of names`);
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
    throw new MalformedRecordError(`process record of ${record.length} bytes says its command line has ${cmdlineLength}`);
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
    tgid: record.readUInt32LE(offset + at.tgid),
    execId: record.readUInt32LE(offset + at.exec_id),
    startTime: record.readBigUInt64LE(offset + at.start_time),
  };
}

function requireLength(record: Buffer, length: number, what: string): void {
  if (record.length < length) {
    throw new MalformedRecordError(`${what} record of ${record.length} bytes is shorter than its ${length}-byte header`);
  }
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
