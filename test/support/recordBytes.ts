// Kernel records built by hand, field by field at the offsets the addon
// reports for bpf/deletions.h, the way the BPF program writes them.
import type { RecordLayout } from '../../helper/native';

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
  startNs: number;
  cgroupId: number;
  process: ProcessKeyFields;
  tid: number;
  ppid: number;
  uid: number;
  mountNamespace: number;
  filesystemDev: number;
  comm: string;
  pathArg: Buffer;
  /** Where the own name starts in pathArg. */
  nameAt: number;
  /** Where the text relative to the lookup's base starts in pathArg. */
  lookupFrom: number;
  /** Innermost first; each is written with its NUL. */
  directoryNames: Buffer[];
  /** How many of directoryNames lie below the process's root, written as their bytes; undefined: ROOT_NOT_PASSED. */
  namesBelowRoot: number | undefined;
  /** How many lie below the directory's mount root, written the same way. */
  namesBelowMountRoot: number | undefined;
  /** Innermost first, after the directory names; each is written with its NUL. */
  filesystemNames: Buffer[];
  /** The kernel's directory id: its high 32 bits (a thread id) and low 32 bits (a count); 0 where absent. */
  directoryId?: { thread: number; count: number };
}

export interface ProcessFields {
  flags: number;
  process: ProcessKeyFields;
  ancestors: { pid: number; comm: string }[];
  /** Each is written with its NUL, as argv lies in memory. */
  cmdline: string[];
  /** Written with a NUL where shorter than the field. */
  cgroupName: string;
  cgroupParentName: string;
}

function writeProcessKey(record: Buffer, offset: number, key: ProcessKeyFields, layout: RecordLayout): void {
  record.writeUInt32LE(key.tgid, offset + layout.processKey.tgid);
  record.writeUInt32LE(key.execId, offset + layout.processKey.exec_id);
  record.writeBigUInt64LE(key.startTime, offset + layout.processKey.start_time);
}

/** Names each ended by a NUL, as the kernel writes them. */
function nulEnded(names: Buffer[]): Buffer {
  return Buffer.concat(names.flatMap((name) => [name, Buffer.of(0)]));
}

/** The kernel's marker for the first `count` names: their bytes, or ROOT_NOT_PASSED. */
function bytesOfFirst(names: Buffer[], count: number | undefined, layout: RecordLayout): number {
  return count === undefined ? layout.rootNotPassed : nulEnded(names.slice(0, count)).length;
}

/** A deletion record as sent: its header, then only the used part of data[]. */
export function deletionRecord(fields: DeletionFields, layout: RecordLayout): Buffer {
  const at = layout.deletion;
  const names = nulEnded(fields.directoryNames);
  const filesystemNames = nulEnded(fields.filesystemNames);
  const record = Buffer.alloc(at.data + fields.pathArg.length + names.length + filesystemNames.length);
  record[at.kind] = layout.recordKinds.deletion;
  record[at.syscall] = fields.syscall;
  record[at.abi] = fields.abi;
  record.writeUInt16LE(fields.flags, at.flags);
  record.writeInt32LE(fields.dirfd, at.dirfd);
  record.writeUInt32LE(fields.directoryId?.count ?? 0, at.directory_id);
  record.writeUInt32LE(fields.directoryId?.thread ?? 0, at.directory_id + 4);
  record.writeBigInt64LE(BigInt(fields.result), at.result);
  record.writeBigUInt64LE(BigInt(fields.startNs), at.start_ns);
  record.writeBigUInt64LE(BigInt(fields.cgroupId), at.cgroup_id);
  writeProcessKey(record, at.process, fields.process, layout);
  record.writeUInt32LE(fields.tid, at.tid);
  record.writeUInt32LE(fields.ppid, at.ppid);
  record.writeUInt32LE(fields.uid, at.uid);
  record.writeUInt32LE(fields.mountNamespace, at.mount_namespace);
  record.writeUInt32LE(fields.filesystemDev, at.filesystem_dev);
  record.writeUInt16LE(fields.pathArg.length, at.path_len);
  record.writeUInt16LE(fields.nameAt, at.name_at);
  record.writeUInt16LE(fields.lookupFrom, at.lookup_from);
  record.writeUInt16LE(names.length, at.directory_names_len);
  record.writeUInt16LE(bytesOfFirst(fields.directoryNames, fields.namesBelowRoot, layout), at.directory_names_at_root);
  record.writeUInt16LE(
    bytesOfFirst(fields.directoryNames, fields.namesBelowMountRoot, layout),
    at.directory_names_at_mount_root,
  );
  record.writeUInt16LE(filesystemNames.length, at.filesystem_names_len);
  record.write(fields.comm, at.comm, layout.taskCommLen, 'utf8');
  fields.pathArg.copy(record, at.data);
  names.copy(record, at.data + fields.pathArg.length);
  filesystemNames.copy(record, at.data + fields.pathArg.length + names.length);
  return record;
}

/** A process record as sent: its header, then only the used part of cmdline[]. */
export function processRecord(fields: ProcessFields, layout: RecordLayout): Buffer {
  const at = layout.process;
  const cmdline = nulEnded(fields.cmdline.map((argument) => Buffer.from(argument)));
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
  record.write(fields.cgroupName, at.cgroup_name, layout.cgroupNameMax, 'utf8');
  record.write(fields.cgroupParentName, at.cgroup_parent_name, layout.cgroupNameMax, 'utf8');
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
