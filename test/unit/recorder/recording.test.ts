// The recording in a real SQLite file: what is added is there once flushed
// and after a reopen; queries narrow by folder (under each of its names), by
// time and by page; retention deletes the oldest by age and by size; a file
// that is not a recording is refused with a sentence.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { DeletionEvent } from '../../../common/protocol';
import { loadAddon } from '../../../helper/native';
import { Recording, RecordingError, type RecordingOptions } from '../../../helper/recorder/recording';
import { deletion } from '../extension/deletions';

const DAY_MS = 86_400_000;

let scratch: string;
let file: string;
const open: Recording[] = [];

function recording(options: Partial<RecordingOptions> = {}): Recording {
  const opened = Recording.open({ file, retainDays: 30, retainBytes: 1 << 30, ...options });
  open.push(opened);
  return opened;
}

/** Deletions numbered from `first`, at `time` apart by a millisecond each. */
function numbered(first: number, paths: string[], time = Date.now(), fields: Partial<DeletionEvent> = {}): DeletionEvent[] {
  return paths.map((p, i) => deletion({ path: p, seq: first + i, time: new Date(time + i).toISOString(), ...fields }));
}

const pathsOf = (events: DeletionEvent[]): string[] => events.map((event) => event.path);

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'recording-'));
  file = path.join(scratch, 'state', 'deletions.db');
});

afterEach(() => {
  for (const opened of open.splice(0)) opened.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('the recording', () => {
  it('makes its directory 0700 and its file 0600, and numbers from one', () => {
    const made = recording();
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(made.nextSeq).toBe(1);
  });

  it('keeps what was added once flushed, and after a reopen goes on from the highest seq', () => {
    const first = recording();
    const events = numbered(1, ['/w/a', '/w/b/c', '/other/d']);
    first.add(events);
    expect(first.query({ scope: 'system', includeFailed: true }).events).toEqual([]);
    first.flush();
    expect(first.query({ scope: 'system', includeFailed: true }).events).toEqual(events);
    first.close();
    open.pop();
    const again = recording();
    expect(again.nextSeq).toBe(4);
    expect(again.query({ scope: 'system', includeFailed: true }).events).toEqual(events);
  });

  it('commits by itself within half a second', async () => {
    const made = recording();
    made.add(numbered(1, ['/w/a']));
    const reader = Recording.openForReading(file);
    open.push(reader);
    await expect.poll(() => reader.query({ scope: 'system', includeFailed: true }).events.length, { timeout: 2000 }).toBe(1);
  });

  it('narrows to a folder: what is in it, below it, and the folder itself, not its namesakes', () => {
    const made = recording();
    made.add(numbered(1, ['/w/app', '/w/app/x', '/w/app/deep/y', '/w/apple/z', '/w/ap', '/w/x']));
    made.flush();
    expect(pathsOf(made.query({ scope: { paths: ['/w/app'] }, includeFailed: true }).events)).toEqual(['/w/app', '/w/app/x', '/w/app/deep/y']);
    expect(pathsOf(made.query({ scope: { paths: ['/'] }, includeFailed: true }).events)).toHaveLength(6);
    expect(pathsOf(made.query({ scope: { paths: ['/w/app/deep', '/w/x'] }, includeFailed: true }).events)).toEqual(['/w/app/deep/y', '/w/x']);
  });

  it('finds a folder named through a symlink by its real path', () => {
    const real = path.join(scratch, 'real');
    fs.mkdirSync(real);
    fs.symlinkSync(real, path.join(scratch, 'link'));
    const made = recording();
    made.add(numbered(1, [path.join(real, 'gone.txt')]));
    made.flush();
    expect(pathsOf(made.query({ scope: { paths: [path.join(scratch, 'link')] }, includeFailed: true }).events)).toEqual([path.join(real, 'gone.txt')]);
  });

  it('narrows by time, leaves failures out unless asked, and pages back from the newest', () => {
    const made = recording();
    const now = Date.UTC(2026, 10, 27, 12);
    made.add(numbered(1, ['/w/old'], now - 3 * DAY_MS));
    made.add(numbered(2, ['/w/failed'], now - 1000, { result: -2, error: 'ENOENT' }));
    made.add(numbered(3, ['/w/a', '/w/b', '/w/c', '/w/d'], now));
    made.flush();
    expect(pathsOf(made.query({ scope: 'system', sinceMs: now - DAY_MS, includeFailed: false }).events)).toEqual(['/w/a', '/w/b', '/w/c', '/w/d']);
    expect(pathsOf(made.query({ scope: 'system', sinceMs: now - DAY_MS, includeFailed: true }).events)).toEqual(['/w/failed', '/w/a', '/w/b', '/w/c', '/w/d']);
    expect(pathsOf(made.query({ scope: 'system', untilMs: now, includeFailed: true }).events)).toEqual(['/w/old', '/w/failed']);
    const newest = made.query({ scope: 'system', limit: 2, includeFailed: false });
    expect(pathsOf(newest.events)).toEqual(['/w/c', '/w/d']);
    expect(newest.more).toBe(true);
    const before = made.query({ scope: 'system', limit: 2, before: newest.events[0].seq, includeFailed: false });
    expect(pathsOf(before.events)).toEqual(['/w/a', '/w/b']);
    const last = made.query({ scope: 'system', limit: 2, before: before.events[0].seq, includeFailed: false });
    expect(pathsOf(last.events)).toEqual(['/w/old']);
    expect(last.more).toBe(false);
    expect(pathsOf([...made.iterate({ scope: { paths: ['/w'] }, includeFailed: true })])).toEqual(['/w/old', '/w/failed', '/w/a', '/w/b', '/w/c', '/w/d']);
  });

  it('keeps one process row for a storm of one process, and another after its command line changed', () => {
    const made = recording();
    const cmdline = ['rm', '-rf', 'build'];
    const storm = numbered(1, Array.from({ length: 1000 }, (_, i) => `/w/build/${i}`), Date.now(), { cmdline });
    made.add(storm);
    made.add(numbered(1001, ['/w/after-exec'], Date.now(), { cmdline: ['git', 'clean', '-fdx'] }));
    made.flush();
    made.close();
    open.pop();
    const db = new (loadAddon().Database)(file, { readOnly: true });
    expect(db.prepare('SELECT count(*) FROM processes').get()).toEqual([2]);
    expect(db.prepare('SELECT count(*) FROM directories').get()).toEqual([2]);
    db.close();
  });

  it('deletes what is older than its days, and the directories and processes no deletion needs any more', () => {
    const made = recording({ retainDays: 7 });
    const now = Date.now();
    made.add(numbered(1, ['/old/a', '/old/b'], now - 8 * DAY_MS, { cmdline: ['old'] }));
    made.add(numbered(3, ['/new/c'], now - DAY_MS, { cmdline: ['new'] }));
    made.applyRetention(now);
    expect(pathsOf(made.query({ scope: 'system', includeFailed: true }).events)).toEqual(['/new/c']);
    made.close();
    open.pop();
    const db = new (loadAddon().Database)(file, { readOnly: true });
    expect(db.prepare('SELECT path FROM directories').all()).toEqual([['/new']]);
    expect(db.prepare('SELECT cmdline FROM processes').all()).toEqual([['["new"]']]);
    db.close();
  });

  it('keeps below its size by deleting the oldest first', () => {
    const retainBytes = 2 << 20;
    const made = recording({ retainBytes });
    const long = 'n'.repeat(200);
    for (let batch = 0; batch < 10; batch++) {
      made.add(numbered(1 + batch * 5000, Array.from({ length: 5000 }, (_, i) => `/w/${batch}/${long}${i}`)));
      made.flush();
    }
    expect(made.usedBytes()).toBeGreaterThan(retainBytes);
    made.applyRetention();
    expect(made.usedBytes()).toBeLessThanOrEqual(retainBytes);
    const kept = made.query({ scope: 'system', includeFailed: true, limit: 100_000 }).events;
    expect(kept.length).toBeGreaterThan(0);
    expect(kept[kept.length - 1].seq).toBe(50_000);
    expect(kept[0].seq).toBeGreaterThan(1);
    expect(fs.statSync(file).size).toBeLessThan(4 * retainBytes);
  });

  it('refuses a file that is not a SQLite database, and one of another program, in words', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.alloc(8192, 0x5a));
    expect(() => recording()).toThrow(RecordingError);
    expect(() => recording()).toThrow(/damaged or not a SQLite database.*move it aside/);
    fs.rmSync(file);
    const other = new (loadAddon().Database)(file);
    other.exec('CREATE TABLE notes (text TEXT)');
    other.close();
    expect(() => recording()).toThrow(/some other program/);
    expect(() => Recording.openForReading(path.join(scratch, 'missing.db'))).toThrow(/does not exist/);
  });

  it('counts a batch it cannot write as unrecorded, says why, and records again once it can', () => {
    const statuses: string[] = [];
    const made = recording({ onStatus: (status) => statuses.push(status.problem ?? 'ok') });
    made.add(numbered(1, ['/w/a']));
    made.flush();
    // A seq already kept: the batch's insert fails as a whole, as a full disk would fail it.
    made.add(numbered(1, ['/w/again', '/w/b']));
    made.flush();
    expect(made.status().unrecorded).toBe(2);
    expect(made.status().problem).toMatch(/cannot write to .*deletions\.db/);
    expect(statuses[0]).toMatch(/cannot write to/);
    made.add(numbered(5, ['/w/c']));
    made.flush();
    expect(made.status().problem).toBeUndefined();
    expect(pathsOf(made.query({ scope: 'system', includeFailed: true }).events)).toEqual(['/w/a', '/w/c']);
  });
});
