// Whose deletions each client of the recorder is shown, tried as the users
// themselves would: two ordinary users, A and B, each deleting a file of
// their own. B, admitted with --allow-uid, is shown B's deletion and never
// A's, live or in history, whatever scope B asks for; A, a member of a group
// of --allow-group (and not of --allow-uid), is shown both, as root is.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';

import {
  PROTOCOL_VERSION,
  StartRequest,
  type DeletionEvent,
  type HistoryResult,
  type InitializeResult,
} from '../../../common/protocol';
import { OrdinaryUser } from '../../support/ordinaryUser';
import { UndoStack } from '../../support/undoStack';
import {
  buildClientScript,
  holdAsUser,
  recorderTest as it,
  waitUntil,
  type ScriptClientResult,
} from '../../support/recorder';
import { makeScratchDirectory, removeScratchDirectory } from '../../support/scratch';

const USER_A = 'st-rec-a';
const USER_B = 'st-rec-b';
const GROUP = 'st-rec-watchers';
const initialize = { method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION } };

/** The deletions of the trace/deletions notifications a client received. */
function liveDeletions(result: ScriptClientResult): DeletionEvent[] {
  return result.messages
    .filter((message) => message.method === 'trace/deletions')
    .flatMap((message) => (message.params as { events: DeletionEvent[] }).events);
}

function removeGroup(): void {
  try {
    execFileSync('groupdel', [GROUP], { stdio: 'pipe' });
  } catch {
    // not there
  }
}

describe('whose deletions the recorder shows', () => {
  const undo = new UndoStack();
  let userA: OrdinaryUser;
  let userB: OrdinaryUser;
  let script: string;

  async function asUser(user: OrdinaryUser, socket: string, messages: unknown[]): Promise<ScriptClientResult> {
    const run = await user.runWithInput(process.execPath, [script, socket, JSON.stringify(messages)], '');
    if (run.status !== 0) throw new Error(`the client exited with ${run.status}: ${run.stderr}`);
    return JSON.parse(run.stdout) as ScriptClientResult;
  }

  /** What `user` gets from history/query for `scope`, with what initialize said. */
  async function historyAs(
    user: OrdinaryUser,
    socket: string,
    scope: unknown,
  ): Promise<{ initialized: InitializeResult; history: HistoryResult }> {
    const result = await asUser(user, socket, [
      initialize,
      { method: 'history/query', params: { scope, includeFailed: true } },
    ]);
    const [initialized, history] = result.messages as { result: unknown }[];
    return { initialized: initialized.result as InitializeResult, history: history.result as HistoryResult };
  }

  beforeAll(() => {
    userA = OrdinaryUser.create(USER_A);
    undo.push(`removing the user ${USER_A}`, () => userA.remove());
    userB = OrdinaryUser.create(USER_B);
    undo.push(`removing the user ${USER_B}`, () => userB.remove());
    removeGroup();
    execFileSync('groupadd', [GROUP], { stdio: 'pipe' });
    undo.push(`removing the group ${GROUP}`, removeGroup);
    execFileSync('gpasswd', ['--add', USER_A, GROUP], { stdio: 'pipe' });
    const directory = makeScratchDirectory();
    undo.push(`removing ${directory}`, () => removeScratchDirectory(directory));
    script = buildClientScript(directory);
  });

  afterAll(() => undo.run());

  it("shows an --allow-uid user its own deletions only, and a member of --allow-group everyone's, live and in history", async ({
    recorderFiles,
    spawnRecorder,
    connect,
  }) => {
    const recorder = spawnRecorder({ allowUids: [userB.uid], args: ['--allow-group', GROUP] });
    await recorder.ready;
    const root = await connect();
    await root.initialize();
    await root.connection.sendRequest(StartRequest, { scope: 'system', includeFailed: true });
    const watching = [initialize, { method: 'trace/start', params: { scope: 'system', includeFailed: true } }];
    const liveA = holdAsUser(USER_A, script, recorderFiles.socket, watching);
    const liveB = holdAsUser(USER_B, script, recorderFiles.socket, watching);
    // B asks for A's home alone: an attacker's scope.
    const liveBOnA = holdAsUser(USER_B, script, recorderFiles.socket, [
      initialize,
      { method: 'trace/start', params: { scope: { paths: [userA.home] } } },
    ]);
    await Promise.all([liveA.answered, liveB.answered, liveBOnA.answered]);

    const fileA = userA.writeFile(path.join(userA.home, 'visibility', 'a-secret.txt'), 'A');
    const fileB = userB.writeFile(path.join(userB.home, 'visibility', 'b-own.txt'), 'B');
    await userA.run('rm', [fileA]);
    await userB.run('rm', [fileB]);
    await waitUntil('root is shown both deletions', () =>
      [fileA, fileB].every((file) => root.deletions.some((event) => event.path === file)),
    );
    // Batches go out within DELETIONS_FLUSH_MS; the clients had the same batch as root.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [seenByA, seenByB, seenByBOnA] = await Promise.all([liveA.finish(), liveB.finish(), liveBOnA.finish()]);

    const pathsOf = (events: DeletionEvent[]): string[] => events.map((event) => event.path);
    expect(pathsOf(liveDeletions(seenByA))).toEqual(expect.arrayContaining([fileA, fileB]));
    expect(pathsOf(liveDeletions(seenByB))).toContain(fileB);
    expect(pathsOf(liveDeletions(seenByB))).not.toContain(fileA);
    expect(liveDeletions(seenByB).every((event) => event.uid === userB.uid)).toBe(true);
    expect(liveDeletions(seenByBOnA)).toEqual([]);

    const bothHomes = { paths: [userA.home, userB.home] };
    const historyB = await historyAs(userB, recorderFiles.socket, bothHomes);
    expect(historyB.initialized.recorder?.sees).toBe('own');
    expect(pathsOf(historyB.history.events)).toEqual([fileB]);
    expect((await historyAs(userB, recorderFiles.socket, { paths: [userA.home] })).history.events).toEqual([]);
    const systemB = await historyAs(userB, recorderFiles.socket, 'system');
    expect(systemB.history.events.length).toBeGreaterThan(0);
    expect(systemB.history.events.every((event) => event.uid === userB.uid)).toBe(true);

    const historyA = await historyAs(userA, recorderFiles.socket, bothHomes);
    expect(historyA.initialized.recorder?.sees).toBe('system');
    expect(pathsOf(historyA.history.events)).toEqual([fileA, fileB]);
  });

  it("reads group membership at each connection: a member added after the recorder started is shown everyone's from the next", async ({
    recorderFiles,
    spawnRecorder,
  }) => {
    const recorder = spawnRecorder({ args: ['--allow-group', GROUP] });
    await recorder.ready;
    const before = await asUser(userB, recorderFiles.socket, [initialize]);
    expect(before.messages[0]).toMatchObject({ method: 'recorder/refused' });
    execFileSync('gpasswd', ['--add', USER_B, GROUP], { stdio: 'pipe' });
    try {
      const after = await asUser(userB, recorderFiles.socket, [initialize]);
      expect((after.messages[0].result as InitializeResult).recorder?.sees).toBe('system');
    } finally {
      execFileSync('gpasswd', ['--delete', USER_B, GROUP], { stdio: 'pipe' });
    }
  });
});
