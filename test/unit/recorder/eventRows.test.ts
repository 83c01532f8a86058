// A deletion kept as a row and read back is the deletion that was kept,
// whatever its rare fields and its path's shape.
import { describe, expect, it } from 'vitest';

import type { DeletionEvent } from '../../../common/protocol';
import { DeletionColumns, eventOf, joinPath, processOfRow, processRowOf, processValues, splitPath } from '../../../helper/recorder/eventRows';
import { deletion } from '../extension/deletions';

/** The event read back from the values written for `event`: its deletion row, its directory, its process row. */
function readBack(event: DeletionEvent): DeletionEvent {
  const { directory, name } = splitPath(event.path);
  const process = processOfRow(processValues(processRowOf(event)));
  const [seq, time, , , , tid, result, facts, pathArg, extra] = columnsOf(event).map((column) => column[0]);
  return eventOf([seq, time, 7, name, tid, result, facts, pathArg, extra, 9], directory, process);
}

function columnsOf(event: DeletionEvent): (Float64Array | (string | null)[])[] {
  const columns = new DeletionColumns(1);
  columns.set(0, event, Date.parse(event.time), 7, splitPath(event.path).name, 9);
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

  it('keeps no argument where it is the name, and no extra where nothing is rare', () => {
    const event = deletion({ path: '/a/b/name', pathArg: 'name' });
    const [, , , , , , , , pathArg, extra] = columnsOf(event).map((column) => column[0]);
    expect(pathArg).toBeNull();
    expect(extra).toBeNull();
  });
});
