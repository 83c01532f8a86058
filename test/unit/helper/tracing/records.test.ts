// Decoding what the kernel sends (helper/tracing/records.ts), on records built by
// hand at the offsets of bpf/deletions.h as the built addon reports them.
import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../../../helper/native';
import {
  decodeBatch,
  decodeRecord,
  MalformedRecordError,
  type DeletionRecord,
  type ProcessRecord,
} from '../../../../helper/tracing/records';
import {
  batchOf,
  deletionRecord,
  processRecord,
  type DeletionFields,
  type ProcessFields,
} from '../../../support/recordBytes';

const layout = loadAddon().layout;
const UNLINKAT = 2;
const X86_64 = 1;
const IA32 = 2;
const AT_FDCWD = -100;

const key = { tgid: 4242, execId: 3, startTime: 123_456_789_000n };

/** The kernel's dev_t: major in the top 12 bits, minor in the low 20. */
const dev = (major: number, minor: number): number => major * 2 ** 20 + minor;

/** The header fields that decode to the very values written (syscall, abi and comm decode to names and bytes). */
const headerReadAsWritten = {
  // The highest flag too, so that a sign or width mistake would show.
  flags: layout.deletionFlags.foreignNamespace | layout.deletionFlags.procLinkUnresolved,
  dirfd: 7,
  result: 0,
  startNs: 5_000_000_123,
  cgroupId: 9876,
  process: key,
  tid: 4243,
  ppid: 1,
  uid: 1000,
  // Mount namespaces are numbered from 0xf0000000 up: above the largest int32.
  mountNamespace: 4_026_532_301,
  filesystemDev: dev(8, 1),
};

const names = (...innermostFirst: string[]): Buffer[] => innermostFirst.map((name) => Buffer.from(name));

function deletion(overrides: Partial<DeletionFields> = {}): DeletionFields {
  return {
    syscall: UNLINKAT,
    abi: X86_64,
    ...headerReadAsWritten,
    comm: 'rm',
    pathArg: Buffer.from('notes.txt'),
    nameAt: 0,
    lookupFrom: 0,
    directoryNames: names('docs', 'alice', 'home'),
    namesBelowRoot: 3,
    namesBelowMountRoot: 2,
    filesystemNames: [],
    ...overrides,
  };
}

/** The deletion record those fields make, decoded. */
function decodedDeletion(overrides: Partial<DeletionFields> = {}): DeletionRecord {
  return decodeRecord(deletionRecord(deletion(overrides), layout), layout) as DeletionRecord;
}

function processFields(overrides: Partial<ProcessFields> = {}): ProcessFields {
  return {
    flags: 0,
    process: key,
    ancestors: [
      { pid: 100, comm: 'bash' },
      { pid: 1, comm: 'systemd' },
    ],
    cmdline: ['rm', '-r', 'docs'],
    cgroupName: 'session-2.scope',
    cgroupParentName: 'user-1000.slice',
    ...overrides,
  };
}

const text = (bytes: readonly Buffer[]): string[] => bytes.map((bytes) => bytes.toString());

describe('decoding a deletion record', () => {
  it('reads every field of the header', () => {
    const record = decodedDeletion();

    expect(record).toMatchObject({ kind: 'deletion', syscall: 'unlinkat', abi: 'x86_64', ...headerReadAsWritten });
    expect(record.comm.toString()).toBe('rm');
  });

  it('reads the path argument and the directory names, innermost first', () => {
    const record = decodedDeletion();

    expect(record.pathArg.toString()).toBe('notes.txt');
    expect(text(record.directoryNames)).toEqual(['docs', 'alice', 'home']);
  });

  it("reads where the deleted entry's own name starts and where the text relative to the lookup's base starts", () => {
    const record = decodedDeletion({
      pathArg: Buffer.from('/proc/self/fd/3/sub/notes.txt'),
      lookupFrom: 16,
      nameAt: 20,
    });

    expect(record.lookupFrom).toBe(16);
    expect(record.nameAt).toBe(20);
  });

  it('reads an own name that starts at the argument\'s very end, as for "/proc/self/cwd/"', () => {
    // The kernel moves the own name up to the lookup's start: past the link, which names the directory itself.
    const record = decodedDeletion({ pathArg: Buffer.from('/proc/self/cwd/'), lookupFrom: 15, nameAt: 15 });

    expect(record).toMatchObject({ lookupFrom: 15, nameAt: 15 });
  });

  it('reads 64-bit fields without a BigInt: a start time after 30 years of uptime to within 128 ns, a large cgroup id', () => {
    const thirtyYearsNs = 30 * 365 * 86_400 * 1e9 + 123_456;
    const record = decodedDeletion({ startNs: thirtyYearsNs, cgroupId: 2 ** 40 + 5 });

    expect(Math.abs(record.startNs - thirtyYearsNs)).toBeLessThanOrEqual(128);
    expect(record.cgroupId).toBe(2 ** 40 + 5);
  });

  it("reads a failed call's negative result and a negative dirfd", () => {
    const record = decodedDeletion({ result: -2, dirfd: AT_FDCWD });

    expect(record.result).toBe(-2);
    expect(record.dirfd).toBe(AT_FDCWD);
  });

  it('names the 32-bit ABI', () => {
    expect(decodedDeletion({ abi: IA32 }).abi).toBe('ia32');
  });

  it('keeps path bytes that are not UTF-8 as they are', () => {
    const bytes = Buffer.from([0x66, 0xff, 0x0a, 0x1b]);
    const record = decodedDeletion({
      pathArg: bytes,
      directoryNames: [bytes],
      namesBelowRoot: 1,
      namesBelowMountRoot: 1,
      filesystemNames: [bytes],
    });

    expect(Buffer.from(record.pathArg, 'latin1')).toEqual(bytes);
    expect(record.directoryNames).toEqual([bytes]);
    expect(record.filesystemNames).toEqual([bytes]);
  });

  it('reads a deletion in the root directory, which has no directory names', () => {
    const record = decodedDeletion({
      pathArg: Buffer.from('/file'),
      nameAt: 1,
      directoryNames: [],
      namesBelowRoot: 0,
      namesBelowMountRoot: 0,
    });

    expect(record.pathArg.toString()).toBe('/file');
    expect(record.directoryNames).toEqual([]);
    expect(record).toMatchObject({ namesBelowRoot: 0, namesBelowMountRoot: 0 });
  });

  it('reads a comm that fills its field without a NUL', () => {
    expect(decodedDeletion({ comm: 'sixteen-bytes-xx' }).comm.toString()).toBe('sixteen-bytes-xx');
  });
});

describe('decoding where the directory names end', () => {
  it("counts the names below the process's root: all of them where its root is the host's", () => {
    expect(decodedDeletion({ namesBelowRoot: 3 }).namesBelowRoot).toBe(3);
  });

  it("counts only the names below a chroot's root", () => {
    const record = decodedDeletion({
      directoryNames: names('docs', 'alice', 'home', 'jail', 'srv'),
      namesBelowRoot: 3,
    });

    expect(record.namesBelowRoot).toBe(3);
  });

  it("counts none where the directory is the process's root itself", () => {
    expect(decodedDeletion({ directoryNames: names('jail'), namesBelowRoot: 0 }).namesBelowRoot).toBe(0);
  });

  it("gives no count where the walk never passed the process's root (the kernel's 0xffff)", () => {
    const record = deletionRecord(deletion(), layout);
    record.writeUInt16LE(0xffff, layout.deletion.directory_names_at_root);

    expect((decodeRecord(record, layout) as DeletionRecord).namesBelowRoot).toBeUndefined();
  });

  it("counts the names below the directory's mount root", () => {
    expect(decodedDeletion({ namesBelowMountRoot: 1 }).namesBelowMountRoot).toBe(1);
  });

  it('gives no mount-root count where the walk never reached one', () => {
    expect(decodedDeletion({ namesBelowMountRoot: undefined }).namesBelowMountRoot).toBeUndefined();
  });

  it('counts whole names, even long ones', () => {
    const long = 'x'.repeat(255);
    const record = decodedDeletion({
      directoryNames: names(long, 'b', long),
      namesBelowRoot: 2,
      namesBelowMountRoot: 1,
    });

    expect(record).toMatchObject({ namesBelowRoot: 2, namesBelowMountRoot: 1 });
  });
});

describe('decoding the file system names of another mount namespace', () => {
  it('reads them after the directory names, innermost first', () => {
    const record = decodedDeletion({ filesystemNames: names('project', 'alice') });

    expect(text(record.directoryNames)).toEqual(['docs', 'alice', 'home']);
    expect(text(record.filesystemNames)).toEqual(['project', 'alice']);
  });

  it('reads them where there are no directory names', () => {
    const record = decodedDeletion({
      directoryNames: [],
      namesBelowRoot: 0,
      namesBelowMountRoot: 0,
      filesystemNames: names('merged', 'c1'),
    });

    expect(record.directoryNames).toEqual([]);
    expect(text(record.filesystemNames)).toEqual(['merged', 'c1']);
  });

  it('reads none where the record has none', () => {
    expect(decodedDeletion().filesystemNames).toEqual([]);
  });
});

describe('decoding a process record', () => {
  it('reads its key, ancestors (parent first) and command line', () => {
    const record = decodeRecord(processRecord(processFields(), layout), layout) as ProcessRecord;

    expect(record.kind).toBe('process');
    expect(record.process).toEqual(key);
    expect(record.ancestors.map((ancestor) => [ancestor.pid, ancestor.comm.toString()])).toEqual([
      [100, 'bash'],
      [1, 'systemd'],
    ]);
    expect(text(record.cmdline)).toEqual(['rm', '-r', 'docs']);
  });

  it('keeps empty arguments', () => {
    const record = decodeRecord(
      processRecord(processFields({ cmdline: ['printf', '', 'x'] }), layout),
      layout,
    ) as ProcessRecord;

    expect(text(record.cmdline)).toEqual(['printf', '', 'x']);
  });

  it('keeps the last argument of a command line cut short before its NUL', () => {
    const bytes = processRecord(processFields({ cmdline: ['cat', 'long-argument'] }), layout);
    const cut = bytes.subarray(0, bytes.length - 'ent\0'.length);
    cut.writeUInt32LE(cut.length - layout.process.cmdline, layout.process.cmdline_len);

    const record = decodeRecord(cut, layout) as ProcessRecord;

    expect(text(record.cmdline)).toEqual(['cat', 'long-argum']);
  });

  it('reads the names of its cgroup and of the one above it', () => {
    const id = 'ab'.repeat(32);
    const record = decodeRecord(
      processRecord(processFields({ cgroupName: `docker-${id}.scope`, cgroupParentName: 'system.slice' }), layout),
      layout,
    ) as ProcessRecord;

    expect(record.cgroupName.toString()).toBe(`docker-${id}.scope`);
    expect(record.cgroupParentName.toString()).toBe('system.slice');
  });

  it('reads empty cgroup names where the kernel found none', () => {
    const record = decodeRecord(
      processRecord(processFields({ cgroupName: '', cgroupParentName: '' }), layout),
      layout,
    ) as ProcessRecord;

    expect(record.cgroupName).toEqual(Buffer.alloc(0));
    expect(record.cgroupParentName).toEqual(Buffer.alloc(0));
  });

  it('reads a cgroup name that fills its field without a NUL, and no further', () => {
    const full = 'c'.repeat(layout.cgroupNameMax);
    const record = decodeRecord(
      processRecord(processFields({ cgroupName: full, cgroupParentName: 'parent' }), layout),
      layout,
    ) as ProcessRecord;

    expect(record.cgroupName.toString()).toBe(full);
    expect(record.cgroupParentName.toString()).toBe('parent');
  });
});

describe('decoding a batch', () => {
  it('reads every record in order', () => {
    const batch = batchOf(
      processRecord(processFields(), layout),
      deletionRecord(deletion(), layout),
      deletionRecord(deletion({ tid: 7 }), layout),
    );

    const records = decodeBatch(batch, layout);

    expect(records.map((record) => record.kind)).toEqual(['process', 'deletion', 'deletion']);
    expect((records[2] as DeletionRecord).tid).toBe(7);
  });

  it('reads an empty batch as no records', () => {
    expect(decodeBatch(Buffer.alloc(0), layout)).toEqual([]);
  });
});

describe('malformed input', () => {
  it('is refused where a batch ends inside a record length', () => {
    const batch = Buffer.concat([batchOf(deletionRecord(deletion(), layout)), Buffer.of(1, 0)]);

    expect(() => decodeBatch(batch, layout)).toThrow(MalformedRecordError);
  });

  it('is refused where a record runs past the end of its batch', () => {
    const batch = batchOf(deletionRecord(deletion(), layout));

    expect(() => decodeBatch(batch.subarray(0, batch.length - 1), layout)).toThrow(MalformedRecordError);
  });

  it('is refused where a record is of an unknown kind', () => {
    const record = deletionRecord(deletion(), layout);
    record[layout.deletion.kind] = 99;

    expect(() => decodeRecord(record, layout)).toThrow(MalformedRecordError);
  });

  it('is refused where a record is empty', () => {
    expect(() => decodeBatch(batchOf(Buffer.alloc(0)), layout)).toThrow(MalformedRecordError);
  });

  it('is refused where a deletion record is shorter than its header', () => {
    const record = deletionRecord(deletion(), layout).subarray(0, layout.deletion.data - 1);

    expect(() => decodeRecord(record, layout)).toThrow(MalformedRecordError);
  });

  it('is refused where a deletion record claims more name bytes than it holds', () => {
    const record = deletionRecord(deletion(), layout);
    record.writeUInt16LE(
      record.readUInt16LE(layout.deletion.directory_names_len) + 1,
      layout.deletion.directory_names_len,
    );

    expect(() => decodeRecord(record, layout)).toThrow(MalformedRecordError);
  });

  it('is refused where a deletion record claims more file system name bytes than it holds', () => {
    const record = deletionRecord(deletion({ filesystemNames: names('project') }), layout);
    record.writeUInt16LE(
      record.readUInt16LE(layout.deletion.filesystem_names_len) + 1,
      layout.deletion.filesystem_names_len,
    );

    expect(() => decodeRecord(record, layout)).toThrow(MalformedRecordError);
  });

  it('is refused where a deletion record puts the own name past the end of the path argument', () => {
    const record = deletionRecord(deletion({ pathArg: Buffer.from('notes.txt') }), layout);
    record.writeUInt16LE('notes.txt'.length + 1, layout.deletion.name_at);

    expect(() => decodeRecord(record, layout)).toThrow(MalformedRecordError);
  });

  it("is refused where a deletion record starts the lookup's text after the own name", () => {
    const record = deletionRecord(
      deletion({ pathArg: Buffer.from('a/b/notes.txt'), nameAt: 4, lookupFrom: 4 }),
      layout,
    );
    record.writeUInt16LE(5, layout.deletion.lookup_from);

    expect(() => decodeRecord(record, layout)).toThrow(MalformedRecordError);
  });

  it("is refused where a deletion record marks the process's root beyond its directory names", () => {
    const record = deletionRecord(deletion(), layout);
    record.writeUInt16LE(
      record.readUInt16LE(layout.deletion.directory_names_len) + 1,
      layout.deletion.directory_names_at_root,
    );

    expect(() => decodeRecord(record, layout)).toThrow(MalformedRecordError);
  });

  it('is refused where a deletion record marks the mount root beyond its directory names', () => {
    // Into the file system names that follow: they are not directory names.
    const record = deletionRecord(deletion({ filesystemNames: names('project') }), layout);
    record.writeUInt16LE(
      record.readUInt16LE(layout.deletion.directory_names_len) + 1,
      layout.deletion.directory_names_at_mount_root,
    );

    expect(() => decodeRecord(record, layout)).toThrow(MalformedRecordError);
  });

  it('is refused where a process record claims a longer command line than it holds', () => {
    const record = processRecord(processFields(), layout);
    record.writeUInt32LE(record.length, layout.process.cmdline_len);

    expect(() => decodeRecord(record, layout)).toThrow(MalformedRecordError);
  });

  it('is refused where a process record claims more ancestors than it has room for', () => {
    const record = processRecord(processFields(), layout);
    record[layout.process.ancestor_count] = 255;

    expect(() => decodeRecord(record, layout)).toThrow(MalformedRecordError);
  });

  it('is refused where a process record is shorter than its header', () => {
    const record = processRecord(processFields(), layout).subarray(0, layout.process.cmdline - 1);

    expect(() => decodeRecord(record, layout)).toThrow(MalformedRecordError);
  });
});
