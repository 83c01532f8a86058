import { describe, expect, it } from 'vitest';

import { DeletionStore } from '../../../../extension/view/deletionStore';
import { deletion, deletions } from '../../../support/deletionEvents';

const paths = (store: DeletionStore) => store.oldestFirst().map(({ event }) => event.path);

describe('DeletionStore', () => {
  it('holds deletions in the order they happened', () => {
    const store = new DeletionStore({ maxEvents: 10 });
    store.add(deletions(['/w/a', '/w/b']));
    store.add(deletions(['/w/c']));
    expect(paths(store)).toEqual(['/w/a', '/w/b', '/w/c']);
    expect(store.newestFirst().map(({ event }) => event.path)).toEqual(['/w/c', '/w/b', '/w/a']);
  });

  it('keeps only the newest maxEvents and counts the older ones it dropped', () => {
    const store = new DeletionStore({ maxEvents: 3 });
    store.add(deletions(['/w/1', '/w/2']));
    store.add(deletions(['/w/3', '/w/4', '/w/5']));
    expect(paths(store)).toEqual(['/w/3', '/w/4', '/w/5']);
    expect(store.size).toBe(3);
    expect(store.dropped).toBe(2);
  });

  it('counts deletions the kernel lost', () => {
    const store = new DeletionStore({ maxEvents: 3 });
    store.addLost(5);
    store.addLost(2);
    expect(store.lost).toBe(7);
  });

  it('forgets everything, counts included, when cleared', () => {
    const store = new DeletionStore({ maxEvents: 2 });
    store.add(deletions(['/w/1', '/w/2', '/w/3']));
    store.addLost(1);
    store.clear();
    expect([store.size, store.dropped, store.lost]).toEqual([0, 0, 0]);
    store.add(deletions(['/w/4']));
    expect(paths(store)).toEqual(['/w/4']);
  });

  it('drops the oldest when the limit is lowered, and keeps all when it is raised', () => {
    const store = new DeletionStore({ maxEvents: 5 });
    store.add(deletions(['/w/1', '/w/2', '/w/3', '/w/4']));
    store.setLimit(2);
    expect(paths(store)).toEqual(['/w/3', '/w/4']);
    expect(store.dropped).toBe(2);
    store.setLimit(10);
    store.add(deletions(['/w/5', '/w/6', '/w/7']));
    expect(paths(store)).toEqual(['/w/3', '/w/4', '/w/5', '/w/6', '/w/7']);
  });

  it('gives every deletion its own id, even when a new helper starts its seq again', () => {
    const store = new DeletionStore({ maxEvents: 10 });
    store.add([deletion({ path: '/w/a', seq: 1 })]);
    store.add([deletion({ path: '/w/b', seq: 1 })]);
    const [first, second] = store.oldestFirst();
    expect(first.id).not.toBe(second.id);
  });

  it('keeps one copy of a process’s command line for all its deletions', () => {
    const store = new DeletionStore({ maxEvents: 10 });
    store.add([deletion({ path: '/w/a', cmdline: ['rm', '-r', 'x'] })]);
    store.add([deletion({ path: '/w/b', cmdline: ['rm', '-r', 'x'] })]);
    const [a, b] = store.oldestFirst();
    expect(a.event.cmdline).toBe(b.event.cmdline);
  });

  it('tells a change by its version', () => {
    const store = new DeletionStore({ maxEvents: 10 });
    const before = store.version;
    store.add(deletions(['/w/a']));
    expect(store.version).toBeGreaterThan(before);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new DeletionStore({ maxEvents: 0 })).toThrow(RangeError);
  });
});

describe('putting the recorder’s history in order', () => {
  it('holds the given deletions instead, within its limit, keeping the count of lost ones', () => {
    const store = new DeletionStore({ maxEvents: 2 });
    store.add(deletions(['/w/a', '/w/b', '/w/c']));
    store.addLost(4);
    store.replaceAll(deletions(['/w/x', '/w/y', '/w/z']), false);
    expect(store.oldestFirst().map(({ event }) => event.path)).toEqual(['/w/y', '/w/z']);
    expect(store.lost).toBe(4);
    expect(store.dropped).toBe(1);
  });

  it('keeps the count of dropped ones where asked', () => {
    const store = new DeletionStore({ maxEvents: 2 });
    store.add(deletions(['/w/a', '/w/b', '/w/c']));
    store.replaceAll(deletions(['/w/x']), true);
    expect(store.dropped).toBe(1);
  });

  it('numbers what it is given after everything it held before', () => {
    const store = new DeletionStore({ maxEvents: 10 });
    store.add(deletions(['/w/a']));
    const before = store.lastId;
    store.replaceAll(deletions(['/w/x']), false);
    expect(store.oldestFirst()[0].id).toBeGreaterThan(before);
    expect(store.lastId).toBe(store.oldestFirst()[0].id);
  });
});
