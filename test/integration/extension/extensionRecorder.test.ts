// The extension's side of the recorder, with no VS Code: its client on the
// real recorder's socket (`node dist/helper.js record`), and the history and
// live deletions put into the store the Deletions view is drawn from, as the
// tracing session does it: trace/start first, then the history, each
// deletion once.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect } from 'vitest';

import { HISTORY_PAGE_MAX, type DeletionEvent, type RecorderStatus, type Scope } from '../../../common/protocol';
import { DeletionStore } from '../../../extension/view/deletionStore';
import { HistoryFeed } from '../../../extension/recorder/historyFeed';
import { fetchHistory } from '../../../extension/recorder/historyPaging';
import { RecorderConnection, type RecorderOutcome } from '../../../extension/recorder/recorderClient';
import { MAX_CONNECTIONS_PER_UID } from '../../../helper/recorder/recorderSocket';
import { OrdinaryUser } from '../../support/ordinaryUser';
import { UndoStack } from '../../support/undoStack';
import { recorderTest as it, waitUntil } from '../../support/recorder';
import { deleteFiles, makeScratchDirectory, makeTree, removeScratchDirectory } from '../../support/scratch';

const USER_NAME = 'st-ext-recorder';

/** The session's listener, reduced to what it does with the recorder's messages. */
function extensionSide(maxEvents = 100_000) {
  const store = new DeletionStore({ maxEvents });
  const feed = new HistoryFeed(store);
  const statuses: RecorderStatus[] = [];
  return {
    store,
    feed,
    statuses,
    listener: {
      onDeletions: (events: DeletionEvent[]) => void feed.addLive(events),
      onLost: (lost: number) => store.addLost(lost),
      onStatus: (status: RecorderStatus) => void statuses.push(status),
    },
  };
}

async function admitted(outcome: Promise<RecorderOutcome>): Promise<RecorderConnection> {
  const result = await outcome;
  if (result.kind !== 'admitted') throw new Error(`not admitted: ${JSON.stringify(result)}`);
  return result.recorder;
}

const pathsIn = (store: DeletionStore): string[] => store.oldestFirst().map(({ event }) => event.path);

/**
 * The recorder's history of `directory`, once it holds `count` deletions: it
 * answers with what it had taken from the kernel when asked, which a
 * deletion made a moment ago may not be yet.
 */
async function recordedPaths(recorder: RecorderConnection, directory: string, count: number): Promise<string[]> {
  let recorded: string[] = [];
  for (let tries = 0; recorded.length < count && tries < 100; tries++) {
    if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    recorded = (await recorder.history({ scope: { paths: [directory] } })).events.map((event) => event.path);
  }
  return recorded;
}

describe('the extension’s recorder client', () => {
  it('traces without elevation: trace/start, then the history, and every deletion once, in order', async ({
    scratch,
    recorderFiles,
    spawnRecorder,
  }) => {
    await spawnRecorder().ready;
    const before = deleteFiles(scratch, 5);
    const side = extensionSide();
    const recorder = await admitted(RecorderConnection.connect(recorderFiles.socket, side.listener, { personUid: 0 }));
    try {
      expect(recorder.status.database).toBe(recorderFiles.database);
      await recorder.start({ paths: [scratch] }, true);
      const load = side.feed.beginLoad('fresh');
      makeTree(scratch, ['during/x']);
      const during = deleteFiles(path.join(scratch, 'during'), 5);
      const history = await fetchHistory((params) => recorder.history(params), {
        scope: { paths: [scratch] },
        includeFailed: true,
        newerThan: load.newerThan,
        maxEvents: side.store.limit,
        maxBytes: side.store.byteLimit,
      });
      side.feed.endLoad(load, history.events);
      makeTree(scratch, ['after/x']);
      const after = deleteFiles(path.join(scratch, 'after'), 3);
      await waitUntil('the deletions after the history, live', () =>
        after.every((file) => pathsIn(side.store).includes(file)),
      );
      await recorder.stats(); // a round trip: what the recorder sent before its answer has arrived
      expect(pathsIn(side.store)).toEqual([...before, ...during, ...after]);
      const seqs = side.store.oldestFirst().map(({ event }) => event.seq);
      expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    } finally {
      await recorder.close();
    }
  });

  it('pages through a history larger than a page, newest first, and stops at the store’s limit', async ({
    scratch,
    recorderFiles,
    spawnRecorder,
  }) => {
    await spawnRecorder().ready;
    const files = deleteFiles(scratch, HISTORY_PAGE_MAX + 2_000);
    const recorder = await admitted(
      RecorderConnection.connect(recorderFiles.socket, extensionSide().listener, { personUid: 0 }),
    );
    try {
      const query = (scope: Scope, maxEvents: number) =>
        fetchHistory((params) => recorder.history(params), {
          scope,
          includeFailed: false,
          newerThan: 0,
          maxEvents,
          maxBytes: Infinity,
        });
      let whole = await query({ paths: [scratch] }, 100_000);
      for (let tries = 0; whole.events.length < files.length && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        whole = await query({ paths: [scratch] }, 100_000);
      }
      expect(whole.cut).toBe(false);
      expect(whole.events.map((event) => event.path)).toEqual(files);
      const newest = await query({ paths: [scratch] }, HISTORY_PAGE_MAX + 1_000);
      expect(newest.cut).toBe(true);
      expect(newest.events.map((event) => event.path)).toEqual(files.slice(1_000));
    } finally {
      await recorder.close();
    }
  });

  it('asks for the history of one folder and from one time on', async ({ scratch, recorderFiles, spawnRecorder }) => {
    await spawnRecorder().ready;
    makeTree(scratch, ['one/x', 'two/y']);
    fs.rmSync(path.join(scratch, 'one/x'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const since = new Date().toISOString();
    fs.rmSync(path.join(scratch, 'two/y'));
    fs.rmSync(path.join(scratch, 'one'), { recursive: true });
    const recorder = await admitted(
      RecorderConnection.connect(recorderFiles.socket, extensionSide().listener, { personUid: 0 }),
    );
    try {
      expect(await recordedPaths(recorder, scratch, 3)).toHaveLength(3);
      const history = (scope: Scope, from?: string) =>
        fetchHistory((params) => recorder.history(params), {
          scope,
          since: from,
          includeFailed: false,
          newerThan: 0,
          maxEvents: 1000,
          maxBytes: Infinity,
        });
      expect((await history({ paths: [path.join(scratch, 'one')] })).events.map((event) => event.path)).toEqual([
        path.join(scratch, 'one/x'),
        path.join(scratch, 'one'),
      ]);
      expect((await history({ paths: [scratch] }, since)).events.map((event) => event.path)).toEqual([
        path.join(scratch, 'two/y'),
        path.join(scratch, 'one'),
      ]);
    } finally {
      await recorder.close();
    }
  });

  it('stops live deletions at trace/stop, while the recorder goes on recording them', async ({
    scratch,
    recorderFiles,
    spawnRecorder,
  }) => {
    await spawnRecorder().ready;
    const side = extensionSide();
    const recorder = await admitted(RecorderConnection.connect(recorderFiles.socket, side.listener, { personUid: 0 }));
    try {
      await recorder.start({ paths: [scratch] }, false);
      const live = deleteFiles(scratch, 2);
      await waitUntil('the live deletions', () => side.store.size === 2);
      expect(await recorder.stop()).toMatchObject({ events: 2, lost: 0 });
      makeTree(scratch, ['later']);
      fs.rmSync(path.join(scratch, 'later'));
      expect(await recordedPaths(recorder, scratch, 3)).toEqual([...live, path.join(scratch, 'later')]);
      await recorder.stats();
      expect(pathsIn(side.store)).toEqual(live);
    } finally {
      await recorder.close();
    }
  });

  it('notices the recorder going away', async ({ recorderFiles, spawnRecorder }) => {
    const running = spawnRecorder();
    await running.ready;
    const recorder = await admitted(
      RecorderConnection.connect(recorderFiles.socket, extensionSide().listener, { personUid: 0 }),
    );
    await running.stop('SIGTERM');
    await recorder.closed;
    await expect(recorder.history({ scope: 'system' })).rejects.toThrow();
  });

  it('finds no recorder, and says so only in the log, where no socket is or nobody listens', async ({
    recorderFiles,
    spawnRecorder,
  }) => {
    const missing = await RecorderConnection.connect(recorderFiles.socket, extensionSide().listener, { personUid: 0 });
    expect(missing).toMatchObject({ kind: 'absent', worthSaying: false });
    const killed = spawnRecorder();
    await killed.ready;
    await killed.stop('SIGKILL');
    expect(fs.statSync(recorderFiles.socket).isSocket()).toBe(true);
    const stale = await RecorderConnection.connect(recorderFiles.socket, extensionSide().listener, { personUid: 0 });
    expect(stale).toMatchObject({
      kind: 'absent',
      worthSaying: false,
      reason: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('takes a recorder that refuses one more connection of this uid for one it cannot use now, in the recorder’s words', async ({
    recorderFiles,
    spawnRecorder,
    connect,
  }) => {
    await spawnRecorder().ready;
    const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS_PER_UID }, () => connect()));
    await Promise.all(held.map((client) => client.initialize()));
    const outcome = await RecorderConnection.connect(recorderFiles.socket, extensionSide().listener, { personUid: 0 });
    expect(outcome).toEqual({
      kind: 'unusable',
      reason: `uid 0 has ${MAX_CONNECTIONS_PER_UID} connections to the Syscall Trace recorder open already, the most it serves one uid; close one (a VS Code window, a client) and try again`,
    });
  });

  describe('for a user other than root', () => {
    const undo = new UndoStack();
    let user: OrdinaryUser;
    let script: string;

    beforeAll(() => {
      user = OrdinaryUser.create(USER_NAME);
      undo.push(`removing the user ${USER_NAME}`, () => user.remove());
      const directory = makeScratchDirectory();
      undo.push(`removing ${directory}`, () => removeScratchDirectory(directory));
      fs.chmodSync(directory, 0o755);
      script = path.join(directory, 'recorderConnection.js');
      buildSync({
        entryPoints: [path.join(__dirname, '../../support/recorderConnectionScript.ts')],
        bundle: true,
        platform: 'node',
        target: 'node20',
        outfile: script,
        logLevel: 'warning',
      });
      fs.chmodSync(script, 0o644);
    });
    afterAll(() => undo.run());

    const connectAsUser = async (socket: string): Promise<Record<string, unknown>> => {
      const run = await user.runWithInput(process.execPath, [script, socket], '');
      if (run.status !== 0) throw new Error(`the client exited with ${run.status}: ${run.stderr}`);
      return JSON.parse(run.stdout) as Record<string, unknown>;
    };

    it('passes on, word for word, the recorder’s refusal, which says who can admit the user', async ({
      recorderFiles,
      spawnRecorder,
    }) => {
      await spawnRecorder().ready;
      const outcome = await connectAsUser(recorderFiles.socket);
      expect(outcome).toEqual({
        kind: 'notAdmitted',
        message: `uid ${user.uid} is not admitted to the Syscall Trace recorder; the administrator of this machine can admit it`,
      });
    });

    it('is served once the recorder admits the user', async ({ recorderFiles, spawnRecorder }) => {
      const recorder = spawnRecorder({ allowUids: [user.uid] });
      await recorder.ready;
      expect(await connectAsUser(recorderFiles.socket)).toEqual({ kind: 'admitted', pid: recorder.pid });
    });
  });
});
