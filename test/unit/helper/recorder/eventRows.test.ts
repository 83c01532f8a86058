// A deletion kept as a row and read back is the deletion that was kept,
// whatever its rare fields and its path's shape, a rename with every one of
// its fields among them.
import { describe, expect, it } from 'vitest';

import type { DeletionEvent } from '../../../../common/protocol';
import {
  DeletionColumns,
  eventOf,
  joinPath,
  processOfRow,
  processRowOf,
  processValues,
  splitPath,
} from '../../../../helper/recorder/eventRows';
import { deletion } from '../../../support/deletionEvents';
import { rename } from '../../../support/renameEvents';

/** The event read back from the values written for `event`: its deletion row, its directory, its process row, a rename's destination directory. */
function readBack(event: DeletionEvent): DeletionEvent {
  const { directory, name } = splitPath(event.path);
  const process = processOfRow(processValues(processRowOf(event)));
  const [seq, time, , , , tid, result, facts, pathArg, extra, , movedToDirectoryId, movedToName] = columnsOf(event).map(
    (column) => column[0],
  );
  const movedToDirectory = event.movedTo === undefined ? undefined : splitPath(event.movedTo).directory;
  return eventOf(
    [seq, time, 7, name, tid, result, facts, pathArg, extra, 9, movedToDirectoryId, movedToName],
    directory,
    process,
    movedToDirectory,
  );
}

function columnsOf(event: DeletionEvent): (Float64Array | (string | number | null)[])[] {
  const columns = new DeletionColumns(1);
  const movedTo = event.movedTo === undefined ? undefined : { directoryId: 8, name: splitPath(event.movedTo).name };
  columns.set(0, event, Date.parse(event.time), 7, splitPath(event.path).name, 9, movedTo);
  return columns.columns();
}

describe('a deletion as a row', () => {
  it('cuts a path into its directory and name, and joins them back', () => {
    for (const path of ['/a/b/c', '/c', '/', '…/b/c', '…/c', 'c', '/a/b/', '/a//b']) {
      const parts = splitPath(path);
      expect(joinPath(parts)).toBe(path);
    }
    expect(splitPath('/a/b/c')).toEqual({ directory: '/a/b', name: 'c' });
    expect(splitPath('/c')).toEqual({ directory: '/', name: 'c' });
    expect(splitPath('…/c')).toEqual({ directory: '…', name: 'c' });
  });

  it('reads back every field of a plain deletion', () => {
    const event = deletion({ path: '/srv/app/build/out.o' });
    expect(readBack(event)).toEqual(event);
  });

  it('reads back the rare fields, a failure, an unknown result and an ABI it has no number for', () => {
    const event = deletion({
      path: '/srv/app/\ufffd.txt',
      pathBytes: Buffer.from('/srv/app/\xff.txt', 'latin1').toString('base64'),
      pathArg: '../app/x',
      complete: false,
      processPath: '/app/\ufffd.txt',
      processPathBytes: 'L2FwcC//LnR4dA==',
      container: { engine: 'podman', id: 'f'.repeat(64) },
      result: -13,
      error: 'EACCES',
      threadName: 'worker-1',
      abi: 'mips-o32',
      syscall: 'rmdir',
      directory: true,
    });
    expect(readBack(event)).toEqual(event);
    const unknown = deletion({ path: '/x', abi: 'io_uring', resultUnknown: true });
    expect(readBack(unknown)).toEqual(unknown);
  });

  it('keeps no argument where it is the name, no extra where nothing is rare, and no destination where it is no rename', () => {
    const event = deletion({ path: '/a/b/name', pathArg: 'name' });
    const [, , , , , , , , pathArg, extra, , movedToDirectoryId, movedToName] = columnsOf(event).map(
      (column) => column[0],
    );
    expect(pathArg).toBeNull();
    expect(extra).toBeNull();
    expect(movedToDirectoryId).toBeNull();
    expect(movedToName).toBeNull();
  });
});

describe('a rename as a row', () => {
  it('reads back a rename that replaced a file, one that replaced nothing, and one where that is not known', () => {
    for (const fields of [{ replaced: true }, { replaced: false }, { replacedUnknown: true as const }]) {
      const event = rename({ path: '/w/draft.txt', movedTo: '/w/final.txt', ...fields });
      expect(readBack(event)).toStrictEqual(event);
    }
    expect('replaced' in readBack(rename({ path: '/w/a', movedTo: '/w/b', replacedUnknown: true }))).toBe(false);
  });

  it('reads back an exchange with its flags, a failed rename, and one by io_uring', () => {
    const exchange = rename({
      path: '/w/a',
      movedTo: '/v/b',
      syscall: 'renameat2',
      exchanged: true,
      replaced: false,
      renameFlags: ['RENAME_EXCHANGE'],
    });
    expect(readBack(exchange)).toStrictEqual(exchange);
    const failed = rename({
      path: '/w/dir',
      movedTo: '/mnt/other/dir',
      syscall: 'rename',
      directory: true,
      result: -18,
      error: 'EXDEV',
      replaced: false,
      renameFlags: ['RENAME_NOREPLACE', 'RENAME_WHITEOUT'],
    });
    expect(readBack(failed)).toStrictEqual(failed);
    const submitted = rename({
      path: '/w/a',
      movedTo: '/w/b',
      abi: 'io_uring',
      syscall: 'renameat',
      resultUnknown: true,
    });
    expect(readBack(submitted)).toStrictEqual(submitted);
  });

  it('reads back a destination that is not UTF-8, one with a newline and control characters, and one known in part', () => {
    const invalid = rename({
      path: '/w/a',
      movedTo: '/w/\ufffd.txt',
      movedToBytes: Buffer.from('/w/\xff.txt', 'latin1').toString('base64'),
    });
    expect(readBack(invalid)).toStrictEqual(invalid);
    const newline = rename({ path: '/w/line\none', movedTo: '/w/line\ntwo\u0001\u007f', pathArg: 'line\none' });
    expect(readBack(newline)).toStrictEqual(newline);
    const part = rename({ path: '/w/a', movedTo: '…/lost/b', movedToComplete: false });
    expect(readBack(part)).toStrictEqual(part);
  });

  it('reads back flags it has no bit for, flags out of order and no flags, as they were given', () => {
    for (const renameFlags of [
      ['RENAME_SOMETHING_NEW'],
      ['RENAME_WHITEOUT', 'RENAME_NOREPLACE'],
      ['RENAME_NOREPLACE', 'RENAME_NOREPLACE'],
      [],
    ]) {
      const event = rename({ path: '/w/a', movedTo: '/w/b', syscall: 'renameat2', renameFlags });
      expect(readBack(event)).toStrictEqual(event);
    }
  });

  it('keeps the destination in two columns and its facts in bits: no extra for a plain rename', () => {
    const event = rename({
      path: '/w/a',
      movedTo: '/v/b',
      syscall: 'renameat2',
      replaced: true,
      renameFlags: ['RENAME_NOREPLACE'],
    });
    const [, , , , , , , , , extra, , movedToDirectoryId, movedToName] = columnsOf(event).map((column) => column[0]);
    expect(extra).toBeNull();
    expect(movedToDirectoryId).toBe(8);
    expect(movedToName).toBe('b');
  });
});
