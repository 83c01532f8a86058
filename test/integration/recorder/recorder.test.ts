// The flight recorder (`node dist/helper.js record`), real, on the real
// kernel, with a database and a socket of the test's own: what is deleted
// once it has said it is ready reaches a client live and the recording,
// under one seq; history/query pages and filters the recording; the end
// (SIGTERM) commits what was taken from the kernel; a restart goes on with
// the next seq and keeps what was there; a SIGKILL in the middle of a storm
// loses at most what was not yet committed, and the recorder records again.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import {
  HelperErrorCodes,
  HistoryRequest,
  StartRequest,
  StatsRequest,
  StopRequest,
  type DeletionEvent,
} from '../../../common/protocol';
import { errorOf } from '../../support/helperTest';
import { run } from '../../support/programs';
import { recorderTest as it, waitUntil, type RecorderClient } from '../../support/recorder';
import { deleteFiles, makeTree } from '../../support/scratch';

const paths = (events: DeletionEvent[]): string[] => events.map((event) => event.path);
const seqs = (events: DeletionEvent[]): number[] => events.map((event) => event.seq);

async function historyOf(client: RecorderClient, directory: string, includeFailed = false): Promise<DeletionEvent[]> {
  const { events, more } = await client.connection.sendRequest(HistoryRequest, {
    scope: { paths: [directory] },
    includeFailed,
  });
  expect(more).toBe(false);
  return events;
}

/**
 * Deletes `count` files in `directory` and waits until `watcher`, which
 * listens there, has heard of them: history/query writes what the recorder
 * has taken from the kernel when it asks, and the kernel's records take a
 * moment to arrive.
 */
async function deleteWhileWatched(watcher: RecorderClient, directory: string, count: number): Promise<string[]> {
  const files = deleteFiles(directory, count);
  const last = files.at(-1);
  await waitUntil(`the deletion of ${last} heard`, () => watcher.deletions.some((event) => event.path === last));
  return files;
}

async function watch(client: RecorderClient, directory: string): Promise<void> {
  await client.initialize();
  await client.connection.sendRequest(StartRequest, { scope: { paths: [directory] } });
}

/** Two folders side by side in the scratch directory: one a client watches, one it does not. */
function insideAndOutside(scratch: string): { inside: string; outside: string } {
  const inside = path.join(scratch, 'inside');
  const outside = path.join(scratch, 'outside');
  fs.mkdirSync(inside);
  fs.mkdirSync(outside);
  return { inside, outside };
}

function expectIncreasing(numbers: number[]): void {
  for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBeGreaterThan(numbers[i - 1]);
}

describe('a client of the recorder', () => {
  it('gets the deletions made after the ready line live, and finds the same ones, with the same seq, in history/query', async ({
    scratch,
    recorderFiles,
    spawnRecorder,
    connect,
  }) => {
    const recorder = spawnRecorder();
    await recorder.ready;
    const client = await connect();
    const { recorder: status } = await client.initialize();
    expect(status).toEqual({
      database: recorderFiles.database,
      unrecorded: 0,
      retainDays: 30,
      retainMib: 1024,
      sees: 'system',
    });
    await client.connection.sendRequest(StartRequest, { scope: { paths: [scratch] }, includeFailed: true });

    const files = deleteFiles(scratch, 50);
    expect(() => fs.unlinkSync(path.join(scratch, 'never-there'))).toThrow(/ENOENT/);
    await waitUntil('51 live deletions', () => client.deletions.length >= 51);

    expect(paths(client.deletions)).toEqual([...files, path.join(scratch, 'never-there')]);
    expectIncreasing(seqs(client.deletions));
    expect(await historyOf(client, scratch, true)).toEqual(client.deletions);
    // Failed deletions are recorded, and left out unless asked for.
    expect(paths(await historyOf(client, scratch))).toEqual(files);
  });

  it('hears only the deletions in its scope, failed ones only where asked, and trace/stop answers its own counts', async ({
    scratch,
    spawnRecorder,
    connect,
  }) => {
    const recorder = spawnRecorder();
    await recorder.ready;
    const { inside, outside } = insideAndOutside(scratch);
    const client = await connect();
    await client.initialize();
    await client.connection.sendRequest(StartRequest, { scope: { paths: [inside] } });
    const everything = await connect();
    await everything.initialize();
    await everything.connection.sendRequest(StartRequest, { scope: { paths: [scratch] }, includeFailed: true });

    const wanted = deleteFiles(inside, 5);
    deleteFiles(outside, 7);
    expect(() => fs.unlinkSync(path.join(inside, 'never-there'))).toThrow(/ENOENT/);
    await waitUntil(
      '13 deletions for the client of the whole scratch directory',
      () => everything.deletions.length >= 13,
    );
    const stats = await client.connection.sendRequest(StopRequest, {});

    expect(paths(client.deletions)).toEqual(wanted);
    expect(stats.events).toBe(5);
    expect(stats.filtered).toBeGreaterThanOrEqual(8);
    expect(stats.lost).toBe(0);
    // The same deletions under the same numbers, whichever client heard them.
    expect(everything.deletions.filter((event) => event.path.startsWith(`${inside}/`) && event.result === 0)).toEqual(
      client.deletions,
    );

    // Unsubscribed: nothing more, while the recorder goes on recording.
    deleteFiles(inside, 3);
    await waitUntil('16 deletions for the other client', () => everything.deletions.length >= 16);
    expect(client.deletions).toHaveLength(5);
    expect((await client.connection.sendRequest(StatsRequest, {})).events).toBe(5);
    expect(paths(await historyOf(client, inside))).toHaveLength(8);
  });

  it('hears and finds a rename by either path: moved into its folder, moved out of it, and replacing a file in it', async ({
    scratch,
    spawnRecorder,
    connect,
  }) => {
    const recorder = spawnRecorder();
    await recorder.ready;
    const { inside, outside } = insideAndOutside(scratch);
    const client = await connect();
    await watch(client, inside);

    fs.writeFileSync(path.join(outside, 'arriving'), 'x');
    fs.renameSync(path.join(outside, 'arriving'), path.join(inside, 'arrived'));
    fs.writeFileSync(path.join(inside, 'leaving'), 'x');
    fs.renameSync(path.join(inside, 'leaving'), path.join(outside, 'left'));
    fs.writeFileSync(path.join(inside, 'conf'), 'old');
    fs.writeFileSync(path.join(inside, 'conf.tmp'), 'new');
    fs.renameSync(path.join(inside, 'conf.tmp'), path.join(inside, 'conf'));
    fs.writeFileSync(path.join(outside, 'a'), 'x');
    fs.renameSync(path.join(outside, 'a'), path.join(outside, 'b'));
    await waitUntil('3 renames heard', () => client.deletions.length >= 3);

    // A fresh destination nobody looked up may be "not known" on a disk file system, never replaced.
    const moves = (events: DeletionEvent[]): [string, string | undefined, boolean][] =>
      events.map((event) => [event.path, event.movedTo, event.replaced === true]);
    expect(moves(client.deletions)).toEqual([
      [path.join(outside, 'arriving'), path.join(inside, 'arrived'), false],
      [path.join(inside, 'leaving'), path.join(outside, 'left'), false],
      [path.join(inside, 'conf.tmp'), path.join(inside, 'conf'), true],
    ]);
    // History finds the same renames under the same numbers, each once, and none of the folder beside.
    expect(await historyOf(client, inside)).toEqual(client.deletions);
  });

  it('pages history/query from the newest back, with `before` and `more`', async ({
    scratch,
    spawnRecorder,
    connect,
  }) => {
    const recorder = spawnRecorder();
    await recorder.ready;
    const client = await connect();
    await watch(client, scratch);
    const files = await deleteWhileWatched(client, scratch, 25);
    const scope = { paths: [scratch] };

    const all = await client.connection.sendRequest(HistoryRequest, { scope });
    expect(paths(all.events)).toEqual(files);
    const newest = await client.connection.sendRequest(HistoryRequest, { scope, limit: 10 });
    expect(newest.events).toEqual(all.events.slice(15));
    expect(newest.more).toBe(true);
    const before = await client.connection.sendRequest(HistoryRequest, {
      scope,
      limit: 10,
      before: newest.events[0].seq,
    });
    expect(before.events).toEqual(all.events.slice(5, 15));
    const oldest = await client.connection.sendRequest(HistoryRequest, {
      scope,
      limit: 10,
      before: before.events[0].seq,
    });
    expect(oldest.events).toEqual(all.events.slice(0, 5));
    expect(oldest.more).toBe(false);

    const middle = all.events[12].time;
    const since = await client.connection.sendRequest(HistoryRequest, { scope, since: middle });
    expect(since.events).toEqual(all.events.filter((event) => event.time >= middle));
    const until = await client.connection.sendRequest(HistoryRequest, { scope, until: middle });
    expect(until.events).toEqual(all.events.filter((event) => event.time < middle));
  });

  it('is refused history/query with a wrong parameter, naming it, and before initialize', async ({
    spawnRecorder,
    connect,
  }) => {
    const recorder = spawnRecorder();
    await recorder.ready;
    const client = await connect();
    const early = await errorOf(client.connection.sendRequest(HistoryRequest, { scope: 'system' }));
    expect(early.code).toBe(HelperErrorCodes.WrongState);
    await client.initialize();
    const refusals: [unknown, RegExp][] = [
      [{}, /params.scope must be "system"/],
      [{ scope: 'system', limit: 0 }, /params.limit must be a whole number from 1 to 10000/],
      [{ scope: 'system', limit: 10_001 }, /params.limit must be a whole number from 1 to 10000/],
      [{ scope: 'system', since: 'yesterday' }, /params.since must be an ISO-8601 time with its zone/],
      [{ scope: 'system', until: '2025-01-01T00:00:00' }, /params.until must be an ISO-8601 time with its zone/],
      [
        { scope: 'system', since: '2025-02-01T00:00:00Z', until: '2025-01-01T00:00:00Z' },
        /params.since must not be later than params.until/,
      ],
      [{ scope: 'system', before: -1 }, /params.before must be a whole number of at least 1/],
      [{ scope: 'system', includeFailed: 'yes' }, /params.includeFailed must be true or false/],
      [{ scope: 'system', order: 'asc' }, /unknown field "order"/],
    ];
    for (const [params, message] of refusals) {
      const error = await errorOf(client.connection.sendRequest(HistoryRequest.method, params));
      expect({ params, code: error.code }).toEqual({ params, code: -32602 });
      expect(error.message).toMatch(message);
    }
  });

  it('says shutdown is for its own connection: the recorder goes on serving others', async ({
    spawnRecorder,
    connect,
  }) => {
    const recorder = spawnRecorder();
    await recorder.ready;
    const leaving = await connect();
    await leaving.initialize();
    await leaving.connection.sendRequest('shutdown');
    await leaving.closed;
    const staying = await connect();
    expect((await staying.initialize()).pid).toBe(recorder.pid);
  });
});

describe('a client that does not read', () => {
  it('loses its own deletions, counted in its lost, while the recording and the other clients get them all', async ({
    scratch,
    spawnRecorder,
    connect,
  }) => {
    const recorder = spawnRecorder();
    await recorder.ready;
    const storm = path.join(scratch, 'storm');
    const files = Array.from({ length: 20_000 }, (_, i) => `storm/d${i % 10}/f${i}`);
    makeTree(scratch, files);
    const total = files.length + 10 + 1;
    const reader = await connect();
    await watch(reader, storm);
    const sleeper = await connect();
    await watch(sleeper, storm);
    sleeper.socket.pause();

    // A directory at a time, each heard before the next goes: the reader is
    // a test process on a busy machine, which a whole storm at once could
    // leave 10,000 deletions behind too, as it does the one that sleeps.
    const heardOrLost = (): number => reader.deletions.length + (reader.lostTotals.at(-1) ?? 0);
    for (let directory = 0; directory < 10; directory++) {
      await run('rm', ['-rf', path.join(storm, `d${directory}`)]);
      const deleted = (files.length / 10 + 1) * (directory + 1);
      await waitUntil(
        `the storm's directory d${directory} heard by the client that reads`,
        () => heardOrLost() >= deleted,
        60_000,
      );
    }
    await run('rm', ['-rf', storm]);
    await waitUntil('the storm heard by the client that reads', () => heardOrLost() >= total, 60_000);
    expect(reader.lostTotals).toEqual([]);
    expect(reader.deletions).toHaveLength(total);

    sleeper.socket.resume();
    const lost = (): number => sleeper.lostTotals.at(-1) ?? 0;
    await waitUntil(
      'every deletion of the storm either heard or counted lost',
      () => sleeper.deletions.length + lost() >= total,
      60_000,
    );
    const stats = await sleeper.connection.sendRequest(StatsRequest, {});
    expect(stats.lost).toBe(lost());
    expect(stats.events).toBe(sleeper.deletions.length);
    expect(stats.events + stats.lost).toBe(total);
    expect(stats.lost).toBeGreaterThan(0);
    // What it heard, it heard in order and as the others did.
    expectIncreasing(seqs(sleeper.deletions));
    const heard = new Map(reader.deletions.map((event) => [event.seq, event]));
    for (const event of sleeper.deletions) expect(heard.get(event.seq)).toEqual(event);

    let recorded = 0;
    for (let before: number | undefined; ;) {
      const page = await reader.connection.sendRequest(HistoryRequest, {
        scope: { paths: [storm] },
        ...(before ? { before } : {}),
      });
      recorded += page.events.length;
      if (!page.more) break;
      before = page.events[0].seq;
    }
    expect(recorded).toBe(total);
  });
});

describe('the recorder, ended and started again', () => {
  it('commits on SIGTERM what it had taken, removes its socket and exits 0; started again, it numbers on and keeps the old deletions', async ({
    scratch,
    recorderFiles,
    spawnRecorder,
    connect,
  }) => {
    const first = spawnRecorder();
    await first.ready;
    const watcher = await connect();
    await watch(watcher, scratch);
    const before = await deleteWhileWatched(watcher, scratch, 20);
    // At once: well within the recording's commit interval, so that only the end's own commit can have written them.
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(recorderFiles.socket)).toBe(false);

    const second = spawnRecorder();
    await second.ready;
    const client = await connect();
    const { recorder: status } = await client.initialize();
    expect(status?.problem).toBeUndefined();
    // The whole system is recorded: something else may have deleted before the test did.
    expect(Date.parse(status!.oldest!)).toBeLessThanOrEqual(Date.parse(watcher.deletions[0].time));
    const kept = await historyOf(client, scratch);
    expect(kept).toEqual(watcher.deletions);

    await client.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
    const after = await deleteWhileWatched(client, scratch, 20);
    const both = await historyOf(client, scratch);
    expect(paths(both)).toEqual([...before, ...after]);
    expectIncreasing(seqs(both));
    expect(both.slice(0, 20)).toEqual(kept);
  });

  it('killed (SIGKILL) in the middle of a storm, keeps what it had committed, and records again once restarted', async ({
    scratch,
    spawnRecorder,
    connect,
  }) => {
    const first = spawnRecorder();
    await first.ready;
    const watcher = await connect();
    await watch(watcher, scratch);

    // Committed for certain: history/query writes everything taken before it.
    const committed = await deleteWhileWatched(watcher, scratch, 100);
    expect(paths(await historyOf(watcher, scratch))).toEqual(committed);

    const storm = path.join(scratch, 'storm');
    const stormFiles = Array.from({ length: 20_000 }, (_, i) => `storm/d${i % 20}/f${i}`);
    makeTree(scratch, stormFiles);
    const rm = spawn('rm', ['-rf', storm], { stdio: 'ignore' });
    const rmEnded = new Promise((resolve) => rm.on('exit', resolve));
    await waitUntil('2,000 deletions of the storm live', () => watcher.deletions.length >= 100 + 2000, 60_000);
    expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    await rmEnded;

    const second = spawnRecorder();
    await second.ready;
    const client = await connect();
    const { recorder: status } = await client.initialize();
    expect(status?.problem).toBeUndefined();
    const survived = await historyOf(client, scratch);
    expect(paths(survived.slice(0, 100))).toEqual(committed);
    const stormSurvived = survived.slice(100);
    expect(stormSurvived.length).toBeLessThanOrEqual(stormFiles.length + 21);
    for (const event of stormSurvived) expect(event.path.startsWith(`${storm}/`) || event.path === storm).toBe(true);
    expect(new Set(paths(stormSurvived)).size).toBe(stormSurvived.length);
    expectIncreasing(seqs(survived));
    // What survived and was heard live is the same deletion under the same number: none made up, none renumbered.
    const heard = new Map(watcher.deletions.map((event) => [event.seq, event]));
    for (const event of stormSurvived) if (heard.has(event.seq)) expect(heard.get(event.seq)).toEqual(event);

    await client.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
    const again = await deleteWhileWatched(client, scratch, 10);
    const now = await historyOf(client, scratch);
    expect(paths(now.slice(-10))).toEqual(again);
    expect(now.at(-10)!.seq).toBeGreaterThan(Math.max(...seqs(survived)));
  });
});
