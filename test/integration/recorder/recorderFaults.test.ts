// A recording that cannot be written does not stop the recorder: with a
// damaged database file, on a read-only file system, or once the disk is
// full, it starts (or goes on) all the same, serves live deletions, says
// what is wrong in its RecorderStatus (initialize, recorder/status), counts
// what it could not record, answers history/query with HistoryUnavailable
// where there is no recording to read, and never writes over a file that is
// not its own.
import * as crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { HelperErrorCodes, HistoryRequest, StartRequest } from '../../../common/protocol';
import { loadAddon } from '../../../helper/native';
import { REOPEN_MS_VARIABLE } from '../../../helper/recorder/recorder';
import { errorOf } from '../../support/helperTest';
import { mountTmpfs, unmount } from '../../support/mounts';
import { giveToRecorderAccount } from '../../support/recorderAccount';
import { recorderTest as it, waitUntil, type RecorderClient } from '../../support/recorder';
import { deleteFiles } from '../../support/scratch';

async function heard(client: RecorderClient, files: string[]): Promise<void> {
  await waitUntil(`${files.length} deletions heard`, () =>
    files.every((file) => client.deletions.some((event) => event.path === file)),
  );
}

describe('the recorder, where its database cannot be written', () => {
  it('with a damaged database file: says so, counts what it cannot record, serves live deletions, and leaves the file as it was', async ({
    scratch,
    recorderFiles,
    spawnRecorder,
    connect,
  }) => {
    const damaged = crypto.randomBytes(64 * 1024);
    giveToRecorderAccount(path.dirname(recorderFiles.database));
    fs.writeFileSync(recorderFiles.database, damaged, { mode: 0o600 });
    giveToRecorderAccount(recorderFiles.database);
    const recorder = spawnRecorder();
    await recorder.ready;
    expect(recorder.stderr()).toContain(
      `syscall-trace: recording nothing, serving live deletions only: cannot open ${recorderFiles.database}: it is damaged or not a SQLite database`,
    );

    const client = await connect();
    const { recorder: status } = await client.initialize();
    expect(status?.problem).toMatch(/^cannot open .*: it is damaged or not a SQLite database/);
    await client.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
    const files = deleteFiles(scratch, 10);
    await heard(client, files);

    const error = await errorOf(client.connection.sendRequest(HistoryRequest, { scope: { paths: [scratch] } }));
    expect(error.code).toBe(HelperErrorCodes.HistoryUnavailable);
    expect(error.message).toMatch(/^history\/query: cannot open .*: it is damaged or not a SQLite database/);
    // Within a second of the deletions, the count of what went unrecorded.
    await waitUntil('a recorder/status that counts the 10 deletions', () =>
      client.statuses.some((said) => said.unrecorded >= 10),
    );
    expect(client.statuses.at(-1)).toMatchObject({ database: recorderFiles.database, problem: status?.problem });
    expect(fs.readFileSync(recorderFiles.database).equals(damaged)).toBe(true);
  });

  it('with a database another process holds locked: says so, keeps the deletions waiting, and writes them once the lock is gone', async ({
    scratch,
    recorderFiles,
    spawnRecorder,
    connect,
  }) => {
    const first = spawnRecorder();
    await first.ready;
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const holder = new (loadAddon().Database)(recorderFiles.database);
    try {
      holder.exec('BEGIN EXCLUSIVE');
      const recorder = spawnRecorder();
      await recorder.ready;
      const client = await connect();
      await client.initialize();
      await client.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
      const files = deleteFiles(scratch, 10);
      await heard(client, files);
      await waitUntil('a recorder/status that says the database is locked', () =>
        client.statuses.some((said) => /another process holds it locked/.test(said.problem ?? '')),
      );

      holder.exec('COMMIT');
      await waitUntil('a recorder/status without a problem', () => client.statuses.at(-1)?.problem === undefined);
      const { events } = await client.connection.sendRequest(HistoryRequest, { scope: { paths: [scratch] } });
      expect(events.map((event) => event.path)).toEqual(files);
      expect(client.statuses.at(-1)?.unrecorded).toBe(0);
    } finally {
      holder.close();
    }
  });

  it('on a read-only file system: says so, serves live deletions, and records once it may write again', async ({
    scratch,
    recorderFiles,
    spawnRecorder,
    connect,
  }) => {
    const state = path.dirname(recorderFiles.database);
    fs.mkdirSync(state, { mode: 0o700 });
    mountTmpfs(state, '1m');
    giveToRecorderAccount(state);
    let recorder: ReturnType<typeof spawnRecorder> | undefined;
    try {
      execFileSync('mount', ['-o', 'remount,ro', state]);
      recorder = spawnRecorder({ env: { [REOPEN_MS_VARIABLE]: '500' } });
      await recorder.ready;
      const client = await connect();
      const { recorder: status } = await client.initialize();
      expect(status?.problem).toMatch(/read-only/i);
      await client.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
      const unrecorded = deleteFiles(scratch, 5);
      await heard(client, unrecorded);

      execFileSync('mount', ['-o', 'remount,rw', state]);
      await waitUntil(
        'a recorder/status without a problem',
        () => client.statuses.at(-1)?.problem === undefined && client.statuses.length > 0,
      );
      // Whatever else the machine deleted meanwhile went unrecorded too.
      expect(client.statuses.at(-1)?.unrecorded).toBeGreaterThanOrEqual(unrecorded.length);
      const recorded = deleteFiles(scratch, 3);
      // The same names as before: it is the count that says the new ones were heard.
      await waitUntil(
        'the 3 deletions after the remount heard',
        () => client.deletions.length === unrecorded.length + recorded.length,
      );
      const { events } = await client.connection.sendRequest(HistoryRequest, { scope: { paths: [scratch] } });
      expect(events.map((event) => event.path)).toEqual(recorded);
      // Numbered on from what the clients were given while nothing was recorded.
      const heardSeqs = client.deletions.map((event) => event.seq);
      expect(heardSeqs).toEqual([...heardSeqs].sort((a, b) => a - b));
      expect(new Set(heardSeqs).size).toBe(heardSeqs.length);
    } finally {
      // The recorder holds the file system until it ends.
      await recorder?.stop('SIGKILL');
      unmount(state);
    }
  });

  it('once the disk is full: says so, counts what it could not record, and goes on serving live deletions', async ({
    scratch,
    recorderFiles,
    spawnRecorder,
    connect,
  }) => {
    const state = path.dirname(recorderFiles.database);
    fs.mkdirSync(state, { mode: 0o700 });
    mountTmpfs(state, '256k');
    giveToRecorderAccount(state);
    try {
      const recorder = spawnRecorder();
      await recorder.ready;
      const client = await connect();
      const { recorder: status } = await client.initialize();
      expect(status?.problem).toBeUndefined();
      await client.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
      // Long names fill 256 KiB within a few thousand deletions.
      const long = 'x'.repeat(200);
      for (let round = 0; round < 40 && !client.statuses.some((said) => said.problem !== undefined); round++) {
        const files = Array.from({ length: 500 }, (_, i) => path.join(scratch, `${long}-${round}-${i}`));
        for (const file of files) fs.writeFileSync(file, '');
        for (const file of files) fs.unlinkSync(file);
        await heard(client, files.slice(-1));
        await new Promise((resolve) => setTimeout(resolve, 600));
      }
      await waitUntil('a recorder/status that says the disk is full', () =>
        client.statuses.some((said) => /the disk is full/.test(said.problem ?? '')),
      );
      const full = client.statuses.find((said) => said.problem !== undefined)!;
      expect(full.unrecorded).toBeGreaterThan(0);

      const after = deleteFiles(scratch, 10);
      await heard(client, after);
      expect(recorder.child.exitCode).toBeNull();
      await recorder.stop('SIGKILL');
    } finally {
      unmount(state);
    }
  });
});
