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
  comm: Buffer;
  pathArg: Buffer;
  /** Names of the directories a relative path is relative to, innermost first. */
  directoryNames: Buffer[];
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
  const pathEnd = at.data + pathLength;
  if (pathEnd + namesLength > record.length) {
    throw new MalformedRecordError(
      `deletion record of ${record.length} bytes says it holds ${pathLength} + ${namesLength} bytes of names`,
    );
  }
  return {
    kind: 'deletion',
    syscall: layout.syscalls[record[at.syscall]] ?? `syscall ${record[at.syscall]}`,
    abi: layout.abis[record[at.abi]] ?? `abi ${record[at.abi]}`,
    flags: record[at.flags],
    dirfd: record.readInt32LE(at.dirfd),
    result: Number(record.readBigInt64LE(at.result)),
    startNs: record.readBigUInt64LE(at.start_ns),
    cgroupId: record.readBigUInt64LE(at.cgroup_id),
    process: decodeProcessKey(record, at.process, layout.processKey),
    tid: record.readUInt32LE(at.tid),
    ppid: record.readUInt32LE(at.ppid),
    uid: record.readUInt32LE(at.uid),
    comm: cString(record.subarray(at.comm, at.comm + layout.taskCommLen)),
    pathArg: record.subarray(at.data, pathEnd),
    directoryNames: splitAtNul(record.subarray(pathEnd, pathEnd + namesLength)),
  };
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
