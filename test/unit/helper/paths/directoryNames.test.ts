// Directory names sent once (helper/paths/directoryNames.ts): kept by id from the
// record that names them, given back to the records that name their
// directory by id, in two bounded generations, and never guessed.
import { describe, expect, it } from 'vitest';

import { directoryFromNames } from '../../../../helper/paths/kernelPaths';
import { DirectoryNames } from '../../../../helper/paths/directoryNames';
import { loadAddon } from '../../../../helper/native';
import { decodeRecord, type DeletionRecord } from '../../../../helper/tracing/records';
import { deletionRecord, type DeletionFields } from '../../../support/recordBytes';

const layout = loadAddon().layout;
const { directoryNamed, directoryKnown, directoryIncomplete } = layout.deletionFlags;

function fields(overrides: Partial<DeletionFields>): DeletionFields {
  return {
    syscall: 2,
    abi: 1,
    flags: 0,
    dirfd: -100,
    result: 0,
    startNs: 1,
    cgroupId: 1,
    process: { tgid: 10, execId: 1, startTime: 5n },
    tid: 10,
    ppid: 1,
    uid: 0,
    mountNamespace: 4026531840,
    filesystemDev: 0,
    comm: 'rm',
    pathArg: Buffer.from('f'),
    nameAt: 0,
    lookupFrom: 0,
    directoryNames: [],
    namesBelowRoot: 0,
    namesBelowMountRoot: undefined,
    filesystemNames: [],
    ...overrides,
  };
}

/** A record that brings a directory's names, as id (thread, count). */
function named(thread: number, count: number, ...innermostFirst: string[]): DeletionRecord {
  const directoryNames = innermostFirst.map((name) => Buffer.from(name));
  return decodeRecord(
    deletionRecord(
      fields({
        flags: directoryNamed,
        directoryId: { thread, count },
        directoryNames,
        namesBelowRoot: directoryNames.length,
      }),
      layout,
    ),
    layout,
  ) as DeletionRecord;
}

/** A record that names its directory by id only; its names_at_root counts bytes of names it does not carry. */
function known(thread: number, count: number): DeletionRecord {
  const record = deletionRecord(fields({ flags: directoryKnown, directoryId: { thread, count } }), layout);
  record.writeUInt16LE(9, layout.deletion.directory_names_at_root);
  return decodeRecord(record, layout) as DeletionRecord;
}

const complete = (names: DirectoryNames, record: DeletionRecord) =>
  names.complete(record, directoryNamed, directoryKnown, directoryIncomplete);

describe('DirectoryNames', () => {
  it('gives a record that names its directory by id the names an earlier record brought', () => {
    const names = new DirectoryNames(100, () => undefined);
    const first = named(4242, 1, 'docs', 'alice', 'home');
    complete(names, first);
    const later = known(4242, 1);
    const directory = complete(names, later);

    expect(later.directoryNames.map(String)).toEqual(['docs', 'alice', 'home']);
    expect(later.namesBelowRoot).toBe(3);
    expect(later.flags & directoryIncomplete).toBe(0);
    expect(directory && directoryFromNames(directory.names)).toBe('/home/alice/docs');
  });

  it('keeps ids of different threads and counts apart', () => {
    const names = new DirectoryNames(100, () => undefined);
    complete(names, named(7, 1, 'a'));
    complete(names, named(8, 1, 'b'));
    complete(names, named(7, 2, 'c'));
    const [a, b, c] = [known(7, 1), known(8, 1), known(7, 2)];
    for (const record of [a, b, c]) complete(names, record);

    expect([a, b, c].map((record) => String(record.directoryNames[0]))).toEqual(['a', 'b', 'c']);
  });

  it('copies the names out of the batch they came in', () => {
    const names = new DirectoryNames(100, () => undefined);
    const first = named(1, 1, 'kept');
    complete(names, first);
    first.directoryNames[0].fill(0x21);
    const later = known(1, 1);
    complete(names, later);

    expect(String(later.directoryNames[0])).toBe('kept');
  });

  it('marks a record incomplete, and counts it, where the names of its id are not kept: never a guess', () => {
    const names = new DirectoryNames(100, () => undefined);
    const orphan = known(3, 9);
    expect(complete(names, orphan)).toBeUndefined();

    expect(orphan.flags & directoryIncomplete).toBe(directoryIncomplete);
    expect(orphan.directoryNames).toEqual([]);
    expect(names.missing).toBe(1);
  });

  it('tells the kernel to forget its directories as a generation fills, and still finds the previous generation', () => {
    let forgotten = 0;
    const names = new DirectoryNames(2, () => forgotten++);
    complete(names, named(1, 1, 'one'));
    complete(names, named(1, 2, 'two'));
    expect(forgotten).toBe(0);
    complete(names, named(1, 3, 'three'));
    expect(forgotten).toBe(1);

    // A record built before the kernel forgot still finds its names, once.
    const late = known(1, 1);
    complete(names, late);
    expect(String(late.directoryNames[0])).toBe('one');

    // Two generations on, the oldest are gone.
    complete(names, named(1, 4, 'four'));
    complete(names, named(1, 5, 'five'));
    complete(names, named(1, 6, 'six'));
    expect(forgotten).toBe(3);
    const gone = known(1, 2);
    complete(names, gone);
    expect(gone.flags & directoryIncomplete).toBe(directoryIncomplete);
    expect(names.size).toBeLessThanOrEqual(4);
  });

  it('leaves a record that carries its names in full alone', () => {
    const names = new DirectoryNames(100, () => undefined);
    const record = decodeRecord(
      deletionRecord(fields({ directoryNames: [Buffer.from('x')], namesBelowRoot: 1 }), layout),
      layout,
    ) as DeletionRecord;
    expect(complete(names, record)).toBeUndefined();
    expect(record.directoryNames.map(String)).toEqual(['x']);
    expect(names.size).toBe(0);
  });
});
