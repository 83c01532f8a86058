// Kernel records built by hand, field by field at the offsets the addon
// reports for bpf/deletions.h, the way the BPF program writes them.
import type { RecordLayout } from '../../../helper/native';

export interface ProcessKeyFields {
  tgid: number;
  execId: number;
  startTime: bigint;
}

export interface DeletionFields {
  syscall: number;
  abi: number;
  flags: number;
  dirfd: number;
  result: number;
  startNs: bigint;
  cgroupId: bigint;
  process: ProcessKeyFields;
  tid: number;
  ppid: number;
  uid: number;
  comm: string;
  pathArg: Buffer;
  /** Innermost first; each is written with its NUL. */
  directoryNames: Buffer[];
}

export interface ProcessFields {
  flags: number;
  process: ProcessKeyFields;
  ancestors: { pid: number; comm: string }[];
  /** Each is written with its NUL, as argv lies in memory. */
  cmdline: string[];
}

function writeProcessKey(record: Buffer, offset: number, key: ProcessKeyFields, layout: RecordLayout): void {
  record.writeUInt32LE(key.tgid, offset + layout.processKey.tgid);
  record.writeUInt32LE(key.execId, offset + layout.processKey.exec_id);
  record.writeBigUInt64LE(key.startTime, offset + layout.processKey.start_time);
}

/** A deletion record as sent: its header, then only the used part of data[]. */
export function deletionRecord(fields: DeletionFields, layout: RecordLayout): Buffer {
  const at = layout.deletion;
  const names = Buffer.concat(fields.directoryNames.flatMap((name) => [name, Buffer.of(0)]));
  const record = Buffer.alloc(at.data + fields.pathArg.length + names.length);
  record[at.kind] = layout.recordKinds.deletion;
  record[at.syscall] = fields.syscall;
  record[at.abi] = fields.abi;
  record[at.flags] = fields.flags;
  record.writeInt32LE(fields.dirfd, at.dirfd);
  record.writeBigInt64LE(BigInt(fields.result), at.result);
  record.writeBigUInt64LE(fields.startNs, at.start_ns);
  record.writeBigUInt64LE(fields.cgroupId, at.cgroup_id);
  writeProcessKey(record, at.process, fields.process, layout);
  record.writeUInt32LE(fields.tid, at.tid);
  record.writeUInt32LE(fields.ppid, at.ppid);
  record.writeUInt32LE(fields.uid, at.uid);
  record.writeUInt16LE(fields.pathArg.length, at.path_len);
  record.writeUInt16LE(names.length, at.directory_names_len);
  record.write(fields.comm, at.comm, layout.taskCommLen, 'utf8');
  fields.pathArg.copy(record, at.data);
  names.copy(record, at.data + fields.pathArg.length);
  return record;
}

/** A process record as sent: its header, then only the used part of cmdline[]. */
export function processRecord(fields: ProcessFields, layout: RecordLayout): Buffer {
  const at = layout.process;
  const cmdline = Buffer.concat(fields.cmdline.flatMap((argument) => [Buffer.from(argument), Buffer.of(0)]));
  const record = Buffer.alloc(at.cmdline + cmdline.length);
  record[at.kind] = layout.recordKinds.process;
  record[at.flags] = fields.flags;
  record[at.ancestor_count] = fields.ancestors.length;
  record.writeUInt32LE(cmdline.length, at.cmdline_len);
  writeProcessKey(record, at.process, fields.process, layout);
  fields.ancestors.forEach((ancestor, i) => {
    const start = at.ancestors + i * layout.ancestor.size;
    record.writeUInt32LE(ancestor.pid, start + layout.ancestor.pid);
    record.write(ancestor.comm, start + layout.ancestor.comm, layout.taskCommLen, 'utf8');
  });
  cmdline.copy(record, at.cmdline);
  return record;
}

/** Records framed as the addon delivers a batch: each after its uint32 length. */
export function batchOf(...records: Buffer[]): Buffer {
  return Buffer.concat(
    records.flatMap((record) => {
      const length = Buffer.alloc(4);
      length.writeUInt32LE(record.length);
      return [length, record];
    }),
  );
}
