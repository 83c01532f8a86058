// The recording in a real SQLite file: what is added is there once flushed
// and after a reopen; queries narrow by folder (under each of its names), by
// time, by uid and by page, bounded in bytes and in statements kept;
// retention deletes the oldest by age and, by size, those of the uid that
// holds the most; strings come back exactly; a damaged row costs itself
// alone; a file that is not a recording, or a link, is refused with a
// sentence; a version-1 or version-2 file is brought up to version 3. A
// rename is one deletion, read back with every field, and in a folder's
// history where either of its paths is in the folder.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { DeletionEvent } from '../../../../common/protocol';
import { loadAddon } from '../../../../helper/native';
import {
  PAGE_BYTES,
  Recording,
  RecordingError,
  STATEMENTS_KEPT,
  type RecordingOptions,
} from '../../../../helper/recorder/recording';
import { APPLICATION_ID, SCHEMA_VERSION } from '../../../../helper/recorder/schema';
import { RECORDED_FOLDER, recordManyDeletions } from '../../../support/recordedFolder';
import { deletion } from '../../../support/deletionEvents';
import { rename } from '../../../support/renameEvents';

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
function numbered(
  first: number,
  paths: string[],
  time = Date.now(),
  fields: Partial<DeletionEvent> = {},
): DeletionEvent[] {
  return paths.map((p, i) => deletion({ path: p, seq: first + i, time: new Date(time + i).toISOString(), ...fields }));
}

const pathsOf = (events: DeletionEvent[]): string[] => events.map((event) => event.path);
const seqsOf = (events: DeletionEvent[]): number[] => events.map((event) => event.seq);

/**
 * Makes `file` a recording of an older schema, in its own DDL: two
 * deletions in /w (the values of `deletionRows`, in that version's columns),
 * by processes of uid 1001 and 1002.
 */
function writeOldRecording(version: 1 | 2, deletionRows: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const old = new (loadAddon().Database)(file);
  old.exec(`PRAGMA journal_mode = WAL; BEGIN;
    CREATE TABLE directories (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, last_seq INTEGER NOT NULL);
    CREATE TABLE processes (id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, ppid INTEGER NOT NULL, uid INTEGER NOT NULL, comm TEXT NOT NULL, cmdline TEXT NOT NULL,
      ancestors TEXT NOT NULL, container TEXT, mount_namespace INTEGER NOT NULL, cgroup_id INTEGER NOT NULL, last_seq INTEGER NOT NULL);
    CREATE TABLE deletions (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, directory_id INTEGER NOT NULL, name TEXT NOT NULL, process_id INTEGER NOT NULL,
      tid INTEGER NOT NULL, result INTEGER NOT NULL, facts INTEGER NOT NULL, path_arg TEXT, extra TEXT${version >= 2 ? ', uid INTEGER NOT NULL DEFAULT 0' : ''});
    CREATE INDEX deletions_by_directory ON deletions (directory_id, time, result);
    CREATE INDEX deletions_by_time ON deletions (time);
    ${version >= 2 ? 'CREATE INDEX deletions_by_uid ON deletions (uid, seq);' : ''}
    INSERT INTO directories VALUES (1, '/w', 2);
    INSERT INTO processes VALUES (1, 10, 1, 1001, 'rm', '["rm","a"]', '[]', NULL, 4026531841, 1, 1), (2, 11, 1, 1002, 'rm', '["rm","b"]', '[]', NULL, 4026531841, 1, 2);
    INSERT INTO deletions VALUES ${deletionRows};
    PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = ${version}; COMMIT;`);
  old.close();
}

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'recording-'));
  file = path.join(scratch, 'state', 'deletions.db');
});

afterEach(() => {
  for (const opened of open.splice(0)) opened.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('the recording', () => {
  it('makes its directory 0700 and its file 0600, and numbers from one', async () => {
    const made = recording();
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(made.nextSeq).toBe(1);
  });

  it('keeps what was added once flushed, and after a reopen goes on from the highest seq', async () => {
    const first = recording();
    const events = numbered(1, ['/w/a', '/w/b/c', '/other/d']);
    first.add(events);
    expect((await first.query({ scope: 'system', includeFailed: true })).events).toEqual([]);
    first.flush();
    expect((await first.query({ scope: 'system', includeFailed: true })).events).toEqual(events);
    first.close();
    open.pop();
    const again = recording();
    expect(again.nextSeq).toBe(4);
    expect((await again.query({ scope: 'system', includeFailed: true })).events).toEqual(events);
  });

  it('commits by itself within half a second', async () => {
    const made = recording();
    made.add(numbered(1, ['/w/a']));
    const reader = Recording.openForReading(file);
    open.push(reader);
    await expect
      .poll(async () => (await reader.query({ scope: 'system', includeFailed: true })).events.length, { timeout: 2000 })
      .toBe(1);
  });

  it('narrows to a folder: what is in it, below it, and the folder itself, not its namesakes', async () => {
    const made = recording();
    made.add(numbered(1, ['/w/app', '/w/app/x', '/w/app/deep/y', '/w/apple/z', '/w/ap', '/w/x']));
    made.flush();
    expect(pathsOf((await made.query({ scope: { paths: ['/w/app'] }, includeFailed: true })).events)).toEqual([
      '/w/app',
      '/w/app/x',
      '/w/app/deep/y',
    ]);
    expect(pathsOf((await made.query({ scope: { paths: ['/'] }, includeFailed: true })).events)).toHaveLength(6);
    expect(
      pathsOf((await made.query({ scope: { paths: ['/w/app/deep', '/w/x'] }, includeFailed: true })).events),
    ).toEqual(['/w/app/deep/y', '/w/x']);
  });

  it('finds a folder named through a symlink by its real path', async () => {
    const real = path.join(scratch, 'real');
    fs.mkdirSync(real);
    fs.symlinkSync(real, path.join(scratch, 'link'));
    const made = recording();
    made.add(numbered(1, [path.join(real, 'gone.txt')]));
    made.flush();
    expect(
      pathsOf((await made.query({ scope: { paths: [path.join(scratch, 'link')] }, includeFailed: true })).events),
    ).toEqual([path.join(real, 'gone.txt')]);
  });

  it('narrows by time, leaves failures out unless asked, and pages back from the newest', async () => {
    const made = recording();
    const now = Date.UTC(2026, 10, 27, 12);
    made.add(numbered(1, ['/w/old'], now - 3 * DAY_MS));
    made.add(numbered(2, ['/w/failed'], now - 1000, { result: -2, error: 'ENOENT' }));
    made.add(numbered(3, ['/w/a', '/w/b', '/w/c', '/w/d'], now));
    made.flush();
    expect(
      pathsOf((await made.query({ scope: 'system', sinceMs: now - DAY_MS, includeFailed: false })).events),
    ).toEqual(['/w/a', '/w/b', '/w/c', '/w/d']);
    expect(pathsOf((await made.query({ scope: 'system', sinceMs: now - DAY_MS, includeFailed: true })).events)).toEqual(
      ['/w/failed', '/w/a', '/w/b', '/w/c', '/w/d'],
    );
    expect(pathsOf((await made.query({ scope: 'system', untilMs: now, includeFailed: true })).events)).toEqual([
      '/w/old',
      '/w/failed',
    ]);
    const newest = await made.query({ scope: 'system', limit: 2, includeFailed: false });
    expect(pathsOf(newest.events)).toEqual(['/w/c', '/w/d']);
    expect(newest.more).toBe(true);
    const before = await made.query({ scope: 'system', limit: 2, before: newest.events[0].seq, includeFailed: false });
    expect(pathsOf(before.events)).toEqual(['/w/a', '/w/b']);
    const last = await made.query({ scope: 'system', limit: 2, before: before.events[0].seq, includeFailed: false });
    expect(pathsOf(last.events)).toEqual(['/w/old']);
    expect(last.more).toBe(false);
    expect(pathsOf([...made.iterate({ scope: { paths: ['/w'] }, includeFailed: true })])).toEqual([
      '/w/old',
      '/w/failed',
      '/w/a',
      '/w/b',
      '/w/c',
      '/w/d',
    ]);
  });

  it('keeps one process row for a storm of one process, and another after its command line changed', async () => {
    const made = recording();
    const cmdline = ['rm', '-rf', 'build'];
    const storm = numbered(
      1,
      Array.from({ length: 1000 }, (_, i) => `/w/build/${i}`),
      Date.now(),
      { cmdline },
    );
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

  it('deletes what is older than its days, and the directories and processes no deletion needs any more', async () => {
    const made = recording({ retainDays: 7 });
    const now = Date.now();
    made.add(numbered(1, ['/old/a', '/old/b'], now - 8 * DAY_MS, { cmdline: ['old'] }));
    made.add(numbered(3, ['/new/c'], now - DAY_MS, { cmdline: ['new'] }));
    made.applyRetention(now);
    expect(pathsOf((await made.query({ scope: 'system', includeFailed: true })).events)).toEqual(['/new/c']);
    made.close();
    open.pop();
    const db = new (loadAddon().Database)(file, { readOnly: true });
    expect(db.prepare('SELECT path FROM directories').all()).toEqual([['/new']]);
    expect(db.prepare('SELECT cmdline FROM processes').all()).toEqual([['["new"]']]);
    db.close();
  });

  it('keeps below its size by deleting the oldest first', async () => {
    const retainBytes = 2 << 20;
    const made = recording({ retainBytes });
    const long = 'n'.repeat(200);
    for (let batch = 0; batch < 10; batch++) {
      made.add(
        numbered(
          1 + batch * 5000,
          Array.from({ length: 5000 }, (_, i) => `/w/${batch}/${long}${i}`),
        ),
      );
      made.flush();
    }
    expect(made.usedBytes()).toBeGreaterThan(retainBytes);
    made.applyRetention();
    expect(made.usedBytes()).toBeLessThanOrEqual(retainBytes);
    const kept = (await made.query({ scope: 'system', includeFailed: true, limit: 100_000 })).events;
    expect(kept.length).toBeGreaterThan(0);
    expect(kept[kept.length - 1].seq).toBe(50_000);
    expect(kept[0].seq).toBeGreaterThan(1);
    expect(fs.statSync(file).size).toBeLessThan(4 * retainBytes);
  });

  it('refuses a file that is not a SQLite database, and one of another program, in words', async () => {
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

  it('counts a batch it cannot write as unrecorded, says why, and records again once it can', async () => {
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
    expect(pathsOf((await made.query({ scope: 'system', includeFailed: true })).events)).toEqual(['/w/a', '/w/c']);
  });

  it('gives each uid its share: above its size, the uid that holds the most loses its oldest first', async () => {
    const retainBytes = 2 << 20;
    const made = recording({ retainBytes });
    made.add(numbered(1, ['/home/alice/report.txt'], Date.now(), { uid: 1001 }));
    const long = 'n'.repeat(200);
    for (let batch = 0; batch < 10; batch++) {
      made.add(
        numbered(
          2 + batch * 5000,
          Array.from({ length: 5000 }, (_, i) => `/tmp/flood/${long}${i}`),
          Date.now(),
          { uid: 1002, result: -2, error: 'ENOENT' },
        ),
      );
      made.flush();
    }
    expect(made.usedBytes()).toBeGreaterThan(retainBytes);
    made.applyRetention();
    expect(made.usedBytes()).toBeLessThanOrEqual(retainBytes);
    expect(pathsOf((await made.query({ scope: 'system', includeFailed: true, uid: 1001 })).events)).toEqual([
      '/home/alice/report.txt',
    ]);
    const flood = (await made.query({ scope: 'system', includeFailed: true, uid: 1002, limit: 100_000 })).events;
    expect(flood.length).toBeGreaterThan(0);
    expect(flood.length).toBeLessThan(50_000);
    expect(flood[flood.length - 1].seq).toBe(50_001);
  });

  it('answers only the deletions of the uid asked for, in a folder or the whole system', async () => {
    const made = recording();
    made.add(numbered(1, ['/w/a', '/w/b'], Date.now(), { uid: 1001 }));
    made.add(numbered(3, ['/w/c', '/v/d'], Date.now(), { uid: 1002 }));
    made.flush();
    expect(pathsOf((await made.query({ scope: 'system', includeFailed: false, uid: 1002 })).events)).toEqual([
      '/w/c',
      '/v/d',
    ]);
    expect(pathsOf((await made.query({ scope: { paths: ['/w'] }, includeFailed: false, uid: 1001 })).events)).toEqual([
      '/w/a',
      '/w/b',
    ]);
    expect(pathsOf([...made.iterate({ scope: { paths: ['/w'] }, includeFailed: false, uid: 1002 })])).toEqual(['/w/c']);
  });

  it('brings a version-1 recording up to version 2, the uid of each deletion taken from its process', async () => {
    writeOldRecording(
      1,
      `(1, ${Date.now()}, 1, 'a', 1, 10, 0, 2, NULL, NULL), (2, ${Date.now()}, 1, 'b', 2, 11, 0, 2, NULL, NULL)`,
    );
    const made = recording();
    expect(made.nextSeq).toBe(3);
    made.add(numbered(3, ['/w/c'], Date.now(), { uid: 1003 }));
    made.flush();
    expect(pathsOf((await made.query({ scope: 'system', includeFailed: false, uid: 1002 })).events)).toEqual(['/w/b']);
    expect(pathsOf((await made.query({ scope: 'system', includeFailed: false, uid: 1003 })).events)).toEqual(['/w/c']);
    made.close();
    open.pop();
    const db = new (loadAddon().Database)(file, { readOnly: true });
    expect(db.prepare('PRAGMA user_version').get()).toEqual([SCHEMA_VERSION]);
    expect(db.prepare('SELECT seq, uid FROM deletions ORDER BY seq').all()).toEqual([
      [1, 1001],
      [2, 1002],
      [3, 1003],
    ]);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'deletions_by_uid'").get()).toEqual([1]);
    db.close();
  });

  it('refuses a recording of a later version', () => {
    recording().close();
    open.pop();
    const db = new (loadAddon().Database)(file);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => recording()).toThrow(/written by a later Syscall Trace/);
  });

  it('stores and reads back exactly strings that end with a 2-, 3- or 4-byte character at every place in its buffer', () => {
    const db = new (loadAddon().Database)(path.join(scratch, 'strings.db'));
    const echo = db.prepare('SELECT ?');
    for (const character of ['é', '€', '😀']) {
      // Each string one byte longer than the last: the buffer grows to fit
      // each, and the next ends across its end.
      for (let length = 0; length < 600; length++) {
        const text = 'a'.repeat(length) + character;
        expect(echo.get([text])).toEqual([text]);
      }
    }
    db.close();
  });

  it('keeps a file name of 223 "a" and an "é" whole, in its path and command line', async () => {
    const made = recording();
    const name = `${'a'.repeat(223)}é`;
    made.add(numbered(1, [`/w/${name}`], Date.now(), { cmdline: ['rm', name] }));
    made.flush();
    const [event] = (await made.query({ scope: 'system', includeFailed: true })).events;
    expect(event.path).toBe(`/w/${name}`);
    expect(event.cmdline).toEqual(['rm', name]);
  });

  it('leaves out a row that cannot be read back, counts it, and answers the rest of the page', async () => {
    const made = recording();
    made.add(numbered(1, ['/w/a', '/w/b', '/w/c'], Date.now(), { cmdline: ['rm', 'a'] }));
    made.add(numbered(4, ['/w/d', '/w/e'], Date.now(), { cmdline: ['rm', 'other'] }));
    made.flush();
    const db = new (loadAddon().Database)(file);
    db.exec(`UPDATE deletions SET extra = '{"threadName": "cut' WHERE seq = 2`);
    db.exec(`UPDATE processes SET cmdline = '["rm", "oth' WHERE cmdline = '["rm","other"]'`);
    db.exec(`UPDATE deletions SET time = 'not a time' WHERE seq = 3`);
    db.close();
    const page = await made.query({ scope: 'system', includeFailed: true });
    expect(pathsOf(page.events)).toEqual(['/w/a']);
    expect(page.unreadable).toBe(4);
    const unreadable: number[] = [];
    expect(
      pathsOf([...made.iterate({ scope: { paths: ['/w'] }, includeFailed: true }, (count) => unreadable.push(count))]),
    ).toEqual(['/w/a']);
    expect(unreadable).toEqual([4]);
  });

  it('refuses a symbolic link at its path, and writes nothing where it points', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const target = path.join(scratch, 'elsewhere.db');
    fs.symlinkSync(target, file);
    expect(() => recording()).toThrow(RecordingError);
    expect(() => recording()).toThrow(/is a symbolic link.*does not follow links/);
    expect(fs.existsSync(target)).toBe(false);
    fs.writeFileSync(target, '');
    expect(() => recording()).toThrow(/is a symbolic link/);
    expect(() => Recording.openForReading(file)).toThrow(/is a symbolic link/);
    expect(fs.readFileSync(target, 'utf8')).toBe('');
  });

  it('stops a page before its JSON passes PAGE_BYTES, says there is more, and pages on from there', async () => {
    const made = recording();
    // A command line of 100 KB for each process: 100 deletions are about 10 MB of JSON.
    for (let i = 0; i < 100; i++)
      made.add(
        numbered(1 + i, [`/w/${i}`], Date.now() + i, { pid: 100 + i, cmdline: ['x'.repeat(100_000), String(i)] }),
      );
    made.flush();
    const first = await made.query({ scope: { paths: ['/w'] }, includeFailed: false });
    expect(Buffer.byteLength(JSON.stringify(first.events))).toBeLessThanOrEqual(PAGE_BYTES);
    expect(first.events.length).toBeGreaterThan(10);
    expect(first.events.length).toBeLessThan(100);
    expect(first.more).toBe(true);
    expect(first.events[first.events.length - 1].seq).toBe(100);
    const seqs = first.events.map((event) => event.seq);
    for (let page = first; page.more;) {
      page = await made.query({ scope: { paths: ['/w'] }, before: page.events[0].seq, includeFailed: false });
      seqs.unshift(...page.events.map((event) => event.seq));
    }
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('keeps at most STATEMENTS_KEPT statements a connection, however many query shapes and folders are asked for', async () => {
    const made = recording();
    made.add(numbered(1, ['/w/a']));
    made.flush();
    const folders = Array.from({ length: 200 }, (_, i) => `/w/f${i}`);
    await made.query({ scope: { paths: folders.slice(0, 1) }, includeFailed: false });
    const afterOne = made.statementsHeld;
    for (let count = 2; count <= folders.length; count++)
      await made.query({ scope: { paths: folders.slice(0, count) }, includeFailed: false });
    expect(made.statementsHeld).toBe(afterOne);
    for (let shape = 0; shape < 64; shape++) {
      await made.query({
        scope: shape & 1 ? 'system' : { paths: ['/w'] },
        includeFailed: (shape & 2) !== 0,
        ...(shape & 4 ? { sinceMs: 1 } : {}),
        ...(shape & 8 ? { untilMs: Date.now() + 1000 } : {}),
        ...(shape & 16 ? { before: 10 } : {}),
        ...(shape & 32 ? { uid: 1000 } : {}),
      });
    }
    expect(made.statementsHeld).toBeLessThanOrEqual(2 * STATEMENTS_KEPT);
    expect(pathsOf((await made.query({ scope: { paths: ['/w'] }, includeFailed: false })).events)).toEqual(['/w/a']);
  });

  it('answers queries asked together one after another, each with its own answer', async () => {
    const made = recording();
    made.add(
      numbered(
        1,
        Array.from({ length: 2000 }, (_, i) => `/w/${i}`),
      ),
    );
    made.flush();
    const answers = await Promise.all([
      made.query({ scope: { paths: ['/w'] }, includeFailed: false, limit: 5 }),
      made.query({ scope: 'system', includeFailed: false, limit: 1 }),
      made.query({ scope: { paths: ['/nowhere'] }, includeFailed: false }),
    ]);
    expect(answers.map((answer) => pathsOf(answer.events))).toEqual([
      ['/w/1995', '/w/1996', '/w/1997', '/w/1998', '/w/1999'],
      ['/w/1999'],
      [],
    ]);
  });

  it("reads a long query off JavaScript's thread, which goes on meanwhile", { timeout: 60_000 }, async () => {
    recordManyDeletions(file, 1_500_000);
    const made = recording();
    // Turns of the event loop while the query is under way: a query read on
    // JavaScript's own thread would hold it from the call to the answer, and
    // none would come between.
    let turns = 0;
    const counting = setInterval(() => turns++, 1);
    const page = await made.query({ scope: { paths: [RECORDED_FOLDER] }, includeFailed: false, limit: 10_000 });
    const turnsDuringQuery = turns;
    clearInterval(counting);
    expect(page.events).toHaveLength(10_000);
    expect(page.events.at(-1)!.seq).toBe(1_500_000);
    expect(turnsDuringQuery).toBeGreaterThan(0);
  });

  it(
    'interrupts a query on the query thread when it is closed: the query fails, and nothing is read from a closed file',
    { timeout: 60_000 },
    async () => {
      recordManyDeletions(file, 500_000);
      const made = recording();
      const asked = made.query({ scope: { paths: [RECORDED_FOLDER] }, includeFailed: false, limit: 10_000 });
      // Well into the query: the sort of half a million matches takes longer.
      await new Promise((resolve) => setTimeout(resolve, 20));
      made.close();
      open.pop();
      await expect(asked).rejects.toThrow(RecordingError);
      await expect(asked).rejects.toThrow(/interrupted/);
    },
  );

  it('fails a query under way when it is closed, rather than reading a closed file', async () => {
    const made = recording();
    made.add(numbered(1, ['/w/a']));
    made.flush();
    const asked = made.query({ scope: 'system', includeFailed: false });
    made.close();
    open.pop();
    await asked.then(
      (answer) => expect(pathsOf(answer.events)).toEqual(['/w/a']),
      (error: unknown) => expect(error).toBeInstanceOf(RecordingError),
    );
  });
});

describe('renames in the recording', () => {
  /** Renames and a deletion, seq 1 to 8, by uid 1000 unless said. */
  function renamesAround(app: string): DeletionEvent[] {
    const fields = (seq: number): Partial<DeletionEvent> => ({ seq, time: new Date(Date.now() + seq).toISOString() });
    return [
      rename({ ...fields(1), path: `${app}/a`, movedTo: '/elsewhere/a' }),
      rename({ ...fields(2), path: '/elsewhere/b', movedTo: `${app}/deep/b`, replaced: true }),
      rename({ ...fields(3), path: `${app}/c`, movedTo: `${app}/d`, replaced: false }),
      rename({ ...fields(4), path: '/x/y', movedTo: '/z/y' }),
      deletion({ ...fields(5), path: `${app}/e` }),
      rename({ ...fields(6), path: '/tmp/new', movedTo: app, directory: true }),
      rename({ ...fields(7), path: `${app}le/x`, movedTo: `${app}lication/x` }),
      rename({ ...fields(8), path: app, movedTo: `${app}-old`, directory: true }),
    ];
  }

  it('keeps every field of a rename, as the live trace gave it, through a reopen', async () => {
    const events = [
      rename({ seq: 1, path: '/w/draft', movedTo: '/w/final', replaced: true }),
      rename({
        seq: 2,
        path: '/w/a',
        movedTo: '/w/b',
        replaced: false,
        syscall: 'renameat2',
        renameFlags: ['RENAME_NOREPLACE'],
      }),
      rename({ seq: 3, path: '/w/c', movedTo: '/w/d', replacedUnknown: true, syscall: 'rename' }),
      rename({
        seq: 4,
        path: '/w/e',
        movedTo: '/v/f',
        exchanged: true,
        replaced: false,
        syscall: 'renameat2',
        renameFlags: ['RENAME_EXCHANGE'],
      }),
      rename({
        seq: 5,
        path: '/w/g',
        movedTo: '/w/g',
        result: -39,
        error: 'ENOTEMPTY',
        replaced: false,
        directory: true,
      }),
      rename({
        seq: 6,
        path: '/w/h',
        movedTo: '/w/\ufffd',
        movedToBytes: Buffer.from('/w/\xfe', 'latin1').toString('base64'),
        replaced: false,
      }),
      rename({ seq: 7, path: '/w/one\nline', pathArg: 'one\nline', movedTo: '/w/two\nlines\u0007', replaced: false }),
      rename({ seq: 8, path: '/w/i', movedTo: '…/j', movedToComplete: false, abi: 'io_uring', resultUnknown: true }),
    ];
    const made = recording();
    made.add(events);
    made.flush();
    expect((await made.query({ scope: 'system', includeFailed: true })).events).toStrictEqual(events);
    made.close();
    open.pop();
    const reader = Recording.openForReading(file);
    open.push(reader);
    expect([...reader.iterate({ scope: 'system', includeFailed: true })]).toStrictEqual(events);
  });

  it('finds a rename in a folder by its source, by its destination, or by both, each once, and not by a namesake', async () => {
    const made = recording();
    made.add(renamesAround('/w/app'));
    made.flush();
    const scope = { paths: ['/w/app'] };
    expect(seqsOf((await made.query({ scope, includeFailed: false })).events)).toEqual([1, 2, 3, 5, 6, 8]);
    expect(seqsOf([...made.iterate({ scope, includeFailed: false })])).toEqual([1, 2, 3, 5, 6, 8]);
    // Both of its folders, or both of its paths in one: once all the same.
    expect(
      seqsOf((await made.query({ scope: { paths: ['/w/app', '/elsewhere'] }, includeFailed: false })).events),
    ).toEqual([1, 2, 3, 5, 6, 8]);
    expect(seqsOf((await made.query({ scope: { paths: ['/z'] }, includeFailed: false })).events)).toEqual([4]);
    expect(seqsOf((await made.query({ scope: { paths: ['/w/application'] }, includeFailed: false })).events)).toEqual([
      7,
    ]);
  });

  it('pages a folder whose renames match by both paths in distinct seqs: each page full, none twice, none left out', async () => {
    const made = recording();
    made.add(renamesAround('/w/app'));
    made.flush();
    const scope = { paths: ['/w/app', '/w/app/deep'] };
    const pages: number[][] = [];
    let before: number | undefined;
    for (let more = true; more;) {
      const page = await made.query({
        scope,
        includeFailed: false,
        limit: 2,
        ...(before === undefined ? {} : { before }),
      });
      pages.unshift(seqsOf(page.events));
      before = page.events[0]?.seq;
      more = page.more;
    }
    expect(pages).toEqual([
      [1, 2],
      [3, 5],
      [6, 8],
    ]);
  });

  it('shows an own-only client its own renames alone, whichever of their paths is in the folder', async () => {
    const made = recording();
    made.add([
      rename({ seq: 1, path: '/w/mine', movedTo: '/v/mine', uid: 1001 }),
      rename({ seq: 2, path: '/v/theirs', movedTo: '/w/theirs', uid: 1002 }),
      rename({ seq: 3, path: '/v/also-mine', movedTo: '/w/also-mine', uid: 1001 }),
      rename({ seq: 4, path: '/w/a', movedTo: '/w/b', uid: 1002 }),
    ]);
    made.flush();
    expect(seqsOf((await made.query({ scope: { paths: ['/w'] }, includeFailed: false, uid: 1001 })).events)).toEqual([
      1, 3,
    ]);
    expect(seqsOf((await made.query({ scope: { paths: ['/w'] }, includeFailed: false, uid: 1002 })).events)).toEqual([
      2, 4,
    ]);
    expect(seqsOf([...made.iterate({ scope: { paths: ['/w'] }, includeFailed: false, uid: 1001 })])).toEqual([1, 3]);
  });

  it("keeps the directory of a kept rename's destination when retention deletes what else used it", async () => {
    const made = recording({ retainDays: 7 });
    const now = Date.now();
    made.add(numbered(1, ['/dest/old'], now - 8 * DAY_MS));
    const moved = rename({ seq: 2, time: new Date(now - DAY_MS).toISOString(), path: '/w/a', movedTo: '/dest/a' });
    made.add([moved]);
    made.applyRetention(now);
    const page = await made.query({ scope: { paths: ['/dest'] }, includeFailed: false });
    expect(page.events).toStrictEqual([moved]);
    expect(page.unreadable).toBeUndefined();
  });

  it('brings a version-2 recording up to version 3: its deletions kept as they were, renames recorded and found by destination', async () => {
    const now = Date.now();
    writeOldRecording(
      2,
      `(1, ${now}, 1, 'a', 1, 10, 0, 2, NULL, NULL, 1001), (2, ${now}, 1, 'b', 2, 11, -2, 2, 'x/b', NULL, 1002)`,
    );
    const made = recording();
    expect(made.nextSeq).toBe(3);
    const moved = rename({ seq: 3, path: '/v/c', movedTo: '/w/c', uid: 1003, replaced: true });
    made.add([moved]);
    made.flush();
    const page = await made.query({ scope: { paths: ['/w'] }, includeFailed: true });
    expect(pathsOf(page.events)).toEqual(['/w/a', '/w/b', '/v/c']);
    expect(page.events[1]).toMatchObject({ uid: 1002, result: -2, error: 'ENOENT', pathArg: 'x/b', syscall: 'unlink' });
    expect(page.events[0].movedTo).toBeUndefined();
    expect(page.events[2]).toStrictEqual(moved);
    expect(seqsOf((await made.query({ scope: 'system', includeFailed: true, uid: 1002 })).events)).toEqual([2]);
    made.close();
    open.pop();
    const db = new (loadAddon().Database)(file, { readOnly: true });
    expect(db.prepare('PRAGMA user_version').get()).toEqual([3]);
    expect(
      db.prepare('SELECT seq, moved_to_directory_id, moved_to_name FROM deletions WHERE seq < 3 ORDER BY seq').all(),
    ).toEqual([
      [1, null, null],
      [2, null, null],
    ]);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'deletions_by_moved_to'").get()).toEqual([1]);
    db.close();
  });

  it('reads a version-2 recording as it is for the history command, and leaves it at version 2', async () => {
    writeOldRecording(
      2,
      `(1, ${Date.now()}, 1, 'a', 1, 10, 0, 2, NULL, NULL, 1001), (2, ${Date.now()}, 1, 'b', 2, 11, 0, 2, NULL, NULL, 1002)`,
    );
    const reader = Recording.openForReading(file);
    open.push(reader);
    expect(pathsOf((await reader.query({ scope: { paths: ['/w'] }, includeFailed: false })).events)).toEqual([
      '/w/a',
      '/w/b',
    ]);
    expect(pathsOf([...reader.iterate({ scope: { paths: ['/w/b'] }, includeFailed: false })])).toEqual(['/w/b']);
    const db = new (loadAddon().Database)(file, { readOnly: true });
    expect(db.prepare('PRAGMA user_version').get()).toEqual([2]);
    db.close();
  });
});
