import { describe, expect, it } from 'vitest';

import type { DeletionEvent } from '../../../../common/protocol';
import { DeletionStore } from '../../../../extension/view/deletionStore';
import { deletion, deletions, rename } from '../../../support/deletionEvents';

const paths = (store: DeletionStore) => store.oldestFirst().map(({ event }) => event.path);

/** A path of about `length` characters, each one costing two bytes in the estimate. */
const longPath = (name: string, length = 2000) => `/w/${name}-${'x'.repeat(length)}`;

/** The estimate for these deletions held together, measured by a store without a byte limit. */
function bytesOf(events: DeletionEvent[]): number {
  const store = new DeletionStore({ maxEvents: 1_000_000 });
  store.add(events);
  return store.bytes;
}

describe('DeletionStore memory bound', () => {
  it('counts two bytes for each character of a deletion’s path', () => {
    // The path and, in these tests, the pathArg (its last component) both grow by 1,000 characters.
    expect(bytesOf([deletion({ path: `/w/${'x'.repeat(1000)}` })]) - bytesOf([deletion({ path: '/w/' })])).toBe(4000);
  });

  it('counts two bytes for each character of a rename’s destination', () => {
    // The command line (mv FROM TO) is the same in both: only the destination differs.
    const to = (movedTo: string) => bytesOf([rename('/w/a', movedTo, { cmdline: ['mv'] })]);
    expect(to(`/w/${'y'.repeat(1000)}`) - to('/w/')).toBe(2000);
  });

  it('counts a process’s command line once, however many of its deletions are held', () => {
    const long = { cmdline: ['node', 'x'.repeat(5000)] };
    const short = { cmdline: ['node', 'y'] };
    const oneLong = bytesOf(deletions(['/w/a'], long));
    const oneShort = bytesOf(deletions(['/w/a'], short));
    expect(oneLong - oneShort).toBe(2 * 4999);
    // The second deletion of the process costs the same whatever its command line.
    expect(bytesOf(deletions(['/w/a', '/w/b'], long)) - oneLong).toBe(
      bytesOf(deletions(['/w/a', '/w/b'], short)) - oneShort,
    );
    // Another process with the same command line has its own copy (the pids as long as the default one, 4242).
    expect(
      bytesOf([deletion({ path: '/w/a', pid: 4001, ...long }), deletion({ path: '/w/b', pid: 4002, ...long })]),
    ).toBe(2 * oneLong);
  });

  it('keeps only the newest deletions that fit maxBytes and counts the older ones it dropped', () => {
    const first = bytesOf(deletions([longPath('1')]));
    const next = bytesOf(deletions([longPath('1'), longPath('2')])) - first;
    // Room for three and almost a fourth.
    const store = new DeletionStore({ maxEvents: 100, maxBytes: first + 3 * next - 1 });
    store.add(deletions([longPath('1'), longPath('2')]));
    store.add(deletions([longPath('3'), longPath('4'), longPath('5')]));
    expect(paths(store)).toEqual([longPath('3'), longPath('4'), longPath('5')]);
    expect(store.size).toBe(3);
    expect(store.dropped).toBe(2);
    expect(store.bytes).toBe(first + 2 * next);
  });

  it('never holds more than maxBytes after adding, and keeps the newest in order', () => {
    const maxBytes = 100_000;
    const store = new DeletionStore({ maxEvents: 1000, maxBytes });
    const added: string[] = [];
    for (let i = 0; i < 300; i++) {
      // Lengths from 0 to 4,999 characters, and three processes that come and go.
      const path = longPath(String(i), (i * 7919) % 5000);
      added.push(path);
      store.add([deletion({ path, pid: 100 + (i % 3), cmdline: ['make', 'y'.repeat(i % 700)] })]);
      expect(store.bytes).toBeLessThanOrEqual(maxBytes);
      expect(store.size + store.dropped).toBe(added.length);
      expect(paths(store)).toEqual(added.slice(-store.size));
      // What the store counted as it went equals what its deletions cost held afresh.
      expect(store.bytes).toBe(bytesOf(store.oldestFirst().map(({ event }) => event)));
    }
    expect(store.dropped).toBeGreaterThan(200);
  });

  it('drops the oldest at once when maxBytes is lowered, and keeps all when it is raised', () => {
    const events = deletions([longPath('1'), longPath('2'), longPath('3'), longPath('4')]);
    const store = new DeletionStore({ maxEvents: 100, maxBytes: 1_000_000 });
    store.add(events);
    const before = store.version;
    store.setByteLimit(bytesOf(events.slice(2)));
    expect(paths(store)).toEqual([longPath('3'), longPath('4')]);
    expect(store.dropped).toBe(2);
    expect(store.bytes).toBe(bytesOf(events.slice(2)));
    expect(store.byteLimit).toBe(bytesOf(events.slice(2)));
    expect(store.version).toBeGreaterThan(before);
    store.setByteLimit(1_000_000);
    store.add(deletions([longPath('5'), longPath('6')]));
    expect(paths(store)).toEqual([longPath('3'), longPath('4'), longPath('5'), longPath('6')]);
    expect(store.dropped).toBe(2);
  });

  it('keeps a single deletion larger than maxBytes, alone, until the next one', () => {
    const store = new DeletionStore({ maxEvents: 100, maxBytes: 10_000 });
    store.add(deletions(['/w/1', '/w/2', '/w/3']));
    const huge = deletion({ path: longPath('huge', 10_000) });
    store.add([huge]);
    expect(paths(store)).toEqual([huge.path]);
    expect(store.dropped).toBe(3);
    expect(store.bytes).toBe(bytesOf([huge]));
    expect(store.bytes).toBeGreaterThan(10_000);
    store.add(deletions(['/w/4']));
    expect(paths(store)).toEqual(['/w/4']);
    expect(store.dropped).toBe(4);
  });

  it('keeps a single deletion larger than a lowered maxBytes', () => {
    const store = new DeletionStore({ maxEvents: 100, maxBytes: 1_000_000 });
    store.add(deletions([longPath('1'), longPath('2')]));
    store.setByteLimit(100);
    expect(paths(store)).toEqual([longPath('2')]);
    expect(store.dropped).toBe(1);
  });

  it('drops for whichever of maxEvents and maxBytes is reached first', () => {
    const [s1, s2, s3, s4] = deletions(['/w/1', '/w/2', '/w/3', '/w/4']);
    const long = deletion({ path: longPath('long') });
    const store = new DeletionStore({ maxEvents: 3, maxBytes: bytesOf([s4, long]) });
    store.add([s1, s2, s3, s4]);
    // The count: four small deletions fit the bytes, not maxEvents.
    expect(paths(store)).toEqual(['/w/2', '/w/3', '/w/4']);
    expect(store.dropped).toBe(1);
    // The count drops /w/2, then the bytes drop /w/3.
    store.add([long]);
    expect(paths(store)).toEqual(['/w/4', long.path]);
    expect(store.dropped).toBe(3);
    expect(store.bytes).toBe(bytesOf([s4, long]));
    store.setLimit(1);
    expect(paths(store)).toEqual([long.path]);
    expect(store.bytes).toBe(bytesOf([long]));
  });

  it('stops counting a process’s command line once its last deletion is dropped', () => {
    const store = new DeletionStore({ maxEvents: 1 });
    store.add([deletion({ path: '/w/a', pid: 1, cmdline: ['node', 'x'.repeat(5000)] })]);
    const other = deletion({ path: '/w/b', pid: 2 });
    store.add([other]);
    expect(store.bytes).toBe(bytesOf([other]));
  });

  it('counts nothing once cleared', () => {
    const store = new DeletionStore({ maxEvents: 10, maxBytes: 100_000 });
    store.add(deletions(['/w/a', '/w/b']));
    store.clear();
    expect(store.bytes).toBe(0);
  });

  it('has no byte limit unless given one', () => {
    expect(new DeletionStore({ maxEvents: 10 }).byteLimit).toBe(Infinity);
  });

  it('refuses a byte limit that is not a positive integer', () => {
    expect(() => new DeletionStore({ maxEvents: 10, maxBytes: 0 })).toThrow(RangeError);
    expect(() => new DeletionStore({ maxEvents: 10 }).setByteLimit(1.5)).toThrow(RangeError);
  });
});
