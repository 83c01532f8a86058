// Decoding what the kernel sends (helper/records.ts), on records built by
// hand at the offsets of bpf/deletions.h as the built addon reports them.
import { describe, expect, it } from 'vitest';

import { loadAddon } from '../../helper/native';
import { decodeBatch, decodeRecord, MalformedRecordError, type DeletionRecord, type ProcessRecord } from '../../helper/records';
import { batchOf, deletionRecord, processRecord, type DeletionFields, type ProcessFields } from './support/recordBytes';

const layout = loadAddon().layout;
const UNLINKAT = 2;
const X86_64 = 1;
const IA32 = 2;
const AT_FDCWD = -100;

const key = { tgid: 4242, execId: 3, startTime: 123_456_789_000n };

/** The header fields that decode to the very values written (syscall, abi and comm decode to names and bytes). */
const headerReadAsWritten = {
  flags: layout.deletionFlags.relative,
  dirfd: 7,
  result: 0,
  startNs: 5_000_000_123n,
  cgroupId: 9876n,
  process: key,
  tid: 4243,
  ppid: 1,
  uid: 1000,
};

function deletion(overrides: Partial<DeletionFields> = {}): DeletionFields {
  return {
    syscall: UNLINKAT,
    abi: X86_64,
    ...headerReadAsWritten,
    comm: 'rm',
    pathArg: Buffer.from('notes.txt'),
    directoryNames: [Buffer.from('docs'), Buffer.from('alice'), Buffer.from('home')],
    ...overrides,
  };
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
    ...overrides,
  };
}

const text = (bytes: Buffer[]): string[] => bytes.map((bytes) => bytes.toString());

describe('decoding a deletion record', () => {
  it('reads every field of the header', () => {
    const record = decodeRecord(deletionRecord(deletion(), layout), layout) as DeletionRecord;

    expect(record).toMatchObject({ kind: 'deletion', syscall: 'unlinkat', abi: 'x86_64', ...headerReadAsWritten });
    expect(record.comm.toString()).toBe('rm');
  });

  it('reads the path argument and the directory names, innermost first', () => {
    const record = decodeRecord(deletionRecord(deletion(), layout), layout) as DeletionRecord;

    expect(record.pathArg.toString()).toBe('notes.txt');
    expect(text(record.directoryNames)).toEqual(['docs', 'alice', 'home']);
  });

  it('reads a failed call\'s negative result and a negative dirfd', () => {
    const record = decodeRecord(deletionRecord(deletion({ result: -2, dirfd: AT_FDCWD }), layout), layout) as DeletionRecord;

    expect(record.result).toBe(-2);
    expect(record.dirfd).toBe(AT_FDCWD);
  });

  it('names the 32-bit ABI', () => {
    const record = decodeRecord(deletionRecord(deletion({ abi: IA32 }), layout), layout) as DeletionRecord;

    expect(record.abi).toBe('ia32');
  });

  it('keeps path bytes that are not UTF-8 as they are', () => {
    const bytes = Buffer.from([0x66, 0xff, 0x0a, 0x1b]);
    const record = decodeRecord(deletionRecord(deletion({ pathArg: bytes, directoryNames: [bytes] }), layout), layout) as DeletionRecord;

    expect(record.pathArg).toEqual(bytes);
    expect(record.directoryNames).toEqual([bytes]);
  });

  it('reads an absolute path with no directory names', () => {
    const record = decodeRecord(
      deletionRecord(deletion({ flags: 0, pathArg: Buffer.from('/tmp/file'), directoryNames: [] }), layout),
      layout,
    ) as DeletionRecord;

    expect(record.pathArg.toString()).toBe('/tmp/file');
    expect(record.directoryNames).toEqual([]);
  });

  it('reads a comm that fills its field without a NUL', () => {
    const record = decodeRecord(deletionRecord(deletion({ comm: 'sixteen-bytes-xx' }), layout), layout) as DeletionRecord;

    expect(record.comm.toString()).toBe('sixteen-bytes-xx');
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
    const record = decodeRecord(processRecord(processFields({ cmdline: ['printf', '', 'x'] }), layout), layout) as ProcessRecord;

    expect(text(record.cmdline)).toEqual(['printf', '', 'x']);
  });

  it('keeps the last argument of a command line cut short before its NUL', () => {
    const bytes = processRecord(processFields({ cmdline: ['cat', 'long-argument'] }), layout);
    const cut = bytes.subarray(0, bytes.length - 'ent\0'.length);
    cut.writeUInt32LE(cut.length - layout.process.cmdline, layout.process.cmdline_len);

    const record = decodeRecord(cut, layout) as ProcessRecord;

    expect(text(record.cmdline)).toEqual(['cat', 'long-argum']);
  });
});

describe('decoding a batch', () => {
  it('reads every record in order', () => {
    const batch = batchOf(processRecord(processFields(), layout), deletionRecord(deletion(), layout), deletionRecord(deletion({ tid: 7 }), layout));

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
    record.writeUInt16LE(record.readUInt16LE(layout.deletion.directory_names_len) + 1, layout.deletion.directory_names_len);

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
